"""The Rasa action webhook inside the app: token, compression, the SDK's status codes."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

TOKEN = "test-token-0123456789abcdefghij"


@pytest.fixture
def client() -> Iterator[TestClient]:
    settings = Settings(_env_file=None, rasa_auth_token=TOKEN, rasa_port=9)
    with TestClient(create_app(settings, open_knowledge_base=False)) as test_client:
        yield test_client


def action_call(name: str) -> dict:
    """What Rasa 3.6 posts to the action endpoint."""
    return {
        "next_action": name,
        "sender_id": "web:webhook-test",
        "version": "3.6.21",
        "domain": {"intents": ["request_human"], "actions": [name], "slots": {}, "responses": {}},
        "tracker": {
            "sender_id": "web:webhook-test",
            "slots": {},
            "latest_message": {"text": "gặp cán bộ", "intent": {"name": "request_human"}, "entities": []},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_runs_an_action(client):
    response = client.post("/rasa/webhook", json=action_call("action_centre_contact"), headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    assert body["events"] == []
    lead, marker = body["responses"]  # "Gặp cán bộ" starts a handoff: a lead sentence, then the marker
    assert "cán bộ hỗ trợ" in lead["text"]
    assert marker["custom"] == {"handoff": {"reason": "request"}}


def test_accepts_a_deflated_body(client):
    raw = zlib.compress(json.dumps(action_call("action_answer_question")).encode())
    response = client.post(
        "/rasa/webhook",
        content=raw,
        headers={**AUTH, "Content-Type": "application/json", "Content-Encoding": "deflate"},
    )
    assert response.status_code == 200
    assert response.json()["responses"][0]["buttons"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}])
def test_refuses_without_the_token(client, headers):
    response = client.post("/rasa/webhook", json=action_call("action_centre_contact"), headers=headers)
    assert response.status_code == 401


def test_unknown_action_is_404_as_in_the_sdk(client):
    response = client.post("/rasa/webhook", json=action_call("action_does_not_exist"), headers=AUTH)
    assert response.status_code == 404
    assert response.json()["action_name"] == "action_does_not_exist"


@pytest.mark.parametrize("raw", [b"not json", b"{}", b"[]"])
def test_malformed_calls_are_400(client, raw):
    response = client.post("/rasa/webhook", content=raw, headers={**AUTH, "Content-Type": "application/json"})
    assert response.status_code == 400


def test_lists_registered_actions(client):
    names = {a["name"] for a in client.get("/rasa/actions", headers=AUTH).json()}
    domain = yaml_actions()
    assert names == domain, "every custom action of the domain is registered, and only those"


def yaml_actions() -> set[str]:
    import yaml

    from app.settings import ROOT

    names: set[str] = set()
    for path in (ROOT / "bot" / "domain").glob("*.yml"):
        names |= set(yaml.safe_load(path.read_text(encoding="utf-8")).get("actions") or [])
    return names
