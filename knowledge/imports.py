"""Import and export of FAQ entries, and of procedures' fees and processing times (xlsx or CSV).

Sheets (column names are the first row; rows are numbered as the spreadsheet shows them):

- **FAQ**, one row per entry: ``id``, ``slug``, ``question``, ``phrasings`` (joined by " | "),
  ``answer``, ``source``, ``valid_from``, ``valid_until``, ``reviewed``. ``slug`` may be left
  empty (the id's first part). Dates are ``YYYY-MM-DD`` (``DD/MM/YYYY`` and date cells too).
- **Fees and times**, one row per fee: ``slug``, ``name`` (read only), ``processing_time``
  (the procedure's, repeated on each of its rows), ``fee_text``, ``applies`` (``online``,
  ``in_person`` or ``both``), ``valid_from``, ``valid_until``. The rows of a procedure replace
  its whole list of fees, in their order.

``export_faq``/``export_fees`` write the sheets; ``read_faq``/``read_fees`` check every row
against the seed's schema and the store's current content and return an :class:`ImportPlan`:
either the changes (rows that differ from what is stored; an unchanged export gives none) or
the errors, each ``(row, column, Vietnamese message)``. All of these are pure functions.
``apply_faq``/``apply_fees`` write a plan's changes in one transaction through the store or,
in the app, the ``SearchService`` (live at once): all or nothing, each change a version with its
author, and a :class:`~knowledge.versions.Conflict` if anything changed since the file was read.
Entries and procedures missing from a sheet are left as they are (an import never deletes).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Generic, Protocol, TypeVar

from pydantic import ValidationError

from knowledge.entries import CONTENT_FIELDS, Entry
from knowledge.models import Guide, Procedure
from knowledge.sheets import Format, Row, Unreadable, read_table, write_table
from knowledge.text import normalize
from knowledge.topic_store import TopicRecord
from knowledge.validation import entry_from_data, parse_day, vietnamese_errors

FAQ_COLUMNS = (
    "id",
    "slug",
    "question",
    "phrasings",
    "answer",
    "source",
    "valid_from",
    "valid_until",
    "reviewed",
)
FEE_COLUMNS = ("slug", "name", "processing_time", "fee_text", "applies", "valid_from", "valid_until")
SEPARATOR = " | "
DATE_COLUMNS = ("valid_from", "valid_until", "reviewed")
T = TypeVar("T")
FEE_FIELDS = {
    "text": "fee_text",
    "applies": "applies",
    "valid_from": "valid_from",
    "valid_until": "valid_until",
}

# Every Vietnamese wording of an import error.
UNREADABLE = "Không đọc được tệp ({why}). Hãy dùng tệp .xlsx hoặc CSV mã hoá UTF-8 có dòng tiêu đề."
MISSING_COLUMN = "Thiếu cột này trong dòng tiêu đề."
BAD_DATE = "Ngày không hợp lệ: viết theo dạng năm-tháng-ngày, ví dụ 2026-12-31."
REQUIRED = "Trường này là bắt buộc."
DUPLICATE_ID = "Mã câu hỏi này đã có ở dòng {row}."
UNKNOWN_TOPIC = "Không có thủ tục hay chủ đề nào mang mã này."
UNKNOWN_PROCEDURE = "Không có thủ tục nào mang mã này."
DUPLICATE_PHRASING = "Cách hỏi “{text}” trùng với câu hỏi {other}."
TIME_DIFFERS = "Thời gian giải quyết khác với dòng {row} của cùng thủ tục: mỗi thủ tục chỉ có một."


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass(frozen=True)
class FaqChange:
    entry: Entry
    before: Entry | None  # None: a new entry
    expected_version: int  # the version read (0: new), checked again when applied


@dataclass(frozen=True)
class FeeChange:
    topic: Procedure
    before: Procedure
    expected_version: int


@dataclass
class ImportPlan(Generic[T]):
    changes: list[T] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class Writer(Protocol):  # the Store, or the app's SearchService
    def put_many(self, items: Any, *, author: str | None = None) -> list[Entry]: ...

    def put_topics_many(
        self, items: Any, *, author: str | None = None
    ) -> list[tuple[Procedure | Guide, int]]: ...


# --- FAQ --------------------------------------------------------------------------------


def export_faq(entries: Iterable[Entry], fmt: Format) -> bytes:
    """The live FAQ entries, by id."""
    rows = [
        (
            e.id,
            e.slug,
            e.question,
            SEPARATOR.join(e.phrasings),
            e.answer,
            e.source,
            e.valid_from,
            e.valid_until,
            e.reviewed,
        )
        for e in sorted(entries, key=lambda entry: entry.id)
        if e.kind == "faq" and not e.deleted
    ]
    return write_table(FAQ_COLUMNS, rows, fmt, "FAQ")


def _table(data: bytes, fmt: Format, columns: tuple[str, ...]) -> tuple[list[Row], list[RowError]]:
    try:
        header, rows = read_table(data, fmt)
    except Unreadable as exc:
        return [], [RowError(1, "", UNREADABLE.format(why=exc))]
    missing = [RowError(1, name, MISSING_COLUMN) for name in columns if name not in header and name != "name"]
    return rows, missing


def _text(record: dict, name: str) -> str:
    value = record.get(name)
    return "" if value is None else str(value).strip()


def _days(number: int, record: dict, names: Iterable[str], errors: list[RowError]) -> dict[str, Any]:
    days = {}
    for name in names:
        try:
            days[name] = parse_day(record.get(name))
        except ValueError:
            errors.append(RowError(number, name, BAD_DATE))
    return days


def _faq_row(number: int, record: dict, errors: list[RowError]) -> Entry | None:
    found: list[RowError] = []
    days = _days(number, record, DATE_COLUMNS, found)
    phrasings = [part.strip() for part in _text(record, "phrasings").split("|") if part.strip()]
    data = {name: _text(record, name) for name in ("id", "question", "answer", "source")}
    data.update(phrasings=phrasings, **{k: v for k, v in days.items() if v is not None})
    if _text(record, "slug"):
        data["slug"] = _text(record, "slug")
    try:
        entry = entry_from_data(data)
    except ValidationError as exc:
        for path, message in vietnamese_errors(exc).items():
            column = path.split(".")[0]
            if column not in DATE_COLUMNS or column not in {e.column for e in found}:
                found.append(RowError(number, column if column in FAQ_COLUMNS else "", message))
        entry = None
    errors.extend(found)
    return entry if not found else None


def read_faq(
    data: bytes, fmt: Format, current: Mapping[str, Entry], slugs: Collection[str]
) -> ImportPlan[FaqChange]:
    """Check a FAQ sheet against the seed's schema and what is stored.

    ``current``: the stored entries by id, tombstones included (a row naming a deleted entry
    brings it back); ``slugs``: the topics that exist.
    """
    rows, errors = _table(data, fmt, FAQ_COLUMNS)
    plan: ImportPlan[FaqChange] = ImportPlan(errors=errors)
    if errors:
        return plan
    seen: dict[str, int] = {}
    changes: list[tuple[int, FaqChange]] = []
    for number, record in rows:
        entry = _faq_row(number, record, plan.errors)
        if entry is None:
            continue
        if entry.id in seen:
            plan.errors.append(RowError(number, "id", DUPLICATE_ID.format(row=seen[entry.id])))
            continue
        seen[entry.id] = number
        if entry.slug not in slugs:
            plan.errors.append(RowError(number, "slug", UNKNOWN_TOPIC))
            continue
        before = current.get(entry.id)
        if before is None:
            changes.append((number, FaqChange(entry, None, 0)))
            continue
        content = {name: getattr(entry, name) for name in CONTENT_FIELDS}
        wanted = replace(before, **content, reviewed=entry.reviewed, deleted=False)
        if wanted != before:
            changes.append((number, FaqChange(wanted, before, before.version)))
    plan.errors.extend(_duplicate_phrasings(changes, current))
    if not plan.errors:
        plan.changes = [change for _, change in changes]
    plan.errors.sort(key=lambda error: (error.row, error.column))
    return plan


def _duplicate_phrasings(
    changes: list[tuple[int, FaqChange]], current: Mapping[str, Entry]
) -> list[RowError]:
    """A question or phrasing of a changed row that another FAQ entry already uses (as the seed
    check does: the same normalised text may belong to one entry only)."""
    changed = {change.entry.id for _, change in changes}
    owner: dict[str, str] = {}
    for entry in current.values():
        if entry.kind == "faq" and not entry.deleted and entry.id not in changed:
            for text in entry.texts():
                owner.setdefault(normalize(text), entry.id)
    errors = []
    for number, change in changes:
        for text in change.entry.texts():
            key = normalize(text)
            other = owner.get(key)
            if other is not None and other != change.entry.id:
                errors.append(
                    RowError(number, "phrasings", DUPLICATE_PHRASING.format(text=text, other=other))
                )
            owner.setdefault(key, change.entry.id)
    return errors


def apply_faq(target: Writer, changes: Iterable[FaqChange], *, author: str) -> list[Entry]:
    """Write the changes in one transaction (all or nothing); what was written."""
    return target.put_many([(change.entry, change.expected_version) for change in changes], author=author)


# --- fees and processing times -----------------------------------------------------------


def export_fees(topics: Iterable[Procedure | Guide], fmt: Format) -> bytes:
    """One row per fee of every procedure, by slug, with the procedure's processing time."""
    rows = [
        (t.slug, t.name, t.processing_time, fee.text, fee.applies, fee.valid_from, fee.valid_until)
        for t in sorted(topics, key=lambda topic: topic.slug)
        if isinstance(t, Procedure)
        for fee in t.fees
    ]
    return write_table(FEE_COLUMNS, rows, fmt, "Lệ phí và thời gian")


