""" "Cần rà soát" in Debian's Chromium with the app's clock pinned to 4/12/2026.

The stack that `make run` starts reads the real date and has no setting to pin it, so this test
serves the app itself (the app's own server, ``app.server``'s protocol, as
``test_console_browser.py`` does) on the seed's knowledge base with a clock fixed at 4/12/2026:
the page lists the fee halvings ending on 31/12/2026, whatever the real date is (it keeps passing
after 1/1/2027). One click marks an overdue procedure reviewed; the home page shows the count.
Screenshot: var/screenshots/staff-review.png; WCAG AA contrast.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from app.main import create_app
from app.runner import free_port
from app.staff import texts
from knowledge.search import SearchService
from tests.pages import needs_chromium, serve_app
from tests.staff.conftest import PASSWORD, Clock, staff_settings
from tests.staff.test_console_browser import CONTRAST
from tests.staff.test_procedures_browser import shoot

pytestmark = needs_chromium
OVERDUE = "dang-ky-ket-hon"


@pytest.fixture
def served(tmp_path, knowledge) -> Iterator[tuple[str, object, SearchService]]:
    """The app on the seed's knowledge base (conftest.py's, read on 4/12/2026) with its clock there."""
    topic = knowledge.store.topic(OVERDUE)
    knowledge.put_topic(topic.model_copy(update={"reviewed": date(2026, 5, 1)}), author="kiem-thu")
    clock = Clock()
    clock.now = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
    settings = staff_settings(tmp_path / "var", app_port=free_port())
    app = create_app(settings, knowledge=knowledge, clock=clock)
    app.state.staff.accounts.create("bientap-rasoat", PASSWORD, "editor")
    with serve_app(app, settings) as base:
        yield base, app, knowledge


def test_the_review_page_lists_the_31_12_2026_items_and_marks_one_reviewed(served, browser):
    from playwright.sync_api import expect

    base, _, knowledge = served
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    page = context.new_page()
    try:
        page.goto(f"{base}/staff/login")
        page.get_by_label("Tên đăng nhập").fill("bientap-rasoat")
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        count = page.get_by_role("link", name=re.compile(f"^{texts.REVIEW_HOME}:"))
        expect(count).to_be_visible()
        listed = page.request.get(f"{base}/api/staff/review").json()["items"]
        expect(count).to_have_text(f"{texts.REVIEW_HOME}: {len(listed)}")
        count.click()

        expect(page.get_by_role("heading", name="Cần rà soát")).to_be_visible()
        expect(page.get_by_text("Hôm nay 04/12/2026", exact=False)).to_be_visible()
        ending = page.locator("tr.review-item", has=page.get_by_role("cell", name="31/12/2026", exact=True))
        expect(ending.filter(has_text="cap-the-can-cuoc")).to_have_count(4)  # 3 fees, 1 FAQ entry
        expect(ending.filter(has_text="cap-ho-chieu-pho-thong")).to_have_count(1)
        expect(ending.filter(has_text="dang-ky-thanh-lap-doanh-nghiep")).to_have_count(2)
        expect(ending.first).to_contain_text("Hết hiệu lực")
        overdue = page.locator(f'tr.review-item[data-id="{OVERDUE}"]')
        expect(overdue).to_contain_text("Đến hạn rà soát định kỳ")
        expect(overdue).to_contain_text("28/10/2026")
        assert page.evaluate(CONTRAST) == [], "WCAG AA contrast"
        shoot(page, "review")

        overdue.get_by_role("button", name=re.compile("^Đã rà soát")).focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("status")).to_have_text(texts.DONE["content_reviewed"])
        expect(page.locator(f'tr.review-item[data-id="{OVERDUE}"]')).to_have_count(0)
        assert knowledge.topic(OVERDUE).reviewed == date(2026, 12, 4)
        assert knowledge.store.topic_record(OVERDUE).reviewed_by == "bientap-rasoat"
    finally:
        context.close()
