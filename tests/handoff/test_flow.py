"""The whole handoff against the real Rasa server with the trained model (the stack's; its app
serves the actions) on every channel: the web API, and Telegram and Zalo through their fakes.
Ask for a person mid-walkthrough → an agent claims → the agent's reply reaches the channel →
the citizen's reply appears in the console → hand back at step k → the bot's step k reaches the
channel; and closing asks for the rating. The app runs in-process with HANDOFF_HOURS=always."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app import texts
from app.main import create_app
from tests.app import test_telegram as tg
from tests.app import test_zalo as zl
from tests.connectors.test_telegram import FakeBotApi
from tests.handoff.conftest import Staff, new_web_sender

pytestmark = pytest.mark.rasa

WALK_TO_STEP_ONE = (
    "tôi muốn làm giấy khai sinh cho con online",
    "đúng rồi",
    "có rồi",
    "số 5 Lê Duẩn, phường Bến Nghé, quận 1, TP Hồ Chí Minh",
    "bắt đầu",
)
REQUEST_HUMAN = "/request_human"


def rasa_settings(stack) -> dict[str, Any]:
    return {
        "rasa_port": stack.settings.rasa_port,
        "rasa_auth_token": stack.settings.rasa_auth_token,
        "rasa_timeout": 30,
        "handoff_hours": "always",
        "channel_rate_limit": 1000,
        "client_rate_limit": 100_000,
        "session_rate_limit": 10_000,
    }


def settled(new: Callable[[], list[str]], quiet: float = 1.5, timeout: float = 60.0) -> list[str]:
    """What a channel's fake received: at least one message, then nothing more for ``quiet`` s."""
    got = wait_for(new, timeout)
    last = time.monotonic()
    while time.monotonic() - last < quiet:
        time.sleep(0.05)
        if more := new():
            got, last = got + more, time.monotonic()
    return got


