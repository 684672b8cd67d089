"""The bot's side of a handoff (actions/handoff.py, replies.start_handoff), driven as Rasa would.

What starts one ("Gặp cán bộ", the question ladder's last rung, a second "Tôi gặp lỗi" on the
same step) ends its replies with the marker only; the app triggers handoff_resume and
handoff_closed (Rasa gives such a message the text "EXTERNAL: <intent>").
"""

from __future__ import annotations

from actions import replies
from actions.handoff import CLOSED, RESUMED_NO_GUIDE
from actions.rating import NOT_ASKED
from actions.state import RATING, STEPS
from tests.actions.test_guide import SLUG, walk_to_first_step

RESUME = "EXTERNAL: handoff_resume"
CLOSE = "EXTERNAL: handoff_closed"


def assert_handoff(messages: list[dict], reason: str, centre) -> None:
    """A lead sentence, then the marker alone as the last message; no contact lines."""
    *lead, marker = messages
    assert marker == {
        "text": None,
        "buttons": [],
        "elements": [],
        "custom": {"handoff": {"reason": reason}},
        "template": None,
        "response": None,
        "image": None,
        "attachment": None,
    }
    assert [message["text"] for message in lead] == [replies.HANDOFF_LEAD[reason]]
    said = "\n".join(message["text"] for message in lead)
    for contact in (centre.hotline, centre.address, centre.hours, "Giờ làm việc"):
        assert contact not in said


async def test_asking_for_a_person_ends_with_the_request_marker(conversation):
    messages = await conversation.run("action_centre_contact", "cho tôi gặp cán bộ", "request_human")
    assert_handoff(messages, "request", conversation.services.centre)
    assert conversation.events == []  # that a person helped is recorded when one did


async def test_a_person_asked_for_mid_walkthrough_keeps_the_step(conversation):
    await walk_to_first_step(conversation)
    await conversation.run("action_guide_next", "tiếp", "guide_next")
    messages = await conversation.run("action_centre_contact", "/request_human", "request_human")
    assert_handoff(messages, "request", conversation.services.centre)
    assert (conversation.slots["guide_stage"], conversation.slots["guide_step"]) == (STEPS, 2)


async def test_the_second_problem_on_a_step_ends_with_the_problem_marker(conversation):
    await walk_to_first_step(conversation)
    messages = await conversation.run("action_guide_problem", "/guide_problem", "guide_problem")
    assert "gặp lỗi gì" in conversation.text(messages)
    await conversation.run("action_answer_question", "không nhận được mã OTP", "ask_question")
    messages = await conversation.run("action_guide_problem", "/guide_problem", "guide_problem")
    assert_handoff(messages, "problem", conversation.services.centre)
    assert (conversation.slots["guide_stage"], conversation.slots["guide_step"]) == (STEPS, 1)


async def test_the_question_ladder_ends_with_the_ladder_marker_and_nothing_after_it(conversation):
    await walk_to_first_step(conversation)
    first = await conversation.run("action_answer_question", "zxqv wkrj", "nlu_fallback")
    assert "Bước 1/" in conversation.text(first)  # the first miss still shows the step again
    messages = await conversation.run("action_answer_question", "giá vàng hôm nay", "nlu_fallback")
    assert_handoff(messages, "ladder", conversation.services.centre)  # the marker is last: no step after it
    assert conversation.slots["question_misses"] == 0.0
    assert (conversation.slots["guide_stage"], conversation.slots["guide_step"]) == (STEPS, 1)


async def test_handed_back_the_walkthrough_continues_at_the_agents_step(conversation, knowledge):
    await walk_to_first_step(conversation)
    await conversation.run("action_centre_contact", "/request_human", "request_human")
    total = len(knowledge.topic(SLUG).steps)
    messages = await conversation.run("action_handoff_resume", RESUME, "handoff_resume", {"step": 3})
    [message] = messages
    assert message["text"].startswith("Tôi là trợ lý tự động, tôi tiếp tục hướng dẫn anh/chị từ bước 3.\n")
    assert f"Bước 3/{total}: " in message["text"]
    assert [button["payload"] for button in message["buttons"]] == [
        button["payload"] for button in replies.STEP_BUTTONS
    ]
    assert conversation.slots["guide_step"] == 3.0
    assert conversation.slots["guide_stage"] == STEPS
    assert conversation.slots["human_help"] is True
    messages = await conversation.run("action_guide_next", "tiếp theo", "guide_next")
    assert f"Bước 4/{total}" in conversation.text(messages)


