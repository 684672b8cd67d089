"""The web channel's API: conversation ids issued by the server, chat, history.

- ``POST /api/session`` issues ``{"sender": "web:<uuid>", "notice": …, "idle_hours": …}`` to the
  widget, the chat page or a script (``{"kiosk": true}`` for a shared screen). Nobody chooses an
  id: ``/api/chat`` and ``/api/history`` accept only ids this server issued and that were used
  within WEB_SESSION_HOURS (401 otherwise: ask for a new one); any other channel's id is 403.
- ``POST /api/session/end`` ends an id (the kiosk's idle reset), or with ``"erase": true``
  erases the whole conversation ("Xóa cuộc trò chuyện" in the widget).
- ``POST /api/chat`` goes through the one pipeline (app/pipeline.py) and answers with the bot's
  replies and the conversation's handoff state (so the widget long-polls ``GET /api/updates``
  only while a handoff is open); ``GET /api/history`` reads the tracker back.

Each call counts against the client address's limit (CLIENT_RATE_LIMIT a minute, and
SESSION_RATE_LIMIT new ids a minute), besides the per-person limit of the pipeline.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from app import texts
from app.pipeline import Inbound, Pipeline
from app.rasa_client import RasaClient, RasaError
from app.sessions import WebSessions
from app.settings import Settings
from app.work import Busy, Work
from connectors.message import OutgoingMessage

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api", tags=["web"])

# A conversation id as a caller may send it; only issued web ids are then accepted.
SENDER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,127}$"
HISTORY_LIMIT = 200
RETRY_AFTER = {"Retry-After": "60"}


def request_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_rasa(request: Request) -> RasaClient:
    return request.app.state.rasa


def get_work(request: Request) -> Work:
    return request.app.state.work


def get_pipeline(request: Request) -> Pipeline:
    return request.app.state.pipeline


def get_sessions(request: Request) -> WebSessions:
    return request.app.state.sessions


def client_address(request: Request) -> str | None:
    """The caller's address (behind TRUSTED_PROXIES, the one their X-Forwarded-For names)."""
    return request.client.host if request.client else None


async def limit_client(request: Request) -> None:
    """Every web API call counts against its address's limit."""
    if not await request.app.state.limits.client(client_address(request)):
        logger.info("web: client address over CLIENT_RATE_LIMIT")
        raise HTTPException(status_code=429, detail=texts.TOO_FAST, headers=RETRY_AFTER)


async def issued(sender: str, request: Request) -> str:
    """``sender`` if this server issued it and it is still valid; a 403 or 401 otherwise."""
    if not sender.startswith("web:"):
        raise HTTPException(status_code=403, detail=texts.SESSION_FOREIGN)
    work: Work = request.app.state.work
    if not await work.io(request.app.state.sessions.use, sender):
        raise HTTPException(status_code=401, detail=texts.SESSION_INVALID)
    return sender


ClientLimited = Depends(limit_client)


class SessionRequest(BaseModel):
    kiosk: bool = Field(False, description="A shared screen: the widget forgets the id when idle")


class SessionResponse(BaseModel):
    sender: str = Field(description="The conversation id to send with every message: web:<uuid>")
    notice: str = Field(description="The privacy notice to show before the first message")
    idle_hours: float = Field(description="The id expires when unused this long")


class EndRequest(BaseModel):
    sender: str = Field(pattern=SENDER_PATTERN)
    erase: bool = Field(False, description="Also erase the whole conversation")


class ChatRequest(BaseModel):
    sender: str = Field(pattern=SENDER_PATTERN, description="The id POST /api/session issued, web:<uuid>")
    text: str = Field(description="What the person typed, or a button payload")


class HandoffState(BaseModel):
    """Where a conversation's request for a person stands (``app.state.handoffs.state_of``)."""

    status: Literal["waiting", "held", "kept"] | None = Field(
        description="waiting: in the queue; held: an agent answers; kept: taken up when staff are back"
    )
    position: int | None = Field(description="The place in the queue (1 = next), while waiting")


class ChatResponse(BaseModel):
    messages: list[OutgoingMessage]
    ended: bool = Field(False, description="The conversation was erased: ask for a new id")
    handoff: HandoffState | None = Field(
        None,
        description="The open request for a person after this message (status waiting, held or kept, "
        "the queue place while waiting), null when there is none: the widget long-polls GET /api/updates "
        "only while it is not null",
    )


