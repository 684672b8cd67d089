"""A person takes over, in two real browsers (Debian's headless Chromium) against the real stack
(Rasa with the trained model + the app, started as `make run` does, HANDOFF_HOURS=always so the
test does not depend on the clock): the citizen's widget on the demo portal and the agent's
console "Hỗ trợ trực tiếp".

An editor adds a canned reply; the agent goes on duty; the citizen walks to step 1 of a
procedure and asks for a person → the agent sees the conversation arrive live (notice and page
title) and claims it → the agent's reply (a canned one, and one with markup, shown as text)
appears in the widget as "Cán bộ hỗ trợ" → the citizen's reply appears in the console and the bot
stays silent → a reload of the widget keeps every message and the handoff bar → the agent hands
back at step 2 → the bot continues at step 2 in the widget, which then stops long-polling.
Screenshots of the agent console and of the widget during the handoff go to
var/screenshots/handoff-*.png (console-arrival, console, widget, widget-reloaded).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app import texts
from app.clock import utc_now
from app.database import Database
from app.runner import running_stack
from app.staff.accounts import Accounts
from tests.app.widget_browsing import BAR, BOT, USER, WIDGET, UpdateCalls
from tests.pages import needs_chromium
from tests.staff.test_console_browser import CONTRAST

pytestmark = [needs_chromium, pytest.mark.rasa]

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
PASSWORD = "Mật khẩu đủ dài 2026"
DESKTOP = {"width": 1280, "height": 800}
CONSOLE = {"width": 1400, "height": 1000}
TIMEOUT = 30_000  # ms; Rasa answers in well under a second once loaded
expect.set_options(timeout=TIMEOUT)

AGENT = f"{WIDGET} .msg.agent"
CANNED_TITLE = "Chào hỏi"
CANNED_TEXT = "Chào anh/chị, tôi là cán bộ Trung tâm, tôi xem hồ sơ của anh/chị ngay."
MARKUP = "<b>Ảnh</b> cần rõ cả bốn góc <img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The stack of this module: agents take over at any hour; its accounts in its app database."""
    with running_stack(tmp_path_factory.mktemp("handoff-var"), handoff_hours="always") as running:
        database = Database(running.settings.app_db, running.settings.app_secret_key)
        accounts = Accounts(database, utc_now)
        accounts.create("tuvan", PASSWORD, "agent")
        accounts.create("bientap", PASSWORD, "editor")
        database.close()
        yield running


@pytest.fixture
def base(stack) -> str:
    return f"http://127.0.0.1:{stack.settings.app_port}"


@pytest.fixture
def pages(browser) -> Iterator[Callable[[dict[str, int]], Page]]:
    """``pages(viewport)``: a page in a browser context of its own (own cookies and storage); any
    JavaScript error or dialog in any of them fails the test."""
    contexts, errors = [], []

    def make(viewport: dict[str, int]) -> Page:
        context = browser.new_context(viewport=viewport, locale="vi-VN")
        context.set_default_timeout(TIMEOUT)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("dialog", lambda dialog: (errors.append("dialog: " + dialog.message), dialog.dismiss()))
        return page

    yield make
    for context in contexts:
        context.close()
    assert errors == []


def sign_in(page: Page, base: str, username: str, target: str) -> None:
    page.goto(f"{base}{target}")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(f"{base}{target}")


def say(page: Page, text: str, *, answered: bool = True) -> None:
    """Type a message in the widget and send it; wait for the bot's answer when one is due."""
    replies, sent = page.locator(BOT).count(), page.locator(USER).count()
    box = page.get_by_role("textbox", name="Tin nhắn gửi trợ lý")
    box.fill(text)
    box.press("Enter")
    expect(page.locator(USER)).to_have_count(sent + 1)
    if answered:
        expect(page.locator(BOT)).not_to_have_count(replies)
    expect(page.locator(f"{WIDGET} .typing")).to_have_count(0)


def last_bot(page: Page) -> str:
    return page.locator(BOT).last.inner_text()


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"handoff-{name}.png"), full_page=True)


