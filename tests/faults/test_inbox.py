"""No turn is lost: the durable inbox of Telegram and Zalo updates (app/inbox.py).

Against a real stack (the Rasa server with the trained model, the app as its own process) whose
Telegram and Zalo channels talk to the fake Bot API and the fake Zalo OA: an update acknowledged
with 200 survives a SIGKILL of the app before its reply and is answered by the next app process;
a redelivered update is answered once; while Rasa is down a message is retried with backoff and
answered when Rasa is back, and past INBOX_RETRY_SECONDS the person is told to send it again.
"""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app import texts
from app.main import create_app
from app.runner import Stack, free_port, running_stack
from app.settings import Settings
from tests.app.test_telegram import HEADERS, NOTICE, SECRET, message
from tests.app.test_zalo import APP_ID, APP_SECRET, OA_SECRET, FakeZalo, answers, event
from tests.app.test_zalo import post as zalo_post
from tests.connectors.test_telegram import TOKEN, FakeBotApi

pytestmark = pytest.mark.rasa

RETRY_SECONDS = 180.0  # the stack's INBOX_RETRY_SECONDS: longer than a restart of Rasa


@pytest.fixture(scope="module")
def fakes() -> Iterator[tuple[FakeBotApi, FakeZalo]]:
    bot = FakeBotApi().start()
    zalo = FakeZalo()
    thread = threading.Thread(target=zalo.server.serve_forever, daemon=True)
    thread.start()
    yield bot, zalo
    bot.stop()
    zalo.server.shutdown()
    zalo.server.server_close()


def channel_settings(bot: FakeBotApi, zalo: FakeZalo) -> dict[str, Any]:
    return {
        "telegram_bot_token": TOKEN,
        "telegram_api_url": bot.base_url,
        "telegram_webhook_secret": SECRET,
        "zalo_app_id": APP_ID,
        "zalo_app_secret": APP_SECRET,
        "zalo_oa_secret_key": OA_SECRET,
        "zalo_access_token": "access-0",
        "zalo_refresh_token": "refresh-0",
        "zalo_api_url": zalo.url,
        "zalo_oauth_url": zalo.url,
    }


@pytest.fixture(scope="module")
def channels_stack(fakes, tmp_path_factory) -> Iterator[Stack]:
    """One stack for the module: Rasa and the app, both channels on, a long retry bound."""
    bot, zalo = fakes
    var = tmp_path_factory.mktemp("inbox")
    settings = {
        "inbox_retry_seconds": RETRY_SECONDS,
        "handoff_hours": "always",
        **channel_settings(bot, zalo),
    }
    with running_stack(var, **settings) as stack:
        yield stack


def base(stack: Stack) -> str:
    return f"http://127.0.0.1:{stack.settings.app_port}"


