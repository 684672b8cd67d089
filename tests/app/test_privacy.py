"""Masking of personal numbers before storage and logs, and the keyed hash that stands for a person."""

from __future__ import annotations

import unicodedata

import pytest

from app.logs import Redactor
from app.privacy import Masked, mask, mask_payload, mask_text, sender_key, sender_tag


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("cccd của tôi là 001203004567", "id"),
        ("CCCD: 0012 0300 4567", "id"),
        ("số cmnd 123456789", "id"),
        ("gọi 0912345678 nhé", "phone"),
        ("gọi 0912 345 678 nhé", "phone"),
        ("sđt +84912345678", "phone"),
        ("số 091.234.5678", "phone"),
        ("sdt 84 912 345 678", "phone"),
        ("email nguyen.van.a@gmail.com nhé", "email"),
        ("gửi vào Tran_Thi-B+dvc@so-tu-phap.tinh.gov.vn", "email"),
        ("số tài khoản 1903 5678 9012 tại ngân hàng", "account"),
        ("stk: 0123456", "account"),
        ("tk 19035678901234 vietcombank", "account"),
        ("chuyển vào 9704229201234567", "account"),
    ],
)
def test_personal_numbers_are_masked_and_classified(typed, kind):
    masked = mask(typed)
    assert masked.kinds == {kind}
    digits = "".join(ch for ch in masked.text if ch.isdigit())
    assert len(digits) <= 2, masked.text  # at most the last two digits remain
    assert "***" in masked.text
    if kind == "email":
        assert "@gmail" not in masked.text and "so-tu-phap" not in masked.text


@pytest.mark.parametrize(
    "kept",
    [
        "mã hồ sơ 000.00.31.H56-250714-0012 đến đâu rồi",
        "hồ sơ g22.99-251003-0007",
        "lệ phí 1.500.000 đồng, hoặc 50000đ, 2 triệu, 15000000 vnd, 100.000 VNĐ",
        "hạn 27/11/2026, nộp 2026-11-27 23:18",
        "mã thủ tục 1.004194",
        "năm 2025 có 34 tỉnh",
        "2026-11-27 23:18:16,216 INFO chat",
        '/rate{"rating": 5}',
    ],
)
def test_dossier_codes_money_dates_and_short_numbers_are_kept(kept):
    assert mask(kept) == Masked(kept, frozenset())


def test_a_mixed_message_masks_each_class_and_keeps_the_rest():
    typed = (
        "Tôi (cccd 079088001234, sđt 0987.654.321, a.b@c.vn) hỏi hồ sơ 000.00.31.H56-250714-0012 "
        "phí 50.000 đồng"
    )
    masked = mask(typed)
    assert masked.kinds == {"id", "phone", "email"}
    assert "000.00.31.H56-250714-0012" in masked.text and "50.000 đồng" in masked.text
    for secret in ("079088001234", "0987.654.321", "a.b@c.vn"):
        assert secret not in masked.text
    assert mask_text(typed) == masked.text


def test_sender_hash_is_keyed_stable_and_short():
    assert sender_key("k1", "tg:123") == sender_key("k1", "tg:123")
    assert sender_key("k1", "tg:123") != sender_key("k2", "tg:123")
    assert len(sender_key("k1", "tg:123")) == 32
    tag = sender_tag("k1", "zalo:77123")
    assert tag.startswith("zalo#") and "77123" not in tag


def test_log_lines_lose_ids_numbers_and_secrets():
    redact = Redactor("key")
    line = (
        "chat sender=web:0f8e2c4a-1b2c-4d3e-8f90-123456789abc tg:123456789 zalo:8877665544 "
        "GET /status?token=abc123 Authorization: Bearer xyz cccd 001203004567 a@b.vn"
    )
    out = redact(line)
    for secret in ("0f8e2c4a", "123456789", "8877665544", "abc123", "xyz", "001203004567", "a@b.vn"):
        assert secret not in out, out
    assert "web#" in out and "tg#" in out and "zalo#" in out
    url = redact('"GET /api/history?sender=web%3A0f8e2c4a-1b2c-4d3e-8f90-123456789abc HTTP/1.1" 200')
    assert "0f8e2c4a" not in url
    assert sender_tag("key", "web:0f8e2c4a-1b2c-4d3e-8f90-123456789abc") in url, "the same tag as the id"


