"""The guided walkthrough, turn by turn, with the real knowledge base behind the actions."""

from __future__ import annotations

import pytest

from actions.state import CHOOSE, CONFIRM, RATING, READY, STEPS, VNEID

SLUG = "dang-ky-tam-tru"


async def start(conv, slug=SLUG, text="tôi muốn đăng ký tạm trú online"):
    return await conv.run("action_guide_start", text, "start_guide", {"procedure": slug})


async def walk_to_first_step(conv, slug=SLUG):
    await start(conv, slug)
    await conv.run("action_guide_answer", "đúng", "affirm")
    await conv.run("action_guide_answer", "có rồi", "affirm")
    if conv.slots.get("guide_stage") == "address":
        await conv.run("action_where_to_submit", "phường Bến Nghé, quận 1, TP Hồ Chí Minh", "inform_address")
    assert conv.slots["guide_stage"] == READY
    return await conv.run("action_guide_next", "/guide_next", "guide_next")


async def test_typed_request_is_confirmed_in_one_question(conversation):
    messages = await start(conversation)
    assert conversation.slots["procedure"] == SLUG
    assert conversation.slots["guide_stage"] == CONFIRM
    assert "Đăng ký tạm trú" in conversation.text(messages) or "đăng ký tạm trú" in conversation.text(
        messages
    )
    assert conversation.payloads(messages) == ["/affirm", "/deny"]


async def test_button_choice_needs_no_confirmation(conversation):
    await conversation.run(
        "action_guide_start",
        '/start_guide{"procedure": "dang-ky-tam-tru"}',
        "start_guide",
        {"procedure": SLUG},
    )
    assert conversation.slots["guide_stage"] == VNEID


async def test_without_a_procedure_offers_common_ones(conversation):
    messages = await conversation.run("action_guide_start", "/start_guide", "start_guide")
    assert conversation.slots["guide_stage"] == CHOOSE
    assert '/start_guide{"procedure": "dang-ky-khai-sinh"}' in conversation.payloads(messages)


async def test_unsure_free_text_offers_at_most_three_procedures(conversation):
    messages = await conversation.run("action_guide_start", "hướng dẫn tôi nộp hồ sơ", "start_guide")
    assert conversation.slots["guide_stage"] == CHOOSE
    choices = [p for p in conversation.payloads(messages) if p.startswith("/start_guide")]
    assert 1 <= len(choices) <= 4


async def test_name_typed_after_being_asked_is_taken_as_the_choice(conversation):
    await conversation.run("action_guide_start", "/start_guide", "start_guide")
    await conversation.run(
        "action_answer_question", "đăng ký kết hôn", "ask_question", {"procedure": "dang-ky-ket-hon"}
    )
    assert conversation.slots["procedure"] == "dang-ky-ket-hon"
    assert conversation.slots["guide_stage"] == CONFIRM


async def test_ready_lists_documents_and_three_essentials(conversation, knowledge):
    await start(conversation)
    await conversation.run("action_guide_answer", "đúng", "affirm")
    await conversation.run("action_guide_answer", "có", "affirm")
    assert conversation.slots["guide_stage"] == "address"  # tạm trú is received by the commune
    messages = await conversation.run(
        "action_where_to_submit", "số 5 Lê Duẩn, phường Bến Nghé, quận 1, TP Hồ Chí Minh", "inform_address"
    )
    text = conversation.text(messages)
    assert "Phường Sài Gòn, Thành phố Hồ Chí Minh" in text
    assert conversation.slots["guide_stage"] == READY
    procedure = knowledge.topic(SLUG)
    for document in procedure.documents:
        assert document.name in text
    for line in ("Lệ phí khi nộp trực tuyến:", "Thời hạn giải quyết:", "Nơi tiếp nhận:"):
        assert line in text
    assert "cấp xã — Phường Sài Gòn" in text
    # The checklist is brief on a phone; the full "how to get" is one button away.
    assert "/ask_documents" in conversation.payloads(messages)
    details = await conversation.run("action_procedure_fact", "/ask_documents", "ask_documents")
    for document in procedure.documents:
        assert " ".join(document.how_to_get.split()) in conversation.text(details)
    assert conversation.slots["guide_stage"] == READY


