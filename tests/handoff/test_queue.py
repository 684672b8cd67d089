"""The handoff's queue, claims, idle release, hours and the staff API, in-process on real SQLite
with a clock the tests move. Rasa is down here: the bot's marker is handed to the desk as Rasa's
REST channel returns it, and what the citizen sends goes through the real ``/api/chat`` (routing
happens before Rasa). The whole flow against the real Rasa is in test_flow.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from app import texts
from app.handoff.desk import CANCEL_PAYLOAD
from app.staff import texts as staff_texts
from tests.handoff.conftest import EVENING, Staff, new_web_sender


def marker(reason: str = "request") -> list[dict[str, Any]]:
    """Rasa's REST replies of an action that starts a handoff (contract 1)."""
    return [
        {"recipient_id": "x", "text": "Tôi chuyển anh/chị sang cán bộ hỗ trợ."},
        {"recipient_id": "x", "custom": {"handoff": {"reason": reason}}},
    ]


def ask_for_person(client, sender: str, text: str = "Gặp cán bộ", reason: str = "request") -> list:
    desk = client.app.state.handoffs
    return client.portal.call(desk.after_reply, "web", sender, text, marker(reason))


def chat(client, sender: str, text: str) -> dict[str, Any]:
    response = client.post("/api/chat", json={"sender": sender, "text": text})
    assert response.status_code == 200, response.text
    return response.json()


def listed(agent: Staff) -> list[dict[str, Any]]:
    response = agent.call("GET", "/api/staff/handoffs")
    assert response.status_code == 200, response.text
    return response.json()["handoffs"]


def test_queue_order_places_and_claims_with_two_agents(citizen, clock):
    an, binh = Staff(citizen, "an"), Staff(citizen, "binh")
    an.on_duty()
    binh.on_duty()
    senders = [new_web_sender(citizen) for _ in range(3)]
    outcomes = []
    for sender in senders:
        outcomes.append(ask_for_person(citizen, sender))
        clock.now += timedelta(minutes=1)
    # Places and expected waits: position × 5 minutes (no history yet) ÷ 2 agents on duty.
    assert outcomes[0][0].text == texts.handoff_queued(1, 3)
    assert outcomes[2][0].text == texts.handoff_queued(3, 8)
    assert [b.payload for b in outcomes[2][0].buttons] == [CANCEL_PAYLOAD]

    queue = listed(an)
    assert [item["position"] for item in queue] == [1, 2, 3]
    assert [item["waiting_seconds"] for item in queue] == [180, 120, 60]
    assert {item["status"] for item in queue} == {"waiting"} and queue[0]["channel"] == "web"
    first, second, third = (item["id"] for item in queue)

    assert an.call("POST", f"/api/staff/handoffs/{first}/claim").status_code == 200
    taken = binh.call("POST", f"/api/staff/handoffs/{first}/claim")
    assert taken.status_code == 409
    assert taken.json()["detail"] == staff_texts.HANDOFF_TAKEN
    assert binh.call("POST", f"/api/staff/handoffs/{second}/claim").status_code == 200

    # The third person now waits first; a message while waiting answers with the place (the
    # agents' pages re-send their presence every minute).
    an.on_duty()
    binh.on_duty()
    waiting = chat(citizen, senders[2], "Tôi vẫn đang chờ")
    assert waiting["messages"][0]["text"] == texts.handoff_queued(1, 3)
    # While an agent holds the conversation the bot stays silent (the app's one-time masking note
    # aside); the agent sees the message masked.
    assert chat(citizen, senders[0], "Tôi cần giúp nộp hồ sơ")["messages"] == []
    masked = chat(citizen, senders[0], "Số của tôi là 0912345678")["messages"]
    assert [m["text"] for m in masked] == [texts.MASKED_NOTE]
    detail = an.call("GET", f"/api/staff/handoffs/{first}").json()
    assert detail["status"] == "held" and detail["claimed_by"] == "an"
    assert detail["transcript"][-1]["text"] == "Số của tôi là ***78"
    # Only the holder replies; its reply reaches the widget's updates and the cursor moves on.
    cursor = citizen.get("/api/updates", params={"sender": senders[0]}).json()["cursor"]
    refused = binh.call("POST", f"/api/staff/handoffs/{first}/messages", {"text": "Chào anh/chị"})
    assert refused.status_code == 409
    sent = an.call(
        "POST", f"/api/staff/handoffs/{first}/messages", {"text": "Chào anh/chị, tôi là cán bộ An."}
    )
    assert sent.json() == {"delivered": True, "window_closed": False}
    update = citizen.get("/api/updates", params={"sender": senders[0], "after": cursor}).json()
    assert [(m["role"], m["text"]) for m in update["messages"]] == [
        ("agent", "Chào anh/chị, tôi là cán bộ An.")
    ]
    assert update["handoff"] == {"status": "held", "position": None}
    assert update["cursor"] > cursor

    # Cancelling by typing the button's title ends the request.
    cancelled = chat(citizen, senders[2], texts.HANDOFF_CANCEL.lower())
    assert cancelled["messages"][0]["text"] == texts.HANDOFF_CANCELLED
    assert third not in [item["id"] for item in listed(an)]
    views = citizen.app.state.staff.audit.page().entries
    assert ("handoff_viewed", "an", str(first)) in [(e.action, e.actor, e.target_id) for e in views]