def _fee_errors(exc: ValidationError, first: int, fee_rows: list[int]) -> list[RowError]:
    errors = []
    for path, message in vietnamese_errors(exc).items():
        parts = path.split(".")
        if parts[0] == "fees" and len(parts) > 1 and parts[1].isdigit():
            column = FEE_FIELDS.get(parts[2], "") if len(parts) > 2 else ""
            errors.append(RowError(fee_rows[int(parts[1])], column, message))
        else:
            errors.append(RowError(first, parts[0] if parts[0] in FEE_COLUMNS else "", message))
    return errors


def read_fees(data: bytes, fmt: Format, current: Mapping[str, TopicRecord]) -> ImportPlan[FeeChange]:
    """Check a fees-and-times sheet; ``current``: the stored topics by slug (procedures count)."""
    rows, errors = _table(data, fmt, FEE_COLUMNS)
    plan: ImportPlan[FeeChange] = ImportPlan(errors=errors)
    if errors:
        return plan
    groups: dict[str, list[Row]] = {}
    for number, record in rows:
        slug = _text(record, "slug")
        record_of = current.get(slug)
        if not slug:
            plan.errors.append(RowError(number, "slug", REQUIRED))
        elif record_of is None or not isinstance(record_of.topic, Procedure):
            plan.errors.append(RowError(number, "slug", UNKNOWN_PROCEDURE))
        else:
            groups.setdefault(slug, []).append((number, record))
    changes = []
    for slug, group in groups.items():
        first, first_record = group[0]
        time = _text(first_record, "processing_time")
        fees = []
        for number, record in group:
            if _text(record, "processing_time") != time:
                plan.errors.append(RowError(number, "processing_time", TIME_DIFFERS.format(row=first)))
            days = _days(number, record, ("valid_from", "valid_until"), plan.errors)
            fee = {"text": _text(record, "fee_text"), "applies": _text(record, "applies")}
            fees.append({**fee, **{k: v.isoformat() for k, v in days.items() if v is not None}})
        stored = current[slug]
        data_ = {**stored.topic.model_dump(mode="json"), "processing_time": time, "fees": fees}
        try:
            topic = Procedure.model_validate(data_)
        except ValidationError as exc:
            plan.errors.extend(_fee_errors(exc, first, [number for number, _ in group]))
            continue
        if topic != stored.topic:
            changes.append(FeeChange(topic, stored.topic, stored.version))  # type: ignore[arg-type]
    if not plan.errors:
        plan.changes = changes
    plan.errors.sort(key=lambda error: (error.row, error.column))
    return plan


def apply_fees(
    target: Writer, changes: Iterable[FeeChange], *, author: str
) -> list[tuple[Procedure | Guide, int]]:
    """Write the changed procedures in one transaction (all or nothing)."""
    return target.put_topics_many(
        [(change.topic, change.expected_version) for change in changes], author=author
    )
