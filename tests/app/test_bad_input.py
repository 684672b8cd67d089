"""Bad input at /api/chat: a clear 4xx or a polite reply, never a 500; nothing personal logged."""

from __future__ import annotations

import json
import re

import pytest

SESSION = "<an id the server issued>"


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"sender": SESSION, "text": ""}, 422, "trống"),
        ({"sender": SESSION, "text": " \n\t "}, 422, "trống"),
        ({"sender": SESSION, "text": "\u200b\u200b"}, 422, "trống"),
        ({"sender": SESSION, "text": "\udfff\ud800"}, 422, "trống"),  # lone surrogates only
        ({"sender": SESSION, "text": "a" * 2001}, 413, "2000"),
        ({"sender": SESSION}, 422, "text"),
        ({"text": "xin chao"}, 422, "sender"),
        ({"sender": SESSION, "text": 42}, 422, "text"),
        ({"sender": "", "text": "xin chao"}, 422, "sender"),
        ({"sender": "web:<script>", "text": "xin chao"}, 422, "sender"),
        ({"sender": "web:" + "x" * 200, "text": "xin chao"}, 422, "sender"),
        ({"sender": "web:x", "text": "xin chao"}, 401, "hết hạn"),
        ({"sender": "tg:12345", "text": "xin chao"}, 403, "web:<uuid>"),
        (["sender", "text"], 422, "không hợp lệ"),
    ],
)
def test_bad_json_bodies_get_a_clear_4xx(api, new_sender, body, status, says):
    if isinstance(body, dict) and body.get("sender") == SESSION:
        body = {**body, "sender": new_sender()}
    # json.dumps escapes lone surrogates as \\udXXX, as a browser's JSON.stringify does.
    response = api.post("/api/chat", content=json.dumps(body), headers={"content-type": "application/json"})
    assert response.status_code == status, response.text
    assert says in response.json()["detail"]


@pytest.mark.parametrize("raw", [b"xin chao", b"{not json", b"", b"\xff\xfe\x00"])
def test_non_json_gets_a_clear_4xx(api, raw):
    response = api.post("/api/chat", content=raw, headers={"content-type": "application/json"})
    assert response.status_code in (400, 422), response.text
    assert "JSON" in response.json()["detail"]


def test_text_at_the_limit_is_answered(api, new_sender):
    response = api.post("/api/chat", json={"sender": new_sender(), "text": "thủ tục " * 250})
    assert response.status_code == 200
    assert response.json()["messages"]


@pytest.mark.parametrize(
    "text",
    [
        "<img src=x onerror=alert(1)>",
        "'; DROP TABLE events; --",
        "🙂🙂🙂",
        "/nonexistent_intent",
        "{{}}",
        "/",
        "a\ud800b lone surrogate",
        "null\x00byte",
    ],
)
def test_odd_messages_get_a_polite_reply(api, new_sender, text):
    body = json.dumps({"sender": new_sender(), "text": text})
    response = api.post("/api/chat", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text
    assert response.json()["messages"][0]["text"]


def test_no_id_number_phone_or_token_in_the_logs(api, stack, new_sender):
    from app.privacy import sender_tag

    sender = new_sender()
    secrets_typed = ["001203004567", "0912345678", "123456789", "079088001234"]
    for text in [
        "cccd 001203004567, sdt 0912 345 678, cmnd 123456789",
        "/ số 079088001234",  # Rasa itself logs a message it cannot parse
        "xin chào",  # runs an action through the webhook
    ]:
        api.post("/api/chat", json={"sender": sender, "text": text})
    logs = "".join((stack.log_dir / name).read_text(errors="replace") for name in ("app.log", "rasa.log"))
    assert sender not in logs and sender.split(":")[1] not in logs, "ids are never logged"
    assert sender_tag(stack.settings.app_secret_key, sender) in logs, "the app logs each chat by a hash"
    digits_only = re.sub(r"[ .\-]", "", logs)
    for number in secrets_typed:
        assert number not in digits_only
    assert stack.settings.rasa_auth_token not in logs