async def test_walkthrough_steps_forward_back_and_finishes_with_rating(conversation, knowledge):
    messages = await walk_to_first_step(conversation)
    steps = knowledge.topic(SLUG).steps
    total = len(steps)
    assert conversation.slots["guide_step"] == 1
    assert conversation.text(messages).startswith(f"Bước 1/{total}: ")
    assert conversation.payloads(messages) == [
        "/guide_next",
        "/guide_back",
        "/guide_problem",
        "/request_human",
    ]
    await conversation.run("action_guide_next", "tiếp", "guide_next")
    assert conversation.slots["guide_step"] == 2
    messages = await conversation.run("action_guide_back", "quay lại", "guide_back")
    assert conversation.slots["guide_step"] == 1
    messages = await conversation.run("action_guide_back", "quay lại", "guide_back")
    assert "Đây là bước đầu tiên" in conversation.text(messages)
    for step in range(2, total + 1):
        messages = await conversation.run("action_guide_next", "tiếp", "guide_next")
        assert conversation.slots["guide_step"] == step
        assert f"Bước {step}/{total}" in conversation.text(messages)
    messages = await conversation.run("action_guide_next", "xong", "guide_next")
    text = conversation.text(messages)
    assert "mã hồ sơ" in text and "tra-cuu-ho-so" in text
    assert conversation.slots["guide_stage"] == RATING and conversation.slots["guide_step"] is None
    assert conversation.payloads(messages)[-5:] == [f'/rate{{"rating": {n}}}' for n in range(1, 6)]


async def test_rating_and_comment_are_stored_with_procedure_channel_and_help(conversation):
    await walk_to_first_step(conversation)
    await conversation.run("action_centre_contact", "/request_human", "request_human")
    assert not conversation.slots.get("human_help")  # asked for, not yet helped
    await conversation.run("action_handoff_resume", "EXTERNAL: handoff_resume", "handoff_resume", {"step": 1})
    conversation.slots["guide_stage"] = RATING
    await conversation.run("action_store_rating", '/rate{"rating": 4}', "rate", {"rating": 4})
    await conversation.run("action_store_comment", "cần thêm ảnh minh họa", "ask_question")
    [row] = conversation.services.ratings.all()
    assert (row.score, row.procedure, row.channel, row.human_help) == (4, SLUG, "web", True)
    assert row.comment is None  # the form fills rating_comment; set it as Rasa would:
    conversation.slots["rating_comment"] = "cần thêm ảnh minh họa"
    conversation.slots["rating_id"] = float(row.id)
    await conversation.run("action_store_comment", "cần thêm ảnh minh họa", "ask_question")
    assert conversation.services.ratings.all()[0].comment == "cần thêm ảnh minh họa"


@pytest.mark.parametrize(
    ("text", "score"), [("rất hài lòng", 5), ("rat khong hai long", 1), ("binh thuong", 3)]
)
async def test_typed_ratings(conversation, text, score):
    conversation.slots["guide_stage"] = RATING
    await conversation.run("action_store_rating", text, "rate")
    [row] = conversation.services.ratings.all()
    assert row.score == score


async def test_unreadable_rating_is_asked_again(conversation):
    conversation.slots["guide_stage"] = RATING
    messages = await conversation.run("action_store_rating", "hmm", "rate")
    assert conversation.services.ratings.all() == []
    assert any(event.get("event") == "followup" for event in conversation.events)
    assert len(conversation.payloads(messages)) == 5


async def test_a_rating_nobody_asked_for_is_not_stored(conversation):
    """A new sender posting /rate{"rating": 5}: refused politely, nothing stored, no comment form."""
    messages = await conversation.run("action_store_rating", '/rate{"rating": 5}', "rate", {"rating": 5})
    assert conversation.services.ratings.all() == []
    assert {"event": "followup", "name": "action_listen", "timestamp": None} in conversation.events
    assert "/start_guide" in conversation.payloads(messages)


