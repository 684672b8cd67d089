"""Telegram rendering, splitting and the callback-data scheme, sent through python-telegram-bot's
real code to a local fake Bot API server (real HTTP, the Bot API's JSON). The fake lives here and
is also used by tests/app/test_telegram.py."""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from telegram import Bot, Update

from connectors.message import Button, Link, OutgoingMessage, split_text
from connectors.telegram import (
    CALLBACK_DATA_LIMIT,
    CHOOSE_TEXT,
    COMMANDS,
    TEXT_LIMIT,
    PerChatUpdateProcessor,
    callback_data,
    command_payload,
    inline_payload,
    render,
    send_messages,
    utf16_units,
)

TOKEN = "7000001:AAFakeTokenForTests-abcdefghijklmnopq"
BOT_USER = {
    "id": 7000001,
    "is_bot": True,
    "first_name": "Trợ lý Dịch vụ công",
    "username": "tro_ly_dvc_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
JSON_FIELDS = {"reply_markup", "commands", "allowed_updates", "link_preview_options", "chat_id"}
LONG_PAYLOAD = '/start_guide{"procedure": "cap-giay-chung-nhan-quyen-su-dung-dat"}'


class FakeBotApi:
    """A Bot API server on 127.0.0.1: answers like api.telegram.org, records every call."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.updates: list[dict[str, Any]] = []
        self._changed = threading.Condition()
        self._ids = itertools.count(1)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                fake._handle(self)

            do_GET = do_POST

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    def start(self) -> FakeBotApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        url = urlsplit(request.path)
        token, _, method = url.path.removeprefix("/bot").partition("/")
        body = request.rfile.read(int(request.headers.get("Content-Length") or 0)).decode("utf-8")
        if request.headers.get("Content-Type", "").startswith("application/json"):
            params = json.loads(body or "{}")
        else:
            params = {}
            for key, value in parse_qsl(url.query) + parse_qsl(body):
                params[key] = json.loads(value) if key in JSON_FIELDS else value
        if token != self.token:
            return self._reply(request, 401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        with self._changed:
            self.calls.append((method, params))
            self._changed.notify_all()
        result = self._result(method, params)
        if result is None:
            return self._reply(request, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
        return self._reply(request, 200, {"ok": True, "result": result})

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in {
            "setMyCommands",
            "setWebhook",
            "deleteWebhook",
            "answerCallbackQuery",
            "sendChatAction",
        }:
            return True
        if method == "sendMessage":
            message = {
                "message_id": next(self._ids),
                "date": int(time.time()),
                "chat": {"id": params["chat_id"], "type": "private", "first_name": "Dân"},
                "from": BOT_USER,
                "text": params["text"],
            }
            if "reply_markup" in params:
                message["reply_markup"] = params["reply_markup"]
            return message
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            deadline = time.monotonic() + min(float(params.get("timeout") or 0), 0.2)
            with self._changed:
                while True:
                    ready = [u for u in self.updates if u["update_id"] >= offset]
                    if ready or time.monotonic() >= deadline:
                        return ready
                    self._changed.wait(0.05)
        return None

    @staticmethod
    def _reply(request: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode("utf-8")
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    def queue_update(self, update: dict[str, Any]) -> None:
        with self._changed:
            self.updates.append(update)
            self._changed.notify_all()

    def sent(self, method: str = "sendMessage", chat_id: int | None = None) -> list[dict[str, Any]]:
        with self._changed:
            return [
                params
                for name, params in self.calls
                if name == method and (chat_id is None or params.get("chat_id") == chat_id)
            ]

    def wait_for(
        self, count: int, method: str = "sendMessage", chat_id: int | None = None, timeout: float = 30
    ) -> list[dict[str, Any]]:
        """The calls once at least ``count`` have arrived; fails the test after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(calls := self.sent(method, chat_id)) < count:
                if not self._changed.wait(max(0.0, deadline - time.monotonic())):
                    pytest.fail(f"{count} {method} call(s) expected, got {len(calls)}: {self.calls}")
            return calls


@pytest.fixture
def fake_api() -> Iterator[FakeBotApi]:
    fake = FakeBotApi().start()
    yield fake
    fake.stop()


def keyboard(params: dict[str, Any]) -> list[tuple[str, str]]:
    """(title, callback_data) of every button of a sendMessage call."""
    rows = params.get("reply_markup", {}).get("inline_keyboard", [])
    return [(button["text"], button["callback_data"]) for row in rows for button in row]


# --- callback data ---------------------------------------------------------------------------


def test_short_payloads_travel_inline_with_compact_json():
    assert callback_data("/start_guide") == "p:/start_guide"
    assert callback_data('/rate{"rating": 5}') == 'p:/rate{"rating":5}'
    assert inline_payload('p:/rate{"rating":5}') == '/rate{"rating":5}'


@pytest.mark.parametrize(
    "payload",
    [LONG_PAYLOAD, "Thủ tục đăng ký khai sinh có yếu tố nước ngoài cần giấy tờ gì", "/x{" + "a" * 100],
)
def test_long_payloads_get_a_short_key_the_title_answers_for(payload):
    data = callback_data(payload)
    assert data.startswith("k:") and len(data.encode("utf-8")) <= CALLBACK_DATA_LIMIT
    assert callback_data(payload) == data, "the same payload, the same key"
    assert inline_payload(data) is None, "the press is answered by the button's title (app side)"


def test_distinct_long_payloads_get_distinct_keys():
    keys = {callback_data(f'/start_guide{{"procedure": "{"x" * 60}-{i}"}}') for i in range(50)}
    assert len(keys) == 50


@pytest.mark.parametrize("data", ["", "k:unknownkey00000", "/start_guide", "x" * 64])
def test_data_that_carries_no_payload_inline_resolves_to_nothing(data):
    assert inline_payload(data) is None


# --- commands ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "payload"),
    [
        ("/start", "/greet"),
        ("/start ref-portal", "/greet"),
        ("/menu@tro_ly_dvc_bot", "/menu"),
        ("/MENU", "/menu"),
        ("/lamlai", "/start_over"),
        ("/canbo", "/request_human"),
        ("/khongco", None),
        ("/", None),
        ("xin chào /start", None),
        ("/start_guide", None),
    ],
)
def test_command_payloads(text, payload):
    assert command_payload(text) == payload


