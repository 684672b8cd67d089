"""The Telegram channel: POST /telegram/webhook, or long polling, into the conversation core.

Webhook mode (default) needs public HTTPS: the PTB Application runs without an updater and the
route below pushes each update, once its secret-token header checks out, into the application's
update queue. Polling mode (``TELEGRAM_MODE=polling``) asks Telegram for updates itself. With no
``TELEGRAM_BOT_TOKEN`` the channel is off. Rendering and the button scheme: connectors/telegram.py.

A webhook update is kept in the durable inbox (app/inbox.py, masked) before it is acknowledged;
the per-chat processor marks it done once its handlers finished, and the start of the channel puts
the updates not done yet back into the queue, with the kinds of personal data masked in each for
the pipeline's notice: a restart loses no message, a redelivered ``update_id`` is answered once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request, Response
from telegram import BotCommand, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from app import texts
from app.channel_health import ChannelHealth
from app.inbox import Kept, open_after_start
from app.pipeline import MENU, Inbound, Pipeline, SendFailed
from connectors.message import OutgoingMessage
from connectors.telegram import (
    COMMANDS,
    PerChatUpdateProcessor,
    Unsent,
    command_payload,
    inline_payload,
    send_messages,
    sender_id,
)

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/telegram", tags=["telegram"])

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
ALLOWED_UPDATES = ["message", "callback_query"]
WEBHOOK_CHECK_EVERY = 300.0  # seconds between two getWebhookInfo checks (channel health)
WEBHOOK_ERROR_RECENT = timedelta(hours=1)  # a delivery error this recent degrades the channel
STOP_DRAIN = 5.0  # seconds a stop waits for queued updates (the inbox keeps the rest)


class _MaskToken(logging.Filter):
    """The bot token is part of every Bot API URL (PTB logs it at DEBUG): mask it."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "***"), None
        return True


@dataclass
class TelegramChannel:
    application: Application
    webhook: bool
    mask: _MaskToken
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    # update_id → the kinds masked in a replayed update's kept payload, until it is done
    masked: dict[int, frozenset[str]] = field(default_factory=dict)

    async def send(self, recipient: str, messages: list[OutgoingMessage]) -> None:
        """The channel's one way to send to a chat (``Pipeline.deliver``'s ``send``, the outbox's
        retry): :class:`SendFailed` with the texts that did not arrive."""
        try:
            await send_messages(self.application.bot, int(recipient), messages)
        except Unsent as exc:
            raise SendFailed(f"unavailable: {exc}", exc.unsent) from exc


@router.post("/webhook", include_in_schema=False)
async def webhook(request: Request) -> Response:
    """One update from Telegram, accepted only with the secret token set by setWebhook."""
    expected = request.app.state.settings.telegram_webhook_secret.encode("utf-8")
    given = request.headers.get(SECRET_HEADER, "").encode("utf-8")
    if not expected or not hmac.compare_digest(given, expected):
        logger.warning("telegram webhook: request refused, wrong or missing secret token")
        raise HTTPException(status_code=403, detail="Không có quyền gửi đến địa chỉ này.")
    channel: TelegramChannel | None = getattr(request.app.state, "telegram", None)
    if channel is None or not channel.webhook:
        raise HTTPException(status_code=404, detail="Kênh Telegram chưa được bật.")
    try:
        update = Update.de_json(await request.json(), channel.application.bot)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        update = None
    if update is None:
        raise HTTPException(status_code=400, detail="Nội dung không phải một update của Telegram.")
    # Kept before it is acknowledged: a locked or full database answers 503 and Telegram retries.
    chat = _chat_of(update)
    kept = await request.app.state.work.io(
        request.app.state.stores.inbox.put,
        "tg",
        str(update.update_id),
        sender_id(chat) if chat is not None else "",
        update.to_dict(),  # kept masked; the update itself goes on from memory, as received
    )
    if not kept:
        logger.info("telegram: update %s delivered again, already taken", update.update_id)
        return Response(status_code=200)
    await channel.application.update_queue.put(update)
    return Response(status_code=200)


def _chat_of(update: Update) -> int | None:
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None