def test_the_claim_belongs_to_one_agent_until_it_idles_back_into_the_queue(citizen, clock):
    an, binh = Staff(citizen, "an"), Staff(citizen, "binh")
    an.on_duty()
    sender = new_web_sender(citizen)
    ask_for_person(citizen, sender)
    (item,) = listed(an)
    assert an.call("POST", f"/api/staff/handoffs/{item['id']}/claim").status_code == 200
    desk = citizen.app.state.handoffs
    # An agent message keeps the claim fresh.
    clock.now += timedelta(minutes=10)
    an.call("POST", f"/api/staff/handoffs/{item['id']}/messages", {"text": "Anh/chị chờ tôi một chút."})
    clock.now += timedelta(minutes=10)
    assert citizen.portal.call(desk.release_idle) == []
    assert listed(an)[0]["status"] == "held"
    # HANDOFF_CLAIM_IDLE_MINUTES (15) without a reply: back in the queue, for anyone to claim.
    clock.now += timedelta(minutes=6)
    assert [h.id for h in citizen.portal.call(desk.release_idle)] == [item["id"]]
    back = listed(an)[0]
    assert back["status"] == "waiting" and back["claimed_by"] is None and back["position"] == 1
    assert binh.call("POST", f"/api/staff/handoffs/{item['id']}/claim").status_code == 200
    refused = an.call("POST", f"/api/staff/handoffs/{item['id']}/messages", {"text": "Tôi đây"})
    assert refused.json()["detail"] == staff_texts.HANDOFF_NOT_HELD


def test_outside_hours_the_request_and_question_are_kept_for_an_agent_later(citizen, clock):
    clock.now = EVENING
    agent = Staff(citizen, "an")
    agent.on_duty()  # on duty or not, outside the hours nobody takes over
    sender = new_web_sender(citizen)
    (outcome,) = ask_for_person(citizen, sender)
    hours = citizen.app.state.handoffs.hours
    assert texts.handoff_outside_hours(hours.back_at(EVENING), hours.describe()) in outcome.text
    assert "7:30 thứ Tư, 09/12" in outcome.text and texts.HANDOFF_ASK_QUESTION in outcome.text
    # The next message becomes the question; later ones go to the bot again.
    kept = chat(citizen, sender, "Cho tôi hỏi lệ phí đăng ký khai sinh là bao nhiêu?")
    assert kept["messages"][0]["text"] == texts.HANDOFF_QUESTION_KEPT
    (item,) = listed(agent)
    assert (
        item["status"] == "kept" and item["question"] == "Cho tôi hỏi lệ phí đăng ký khai sinh là bao nhiêu?"
    )
    # The web id stays valid past WEB_SESSION_HOURS while the request waits for its answer.
    clock.now += timedelta(hours=citizen.app.state.settings.web_session_hours + 12)
    cursor = citizen.get("/api/updates", params={"sender": sender})
    assert cursor.status_code == 200 and cursor.json()["handoff"] == {"status": "kept", "position": None}
    # Next morning an agent answers on the same channel.
    agent = Staff(citizen, "binh")
    assert agent.call("POST", f"/api/staff/handoffs/{item['id']}/claim").status_code == 200
    agent.call(
        "POST", f"/api/staff/handoffs/{item['id']}/messages", {"text": "Lệ phí khai sinh đúng hạn được miễn."}
    )
    update = citizen.get("/api/updates", params={"sender": sender, "after": cursor.json()["cursor"]}).json()
    assert [m["role"] for m in update["messages"]] == ["bot", "agent"]
    assert update["messages"][0]["text"] == texts.HANDOFF_CLAIMED