def test_commands_are_valid_bot_commands():
    for name, description, payload in COMMANDS:
        assert name.isascii() and name.islower() and 1 <= len(name) <= 32
        assert 3 <= len(description) <= 256 and payload.startswith("/")


# --- splitting and rendering --------------------------------------------------------------------


def test_a_10000_character_reply_is_split_at_paragraphs():
    paragraphs = [
        (f"Bước {i}: " + "chuẩn bị giấy tờ, nộp hồ sơ trực tuyến. " * (5 + i % 17)).strip() for i in range(60)
    ]
    text = "\n\n".join(paragraphs)[:10_000].rstrip()
    chunks = split_text(text, TEXT_LIMIT, utf16_units)
    assert len(chunks) == 3
    assert all(0 < len(chunk) <= TEXT_LIMIT for chunk in chunks)
    assert "\n\n".join(chunks) == text, "cut only between paragraphs, nothing lost"
    assert all(chunk.startswith("Bước") for chunk in chunks)


def test_without_paragraphs_lines_then_words_then_anything():
    lines = "\n".join(["một dòng hướng dẫn"] * 600)
    assert all(len(c) <= TEXT_LIMIT for c in split_text(lines, TEXT_LIMIT, utf16_units))
    assert "\n".join(split_text(lines, TEXT_LIMIT, utf16_units)) == lines
    words = " ".join(["chữ"] * 3000)
    assert " ".join(split_text(words, TEXT_LIMIT, utf16_units)) == words
    solid = "a" * 10_000
    assert [len(c) for c in split_text(solid, TEXT_LIMIT, utf16_units)] == [4096, 4096, 1808]


