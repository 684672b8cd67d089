"""/metrics of a real stack (Rasa with the trained model, the app as `make run` starts it, the real
index): chat turns timed on their route, the actions' knowledge searches and /api/search timed by
source, no Rasa error while Rasa answers, and Rasa's errors counted once it is stopped."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from app.runner import running_stack
from tests.metrics.conftest import AUTH, TOKEN, value

pytestmark = pytest.mark.rasa


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory) -> Iterator[object]:
    """A stack of this module's own (it stops Rasa at the end), with a metrics token."""
    with running_stack(tmp_path_factory.mktemp("var"), metrics_token=TOKEN) as running:
        yield running


@pytest.fixture(scope="module")
def app_api(own_stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"http://127.0.0.1:{own_stack.settings.app_port}", timeout=60) as client:
        yield client


def scrape(api: httpx.Client) -> str:
    response = api.get("/metrics", headers=AUTH)
    assert response.status_code == 200, response.text
    return response.text


def test_chat_and_search_latency_from_real_traffic(app_api):
    before = scrape(app_api)
    sender = app_api.post("/api/session").json()["sender"]
    questions = (
        "xin chào",
        "không nhận được mã otp khi đăng nhập dịch vụ công",
        "lệ phí làm hộ chiếu bao nhiêu",
    )
    for text in questions:
        response = app_api.post("/api/chat", json={"sender": sender, "text": text})
        assert response.status_code == 200 and response.json()["messages"]
    assert app_api.get("/api/search", params={"q": "làm giấy khai sinh cho con"}).status_code == 200

    text = scrape(app_api)
    chat = {"method": "POST", "route": "/api/chat", "channel": "web"}
    turns = value(text, "http_request_duration_seconds_count", **chat) - (
        value(before, "http_request_duration_seconds_count", **chat) or 0
    )
    assert turns == len(questions)
    assert value(text, "http_request_duration_seconds_sum", **chat) > 0
    # Rasa called the actions through the app's webhook: timed as a route of its own.
    assert value(text, "http_request_duration_seconds_count", route="/rasa/webhook", channel="other") >= 3
    assert value(text, "search_duration_seconds_count", source="api") == 1
    assert value(text, "search_duration_seconds_count", source="actions") >= 1, "the actions searched"
    assert value(text, "search_duration_seconds_sum", source="actions") > 0
    assert value(text, "rasa_errors_total", operation="message", kind="unavailable") is None


def test_rasa_errors_are_counted_when_rasa_is_down(own_stack, app_api):
    own_stack.stop_process("rasa")  # the module's own stack: nothing after this needs Rasa
    sender = app_api.post("/api/session").json()["sender"]
    response = app_api.post("/api/chat", json={"sender": sender, "text": "xin chào"})
    assert response.status_code == 200 and "gián đoạn" in response.json()["messages"][0]["text"]
    text = scrape(app_api)
    assert value(text, "rasa_errors_total", operation="message", kind="unavailable") == 1