async def test_one_rating_per_ask(conversation):
    await walk_to_first_step(conversation)
    conversation.slots["guide_stage"] = RATING
    await conversation.run("action_store_rating", '/rate{"rating": 4}', "rate", {"rating": 4})
    await conversation.run("action_store_rating", '/rate{"rating": 1}', "rate", {"rating": 1})
    assert [row.score for row in conversation.services.ratings.all()] == [4]


async def test_no_vneid_account_walks_that_guide_first_then_returns(conversation, knowledge):
    await start(conversation)
    await conversation.run("action_guide_answer", "đúng", "affirm")
    messages = await conversation.run("action_guide_answer", "chưa có", "deny")
    assert conversation.slots["procedure"] == "tai-khoan-dinh-danh-dien-tu"
    assert conversation.slots["guide_return"] == SLUG
    assert conversation.slots["guide_step"] == 1
    assert "hướng dẫn tiếp thủ tục" in conversation.text(messages)
    for _ in knowledge.topic("tai-khoan-dinh-danh-dien-tu").steps:
        await conversation.run("action_guide_next", "tiếp", "guide_next")
    assert conversation.slots["procedure"] == SLUG
    assert conversation.slots["guide_return"] is None
    assert conversation.slots["guide_stage"] in {READY, "address"}


async def test_question_mid_walkthrough_resumes_at_the_same_step(conversation):
    await walk_to_first_step(conversation)
    await conversation.run("action_guide_next", "tiếp", "guide_next")
    messages = await conversation.run(
        "action_answer_question", "quên mật khẩu vneid thì làm sao", "ask_question"
    )
    assert conversation.slots["guide_step"] == 2
    assert conversation.slots["procedure"] == SLUG
    assert messages[-1]["text"].startswith("Tôi hướng dẫn tiếp anh/chị nhé.\nBước 2/")


async def test_fact_mid_walkthrough_uses_the_procedure_slot_and_resumes(conversation, knowledge):
    await walk_to_first_step(conversation)
    messages = await conversation.run("action_procedure_fact", "lệ phí bao nhiêu", "ask_fee")
    assert messages[0]["text"].startswith("Lệ phí thủ tục Đăng ký tạm trú")
    assert "Bước 1/" in messages[-1]["text"]


async def test_problem_is_asked_then_answered_and_second_problem_offers_a_person(conversation):
    await walk_to_first_step(conversation)
    messages = await conversation.run("action_guide_problem", "/guide_problem", "guide_problem")
    assert conversation.slots["guide_stage"] == "problem"
    assert "gặp lỗi gì" in conversation.text(messages)
    messages = await conversation.run("action_answer_question", "không nhận được mã OTP", "ask_question")
    assert conversation.text(messages).startswith("Cách xử lý:")
    assert conversation.slots["guide_stage"] == STEPS
    messages = await conversation.run("action_guide_problem", "/guide_problem", "guide_problem")
    assert "cán bộ" in conversation.text(messages) and "0200 123 4567" not in conversation.text(messages)
    assert messages[-1]["custom"] == {"handoff": {"reason": "problem"}}  # the app gives the outcome
    assert conversation.slots["guide_step"] == 1


async def test_session_restart_offers_to_resume_at_the_step(conversation):
    await walk_to_first_step(conversation)
    await conversation.run("action_guide_next", "tiếp", "guide_next")
    messages = await conversation.run("action_session_start")
    assert "đến Bước 2/" in conversation.text(messages)
    assert conversation.slots["guide_stage"] == "resume"
    assert conversation.events[0]["event"] == "session_started"
    assert conversation.events[-1] == {
        "event": "action",
        "name": "action_listen",
        "policy": None,
        "confidence": None,
        "action_text": None,
        "hide_rule_turn": False,
    } or (conversation.events[-1]["name"] == "action_listen")
    messages = await conversation.run("action_guide_answer", "có", "affirm")
    assert conversation.slots["guide_step"] == 2
    assert "Bước 2/" in conversation.text(messages)