class InboxUpdateProcessor(PerChatUpdateProcessor):
    """The per-chat order of :class:`PerChatUpdateProcessor`; once an update's handlers finished
    (errors are theirs to report), it is marked done in the inbox. An update cancelled by a
    shutdown stays pending and is processed at the next start."""

    def __init__(self, done: Callable[[Update], Awaitable[None]]) -> None:
        super().__init__()
        self._done = done
        self.ready = asyncio.Event()  # set shortly after start-up (app/inbox.py OPEN_AFTER)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await self.ready.wait()  # in arrival order: the kept updates were queued first
        await super().do_process_update(update, coroutine)
        if isinstance(update, Update):
            await self._done(update)


def _add_handlers(app: FastAPI, channel: TelegramChannel) -> None:
    bot = channel.application.bot

    def pipeline() -> Pipeline:
        return app.state.pipeline

    send = channel.send

    async def answer(update: Update, chat_id: int, text: str) -> None:
        """One message of this chat through the pipeline; its replies back to the chat."""
        with contextlib.suppress(TelegramError):
            await bot.send_chat_action(chat_id=chat_id, action=ChatAction.TYPING)
        masked = channel.masked.get(update.update_id, frozenset())  # a replayed update's kinds
        inbound = Inbound(channel="tg", sender=sender_id(chat_id), text=text, masked=masked)
        # Updates are acknowledged already (and kept in the inbox): a message waits longer for a
        # slot than a web request, and is tried again while Rasa is down.
        reply = await pipeline().handle(inbound, wait=3 * app.state.settings.work_wait, patient=True)
        await pipeline().deliver("tg", str(chat_id), reply.messages, send)

    async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A typed message or a command: to the conversation, its replies back."""
        chat_id, text = update.effective_chat.id, update.effective_message.text
        text = text if isinstance(text, str) else ""  # a forged update may carry anything here
        await answer(update, chat_id, command_payload(text) or text)

    async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button pressed: the spinner stopped, its payload to the conversation."""
        query = update.callback_query
        chat_id = update.effective_chat.id if update.effective_chat else query.from_user.id
        with contextlib.suppress(TelegramError):
            await query.answer()
        # A long payload's button answers with its title: the pipeline maps it back.
        payload = inline_payload(query.data or "") or _button_title(update)
        if payload is None:
            expired = OutgoingMessage(text=texts.BUTTON_EXPIRED, buttons=MENU)
            reply = await pipeline().note(Inbound(channel="tg", sender=sender_id(chat_id), text=""), expired)
            await pipeline().deliver("tg", str(chat_id), reply.messages, send)
            return
        await answer(update, chat_id, payload)

    async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A photo, sticker, voice note…: say the assistant reads text, show the menu."""
        chat_id = update.effective_chat.id
        reply = await pipeline().attachment(Inbound(channel="tg", sender=sender_id(chat_id), text=""))
        await pipeline().deliver("tg", str(chat_id), reply.messages, send)

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log a failed update (never its text) and carry on with the next."""
        update_id = update.update_id if isinstance(update, Update) else None
        logger.error("telegram update %s failed: %r", update_id, context.error, exc_info=context.error)

    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE  # no groups, no edits
    channel.application.add_handler(MessageHandler(private & filters.TEXT, on_text))
    channel.application.add_handler(CallbackQueryHandler(on_button))
    channel.application.add_handler(MessageHandler(private & ~filters.TEXT, on_other))
    channel.application.add_error_handler(on_error)


def _button_title(update: Update) -> str | None:
    """The pressed button's title (a long payload's button carries only a hash of it)."""
    query = update.callback_query
    markup = getattr(query.message, "reply_markup", None)
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            if button.callback_data == query.data:
                return button.text
    return None


