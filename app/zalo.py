"""The Zalo OA channel: POST /zalo/webhook, answered at once and processed after.

Verified events go to a few worker queues (one sender always to the same queue, so a person's
messages are answered in order); duplicates of an event Zalo retries are dropped by id.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import OrderedDict
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse

from actions.replies import MENU_BUTTONS
from app.chat import BadInput, converse, inbound_text
from app.rasa_client import RasaClient
from app.settings import Settings
from app.zalo_client import ZaloClient, ZaloError, ZaloStore
from connectors.message import Button, OutgoingMessage
from connectors.ratelimit import RATE_LIMITED_TEXT, RateLimiter
from connectors.zalo import SIGNATURE_HEADER, ZaloEvent, parse_event, render, text_of, verify_signature

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/zalo", tags=["zalo"])

ATTACHMENT_TEXT = (
    "Cảm ơn anh/chị đã gửi. Hiện tôi chỉ đọc được tin nhắn chữ, chưa xem được hình ảnh, tệp, "
    "nhãn dán, ghi âm hay vị trí. Anh/chị vui lòng nhắn bằng chữ điều cần hỏi, hoặc chọn một mục dưới đây."
)
WELCOME_PAYLOAD = "/greet"  # a follow is answered with the bot's own greeting (and its menu)
BODY_MAX = 64 * 1024
WORKERS = 4
QUEUE_SIZE = 500
SEEN_MAX = 10_000
RETRY_DELAYS: tuple[float, ...] = (1.0, 4.0)  # between send attempts when Zalo is down
TOKEN_CHECK_EVERY = 1800.0  # seconds between checks that the access token is not about to expire


class SeenEvents:
    """The last ``size`` event keys, to drop Zalo's retries; memory stays bounded."""

    def __init__(self, size: int = SEEN_MAX) -> None:
        self._keys: OrderedDict[str, None] = OrderedDict()
        self._size = size

    def add(self, key: str) -> bool:
        """Remember ``key``; False if it was already there."""
        if key in self._keys:
            self._keys.move_to_end(key)
            return False
        self._keys[key] = None
        if len(self._keys) > self._size:
            self._keys.popitem(last=False)
        return True

    def discard(self, key: str) -> None:
        self._keys.pop(key, None)