async def test_slots_older_than_the_retention_window_do_not_carry_over(conversation):
    import time

    await walk_to_first_step(conversation)  # the services' retention window is 90 days
    conversation.last_message_at = time.time() - 91 * 86400
    messages = await conversation.run("action_session_start")
    assert messages == []
    assert [event["event"] for event in conversation.events] == ["session_started", "action"]
    conversation.last_message_at = time.time() - 89 * 86400
    messages = await conversation.run("action_session_start")
    assert "Lần trước anh/chị đang làm thủ tục" in conversation.text(messages)


async def test_declining_to_resume_clears_the_guide(conversation):
    await walk_to_first_step(conversation)
    await conversation.run("action_session_start")
    await conversation.run("action_guide_answer", "không", "deny")
    assert conversation.slots["guide_step"] is None and conversation.slots["guide_stage"] is None


async def test_menu_mid_walkthrough_offers_to_continue(conversation):
    await walk_to_first_step(conversation)
    messages = await conversation.run("action_menu", "menu", "menu")
    assert conversation.payloads(messages)[0] == "/guide_next"
    await conversation.run("action_guide_next", "/guide_next", "guide_next")
    assert conversation.slots["guide_step"] == 1 and conversation.slots["guide_stage"] == STEPS


async def test_next_without_a_guide_says_so(conversation):
    messages = await conversation.run("action_guide_next", "tiếp", "guide_next")
    assert "chưa làm dở" in conversation.text(messages)
    assert "/start_guide" in conversation.payloads(messages)


async def test_unresolvable_address_asked_once_more_then_carry_on(conversation):
    await start(conversation)
    await conversation.run("action_guide_answer", "đúng", "affirm")
    await conversation.run("action_guide_answer", "có", "affirm")
    messages = await conversation.run("action_where_to_submit", "nhà tôi gần chợ", "inform_address")
    assert "chưa nhận ra địa chỉ" in conversation.text(messages)
    assert conversation.slots["guide_stage"] == "address"
    messages = await conversation.run("action_answer_question", "gần chợ Bến Thành", "nlu_fallback")
    assert "vẫn chưa xác định" in conversation.text(messages)
    assert conversation.slots["guide_stage"] == READY


async def test_unsure_choices_are_procedures_named_by_their_names(conversation, knowledge):
    """Not the best entries' FAQ questions: one button per procedure, by name, related to the request."""
    import json

    from actions.guide.choose import RELATED
    from actions.replies import short_name

    text = "mất giấy tờ cần làm lại"
    messages = await conversation.run("action_guide_start", text, "start_guide")
    assert conversation.slots["guide_stage"] == CHOOSE
    offered = [
        button
        for message in messages
        for button in message.get("buttons") or []
        if button["payload"].startswith("/start_guide{")
    ]
    slugs = [json.loads(button["payload"].removeprefix("/start_guide"))["procedure"] for button in offered]
    assert 1 <= len(slugs) <= 3 and len(set(slugs)) == len(slugs)
    for button, slug in zip(offered, slugs, strict=True):
        assert button["title"] == short_name(knowledge.topic(slug).name)
    hits = knowledge.search(text, 10).hits
    weak = {hit.slug for hit in hits if hit.score < RELATED * hits[0].score}
    assert weak and not weak & set(slugs), "hits far below the best one are not offered"


def test_weak_hits_are_dropped_not_padded(conversation, dispatcher):
    from actions.guide import Guide
    from knowledge.search import Hit

    guide = Guide(conversation.services, dispatcher)
    hits = [
        Hit(
            "dvc-nop-ho-so-truc-tuyen/a",
            "dvc-nop-ho-so-truc-tuyen",
            "Nộp hồ sơ trực tuyến gồm những bước nào?",
            0.6,
        ),
        Hit("dang-ky-khai-tu/giay-to", "dang-ky-khai-tu", "Đăng ký khai tử cần những giấy tờ gì?", 0.55),
        Hit("tach-ho/o-dau", "tach-ho", "Tách hộ nộp hồ sơ ở đâu?", 0.3),
    ]
    assert [(hit.slug, hit.title) for hit in guide.related(hits)] == [("dang-ky-khai-tu", "Đăng ký khai tử")]
    assert guide.related(hits[2:]) == [Hit("tach-ho/o-dau", "tach-ho", "Tách hộ", 0.3)]
    assert guide.related([]) == []
