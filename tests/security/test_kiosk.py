"""The widget on a shared screen (the kiosk at the centre): the next person sees nothing of the last.

In Debian's headless Chromium against the real stack. A page on another origin (a small server
of the test's own) embeds the widget with ``data-kiosk data-kiosk-idle="3"``: the id lives in
sessionStorage and is created as a kiosk session; after 3 seconds without activity the id is
ended on the server, the panel is emptied and closed, and reopening it starts a new conversation.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from app import texts
from tests.pages import needs_chromium, serve_pages

TIMEOUT = 30_000  # ms
IDLE = 3  # seconds: data-kiosk-idle of the kiosk page
KEY = "dvc-widget-session"
WIDGET = "dvc-chat-widget"
BOT = f"{WIDGET} .msg.bot:not(.typing)"
USER = f"{WIDGET} .msg.user"
expect.set_options(timeout=TIMEOUT)

pytestmark = needs_chromium


def portal_page(stack, attributes: str) -> bytes:
    tag = f'<script src="http://127.0.0.1:{stack.settings.app_port}/widget.js" {attributes} async></script>'
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Quầy tự phục vụ</title></head>'
        f"<body><h1>Trung tâm Phục vụ hành chính công</h1>{tag}</body></html>"
    ).encode()


@pytest.fixture(scope="module")
def portal(stack) -> Iterator[str]:
    """Another origin serving the kiosk's page (/quay…) and an ordinary portal page (/thuong)."""
    pages = {"kiosk": portal_page(stack, f'data-kiosk data-kiosk-idle="{IDLE}"')}
    pages["ordinary"] = portal_page(stack, 'data-kiosk="false"')

    with serve_pages(lambda path: pages["ordinary" if path.startswith("/thuong") else "kiosk"]) as origin:
        yield origin


@pytest.fixture
def kiosk(browser, portal) -> Iterator[tuple[object, list[dict]]]:
    """A browser tab on the portal's origin, and the bodies of the POST /api/session it sent."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sessions: list[dict] = []
    page.on(
        "request",
        lambda request: (
            sessions.append(request.post_data_json)
            if request.method == "POST" and request.url.endswith("/api/session")
            else None
        ),
    )
    try:
        yield page, sessions
    finally:
        context.close()
    assert errors == []


def open_widget(page) -> None:
    page.get_by_role("button", name="Hỏi trợ lý").click()
    expect(page.locator(f"{WIDGET} [role=dialog]")).to_be_visible()
    expect(page.locator(BOT).first).to_contain_text("Xin chào")


def say(page, text: str) -> None:
    replies = page.locator(BOT).count()
    box = page.get_by_role("textbox", name="Tin nhắn gửi trợ lý")
    box.fill(text)
    box.press("Enter")
    expect(page.locator(BOT)).not_to_have_count(replies)
    expect(page.locator(f"{WIDGET} .typing")).to_have_count(0)


def kept(page, storage: str) -> dict | None:
    raw = page.evaluate(f"{storage}.getItem('{KEY}')")
    return json.loads(raw) if raw else None


def test_the_kiosk_forgets_the_conversation_when_idle(kiosk, portal, api, stack):
    page, sessions = kiosk
    page.goto(f"{portal}/quay-1")
    open_widget(page)
    notice = texts.privacy_notice(stack.settings.data_retention_days)
    expect(page.locator(f"{WIDGET} .notice")).to_have_text(notice)
    # The id lives in this tab only, and the server knows it is a kiosk's.
    sender = kept(page, "sessionStorage")["sender"]
    assert sender.startswith("web:")
    assert kept(page, "localStorage") is None
    assert sessions == [{"kiosk": True}]
    say(page, "cho tôi gặp cán bộ")
    expect(page.locator(BOT).last).to_contain_text("1800 1096")
    page.get_by_role("button", name="Chữ lớn").click()

    # Nobody touches the widget for longer than the idle time.
    panel = page.locator(f"{WIDGET} [role=dialog]")
    expect(panel).to_be_hidden(timeout=(IDLE + 10) * 1000)
    assert page.get_by_role("button", name="Hỏi trợ lý").get_attribute("aria-expanded") == "false"
    assert page.locator(f"{WIDGET} .log > *").count() == 0  # the panel's messages are gone
    assert kept(page, "sessionStorage") is None
    assert page.evaluate("sessionStorage.getItem('dvc-widget-open')") is None
    refused = api.get("/api/history", params={"sender": sender})
    assert refused.status_code == 401, refused.text  # the server no longer serves it

    # The next person opens the panel: a new conversation, nothing of the previous one.
    open_widget(page)
    expect(page.locator(USER)).to_have_count(0)
    expect(page.locator(BOT)).to_have_count(1)  # the greeting only
    assert "cho tôi gặp" not in page.locator(f"{WIDGET} .log").inner_text()
    assert page.get_by_role("button", name="Chữ lớn").get_attribute("aria-pressed") == "false"
    assert kept(page, "sessionStorage")["sender"] != sender
    assert sessions == [{"kiosk": True}, {"kiosk": True}]


def test_activity_keeps_the_kiosk_conversation(kiosk, portal):
    page, _ = kiosk
    page.goto(f"{portal}/quay-2")
    open_widget(page)
    sender = kept(page, "sessionStorage")["sender"]
    box = page.get_by_role("textbox", name="Tin nhắn gửi trợ lý")
    box.focus()
    for letter in "khai sinh":  # typing slowly, for longer than the idle time
        page.keyboard.type(letter)
        page.wait_for_timeout(600)
    expect(page.locator(f"{WIDGET} [role=dialog]")).to_be_visible()
    assert kept(page, "sessionStorage")["sender"] == sender
    assert box.input_value() != ""


def test_a_kiosk_page_opened_after_the_idle_time_ends_the_old_id(kiosk, portal, api, new_sender):
    page, _ = kiosk
    page.goto(f"{portal}/quay-3")
    sender = new_sender(kiosk=True)
    page.evaluate(
        """([key, sender, ago]) => sessionStorage.setItem(key, JSON.stringify(
            {sender, notice: "", idleHours: 24, usedAt: Date.now() - ago, activeAt: Date.now() - ago}))""",
        [KEY, sender, (IDLE + 5) * 1000],
    )
    page.reload()
    expect(page.get_by_role("button", name="Hỏi trợ lý")).to_be_visible()
    page.wait_for_function(f"sessionStorage.getItem('{KEY}') === null")
    for _ in range(50):  # ended on the server without anyone opening the panel
        if api.get("/api/history", params={"sender": sender}).status_code == 401:
            break
        page.wait_for_timeout(100)
    assert api.get("/api/history", params={"sender": sender}).status_code == 401


def test_data_kiosk_false_is_the_ordinary_widget(kiosk, portal):
    page, sessions = kiosk
    page.goto(f"{portal}/thuong")
    open_widget(page)
    assert kept(page, "localStorage")["sender"].startswith("web:")
    assert kept(page, "sessionStorage") is None
    assert sessions == [{"kiosk": False}]