def test_the_agent_takes_over_in_the_console_and_hands_back_at_a_step(pages, base, stack):
    # An editor adds a canned reply on its page.
    editor = pages(CONSOLE)
    sign_in(editor, base, "bientap", "/staff/canned")
    editor.get_by_label("Tên ngắn").fill(CANNED_TITLE)
    editor.get_by_label("Nội dung").fill(CANNED_TEXT)
    editor.get_by_role("button", name="Thêm").click()
    expect(editor.get_by_role("status")).to_have_text("Đã thêm câu trả lời mẫu.")
    expect(editor.locator("#canned-list li")).to_have_count(1)
    expect(editor.locator("#canned-list")).to_contain_text(CANNED_TEXT)

    # The agent opens "Hỗ trợ trực tiếp" and goes on duty.
    agent = pages(CONSOLE)
    sign_in(agent, base, "tuvan", "/staff/handoffs")
    expect(agent).to_have_title("Hỗ trợ trực tiếp · Quản trị Trợ lý Dịch vụ công")
    duty = agent.get_by_role("switch", name="Đang trực")
    expect(duty).to_have_attribute("aria-checked", "false")
    duty.click()
    expect(duty).to_have_attribute("aria-checked", "true")
    expect(agent.locator("#connection")).to_have_text("Đang cập nhật trực tiếp.")
    expect(agent.locator("#count-waiting")).to_have_text("0")

    # The citizen walks to step 1 of "Đăng ký khai sinh" in the widget, then asks for a person.
    citizen = pages(DESKTOP)
    calls = UpdateCalls(citizen)
    citizen.goto(f"{base}/demo")
    citizen.get_by_role("button", name="Hỏi trợ lý").click()
    expect(citizen.locator(BOT).first).to_contain_text("Xin chào")
    say(citizen, "tôi muốn làm giấy khai sinh cho con online")
    say(citizen, "đúng rồi")
    say(citizen, "có rồi")
    say(citizen, "số 5 Lê Duẩn, phường Bến Nghé, quận 1, TP Hồ Chí Minh")
    say(citizen, "bắt đầu")
    total = int(re.search(r"Bước 1/(\d+)", last_bot(citizen)).group(1))
    say(citizen, "Gặp cán bộ")
    expect(citizen.locator(BOT).last).to_contain_text("Anh/chị là người tiếp theo")
    expect(citizen.locator(BAR)).to_have_text(re.compile("anh/chị là người tiếp theo"))
    expect(citizen.locator(BAR).get_by_role("button", name=texts.HANDOFF_CANCEL)).to_be_visible()

    # The console learns of it live: a notice, the title's count, the queue.
    expect(agent.locator("#arrival")).to_have_text("Có người dân mới đang chờ cán bộ hỗ trợ")
    expect(agent).to_have_title(re.compile(r"^\(1\) Hỗ trợ trực tiếp"))
    expect(agent.locator("#count-waiting")).to_have_text("1")
    waiting = agent.locator("#list-waiting .queue-item")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text("Trang web")
    expect(waiting).to_contain_text("Người dân xin gặp cán bộ")
    shoot(agent, "console-arrival")
    waiting.click()
    expect(agent.locator("#transcript")).to_contain_text("Gặp cán bộ")
    expect(agent.locator("#transcript")).to_contain_text("Bước 1/")
    expect(agent.locator("#slot-step")).to_have_text(f"Bước 1 / {total}")
    expect(agent.locator("#slot-procedure")).not_to_have_text("Chưa chọn thủ tục")
    expect(agent.locator("#slot-address")).not_to_have_text("—")

    # The agent claims it; the citizen reads that a person has it.
    agent.get_by_role("button", name="Nhận hỗ trợ cuộc trò chuyện này").click()
    expect(agent.locator("#held-note")).to_have_text("Anh/chị đang hỗ trợ cuộc trò chuyện này.")
    expect(agent.get_by_role("button", name="Nhận hỗ trợ cuộc trò chuyện này")).to_be_hidden()
    assert agent.evaluate(CONTRAST) == []  # WCAG AA for every text of the page
    expect(agent.locator("#count-mine")).to_have_text("1")
    expect(agent.locator("#count-waiting")).to_have_text("0")
    expect(agent).to_have_title("Hỗ trợ trực tiếp · Quản trị Trợ lý Dịch vụ công")
    expect(citizen.locator(BOT).last).to_have_text(re.compile(re.escape(texts.HANDOFF_CLAIMED)))
    expect(citizen.locator(BAR)).to_contain_text("Cán bộ hỗ trợ đang trò chuyện với anh/chị")

    # A canned reply, inserted and sent; then one with markup: both reach the widget as text.
    agent.get_by_label("Câu trả lời mẫu").select_option(label=CANNED_TITLE)
    agent.get_by_role("button", name="Chèn vào ô trả lời").click()
    expect(agent.get_by_label("Trả lời người dân")).to_have_value(CANNED_TEXT)
    agent.get_by_role("button", name="Gửi", exact=True).click()
    expect(citizen.locator(AGENT)).to_have_count(1)
    expect(citizen.locator(AGENT).first).to_contain_text("Cán bộ hỗ trợ")
    expect(citizen.locator(AGENT).first.locator(".bubble")).to_contain_text(CANNED_TEXT)
    agent.get_by_label("Trả lời người dân").fill(MARKUP)
    agent.get_by_role("button", name="Gửi", exact=True).click()
    expect(citizen.locator(AGENT)).to_have_count(2)
    expect(citizen.locator(AGENT).last.locator(".bubble")).to_contain_text(MARKUP)
    assert citizen.locator(f"{WIDGET} .msg b, {WIDGET} .msg img").count() == 0
    expect(agent.locator("#transcript .line.agent")).to_have_count(2)
    assert agent.locator("#transcript b, #transcript img").count() == 0

    # The citizen answers: the agent reads it live, the bot says nothing.
    bot_replies = citizen.locator(BOT).count()
    say(citizen, "Tôi chưa tải được ảnh giấy chứng sinh lên", answered=False)
    expect(agent.locator("#transcript .line.user").last).to_have_text(
        re.compile("Tôi chưa tải được ảnh giấy chứng sinh lên")
    )
    citizen.wait_for_timeout(1000)
    assert citizen.locator(BOT).count() == bot_replies
    shoot(agent, "console")
    shoot(citizen, "widget")

    # A reload during the handoff keeps every message, the agent's ones included, and the bar.
    citizen.reload()
    expect(citizen.locator(f"{WIDGET} [role=dialog]")).to_be_visible()  # the panel stays open
    expect(citizen.locator(AGENT)).to_have_count(2)
    expect(citizen.locator(AGENT).first.locator(".bubble")).to_contain_text(CANNED_TEXT)
    expect(citizen.locator(USER).last).to_have_text(re.compile("Tôi chưa tải được ảnh giấy chứng sinh lên"))
    expect(citizen.locator(BAR)).to_contain_text("Cán bộ hỗ trợ đang trò chuyện với anh/chị")
    # … and still receives what the agent writes after it.
    agent.get_by_label("Trả lời người dân").fill("Anh/chị chụp lại ảnh ở nơi đủ sáng rồi tải lên nhé.")
    agent.get_by_role("button", name="Gửi", exact=True).click()
    expect(citizen.locator(AGENT)).to_have_count(3)
    shoot(citizen, "widget-reloaded")

    # The agent hands back at step 2: the bot continues there in the widget.
    steps = agent.get_by_label("Trả lại cho trợ lý, tiếp tục hướng dẫn từ bước")
    expect(steps.locator("option")).to_have_count(total)
    steps.select_option("2")
    agent.get_by_role("button", name="Tiếp tục hướng dẫn từ bước 2").click()
    expect(citizen.locator(BOT).last).to_contain_text(f"Bước 2/{total}")
    expect(citizen.locator(BAR)).to_be_hidden()
    calls.wait(lambda: not calls.open)  # the handoff is over: the widget polls no more
    expect(agent.locator("#count-mine")).to_have_text("0")
    expect(agent.locator("#held-note")).to_have_text("Cuộc hỗ trợ này đã kết thúc.")
    expect(agent.locator("#agent-tools")).to_be_hidden()
    # The bot has the conversation again: "tiếp" goes to step 3.
    say(citizen, "tiếp")
    expect(citizen.locator(BOT).last).to_contain_text(f"Bước 3/{total}")
