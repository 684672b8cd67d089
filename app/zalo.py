"""The Zalo OA channel: POST /zalo/webhook, answered at once and processed after.

Verified events go to a few worker queues (one sender always to the same queue, so a person's
messages are answered in order) and through the one pipeline (app/pipeline.py). Zalo retries an
event it thinks was lost; each event id is remembered in the app database for ``SEEN_TTL`` (a
restart does not forget it), so a retry or a replayed capture is answered once only.

An accepted event is kept in the durable inbox (app/inbox.py, masked) before Zalo gets its 200
and marked done once answered; the channel's start queues the events not done yet again, with the
kinds of personal data masked in each for the pipeline's notice, so a restart between the
acknowledgement and the reply loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse

from app.channel_health import ChannelHealth
from app.inbox import Inbox, open_after_start
from app.pipeline import Inbound, Pipeline, SendFailed
from app.settings import Settings
from app.work import Work
from app.zalo_client import ZaloAuthError, ZaloClient, ZaloError, ZaloRefreshRefused, ZaloStore
from connectors.message import OutgoingMessage
from connectors.zalo import SIGNATURE_HEADER, ZaloEvent, parse_event, render, text_of, verify_signature

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/zalo", tags=["zalo"])

WELCOME_PAYLOAD = "/greet"  # a follow is answered with the bot's own greeting (and its menu)
BODY_MAX = 64 * 1024
WORKERS = 4
QUEUE_SIZE = 500
RETRY_DELAYS: tuple[float, ...] = (1.0, 4.0)  # between send attempts when Zalo is down
TOKEN_CHECK_EVERY = 1800.0  # seconds between checks that the access token is not about to expire


class ZaloChannel:
    """Everything the webhook needs once the channel is configured."""

    def __init__(
        self,
        settings: Settings,
        pipeline: Pipeline,
        client: ZaloClient,
        store: ZaloStore,
        work: Work,
        health: ChannelHealth | None = None,
        inbox: Inbox | None = None,
    ) -> None:
        self.settings, self.pipeline, self.client, self.store, self.work = (
            settings,
            pipeline,
            client,
            store,
            work,
        )
        self.health = health
        self.inbox = inbox  # None: nothing kept across a restart (a test's bare channel)
        self.ready = asyncio.Event()  # set shortly after start-up (app/inbox.py OPEN_AFTER)
        # An event, and the kinds masked in it before it was queued (a replayed event: app/inbox.py)
        self.queues: list[asyncio.Queue[tuple[ZaloEvent, frozenset[str]]]] = [
            asyncio.Queue(QUEUE_SIZE) for _ in range(WORKERS)
        ]
        self.tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self.tasks = [asyncio.create_task(self._work(queue)) for queue in self.queues]
        self.tasks.append(asyncio.create_task(self._keep_token_fresh()))
        self.tasks.append(asyncio.create_task(open_after_start(self.ready)))

    async def stop(self, drain: float = 5.0) -> None:
        """Let queued events finish for up to ``drain`` seconds, then stop."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(q.join() for q in self.queues)), drain)
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.client.aclose()

    async def accept(self, event: ZaloEvent, payload: Any = None) -> str:
        """Keep and queue an event (``payload``: its decoded body, kept masked in the inbox; the
        event goes on from memory, as received): ``queued``, ``duplicate``, ``ignored`` or
        ``busy`` (queue full)."""
        if event.kind == "quiet":
            return "ignored"
        if event.kind == "unknown":
            logger.info("zalo: event %r ignored", event.name[:60])
            return "ignored"
        if not await self.work.io(self.store.first_time, event.key):
            logger.info("zalo: duplicate event %s ignored", event.name)
            return "duplicate"
        sender = f"zalo:{event.user_id}"
        kept = self.inbox is None or await self.work.io(self.inbox.put, "zalo", event.key, sender, payload)
        if not kept:
            logger.info("zalo: event %s already in the inbox", event.name)
            return "duplicate"
        queue = self._queue_of(event)
        try:
            queue.put_nowait((event, frozenset()))
        except asyncio.QueueFull:
            await self.work.io(self.store.forget_event, event.key)  # let Zalo's retry bring it back
            if self.inbox is not None:
                await self.work.io(self.inbox.drop, "zalo", event.key)
            return "busy"
        return "queued"

    async def resume(self) -> None:
        """The events acknowledged before a restart and not answered: queued again, in order."""
        if self.inbox is None:
            return
        pending = await self.work.io(self.inbox.pending, "zalo")
        for kept in pending:
            try:
                event = parse_event(json.loads(kept.payload))
            except (ValueError, RecursionError):
                continue
            await self._queue_of(event).put((event, kept.masked))
        if pending:
            logger.info("zalo: %d event(s) kept from before the restart, processing them now", len(pending))

    def _queue_of(self, event: ZaloEvent) -> asyncio.Queue[tuple[ZaloEvent, frozenset[str]]]:
        """One sender's events always go to the same worker, so they are answered in order."""
        return self.queues[hash(event.user_id) % len(self.queues)]

    async def _work(self, queue: asyncio.Queue[tuple[ZaloEvent, frozenset[str]]]) -> None:
        await self.ready.wait()  # the kept events were queued first: they go first
        while True:
            event, masked = await queue.get()
            try:
                await self.handle(event, masked)
            except Exception:
                logger.exception("zalo: event %s could not be handled", event.name)
            finally:
                queue.task_done()
            # Answered (or failed in a way a restart would not mend): done in the inbox. A worker
            # cancelled mid-event (shutdown) never gets here, so that event stays pending.
            if self.inbox is not None:
                try:
                    await self.work.io(self.inbox.done, "zalo", event.key)
                except Exception:
                    logger.exception("zalo: event %s answered but not marked done", event.name)

    async def _keep_token_fresh(self) -> None:
        """Refresh the access token before it expires, and store a pair the database refused;
        whatever goes wrong, the loop carries on at the next check."""
        while True:
            await asyncio.sleep(TOKEN_CHECK_EVERY)
            try:
                if self.client.unsaved:
                    await self.client.save_pending()
                if self.client.refresh_due:
                    await self.client.access_token()
                    await self.token_works()
            except ZaloError as exc:
                logger.error("zalo: access token could not be refreshed: %s", exc)
                await self.token_failed(exc)
            except Exception:
                logger.exception("zalo: the token check failed; trying again at the next check")

    async def handle(self, event: ZaloEvent, masked: frozenset[str] = frozenset()) -> None:
        """Answer one event: text to the bot, follow with the greeting, attachments with a note
        (``masked``: the kinds masked in a replayed event's text, for the pipeline's notice)."""
        inbound = Inbound(channel="zalo", sender=f"zalo:{event.user_id}", text=event.text, masked=masked)
        if event.kind == "attachment":
            reply = await self.pipeline.attachment(inbound)
        else:
            if event.kind == "follow":
                inbound = Inbound(channel="zalo", sender=inbound.sender, text=WELCOME_PAYLOAD)
            reply = await self.pipeline.handle(inbound, wait=3 * self.settings.work_wait, patient=True)
        await self.pipeline.deliver("zalo", event.user_id, reply.messages, self.send)

    async def send(self, user_id: str, messages: list[OutgoingMessage]) -> None:
        """Send replies in order; on the first failure, the rest is unsent (the outbox keeps it)."""
        bodies = [body for message in messages for body in render(message)]
        for index, body in enumerate(bodies):
            try:
                await self.client.send(user_id, body)
            except ZaloError as exc:
                await self.token_failed(exc)
                raise SendFailed(f"{exc.reason}: {exc}", [text_of(b) for b in bodies[index:]]) from exc
        if bodies:
            await self.token_works()

    async def token_failed(self, exc: ZaloError) -> None:
        """Channel health: a spent refresh token takes the channel down; another failure to get
        a token degrades it (a refused message is the person's window, not the channel)."""
        if self.health is not None and isinstance(exc, ZaloAuthError):
            problem = "token_spent" if isinstance(exc, ZaloRefreshRefused) else "token_failing"
            await self.health.report("zalo", problem, str(exc))

    async def token_works(self) -> None:
        if self.health is not None:
            await self.health.resolve("zalo", "token_spent", "token_failing")


