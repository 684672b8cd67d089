"""Storage faults of the app database, on real SQLite files: a write lock held by another
connection (busy), and a full database (``PRAGMA max_page_count``, SQLite's own limit on the file's
size). The app answers a polite Vietnamese 503 and logs one clear line, never a 500; reads go on;
it recovers when the lock goes or the space returns; nothing is corrupted (WAL, integrity_check).
The app runs in-process (TestClient) so that the test can set the page limit on its connections;
history reads come from the session stack's real Rasa.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from app import texts
from app.main import create_app
from app.runner import free_port, isolated_settings
from app.settings import Settings
from tests.app.test_telegram import HEADERS, SECRET, message
from tests.connectors.test_telegram import TOKEN, FakeBotApi
from tests.staff.conftest import add_account, sign_in

UNLIMITED = 1_073_741_823  # SQLite's default max_page_count


def integrity(path: Path) -> tuple[str, str]:
    with sqlite3.connect(path) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0], db.execute(
            "PRAGMA journal_mode"
        ).fetchone()[0]


@pytest.fixture
def bot_api() -> Iterator[FakeBotApi]:
    fake = FakeBotApi().start()
    yield fake
    fake.stop()


def test_a_write_lock_held_elsewhere_is_waited_for_then_a_polite_503(bot_api, tmp_path, caplog):
    settings = Settings(
        _env_file=None,
        var_dir=tmp_path,
        rasa_port=free_port(),  # Rasa down: the lock is met before any conversation
        app_db_busy_timeout=0.5,
        inbox_retry_seconds=0,
        telegram_bot_token=TOKEN,
        telegram_api_url=bot_api.base_url,
        telegram_webhook_secret=SECRET,
    )
    path = tmp_path / "app.db"
    with TestClient(create_app(settings, open_knowledge_base=False)) as client:
        sender = client.post("/api/session", json={}).json()["sender"]
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # a real second connection holds the write lock
        other.execute("INSERT INTO inbox (key, channel, received_at) VALUES ('held', 'x', '2026-01-01')")
        try:
            with caplog.at_level(logging.ERROR):
                started = time.monotonic()
                session = client.post("/api/session", json={})
                waited = time.monotonic() - started
                chat = client.post("/api/chat", json={"sender": sender, "text": "xin chào"})
                update = client.post("/telegram/webhook", json=message(881, "xin chào"), headers=HEADERS)
            assert session.status_code == 503 and session.json()["detail"] == texts.STORAGE_BUSY
            assert waited >= 0.5, "SQLite's busy handler waited APP_DB_BUSY_TIMEOUT before giving up"
            assert chat.status_code == 503 and chat.json()["detail"] == texts.STORAGE_BUSY
            # The update could not be kept: Telegram is told to deliver it again (not acknowledged).
            assert update.status_code == 503
            lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("storage busy")]
            assert len(lines) >= 3 and all("database is locked" in line for line in lines), lines
            assert "Traceback" not in caplog.text
            # Reads go on while the lock is held (WAL: readers never wait for a writer).
            assert client.get("/", headers={"accept": "text/html"}).status_code == 200
        finally:
            other.execute("ROLLBACK")
            other.close()
        # The lock is gone: the same requests work, Telegram's redelivery is answered.
        assert client.post("/api/session", json={}).status_code == 201
        assert (
            client.post("/telegram/webhook", json=message(881, "xin chào"), headers=HEADERS).status_code
            == 200
        )
        [_, told] = bot_api.wait_for(2, chat_id=881)
        assert "gửi lại" in told["text"]
    assert integrity(path) == ("ok", "wal")


@pytest.fixture
def full_app(stack, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The app on a fresh var/ (with the built index) whose database connections get the page
    limit ``limit["pages"]`` at every checkout; Rasa is the session stack's."""
    settings = isolated_settings(
        tmp_path,
        rasa_port=stack.settings.rasa_port,
        rasa_auth_token=stack.settings.rasa_auth_token,
        client_rate_limit=100_000,
        session_rate_limit=10_000,
    )
    limit = {"pages": UNLIMITED}
    app = create_app(settings)

    def on_checkout(dbapi_connection, _record, _proxy) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.execute(f"PRAGMA max_page_count = {limit['pages']}")

    event.listen(app.state.stores.database.engine, "checkout", on_checkout)
    with TestClient(app) as client:
        yield {"client": client, "limit": limit, "path": tmp_path / "app.db"}


def test_a_full_database_refuses_writes_politely_serves_reads_and_recovers(full_app, caplog):
    client, limit, path = full_app["client"], full_app["limit"], full_app["path"]
    sender = client.post("/api/session", json={}).json()["sender"]
    add_account(client, "viewer", "viewer")
    sign_in(client, "viewer")
    deadline = time.monotonic() + 120
    while client.get("/api/search", params={"q": "đăng ký khai sinh"}).status_code == 503:
        assert time.monotonic() < deadline, "the knowledge base did not open"
        time.sleep(0.5)

    with sqlite3.connect(path) as db:
        limit["pages"] = db.execute("PRAGMA page_count").fetchone()[0]  # no page more
    with caplog.at_level(logging.ERROR):
        for _ in range(300):  # the last page of web_sessions fills up within a few dozen rows
            refused = client.post("/api/session", json={})
            if refused.status_code != 201:
                break
    assert refused.status_code == 503, refused.text
    assert refused.json()["detail"] == texts.STORAGE_FULL
    assert any(r.getMessage().startswith("storage full") for r in caplog.records)
    assert "Traceback" not in caplog.text
    assert client.post("/api/session", json={}).status_code == 503, "still full: still refused"

    # Reads stay up: knowledge search, the conversation's history, the staff console's pages.
    found = client.get("/api/search", params={"q": "đăng ký khai sinh"})
    assert found.status_code == 200 and found.json()["hits"]
    assert client.get("/api/history", params={"sender": sender}).status_code == 200
    assert client.get("/staff").status_code == 200
    assert client.get("/staff/procedures").status_code == 200

    limit["pages"] = UNLIMITED  # the space returns
    assert client.post("/api/session", json={}).status_code == 201
    assert integrity(path) == ("ok", "wal")