@router.post("/session", status_code=201, response_model=SessionResponse, dependencies=[ClientLimited])
async def new_session(
    request: Request,
    settings: Annotated[Settings, Depends(request_settings)],
    work: Annotated[Work, Depends(get_work)],
    sessions: Annotated[WebSessions, Depends(get_sessions)],
    body: SessionRequest | None = None,
) -> SessionResponse:
    if not await request.app.state.limits.new_session(client_address(request)):
        logger.info("web: client address over SESSION_RATE_LIMIT")
        raise HTTPException(status_code=429, detail=texts.TOO_FAST, headers=RETRY_AFTER)
    kiosk = bool(body and body.kiosk)
    sender = await work.io(sessions.issue, kiosk)
    return SessionResponse(
        sender=sender,
        notice=texts.privacy_notice(settings.data_retention_days),
        idle_hours=settings.web_session_hours,
    )


@router.post("/session/end", dependencies=[ClientLimited])
async def end_session(
    body: EndRequest,
    request: Request,
    work: Annotated[Work, Depends(get_work)],
    pipeline: Annotated[Pipeline, Depends(get_pipeline)],
    sessions: Annotated[WebSessions, Depends(get_sessions)],
) -> dict[str, bool]:
    sender = await issued(body.sender, request)
    if body.erase:
        await pipeline.erase(sender)
    else:
        await work.io(sessions.end, sender)
    return {"ended": True, "erased": body.erase}


@router.post("/chat", response_model=ChatResponse, dependencies=[ClientLimited])
async def chat(
    body: ChatRequest,
    request: Request,
    pipeline: Annotated[Pipeline, Depends(get_pipeline)],
) -> ChatResponse:
    sender = await issued(body.sender, request)
    reply = await pipeline.handle(Inbound(channel="web", sender=sender, text=body.text))
    if reply.status != 200:
        detail = reply.messages[0].text if reply.messages else texts.TOO_FAST
        headers = RETRY_AFTER if reply.status in (429, 503) else None
        raise HTTPException(status_code=reply.status, detail=detail, headers=headers)
    handoff = None
    if not reply.ended:
        state: HandoffState = await request.app.state.handoffs.state_of(sender)
        handoff = state if state.status is not None else None
    return ChatResponse(messages=reply.messages, ended=reply.ended, handoff=handoff)


class HistoryEntry(OutgoingMessage):
    """One past message: what the person sent (``user``), one reply of the bot (``bot``), or what
    a member of staff wrote during a handoff (``agent``)."""

    role: Literal["user", "bot", "agent"]


class HistoryResponse(BaseModel):
    sender: str
    messages: list[HistoryEntry]


def messages_from_events(
    events: list[dict[str, Any]],
) -> Iterator[tuple[Literal["user", "bot", "agent"], OutgoingMessage, dict[str, Any]]]:
    """The one reading of Rasa tracker events as messages, in order: ``(role, message, event)``.

    A button's payload is read as the button's title, like the widget showed it when clicked;
    other payloads (the widget's silent ``/greet`` on first open) and bot events with nothing to
    show are left out. What staff wrote during a handoff is a bot event marked ``agent``.
    """
    titles: dict[str, str] = {}  # payload -> title of the buttons offered so far (latest wins)
    for event in events:
        kind = event.get("event")
        if kind == "user":
            text = str(event.get("text") or "")
            if text.startswith("/"):
                text = titles.get(text, "")
            if text:
                yield "user", OutgoingMessage(text=text), event
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
            metadata = event.get("metadata") if isinstance(event.get("metadata"), dict) else {}
            yield ("agent" if metadata.get("agent") else "bot"), message, event


def history_from_events(events: list[dict[str, Any]], limit: int = HISTORY_LIMIT) -> list[HistoryEntry]:
    """The conversation as the person saw it, from Rasa tracker events (the last ``limit``)."""
    entries = [
        HistoryEntry(role=role, **message.model_dump()) for role, message, _ in messages_from_events(events)
    ]
    return entries[-limit:]


@router.get("/history", response_model=HistoryResponse, dependencies=[ClientLimited])
async def history(
    sender: Annotated[str, Query(pattern=SENDER_PATTERN, description="The widget's id, web:<uuid>")],
    request: Request,
    rasa: Annotated[RasaClient, Depends(get_rasa)],
    work: Annotated[Work, Depends(get_work)],
) -> HistoryResponse:
    """The past messages of one web conversation, for the widget to show after a reload."""
    sender = await issued(sender, request)
    try:
        async with work.slot():
            events = await rasa.events(sender)
    except (RasaError, Busy) as exc:
        logger.warning("history: %s", type(exc).__name__)
        raise HTTPException(status_code=503, detail=texts.HISTORY_UNAVAILABLE, headers=RETRY_AFTER) from None
    return HistoryResponse(sender=sender, messages=history_from_events(events))
