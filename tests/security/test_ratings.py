"""Ratings are accepted only when the assistant has just asked for one, one per ask (real stack)."""

from __future__ import annotations

import sqlite3

import pytest

from app.privacy import sender_key

pytestmark = pytest.mark.rasa
RATE_5 = '/rate{"rating": 5}'


def say(api, sender: str, text: str) -> list[dict]:
    response = api.post("/api/chat", json={"sender": sender, "text": text})
    assert response.status_code == 200, response.text
    return response.json()["messages"]


def ratings_of(stack, sender: str) -> list[tuple]:
    database = sqlite3.connect(stack.settings.app_db.removeprefix("sqlite:///"))
    key = sender_key(stack.settings.app_secret_key, sender)
    rows = database.execute("select score, comment from ratings where sender_key = ?", (key,)).fetchall()
    database.close()
    return rows


def payloads(messages: list[dict]) -> list[str]:
    return [button["payload"] for message in messages for button in message["buttons"]]


def test_a_new_sender_cannot_post_a_rating(api, stack, new_sender):
    sender = new_sender()
    messages = say(api, sender, RATE_5)
    assert "khi anh/chị làm xong một lượt hướng dẫn" in messages[0]["text"]
    say(api, sender, "rất tuyệt vời")  # no comment form was opened: this is an ordinary message
    assert ratings_of(stack, sender) == []


def test_one_rating_after_a_walkthrough_and_no_second(api, stack, new_sender):
    sender = new_sender()
    messages = say(api, sender, '/start_guide{"procedure": "dang-ky-khai-sinh"}')
    for _ in range(30):
        buttons = payloads(messages)
        if RATE_5 in buttons:
            break
        if "/affirm" in buttons:
            messages = say(api, sender, "/affirm")
        elif "/guide_next" in buttons:
            messages = say(api, sender, "/guide_next")
        elif "/deny" in buttons:  # the address question: skip it
            messages = say(api, sender, "/deny")
        else:
            pytest.fail(f"the walkthrough stopped: {messages}")
    assert RATE_5 in payloads(messages)
    assert "Cảm ơn anh/chị đã đánh giá" in say(api, sender, RATE_5)[0]["text"]
    say(api, sender, "hướng dẫn rất dễ hiểu, gọi tôi 0912345678")
    assert ratings_of(stack, sender) == [(5, "hướng dẫn rất dễ hiểu, gọi tôi ***78")]
    again = say(api, sender, '/rate{"rating": 1}')
    assert "khi anh/chị làm xong một lượt hướng dẫn" in again[0]["text"]
    assert ratings_of(stack, sender) == [(5, "hướng dẫn rất dễ hiểu, gọi tôi ***78")]
