"""An import with one bad row on the console's page, in Debian's Chromium, against the whole stack
(as `make run` starts it): the page lists the error by row and column, in Vietnamese, and nothing
changes — the FAQ export read through the API afterwards has the same cells, and the good
row of the same file was not applied either. Screenshot: var/screenshots/staff-transfer.png."""

from __future__ import annotations

import pytest

from app.staff import texts
from knowledge.sheets import read_table, write_table
from tests.pages import needs_chromium
from tests.staff.test_console_browser import CONTRAST
from tests.staff.test_procedures_browser import add_editor, shoot, sign_in

pytestmark = [needs_chromium, pytest.mark.rasa]
GOOD = "dang-ky-khai-sinh/le-phi"
BAD = "tach-ho/dieu-kien"


def test_an_import_with_one_bad_row_shows_the_error_and_changes_nothing(stack, browser, tmp_path):
    from playwright.sync_api import expect

    add_editor(stack, "bientap-nhapxuat")
    base = f"http://127.0.0.1:{stack.settings.app_port}"
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    page = context.new_page()
    try:
        sign_in(page, base, "bientap-nhapxuat", "/staff/transfer")
        expect(page.get_by_role("heading", name="Nhập/xuất nội dung")).to_be_visible()
        exported = page.request.get(f"{base}/api/staff/export/faq.xlsx")
        assert exported.ok
        original = exported.body()

        header, rows = read_table(original, "xlsx")
        table = [[record.get(name) for name in header] for _, record in rows]
        bad_row = None
        for (number, record), cells in zip(rows, table, strict=True):
            if record["id"] == GOOD:
                cells[header.index("answer")] = "Câu trả lời mới (không được áp dụng)."
            if record["id"] == BAD:
                cells[header.index("valid_until")] = "31/13/2026"
                bad_row = number
        sheet = tmp_path / "hoi-dap.xlsx"
        sheet.write_bytes(write_table(header, table, "xlsx", "FAQ"))

        page.get_by_label("Tệp .xlsx hoặc .csv (hỏi đáp)").set_input_files(str(sheet))
        page.get_by_role("button", name="Kiểm tra tệp").first.click()
        expect(page.get_by_role("alert")).to_have_text(texts.TRANSFER_INVALID.format(count=1))
        errors = page.locator("table.import-errors tbody tr")
        expect(errors).to_have_count(1)
        expect(errors.first).to_contain_text(str(bad_row))
        expect(errors.first).to_contain_text("valid_until")
        expect(errors.first).to_contain_text("Ngày không hợp lệ")
        expect(page.get_by_role("button", name="Áp dụng")).to_have_count(0)
        assert page.evaluate(CONTRAST) == [], "WCAG AA contrast"
        shoot(page, "transfer")

        # Nothing changed: the export is the same, the good row was not applied either.
        again = page.request.get(f"{base}/api/staff/export/faq.xlsx").body()
        assert read_table(again, "xlsx") == read_table(original, "xlsx")
        csv = page.request.get(f"{base}/api/staff/export/faq.csv").body().decode("utf-8-sig")
        assert "Câu trả lời mới (không được áp dụng)." not in csv
    finally:
        context.close()
