"""Telegram rendering: neutral messages to Bot API ``sendMessage`` calls, and buttons back.

Pure python-telegram-bot code; the FastAPI side (webhook, lifecycle, conversation) is app/telegram.py.

Callback data scheme: Telegram limits ``callback_data`` to 64 bytes, and payloads such as
``/start_guide{"procedure": "cap-giay-chung-nhan-quyen-su-dung-dat"}`` are longer. A payload's
JSON part is first compacted; if ``"p:" + payload`` then fits in 64 bytes it travels inline.
Otherwise the button carries ``"k:" + a 16-character hash`` of the payload (distinct buttons,
distinct data) and the press is answered by the button's title, which the app maps back to the
payload like a typed title (the buttons last offered to each person are kept in the app
database: app/buttons.py). Nothing is kept in memory, so every button survives a restart.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
from collections import Counter
from collections.abc import Awaitable
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.error import TelegramError
from telegram.ext import BaseUpdateProcessor

from connectors.message import OutgoingMessage, split_text

TEXT_LIMIT = 4096  # characters of a message, counted in UTF-16 code units like Telegram does
CALLBACK_DATA_LIMIT = 64  # bytes
CHOOSE_TEXT = "Anh/chị chọn một mục bên dưới:"

# The bot's command list (set_my_commands) and the payload each one hands to the conversation.
COMMANDS: list[tuple[str, str, str]] = [
    ("start", "Bắt đầu và xem các việc trợ lý hỗ trợ", "/greet"),
    ("menu", "Xem menu chính", "/menu"),
    ("huongdan", "Hướng dẫn nộp hồ sơ trực tuyến", "/start_guide"),
    ("tracuu", "Tra cứu hồ sơ đã nộp", "/check_dossier"),
    ("canbo", "Gặp cán bộ hỗ trợ", "/request_human"),
    ("lamlai", "Làm lại từ đầu", "/start_over"),
    ("xoa", "Xóa cuộc trò chuyện", "/erase"),
]
_COMMAND_PAYLOADS = {command: payload for command, _, payload in COMMANDS}
_INTENT_WITH_JSON = re.compile(r"(/[^\s{]+)(\{.*\})", re.DOTALL)


def sender_id(chat_id: int) -> str:
    return f"tg:{chat_id}"


def command_payload(text: str) -> str | None:
    """The payload of a known bot command ("/start", "/menu@SomeBot", "/start abc"), else None."""
    if not text.startswith("/"):
        return None
    command = text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if len(text) > 1 else ""
    return _COMMAND_PAYLOADS.get(command)


def compact_payload(payload: str) -> str:
    """``/intent{"a": "b"}`` with its JSON re-encoded without spaces; other payloads unchanged."""
    match = _INTENT_WITH_JSON.fullmatch(payload)
    if match:
        try:
            entities = json.loads(match.group(2))
        except ValueError:
            return payload
        return match.group(1) + json.dumps(entities, ensure_ascii=False, separators=(",", ":"))
    return payload


def callback_data(payload: str) -> str:
    """A button's ``callback_data`` (scheme in the module docstring)."""
    payload = compact_payload(payload)
    inline = "p:" + payload
    if len(inline.encode("utf-8")) <= CALLBACK_DATA_LIMIT:
        return inline
    digest = hashlib.blake2b(payload.encode("utf-8"), digest_size=12).digest()
    return "k:" + base64.urlsafe_b64encode(digest).decode("ascii")


def inline_payload(data: str) -> str | None:
    """The payload a button's data carries inline; None for a long payload's key or foreign data."""
    return data[2:] if data.startswith("p:") else None


def utf16_units(char: str) -> int:
    """Telegram counts a message's length in UTF-16 code units."""
    return 2 if ord(char) > 0xFFFF else 1


def message_text(message: OutgoingMessage) -> str:
    """The text with its links (and image) as lines of their own: plain text, which Telegram
    turns into tappable links, works for every address (URL buttons refuse e.g. intranet hosts)."""
    lines = [message.text.strip()] if message.text.strip() else []
    for link in message.links:
        lines.append(f"🔗 {link.url}" if link.title in ("", link.url) else f"🔗 {link.title}: {link.url}")
    if message.image:
        lines.append(f"🖼 {message.image}")
    return "\n".join(lines)


def render(message: OutgoingMessage) -> list[dict[str, Any]]:
    """The ``send_message`` keyword arguments for one message: one call per chunk of text,
    the buttons (one per row, titles are long) under the last chunk."""
    chunks = split_text(message_text(message), TEXT_LIMIT, utf16_units) or (
        [CHOOSE_TEXT] if message.buttons else []
    )
    calls: list[dict[str, Any]] = [
        {"text": chunk, "link_preview_options": LinkPreviewOptions(is_disabled=True)} for chunk in chunks
    ]
    if calls and message.buttons:
        calls[-1]["reply_markup"] = InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(button.title, callback_data=callback_data(button.payload))]
                for button in message.buttons
            ]
        )
    return calls


class Unsent(Exception):
    """Telegram refused or did not answer; ``unsent`` are the texts from that call on."""

    def __init__(self, error: Exception, unsent: list[str]) -> None:
        super().__init__(repr(error))
        self.unsent = unsent


async def send_messages(bot: Bot, chat_id: int, messages: list[OutgoingMessage]) -> None:
    """Send the conversation's replies to one chat, in order; :class:`Unsent` on the first failure."""
    calls = [call for message in messages for call in render(message)]
    for index, call in enumerate(calls):
        try:
            await bot.send_message(chat_id=chat_id, **call)
        except TelegramError as exc:
            raise Unsent(exc, [str(later["text"]) for later in calls[index:]]) from exc


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates of different chats run concurrently (one slow reply holds up nobody else); one
    chat's updates run one at a time, in the order they arrived."""

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: Counter[int] = Counter()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        lock = self._locks.setdefault(chat.id, asyncio.Lock())
        self._users[chat.id] += 1
        try:
            async with lock:
                await coroutine
        finally:
            self._users[chat.id] -= 1
            if not self._users[chat.id]:
                del self._users[chat.id], self._locks[chat.id]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
