"""The Zalo channel against a local fake of Zalo's OA API (real HTTP on 127.0.0.1).

The fake speaks Zalo's JSON: ``POST /v3.0/oa/message/cs`` (header ``access_token``; HTTP 200 with
``{"error": <code>, ...}``) and ``POST /v4/oa/access_token`` (single-use refresh tokens). It can be
scripted to answer with an error code or an HTTP status. The app's own HTTP client talks to it;
Rasa is either absent (the polite "unavailable" reply) or, in the last test, the real server.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from fastapi.testclient import TestClient

from app import texts, zalo
from app.database import Database
from app.main import create_app
from app.outbox import Outbox
from app.runner import free_port
from app.settings import Settings
from app.zalo_client import (
    REFRESH_MARGIN,
    TokenPair,
    ZaloAuthError,
    ZaloClient,
    ZaloStore,
    ZaloUnavailable,
)
from connectors.zalo import SIGNATURE_HEADER, signature
from tests.inbox_rows import MASKED, PERSONAL, inbox_rows

APP_ID, APP_SECRET, OA_SECRET = "4321", "app-secret-for-tests", "oa-secret-for-tests"
NOTICE = texts.privacy_notice(90)


class FakeZalo:
    """Zalo's OA message and OAuth endpoints, recording every request."""

    def __init__(self) -> None:
        self.access, self.refresh, self.issued = "access-0", "refresh-0", 0
        self.sends: list[dict[str, Any]] = []  # every message request: headers and JSON
        self.refreshes: list[dict[str, Any]] = []
        self.script: list[tuple[str, int]] = []  # ("http", status) or ("error", code), one per request
        self.refresh_delay = 0.0
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", 0)))
                if self.path == "/v3.0/oa/message/cs":
                    status, answer = fake.message(dict(self.headers), json.loads(raw))
                elif self.path == "/v4/oa/access_token":
                    status, answer = fake.oauth(dict(self.headers), parse_qs(raw.decode()))
                else:
                    status, answer = 404, {"error": 404, "message": "empty api"}
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def message(self, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.sends.append({"token": headers.get("access_token"), "body": body})
            step = self.script.pop(0) if self.script else None
            if step and step[0] == "http":
                return step[1], {"error": -1, "message": "Internal error"}
            if step and step[0] == "error":
                return 200, {"error": step[1], "message": "User has not interacted with the OA"}
            if headers.get("access_token") != self.access:
                return 200, {"error": -216, "message": "Access token is invalid"}
            return 200, {"error": 0, "message": "Success", "data": {"message_id": uuid.uuid4().hex}}

    def oauth(self, headers: dict[str, str], form: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        time.sleep(self.refresh_delay)
        with self.lock:
            fields = {key: values[0] for key, values in form.items()}
            self.refreshes.append({"secret_key": headers.get("secret_key"), **fields})
            good = (
                headers.get("secret_key") == APP_SECRET
                and fields.get("app_id") == APP_ID
                and fields.get("grant_type") == "refresh_token"
                and fields.get("refresh_token") == self.refresh
            )
            if not good:
                return 200, {"error": -14014, "error_name": "Invalid refresh_token", "error_description": ""}
            self.issued += 1
            self.access, self.refresh = f"access-{self.issued}", f"refresh-{self.issued}"
            return 200, {"access_token": self.access, "refresh_token": self.refresh, "expires_in": "90000"}

    def texts_to(self, user_id: str) -> list[str]:
        with self.lock:
            return [
                s["body"]["message"].get("text", "")
                for s in self.sends
                if s["body"]["recipient"]["user_id"] == user_id and s["token"] == self.access
            ]


def answers(fake: FakeZalo, user_id: str) -> list[str]:
    """What ``user_id`` was sent, without the privacy notice every new person gets first."""
    return [text for text in fake.texts_to(user_id) if text != NOTICE]


def store_of(settings: Settings) -> tuple[Database, ZaloStore, Outbox]:
    database = Database(settings.app_db, settings.app_secret_key)
    return database, ZaloStore(database), Outbox(database)


def failures(settings: Settings) -> list:
    database, _, outbox = store_of(settings)
    try:
        return outbox.items()
    finally:
        database.close()


def file_store(tmp_path: Path) -> ZaloStore:
    return ZaloStore(Database(f"sqlite:///{tmp_path / 'z.db'}"))


@pytest.fixture
def fake() -> Iterator[FakeZalo]:
    server = FakeZalo()
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch) -> None:
    monkeypatch.setattr(zalo, "RETRY_DELAYS", (0.01, 0.02))


def zalo_settings(tmp_path: Path, fake: FakeZalo, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "app_port": free_port(),
        "rasa_port": free_port(),  # nothing listens there: Rasa is down unless overridden
        "rasa_timeout": 2.0,
        "inbox_retry_seconds": 0,  # Rasa down: the "send it again" reply at once (tests/faults: retries)
        "var_dir": tmp_path,
        "app_db_url": f"sqlite:///{tmp_path / 'app.db'}",
        "app_secret_key": "zalo-tests-key",
        "zalo_app_id": APP_ID,
        "zalo_app_secret": APP_SECRET,
        "zalo_oa_secret_key": OA_SECRET,
        "zalo_access_token": "access-0",
        "zalo_refresh_token": "refresh-0",
        "zalo_api_url": fake.url,
        "zalo_oauth_url": fake.url,
    }
    return Settings(_env_file=None, **{**values, **overrides})


def with_real_bot(stack: Any, tmp_path: Path, fake: FakeZalo) -> Settings:
    """Settings for an app whose Zalo channel talks to the session's real Rasa."""
    return zalo_settings(
        tmp_path,
        fake,
        rasa_port=stack.settings.rasa_port,
        rasa_auth_token=stack.settings.rasa_auth_token,
        rasa_timeout=30.0,
    )


@pytest.fixture
def settings(tmp_path, fake) -> Settings:
    return zalo_settings(tmp_path, fake)


@pytest.fixture
def client(settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, open_knowledge_base=False)) as test_client:
        yield test_client