async def test_the_step_is_clamped_to_the_procedure_and_defaults_to_where_the_person_was(
    conversation, knowledge
):
    await walk_to_first_step(conversation)
    await conversation.run("action_guide_next", "tiếp", "guide_next")
    total = len(knowledge.topic(SLUG).steps)
    await conversation.run("action_handoff_resume", RESUME, "handoff_resume", {"step": 99})
    assert conversation.slots["guide_step"] == float(total)
    await conversation.run("action_handoff_resume", RESUME, "handoff_resume", {"step": 0})
    assert conversation.slots["guide_step"] == 1.0
    await conversation.run("action_guide_next", "tiếp", "guide_next")
    messages = await conversation.run("action_handoff_resume", RESUME, "handoff_resume")
    assert f"Bước 2/{total}" in conversation.text(messages) and conversation.slots["guide_step"] == 2.0


async def test_a_problem_step_resumes_with_its_failures_cleared(conversation):
    await walk_to_first_step(conversation)
    await conversation.run("action_guide_problem", "/guide_problem", "guide_problem")
    await conversation.run("action_guide_problem", "vẫn lỗi", "guide_problem")
    await conversation.run("action_handoff_resume", RESUME, "handoff_resume", {"step": 1})
    assert conversation.slots["guide_failures"] == 0.0 and conversation.slots["guide_stage"] == STEPS


async def test_handed_back_with_no_walkthrough_the_bot_says_so_and_shows_the_menu(conversation):
    await conversation.run("action_answer_question", "zxqv wkrj", "nlu_fallback")
    await conversation.run("action_answer_question", "giá vàng hôm nay", "nlu_fallback")
    messages = await conversation.run("action_handoff_resume", RESUME, "handoff_resume", {"step": 2})
    assert messages[0]["text"] == RESUMED_NO_GUIDE
    assert conversation.payloads(messages) == [button["payload"] for button in replies.MENU_BUTTONS]
    assert conversation.slots.get("guide_step") is None and conversation.slots.get("guide_stage") is None


async def test_a_finished_walkthrough_is_no_walkthrough_to_resume(conversation, knowledge):
    await walk_to_first_step(conversation)
    for _ in knowledge.topic(SLUG).steps:
        await conversation.run("action_guide_next", "tiếp", "guide_next")
    assert conversation.slots["guide_stage"] == RATING
    messages = await conversation.run("action_handoff_resume", RESUME, "handoff_resume", {"step": 2})
    assert messages[0]["text"] == RESUMED_NO_GUIDE
    assert conversation.slots["guide_stage"] is None


async def test_closed_asks_for_a_rating_that_records_the_persons_help(conversation):
    await conversation.run("action_centre_contact", "gặp cán bộ", "request_human")
    messages = await conversation.run("action_handoff_closed", CLOSE, "handoff_closed")
    [message] = messages
    assert message["text"] == f"{CLOSED} {replies.ASK_RATING}"
    assert message["buttons"] == replies.RATING_BUTTONS
    assert conversation.slots["guide_stage"] == RATING and conversation.slots["human_help"] is True
    messages = await conversation.run("action_store_rating", '/rate{"rating": 5}', "rate", {"rating": 5})
    assert conversation.text(messages) == "Cảm ơn anh/chị đã đánh giá!"
    [row] = conversation.services.ratings.all()
    assert (row.score, row.procedure, row.channel, row.human_help) == (5, None, "web", True)
    assert conversation.slots["rating_id"] == float(row.id)


async def test_closed_mid_walkthrough_rates_the_procedure(conversation):
    await walk_to_first_step(conversation)
    await conversation.run("action_centre_contact", "/request_human", "request_human")
    await conversation.run("action_handoff_closed", CLOSE, "handoff_closed")
    await conversation.run("action_store_rating", "4", "rate", {"rating": 4})
    [row] = conversation.services.ratings.all()
    assert (row.score, row.procedure, row.human_help) == (4, SLUG, True)
    assert conversation.slots["guide_stage"] is None  # the rating ended the guide


async def test_a_rating_declined_after_a_close_stores_nothing(conversation):
    await conversation.run("action_handoff_closed", CLOSE, "handoff_closed")
    messages = await conversation.run("action_guide_answer", "không", "deny")
    assert conversation.text(messages) == replies.NO_RATING
    assert conversation.services.ratings.all() == []


async def test_intents_typed_by_a_citizen_are_not_the_apps(conversation):
    """ "/handoff_closed" typed is no close: no rating that claims a person helped."""
    await walk_to_first_step(conversation)
    messages = await conversation.run("action_handoff_closed", "/handoff_closed", "handoff_closed")
    assert conversation.text(messages).startswith(replies.UNCLEAR)
    assert conversation.slots["guide_stage"] == STEPS and not conversation.slots.get("human_help")
    messages = await conversation.run("action_store_rating", '/rate{"rating": 5}', "rate", {"rating": 5})
    assert conversation.text(messages) == NOT_ASKED
    messages = await conversation.run(
        "action_handoff_resume", "/handoff_resume", "handoff_resume", {"step": 4}
    )
    assert conversation.slots["guide_step"] == 1.0 and not conversation.slots.get("human_help")
    assert conversation.services.ratings.all() == []
