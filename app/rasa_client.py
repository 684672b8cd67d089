"""Thin client for the Rasa server: the REST channel, the status route and the tracker API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx


class RasaError(Exception):
    """The Rasa server could not answer."""

    kind = "error"  # the label of rasa_errors_total


class RasaUnavailable(RasaError):
    """Connection refused, reset or timed out."""

    kind = "unavailable"


class RasaBadResponse(RasaError):
    """Rasa answered, but not with what its API promises."""

    kind = "bad_response"


def operation_of(path: str) -> str:
    """A call's name for the metrics: ``message``, ``status``, or the part of a conversation's path
    after its id (``tracker``, ``tracker/events``, ``trigger_intent``)."""
    if path == "/webhooks/rest/webhook":
        return "message"
    if path.startswith("/conversations/"):
        return path.split("/", 3)[3] if path.count("/") >= 3 else "conversation"
    return path.strip("/") or "root"


class RasaClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        timeout: float,
        on_error: Callable[[str, str], None] | None = None,
    ) -> None:
        self._token = token
        self._http = httpx.AsyncClient(base_url=base_url, timeout=httpx.Timeout(timeout, connect=2.0))
        # Told of every failed call: (operation, "timeout" | "unavailable" | "bad_response").
        self._on_error = on_error or (lambda operation, kind: None)

    async def close(self) -> None:
        await self._http.aclose()

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            return await self._call(method, path, **kwargs)
        except RasaError as exc:
            kind = "timeout" if isinstance(exc.__cause__, httpx.TimeoutException) else exc.kind
            self._on_error(operation_of(path), kind)
            raise

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise RasaUnavailable(f"Rasa did not answer {path} in time") from exc
        except httpx.TransportError as exc:
            raise RasaUnavailable(f"Rasa is unreachable ({type(exc).__name__})") from exc
        if response.status_code >= 400:
            raise RasaBadResponse(f"Rasa answered {path} with HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError as exc:
            raise RasaBadResponse(f"Rasa answered {path} with something that is not JSON") from exc

    async def send(self, sender: str, text: str, metadata: dict[str, Any] | None = None) -> list[dict]:
        """Hand one message to the REST channel; return Rasa's replies."""
        body = {"sender": sender, "message": text, "metadata": metadata or {}}
        replies = await self._request("POST", "/webhooks/rest/webhook", json=body)
        if not isinstance(replies, list):
            raise RasaBadResponse("Rasa's REST channel did not answer with a list")
        return [r for r in replies if isinstance(r, dict)]

    async def status(self) -> dict[str, Any]:
        """The loaded model (``/status``, needs the token)."""
        return await self._request("GET", "/status", params={"token": self._token})

    async def tracker(self, conversation_id: str) -> dict[str, Any]:
        return await self._request(
            "GET", f"/conversations/{conversation_id}/tracker", params={"token": self._token}
        )

    async def events(self, conversation_id: str) -> list[dict[str, Any]]:
        """Every event of a conversation, oldest first (the tracker with ``include_events=ALL``)."""
        tracker = await self._request(
            "GET",
            f"/conversations/{conversation_id}/tracker",
            params={"token": self._token, "include_events": "ALL"},
        )
        events = tracker.get("events") if isinstance(tracker, dict) else None
        if not isinstance(events, list):
            raise RasaBadResponse("Rasa's tracker has no list of events")
        return [event for event in events if isinstance(event, dict)]

    async def append_events(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        """Append ``events`` to a conversation's tracker (the handoff's pause, messages, resume)."""
        await self._request(
            "POST",
            f"/conversations/{conversation_id}/tracker/events",
            params={"token": self._token, "include_events": "NONE"},
            json=events,
        )

    async def trigger_intent(
        self, conversation_id: str, name: str, entities: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Run the bot as if the person had sent intent ``name``; the replies it collected."""
        answer = await self._request(
            "POST",
            f"/conversations/{conversation_id}/trigger_intent",
            params={"token": self._token},
            json={"name": name, "entities": entities or {}},
        )
        messages = answer.get("messages") if isinstance(answer, dict) else None
        if not isinstance(messages, list):
            raise RasaBadResponse("Rasa's trigger_intent answer has no list of messages")
        return [message for message in messages if isinstance(message, dict)]
