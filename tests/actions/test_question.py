"""action_answer_question with a real (lexical) knowledge base: answer, ask between two, out of
scope, a follow-up in the conversation's procedure, second miss."""

from __future__ import annotations

import json
from dataclasses import replace

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.question import ASK_BETWEEN, MISSES_SLOT, ActionAnswerQuestion


def tracker_with(load_tracker, text: str, misses: float = 0.0, procedure: str | None = None) -> Tracker:
    tracker = load_tracker("tracker_request_human")
    state = json.loads(json.dumps(tracker.current_state()))
    state["latest_message"] = {
        "text": text,
        "intent": {"name": "ask_question", "confidence": 0.9},
        "entities": [],
    }
    state["slots"] = {MISSES_SLOT: misses, **({"procedure": procedure} if procedure else {})}
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


async def test_unsure_asks_one_question_between_two_topics(services, dispatcher, load_tracker, knowledge):
    action = ActionAnswerQuestion(replace(services, knowledge=knowledge))
    events = await action.run(dispatcher, tracker_with(load_tracker, "giấy tờ nhà đất của ông bà để lại"), {})

    [message] = dispatcher.messages
    assert message["text"] == ASK_BETWEEN[2]
    topics = [b for b in message["buttons"] if b["payload"].startswith("/ask_question{")]
    assert len(topics) == 2 and message["buttons"][-1]["title"] == "Gặp cán bộ hỗ trợ"
    assert events[0]["value"] == 1.0


async def test_out_of_scope_question_offers_no_topics_but_the_portal(
    services, dispatcher, load_tracker, knowledge
):
    """The out-of-scope model (trained on the content and knowledge/content/out_of_scope.yml)
    puts tax questions outside: no procedure is offered as if it were the answer."""
    result = knowledge.search("quyết toán thuế thu nhập cá nhân cho người làm hai công ty")
    assert result.answer is None and not result.in_scope and result.choices == []
    action = ActionAnswerQuestion(replace(services, knowledge=knowledge))
    events = await action.run(
        dispatcher,
        tracker_with(load_tracker, "quyết toán thuế thu nhập cá nhân cho người làm hai công ty"),
        {},
    )

    [message] = dispatcher.messages
    assert services.centre.portal_url in message["text"]
    assert [b["title"] for b in message["buttons"]] == ["Gặp cán bộ hỗ trợ"]
    assert events[0]["value"] == 1.0  # a miss all the same: the next one brings a person


async def test_short_follow_up_is_answered_for_the_procedure_of_the_conversation(
    services, dispatcher, load_tracker, knowledge
):
    alone = knowledge.search("lệ phí bao nhiêu")
    assert alone.answer is None or alone.answer.slug != "cap-ho-chieu-pho-thong"  # fees in general
    action = ActionAnswerQuestion(replace(services, knowledge=knowledge))
    await action.run(
        dispatcher, tracker_with(load_tracker, "lệ phí bao nhiêu", procedure="cap-ho-chieu-pho-thong"), {}
    )

    [message] = dispatcher.messages
    in_context = knowledge.search("lệ phí bao nhiêu", context="cap-ho-chieu-pho-thong")
    assert in_context.answer is not None and in_context.answer.slug == "cap-ho-chieu-pho-thong"
    assert message["text"].startswith(in_context.answer.text)
    # A different question is not pulled into the conversation's procedure.
    other = knowledge.search("giá vàng hôm nay", context="cap-ho-chieu-pho-thong")
    assert other.answer is None


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
    assert len(topics) == 2
    entry_id = json.loads(topics[0]["payload"].removeprefix("/ask_question"))["entry"]

    pressed = tracker_with(load_tracker, topics[0]["payload"])
    state = pressed.current_state()
    state["latest_message"]["entities"] = [{"entity": "entry", "value": entry_id}]
    answered = CollectingDispatcher()
    await action.run(answered, Tracker.from_dict(state), {})
    [message] = answered.messages
    assert message["text"].startswith(knowledge.answer_entry(entry_id).answer.text)
    assert knowledge.answer_entry("no-such/entry") is None
