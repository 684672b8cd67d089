"""Import and export of FAQ entries and of fees and times, xlsx and CSV, on a real store:
round trips change nothing, one bad row changes nothing and is named by row and column."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook

from knowledge.imports import (
    FAQ_COLUMNS,
    FEE_COLUMNS,
    apply_faq,
    apply_fees,
    export_faq,
    export_fees,
    read_faq,
    read_fees,
)
from knowledge.search import SearchService
from knowledge.seed import load_seed
from knowledge.sheets import read_table, write_table
from knowledge.store import Conflict, Store

FORMATS = ["xlsx", "csv"]


@pytest.fixture(scope="module")
def seed():
    return load_seed()


@pytest.fixture
def store(tmp_path, seed):
    opened = Store(f"sqlite:///{tmp_path / 'knowledge.db'}")
    opened.import_seed(seed)
    yield opened
    opened.close()


def current(store: Store) -> dict:
    return {entry.id: entry for entry in store.entries(include_deleted=True)}


def slugs(store: Store) -> set[str]:
    return {record.topic.slug for record in store.topic_records()}


def procedures(store: Store) -> dict:
    return {record.topic.slug: record for record in store.topic_records()}


def edit_rows(data: bytes, fmt: str, edit) -> bytes:
    """Change the table as a person would in Excel: read it, edit rows, write it back."""
    header, rows = read_table(data, fmt)
    table = [[record.get(name) for name in header] for _, record in rows]
    edit(header, table)
    return write_table(header, table, fmt, "FAQ")


def row_of(table: list, header: list, column: str, value: str) -> list:
    return next(row for row in table if row[header.index(column)] == value)


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unchanged_export_imports_as_no_change(store, fmt):
    faq = export_faq(store.entries(), fmt)
    plan = read_faq(faq, fmt, current(store), slugs(store))
    assert plan.errors == [] and plan.changes == []
    header, rows = read_table(faq, fmt)
    assert tuple(header) == FAQ_COLUMNS
    assert len(rows) == len([e for e in store.entries() if e.kind == "faq"])

    fees = export_fees(store.topics(), fmt)
    plan = read_fees(fees, fmt, procedures(store))
    assert plan.errors == [] and plan.changes == []
    header, rows = read_table(fees, fmt)
    assert tuple(header) == FEE_COLUMNS
    assert len(rows) == sum(len(topic.fees) for topic in store.topics("procedure"))


def test_csv_is_utf8_with_a_bom_for_excel(store):
    data = export_faq(store.entries(), "csv")
    assert data.startswith(b"\xef\xbb\xbfid,slug,question,")
    assert "Đăng ký khai sinh" in data.decode("utf-8-sig")


@pytest.mark.parametrize("fmt", FORMATS)
def test_edited_and_new_rows_become_versions_by_their_author(store, fmt):
    entry_id = "dang-ky-khai-sinh/le-phi"
    before = store.get(entry_id)

    def edit(header, table):
        row = row_of(table, header, "id", entry_id)
        row[header.index("answer")] = "Đăng ký khai sinh đúng hạn được miễn lệ phí (sửa qua tệp)."
        row[header.index("reviewed")] = "10/12/2026"
        new = dict.fromkeys(header, "")
        new.update(
            id="dang-ky-khai-sinh/dat-ten",
            question="Đặt tên cho con có giới hạn độ dài không?",
            phrasings="đặt tên con dài được không | tên khai sinh tối đa bao nhiêu chữ | ten con dai qua",
            answer="Tên nên ngắn gọn, dễ đọc.",
            source="https://dichvucong.gov.vn",
        )
        table.append([new[name] for name in header])

    plan = read_faq(edit_rows(export_faq(store.entries(), fmt), fmt, edit), fmt, current(store), slugs(store))

    assert plan.errors == []
    assert [(c.entry.id, c.expected_version) for c in plan.changes] == [
        (entry_id, before.version),
        ("dang-ky-khai-sinh/dat-ten", 0),
    ]
    apply_faq(store, plan.changes, author="lan")
    after = store.get(entry_id)
    assert after.answer.endswith("(sửa qua tệp).") and after.phrasings == before.phrasings
    assert (after.reviewed, after.reviewed_by) == (date(2026, 12, 10), "lan")
    assert [(v.action, v.author) for v in store.history(entry_id)[:1]] == [("updated", "lan")]
    new = store.get("dang-ky-khai-sinh/dat-ten")
    assert new.phrasings == (
        "đặt tên con dài được không",
        "tên khai sinh tối đa bao nhiêu chữ",
        "ten con dai qua",
    )
    assert store.history(new.id)[0].action == "created"


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_bad_row_changes_nothing_and_is_named_by_row_and_column(store, fmt):
    _header, rows = read_table(export_faq(store.entries(), fmt), fmt)
    bad_row = rows[4][0]  # as the spreadsheet numbers it

    def edit(header, table):
        table[0][header.index("answer")] = "Một sửa đổi hợp lệ."
        table[4][header.index("valid_until")] = "31-12-2026"
        table[6][header.index("source")] = "dichvucong.gov.vn"

    before = store.entries()
    plan = read_faq(edit_rows(export_faq(before, fmt), fmt, edit), fmt, current(store), slugs(store))

    assert plan.changes == []
    assert [(e.row, e.column) for e in plan.errors] == [(bad_row, "valid_until"), (bad_row + 2, "source")]
    assert plan.errors[0].message.startswith("Ngày không hợp lệ")
    assert plan.errors[1].message.startswith("Cần một địa chỉ đầy đủ bắt đầu bằng https://")
    assert store.entries() == before


def test_duplicates_unknown_topics_and_missing_columns_are_errors(store):
    def edit(header, table):
        first = table[0]
        copy = list(table[1])
        copy[header.index("id")] = first[header.index("id")]
        table.append(copy)
        question = row_of(table, header, "id", "dang-ky-khai-sinh/le-phi")[header.index("question")]
        row_of(table, header, "id", "dang-ky-khai-sinh/giay-to")[header.index("phrasings")] += (
            f" | {question}"
        )
        unknown = list(table[2])
        unknown[header.index("id")] = "khong-co/cau-hoi"
        unknown[header.index("slug")] = "khong-co"
        table.append(unknown)

    data = edit_rows(export_faq(store.entries(), "csv"), "csv", edit)
    messages = {
        (e.column, e.message.split(" ")[0])
        for e in read_faq(data, "csv", current(store), slugs(store)).errors
    }
    assert messages == {("id", "Mã"), ("phrasings", "Cách"), ("slug", "Không")}

    missing = write_table(["id", "question"], [["dang-ky-khai-sinh/le-phi", "?"]], "csv", "FAQ")
    plan = read_faq(missing, "csv", current(store), slugs(store))
    assert {(e.row, e.column) for e in plan.errors} >= {(1, "answer"), (1, "phrasings"), (1, "source")}
    unreadable = read_faq(b"not a workbook", "xlsx", current(store), slugs(store))
    assert [(e.row, e.message.split(" (")[0]) for e in unreadable.errors] == [(1, "Không đọc được tệp")]


def test_a_file_read_before_someone_else_saved_applies_nothing(store):
    def edit(header, table):
        row_of(table, header, "id", "dang-ky-khai-sinh/le-phi")[header.index("answer")] = "Từ tệp."
        row_of(table, header, "id", "dang-ky-khai-sinh/giay-to")[header.index("answer")] = "Cũng từ tệp."

    plan = read_faq(
        edit_rows(export_faq(store.entries(), "csv"), "csv", edit), "csv", current(store), slugs(store)
    )
    store.mark_reviewed("entry", "dang-ky-khai-sinh/le-phi", author="minh", on=date(2026, 12, 10))
    with pytest.raises(Conflict):
        apply_faq(store, plan.changes, author="lan")
    assert store.get("dang-ky-khai-sinh/giay-to").answer != "Cũng từ tệp."


@pytest.mark.parametrize("fmt", FORMATS)
def test_fees_and_times_import_live_through_the_service(store, tmp_path, fmt):
    service = SearchService(store, None, tmp_path / "index")
    service.open()
    slug = "dang-ky-khai-sinh"

    def edit(header, table):
        rows = [row for row in table if row[header.index("slug")] == slug]
        for row in rows:
            row[header.index("processing_time")] = "Trong ngày làm việc"
        rows[0][header.index("valid_until")] = date(2026, 12, 31)

    data = edit_rows(export_fees(store.topics(), fmt), fmt, edit)
    plan = read_fees(data, fmt, procedures(store))
    assert plan.errors == [] and [c.topic.slug for c in plan.changes] == [slug]

    version = store.topic_version(slug)
    [(_topic, new_version)] = apply_fees(service, plan.changes, author="lan")
    assert new_version == version + 1 and service.topic(slug).processing_time == "Trong ngày làm việc"
    assert service.topic(slug).fees[0].valid_until == date(2026, 12, 31)
    assert store.topic_history(slug)[0].author == "lan"


def test_a_bad_fee_row_names_its_row_and_column(store):
    slug = "dang-ky-khai-sinh"
    _header, rows = read_table(export_fees(store.topics(), "csv"), "csv")
    numbers = [number for number, record in rows if record["slug"] == slug]

    def edit(header, table):
        mine = [row for row in table if row[header.index("slug")] == slug]
        mine[0][header.index("applies")] = "qua mạng"
        mine[-1][header.index("processing_time")] = "Khác"
        table[0][header.index("slug")] = "khong-co-thu-tuc"

    plan = read_fees(edit_rows(export_fees(store.topics(), "csv"), "csv", edit), "csv", procedures(store))
    assert plan.changes == []
    assert {(e.row, e.column) for e in plan.errors} == {
        (2, "slug"),
        (numbers[0], "applies"),
        (numbers[-1], "processing_time"),
    }
    applies = next(e for e in plan.errors if e.column == "applies")
    assert applies.message == "Chỉ nhận một trong các giá trị: 'online', 'in_person' hoặc 'both'."


def test_text_that_looks_like_a_formula_stays_text():
    data = write_table(["id", "answer"], [["a/b", "=HYPERLINK(1)"]], "xlsx", "FAQ")
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet["B2"].data_type == "s" and sheet["B2"].value == "=HYPERLINK(1)"
    workbook = Workbook()
    workbook.active.append(["id"])
    out = io.BytesIO()
    workbook.save(out)
    assert read_table(out.getvalue(), "xlsx") == (["id"], [])