def wait_for(condition: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


class Web:
    def __init__(self, client: TestClient) -> None:
        self.client, self.sender = client, new_web_sender(client)
        self.cursor = client.get("/api/updates", params={"sender": self.sender}).json()["cursor"]

    def say(self, text: str) -> list[str]:
        response = self.client.post("/api/chat", json={"sender": self.sender, "text": text})
        assert response.status_code == 200, response.text
        return [m["text"] for m in response.json()["messages"]]

    def send(self, text: str) -> None:
        assert self.say(text) == [], "no reply while an agent holds the conversation"

    def nothing_new(self) -> bool:
        return self.client.get("/api/updates", params={"sender": self.sender}).json()["cursor"] == self.cursor

    def pushed(self) -> list[str]:
        answer = self.client.get("/api/updates", params={"sender": self.sender, "after": self.cursor}).json()
        self.cursor = answer["cursor"]
        return [m["text"] for m in answer["messages"]]


class Telegram:
    def __init__(self, client: TestClient, fake: FakeBotApi) -> None:
        self.client, self.fake, self.chat = client, fake, tg.new_chat()
        self.sender, self.seen = f"tg:{self.chat}", 0

    def _new(self) -> list[str]:
        calls = self.fake.sent("sendMessage", self.chat)
        fresh, self.seen = calls[self.seen :], len(calls)
        return [str(call["text"]) for call in fresh]

    def say(self, text: str) -> list[str]:
        self._new()
        update = tg.message(self.chat, text if not text.startswith("/") else None)
        if text.startswith("/"):  # a button pressed: its payload comes back as callback data
            update = {
                "update_id": next(tg._ids),
                "callback_query": {
                    "id": str(next(tg._ids)),
                    "from": tg.user(self.chat),
                    "chat_instance": "-42",
                    "data": f"p:{text}",
                },
            }
        assert self.client.post("/telegram/webhook", json=update, headers=tg.HEADERS).status_code == 200
        return self.pushed(wait=True)

    def send(self, text: str) -> None:
        self._new()
        update = tg.message(self.chat, text)
        assert self.client.post("/telegram/webhook", json=update, headers=tg.HEADERS).status_code == 200

    def nothing_new(self) -> bool:
        return self._new() == []

    def pushed(self, wait: bool = True) -> list[str]:
        return settled(self._new) if wait else self._new()


class Zalo:
    def __init__(self, client: TestClient, fake: zl.FakeZalo) -> None:
        self.client, self.fake, self.user = client, fake, f"88{uuid.uuid4().int % 10**12}"
        self.sender, self.seen = f"zalo:{self.user}", 0

    def _new(self) -> list[str]:
        sent = zl.answers(self.fake, self.user)
        fresh, self.seen = sent[self.seen :], len(sent)
        return fresh

    def say(self, text: str) -> list[str]:
        self._new()
        assert zl.post(self.client, zl.event(user=self.user, text=text)).status_code == 200
        return self.pushed()

    def send(self, text: str) -> None:
        self._new()
        assert zl.post(self.client, zl.event(user=self.user, text=text)).status_code == 200

    def nothing_new(self) -> bool:
        return self._new() == []

    def pushed(self) -> list[str]:
        return settled(self._new)


@pytest.fixture(params=["web", "tg", "zalo"])
def channel(request, stack, tmp_path) -> Iterator[Any]:
    settings = rasa_settings(stack)
    if request.param == "web":
        from tests.handoff.conftest import handoff_settings

        with TestClient(
            create_app(handoff_settings(tmp_path, **settings), open_knowledge_base=False)
        ) as client:
            yield Web(client)
    elif request.param == "tg":
        fake = FakeBotApi().start()
        try:
            with tg.running(fake, tmp_path, **settings) as client:
                yield Telegram(client, fake)
        finally:
            fake.stop()
    else:
        fake = request.getfixturevalue("zalo_fake")
        with TestClient(
            create_app(zl.zalo_settings(tmp_path, fake, **settings), open_knowledge_base=False)
        ) as client:
            yield Zalo(client, fake)


def test_ask_claim_reply_hand_back_at_step_k_on_every_channel(channel, stack):
    agent = Staff(channel.client, f"an{uuid.uuid4().hex[:6]}")
    agent.on_duty()
    for text in WALK_TO_STEP_ONE:
        channel.say(text)
    channel.say("tiếp theo")  # at step 2
    asked = channel.say(REQUEST_HUMAN)
    assert asked[-1] == texts.handoff_queued(1, 5), asked

    (item,) = agent.call("GET", "/api/staff/handoffs").json()["handoffs"]
    assert item["status"] == "waiting" and item["procedure"] == "dang-ky-khai-sinh" and item["step"] == 2
    assert agent.call("POST", f"/api/staff/handoffs/{item['id']}/claim").status_code == 200
    assert channel.pushed() == [texts.HANDOFF_CLAIMED]
    sent = agent.call(
        "POST", f"/api/staff/handoffs/{item['id']}/messages", {"text": "Anh/chị vướng ở đâu ạ?"}
    )
    assert sent.json()["delivered"] is True
    assert channel.pushed() == ["Anh/chị vướng ở đâu ạ?"]

    channel.send("Tôi không thấy nút Nộp hồ sơ")  # to the agent: the bot stays silent

    def shown() -> list[dict[str, Any]]:
        detail = agent.call("GET", f"/api/staff/handoffs/{item['id']}").json()
        return detail if detail["transcript"][-1]["text"] == "Tôi không thấy nút Nộp hồ sơ" else None

    detail = wait_for(shown, timeout=30)
    assert [e["role"] for e in detail["transcript"][-2:]] == ["agent", "user"]
    assert detail["slots"]["procedure"] == "dang-ky-khai-sinh" and detail["slots"]["guide_step"] == 2
    assert channel.nothing_new(), "nothing from the bot while held"

    resumed = agent.call("POST", f"/api/staff/handoffs/{item['id']}/resume", {"step": 3})
    assert resumed.status_code == 200, resumed.text
    pushed = channel.pushed()
    assert pushed[0].startswith("Tôi là trợ lý tự động, tôi tiếp tục hướng dẫn anh/chị từ bước 3")
    assert any("Bước 3/" in text for text in pushed)
    assert agent.call("GET", "/api/staff/handoffs").json()["handoffs"] == []
    # The bot has the conversation back: the next message is the walkthrough's.
    assert any("Bước 4/" in text for text in channel.say("tiếp theo"))


def test_close_asks_for_the_rating_and_history_shows_the_agent(stack, tmp_path):
    from tests.handoff.conftest import handoff_settings

    settings = handoff_settings(tmp_path, **rasa_settings(stack))
    with TestClient(create_app(settings, open_knowledge_base=False)) as client:
        web, agent = Web(client), Staff(client, "an")
        agent.on_duty()
        web.say(REQUEST_HUMAN)
        (item,) = agent.call("GET", "/api/staff/handoffs").json()["handoffs"]
        agent.call("POST", f"/api/staff/handoffs/{item['id']}/claim")
        agent.call("POST", f"/api/staff/handoffs/{item['id']}/messages", {"text": "Tôi đã hướng dẫn xong."})
        closed = agent.call("POST", f"/api/staff/handoffs/{item['id']}/close")
        assert closed.status_code == 200, closed.text
        pushed = web.pushed()
        assert pushed[-1].startswith("Cán bộ đã kết thúc phiên hỗ trợ")
        history = client.get("/api/history", params={"sender": web.sender}).json()["messages"]
        assert ("agent", "Tôi đã hướng dẫn xong.") in [(m["role"], m["text"]) for m in history]
        tracker = httpx.get(
            f"{stack.settings.rasa_url}/conversations/{web.sender}/tracker",
            params={"token": stack.settings.rasa_auth_token},
            timeout=30,
        ).json()
        assert tracker["slots"]["human_help"] is True
        kinds = [e["event"] for e in tracker["events"]]
        assert "pause" in kinds and "resume" in kinds


def test_the_chat_answer_carries_the_handoff_state_the_widget_polls_by(stack, tmp_path):
    """``POST /api/chat`` says whether a handoff is open (the widget long-polls only then); the
    update with the bot's replies after the close says it is over."""
    from tests.handoff.conftest import handoff_settings

    settings = handoff_settings(tmp_path, **rasa_settings(stack))
    with TestClient(create_app(settings, open_knowledge_base=False)) as client:
        web, agent = Web(client), Staff(client, "an")
        agent.on_duty()

        def chat(text: str) -> dict[str, Any]:
            response = client.post("/api/chat", json={"sender": web.sender, "text": text})
            assert response.status_code == 200, response.text
            return response.json()

        assert chat("xin chào")["handoff"] is None
        assert chat(REQUEST_HUMAN)["handoff"] == {"status": "waiting", "position": 1}
        (item,) = agent.call("GET", "/api/staff/handoffs").json()["handoffs"]
        assert agent.call("POST", f"/api/staff/handoffs/{item['id']}/claim").status_code == 200
        held = chat("Tôi không thấy nút Nộp hồ sơ")
        assert held == {"messages": [], "ended": False, "handoff": {"status": "held", "position": None}}
        assert agent.call("POST", f"/api/staff/handoffs/{item['id']}/close").status_code == 200
        over = client.get("/api/updates", params={"sender": web.sender, "after": web.cursor}).json()
        assert over["messages"][-1]["text"].startswith("Cán bộ đã kết thúc phiên hỗ trợ")
        assert over["handoff"] == {"status": None, "position": None}
        # Asked again and cancelled: the answer to the cancel says no handoff is open.
        assert chat(REQUEST_HUMAN)["handoff"] == {"status": "waiting", "position": 1}
        cancelled = chat(texts.HANDOFF_CANCEL)
        assert cancelled["messages"][0]["text"] == texts.HANDOFF_CANCELLED
        assert cancelled["handoff"] is None


def test_the_console_stream_announces_changes(stack, api):
    """On the real server: the stream sends the version at once, and again after a change."""
    from app.database import Database
    from app.staff.accounts import Accounts
    from tests.staff.conftest import PASSWORD

    username = f"an{uuid.uuid4().hex[:6]}"
    database = Database(stack.settings.app_db, stack.settings.app_secret_key)
    try:
        Accounts(database).create(username, PASSWORD, "agent")
    finally:
        database.close()
    with httpx.Client(base_url=str(api.base_url), timeout=30) as staff:
        signed_in = staff.post("/api/staff/session", json={"username": username, "password": PASSWORD})
        csrf = signed_in.json()["csrf"]

        def on_duty(online: bool) -> int:
            return staff.put(
                "/api/staff/presence", json={"online": online}, headers={"X-CSRF-Token": csrf}
            ).status_code

        try:
            with staff.stream("GET", "/api/staff/handoffs/stream") as stream:
                assert stream.headers["content-type"].startswith("text/event-stream")
                lines = stream.iter_lines()
                assert next(lines) == "event: handoffs"
                version = int(next(lines).removeprefix("data: ").split(":")[1].strip(" }"))
                assert on_duty(True) == 200
                following = [next(lines) for _ in range(3)]
                assert following[1:] == ["event: handoffs", f'data: {{"version": {version + 1}}}']
        finally:
            # Off duty again: the session's other tests (the widget's) expect nobody on duty.
            assert on_duty(False) == 200
