"""Vietnamese normalisation shared by the NLU component and the knowledge index."""

from __future__ import annotations

import unicodedata

import pytest

from knowledge import text


def test_clean_makes_nfc_and_drops_control_characters():
    typed = unicodedata.normalize("NFD", "Khai  sinh\u200b\tcho\x00con ")
    cleaned = text.clean(typed)
    assert cleaned == "Khai sinh cho con"
    assert unicodedata.is_normalized("NFC", cleaned)


def test_fold_removes_tones_and_d_bar():
    assert text.fold("Đăng Ký Thường Trú") == "dang ky thuong tru"
    assert text.fold("ưởng ợ ỹ") == "uong o y"


@pytest.mark.parametrize(
    "typed",
    [
        "Đăng ký tạm trú như thế nào?",
        "dang ky tam tru nhu the nao",
        unicodedata.normalize("NFD", "Đăng ký tạm trú như thế nào?"),
        "đk tạm trú ntn",
        "DK TAM TRU NTN???",
        "đăng kí tạm trú như thế nào",
    ],
)
def test_the_same_question_typed_every_way_matches(typed):
    assert text.normalize(typed) == "dang ky tam tru nhu the nao"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("làm ks cho con", "lam khai sinh cho con"),
        ("mất cccd", "mat can cuoc cong dan"),
        ("đổi gplx", "doi giay phep lai xe"),
        ("nhập hk", "dang ky thuong tru"),
        ("làm sổ đỏ", "lam giay chung nhan quyen su dung dat"),
        ("làm passport", "lam ho chieu"),
        ("xin lltp", "xin ly lich tu phap"),
        ("mở hkd", "mo ho kinh doanh"),
        ("hok dc", "khong duoc"),
        ("lệ phí bn", "le phi bao nhieu"),
        ("can j", "can gi"),
        ("fải làm sao", "phai lam sao"),
        ("chaoooo", "chao"),
        ("làm bằng lái xe", "lam giay phep lai xe"),
    ],
)
def test_abbreviations_and_teencode(typed, expected):
    assert text.normalize(typed) == expected


def test_known_abbreviations_are_not_respelled():
    # "cccd" has a triple letter and "wifi" starts with w: neither may be "fixed".
    assert text.normalize("cccd wifi") == "can cuoc cong dan wifi"


def test_analyse_keeps_spans_of_the_text_as_typed():
    typed = unicodedata.normalize("NFD", "Đổi GPLX")
    found = text.analyse(typed)
    assert [t.text for t in found] == ["doi", "giay", "phep", "lai", "xe"]
    assert typed[found[0].start : found[0].end] == unicodedata.normalize("NFD", "Đổi")
    assert {typed[t.start : t.end] for t in found[1:]} == {"GPLX"}


def test_dictionary_rejects_malformed_and_conflicting_lines():
    with pytest.raises(ValueError, match="line 2"):
        text.Abbreviations.parse(["ks\tkhai sinh", "broken line"])
    with pytest.raises(ValueError, match="defined twice"):
        text.Abbreviations.parse(["dk\tđăng ký", "đk\tđược"])


def test_shipped_dictionary_loads_and_expands_longest_phrase_first():
    table = text.abbreviations()
    assert len(table.table) > 50
    words = [text.Token(w, 0, 0) for w in ["bang", "lai", "xe"]]
    assert [t.text for t in table.expand(words)] == ["giay", "phep", "lai", "xe"]
