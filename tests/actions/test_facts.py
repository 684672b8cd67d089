"""Facts on demand come from the procedure's structured fields."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("intent", "opening"),
    [
        ("ask_documents", "Giấy tờ cần chuẩn bị cho thủ tục Đăng ký khai sinh:"),
        ("ask_fee", "Lệ phí thủ tục Đăng ký khai sinh:"),
        ("ask_duration", "Thời hạn giải quyết thủ tục Đăng ký khai sinh:"),
        ("ask_place", "Nơi tiếp nhận hồ sơ Đăng ký khai sinh:"),
        ("ask_online", "Làm được hoàn toàn trực tuyến — thủ tục Đăng ký khai sinh."),
    ],
)
async def test_each_fact_of_a_named_procedure(conversation, knowledge, intent, opening):
    messages = await conversation.run(
        "action_procedure_fact", "…", intent, {"procedure": "dang-ky-khai-sinh"}
    )
    assert messages[0]["text"].startswith(opening)
    procedure = knowledge.topic("dang-ky-khai-sinh")
    if intent == "ask_duration":
        assert procedure.processing_time.split()[0] in messages[0]["text"]
    assert conversation.slots["procedure"] == "dang-ky-khai-sinh"


async def test_without_a_name_the_last_procedure_is_used(conversation):
    await conversation.run("action_procedure_fact", "…", "ask_fee", {"procedure": "cap-ho-chieu-pho-thong"})
    messages = await conversation.run("action_procedure_fact", "mất mấy ngày", "ask_duration")
    assert "hộ chiếu" in messages[0]["text"].lower()


async def test_place_depending_on_residence_asks_for_the_address(conversation):
    messages = await conversation.run(
        "action_procedure_fact", "…", "ask_place", {"procedure": "dang-ky-tam-tru"}
    )
    assert "địa chỉ nơi cư trú" in messages[0]["text"]
    assert conversation.slots["guide_stage"] == "place"
    messages = await conversation.run(
        "action_where_to_submit", "xã Tân Lập, huyện Đồng Phú, tỉnh Bình Phước", "inform_address"
    )
    text = conversation.text(messages)
    assert "Tỉnh Đồng Nai" in text and "Công an cấp xã" in text
    assert conversation.slots["guide_stage"] is None


async def test_no_procedure_at_all_asks_which(conversation):
    messages = await conversation.run("action_procedure_fact", "/ask_fee", "ask_fee")
    assert "thủ tục nào" in messages[0]["text"]
