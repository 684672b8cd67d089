"""Import and export in the console on the real app (TestClient, the seed's knowledge base): the
API and the page, xlsx and CSV. An export imported back changes nothing; one bad row changes
nothing and is named by row and column; a good sheet is shown as a dry run first, then applied
through the SearchService (live for search at once) with one audit record; roles, CSRF, a wrong
file type and the upload limit."""

from __future__ import annotations

import pytest

from app import hardening
from app.staff import texts
from app.staff.audit import AuditFilter
from knowledge.sheets import read_table, write_table
from tests.staff import test_procedures_api as shared
from tests.staff.test_procedures_api import signed_in
from tests.staff.test_procedures_pages import page_form

FORMATS = ["xlsx", "csv"]
ENTRY = "dang-ky-khai-sinh/le-phi"
client = shared.client  # the fixture
MEDIA = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "csv": "text/csv"}


def exported(app_client, kind: str, fmt: str) -> bytes:
    response = app_client.get(f"/api/staff/export/{kind}.{fmt}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(MEDIA[fmt])
    assert f'filename="{kind}.{fmt}"' in response.headers["content-disposition"]
    return response.content


def edited(data: bytes, fmt: str, edit) -> bytes:
    """The sheet as a person changes it in Excel: read it, edit cells, save it."""
    header, rows = read_table(data, fmt)
    table = [[record.get(name) for name in header] for _, record in rows]
    edit(header, table)
    return write_table(header, table, fmt, "Trang 1")


def upload(app_client, csrf: str, kind: str, data: bytes, name: str, **params):
    return app_client.post(
        f"/api/staff/import/{kind}",
        files={"file": (name, data, "application/octet-stream")},
        headers={"X-CSRF-Token": csrf},
        params=params,
    )


def row_of(table, header, column: str, value: str) -> list:
    return next(row for row in table if row[header.index(column)] == value)


def audit(app_client, action: str) -> list:
    return app_client.app.state.staff.audit.page(AuditFilter(action=action)).entries


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", ["faq", "fees"])
def test_an_export_imported_back_changes_nothing(client, knowledge, kind, fmt):
    csrf = signed_in(client, "editor")
    before = knowledge.store.entries(), knowledge.store.topic_records()
    response = upload(client, csrf, kind, exported(client, kind, fmt), f"{kind}.{fmt}")
    assert response.status_code == 200, response.text
    assert response.json() == {"applied": False, "changes": []}
    assert (knowledge.store.entries(), knowledge.store.topic_records()) == before
    assert audit(client, f"{kind}_imported") == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_bad_faq_row_changes_nothing_and_names_its_row_and_column(client, knowledge, fmt):
    csrf = signed_in(client, "editor")

    def edit(header, table):
        row_of(table, header, "id", ENTRY)[header.index("answer")] = "Câu trả lời mới, đúng."
        row_of(table, header, "id", "tach-ho/dieu-kien")[header.index("valid_until")] = "31/13/2026"

    data = edited(exported(client, "faq", fmt), fmt, edit)
    bad_row = next(n for n, record in read_table(data, fmt)[1] if record["id"] == "tach-ho/dieu-kien")
    response = upload(client, csrf, "faq", data, f"hoi-dap.{fmt}")
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == texts.TRANSFER_INVALID.format(count=1)
    assert body["errors"] == [
        {
            "row": bad_row,
            "column": "valid_until",
            "message": "Ngày không hợp lệ: viết theo dạng năm-tháng-ngày, ví dụ 2026-12-31.",
        }
    ]
    assert knowledge.store.get(ENTRY).answer != "Câu trả lời mới, đúng."
    assert knowledge.store.get(ENTRY).origin == "seed"


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_bad_fee_row_changes_nothing(client, knowledge, fmt):
    csrf = signed_in(client, "editor")
    slug = "cap-ho-chieu-pho-thong"
    before = knowledge.store.topic_record(slug)

    def edit(header, table):
        rows = [row for row in table if row[header.index("slug")] == slug]
        rows[0][header.index("fee_text")] = "Lệ phí mới 100.000 đồng."
        rows[1][header.index("applies")] = "qua bưu điện"

    data = edited(exported(client, "fees", fmt), fmt, edit)
    response = upload(client, csrf, "fees", data, f"le-phi.{fmt}")
    assert response.status_code == 422
    [error] = response.json()["errors"]
    numbered = read_table(data, fmt)[1]
    wanted = [n for n, record in numbered if record["slug"] == slug][1]
    assert (error["row"], error["column"]) == (wanted, "applies")
    assert error["message"].startswith("Chỉ nhận một trong các giá trị")
    assert knowledge.store.topic_record(slug) == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_good_sheet_dry_run_then_applied_is_live_and_audited(client, knowledge, fmt):
    csrf = signed_in(client, "editor")
    question = "Lệ phí đăng ký khai sinh quá hạn ở xã là bao nhiêu tiền"

    def edit(header, table):
        row = row_of(table, header, "id", ENTRY)
        row[header.index("answer")] = "Đăng ký đúng hạn được miễn lệ phí (nhập từ tệp)."
        row[header.index("phrasings")] += " | " + question

    data = edited(exported(client, "faq", fmt), fmt, edit)
    dry = upload(client, csrf, "faq", data, f"faq.{fmt}", dry_run="true")
    assert dry.status_code == 200
    assert dry.json() == {
        "applied": False,
        "changes": [{"id": ENTRY, "title": knowledge.store.get(ENTRY).question, "new": False,
                     "fields": ["phrasings", "answer"]}],
    }  # fmt: skip
    assert knowledge.store.get(ENTRY).origin == "seed"
    applied = upload(client, csrf, "faq", data, f"faq.{fmt}")
    assert applied.status_code == 200 and applied.json()["applied"] is True
    assert knowledge.store.get(ENTRY).answer == "Đăng ký đúng hạn được miễn lệ phí (nhập từ tệp)."
    assert knowledge.search(question).answer.id == ENTRY  # live for search
    [record] = audit(client, "faq_imported")
    assert record.actor == "editor" and record.after["changed"] == 1 and record.after["ids"] == [ENTRY]


def test_roles_csrf_and_file_types(client, knowledge):
    assert client.get("/api/staff/export/faq.csv").status_code == 401
    csrf = signed_in(client, "viewer")
    data = exported(client, "faq", "csv")  # a viewer exports
    refused = upload(client, csrf, "faq", data, "faq.csv")
    assert refused.status_code == 403 and refused.json()["detail"] == texts.FORBIDDEN
    client.delete("/api/staff/session", headers={"X-CSRF-Token": csrf})
    csrf = signed_in(client, "editor")
    no_token = client.post("/api/staff/import/faq", files={"file": ("faq.csv", data, "text/csv")})
    assert no_token.status_code == 403 and no_token.json()["detail"] == texts.CSRF_FAILED
    wrong = upload(client, csrf, "faq", b"%PDF-1.7", "quyet-dinh.pdf")
    assert wrong.status_code == 415
    assert wrong.json()["detail"] == texts.TRANSFER_WRONG_TYPE.format(name="quyet-dinh.pdf")
    not_xlsx = upload(client, csrf, "faq", b"id,slug\n", "faq.xlsx")
    assert not_xlsx.status_code == 422 and not_xlsx.json()["errors"][0]["row"] == 1
    assert client.get("/api/staff/export/faq.pdf").status_code == 404


def test_the_upload_is_limited_before_it_is_read(client):
    """The body limit of the import routes (app/hardening.py) is above the default, and bounded."""
    limits = hardening.BODY_LIMITS
    assert limits["/api/staff/import/"] == limits["/staff/transfer/"] == 4 * hardening.MIB
    csrf = signed_in(client, "editor")
    too_big = b"x" * (4 * hardening.MIB + 1)
    response = upload(client, csrf, "faq", too_big, "faq.csv")
    assert response.status_code == 413 and response.json()["detail"] == hardening.TOO_LARGE


# --- the page ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_page_shows_errors_by_row_and_column_and_changes_nothing(client, knowledge, fmt):
    signed_in(client, "editor")
    page = client.get("/staff/transfer")
    fields = page_form(page.text, "/staff/transfer/faq").fields

    def edit(header, table):
        row_of(table, header, "id", ENTRY)[header.index("answer")] = "Nội dung mới."
        row_of(table, header, "id", ENTRY)[header.index("source")] = "dichvucong.gov.vn"

    data = edited(exported(client, "faq", fmt), fmt, edit)
    response = client.post(
        "/staff/transfer/faq", data={"csrf": fields["csrf"]}, files={"file": (f"faq.{fmt}", data, "x/y")}
    )
    assert response.status_code == 422
    assert texts.TRANSFER_INVALID.format(count=1) in response.text
    assert "<code>source</code>" in response.text and "bắt đầu bằng https://" in response.text
    assert 'action="/staff/transfer/apply"' not in response.text
    assert knowledge.store.get(ENTRY).answer != "Nội dung mới."


def test_the_page_dry_run_then_apply(client, knowledge):
    signed_in(client, "editor")
    csrf = page_form(client.get("/staff/transfer").text, "/staff/transfer/fees").fields["csrf"]
    slug = "cap-ho-chieu-pho-thong"

    def edit(header, table):
        for row in table:
            if row[header.index("slug")] == slug:
                row[header.index("processing_time")] = "Trong 8 ngày làm việc."

    data = edited(exported(client, "fees", "xlsx"), "xlsx", edit)
    dry = client.post(
        "/staff/transfer/fees", data={"csrf": csrf}, files={"file": ("le-phi.xlsx", data, "x/y")}
    )
    assert dry.status_code == 200
    assert (
        "chưa thay đổi gì" in dry.text
        and f"<code>{slug}</code>" in dry.text
        and "Thời gian giải quyết" in dry.text
    )
    assert knowledge.topic(slug).processing_time != "Trong 8 ngày làm việc."
    confirm = page_form(dry.text, "/staff/transfer/apply").fields
    applied = client.post("/staff/transfer/apply", data=confirm)
    assert applied.status_code == 200 and "Đã nhập 1 mục" in applied.text
    assert knowledge.topic(slug).processing_time == "Trong 8 ngày làm việc."
    again = client.post("/staff/transfer/apply", data=confirm)  # the token is used once
    assert again.status_code == 404 and texts.TRANSFER_EXPIRED in again.text
    [record] = audit(client, "fees_imported")
    assert record.after["ids"] == [slug]


def test_a_wrong_file_type_on_the_page(client):
    csrf = signed_in(client, "editor")
    response = client.post(
        "/staff/transfer/faq", data={"csrf": csrf}, files={"file": ("anh.png", b"\x89PNG", "image/png")}
    )
    assert response.status_code == 415 and texts.TRANSFER_WRONG_TYPE.format(name="anh.png") in response.text
