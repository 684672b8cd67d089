"""The Telegram channel in the app: webhook with its secret token, polling, rate limit, bad input,
non-text messages, start-up and "off", through python-telegram-bot's real code against the
local fake Bot API server. The tests marked ``rasa`` talk to the real Rasa server of the stack."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app import telegram, texts
from app.main import create_app
from app.runner import free_port
from app.settings import Settings
from app.telegram import SECRET_HEADER
from tests.connectors.test_telegram import TOKEN, FakeBotApi, keyboard
from tests.inbox_rows import MASKED, PERSONAL, inbox_rows

SECRET = "webhook-secret-for-tests-0123456789"
HEADERS = {SECRET_HEADER: SECRET}
_ids = iter(range(10_000, 10**9))


def user(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": "Dân", "language_code": "vi"}


def message(chat_id: int, text: str | None = None, **content: Any) -> dict[str, Any]:
    """A private-chat message update as Telegram posts it."""
    body = {
        "message_id": next(_ids),
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private", "first_name": "Dân"},
        "from": user(chat_id),
        **content,
    }
    if text is not None:
        body["text"] = text
        if text.startswith("/"):
            length = len(text.split()[0])
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return {"update_id": next(_ids), "message": body}


def button_press(chat_id: int, sent: dict[str, Any], data: str) -> dict[str, Any]:
    """A callback query for a button of a message the bot sent (``sent`` is its sendMessage call)."""
    return {
        "update_id": next(_ids),
        "callback_query": {
            "id": str(next(_ids)),
            "from": user(chat_id),
            "chat_instance": "-42",
            "data": data,
            "message": {
                "message_id": next(_ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private", "first_name": "Dân"},
                "from": {"id": 7000001, "is_bot": True, "first_name": "Trợ lý"},
                "text": sent["text"],
                "reply_markup": sent.get("reply_markup", {"inline_keyboard": []}),
            },
        },
    }


def new_chat() -> int:
    return next(_ids)


NOTICE = texts.privacy_notice(90)


def replies(fake: FakeBotApi, count: int, chat: int) -> list[dict[str, Any]]:
    """The bot's first ``count`` replies to a new ``chat``, after the privacy notice it gets first."""
    calls = fake.wait_for(count + 1, chat_id=chat)
    assert calls[0]["text"] == NOTICE, "a new person reads the privacy notice before anything else"
    return calls[1 : count + 1]


@pytest.fixture
def fake_api() -> Iterator[FakeBotApi]:
    fake = FakeBotApi().start()
    yield fake
    fake.stop()


@contextmanager
def running(fake: FakeBotApi, tmp_path: Path, **overrides: Any) -> Iterator[TestClient]:
    values: dict[str, Any] = {
        "telegram_bot_token": TOKEN,
        "telegram_api_url": fake.base_url,
        "telegram_webhook_secret": SECRET,
        "var_dir": tmp_path,
        "rasa_port": free_port(),  # nothing listens there unless a test gives the stack's Rasa
        "rasa_timeout": 5,
        "inbox_retry_seconds": 0,  # Rasa down: the "send it again" reply at once (tests/faults: retries)
    }
    settings = Settings(_env_file=None, **{**values, **overrides})
    with TestClient(create_app(settings, open_knowledge_base=False)) as client:
        yield client


@pytest.fixture
def webhook(fake_api, tmp_path) -> Iterator[Callable[..., Any]]:
    """Post updates to the running app's webhook with the right secret."""
    with running(fake_api, tmp_path, channel_rate_limit=5) as client:

        def post(update: dict[str, Any]) -> None:
            response = client.post("/telegram/webhook", json=update, headers=HEADERS)
            assert response.status_code == 200, response.text

        post.client = client  # type: ignore[attr-defined]
        yield post


def test_start_up_registers_the_command_list(fake_api, tmp_path):
    with running(fake_api, tmp_path) as client:
        assert client.app.state.telegram is not None
        [commands] = fake_api.sent("setMyCommands")
        names = [c["command"] for c in commands["commands"]]
        assert names[:3] == ["start", "menu", "huongdan"] and "lamlai" in names
        assert {"command": "lamlai", "description": "Làm lại từ đầu"} in commands["commands"]
        assert [name for name, _ in fake_api.calls][:2] == ["getMe", "setMyCommands"]
        assert not fake_api.sent("setWebhook"), "no public HTTPS address: the operator registers it"


def test_an_https_public_url_registers_the_webhook_with_the_secret(fake_api, tmp_path):
    with running(fake_api, tmp_path, public_url="https://dvc.example.gov.vn/"):
        [call] = fake_api.sent("setWebhook")
        assert call["url"] == "https://dvc.example.gov.vn/telegram/webhook"
        assert call["secret_token"] == SECRET
        assert call["allowed_updates"] == ["message", "callback_query"]


