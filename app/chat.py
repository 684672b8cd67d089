"""POST /api/chat: one message in, the bot's replies out, whatever happens to Rasa."""

from __future__ import annotations

import logging
import time
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field

from app.rasa_client import RasaClient, RasaError
from app.settings import Settings
from connectors.message import OutgoingMessage, from_bot_replies
from connectors.ratelimit import RATE_LIMITED_TEXT, RateLimiter
from knowledge.text import clean

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api", tags=["chat"])

# Channel-namespaced conversation ids: "web:<uuid>", "tg:<chat id>", "zalo:<user id>".
SENDER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,127}$"


class ChatRequest(BaseModel):
    sender: str = Field(pattern=SENDER_PATTERN, description="Conversation id, e.g. web:<uuid>")
    text: str = Field(description="What the person typed, or a button payload")


class ChatResponse(BaseModel):
    messages: list[OutgoingMessage]


def request_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_rasa(request: Request) -> RasaClient:
    return request.app.state.rasa


def web_rate_limiter(request: Request) -> RateLimiter:
    """The web channel's per-sender limiter, one per app, made on first use."""
    state = request.app.state
    if getattr(state, "web_rate_limiter", None) is None:
        state.web_rate_limiter = RateLimiter(state.settings.channel_rate_limit)
    return state.web_rate_limiter


def unavailable_reply(settings: Settings) -> OutgoingMessage:
    """What a person reads when the dialogue engine cannot answer."""
    return OutgoingMessage(
        text=(
            "Xin lỗi anh/chị, hệ thống trợ lý đang bận hoặc tạm gián đoạn nên chưa trả lời được. "
            f"Anh/chị vui lòng thử lại sau ít phút, hoặc gọi đường dây nóng {settings.centre_hotline} "
            f"({settings.centre_hours}) để được hỗ trợ."
        )
    )


async def converse(
    rasa: RasaClient, settings: Settings, sender: str, text: str, channel: str
) -> list[OutgoingMessage]:
    """The shared conversation core: hand a cleaned message to Rasa, return renderable replies.

    Channels call this with their own namespaced sender id. Never raises for Rasa failures.
    """
    started = time.perf_counter()
    try:
        replies = await rasa.send(sender, text, metadata={"channel": channel})
    except RasaError as exc:
        logger.warning("chat channel=%s sender=%s: Rasa failed: %s", channel, sender, exc)
        return [unavailable_reply(settings)]
    messages = from_bot_replies(replies)
    logger.info(
        "chat channel=%s sender=%s chars=%d replies=%d ms=%.0f",
        channel,
        sender,
        len(text),
        len(messages),
        (time.perf_counter() - started) * 1000,
    )
    return messages


class BadInput(ValueError):
    """A message no channel hands to Rasa; ``str(exc)`` is the Vietnamese reply for the person."""

    def __init__(self, reply: str, status_code: int) -> None:
        super().__init__(reply)
        self.status_code = status_code


def inbound_text(text: str, settings: Settings) -> str:
    """The same bad-input rules for every channel: NFC-cleaned, not empty, not too long."""
    cleaned = clean(text)
    if not cleaned:
        raise BadInput("Tin nhắn đang trống. Anh/chị vui lòng nhập nội dung cần hỏi.", 422)
    if len(cleaned) > settings.chat_max_chars:
        raise BadInput(
            f"Tin nhắn dài quá {settings.chat_max_chars} ký tự. "
            "Anh/chị vui lòng rút gọn hoặc chia thành nhiều tin nhắn.",
            413,
        )
    return cleaned


@router.post("/chat", response_model=ChatResponse)
async def chat(
    body: ChatRequest,
    settings: Annotated[Settings, Depends(request_settings)],
    rasa: Annotated[RasaClient, Depends(get_rasa)],
    limiter: Annotated[RateLimiter, Depends(web_rate_limiter)],
) -> ChatResponse:
    try:
        text = inbound_text(body.text, settings)
    except BadInput as exc:
        raise HTTPException(status_code=exc.status_code, detail=str(exc)) from None
    channel = body.sender.split(":", 1)[0] if ":" in body.sender else "api"
    if channel == "web" and not limiter.allow(body.sender):
        logger.info("chat channel=web sender=%s: rate limited", body.sender)
        raise HTTPException(status_code=429, detail=RATE_LIMITED_TEXT, headers={"Retry-After": "60"})
    return ChatResponse(messages=await converse(rasa, settings, body.sender, text, channel=channel))
