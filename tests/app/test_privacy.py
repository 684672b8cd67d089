"""Masking of personal numbers before storage and logs, and the keyed hash that stands for a person."""

from __future__ import annotations

import pytest

from app.logs import Redactor
from app.privacy import Masked, mask, mask_text, sender_key, sender_tag


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
