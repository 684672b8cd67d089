"""The alert line and the outbox page in Debian's headless Chromium against a real app server
(uvicorn in this process, the Telegram fake failing then succeeding): an agent signs in, reads the
alert that Telegram is degraded, opens the outbox from it, retries every Telegram reply and sees
them leave. Screenshot: var/screenshots/outbox.png."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.channel_health import DEGRADED_AFTER
from app.main import create_app
from app.staff import texts
from tests.metrics.conftest import metrics_settings
from tests.metrics.test_channel_health import ScriptedBotApi, telegram_settings
from tests.pages import needs_chromium, serve_app
from tests.staff.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
expect.set_options(timeout=15_000)

pytestmark = needs_chromium


@pytest.fixture
def bot_api() -> Iterator[ScriptedBotApi]:
    fake = ScriptedBotApi().start()
    yield fake
    fake.stop()


@pytest.fixture
def served(tmp_path, bot_api) -> Iterator[str]:
    settings = metrics_settings(tmp_path, **telegram_settings(bot_api))
    app = create_app(settings, open_knowledge_base=False)
    with serve_app(app, settings) as base:
        app.state.staff.accounts.create("dai", PASSWORD, "agent")
        outbox = app.state.stores.outbox
        for chat, text in (
            ("7001", "Anh/chị cần CCCD số 079088001234"),
            ("7001", "Bước 2"),
            ("7002", "Chào anh/chị"),
        ):
            outbox.record("tg", chat, [text], "unavailable: TimedOut('Timed out')")
        assert len(outbox.unsent("tg")) >= DEGRADED_AFTER
        yield base


@pytest.fixture
def page(browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    yield context.new_page()
    context.close()


def test_the_alert_line_leads_to_the_outbox_where_an_agent_retries(page, served, bot_api):
    page.goto(f"{served}/staff/login")
    page.get_by_label("Tên đăng nhập").fill("dai")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Kênh Telegram hoạt động không ổn định từ")
    expect(alert).to_contain_text("3 tin trả lời chưa gửi được trong 1 giờ qua")
    expect(page.locator('.channel-state[data-channel="telegram"]')).to_contain_text("Hoạt động không ổn định")

    alert.get_by_role("link", name="Tin chưa gửi được").click()
    expect(page.get_by_role("heading", name=texts.OUTBOX_TITLE)).to_be_visible()
    expect(page.locator(".outbox-item")).to_have_count(3)
    expect(page.locator(".outbox-item").first).to_contain_text("***34")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "outbox.png"), full_page=True)

    page.get_by_role("button", name="Gửi lại tất cả tin Telegram").click()
    expect(page.get_by_role("status").first).to_contain_text(texts.OUTBOX_RETRIED.format(sent=3, failed=0))
    expect(page.locator(".outbox-item")).to_have_count(0)
    expect(page.locator(".channel-alerts")).to_have_count(0)
    assert [call["text"] for call in bot_api.sent()] == [
        "Anh/chị cần CCCD số ***34",
        "Bước 2",
        "Chào anh/chị",
    ]