def event(name: str = "user_send_text", user: str = "1001", text: str = "xin chào", **extra: Any) -> dict:
    data: dict[str, Any] = {
        "app_id": APP_ID,
        "event_name": name,
        "recipient": {"id": "oa-1"},
        "timestamp": str(int(time.time() * 1000)),
    }
    if name == "follow":
        data["follower"] = {"id": user}
    else:
        data["sender"] = {"id": user}
        data["message"] = {"msg_id": extra.pop("msg_id", uuid.uuid4().hex), "text": text}
    return {**data, **extra}


def post(
    client: TestClient, data: dict, secret: str = OA_SECRET, header: str | None = None
) -> httpx.Response:
    body = json.dumps(data, ensure_ascii=False).encode()
    mac = header if header is not None else "mac=" + signature(APP_ID, body, data["timestamp"], secret)
    return client.post(
        "/zalo/webhook", content=body, headers={SIGNATURE_HEADER: mac, "content-type": "application/json"}
    )


def wait_for(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def drained(client: TestClient, fake: FakeZalo, user: str) -> None:
    """Wait until everything queued for ``user`` was handled: a later event of theirs is answered."""
    before = answers(fake, user).count(texts.TEXT_ONLY)
    assert post(client, event(name="user_send_sticker", user=user)).status_code == 200
    wait_for(lambda: answers(fake, user).count(texts.TEXT_ONLY) > before)


def test_signed_text_is_acknowledged_and_answered(client, fake, settings):
    response = post(client, event(user="1001", text="thủ tục khai sinh"))
    assert response.status_code == 200
    assert response.json() == {"status": "queued"}
    notice, text = wait_for(lambda: len(fake.texts_to("1001")) == 2 and fake.texts_to("1001"))
    assert notice == NOTICE, "a new person reads the privacy notice before the first reply"
    assert "gián đoạn" in text and settings.centre_hotline in text  # Rasa is down: the polite reply
    assert fake.sends[0]["body"]["recipient"] == {"user_id": "1001"}
    post(client, event(user="1001", text="còn tôi"))
    wait_for(lambda: len(fake.texts_to("1001")) == 3)
    assert fake.texts_to("1001").count(NOTICE) == 1, "the notice is shown once"


def test_sticker_gets_a_polite_note_with_the_menu(client, fake):
    assert post(client, event(name="user_send_sticker", user="1002")).status_code == 200
    wait_for(lambda: answers(fake, "1002"))
    [_notice, sent] = fake.sends
    message = sent["body"]["message"]
    assert message["text"] == texts.TEXT_ONLY
    buttons = message["attachment"]["payload"]["buttons"]
    assert {b["type"] for b in buttons} == {"oa.query.show"}
    assert "Hướng dẫn nộp hồ sơ trực tuyến" in [b["payload"] for b in buttons]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda data: {"secret": "wrong-secret"},
        lambda data: {"header": ""},
        lambda data: {"header": "mac=" + "0" * 64},
    ],
)
def test_bad_signature_is_refused_and_nothing_is_sent(client, fake, tamper):
    data = event(user="1003")
    response = post(client, data, **tamper(data))
    assert response.status_code == 401
    drained(client, fake, "1003")
    assert answers(fake, "1003") == [texts.TEXT_ONLY]  # only the sentinel's note


