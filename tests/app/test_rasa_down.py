"""When Rasa is down or slow the app still answers, politely; conversations survive a Rasa restart."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from app.health import RASA_STATE_TTL
from app.main import create_app
from app.runner import free_port
from app.settings import Settings


def test_rasa_stopped_then_restarted(api, rasa_api, token, stack, new_sender):
    sender = new_sender()
    assert api.post("/api/chat", json={"sender": sender, "text": "xin chào"}).status_code == 200

    stack.stop_process("rasa")
    try:
        response = api.post("/api/chat", json={"sender": sender, "text": "cho tôi gặp cán bộ"})
        assert response.status_code == 200
        [message] = response.json()["messages"]
        assert "gián đoạn" in message["text"]
        assert stack.settings.centre_hotline in message["text"]

        time.sleep(RASA_STATE_TTL)  # /health reuses Rasa's state for up to a second
        health = api.get("/health")
        assert health.status_code == 503
        assert health.json()["status"] == "degraded"
        assert health.json()["rasa"].startswith("error")
        assert health.json()["actions"] == "ok"
    finally:
        stack.start_rasa()
        stack.wait_healthy(timeout=600)

    assert api.get("/health").json() == {"status": "ok", "rasa": "ok", "actions": "ok", "knowledge": "ok"}
    # The tracker store is SQL on disk: the first message is still there after the restart.
    events = rasa_api.get(f"/conversations/{sender}/tracker", params={"token": token}).json()["events"]
    assert "xin chào" in [e.get("text") for e in events if e["event"] == "user"]


def test_slow_rasa_gets_a_polite_reply_within_the_timeout(hung_rasa):
    settings = Settings(_env_file=None, rasa_port=hung_rasa, app_port=free_port(), rasa_timeout=1.0)
    with TestClient(create_app(settings, open_knowledge_base=False)) as client:
        sender = client.post("/api/session").json()["sender"]
        response = client.post("/api/chat", json={"sender": sender, "text": "xin chào"})
        assert response.status_code == 200
        assert settings.centre_hotline in response.json()["messages"][0]["text"]
        assert client.get("/health").status_code == 503