class ZaloChannel:
    """Everything the webhook needs once the channel is configured."""

    def __init__(self, settings: Settings, rasa: RasaClient, client: ZaloClient, store: ZaloStore) -> None:
        self.settings, self.rasa, self.client, self.store = settings, rasa, client, store
        self.seen = SeenEvents()
        self.limiter = RateLimiter(settings.channel_rate_limit)
        self.notices = RateLimiter(1)  # the "too fast" note at most once a minute per person
        self.queues: list[asyncio.Queue[ZaloEvent]] = [asyncio.Queue(QUEUE_SIZE) for _ in range(WORKERS)]
        self.tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self.tasks = [asyncio.create_task(self._work(queue)) for queue in self.queues]
        self.tasks.append(asyncio.create_task(self._keep_token_fresh()))

    async def stop(self, drain: float = 5.0) -> None:
        """Let queued events finish for up to ``drain`` seconds, then stop."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(q.join() for q in self.queues)), drain)
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.client.aclose()
        self.store.close()

    def accept(self, event: ZaloEvent) -> str:
        """Queue an event: ``queued``, ``duplicate``, ``ignored`` or ``busy`` (queue full)."""
        if event.kind == "quiet":
            return "ignored"
        if event.kind == "unknown":
            logger.info("zalo: event %r ignored", event.name[:60])
            return "ignored"
        if not self.seen.add(event.key):
            logger.info("zalo: duplicate event %s ignored", event.name)
            return "duplicate"
        queue = self.queues[hash(event.user_id) % len(self.queues)]
        try:
            queue.put_nowait(event)
        except asyncio.QueueFull:
            self.seen.discard(event.key)  # let Zalo's retry bring it back
            return "busy"
        return "queued"

    async def _work(self, queue: asyncio.Queue[ZaloEvent]) -> None:
        while True:
            event = await queue.get()
            try:
                await self.handle(event)
            except Exception:
                logger.exception("zalo: event %s could not be handled", event.name)
            finally:
                queue.task_done()

    async def _keep_token_fresh(self) -> None:
        while True:
            await asyncio.sleep(TOKEN_CHECK_EVERY)
            if self.client.refresh_due:
                try:
                    await self.client.access_token()
                except ZaloError as exc:
                    logger.error("zalo: access token could not be refreshed: %s", exc)

    async def handle(self, event: ZaloEvent) -> None:
        """Answer one event: text to the bot, follow with the greeting, attachments with a note."""
        sender = f"zalo:{event.user_id}"
        if not self.limiter.allow(sender):
            if self.notices.allow(sender):
                await self.deliver(event.user_id, [OutgoingMessage(text=RATE_LIMITED_TEXT)])
            return
        if event.kind == "attachment":
            menu = [Button(**button) for button in MENU_BUTTONS]
            await self.deliver(event.user_id, [OutgoingMessage(text=ATTACHMENT_TEXT, buttons=menu)])
            return
        if event.kind == "follow":
            text = WELCOME_PAYLOAD
        else:
            try:
                text = inbound_text(event.text, self.settings)
            except BadInput as exc:
                await self.deliver(event.user_id, [OutgoingMessage(text=str(exc))])
                return
        replies = await converse(self.rasa, self.settings, sender, text, channel="zalo")
        await self.deliver(event.user_id, replies)

    async def deliver(self, user_id: str, messages: list[OutgoingMessage]) -> None:
        """Send replies in order; on the first failure record it and the rest for staff."""
        bodies = [body for message in messages for body in render(message)]
        for index, body in enumerate(bodies):
            try:
                await self.client.send(user_id, body)
            except ZaloError as exc:
                logger.warning("zalo: reply not delivered (%s): %s", exc.reason, exc)
                texts = [text_of(b) for b in bodies[index:]]
                await asyncio.to_thread(self.store.record_failures, user_id, texts, f"{exc.reason}: {exc}")
                return


def missing_settings(settings: Settings) -> list[str]:
    needed = {
        "ZALO_APP_ID": settings.zalo_app_id,
        "ZALO_APP_SECRET": settings.zalo_app_secret,
        "ZALO_OA_SECRET_KEY": settings.zalo_oa_secret_key,
        "ZALO_REFRESH_TOKEN": settings.zalo_refresh_token,
    }
    return [name for name, value in needed.items() if not value.strip()]


async def start_channel(settings: Settings, rasa: RasaClient) -> ZaloChannel | None:
    """The running channel, or None (logged once) when Zalo is not configured or cannot start."""
    missing = missing_settings(settings)
    if missing:
        logger.info("Zalo channel off: %s not set", ", ".join(missing))
        return None
    try:
        store = await asyncio.to_thread(ZaloStore, settings.app_db)
        client = ZaloClient(
            app_id=settings.zalo_app_id,
            app_secret=settings.zalo_app_secret,
            access_token=settings.zalo_access_token,
            refresh_token=settings.zalo_refresh_token,
            api_url=settings.zalo_api_url,
            oauth_url=settings.zalo_oauth_url,
            store=store,
            delays=RETRY_DELAYS,
        )
    except Exception:
        logger.exception("Zalo channel off: its database could not be opened")
        return None
    channel = ZaloChannel(settings, rasa, client, store)
    channel.start()
    logger.info("Zalo channel on: webhook at /zalo/webhook")
    return channel


@router.post("/webhook", include_in_schema=False)
async def webhook(request: Request) -> JSONResponse:
    channel: ZaloChannel | None = getattr(request.app.state, "zalo", None)
    if channel is None:
        raise HTTPException(status_code=404, detail="Kênh Zalo chưa được bật trên máy chủ này.")
    body = await request.body()
    if len(body) > BODY_MAX:
        raise HTTPException(status_code=413, detail="Nội dung gửi lên quá lớn.")
    settings = channel.settings
    if not verify_signature(
        request.headers.get(SIGNATURE_HEADER),
        app_id=settings.zalo_app_id,
        body=body,
        oa_secret_key=settings.zalo_oa_secret_key,
    ):
        logger.warning("zalo: webhook call with a missing or wrong signature refused")
        raise HTTPException(status_code=401, detail="Chữ ký không hợp lệ.")
    try:
        data: Any = json.loads(body)
        event = parse_event(data)
    except ValueError as exc:
        # Signed by Zalo but not usable: answering an error would only make Zalo retry it.
        logger.warning("zalo: signed event not understood: %s", exc)
        return JSONResponse({"status": "ignored"})
    status = channel.accept(event)
    if status == "busy":
        logger.warning("zalo: queues full, event %s left for Zalo to retry", event.name)
        raise HTTPException(status_code=503, detail="Hệ thống đang bận, vui lòng thử lại sau.")
    return JSONResponse({"status": status})
