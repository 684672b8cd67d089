"""The Telegram channel: POST /telegram/webhook, or long polling, into the conversation core.

Webhook mode (default) needs public HTTPS: the PTB Application runs without an updater and the
route below pushes each update, once its secret-token header checks out, into the application's
update queue. Polling mode (``TELEGRAM_MODE=polling``) asks Telegram for updates itself. With no
``TELEGRAM_BOT_TOKEN`` the channel is off. Rendering and the button scheme: connectors/telegram.py.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
from dataclasses import dataclass

from fastapi import APIRouter, FastAPI, HTTPException, Request, Response
from telegram import BotCommand, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from actions.replies import MENU_BUTTONS
from app.chat import BadInput, converse, inbound_text
from connectors.message import Button, OutgoingMessage
from connectors.ratelimit import RATE_LIMITED_TEXT, RateLimiter
from connectors.telegram import (
    COMMANDS,
    CallbackPayloads,
    PerChatUpdateProcessor,
    command_payload,
    send_messages,
    sender_id,
)

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/telegram", tags=["telegram"])

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
ALLOWED_UPDATES = ["message", "callback_query"]
MENU = [Button(**button) for button in MENU_BUTTONS]
TEXT_ONLY_TEXT = (
    "Xin lỗi, tôi chỉ đọc được tin nhắn chữ, chưa xem được ảnh, nhãn dán, tệp hay tin nhắn thoại. "
    "Anh/chị vui lòng nhắn bằng chữ, hoặc chọn một mục bên dưới."
)
EXPIRED_TEXT = "Nút này đã hết hạn. Anh/chị vui lòng chọn lại một mục bên dưới."


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
    limiter: RateLimiter
    notices: RateLimiter  # one "slow down" note per sender per minute, not one per message
    callbacks: CallbackPayloads
    mask: _MaskToken


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
    except (ValueError, TypeError, KeyError, AttributeError):
        update = None
    if update is None:
        raise HTTPException(status_code=400, detail="Nội dung không phải một update của Telegram.")
    await channel.application.update_queue.put(update)
    return Response(status_code=200)


def _add_handlers(app: FastAPI, channel: TelegramChannel) -> None:
    settings = app.state.settings
    bot = channel.application.bot

    async def admit(chat_id: int, sender: str) -> bool:
        if channel.limiter.allow(sender):
            return True
        logger.info("telegram sender=%s: rate limited", sender)
        if channel.notices.allow(sender):
            await send_messages(bot, chat_id, [OutgoingMessage(text=RATE_LIMITED_TEXT)], channel.callbacks)
        return False

    async def answer(chat_id: int, sender: str, text: str) -> None:
        try:
            text = inbound_text(text, settings)
        except BadInput as exc:
            replies = [OutgoingMessage(text=str(exc))]
        else:
            with contextlib.suppress(TelegramError):
                await bot.send_chat_action(chat_id=chat_id, action=ChatAction.TYPING)
            replies = await converse(app.state.rasa, settings, sender, text, channel="tg")
        await send_messages(bot, chat_id, replies, channel.callbacks)

    async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A typed message or a command: to the conversation, its replies back."""
        chat_id, text = update.effective_chat.id, update.effective_message.text or ""
        if await admit(chat_id, sender_id(chat_id)):
            await answer(chat_id, sender_id(chat_id), command_payload(text) or text)

    async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button pressed: its payload to the conversation; the spinner stopped first."""
        query = update.callback_query
        chat_id = update.effective_chat.id if update.effective_chat else query.from_user.id
        sender = sender_id(chat_id)
        if not channel.limiter.allow(sender):
            logger.info("telegram sender=%s: rate limited", sender)
            await query.answer(RATE_LIMITED_TEXT)
            return
        await query.answer()
        payload = channel.callbacks.decode(query.data or "") or _button_title(update)
        if payload is None:
            await send_messages(
                bot, chat_id, [OutgoingMessage(text=EXPIRED_TEXT, buttons=MENU)], channel.callbacks
            )
            return
        await answer(chat_id, sender, payload)

    async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A photo, sticker, voice note…: say the assistant reads text, show the menu."""
        chat_id = update.effective_chat.id
        if await admit(chat_id, sender_id(chat_id)):
            reply = OutgoingMessage(text=TEXT_ONLY_TEXT, buttons=MENU)
            await send_messages(bot, chat_id, [reply], channel.callbacks)

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
    """The pressed button's title, when its payload was forgotten (e.g. after a restart)."""
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
    builder = (
        Application.builder()
        .token(settings.telegram_bot_token)
        .base_url(settings.telegram_api_url)
        .concurrent_updates(PerChatUpdateProcessor())
    )
    if webhook:
        builder = builder.updater(None)
    channel = TelegramChannel(
        application=builder.build(),
        webhook=webhook,
        limiter=RateLimiter(settings.channel_rate_limit),
        notices=RateLimiter(1),
        callbacks=CallbackPayloads(),
        mask=mask,
    )
    _add_handlers(app, channel)
    application = channel.application
    try:
        await application.initialize()
        await application.bot.set_my_commands([BotCommand(name, text) for name, text, _ in COMMANDS])
        url = f"{settings.base_url}/telegram/webhook"
        if webhook and url.startswith("https://"):
            await application.bot.set_webhook(
                url, secret_token=settings.telegram_webhook_secret, allowed_updates=ALLOWED_UPDATES
            )
        elif webhook:
            logger.info("telegram: PUBLIC_URL is not https; register the webhook yourself (README)")
        await application.start()
        if not webhook:
            await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
    except Exception as exc:  # a channel that cannot start is off; the app serves the others
        logger.error("telegram: off, could not start: %r", exc)
        with contextlib.suppress(Exception):
            await application.shutdown()
        _unmask(mask)
        return
    app.state.telegram = channel
    logger.info("telegram: on, %s mode, bot @%s", settings.telegram_mode, application.bot.username)


async def stop_telegram(app: FastAPI) -> None:
    """Stop polling and the application; a no-op when the channel is off."""
    channel: TelegramChannel | None = getattr(app.state, "telegram", None)
    if channel is None:
        return
    app.state.telegram = None
    application = channel.application
    try:
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()
    except (TelegramError, OSError) as exc:
        logger.warning("telegram: error while stopping: %r", exc)
    finally:
        _unmask(channel.mask)


def _unmask(mask: logging.Filter) -> None:
    for handler in logging.getLogger().handlers:
        handler.removeFilter(mask)