@pytest.mark.parametrize(
    "headers", [{}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET + "x"}, {SECRET_HEADER: ""}]
)
def test_a_wrong_or_missing_secret_is_refused_and_nothing_processed(webhook, fake_api, headers):
    refused, accepted = new_chat(), new_chat()
    client = webhook.client
    response = client.post("/telegram/webhook", json=message(refused, " "), headers=headers)
    assert response.status_code == 403
    assert client.app.state.telegram.application.update_queue.qsize() == 0
    # A valid update afterwards is answered; the refused one never is.
    webhook(message(accepted, " "))
    replies(fake_api, 1, accepted)
    assert fake_api.sent(chat_id=refused) == []
    assert {p["chat_id"] for p in fake_api.sent("sendMessage")} == {accepted}


def test_a_body_that_is_not_an_update_is_a_400(webhook):
    for body in (b"not json", b"[1, 2]", b'{"message": {"text": "x"}}'):
        response = webhook.client.post("/telegram/webhook", content=body, headers=HEADERS)
        assert response.status_code == 400, body


def test_empty_and_oversize_text_get_the_bad_input_replies(webhook, fake_api):
    chat = new_chat()
    webhook(message(chat, "\u200b "))
    replies(fake_api, 1, chat)
    webhook(message(chat, "a" * 2001))
    [empty, long] = replies(fake_api, 2, chat)
    assert "trống" in empty["text"]
    assert "2000 ký tự" in long["text"]


def test_rate_limit_gets_one_polite_reply_per_minute(webhook, fake_api):
    chat, other = new_chat(), new_chat()
    for _ in range(8):  # the limit is 5 a minute
        webhook(message(chat, "a" * 2001))
    replies(fake_api, 6, chat)
    webhook(message(other, " "))
    replies(fake_api, 1, other)  # every update before this one has been handled
    sent = fake_api.sent(chat_id=chat)[1:]
    assert [r["text"] == texts.TOO_FAST for r in sent] == [False] * 5 + [True]
    press = button_press(chat, sent[0], "p:/menu")
    webhook(press)
    [answer] = fake_api.wait_for(1, "answerCallbackQuery")
    assert answer["callback_query_id"] == press["callback_query"]["id"], "the spinner stops"
    webhook(message(other, " "))
    replies(fake_api, 2, other)
    assert len(fake_api.sent(chat_id=chat)) == 7, "over the limit, the note comes once a minute"