def test_the_ladder_keeps_its_question_no_agent_online_and_kiosks_use_other_channels(citizen):
    sender = new_web_sender(citizen)
    (outcome,) = ask_for_person(citizen, sender, "Hồ sơ của tôi bị trả về vì sao?", reason="ladder")
    assert outcome.text.startswith(texts.HANDOFF_NOBODY_ONLINE)
    assert texts.HANDOFF_QUESTION_KEPT in outcome.text
    viewer = Staff(citizen, "an")
    (item,) = listed(viewer)
    assert item["reason"] == "ladder" and item["question"] == "Hồ sơ của tôi bị trả về vì sao?"
    # Asking again while the request is kept says so instead of opening a second one.
    (again,) = ask_for_person(citizen, sender)
    assert again.text == texts.HANDOFF_ALREADY_KEPT and len(listed(viewer)) == 1

    kiosk = new_web_sender(citizen, kiosk=True)
    (outcome,) = ask_for_person(citizen, kiosk)
    assert outcome.text.startswith(texts.HANDOFF_KIOSK) and not outcome.buttons
    assert len(listed(viewer)) == 1, "a shared screen keeps no request"


def test_forget_erases_requests_messages_and_updates(citizen):
    agent = Staff(citizen, "an")
    agent.on_duty()
    sender = new_web_sender(citizen)
    ask_for_person(citizen, sender)
    (item,) = listed(agent)
    agent.call("POST", f"/api/staff/handoffs/{item['id']}/claim")
    chat(citizen, sender, "Tôi cần hỗ trợ")
    agent.call("POST", f"/api/staff/handoffs/{item['id']}/messages", {"text": "Tôi nghe đây."})
    counts = citizen.app.state.retention.forget(sender)
    assert counts["handoffs"] == 3  # the request and its two messages
    assert counts["web_updates"] == 2  # "claimed" and the agent's reply
    assert listed(agent) == []


def test_staff_api_needs_an_agent_and_its_csrf_token(citizen):
    viewer = Staff(citizen, "xem", role="viewer")
    assert viewer.call("GET", "/api/staff/handoffs").status_code == 403
    assert viewer.call("PUT", "/api/staff/presence", {"online": True}).status_code == 403
    agent = Staff(citizen, "an")
    no_token = agent.client.put("/api/staff/presence", json={"online": True})
    assert no_token.status_code == 403
    assert agent.call("GET", "/api/staff/handoffs/999").json()["detail"] == staff_texts.HANDOFF_MISSING


@pytest.mark.parametrize("role", ["agent", "editor"])
def test_canned_replies_are_read_by_agents_and_edited_by_editors(citizen, role):
    editor, agent = Staff(citizen, "soan", role="editor"), Staff(citizen, "an")
    created = editor.call(
        "POST", "/api/staff/canned", {"title": "Chào", "text": "Chào anh/chị, tôi có thể giúp gì?"}
    )
    assert created.status_code == 201
    reply_id = created.json()["id"]
    assert agent.call("POST", "/api/staff/canned", {"title": "x", "text": "y"}).status_code == 403
    reader = agent if role == "agent" else editor
    assert [r["title"] for r in reader.call("GET", "/api/staff/canned").json()] == ["Chào"]
    changed = editor.call("PUT", f"/api/staff/canned/{reply_id}", {"title": "Chào hỏi", "text": "Xin chào."})
    assert changed.json()["title"] == "Chào hỏi"
    assert editor.call("PUT", "/api/staff/canned/999", {"title": "a", "text": "b"}).status_code == 404
    assert editor.call("POST", "/api/staff/canned", {"title": "  ", "text": "b"}).status_code == 422
    assert editor.call("DELETE", f"/api/staff/canned/{reply_id}").status_code == 204
    assert agent.call("GET", "/api/staff/canned").json() == []
    actions = [e.action for e in citizen.app.state.staff.audit.page().entries]
    assert {"canned_created", "canned_updated", "canned_deleted"} <= set(actions)