def restart_app(stack: Stack, *, kill: bool = False, **changes: Any) -> None:
    """Stop the app process (SIGKILL: no shutdown at all) and start a new one; Rasa keeps running."""
    if kill:
        process = stack.processes.pop("app")
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    else:
        stack.stop_process("app")
    stack.settings = stack.settings.model_copy(update=changes)
    stack.start_app()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # up, whatever it thinks of Rasa (/health needs Rasa)
        try:
            if httpx.get(base(stack) + "/", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    pytest.fail("the app did not come back:\n" + stack.log_tail("app"))


def telegram_post(stack: Stack, update: dict[str, Any]) -> None:
    response = httpx.post(base(stack) + "/telegram/webhook", json=update, headers=HEADERS, timeout=10)
    assert response.status_code == 200, response.text


def zalo_send(stack: Stack, data: dict[str, Any]) -> None:
    class Poster:  # tests/app/test_zalo.post takes a client with .post
        post = staticmethod(lambda url, **kw: httpx.post(base(stack) + url, timeout=10, **kw))

    response = zalo_post(Poster(), data)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text


def wait(condition: Any, timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.2)
    pytest.fail("timed out")


def inbox_rows(stack: Stack) -> list[tuple[str, str | None, str | None]]:
    with sqlite3.connect(stack.settings.var_dir / "app.db") as db:
        return db.execute("SELECT channel, payload, done_at FROM inbox ORDER BY id").fetchall()


def bot_texts(bot: FakeBotApi, chat: int) -> list[str]:
    return [call["text"] for call in bot.sent("sendMessage", chat_id=chat)]


def test_an_acknowledged_message_survives_a_crash_of_the_app_and_is_answered_once(
    channels_stack, fakes, hung_rasa
):
    bot, zalo = fakes
    stack = channels_stack
    real_rasa = stack.settings.rasa_port
    # The app's Rasa stops answering (a peer that accepts and never replies): a message is
    # acknowledged, kept, and stuck before its reply when the app process is killed.
    restart_app(stack, rasa_port=hung_rasa)
    chat, user = 880_000_000 + uuid.uuid4().int % 10**8, f"66{uuid.uuid4().int % 10**12}"
    greeting = message(chat, "xin chào")
    zalo_greeting = event(user=user, text="xin chào")
    telegram_post(stack, greeting)
    zalo_send(stack, zalo_greeting)
    bot.wait_for(1, "sendChatAction", chat_id=chat)  # the update is being processed
    time.sleep(1.0)
    assert bot_texts(bot, chat) == [] and answers(zalo, user) == [], "nothing answered before the crash"
    pending = [row for row in inbox_rows(stack) if row[2] is None]
    assert {row[0] for row in pending} == {"tg", "zalo"} and all(row[1] for row in pending)

    restart_app(stack, kill=True, rasa_port=real_rasa)  # SIGKILL between the 200 and the reply

    tg = wait(lambda: (seen := bot_texts(bot, chat)) and len(seen) >= 2 and seen)
    assert tg[0] == NOTICE and tg[1].startswith("Xin chào"), tg
    za = wait(lambda: answers(zalo, user))
    assert za[0].startswith("Xin chào"), za
    done = wait(lambda: (rows := inbox_rows(stack)) and all(row[2] for row in rows) and rows)
    assert all(payload is None for _, payload, _ in done), "an answered update keeps no content"

    # Telegram and Zalo deliver the same update again: 200, and no second answer.
    telegram_post(stack, greeting)
    zalo_send(stack, zalo_greeting)
    telegram_post(stack, message(chat, "cảm ơn"))
    wait(lambda: len(bot_texts(bot, chat)) > len(tg))
    time.sleep(1.0)
    later = bot_texts(bot, chat)[len(tg) :]
    assert not any(text.startswith("Xin chào") for text in later), later
    assert len(answers(zalo, user)) == len(za)


def test_rasa_down_then_back_the_kept_message_is_answered(channels_stack, fakes):
    bot, _ = fakes
    stack = channels_stack
    chat = 890_000_000 + uuid.uuid4().int % 10**8
    stack.stop_process("rasa")
    try:
        telegram_post(stack, message(chat, "xin chào"))
        time.sleep(4.0)  # tries at 0, 1, 3 s: all refused
        assert bot_texts(bot, chat) == [], "no reply while Rasa is down, and no 'send again' yet"
    finally:
        stack.start_rasa()
    answered = wait(lambda: (seen := bot_texts(bot, chat)) and len(seen) >= 2 and seen, timeout=RETRY_SECONDS)
    assert answered[1].startswith("Xin chào"), answered
    assert "trying again in" in stack.log_tail("app", 200)


def rows(stack: Stack, query: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(stack.settings.var_dir / "app.db") as db:
        return db.execute(query).fetchall()


def test_ratings_handoffs_and_the_outbox_survive_a_killed_app_process(channels_stack, fakes):
    """Mid-flow (a walkthrough rated and its comment asked for, a request for a person open, a
    reply Zalo refused), the app process is killed and started again; Rasa keeps running.
    Everything is still there, and both conversations go on where they were."""
    _, zalo = fakes
    stack = channels_stack
    web = httpx.Client(base_url=base(stack), timeout=60)

    def chat(sender: str, text: str) -> dict[str, Any]:
        response = web.post("/api/chat", json={"sender": sender, "text": text})
        assert response.status_code == 200, response.text
        return response.json()

    def titles(answer: dict[str, Any]) -> list[str]:
        return [button["title"] for message in answer["messages"] for button in message["buttons"]]

    rater, asker = (web.post("/api/session", json={}).json()["sender"] for _ in range(2))
    for text in ("tôi muốn làm giấy khai sinh cho con online", "Đúng", "Đã có", "Bỏ qua", "Bắt đầu"):
        answer = chat(rater, text)
    for _ in range(30):  # the walkthrough's steps, to the rating
        if "5 - Rất hài lòng" in titles(answer):
            break
        answer = chat(rater, "Tiếp theo")
    assert "Bỏ qua" in titles(chat(rater, '/rate{"rating": 4}')), "the comment is asked for"
    status = chat(asker, "/request_human")["handoff"]["status"]
    assert status in {"waiting", "kept"}  # kept: no agent online to take it now
    user = f"55{uuid.uuid4().int % 10**12}"
    zalo.script.append(("error", -213))  # Zalo refuses the reply: the person's window is closed
    zalo_send(stack, event(user=user, text="xin chào"))
    kept_out = wait(lambda: rows(stack, "SELECT id, text FROM outbox WHERE sent_at IS NULL"))
    ratings = rows(stack, "SELECT id, score, channel, comment FROM ratings")
    handoffs = rows(stack, "SELECT id, status FROM handoffs")
    assert ratings[-1][1:] == (4, "web", None) and handoffs[-1][1] == status

    restart_app(stack, kill=True)

    assert rows(stack, "SELECT id, score, channel, comment FROM ratings") == ratings
    assert rows(stack, "SELECT id, status FROM handoffs") == handoffs
    assert rows(stack, "SELECT id, text FROM outbox WHERE sent_at IS NULL") == kept_out
    # The new process goes on with them: the comment joins the rating, the request is still open.
    chat(rater, "Hướng dẫn dễ hiểu")
    assert rows(stack, "SELECT id, comment FROM ratings")[-1] == (ratings[-1][0], "Hướng dẫn dễ hiểu")
    assert chat(asker, "anh ơi cho em hỏi")["handoff"]["status"] == status
    web.close()


@pytest.fixture
def bot_api() -> Iterator[FakeBotApi]:
    fake = FakeBotApi().start()
    yield fake
    fake.stop()


def test_past_the_bound_the_person_is_told_to_send_it_again(bot_api, tmp_path: Path, caplog):
    """Rasa stays down for longer than INBOX_RETRY_SECONDS (nothing listens on its port)."""
    settings = Settings(
        _env_file=None,
        var_dir=tmp_path,
        rasa_port=free_port(),
        inbox_retry_seconds=3,
        telegram_bot_token=TOKEN,
        telegram_api_url=bot_api.base_url,
        telegram_webhook_secret=SECRET,
    )
    chat = 870_000_000 + uuid.uuid4().int % 10**8
    started = time.monotonic()
    with (
        caplog.at_level(logging.WARNING),
        TestClient(create_app(settings, open_knowledge_base=False)) as client,
    ):
        assert (
            client.post("/telegram/webhook", json=message(chat, "xin chào"), headers=HEADERS).status_code
            == 200
        )
        [notice, told] = bot_api.wait_for(2, chat_id=chat)
        elapsed = time.monotonic() - started
    assert notice["text"] == NOTICE
    assert told["text"] == texts.resend(settings.centre_hotline, settings.working_hours().describe())
    assert elapsed >= 3, "the person is told only once the retries are spent"
    retries = [r for r in caplog.records if "trying again in" in r.getMessage()]
    assert len(retries) == 2, "tried again after 1 s and 2 s, then told"