def test_a_photo_or_sticker_gets_the_text_only_note_with_the_menu(webhook, fake_api):
    chat = new_chat()
    photo = [{"file_id": "AgAD", "file_unique_id": "AQAD", "width": 90, "height": 90}]
    webhook(message(chat, photo=photo, caption="giấy tờ của tôi"))
    sticker = {
        "file_id": "CAAD",
        "file_unique_id": "AgAD",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    webhook(message(chat, sticker=sticker))
    for reply in replies(fake_api, 2, chat):
        assert reply["text"] == texts.TEXT_ONLY
        assert [data for _, data in keyboard(reply)] == [
            "p:/start_guide",
            "p:/check_dossier",
            "p:/request_human",
        ]


def test_groups_and_edited_messages_are_ignored(webhook, fake_api):
    group, chat = -100_000_000_000 - new_chat(), new_chat()
    in_group = message(group, "xin chào")
    in_group["message"]["chat"] = {"id": group, "type": "supergroup", "title": "Nhóm"}
    webhook(in_group)
    edited = message(chat, "a" * 2001)
    edited["edited_message"] = edited.pop("message")
    webhook(edited)
    webhook(message(chat, " "))
    [reply] = replies(fake_api, 1, chat)
    assert "trống" in reply["text"]
    assert fake_api.sent(chat_id=group) == []


def test_a_forgotten_button_without_title_gets_the_menu(webhook, fake_api):
    chat = new_chat()
    press = button_press(chat, {"text": "Cũ"}, "k:forgottenkey0000")
    webhook(press)
    fake_api.wait_for(1, "answerCallbackQuery")
    [reply] = replies(fake_api, 1, chat)
    assert reply["text"] == texts.BUTTON_EXPIRED
    assert len(keyboard(reply)) == 3


def test_rasa_unreachable_gets_the_polite_unavailable_reply(webhook, fake_api):
    chat = new_chat()
    webhook(message(chat, "xin chào"))
    [reply] = replies(fake_api, 1, chat)
    assert "gián đoạn" in reply["text"] and "1800 1096" in reply["text"]
    assert fake_api.sent("sendChatAction", chat_id=chat)[0]["action"] == "typing"


def test_polling_mode_answers_updates_from_get_updates(fake_api, tmp_path):
    chat = new_chat()
    fake_api.queue_update(message(chat, " "))
    with running(fake_api, tmp_path, telegram_mode="polling", telegram_webhook_secret="") as client:
        [reply] = replies(fake_api, 1, chat)
        assert "trống" in reply["text"]
        assert fake_api.sent("deleteWebhook"), "polling replaces any webhook"
        assert fake_api.sent("getUpdates")[0]["allowed_updates"] == ["message", "callback_query"]
        assert (
            client.post(
                "/telegram/webhook", json=message(chat, "x"), headers={SECRET_HEADER: "x"}
            ).status_code
            == 403
        )
    assert client.app.state.telegram is None


@pytest.mark.parametrize(
    "overrides",
    [
        {"telegram_bot_token": ""},
        {"telegram_webhook_secret": ""},  # webhook mode without a secret would accept anyone
        {"telegram_bot_token": "7000001:wrong-token-the-api-refuses"},
    ],
)
def test_a_channel_not_configured_or_refused_is_off_not_a_crash(fake_api, tmp_path, caplog, overrides):
    caplog.set_level(logging.INFO, logger="app.telegram")
    with running(fake_api, tmp_path, **overrides) as client:
        assert client.app.state.telegram is None
        assert client.get("/").status_code == 200, "the rest of the app runs"
        response = client.post("/telegram/webhook", json=message(new_chat(), "xin chào"), headers=HEADERS)
        assert response.status_code in (403, 404)
    offs = [r.getMessage() for r in caplog.records if r.getMessage().startswith("telegram: off")]
    assert len(offs) == 1, offs
    assert fake_api.sent("sendMessage") == []
    if overrides.get("telegram_bot_token") == "":
        assert fake_api.calls == [], "no token: not a single call to Telegram"


def test_the_bot_token_never_reaches_a_log_line(fake_api, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with running(fake_api, tmp_path) as client:
        client.post("/telegram/webhook", json=message(new_chat(), " "), headers=HEADERS)
        fake_api.wait_for(1)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "/bot***" in text, "PTB logs the API URL at DEBUG; it is there, masked"
    assert TOKEN not in text and TOKEN.split(":")[1] not in text


# --- with the real Rasa server ----------------------------------------------------------------


@pytest.fixture
def dialogue(stack, fake_api, tmp_path) -> Iterator[Callable[..., Any]]:
    """The app in-process, its conversations on the stack's Rasa (whose actions the stack serves)."""
    rasa = {"rasa_port": stack.settings.rasa_port, "rasa_auth_token": stack.settings.rasa_auth_token}
    with running(fake_api, tmp_path, rasa_timeout=30, **rasa) as client:

        def post(update: dict[str, Any]) -> None:
            assert client.post("/telegram/webhook", json=update, headers=HEADERS).status_code == 200

        post.client = client  # type: ignore[attr-defined]
        yield post


def user_texts(rasa_api, token: str, chat: int) -> list[str]:
    events = rasa_api.get(f"/conversations/tg:{chat}/tracker", params={"token": token}).json()["events"]
    return [event["text"] for event in events if event["event"] == "user"]


@pytest.mark.rasa
def test_start_greets_with_the_menu_as_an_inline_keyboard(dialogue, fake_api, rasa_api, token):
    chat = new_chat()
    dialogue(message(chat, "/start"))
    [greeting] = replies(fake_api, 1, chat)
    assert greeting["chat_id"] == chat
    assert greeting["text"].startswith("Xin chào")
    assert keyboard(greeting) == [
        ("Hướng dẫn nộp hồ sơ trực tuyến", "p:/start_guide"),
        ("Tra cứu hồ sơ đã nộp", "p:/check_dossier"),
        ("Gặp cán bộ hỗ trợ", "p:/request_human"),
    ]
    assert user_texts(rasa_api, token, chat) == ["/greet"], "sender tg:<chat id>, the command's payload"


@pytest.mark.rasa
def test_button_round_trip_with_a_long_payload(dialogue, fake_api, rasa_api, token):
    """A payload too long for callback_data travels as a key; the press answers with the title,
    which the pipeline maps back to the payload it offered (kept in the database, not in memory)."""
    chat = new_chat()
    dialogue(message(chat, "cấp giấy chứng nhận quyền sử dụng đất lần đầu làm thế nào"))
    answers = replies(fake_api, 1, chat)
    [(sent, data)] = [
        (reply, data)
        for reply in answers
        for title, data in keyboard(reply)
        if data.startswith("k:") and title == "Hướng dẫn nộp trực tuyến"
    ]
    press = button_press(chat, sent, data)
    dialogue(press)
    [answer] = fake_api.wait_for(1, "answerCallbackQuery")
    assert answer["callback_query_id"] == press["callback_query"]["id"]
    fake_api.wait_for(len(fake_api.sent(chat_id=chat)) + 1, chat_id=chat)
    assert user_texts(rasa_api, token, chat)[-1] == (
        '/start_guide{"procedure": "cap-giay-chung-nhan-quyen-su-dung-dat"}'
    )
    tracker = rasa_api.get(f"/conversations/tg:{chat}/tracker", params={"token": token}).json()
    assert tracker["slots"]["procedure"] == "cap-giay-chung-nhan-quyen-su-dung-dat"


@pytest.mark.rasa
def test_a_key_never_offered_to_this_chat_goes_on_as_its_title(dialogue, fake_api, rasa_api, token):
    chat = new_chat()
    title = "Đăng ký khai sinh"
    sent = {
        "text": "Anh/chị chọn thủ tục:",
        "reply_markup": {
            "inline_keyboard": [[{"text": title, "callback_data": "k:gone" + uuid.uuid4().hex[:10]}]]
        },
    }
    dialogue(button_press(chat, sent, sent["reply_markup"]["inline_keyboard"][0][0]["callback_data"]))
    fake_api.wait_for(1, "answerCallbackQuery")
    assert replies(fake_api, 1, chat)
    assert user_texts(rasa_api, token, chat) == [title]


@pytest.mark.rasa
def test_a_kept_update_is_stored_masked_and_its_replay_gets_the_notice_of_a_live_one(
    stack, fake_api, tmp_path, rasa_api, token, monkeypatch
):
    """The update waits in the inbox (Rasa down, tried again and again) when the app stops: the
    stored row holds no number or address, only their kinds. The next app replays it to the same
    chat, which gets the "numbers hidden" note exactly as a live message does, and Rasa sees only
    the masked text."""
    monkeypatch.setattr(telegram, "STOP_DRAIN", 0.5)  # no need to wait: the update stays pending
    # 12 digits: were the chat id a string, mask() would take it for a CCCD number.
    kept, live = 900_000_000_000 + new_chat(), 900_000_000_000 + new_chat()
    with running(fake_api, tmp_path, inbox_retry_seconds=600) as client:
        response = client.post("/telegram/webhook", json=message(kept, PERSONAL), headers=HEADERS)
        assert response.status_code == 200
        fake_api.wait_for(1, "sendChatAction", chat_id=kept)  # being processed, never answered
        [(payload, kinds, done)] = inbox_rows(tmp_path)
    assert fake_api.sent(chat_id=kept) == []
    assert payload is not None and done is None
    for personal in ("079088001234", "0912345678", "lan.nguyen", "gmail"):
        assert personal not in payload
    assert kinds == "email,id,phone"
    stored = json.loads(payload)["message"]
    assert stored["text"] == MASKED
    assert stored["chat"]["id"] == stored["from"]["id"] == kept, "ids kept as numbers"

    rasa = {"rasa_port": stack.settings.rasa_port, "rasa_auth_token": stack.settings.rasa_auth_token}
    with running(fake_api, tmp_path, rasa_timeout=30, **rasa) as client:
        replayed = fake_api.wait_for(3, chat_id=kept, timeout=90)
        response = client.post("/telegram/webhook", json=message(live, PERSONAL), headers=HEADERS)
        assert response.status_code == 200
        answered = fake_api.wait_for(3, chat_id=live, timeout=90)
        rows, deadline = inbox_rows(tmp_path), time.monotonic() + 10
        while not all(done for _, _, done in rows) and time.monotonic() < deadline:
            time.sleep(0.05)  # marked done once the handler returned
            rows = inbox_rows(tmp_path)
    assert [call["text"] for call in replayed[:2]] == [NOTICE, texts.MASKED_NOTE]
    assert [call["text"] for call in answered[:2]] == [NOTICE, texts.MASKED_NOTE]
    assert [call["text"] for call in fake_api.sent(chat_id=kept)].count(texts.MASKED_NOTE) == 1
    assert user_texts(rasa_api, token, kept) == user_texts(rasa_api, token, live) == [MASKED]
    assert [row[0] for row in rows] == [None, None], "answered: the content goes"
    assert [row[1] for row in rows] == [None, None] and all(row[2] for row in rows)
