"""The embeddable web widget in Debian's headless Chromium against the real stack, as the widget's
browser tests share it (tests/app/test_widget.py, test_widget_session.py, test_widget_handoff.py;
the fixtures `desktop` and `phone` in tests/conftest.py): the selectors that reach inside the
widget, a browser context that fails the test on an uncaught error, talking to the bot, watching
the long poll of GET /api/updates, and what the page stores and shows."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import expect

from app import texts

ROOT = Path(__file__).resolve().parents[2]
WIDGET_JS = ROOT / "app" / "static" / "widget.js"
CHAT_JS = ROOT / "app" / "static" / "chat.js"
SCREENSHOTS = ROOT / "var" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
REPLY_TIMEOUT = 30_000  # ms; Rasa answers in well under a second once loaded
expect.set_options(timeout=REPLY_TIMEOUT)


# Playwright's CSS engine pierces open shadow roots: these reach inside the widget.
WIDGET = "dvc-chat-widget"
BOT = f"{WIDGET} .msg.bot:not(.typing)"
USER = f"{WIDGET} .msg.user"
NOTICE = f"{WIDGET} .notice"
INFO = f"{WIDGET} .info"
BAR = f"{WIDGET} .handoff"
EXPIRED = "Cuộc trò chuyện trước đã hết hạn. Đã bắt đầu cuộc trò chuyện mới."


@dataclass
class Browsing:
    """A page plus what it reported: JavaScript dialogs and uncaught errors."""

    page: object
    base: str
    stack: object
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@contextmanager
def browse(browser, stack, viewport: dict[str, int], init_script: str | None = None) -> Iterator[Browsing]:
    context = browser.new_context(viewport=viewport, locale="vi-VN")
    context.set_default_timeout(REPLY_TIMEOUT)
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    seen = Browsing(page=page, base=f"http://127.0.0.1:{stack.settings.app_port}", stack=stack)

    def on_dialog(dialog) -> None:
        seen.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    try:
        yield seen
    finally:
        context.close()
    assert seen.errors == []


def open_widget(page) -> None:
    page.get_by_role("button", name="Hỏi trợ lý").click()
    expect(page.locator(f"{WIDGET} [role=dialog]")).to_be_visible()
    expect(page.locator(BOT).first).to_contain_text("Xin chào")  # greeting with the main menu


def say(page, text: str) -> None:
    """Type a message and send it with Enter; wait until the bot answered."""
    replies, sent = page.locator(BOT).count(), page.locator(USER).count()
    box = page.get_by_role("textbox", name="Tin nhắn gửi trợ lý")
    box.fill(text)
    box.press("Enter")
    expect(page.locator(USER)).to_have_count(sent + 1)
    expect(box).to_have_value("")
    expect(page.locator(BOT)).not_to_have_count(replies)
    expect(page.locator(f"{WIDGET} .typing")).to_have_count(0)


class UpdateCalls:
    """The page's calls of GET /api/updates: all of them, and those still open (a held poll)."""

    def __init__(self, page) -> None:
        self.page = page
        self.made: list[str] = []
        self.open: list[object] = []
        page.on("request", self._started)
        page.on("requestfinished", self._ended)
        page.on("requestfailed", self._ended)

    def _started(self, request) -> None:
        if "/api/updates" in request.url:
            self.made.append(request.url)
            self.open.append(request)

    def _ended(self, request) -> None:
        if request in self.open:
            self.open.remove(request)

    def polls(self) -> list[str]:
        return [url for url in self.made if "after=" in url]

    def wait(self, condition, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, (self.made, self.open)
            self.page.wait_for_timeout(50)  # lets the page's network events through


# --- what the page stores and shows -----------------------------------------------------------

KEY = "dvc-widget-session"  # localStorage: {sender, notice, idleHours, usedAt, activeAt}


def deep_focus(page) -> str:
    """A description of the focused element, looking inside the widget's shadow root."""
    return page.evaluate(
        """() => {
            let el = document.activeElement;
            while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
            return el ? (el.className || el.tagName.toLowerCase()) : "";
        }"""
    )


def notice_of(seen: Browsing) -> str:
    """The privacy notice the server sends with every new id."""
    return texts.privacy_notice(seen.stack.settings.data_retention_days)


def stored(page) -> dict | None:
    raw = page.evaluate(f"localStorage.getItem('{KEY}')")
    return json.loads(raw) if raw else None


def stored_sender(page) -> str | None:
    data = stored(page)
    return data["sender"] if data else None


def log_items(page) -> list[str]:
    """The kinds of what the panel's log shows, in order: notice, info, user, bot."""
    return page.evaluate(
        """() => [...document.querySelector('dvc-chat-widget').shadowRoot.querySelector('.log').children]
            .filter(el => !el.classList.contains('typing'))
            .map(el => ['notice', 'info', 'user', 'bot'].find(kind => el.classList.contains(kind)))"""
    )


def events_of(rasa_api, token: str, sender: str) -> list[dict]:
    """What the person and the bot said, as Rasa's tracker holds it."""
    tracker = rasa_api.get(f"/conversations/{sender}/tracker", params={"token": token})
    assert tracker.status_code == 200, tracker.text
    return [event for event in tracker.json()["events"] if event["event"] in ("user", "bot")]


def put_session(page, sender: str, used_ms_ago: int = 0, key: str = KEY) -> None:
    """Store a conversation id in the page's localStorage by hand, as the widget would."""
    record = {"sender": sender, "notice": "Thông báo cũ.", "idleHours": 24}
    page.evaluate(
        "([key, record, ago]) => localStorage.setItem(key, JSON.stringify("
        "{...record, usedAt: Date.now() - ago, activeAt: Date.now() - ago}))",
        [key, record, used_ms_ago],
    )