# --- a platform's update, kept in the durable inbox (app/inbox.py) ----------------------------


def test_a_telegram_update_is_masked_with_its_ids_times_and_numbers_kept():
    update = {
        "update_id": 912345678,
        "message": {
            "message_id": 77,
            "date": 1765432109,
            "chat": {"id": 7912345678, "type": "private", "first_name": "Lan"},
            "from": {"id": 7912345678, "is_bot": False, "first_name": "Lan", "language_code": "vi"},
            "text": "cccd 079088001234, sđt 0912345678, lan.nguyen@gmail.com",
            "contact": {"phone_number": "+84912345678", "first_name": "Lan", "user_id": 7912345678},
            "photo": [{"file_id": "AgAD-12345678", "file_unique_id": "AQAD-98765432", "width": 90}],
        },
    }
    masked, kinds = mask_payload(update)
    assert kinds == {"id", "phone", "email"}
    message = masked["message"]
    assert message["text"] == "cccd ***34, sđt ***78, ***@***"
    assert message["contact"]["phone_number"] == "***78"
    # Numbers stay numbers; string ids stay as sent (mask() alone would take them for accounts).
    assert masked["update_id"] == 912345678 and message["chat"]["id"] == 7912345678
    assert message["contact"]["user_id"] == 7912345678 and message["date"] == 1765432109
    assert message["photo"][0]["file_id"] == "AgAD-12345678"
    assert message["photo"][0]["file_unique_id"] == "AQAD-98765432"
    assert message["from"] == update["message"]["from"], "nothing to mask: as sent"


def test_a_zalo_event_keeps_its_string_ids_and_timestamp():
    event = {
        "app_id": "360846524940903967",
        "user_id_by_app": "552177279717587730",
        "event_name": "user_send_text",
        "timestamp": "1577707708000",
        "sender": {"id": "1234567890123456789"},
        "recipient": {"id": "388613280878808645"},
        "message": {"msg_id": "9876543210987654321", "text": "số tài khoản 1903 5678 9012"},
    }
    masked, kinds = mask_payload(event)
    assert kinds == {"account"}
    assert masked["message"] == {"msg_id": "9876543210987654321", "text": "số tài khoản ***12"}
    assert {key: value for key, value in masked.items() if key != "message"} == {
        key: value for key, value in event.items() if key != "message"
    }
    assert mask("1234567890123456789").kinds == {"account"}, "why ids are skipped by their key"


def test_the_bot_s_own_message_under_a_button_is_masked_but_not_counted():
    press = {
        "update_id": 5,
        "callback_query": {
            "id": "4382985723498572",
            "chat_instance": "-4242424242424242",
            "data": "p:/request_human",
            "message": {"message_id": 4, "date": 1, "text": "Gọi tổng đài 1800 1096"},
        },
    }
    masked, kinds = mask_payload(press)
    assert kinds == frozenset(), "the person sent no number: no notice on replay, as live"
    assert masked["callback_query"]["message"]["text"] == "Gọi tổng đài ***96"
    assert masked["callback_query"]["id"] == "4382985723498572"
    assert masked["callback_query"]["chat_instance"] == "-4242424242424242"
    replied = {"update_id": 6, "message": {"text": "đây", "reply_to_message": {"text": "sđt 0912345678"}}}
    masked, kinds = mask_payload(replied)
    assert kinds == frozenset() and masked["message"]["reply_to_message"]["text"] == "sđt ***78"


def test_a_string_is_cleaned_before_it_is_masked_like_a_message_in_the_pipeline():
    """An e-mail typed in NFD, or a number split by a line break: mask() alone finds neither, the
    pipeline (clean, then mask) finds both; so does the inbox."""
    typed = unicodedata.normalize("NFD", "josé@gmail.com") + " và 0912\n345678"
    assert mask(typed).kinds == frozenset()
    masked, kinds = mask_payload({"message": {"text": typed}})
    assert kinds == {"email", "phone"} and masked["message"]["text"] == "***@*** và ***78"
