"""Pushing to a person's channel outside a reply: a Zalo reply window that has closed is recorded
in the outbox with that reason and on the request (the agent is told), never lost; a cancel
button pressed after the request ended answers without reaching the bot."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app import texts
from app.handoff.desk import CANCEL_PAYLOAD
from app.main import create_app
from app.staff import texts as staff_texts
from tests.app import test_zalo as zl
from tests.handoff.conftest import Staff, new_web_sender
from tests.handoff.test_queue import ask_for_person, marker


def test_a_closed_zalo_window_is_recorded_not_lost(tmp_path, zalo_fake, clock):
    settings = zl.zalo_settings(tmp_path, zalo_fake, handoff_hours="always")
    with TestClient(create_app(settings, open_knowledge_base=False, clock=clock)) as client:
        agent = Staff(client, "an")
        agent.on_duty()
        desk = client.app.state.handoffs
        client.portal.call(desk.after_reply, "zalo", "zalo:1009", "Gặp cán bộ", marker())
        (item,) = agent.call("GET", "/api/staff/handoffs").json()["handoffs"]
        assert item["channel"] == "zalo"
        assert agent.call("POST", f"/api/staff/handoffs/{item['id']}/claim").status_code == 200
        assert zl.answers(zalo_fake, "1009") == [texts.HANDOFF_CLAIMED]
        zalo_fake.script = [("error", -230)]  # no interaction for 7 days: the window has closed
        sent = agent.call(
            "POST", f"/api/staff/handoffs/{item['id']}/messages", {"text": "Tôi trả lời anh/chị."}
        )
        assert sent.json() == {
            "delivered": False,
            "window_closed": True,
            "detail": staff_texts.HANDOFF_NOT_DELIVERED["window_closed"],
        }
        (failure,) = client.app.state.stores.outbox.items("zalo")
        assert failure.reason.startswith("window_closed") and failure.text == "Tôi trả lời anh/chị."
        (item,) = agent.call("GET", "/api/staff/handoffs").json()["handoffs"]
        assert item["zalo_window_closed"] is True and "-230" in item["note"]


def test_a_cancel_pressed_after_the_request_ended_does_not_reach_the_bot(citizen):
    sender = new_web_sender(citizen)
    ask_for_person(citizen, sender)  # nobody on duty: kept
    first = citizen.post("/api/chat", json={"sender": sender, "text": CANCEL_PAYLOAD}).json()
    again = citizen.post("/api/chat", json={"sender": sender, "text": CANCEL_PAYLOAD}).json()
    assert [m["text"] for m in first["messages"]] == [texts.HANDOFF_CANCELLED]
    assert [m["text"] for m in again["messages"]] == [texts.HANDOFF_CANCELLED], "Rasa is down: not asked"
