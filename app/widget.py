"""The embeddable web widget: its script, a demo portal page, the history API and CORS."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query
from fastapi.responses import FileResponse
from pydantic import BaseModel
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from app.chat import SENDER_PATTERN, get_rasa
from app.rasa_client import RasaClient, RasaError
from app.settings import Settings
from connectors.message import OutgoingMessage

logger = logging.getLogger(__name__)
router = APIRouter(tags=["widget"])

STATIC = Path(__file__).parent / "static"
# The widget's API: the only routes another origin (the portal) may call from a browser.
CORS_PATHS = frozenset({"/api/chat", "/api/history"})
# Only the widget's own ids, which are random UUIDs: a history is readable by whoever holds
# its id, so guessable ids (tg:<chat id>, zalo:<user id>, web:1) are never served.
WEB_SENDER = re.compile(r"^web:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
HISTORY_LIMIT = 200


class HistoryEntry(OutgoingMessage):
    """One past message: what the person sent (``user``) or one reply of the bot (``bot``)."""

    role: Literal["user", "bot"]


class HistoryResponse(BaseModel):
    sender: str
    messages: list[HistoryEntry]


def history_from_events(events: list[dict[str, Any]], limit: int = HISTORY_LIMIT) -> list[HistoryEntry]:
    """The conversation as the person saw it, from Rasa tracker events (the last ``limit``).

    A button's payload is shown as the button's title, like the widget showed it when clicked;
    other payloads (the widget's silent ``/greet`` on first open) are left out.
    """
    entries: list[HistoryEntry] = []
    titles: dict[str, str] = {}  # payload -> title of the buttons offered so far (latest wins)
    for event in events:
        kind = event.get("event")
        if kind == "user":
            text = str(event.get("text") or "")
            if text.startswith("/"):
                text = titles.get(text, "")
            if text:
                entries.append(HistoryEntry(role="user", text=text))
        elif kind == "bot":
            data = event.get("data") if isinstance(event.get("data"), dict) else {}
            reply = {
                "text": event.get("text"),
                "buttons": data.get("buttons"),
                "image": data.get("image"),
                "custom": data.get("custom"),
            }
            message = OutgoingMessage.from_bot(reply)
            if not (message.text or message.buttons or message.links or message.image):
                continue
            titles.update({button.payload: button.title for button in message.buttons})
            entries.append(HistoryEntry(role="bot", **message.model_dump()))
    return entries[-limit:]


@router.get("/api/history", response_model=HistoryResponse)
async def history(
    sender: Annotated[str, Query(pattern=SENDER_PATTERN, description="The widget's id, web:<uuid>")],
    rasa: Annotated[RasaClient, Depends(get_rasa)],
) -> HistoryResponse:
    """The past messages of one web conversation, for the widget to show after a reload."""
    if not WEB_SENDER.match(sender):
        raise HTTPException(
            status_code=403,
            detail="Chỉ xem lại được cuộc trò chuyện của khung chat trên trang web (mã dạng web:<uuid>).",
        )
    try:
        events = await rasa.events(sender)
    except RasaError as exc:
        logger.warning("history sender=%s: Rasa failed: %s", sender, exc)
        raise HTTPException(
            status_code=503,
            detail="Chưa tải được cuộc trò chuyện trước đó. Anh/chị vui lòng thử lại sau ít phút.",
        ) from None
    return HistoryResponse(sender=sender, messages=history_from_events(events))


# Served from the app's own origin and embedded by other origins: allow that explicitly.
_SCRIPT_HEADERS = {
    "Cache-Control": "public, max-age=300",
    "Cross-Origin-Resource-Policy": "cross-origin",
    "X-Content-Type-Options": "nosniff",
}


@router.get("/widget.js", include_in_schema=False)
async def widget_script() -> FileResponse:
    return FileResponse(
        STATIC / "widget.js", media_type="text/javascript; charset=utf-8", headers=_SCRIPT_HEADERS
    )


@router.get("/demo", include_in_schema=False)
async def demo_page() -> FileResponse:
    return FileResponse(STATIC / "demo.html", media_type="text/html; charset=utf-8")


class _PathsCORS:
    """Starlette's CORS middleware, applied to some paths only; other routes stay same-origin."""

    def __init__(self, app: ASGIApp, paths: frozenset[str], **options: Any) -> None:
        self.app = app
        self.paths = paths
        self.cors = CORSMiddleware(app, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in self.paths:
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def install_cors(app: FastAPI, settings: Settings) -> None:
    """Let the configured portal origins (``CORS_ORIGINS``) call the widget's API."""
    origins = settings.allowed_origins
    app.add_middleware(
        _PathsCORS,
        paths=CORS_PATHS,
        allow_origins=origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type"],
        allow_credentials=False,  # the widget sends no cookies; its id travels in the body
        max_age=600,
    )
    logger.info("widget API open to origins: %s", ", ".join(origins) or "none")