def test_a_body_changed_after_signing_is_refused(client, fake):
    data = event(user="1004")
    good = "mac=" + signature(APP_ID, json.dumps(data).encode(), data["timestamp"], OA_SECRET)
    data["message"]["text"] = "tin khác"
    assert post(client, data, header=good).status_code == 401


def test_zalo_retries_of_one_event_are_answered_once(client, fake):
    data = event(user="1005", msg_id="retried-msg")
    statuses = [post(client, data).json()["status"] for _ in range(3)]
    assert statuses == ["queued", "duplicate", "duplicate"]
    drained(client, fake, "1005")
    assert len(answers(fake, "1005")) == 2  # one reply and the sentinel's note


def test_expired_token_is_refreshed_stored_and_reused_after_a_restart(tmp_path, fake, caplog):
    caplog.set_level(logging.DEBUG)
    settings = zalo_settings(tmp_path, fake, zalo_access_token="access-expired")
    with TestClient(create_app(settings, open_knowledge_base=False)) as client:
        post(client, event(user="1006"))
        wait_for(lambda: answers(fake, "1006"))
    assert [s["token"] for s in fake.sends] == ["access-expired", "access-1", "access-1"]
    assert fake.refreshes == [
        {
            "secret_key": APP_SECRET,
            "refresh_token": "refresh-0",
            "app_id": APP_ID,
            "grant_type": "refresh_token",
        }
    ]
    database, store, _ = store_of(settings)
    stored = store.load_pair()
    database.close()
    assert (stored.access_token, stored.refresh_token) == ("access-1", "refresh-1")
    assert stored.expires_at == pytest.approx(time.time() + 90000, abs=60)

    with TestClient(create_app(settings, open_knowledge_base=False)) as client:
        post(client, event(user="1006"))
        wait_for(lambda: len(answers(fake, "1006")) == 2)
    assert len(fake.refreshes) == 1, "the stored pair is used after a restart, not the settings' one"
    for secret in ("access-expired", "access-1", "refresh-0", "refresh-1", APP_SECRET, OA_SECRET):
        assert secret not in caplog.text


def test_api_down_is_retried_a_bounded_number_of_times_then_recorded(client, fake, settings):
    fake.script = [("http", 503)] * 10
    post(client, event(user="1007", text="xin chào"))
    wait_for(lambda: failures(settings))
    assert len(fake.sends) == 1 + len(zalo.RETRY_DELAYS)
    notice, reply = failures(settings)  # the first send failed: it and the rest are kept
    assert (notice.channel, notice.recipient, notice.text) == ("zalo", "1007", NOTICE)
    assert reply.reason.startswith("unavailable") and "gián đoạn" in reply.text
    fake.script = []
    drained(client, fake, "1007")  # the channel still works afterwards


def test_closed_window_is_recorded_for_staff_and_not_retried(client, fake, settings):
    fake.script = [("error", -230)]
    post(client, event(name="user_send_image", user="1008"))
    notice, failure = wait_for(lambda: failures(settings))
    assert len(fake.sends) == 1
    assert failure.reason.startswith("window_closed") and "-230" in failure.reason
    assert (notice.text, failure.text) == (NOTICE, texts.TEXT_ONLY)


def test_too_fast_senders_get_one_polite_note(tmp_path, fake):
    settings = zalo_settings(tmp_path, fake, channel_rate_limit=2)
    with TestClient(create_app(settings, open_knowledge_base=False)) as client:
        for _ in range(5):
            assert post(client, event(user="1009")).status_code == 200
        wait_for(lambda: texts.TOO_FAST in answers(fake, "1009"))
        time.sleep(0.3)
    sent = answers(fake, "1009")
    assert len(sent) == 3 and sent.count(texts.TOO_FAST) == 1


