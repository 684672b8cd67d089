"""A procedure's fee edited in the console's form, in Debian's Chromium, against the whole stack
(Rasa with the trained model and the app, as `make run` starts them): the bot's fee reply through
/api/chat carries the new text at once, no restart; the version is then reverted from the history
page and the old text returns. Screenshots: var/screenshots/staff-procedures.png and
staff-procedure-edit.png; WCAG AA contrast on both pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.database import Database
from app.staff import texts
from app.staff.accounts import Accounts
from tests.pages import needs_chromium
from tests.staff.conftest import PASSWORD
from tests.staff.test_console_browser import CONTRAST

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
SLUG = "dang-ky-khai-sinh"
MARK = "Lệ phí khai sinh đúng hạn: miễn (sửa trên trang quản trị lúc kiểm thử)."

pytestmark = [needs_chromium, pytest.mark.rasa]


def add_editor(stack, username: str) -> None:
    database = Database(stack.settings.app_db, stack.settings.app_secret_key)
    Accounts(database, lambda: datetime.now(UTC)).create(username, PASSWORD, "editor")
    database.close()


def sign_in(page, base: str, username: str, next_path: str) -> None:
    page.goto(f"{base}/staff/login?next={next_path}")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"staff-{name}.png"), full_page=True)


def test_a_fee_edited_in_the_form_is_what_the_chat_answers(stack, api, new_sender, browser):
    from playwright.sync_api import expect

    def fee_reply() -> str:
        sender = new_sender()
        for text in ("đăng ký khai sinh cần những giấy tờ gì", "lệ phí bao nhiêu"):
            response = api.post("/api/chat", json={"sender": sender, "text": text})
            assert response.status_code == 200, response.text
        return "\n".join(message.get("text") or "" for message in response.json()["messages"])

    before = fee_reply()
    assert before.startswith("Lệ phí thủ tục Đăng ký khai sinh") and MARK not in before

    add_editor(stack, "bientap-thutuc")
    base = f"http://127.0.0.1:{stack.settings.app_port}"
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    page = context.new_page()
    try:
        sign_in(page, base, "bientap-thutuc", "/staff/procedures")
        expect(page.get_by_role("heading", name="Thủ tục", exact=True)).to_be_visible()
        page.get_by_label("Tìm theo tên, tên gọi khác hoặc mã").fill("khai sinh")
        page.get_by_role("button", name="Lọc").click()
        row = page.locator(f"#procedure-{SLUG}")
        expect(row).to_contain_text("Đăng ký khai sinh")
        assert page.evaluate(CONTRAST) == [], "WCAG AA contrast (list)"
        shoot(page, "procedures")

        row.get_by_role("link", name=re.compile("^Sửa")).click()
        expect(page.get_by_role("heading", name="Đăng ký khai sinh")).to_be_visible()
        fee = page.get_by_label("Nội dung khoản 1", exact=True)
        old_fee = fee.input_value()
        fee.fill(MARK)
        assert page.evaluate(CONTRAST) == [], "WCAG AA contrast (edit)"
        shoot(page, "procedure-edit")
        page.get_by_role("button", name="Lưu").first.click()
        expect(page.get_by_role("status")).to_have_text(texts.DONE["procedure_saved"])

        assert MARK in fee_reply()  # live for the actions, no restart, no retraining

        page.goto(f"{base}/staff/procedures/{SLUG}/history")
        newest = page.locator("section.version").first
        expect(newest.locator(".add")).to_contain_text(MARK)
        page.locator("section.version").nth(1).get_by_role("button", name=re.compile("^Khôi phục")).click()
        expect(page.get_by_role("status")).to_have_text(texts.DONE["procedure_reverted"])
        current = page.request.get(f"{base}/api/staff/procedures/{SLUG}").json()
        assert current["data"]["fees"][0]["text"] == old_fee
    finally:
        context.close()
    after = fee_reply()
    assert MARK not in after and after == before