def test_length_is_counted_like_telegram_in_utf16_units():
    chunks = split_text("🙂" * 3000, TEXT_LIMIT, utf16_units)  # each emoji is two UTF-16 units
    assert [len(c) for c in chunks] == [2048, 952]


def test_links_and_image_render_as_text_and_buttons_as_an_inline_keyboard():
    message = OutgoingMessage(
        text="Anh/chị nộp hồ sơ trên Cổng Dịch vụ công.",
        buttons=[Button(title="Hướng dẫn nộp trực tuyến", payload=LONG_PAYLOAD)],
        links=[Link(title="Cổng Dịch vụ công", url="https://dichvucong.gov.vn")],
        image="https://example.gov.vn/buoc-1.png",
    )
    [call] = render(message)
    assert call["text"].splitlines() == [
        "Anh/chị nộp hồ sơ trên Cổng Dịch vụ công.",
        "🔗 Cổng Dịch vụ công: https://dichvucong.gov.vn",
        "🖼 https://example.gov.vn/buoc-1.png",
    ]
    [[button]] = call["reply_markup"].inline_keyboard
    assert button.text == "Hướng dẫn nộp trực tuyến"
    assert button.callback_data == callback_data(compact_long())
    assert (
        render(OutgoingMessage(text="", buttons=[Button(title="Có", payload="/affirm")]))[0]["text"]
        == CHOOSE_TEXT
    )
    assert render(OutgoingMessage(text="  ")) == []


def compact_long() -> str:
    return '/start_guide{"procedure":"cap-giay-chung-nhan-quyen-su-dung-dat"}'


async def test_a_long_reply_is_sent_through_the_bot_api_in_order(fake_api):
    text = "\n\n".join((f"Đoạn {i}. " + "nội dung hướng dẫn " * 60).strip() for i in range(9))
    assert len(text) > 10_000
    reply = OutgoingMessage(
        text=text,
        buttons=[Button(title="Tiếp theo", payload="/guide_next"), Button(title="Gặp", payload=LONG_PAYLOAD)],
    )
    async with Bot(TOKEN, base_url=fake_api.base_url) as bot:
        await send_messages(bot, 4242, [reply, OutgoingMessage(text="Xong.")])
    calls = fake_api.sent("sendMessage")
    assert [c["chat_id"] for c in calls] == [4242] * len(calls)
    assert len(calls) == 4 and calls[-1]["text"] == "Xong."
    assert all(len(c["text"]) <= TEXT_LIMIT for c in calls)
    assert "\n\n".join(c["text"] for c in calls[:-1]) == text
    assert [("reply_markup" in c) for c in calls] == [False, False, True, False]
    assert keyboard(calls[2])[0] == ("Tiếp theo", "p:/guide_next")
    assert keyboard(calls[2])[1][1].startswith("k:")
    assert calls[0]["link_preview_options"] == {"is_disabled": True}


# --- update ordering ---------------------------------------------------------------------------


def message_update(update_id: int, chat_id: int, text: str) -> Update:
    return Update.de_json(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "Dân"},
                "text": text,
            },
        },
        None,
    )


async def test_one_chat_in_order_other_chats_meanwhile():
    processor = PerChatUpdateProcessor(max_concurrent_updates=8)
    done: list[str] = []
    release = asyncio.Event()

    async def handle(name: str, wait: bool = False) -> None:
        if wait:
            await release.wait()
        done.append(name)

    first = asyncio.create_task(processor.process_update(message_update(1, 1, "a"), handle("A1", wait=True)))
    second = asyncio.create_task(processor.process_update(message_update(2, 1, "b"), handle("A2")))
    other = asyncio.create_task(processor.process_update(message_update(3, 2, "c"), handle("B1")))
    await asyncio.wait_for(other, 5)
    await asyncio.sleep(0.05)
    assert done == ["B1"], "chat 1's second update waits for its first; chat 2 does not"
    release.set()
    await asyncio.wait_for(asyncio.gather(first, second), 5)
    assert done == ["B1", "A1", "A2"]
