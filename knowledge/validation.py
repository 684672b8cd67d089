"""Validation of what staff write: the seed's schema (``knowledge.models``), Vietnamese messages.

- :func:`entry_from_data` turns a FAQ entry as a dict (the console's form or API body, an
  import row) into an :class:`~knowledge.entries.Entry`, or raises ``pydantic.ValidationError``;
  :func:`check_entry` checks an ``Entry`` the same way (``Store.put`` calls it for FAQ entries).
- :func:`topic_from_data` does the same for a procedure or guide topic (by its ``kind``).
- :func:`vietnamese_errors` maps a ``ValidationError`` to ``{field path: message}``, e.g.
  ``{"fees.0.valid_until": "Ngày không hợp lệ: …"}``, for the console to show beside the fields.

Every Vietnamese wording of a validation message lives here.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ValidationError, model_validator

from knowledge.entries import Entry
from knowledge.models import FaqEntry, Guide, Procedure, Slug


class FaqRecord(FaqEntry):
    """A FAQ entry as the store keeps it: the seed's schema, plus its topic's slug."""

    slug: Slug

    @model_validator(mode="after")
    def _id_in_slug(self) -> FaqRecord:
        if not self.id.startswith(f"{self.slug}/"):
            raise ValueError(f"entry {self.id} does not start with '{self.slug}/'")
        return self


def _record_data(entry: Entry) -> dict[str, Any]:
    return {
        "id": entry.id, "slug": entry.slug, "question": entry.question, "phrasings": list(entry.phrasings),
        "answer": entry.answer, "source": entry.source, "valid_from": entry.valid_from,
        "valid_until": entry.valid_until, "reviewed": entry.reviewed,
    }  # fmt: skip


def check_entry(entry: Entry) -> None:
    """Raise ``ValidationError`` unless a FAQ entry meets the seed's schema."""
    if entry.kind == "faq":
        FaqRecord.model_validate(_record_data(entry))


def entry_from_data(data: dict[str, Any], *, reviewed_by: str | None = None) -> Entry:
    """A FAQ entry from a dict with ``id``, ``question``, ``phrasings``, ``answer``, ``source`` and
    optionally ``slug`` (default: the id's first part), ``valid_from``, ``valid_until``, ``reviewed``."""
    fields = {key: data[key] for key in FaqRecord.model_fields if key in data}
    if "slug" not in fields and isinstance(data.get("id"), str):
        fields["slug"] = data["id"].split("/", 1)[0]
    record = FaqRecord.model_validate(fields)
    return Entry(
        id=record.id, slug=record.slug, kind="faq", question=record.question,
        phrasings=tuple(record.phrasings), answer=record.answer, source=record.source,
        valid_from=record.valid_from, valid_until=record.valid_until, origin="staff",
        reviewed=record.reviewed, reviewed_by=reviewed_by if record.reviewed else None,
    )  # fmt: skip


def topic_from_data(data: dict[str, Any]) -> Procedure | Guide:
    """A procedure or guide topic (by ``data["kind"]``), validated by the seed's schema."""
    model = Guide if data.get("kind") == "guide" else Procedure
    return model.model_validate(data)


# --- messages ---------------------------------------------------------------------------

_URL_PATTERN = "^https://"
_DATE_TYPES = {"date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact", "date_type"}
_VALUE_ERRORS = {
    # model-level checks of knowledge.models: (the field they concern, the message)
    "valid_from is after valid_until": (
        "valid_from",
        "Ngày bắt đầu hiệu lực sau ngày hết hiệu lực: ngày bắt đầu phải trước hoặc bằng ngày hết hiệu lực.",
    ),
    "depends_on_residence needs the receiving level": (
        "level",
        "Nơi nhận hồ sơ phụ thuộc nơi cư trú: cần chọn cấp nhận hồ sơ (xã/phường hoặc tỉnh).",
    ),
    "a bundle has at least two parts": ("", "Một thủ tục liên thông cần ít nhất hai phần."),
    "every part of a bundle needs at least one phrase": (
        "", "Mỗi phần của thủ tục liên thông cần ít nhất một cụm từ."
    ),
    "does not start with": (
        "id", "Mã câu hỏi phải bắt đầu bằng mã thủ tục và dấu “/” (ví dụ dang-ky-khai-sinh/le-phi)."
    ),
}  # fmt: skip


def _pattern_message(pattern: str) -> str:
    if pattern.startswith(_URL_PATTERN):
        return "Cần một địa chỉ đầy đủ bắt đầu bằng https:// (ví dụ https://dichvucong.gov.vn)."
    if "/" in pattern:
        return (
            "Mã câu hỏi có dạng <mã thủ tục>/<tên ngắn>, chỉ gồm chữ thường không dấu, chữ số và dấu "
            "gạch ngang (ví dụ dang-ky-khai-sinh/le-phi)."
        )
    return "Chỉ dùng chữ thường không dấu, chữ số và dấu gạch ngang (ví dụ dang-ky-khai-sinh)."


def _message(error: dict[str, Any]) -> tuple[str, str]:
    """(a field to add to the error's path, the Vietnamese message) for one pydantic error."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return "", "Trường này là bắt buộc."
    if kind == "string_too_short":
        return "", "Không được để trống."
    if kind == "too_short":
        return "", f"Cần ít nhất {ctx.get('min_length', 1)} mục."
    if kind == "string_pattern_mismatch":
        return "", _pattern_message(str(ctx.get("pattern", "")))
    if kind in _DATE_TYPES:
        return "", "Ngày không hợp lệ: viết theo dạng năm-tháng-ngày, ví dụ 2026-12-31."
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace(" or ", " hoặc ")
        return "", f"Chỉ nhận một trong các giá trị: {expected}."
    if kind == "extra_forbidden":
        return "", "Trường này không có trong mẫu nội dung."
    if kind in {
        "string_type",
        "list_type",
        "dict_type",
        "model_type",
        "int_type",
        "bool_type",
        "bool_parsing",
    }:
        return "", "Sai kiểu dữ liệu cho trường này."
    if kind == "value_error":
        text = str(error.get("msg", ""))
        for needle, (field, message) in _VALUE_ERRORS.items():
            if needle in text:
                return field, message
    return "", "Giá trị không hợp lệ."


def vietnamese_errors(exc: ValidationError) -> dict[str, str]:
    """Each error of ``exc`` as ``{field path: Vietnamese message}`` (path like ``fees.0.valid_until``;
    several errors on one field are joined)."""
    found: dict[str, list[str]] = {}
    for error in exc.errors():
        extra, message = _message(error)
        parts = [str(part) for part in error.get("loc", ())]
        if extra:
            parts.append(extra)
        path = ".".join(parts)
        if message not in found.setdefault(path, []):
            found[path].append(message)
    return {path: " ".join(messages) for path, messages in found.items()}


def parse_day(value: object) -> date | None:
    """A date from a form or a sheet: empty → None; ``YYYY-MM-DD`` or ``DD/MM/YYYY``; raises ValueError."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value if type(value) is date else value.date()  # type: ignore[attr-defined]
    text = str(value).strip()
    if not text:
        return None
    if "/" in text:
        day, month, year = text.split("/")
        return date(int(year), int(month), int(day))
    return date.fromisoformat(text)
