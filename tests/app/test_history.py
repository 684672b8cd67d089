"""GET /api/history, the widget API's CORS and the web channel's rate limit (no browser).

Every web conversation id is issued by the server (POST /api/session): history of an id it never
issued, or ended, is refused (401), another channel's id is never served (403).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app import texts
from app.main import create_app
from app.runner import free_port
from app.settings import Settings
from app.web import history_from_events

PORTAL = "https://dichvucong.binhan.gov.vn"
WEB_API = ["/api/session", "/api/session/end", "/api/chat", "/api/history"]


# --- the tracker events as the person saw them (pure function) ------------------------------


GREETING = {
    "event": "bot",
    "text": "Xin chào anh/chị!",
    "data": {
        "buttons": [
            {"title": "Hướng dẫn nộp hồ sơ trực tuyến", "payload": "/start_guide"},
            {"title": "Gặp cán bộ hỗ trợ", "payload": "/request_human"},
        ]
    },
}


def test_history_keeps_what_was_said_and_drops_the_machinery():
    events = [
        {"event": "action", "name": "action_session_start"},
        {"event": "session_started"},
        {"event": "user", "text": "/greet", "parse_data": {"intent": {"name": "greet"}}},
        {"event": "user_featurization"},
        GREETING,
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "/request_human"},
        {"event": "slot", "name": "x", "value": 1},
        {
            "event": "bot",
            "text": "Anh/chị gọi 1800 1096.",
            "data": {
                "custom": {"links": [{"title": "Cổng Dịch vụ công", "url": "https://dichvucong.gov.vn"}]}
            },
        },
        {"event": "user", "text": "cảm ơn"},
        {"event": "bot", "text": "", "data": {}},
    ]
    history = [entry.model_dump() for entry in history_from_events(events)]
    assert [(e["role"], e["text"]) for e in history] == [
        ("bot", "Xin chào anh/chị!"),
        ("user", "Gặp cán bộ hỗ trợ"),  # the button's title, not its payload
        ("bot", "Anh/chị gọi 1800 1096."),
        ("user", "cảm ơn"),
    ]
    assert history[0]["buttons"][1] == {"title": "Gặp cán bộ hỗ trợ", "payload": "/request_human"}
    assert history[2]["links"] == [{"title": "Cổng Dịch vụ công", "url": "https://dichvucong.gov.vn"}]


def test_history_button_titles_from_earlier_turns_and_the_limit():
    events = [GREETING, {"event": "user", "text": "xin chào"}, {"event": "bot", "text": "Chào"}]
    events += [{"event": "user", "text": "/start_guide"}]  # a button of the first message
    events += [{"event": "user", "text": f"câu {i}"} for i in range(10)]
    history = history_from_events(events, limit=11)
    assert history[0].text == "Hướng dẫn nộp hồ sơ trực tuyến"
    assert [e.text for e in history][-1] == "câu 9"
    assert len(history) == 11


# --- the API against the real stack ----------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({}, 422),
        ({"sender": ""}, 422),
        ({"sender": "web:<script>"}, 422),
        ({"sender": "web:" + "a" * 200}, 422),
        ({"sender": "tg:123"}, 403),  # guessable ids of other channels are never served
        ({"sender": "tg:123456789"}, 403),
        ({"sender": "zalo:1"}, 403),
        ({"sender": "web:1"}, 401),  # a web id this server never issued
        ({"sender": f"web:{uuid.uuid4()}"}, 401),
        ({"sender": "web:" + str(uuid.uuid4()).upper()}, 401),
    ],
)
def test_history_refuses_bad_foreign_and_unknown_senders(api, query, status):
    response = api.get("/api/history", params=query)
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail  # a sentence, in Vietnamese
    if status == 403:
        assert detail == texts.SESSION_FOREIGN
    if status == 401:
        assert detail == texts.SESSION_INVALID


def test_a_session_is_issued_with_the_privacy_notice(api, stack):
    response = api.post("/api/session")
    assert response.status_code == 201, response.text
    data = response.json()
    assert data["sender"].startswith("web:")
    assert data["notice"] == texts.privacy_notice(stack.settings.data_retention_days)
    assert data["idle_hours"] == stack.settings.web_session_hours
    assert api.post("/api/session", json={"kiosk": True}).status_code == 201
    assert api.post("/api/session", json={"kiosk": True}).json()["sender"] != data["sender"]


def test_history_of_a_new_conversation_is_empty(api, new_sender):
    sender = new_sender()
    response = api.get("/api/history", params={"sender": sender})
    assert response.status_code == 200, response.text
    assert response.json() == {"sender": sender, "messages": []}


def test_an_ended_id_is_refused(api, new_sender):
    sender = new_sender()
    assert api.post("/api/chat", json={"sender": sender, "text": "xin chào"}).status_code == 200
    ended = api.post("/api/session/end", json={"sender": sender, "erase": False})
    assert ended.status_code == 200, ended.text
    assert ended.json() == {"ended": True, "erased": False}
    for response in (
        api.get("/api/history", params={"sender": sender}),
        api.post("/api/chat", json={"sender": sender, "text": "xin chào"}),
        api.post("/api/session/end", json={"sender": sender, "erase": True}),
    ):
        assert response.status_code == 401, response.text
        assert response.json()["detail"] == texts.SESSION_INVALID


def test_history_round_trip_through_rasa(api, stack, new_sender):
    sender = new_sender()
    for text in ("/greet", "xin chào", "/request_human"):
        assert api.post("/api/chat", json={"sender": sender, "text": text}).status_code == 200
    messages = api.get("/api/history", params={"sender": sender}).json()["messages"]
    said = [(m["role"], m["text"]) for m in messages]
    user_turns = [text for role, text in said if role == "user"]
    assert user_turns == ["xin chào", "Gặp cán bộ hỗ trợ"]  # silent /greet left out; title shown
    assert said[0][0] == "bot" and "Xin chào" in said[0][1]
    assert {"title": "Gặp cán bộ hỗ trợ", "payload": "/request_human"} in messages[0]["buttons"]
    after = messages[[m["text"] for m in messages].index("Gặp cán bộ hỗ trợ") + 1 :]
    # The bot's lead sentence of the handoff; its marker is never shown (the app says the outcome).
    assert after[0]["role"] == "bot" and after[0]["text"] == "Vâng, tôi chuyển anh/chị sang cán bộ hỗ trợ."
    assert all(m["text"] or m["buttons"] or m["links"] for m in messages)


def test_local_stack_allows_any_origin(api, new_sender):
    response = api.get("/api/history", params={"sender": new_sender()}, headers={"Origin": PORTAL})
    assert response.headers.get("access-control-allow-origin") == "*"


# --- CORS and rate limit with configured settings (an app in-process, the stack's Rasa) -------


@pytest.fixture
def configured(stack, tmp_path) -> Iterator[TestClient]:
    """An app allowing two portal origins and 3 web messages a minute per person, on the running Rasa."""
    settings = Settings(
        _env_file=None,
        var_dir=tmp_path,
        app_port=free_port(),
        rasa_port=stack.settings.rasa_port,
        rasa_auth_token=stack.settings.rasa_auth_token,
        app_secret_key="k" * 40,
        cors_origins=f"{PORTAL}/, https://motcua.binhan.gov.vn",
        channel_rate_limit=3,
    )
    with TestClient(create_app(settings, open_knowledge_base=False)) as client:
        yield client


def issue(client: TestClient) -> str:
    response = client.post("/api/session")
    assert response.status_code == 201, response.text
    return response.json()["sender"]


def preflight(client: TestClient, path: str, origin: str, method: str = "POST"):
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "content-type",
        },
    )


@pytest.mark.parametrize("path", WEB_API)
def test_cors_preflight_allows_only_configured_origins(configured, path):
    method = "GET" if path == "/api/history" else "POST"
    allowed = preflight(configured, path, PORTAL, method)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == PORTAL
    assert method in allowed.headers["access-control-allow-methods"]
    assert "content-type" in allowed.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in allowed.headers

    refused = preflight(configured, path, "https://evil.example", method)
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers


def test_cors_preflight_is_refused_outside_the_widget_api(configured):
    for path in ("/api/search", "/health", "/telegram/webhook"):
        assert "access-control-allow-origin" not in preflight(configured, path, PORTAL).headers


def test_cors_headers_on_real_requests(configured):
    issued = configured.post("/api/session", json={}, headers={"Origin": PORTAL})
    assert issued.status_code == 201
    assert issued.headers["access-control-allow-origin"] == PORTAL
    sender = issued.json()["sender"]
    allowed = configured.post(
        "/api/chat", json={"sender": sender, "text": "xin chào"}, headers={"Origin": PORTAL}
    )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == PORTAL
    history = configured.get(
        "/api/history", params={"sender": sender}, headers={"Origin": "https://motcua.binhan.gov.vn"}
    )
    assert history.headers["access-control-allow-origin"] == "https://motcua.binhan.gov.vn"
    assert history.json()["messages"][0]["text"] == "xin chào"

    # A disallowed origin gets no CORS header, so the browser hides the answer from that page.
    other = configured.get(
        "/api/history", params={"sender": sender}, headers={"Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in other.headers
    ended = configured.post(
        "/api/session/end", json={"sender": sender, "erase": False}, headers={"Origin": PORTAL}
    )
    assert ended.status_code == 200
    assert ended.headers["access-control-allow-origin"] == PORTAL
    # Routes outside the widget API are not opened to other origins at all.
    assert "access-control-allow-origin" not in configured.get("/health", headers={"Origin": PORTAL}).headers


def test_web_senders_are_rate_limited_politely(configured):
    sender, other = issue(configured), issue(configured)
    for _ in range(3):
        assert configured.post("/api/chat", json={"sender": sender, "text": "xin chào"}).status_code == 200
    limited = configured.post("/api/chat", json={"sender": sender, "text": "xin chào"})
    assert limited.status_code == 429
    assert limited.json() == {"detail": texts.TOO_FAST}
    assert limited.headers["retry-after"] == "60"
    # Other people are not affected, and the limited message never reached Rasa.
    assert configured.post("/api/chat", json={"sender": other, "text": "xin chào"}).status_code == 200
    history = configured.get("/api/history", params={"sender": sender}).json()["messages"]
    assert [m["text"] for m in history if m["role"] == "user"] == ["xin chào"] * 3


def test_production_refuses_any_origin():
    secrets = {"rasa_auth_token": "x" * 32, "app_secret_key": "k" * 40}
    with pytest.raises(ValueError, match="CORS_ORIGINS"):
        Settings(_env_file=None, app_env="production", cors_origins="*", **secrets)
    settings = Settings(_env_file=None, app_env="production", cors_origins=PORTAL, **secrets)
    assert settings.allowed_origins == [PORTAL]
