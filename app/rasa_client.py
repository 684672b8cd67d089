"""Thin client for the Rasa server: the REST channel, the status route and the tracker API."""

from __future__ import annotations

from typing import Any

import httpx


class RasaError(Exception):
    """The Rasa server could not answer."""


class RasaUnavailable(RasaError):
    """Connection refused, reset or timed out."""


class RasaBadResponse(RasaError):
    """Rasa answered, but not with what its API promises."""


class RasaClient:
    def __init__(self, base_url: str, token: str, timeout: float) -> None:
        self._token = token
        self._http = httpx.AsyncClient(base_url=base_url, timeout=httpx.Timeout(timeout, connect=2.0))

    async def close(self) -> None:
        await self._http.aclose()

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
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
