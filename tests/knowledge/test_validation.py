"""The seed's schema for what staff write, with a Vietnamese message beside each field."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from knowledge.seed import load_seed
from knowledge.validation import entry_from_data, parse_day, topic_from_data, vietnamese_errors


@pytest.fixture(scope="module")
def procedure() -> dict:
    return load_seed().procedures["dang-ky-khai-sinh"].model_dump(mode="json")


def errors_of(call) -> dict[str, str]:
    with pytest.raises(ValidationError) as raised:
        call()
    return vietnamese_errors(raised.value)


def test_topic_errors_name_the_field_path_in_vietnamese(procedure):
    fees = [
        {"text": "Miễn lệ phí", "applies": "online", "valid_from": "2027-01-01", "valid_until": "2026-12-31"},
        {"text": "", "applies": "qua mạng", "valid_until": "31-12-2026"},
    ]
    sources = [{"title": "Cổng Dịch vụ công", "url": "http://dichvucong.gov.vn"}]
    data = {**procedure, "fees": fees, "sources": sources, "aliases": [], "name": None}
    data.pop("processing_time")

    errors = errors_of(lambda: topic_from_data(data))

    assert errors["fees.0.valid_from"].startswith("Ngày bắt đầu hiệu lực sau ngày hết hiệu lực")
    assert errors["fees.1.text"] == "Không được để trống."
    assert errors["fees.1.applies"] == "Chỉ nhận một trong các giá trị: 'online', 'in_person' hoặc 'both'."
    assert errors["fees.1.valid_until"].startswith("Ngày không hợp lệ")
    assert errors["sources.0.url"].startswith("Cần một địa chỉ đầy đủ bắt đầu bằng https://")
    assert errors["aliases"] == "Cần ít nhất 1 mục."
    assert errors["processing_time"] == "Trường này là bắt buộc."
    assert errors["name"] == "Sai kiểu dữ liệu cho trường này."


def test_a_valid_topic_comes_back_as_its_model(procedure):
    topic = topic_from_data({**procedure, "processing_time": "Trong ngày"})
    assert topic.kind == "procedure" and topic.processing_time == "Trong ngày"
    assert topic_from_data(load_seed().guides["dvc-tra-cuu-ho-so"].model_dump(mode="json")).kind == "guide"


def test_faq_entry_errors_and_a_valid_entry():
    data = {
        "id": "Dang-ky/le phi",
        "question": "Lệ phí?",
        "phrasings": ["một", "hai"],
        "answer": "",
        "source": "dichvucong.gov.vn",
        "surprise": 1,
    }
    errors = errors_of(lambda: entry_from_data(data))
    assert errors["id"].startswith("Mã câu hỏi có dạng <mã thủ tục>/<tên ngắn>")
    assert errors["slug"].startswith("Chỉ dùng chữ thường không dấu")  # taken from the id
    assert errors["phrasings"] == "Cần ít nhất 3 mục."
    assert errors["answer"] == "Không được để trống."
    assert errors["source"].startswith("Cần một địa chỉ đầy đủ")

    entry = entry_from_data(
        {
            "id": "dang-ky-khai-sinh/moi",
            "question": "Câu hỏi mới?",
            "phrasings": ["một", "hai", "ba"],
            "answer": "Trả lời.",
            "source": "https://dichvucong.gov.vn",
            "valid_until": "2026-12-31",
            "reviewed": "2026-12-01",
        },
        reviewed_by="lan",
    )
    assert (entry.slug, entry.valid_until, entry.reviewed, entry.reviewed_by) == (
        "dang-ky-khai-sinh",
        date(2026, 12, 31),
        date(2026, 12, 1),
        "lan",
    )


def test_an_id_outside_its_topic_is_named():
    data = {
        "id": "dang-ky-ket-hon/le-phi",
        "slug": "dang-ky-khai-sinh",
        "question": "Lệ phí?",
        "phrasings": ["một", "hai", "ba"],
        "answer": "Trả lời.",
        "source": "https://dichvucong.gov.vn",
    }
    assert errors_of(lambda: entry_from_data(data)) == {
        "id": "Mã câu hỏi phải bắt đầu bằng mã thủ tục và dấu “/” (ví dụ dang-ky-khai-sinh/le-phi)."
    }


def test_days_as_people_write_them():
    assert parse_day("2026-12-31") == parse_day("31/12/2026") == date(2026, 12, 31)
    assert parse_day("") is None and parse_day(None) is None
    with pytest.raises(ValueError):
        parse_day("31-12-2026")
