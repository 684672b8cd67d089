"""Replies read against the question the guide asked (actions/guide/reading.py): typed yes/no,
the address question, starting over with progress to lose, and the bounded re-ask of every
question (shown at most twice in a row, then its default)."""

from __future__ import annotations

import pytest

from actions import replies
from actions.state import ADDRESS, CHOOSE, CONFIRM, PLACE, PROBLEM, RATING, READY, RESUME, STEPS, VNEID

SLUG = "dang-ky-tam-tru"  # received by the commune: the guide asks for the address
NAME = "Đăng ký tạm trú, gia hạn tạm trú"
NONSENSE = "xjqw zzkp vvmm"  # what the classifier sends to nlu_fallback


async def to_stage(conv, stage: str) -> None:
    """Walk a new conversation to ``stage`` as a person pressing the buttons would."""
    if stage == CHOOSE:
        await conv.run("action_guide_start", "/start_guide", "start_guide")
        return
    await conv.run("action_guide_start", "tôi muốn đăng ký tạm trú", "start_guide", {"procedure": SLUG})
    if stage == CONFIRM:
        return
    await conv.run("action_guide_answer", "/affirm", "affirm")
    if stage == VNEID:
        return
    await conv.run("action_guide_answer", "/affirm", "affirm")
    if stage == ADDRESS:
        return
    await conv.run("action_where_to_submit", "phường Bến Nghé, quận 1, TP Hồ Chí Minh", "inform_address")
    if stage == READY:
        return
    await conv.run("action_guide_next", "/guide_next", "guide_next")
    await conv.run("action_guide_next", "/guide_next", "guide_next")
    if stage == STEPS:
        return
    if stage == PROBLEM:
        await conv.run("action_guide_problem", "/guide_problem", "guide_problem")
        return
    if stage == RESUME:
        await conv.run("action_session_start")
        return
    while conv.slots["guide_stage"] != RATING:
        await conv.run("action_guide_next", "/guide_next", "guide_next")


# The words that show each question, and the stage its default moves the guide to.
QUESTION = {
    CHOOSE: ("nhắn tên thủ tục", None),
    CONFIRM: ("đúng không ạ", VNEID),
    VNEID: ("đã có tài khoản mức 2 chưa", ADDRESS),
    ADDRESS: ("nhắn", READY),
    READY: ('bấm "Bắt đầu"', STEPS),
    PROBLEM: ("gặp lỗi gì", STEPS),
    RATING: ("mức hài lòng", None),
    RESUME: ("muốn làm tiếp không", STEPS),
}


@pytest.mark.parametrize("stage", list(QUESTION))
async def test_no_question_is_shown_a_third_time_in_a_row(conversation, stage):
    """Unclear replies: one re-ask at most (none at "ready?"), then the question's default."""
    await to_stage(conversation, stage)
    assert conversation.slots["guide_stage"] == stage
    assert conversation.slots["guide_asks"] == 1
    words, after = QUESTION[stage]
    shown = 1
    for _ in range(3):
        messages = await conversation.run("action_answer_question", NONSENSE, "nlu_fallback")
        assert (conversation.slots.get("guide_asks") or 0) <= 2
        if conversation.slots.get("guide_stage") != stage:
            break
        assert words in conversation.text(messages)
        shown += 1
    assert shown <= (1 if stage in {READY, PROBLEM} else 2)
    assert conversation.slots.get("guide_stage") == after
    assert words not in conversation.text(messages)


async def test_defaults_say_what_the_guide_did(conversation):
    await to_stage(conversation, READY)
    messages = await conversation.run("action_answer_question", NONSENSE, "nlu_fallback")
    assert conversation.text(messages).startswith("Tôi bắt đầu hướng dẫn từng bước")
    assert conversation.slots["guide_step"] == 1


async def test_second_miss_at_the_choice_offers_the_menu_and_the_centre(conversation, services):
    await to_stage(conversation, CHOOSE)
    await conversation.run("action_guide_problem", "hmm", "guide_problem")
    messages = await conversation.run("action_guide_answer", "ok", "affirm")
    assert services.centre.hotline in conversation.text(messages)
    assert "/start_guide" in conversation.payloads(messages)
    assert conversation.slots["guide_stage"] is None


