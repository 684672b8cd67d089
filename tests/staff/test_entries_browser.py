"""The FAQ editor in Debian's Chromium against the whole stack (Rasa with the trained model and the app,
started as `make run` does): an editor changes an answer in the form and the chat (a web sender from
POST /api/session) answers with the new text; a revert in the history brings the old text back; two
pages saving the same entry end in a conflict shown in the second; a form posted without its CSRF token
gets 403. Screenshots: var/screenshots/staff-entries.png, staff-entry-edit.png, staff-entry-history.png,
staff-try.png; every page passes the WCAG AA contrast check."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from app.database import Database
from app.staff import texts
from app.staff.accounts import Accounts
from tests.pages import needs_chromium
from tests.staff.conftest import PASSWORD
from tests.staff.test_console_browser import CONTRAST

pytestmark = [needs_chromium, pytest.mark.rasa]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
ENTRY = "tach-ho/dieu-kien"  # the chat answers its question from this entry directly (probed below)
QUESTION = "Điều kiện để tách hộ là gì?"
EDITOR = "bientap-entries"


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert page.evaluate(CONTRAST) == [], f"WCAG AA contrast on {name}"
    page.screenshot(path=str(SCREENSHOTS / f"staff-{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def editor(stack) -> str:
    database = Database(stack.settings.app_db, stack.settings.app_secret_key)
    Accounts(database, lambda: datetime.now(UTC)).create(EDITOR, PASSWORD, "editor")
    database.close()
    return EDITOR


def test_an_answer_edited_in_the_browser_is_what_the_chat_says_and_a_revert_brings_the_old_one_back(
    stack, api, new_sender, browser, editor
):
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)
    base = f"http://127.0.0.1:{stack.settings.app_port}"

    def chat(text: str) -> str:
        response = api.post("/api/chat", json={"sender": new_sender(), "text": text})
        assert response.status_code == 200, response.text
        return "\n".join(message.get("text") or "" for message in response.json()["messages"])

    with httpx.Client(base_url=base, timeout=30) as script:
        script.post("/api/staff/session", json={"username": editor, "password": PASSWORD}).raise_for_status()
        original = script.get(f"/api/staff/entries/{ENTRY}").json()
    first_sentence = original["answer"].split(";")[0]
    assert first_sentence in chat(QUESTION), "the chat answers this question from the entry"
    new_answer = "Anh/chị tách hộ được khi chủ hộ đồng ý và chỗ ở hợp pháp — nội dung sửa trong trình duyệt."

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{base}/staff/login?next=/staff/entries")
    page.get_by_label("Tên đăng nhập").fill(editor)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Nội dung hỏi đáp")).to_be_visible()
    page.get_by_label("Tìm (câu hỏi, cách hỏi, câu trả lời, mã)").fill("tach ho")
    page.get_by_label("Loại").select_option("faq")
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(page.locator("table.entries")).to_contain_text(ENTRY)
    shoot(page, "entries")

    page.get_by_role("link", name=QUESTION, exact=True).click()
    expect(page).to_have_url(f"{base}/staff/entries/{ENTRY}/edit")
    page.get_by_label("Câu trả lời", exact=True).fill(new_answer)
    page.get_by_role("button", name="Xem trước câu trả lời").click()
    expect(page.locator("#preview .bubble")).to_contain_text(new_answer)
    assert first_sentence in chat(QUESTION), "a preview saves nothing"
    shoot(page, "entry-edit")
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.get_by_role("status")).to_have_text(texts.DONE["entry_saved"])
    reply = chat(QUESTION)
    assert new_answer in reply and "Nguồn:" in reply, reply

    page.get_by_role("link", name="Lịch sử các phiên bản").click()
    saved_version = original["version"] + 1
    page.get_by_role("link", name=f"So sánh với bản hiện tại (phiên bản {original['version']})").click()
    expect(page.locator("#diff del").first).to_be_visible()
    expect(page.locator("#diff ins").first).to_be_visible()
    expect(page.locator(f"#version-{saved_version}")).to_contain_text(editor)
    shoot(page, "entry-history")
    page.get_by_role("button", name=f"Quay về phiên bản {original['version']}").click()
    expect(page.get_by_role("status")).to_have_text(texts.DONE["entry_reverted"])
    reply = chat(QUESTION)
    assert first_sentence in reply and new_answer not in reply, reply

    # Two pages open on the same entry, both save: the second is told, nothing is overwritten.
    other = context.new_page()
    for opened in (page, other):
        opened.goto(f"{base}/staff/entries/{ENTRY}/edit")
    page.get_by_label("Câu trả lời", exact=True).fill(new_answer)
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.get_by_role("status")).to_have_text(texts.DONE["entry_saved"])
    other.get_by_label("Câu trả lời", exact=True).fill("Bản của người thứ hai, viết cùng lúc.")
    with other.expect_response(f"{base}/staff/entries/{ENTRY}/edit") as posted:
        other.get_by_role("button", name="Lưu", exact=True).click()
    assert posted.value.status == 409
    current = saved_version + 2
    expect(other.get_by_role("alert")).to_contain_text(texts.ENTRY_CONFLICT.format(current=current))
    expect(other.get_by_label("Câu trả lời", exact=True)).to_have_value(
        "Bản của người thứ hai, viết cùng lúc."
    )
    assert new_answer in chat(QUESTION), "the first save stands"
    other.get_by_role("link", name=texts.ENTRY_CONFLICT_LINK.format(current=current)).click()
    expect(other.get_by_label("Câu trả lời", exact=True)).to_have_value(new_answer)

    # A form posted without its CSRF token is refused.
    other.locator("form.card input[name=csrf]").evaluate("field => field.remove()")
    other.get_by_label("Câu trả lời", exact=True).fill(original["answer"])
    with other.expect_response(f"{base}/staff/entries/{ENTRY}/edit") as posted:
        other.get_by_role("button", name="Lưu", exact=True).click()
    assert posted.value.status == 403
    expect(other.get_by_role("alert")).to_have_text(texts.CSRF_FAILED)
    assert new_answer in chat(QUESTION)

    # Back to the original text (other tests share this stack), then "Thử câu hỏi".
    page.goto(f"{base}/staff/entries/{ENTRY}/edit")
    page.get_by_label("Câu trả lời", exact=True).fill(original["answer"])
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.get_by_role("status")).to_have_text(texts.DONE["entry_saved"])
    assert first_sentence in chat(QUESTION)

    page.get_by_role("navigation", name="Các trang quản trị").get_by_role("link", name="Thử câu hỏi").click()
    page.get_by_label("Câu hỏi", exact=True).fill("dieu kien tach ho khau")
    page.keyboard.press("Enter")
    expect(page.locator("#verdict")).to_contain_text(ENTRY)
    expect(page.locator("table.scores tbody tr").first).to_contain_text(ENTRY)
    assert re.search(r"Trợ lý (trả lời chắc chắn|chưa chắc chắn)", page.locator("#verdict h2").inner_text())
    shoot(page, "try")
    context.close()
