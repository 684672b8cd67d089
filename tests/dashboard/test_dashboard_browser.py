"""“Thống kê” in Debian's Chromium: the charts are drawn (canvases present and not blank), the
filters change the figures, the CSV link carries them; the seeded figures of conftest.py on the
seed's knowledge base (titles), the app's own server with its clock pinned at 3/12/2026 10:00.
Screenshot: var/screenshots/dashboard.png."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date

import pytest

from app.main import create_app
from app.runner import free_port
from knowledge.search import Calibration, SearchService
from knowledge.store import Store
from tests.dashboard.conftest import NOW, seed
from tests.pages import needs_chromium, serve_app
from tests.staff.conftest import PASSWORD, Clock, seeded_file, staff_settings  # noqa: F401 (fixture)
from tests.staff.test_console_browser import CONTRAST
from tests.staff.test_procedures_browser import SCREENSHOTS

pytestmark = needs_chromium

# Non-blank: some pixel of the canvas is not transparent.
DRAWN = """(id) => {
  const canvas = document.getElementById(id);
  if (!canvas || canvas.width === 0 || canvas.height === 0) return false;
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) return true; }
  return false;
}"""
CHARTS = ["chart-conversations", "chart-rates", "chart-walkthroughs", "chart-handoffs", "chart-satisfaction"]


@pytest.fixture
def served(tmp_path, seeded_file) -> Iterator[str]:  # noqa: F811
    shutil.copy(seeded_file, tmp_path / "knowledge.db")
    store = Store(f"sqlite:///{tmp_path / 'knowledge.db'}")
    knowledge = SearchService(store, None, tmp_path / "index", today=lambda: date(2026, 12, 3))
    knowledge.open()
    knowledge.calibration = Calibration(dense_weight=0.0, threshold=0.5)
    clock = Clock()
    clock.now = NOW
    settings = staff_settings(tmp_path / "var", app_port=free_port())
    app = create_app(settings, knowledge=knowledge, clock=clock)
    app.state.staff.accounts.create("xem-thongke", PASSWORD, "viewer")
    seed(app.state.activity)
    try:
        with serve_app(app, settings) as base:
            yield base
    finally:
        store.close()


def test_the_dashboard_draws_its_charts_and_applies_the_filters(served, browser):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "response",
        lambda response: (
            errors.append(response.url)
            if response.status >= 400 and not response.url.endswith("/favicon.ico")
            else None
        ),
    )
    try:
        page.goto(f"{served}/staff/login")
        page.get_by_label("Tên đăng nhập").fill("xem-thongke")
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.get_by_role("navigation").get_by_role("link", name="Thống kê").click()
        expect(page.get_by_role("heading", name="Thống kê", exact=True)).to_be_visible()

        page.get_by_label("Từ ngày").fill("2026-12-01")
        page.get_by_label("Đến ngày").fill("2026-12-03")
        page.get_by_role("button", name="Xem").click()
        expect(page.locator("#dashboard-charts")).to_have_attribute("data-drawn", "true")
        expect(page.locator("#total-conversations")).to_have_text("7")
        expect(page.locator("#total-containment")).to_have_text("42.9%")
        walks = page.locator("#walkthroughs")
        expect(walks).to_contain_text("Đăng ký kết hôn")  # the title from the knowledge base
        expect(walks.locator('tr[data-procedure="dang-ky-ket-hon"]')).to_contain_text("bước 2: 1")
        for chart in CHARTS:
            assert page.evaluate(DRAWN, chart), f"{chart} is blank"
        assert page.evaluate(CONTRAST) == [], "WCAG AA contrast"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)

        page.get_by_label("Kênh", exact=True).select_option("tg")
        page.get_by_label("Xem theo").select_option("week")
        page.get_by_role("button", name="Xem").click()
        expect(page.locator("#total-conversations")).to_have_text("2")
        expect(page.locator("#dashboard-charts")).to_have_attribute("data-drawn", "true")
        assert page.evaluate(DRAWN, "chart-conversations")
        assert "channel=tg" in page.locator("#dashboard-csv").get_attribute("href")
        assert "period=week" in page.url
        assert errors == []
    finally:
        context.close()
