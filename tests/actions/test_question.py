"""action_answer_question with a real (lexical) knowledge base: answer, unsure, second miss."""

from __future__ import annotations

import json
from dataclasses import replace

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.question import MISSES_SLOT, ActionAnswerQuestion


def tracker_with(load_tracker, text: str, misses: float = 0.0) -> Tracker:
    tracker = load_tracker("tracker_request_human")
    state = json.loads(json.dumps(tracker.current_state()))
    state["latest_message"] = {
        "text": text,
        "intent": {"name": "ask_question", "confidence": 0.9},
        "entities": [],
    }
    state["slots"] = {MISSES_SLOT: misses}
    return Tracker.from_dict(state)


async def test_confident_answer_with_source_related_questions_and_walkthrough(
    services, dispatcher, load_tracker, knowledge
):
    action = ActionAnswerQuestion(replace(services, knowledge=knowledge))
    events = await action.run(
        dispatcher, tracker_with(load_tracker, "đăng ký khai sinh cho con cần giấy tờ gì"), {}
    )

    [message] = dispatcher.messages
    assert "Nguồn: https://" in message["text"]
    titles = [b["title"] for b in message["buttons"]]
    assert "Hướng dẫn nộp trực tuyến" in titles and "Gặp cán bộ hỗ trợ" in titles
    assert len(titles) >= 3, "related questions of the same procedure come first"
    assert events == [
        {"event": "slot", "timestamp": None, "name": MISSES_SLOT, "value": 0.0},
        # "lệ phí bao nhiêu?" next is about this procedure
        {"event": "slot", "timestamp": None, "name": "procedure", "value": "dang-ky-khai-sinh"},
    ]


async def test_unsure_offers_three_topics(services, dispatcher, load_tracker, knowledge):
    action = ActionAnswerQuestion(replace(services, knowledge=knowledge))
    events = await action.run(dispatcher, tracker_with(load_tracker, "giấy tờ nhà đất của ông bà để lại"), {})

    [message] = dispatcher.messages
    assert "chưa chắc" in message["text"]
    assert len(message["buttons"]) == 4  # three topics and a person
    assert events[0]["value"] == 1.0


async def test_second_miss_in_a_row_hands_over_to_a_person(services, dispatcher, load_tracker, knowledge):
    action = ActionAnswerQuestion(replace(services, knowledge=knowledge))
    events = await action.run(dispatcher, tracker_with(load_tracker, "giá vàng hôm nay", misses=1.0), {})

    lead, marker = dispatcher.messages
    assert "cán bộ" in lead["text"] and services.centre.hotline not in lead["text"]
    assert marker["custom"] == {"handoff": {"reason": "ladder"}} and marker["text"] is None
    assert events[0]["value"] == 0.0


async def test_knowledge_base_not_open_is_a_polite_miss(services, dispatcher, load_tracker):
    action = ActionAnswerQuestion(services)
    await action.run(dispatcher, tracker_with(load_tracker, "làm giấy khai sinh cần gì"), {})
    [message] = dispatcher.messages
    assert services.centre.portal_url in message["text"]


async def test_a_topic_button_answers_its_entry_whatever_its_words_say(
    services, dispatcher, load_tracker, knowledge
):
    """Suggestions and related questions press /ask_question{"entry": id}: a title such as
    "Xóa đăng ký thường trú…" is never handed to the classifier (where "xóa" reads as start over)."""
    action = ActionAnswerQuestion(replace(services, knowledge=knowledge))
    await action.run(dispatcher, tracker_with(load_tracker, "giấy tờ nhà đất của ông bà để lại"), {})
    [unsure] = dispatcher.messages
    topics = [b for b in unsure["buttons"] if b["payload"].startswith("/ask_question{")]
    assert len(topics) == 3
    entry_id = json.loads(topics[0]["payload"].removeprefix("/ask_question"))["entry"]

    pressed = tracker_with(load_tracker, topics[0]["payload"])
    state = pressed.current_state()
    state["latest_message"]["entities"] = [{"entity": "entry", "value": entry_id}]
    answered = CollectingDispatcher()
    await action.run(answered, Tracker.from_dict(state), {})
    [message] = answered.messages
    assert message["text"].startswith(knowledge.answer_entry(entry_id).answer.text)
    assert knowledge.answer_entry("no-such/entry") is None