def missing_settings(settings: Settings) -> list[str]:
    needed = {
        "ZALO_APP_ID": settings.zalo_app_id,
        "ZALO_APP_SECRET": settings.zalo_app_secret,
        "ZALO_OA_SECRET_KEY": settings.zalo_oa_secret_key,
        "ZALO_REFRESH_TOKEN": settings.zalo_refresh_token,
    }
    return [name for name, value in needed.items() if not value.strip()]


async def start_channel(
    settings: Settings,
    pipeline: Pipeline,
    store: ZaloStore,
    work: Work,
    health: ChannelHealth | None = None,
    inbox: Inbox | None = None,
) -> ZaloChannel | None:
    """The running channel, or None (logged once) when Zalo is not configured or cannot start."""
    missing = missing_settings(settings)
    if missing:
        logger.info("Zalo channel off: %s not set", ", ".join(missing))
        return None
    try:
        client = await asyncio.to_thread(
            ZaloClient,
            app_id=settings.zalo_app_id,
            app_secret=settings.zalo_app_secret,
            access_token=settings.zalo_access_token,
            refresh_token=settings.zalo_refresh_token,
            api_url=settings.zalo_api_url,
            oauth_url=settings.zalo_oauth_url,
            store=store,
            delays=RETRY_DELAYS,
        )
    except Exception as exc:
        logger.exception("Zalo channel off: its token pair could not be read from the database")
        if health is not None:
            await health.report("zalo", "start_failed", f"token pair not readable: {exc!r}")
        return None
    if health is not None:
        await health.resolve("zalo", "start_failed")
        if client.new_pair:  # the operator gave a new pair: the old one's problems are over
            await health.resolve("zalo", "token_spent", "token_failing")
    channel = ZaloChannel(settings, pipeline, client, store, work, health, inbox)
    channel.start()
    await channel.resume()
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
    except (ValueError, RecursionError) as exc:
        # Signed by Zalo but not usable: answering an error would only make Zalo retry it.
        logger.warning("zalo: signed event not understood: %s", exc)
        return JSONResponse({"status": "ignored"})
    status = await channel.accept(event, data)
    if status == "busy":
        logger.warning("zalo: queues full, event %s left for Zalo to retry", event.name)
        raise HTTPException(status_code=503, detail="Hệ thống đang bận, vui lòng thử lại sau.")
    return JSONResponse({"status": status})