async def test_a_second_unclear_rating_ends_politely_without_one(conversation):
    await to_stage(conversation, RATING)
    messages = await conversation.run("action_store_rating", "hmm", "rate")
    assert len(conversation.payloads(messages)) == 5
    assert {"event": "followup", "name": "action_listen", "timestamp": None} in conversation.events
    messages = await conversation.run("action_guide_next", "xong", "guide_next")
    assert conversation.text(messages) == replies.NO_RATING
    assert conversation.slots["guide_stage"] is None
    assert conversation.services.ratings.all() == []


async def test_no_at_the_rating_ends_without_one(conversation):
    await to_stage(conversation, RATING)
    messages = await conversation.run("action_guide_answer", "không", "deny")
    assert conversation.text(messages) == replies.NO_RATING
    assert conversation.slots["guide_stage"] is None


async def test_not_ready_three_times_does_not_offer_start_a_third_time(conversation):
    await to_stage(conversation, READY)
    messages = await conversation.run("action_guide_answer", "chưa", "deny")
    assert "/guide_next" in conversation.payloads(messages)
    messages = await conversation.run("action_guide_answer", "chưa", "deny")
    assert conversation.payloads(messages) == []
    assert conversation.slots["guide_stage"] == READY
    await conversation.run("action_guide_next", "bắt đầu", "guide_next")
    assert conversation.slots["guide_step"] == 1


# --- yes and no, typed --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("action", "text", "intent"),
    [
        ("action_guide_answer", "ok", "affirm"),
        ("action_guide_next", "tiếp theo", "guide_next"),
        ("action_start_over", "dung", "start_over"),  # unaccented "đúng": the classifier hears "dừng"
        ("action_start_over", "dung roi", "start_over"),
        ("action_start_over", "Đúng", "start_over"),
    ],
)
@pytest.mark.parametrize(("stage", "after"), [(CONFIRM, VNEID), (VNEID, ADDRESS), (RESUME, STEPS)])
async def test_yes_typed_at_a_yes_no_question(conversation, stage, after, action, text, intent):
    await to_stage(conversation, stage)
    messages = await conversation.run(action, text, intent)
    assert conversation.slots["guide_stage"] == after
    assert "làm lại từ đầu" not in conversation.text(messages)
    if stage == RESUME:
        assert conversation.slots["guide_step"] == 2 and "Bước 2/" in conversation.text(messages)


async def test_toned_dung_is_stop_not_yes(conversation):
    await to_stage(conversation, CONFIRM)
    messages = await conversation.run("action_start_over", "dừng", "start_over")
    assert f"Anh/chị muốn dừng hướng dẫn thủ tục “{NAME}” và làm lại từ đầu?" in conversation.text(messages)
    assert conversation.slots["guide_stage"] == CONFIRM and conversation.slots["procedure"] == SLUG


# --- the address question -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("action", "text", "intent"),
    [
        ("action_guide_answer", "ok", "affirm"),
        ("action_guide_answer", "ừ", "affirm"),
        ("action_guide_next", "tiếp theo", "guide_next"),
        ("action_guide_next", "xong rồi", "guide_next"),
        ("action_guide_problem", "không biết", "guide_problem"),
        ("action_answer_question", "ko biết", "ask_question"),
        ("action_start_over", "Bỏ qua", "start_over"),  # the skip button's title, typed
        ("action_guide_answer", "/deny", "deny"),  # the skip button
    ],
)
async def test_going_on_without_the_address(conversation, action, text, intent):
    await to_stage(conversation, ADDRESS)
    messages = await conversation.run(action, text, intent)
    said = conversation.text(messages)
    assert replies.BY_NEW_NAME in said
    assert "Nơi tiếp nhận:" in said and "Giấy tờ cần chuẩn bị" in said
    assert conversation.slots["guide_stage"] == READY
    assert conversation.slots["procedure"] == SLUG