@pytest.mark.parametrize(("text", "says"), [("a" * 2001, "2000 ký tự"), ("\u200b \n", "trống")])
def test_bad_input_gets_the_same_reply_as_the_chat_api(client, fake, text, says):
    post(client, event(user="1010", text=text))
    [reply] = wait_for(lambda: answers(fake, "1010"))
    assert says in reply


def test_malformed_or_unknown_events_are_acknowledged_and_ignored(client, fake):
    assert post(client, {"timestamp": "1", "event_name": "user_send_text"}).json() == {"status": "ignored"}
    data = event(name="user_reacted_message", user="1011")
    assert post(client, data).json() == {"status": "ignored"}
    drained(client, fake, "1011")
    assert answers(fake, "1011") == [texts.TEXT_ONLY]


def test_not_configured_is_off_and_logged_once(tmp_path, fake, caplog):
    caplog.set_level(logging.INFO)
    settings = zalo_settings(tmp_path, fake, zalo_oa_secret_key="", zalo_refresh_token="")
    with TestClient(create_app(settings, open_knowledge_base=False)) as client:
        assert post(client, event()).status_code == 404
        assert post(client, event()).status_code == 404
    offs = [r.getMessage() for r in caplog.records if "Zalo channel off" in r.getMessage()]
    assert offs == ["Zalo channel off: ZALO_OA_SECRET_KEY, ZALO_REFRESH_TOKEN not set"]
    assert fake.sends == []


def make_client(fake: FakeZalo, store: ZaloStore, access: str = "access-0", **kwargs: Any) -> ZaloClient:
    return ZaloClient(
        app_id=APP_ID,
        app_secret=APP_SECRET,
        access_token=access,
        refresh_token="refresh-0",
        api_url=fake.url,
        oauth_url=fake.url,
        store=store,
        delays=(0.01,),
        **kwargs,
    )


async def test_concurrent_sends_refresh_the_token_once(tmp_path, fake):
    fake.refresh_delay = 0.2
    client = make_client(fake, file_store(tmp_path), access="access-expired")
    try:
        await asyncio.gather(*(client.send(str(i), {"text": "chào"}) for i in range(5)))
    finally:
        await client.aclose()
    assert len(fake.refreshes) == 1
    assert sorted(s["body"]["recipient"]["user_id"] for s in fake.sends if s["token"] == "access-1") == list(
        "01234"
    )


async def test_a_token_near_expiry_is_refreshed_before_sending(tmp_path, fake):
    store = file_store(tmp_path)
    now = [1_000_000.0]
    client = make_client(fake, store, clock=lambda: now[0])
    try:
        await client.refresh("access-0")  # access-1, valid 90000 s from "now"
        now[0] += 90000 - REFRESH_MARGIN + 1
        await client.send("42", {"text": "chào"})
    finally:
        await client.aclose()
    assert [s["token"] for s in fake.sends] == ["access-2"]
    assert store.load_pair().refresh_token == "refresh-2"


async def test_a_refused_refresh_and_a_dead_api_raise_typed_errors(tmp_path, fake):
    store = file_store(tmp_path)
    fake.refresh = "someone-else-used-it"
    client = make_client(fake, store, access="access-expired")
    try:
        with pytest.raises(ZaloAuthError):
            await client.send("42", {"text": "chào"})
    finally:
        await client.aclose()
    dead = ZaloClient(
        app_id=APP_ID,
        app_secret=APP_SECRET,
        access_token="access-0",
        refresh_token="refresh-0",
        api_url=f"http://127.0.0.1:{free_port()}",
        oauth_url=fake.url,
        store=store,
        delays=(0.01, 0.01),
    )
    try:
        with pytest.raises(ZaloUnavailable, match="3 attempts"):
            await dead.send("42", {"text": "chào"})
    finally:
        await dead.aclose()


