"""Each citizen's conversation is theirs alone: the server decides the channel and the sender.

A web caller can only use an id the server issued to it; another channel's conversation
(``tg:<chat id>``, ``zalo:<user id>``) can neither be written to nor read from the web API,
and an id that expired or was ended is refused with a Vietnamese message.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from app import texts
from app.main import create_app
from app.runner import free_port
from app.settings import Settings


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(tmp_path, clock):
    """The app with Rasa down (a free port): identity is decided before any message reaches Rasa."""
    settings = Settings(
        _env_file=None, var_dir=tmp_path, rasa_port=free_port(), rasa_timeout=1, app_secret_key="k" * 40
    )
    with TestClient(create_app(settings, open_knowledge_base=False, clock=clock)) as test_client:
        yield test_client


def issue(client: TestClient, **body: object) -> str:
    response = client.post("/api/session", json=body)
    assert response.status_code == 201, response.text
    data = response.json()
    assert data["notice"] == texts.privacy_notice(90)
    assert data["idle_hours"] == 24
    return data["sender"]


@pytest.mark.parametrize("sender", ["tg:123456789", "zalo:8877665544", "tg:1", "zalo:abc_DEF-1"])
def test_another_channels_conversation_cannot_be_written_or_read(client, sender):
    chat = client.post("/api/chat", json={"sender": sender, "text": "tôi đang ở bước mấy?"})
    assert chat.status_code == 403
    assert chat.json()["detail"] == texts.SESSION_FOREIGN
    history = client.get("/api/history", params={"sender": sender})
    assert history.status_code == 403
    end = client.post("/api/session/end", json={"sender": sender, "erase": True})
    assert end.status_code == 403


@pytest.mark.parametrize(
    "sender",
    [
        f"web:{uuid.uuid4()}",  # well-formed, never issued
        "web:1",
        "web:" + str(uuid.uuid4()).upper(),
        "api:someone",
        "someone",
    ],
)
def test_ids_the_server_did_not_issue_are_refused(client, sender):
    response = client.post("/api/chat", json={"sender": sender, "text": "xin chào"})
    assert response.status_code in (401, 403)
    assert response.json()["detail"] in (texts.SESSION_INVALID, texts.SESSION_FOREIGN)
    assert client.get("/api/history", params={"sender": sender}).status_code in (401, 403)


def test_an_issued_id_works_until_idle_for_web_session_hours(client, clock):
    sender = issue(client)
    assert sender.startswith("web:") and uuid.UUID(sender[4:]).version == 4
    assert client.post("/api/chat", json={"sender": sender, "text": "xin chào"}).status_code == 200
    clock.now += timedelta(hours=23)
    assert client.post("/api/chat", json={"sender": sender, "text": "còn đó không"}).status_code == 200
    clock.now += timedelta(hours=23)  # used 23 h ago: still valid (inactivity, not age, counts)
    assert client.post("/api/chat", json={"sender": sender, "text": "tôi quay lại"}).status_code == 200
    clock.now += timedelta(hours=24, minutes=1)
    expired = client.post("/api/chat", json={"sender": sender, "text": "xin chào"})
    assert expired.status_code == 401
    assert expired.json()["detail"] == texts.SESSION_INVALID
    assert client.get("/api/history", params={"sender": sender}).status_code == 401


def test_a_kiosk_id_expires_after_half_an_hour_idle(client, clock):
    sender = issue(client, kiosk=True)
    clock.now += timedelta(minutes=29)
    assert client.post("/api/chat", json={"sender": sender, "text": "xin chào"}).status_code == 200
    clock.now += timedelta(minutes=31)
    assert client.post("/api/chat", json={"sender": sender, "text": "xin chào"}).status_code == 401


def test_an_ended_id_is_refused(client):
    sender = issue(client)
    assert client.post("/api/session/end", json={"sender": sender}).json() == {"ended": True, "erased": False}
    assert client.post("/api/chat", json={"sender": sender, "text": "xin chào"}).status_code == 401
    assert client.post("/api/session/end", json={"sender": sender}).status_code == 401


def test_ids_are_stored_only_as_keyed_hashes(client, tmp_path):
    import sqlite3

    sender = issue(client)
    database = sqlite3.connect(tmp_path / "app.db")
    dump = "\n".join(database.iterdump())
    database.close()
    assert sender not in dump and sender[4:] not in dump