async def start_telegram(app: FastAPI) -> None:
    """Start the channel if configured; any failure leaves it off (logged), never stops the app."""
    settings = app.state.settings
    app.state.telegram = None
    if not settings.telegram_bot_token:
        logger.info("telegram: off (TELEGRAM_BOT_TOKEN is empty)")
        return
    webhook = settings.telegram_mode == "webhook"
    if webhook and not settings.telegram_webhook_secret:
        logger.warning("telegram: off, webhook mode needs TELEGRAM_WEBHOOK_SECRET (or TELEGRAM_MODE=polling)")
        return
    mask = _MaskToken(settings.telegram_bot_token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(mask)
    inbox, work = app.state.stores.inbox, app.state.work
    masked: dict[int, frozenset[str]] = {}

    async def done(update: Update) -> None:
        await work.io(inbox.done, "tg", str(update.update_id))
        masked.pop(update.update_id, None)

    processor = InboxUpdateProcessor(done)
    builder = (
        Application.builder()
        .token(settings.telegram_bot_token)
        .base_url(settings.telegram_api_url)
        .concurrent_updates(processor)
    )
    if webhook:
        builder = builder.updater(None)
    channel = TelegramChannel(application=builder.build(), webhook=webhook, mask=mask, masked=masked)
    _add_handlers(app, channel)
    application = channel.application
    health = getattr(app.state, "channel_health", None)
    problem = "start_failed"
    registered = False
    try:
        await application.initialize()
        await application.bot.set_my_commands([BotCommand(name, text) for name, text, _ in COMMANDS])
        url = f"{settings.base_url}/telegram/webhook"
        if webhook and url.startswith("https://"):
            problem = "webhook_refused"
            await application.bot.set_webhook(
                url, secret_token=settings.telegram_webhook_secret, allowed_updates=ALLOWED_UPDATES
            )
            registered = True
            problem = "start_failed"
        elif webhook:
            logger.info("telegram: PUBLIC_URL is not https; register the webhook yourself (README)")
        await application.start()
        await _resume(channel, await work.io(inbox.pending, "tg"))
        if not webhook:
            await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
    except Exception as exc:  # a channel that cannot start is off; the app serves the others
        logger.error("telegram: off, could not start: %r", exc)
        with contextlib.suppress(Exception):
            await application.shutdown()
        _unmask(mask)
        if health is not None:
            await health.report("telegram", problem, repr(exc))
        return
    channel.tasks.append(asyncio.create_task(open_after_start(processor.ready)))
    if health is not None:
        await health.resolve("telegram", "start_failed", "webhook_refused")
        if registered:
            channel.tasks.append(asyncio.create_task(_watch_webhook(application, health)))
    app.state.telegram = channel
    logger.info("telegram: on, %s mode, bot @%s", settings.telegram_mode, application.bot.username)


async def stop_telegram(app: FastAPI) -> None:
    """Stop polling and the application; a no-op when the channel is off."""
    channel: TelegramChannel | None = getattr(app.state, "telegram", None)
    if channel is None:
        return
    app.state.telegram = None
    for task in channel.tasks:
        task.cancel()
    await asyncio.gather(*channel.tasks, return_exceptions=True)
    application = channel.application
    try:
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            try:  # PTB drains its queue first; what is left stays in the inbox for the next start
                await asyncio.wait_for(application.stop(), STOP_DRAIN)
            except TimeoutError:
                logger.warning("telegram: stopped before every update was answered; the inbox keeps them")
        await application.shutdown()
    except (TelegramError, OSError) as exc:
        logger.warning("telegram: error while stopping: %r", exc)
    finally:
        _unmask(channel.mask)


async def _watch_webhook(application: Application, health: ChannelHealth) -> None:
    """Channel health: Telegram's own record of failed deliveries to the webhook (getWebhookInfo's
    ``last_error_date``, kept by Telegram across our restarts), checked at start and then every
    ``WEBHOOK_CHECK_EVERY`` seconds; an error within ``WEBHOOK_ERROR_RECENT`` degrades the channel."""
    while True:
        try:
            info = await application.bot.get_webhook_info()
        except TelegramError as exc:
            logger.warning("telegram: getWebhookInfo failed: %r", exc)
        else:
            last = info.last_error_date
            if last is not None and datetime.now(UTC) - last < WEBHOOK_ERROR_RECENT:
                await health.report("telegram", "webhook_errors", info.last_error_message or "error")
            else:
                await health.resolve("telegram", "webhook_errors")
        await asyncio.sleep(WEBHOOK_CHECK_EVERY)


async def _resume(channel: TelegramChannel, pending: list[Kept]) -> None:
    """The updates acknowledged before a restart and not answered: back into the queue, in order,
    with the kinds masked in each (the handlers hand them to the pipeline)."""
    application = channel.application
    for kept in pending:
        update = Update.de_json(json.loads(kept.payload), application.bot)
        if update is not None:
            if kept.masked:
                channel.masked[update.update_id] = kept.masked
            await application.update_queue.put(update)
    if pending:
        logger.info("telegram: %d update(s) kept from before the restart, processing them now", len(pending))


def _unmask(mask: logging.Filter) -> None:
    for handler in logging.getLogger().handlers:
        handler.removeFilter(mask)