async def test_a_bare_old_city_names_its_province_and_goes_on(conversation):
    await to_stage(conversation, ADDRESS)
    # Classified as a "where do I submit?" question: the guide reads it as the address it asked for.
    messages = await conversation.run("action_procedure_fact", "tôi ở Thủ Dầu Một", "ask_place")
    said = conversation.text(messages)
    assert "Thành phố Thủ Dầu Một (Tỉnh Bình Dương cũ) nay thuộc Thành phố Hồ Chí Minh" in said
    assert conversation.slots["guide_stage"] == READY


@pytest.mark.parametrize(
    ("action", "intent"),
    [
        ("action_answer_question", "nlu_fallback"),  # the classifier unsure: the knowledge search's rule
        ("action_answer_question", "ask_question"),
        ("action_procedure_fact", "ask_place"),
    ],
)
async def test_an_address_reads_the_same_whichever_intent_the_classifier_gives(conversation, action, intent):
    """Every action an address may be classified into reads the reply against the guide's question
    before its own move (GuideAction.run, reading.read_reply): the same reply and the same slots as
    the address rule's action_where_to_submit, never a search or a fact."""
    text = "tôi ở Thủ Dầu Một"
    other = type(conversation)(conversation.services)
    await to_stage(conversation, ADDRESS)
    await to_stage(other, ADDRESS)
    expected = await conversation.run("action_where_to_submit", text, "inform_address")
    assert "nay thuộc Thành phố Hồ Chí Minh" in conversation.text(expected)
    assert conversation.slots["guide_stage"] == READY
    messages = await other.run(action, text, intent)
    assert messages == expected
    assert other.slots == conversation.slots


async def test_a_fact_asked_at_the_address_is_answered_then_the_address_asked_again(conversation):
    await to_stage(conversation, ADDRESS)
    messages = await conversation.run("action_procedure_fact", "lệ phí bao nhiêu", "ask_fee")
    assert messages[0]["text"].startswith("Lệ phí thủ tục")
    assert "Nơi nhận hồ sơ tùy nơi anh/chị cư trú" in messages[-1]["text"]
    assert conversation.slots["guide_stage"] == ADDRESS
    # An answer in between is no re-ask: an unreadable address still gets its one re-ask.
    messages = await conversation.run("action_where_to_submit", "nhà tôi gần chợ", "inform_address")
    assert "chưa nhận ra địa chỉ" in conversation.text(messages)
    messages = await conversation.run("action_where_to_submit", "gần chợ Bến Thành", "inform_address")
    assert replies.ADDRESS_UNREAD in conversation.text(messages)
    assert conversation.slots["guide_stage"] == READY


async def test_unreadable_address_outside_the_guide_is_asked_twice_at_most(conversation):
    await conversation.run("action_where_to_submit", "nhà tôi gần chợ", "inform_address")
    assert conversation.slots["guide_stage"] == PLACE
    await conversation.run("action_where_to_submit", "gần chợ", "inform_address")
    assert conversation.slots["guide_stage"] == PLACE
    messages = await conversation.run("action_where_to_submit", "chợ", "inform_address")
    assert replies.ADDRESS_UNREAD in conversation.text(messages)
    assert conversation.slots["guide_stage"] is None


# --- starting over ------------------------------------------------------------------------------
async def test_start_over_mid_walkthrough_asks_first_and_continue_shows_the_same_step(conversation):
    await to_stage(conversation, STEPS)
    assert conversation.slots["guide_step"] == 2
    messages = await conversation.run("action_start_over", "làm lại từ đầu", "start_over")
    assert conversation.text(messages) == f"Anh/chị muốn dừng hướng dẫn thủ tục “{NAME}” và làm lại từ đầu?"
    assert [b["title"] for b in messages[0]["buttons"]] == ["Làm lại từ đầu", "Tiếp tục hướng dẫn"]
    assert conversation.payloads(messages) == ["/start_over", "/guide_next"]
    assert (conversation.slots["procedure"], conversation.slots["guide_step"]) == (SLUG, 2)
    assert conversation.slots["guide_pending"] == "start_over"
    messages = await conversation.run("action_guide_next", "/guide_next", "guide_next")
    assert conversation.text(messages).startswith("Bước 2/")
    assert conversation.slots["guide_step"] == 2 and conversation.slots["guide_pending"] is None