def test_a_new_pair_in_the_settings_replaces_the_stored_one(tmp_path, fake):
    store = file_store(tmp_path)
    asyncio.run(make_client(fake, store).aclose())
    store.save_pair(TokenPair("old-access", "old-refresh", None, store.load_pair().seed))
    assert make_client(fake, store)._pair.access_token == "old-access"  # same seed: the grown pair
    client = ZaloClient(
        app_id=APP_ID,
        app_secret=APP_SECRET,
        access_token="operator-access",
        refresh_token="operator-refresh",
        api_url=fake.url,
        oauth_url=fake.url,
        store=store,
    )
    asyncio.run(client.aclose())
    assert store.load_pair().access_token == "operator-access"


@pytest.mark.rasa
def test_follow_and_a_button_payload_through_the_real_bot(stack, tmp_path, fake):
    settings = with_real_bot(stack, tmp_path, fake)
    user = f"77{uuid.uuid4().int % 10**12}"
    with TestClient(create_app(settings, open_knowledge_base=False)) as client:
        post(client, event(name="follow", user=user))
        wait_for(lambda: answers(fake, user), timeout=60)
        [notice, welcome] = [s["body"]["message"] for s in fake.sends]
        assert notice["text"] == NOTICE, "the privacy notice comes before the greeting"
        assert welcome["text"].startswith("Xin chào")
        buttons = welcome["attachment"]["payload"]["buttons"]
        assert {b["type"] for b in buttons} == {"oa.query.show"}
        # Zalo shows a pressed button's payload as the person's own message: it is the title.
        [guide] = [b["payload"] for b in buttons if b["title"] == "Hướng dẫn nộp hồ sơ trực tuyến"]
        assert guide == "Hướng dẫn nộp hồ sơ trực tuyến"

        post(client, event(user=user, text=guide))  # pressed: the title comes back as text
        wait_for(lambda: len(answers(fake, user)) > 1, timeout=60)
        offered = [
            b
            for s in fake.sends[-1:]
            for b in s["body"]["message"].get("attachment", {}).get("payload", {}).get("buttons", [])
        ]
        [birth] = [b["payload"] for b in offered if b["title"] == "Đăng ký khai sinh"]
        post(client, event(user=user, text=birth))
        wait_for(lambda: len(answers(fake, user)) > 2, timeout=60)
    tracker = httpx.get(
        f"{stack.settings.rasa_url}/conversations/zalo:{user}/tracker",
        params={"token": stack.settings.rasa_auth_token},
        timeout=30,
    ).json()
    assert tracker["slots"]["procedure"] == "dang-ky-khai-sinh"
    user_events = [e for e in tracker["events"] if e["event"] == "user"]
    assert user_events[-1]["parse_data"]["intent"]["name"] == "start_guide"


def test_an_event_replayed_after_a_restart_is_still_a_duplicate(tmp_path, fake):
    """Zalo's event ids are kept in the database, not in memory: a restart does not forget them."""
    settings = zalo_settings(tmp_path, fake)
    data = event(user="1012", msg_id="captured-msg")
    with TestClient(create_app(settings, open_knowledge_base=False)) as client:
        assert post(client, data).json() == {"status": "queued"}
        wait_for(lambda: answers(fake, "1012"))
    with TestClient(create_app(settings, open_knowledge_base=False)) as client:
        assert post(client, data).json() == {"status": "duplicate"}
        drained(client, fake, "1012")
    assert len(answers(fake, "1012")) == 2  # the one reply and the sentinel's note


class FlakyStore(ZaloStore):
    """The real store, whose ``save_pair`` fails the first ``failures`` times (a locked disk, say)."""

    def __init__(self, database: Database, failures: int) -> None:
        super().__init__(database)
        self.failures = failures
        self.attempts = 0

    def save_pair(self, pair: TokenPair) -> None:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise OSError("disk I/O error")
        super().save_pair(pair)


async def test_a_refreshed_pair_the_database_refuses_stays_in_memory_and_is_saved_later(tmp_path, fake):
    database = Database(f"sqlite:///{tmp_path / 'z.db'}")
    store = FlakyStore(database, failures=0)
    client = make_client(fake, store, access="access-expired", save_delays=(0.01, 0.01))
    store.failures, store.attempts = 10, 0  # from now on the database refuses every save
    try:
        await client.send("42", {"text": "chào"})  # refresh → access-1, the old refresh token is spent
        # One save and two retries at the refresh, one more try before the resend: all refused.
        assert client.unsaved and store.attempts == 4
        assert store.load_pair().access_token == "access-expired"
        await client.send("43", {"text": "chào"})  # still sends: the new pair lives in memory
        assert [s["token"] for s in fake.sends][-1] == "access-1"
        assert len(fake.refreshes) == 1, "the spent refresh token is never used again"
        store.failures = 0  # the disk is back
        assert await client.save_pending()
    finally:
        await client.aclose()
    assert not client.unsaved
    stored = store.load_pair()
    assert (stored.access_token, stored.refresh_token) == ("access-1", "refresh-1")


async def test_the_token_check_loop_survives_any_exception(tmp_path, fake, monkeypatch, caplog):
    monkeypatch.setattr(zalo, "TOKEN_CHECK_EVERY", 0.01)
    database = Database(f"sqlite:///{tmp_path / 'z.db'}")
    client = make_client(fake, ZaloStore(database), access="")  # no access token: a refresh is due
    calls = []
    real = client.access_token

    async def failing_once() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("something unexpected")
        return await real()

    monkeypatch.setattr(client, "access_token", failing_once)
    channel = zalo.ZaloChannel(zalo_settings(tmp_path, fake), None, client, ZaloStore(database), None)  # type: ignore[arg-type]
    task = asyncio.create_task(channel._keep_token_fresh())
    try:
        for _ in range(200):
            if fake.refreshes:
                break
            await asyncio.sleep(0.01)
    finally:
        task.cancel()
        await client.aclose()
    assert len(calls) >= 2 and len(fake.refreshes) == 1
    assert "token check failed" in caplog.text


@pytest.mark.rasa
def test_a_kept_event_is_stored_masked_and_its_replay_gets_the_notice_of_a_live_one(stack, tmp_path, fake):
    """The event waits in the inbox (Rasa down, tried again and again) when the app stops: the
    stored row holds no number or address, only their kinds, and Zalo's string ids as sent (a
    user id of 19 digits, which mask() alone takes for an account number). The next app replays
    it to the same person, who gets the "numbers hidden" note exactly as a live message does."""
    kept, live = (f"9{uuid.uuid4().int % 10**18:018d}" for _ in range(2))
    data = event(user=kept, text=PERSONAL, msg_id=f"{uuid.uuid4().int % 10**19:019d}")
    retrying = zalo_settings(tmp_path, fake, inbox_retry_seconds=600)  # Rasa down: tried again and again
    with TestClient(create_app(retrying, open_knowledge_base=False)) as client:
        assert post(client, data).json() == {"status": "queued"}
        [(payload, kinds, done)] = inbox_rows(tmp_path)
    assert fake.texts_to(kept) == []
    assert payload is not None and done is None
    for personal in ("079088001234", "0912345678", "lan.nguyen", "gmail"):
        assert personal not in payload
    assert kinds == "email,id,phone"
    stored = json.loads(payload)
    assert stored["message"] == {"msg_id": data["message"]["msg_id"], "text": MASKED}
    assert (stored["sender"], stored["timestamp"]) == (data["sender"], data["timestamp"])

    settings = with_real_bot(stack, tmp_path, fake)
    with TestClient(create_app(settings, open_knowledge_base=False)) as client:
        replayed = wait_for(lambda: len(fake.texts_to(kept)) >= 3 and fake.texts_to(kept), timeout=90)
        assert post(client, event(user=live, text=PERSONAL)).json() == {"status": "queued"}
        answered = wait_for(lambda: len(fake.texts_to(live)) >= 3 and fake.texts_to(live), timeout=90)
        rows = wait_for(lambda: (found := inbox_rows(tmp_path)) and all(row[2] for row in found) and found)
    assert replayed[:2] == answered[:2] == [NOTICE, texts.MASKED_NOTE]
    assert {s["body"]["recipient"]["user_id"] for s in fake.sends} == {kept, live}, "routed to each"
    assert [(payload, kinds) for payload, kinds, _ in rows] == [(None, None)] * 2, "answered: content goes"
    for user in (kept, live):
        tracker = httpx.get(
            f"{stack.settings.rasa_url}/conversations/zalo:{user}/tracker",
            params={"token": stack.settings.rasa_auth_token},
            timeout=30,
        ).json()
        assert [e["text"] for e in tracker["events"] if e["event"] == "user"] == [MASKED]