async def test_start_over_confirmed_forgets_the_guide(conversation):
    await to_stage(conversation, STEPS)
    await conversation.run("action_start_over", "/start_over", "start_over")  # Telegram's /lamlai
    messages = await conversation.run("action_start_over", "/start_over", "start_over")
    assert conversation.text(messages) == replies.STARTED_OVER
    assert conversation.slots["procedure"] is None and conversation.slots["guide_stage"] is None


async def test_yes_to_start_over_starts_over_and_no_continues(conversation):
    await to_stage(conversation, ADDRESS)
    await conversation.run("action_start_over", "thoát", "start_over")
    messages = await conversation.run("action_guide_answer", "không", "deny")
    assert "Nơi nhận hồ sơ tùy nơi" in conversation.text(messages)
    assert conversation.slots["guide_stage"] == ADDRESS
    await conversation.run("action_start_over", "thoát", "start_over")
    await conversation.run("action_guide_answer", "có", "affirm")
    assert conversation.slots["guide_stage"] is None and conversation.slots["procedure"] is None


async def test_the_confirmation_holds_for_the_next_reply_only(conversation):
    await to_stage(conversation, STEPS)
    await conversation.run("action_start_over", "thoát", "start_over")
    await conversation.run("action_centre_contact", "gặp cán bộ", "request_human")
    # The next "ok" is yes to the step, not to stopping.
    messages = await conversation.run("action_guide_answer", "ok", "affirm")
    assert conversation.slots["guide_step"] == 3 and "Bước 3/" in conversation.text(messages)


async def test_start_over_with_nothing_under_way_needs_no_confirmation(conversation):
    await to_stage(conversation, CHOOSE)
    messages = await conversation.run("action_start_over", "làm lại từ đầu", "start_over")
    assert conversation.text(messages) == replies.STARTED_OVER


async def test_typed_skip_at_the_comment_form_skips_the_comment(conversation):
    conversation.slots.update({"rating_comment": "Bỏ qua", "rating_id": 1.0})
    messages = await conversation.run("action_store_comment", "Bỏ qua", "start_over")
    assert not any(event.get("event") == "followup" for event in conversation.events)
    assert conversation.text(messages).startswith("Vâng ạ. Chúc anh/chị làm thủ tục thuận lợi!")


async def test_start_over_typed_at_the_comment_form_still_starts_over(conversation):
    conversation.slots.update({"rating_comment": "làm lại từ đầu", "rating_id": 1.0})
    await conversation.run("action_store_comment", "làm lại từ đầu", "start_over")
    assert {"event": "followup", "name": "action_start_over", "timestamp": None} in conversation.events


async def test_a_request_naming_no_procedure_mid_walkthrough_keeps_the_step(conversation):
    await to_stage(conversation, STEPS)
    messages = await conversation.run("action_guide_start", "hướng dẫn tôi với", "start_guide")
    assert conversation.slots["guide_step"] == 2 and "Bước 2/" in conversation.text(messages)


async def test_continue_typed_as_a_request_for_the_guide_still_continues(conversation):
    await to_stage(conversation, STEPS)
    await conversation.run("action_start_over", "dừng", "start_over")
    messages = await conversation.run("action_guide_start", "Tiếp tục hướng dẫn", "start_guide")
    assert conversation.text(messages).startswith("Bước 2/")


async def test_not_satisfied_read_as_no_is_not_a_refusal_to_rate(conversation):
    await to_stage(conversation, RATING)
    messages = await conversation.run("action_guide_answer", "không hài lòng", "deny")
    assert conversation.slots["guide_stage"] == RATING
    assert len(conversation.payloads(messages)) == 5
