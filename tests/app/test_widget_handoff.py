"""The web widget while a person is asked for (the handoff), in Debian's headless Chromium against
the real stack: the handoff bar, and the long poll of GET /api/updates only while a handoff is open
(reload, cancel). The agent's side and the agent's messages in the widget:
tests/handoff/test_handoff_browser.py."""

from __future__ import annotations

from playwright.sync_api import expect

from app import texts
from tests.app.widget_browsing import BAR, BOT, WIDGET, UpdateCalls, open_widget, say
from tests.pages import needs_chromium


@needs_chromium
def test_the_widget_long_polls_only_while_a_handoff_is_open(desktop):
    page = desktop.page
    calls = UpdateCalls(page)
    page.goto(f"{desktop.base}/demo")
    open_widget(page)
    say(page, "xin chao")
    assert calls.made == []  # no handoff: no poll, and no extra call after a message
    # Nobody is on duty in this stack: the request is kept for later, which is an open handoff.
    say(page, "cho tôi gặp cán bộ")
    expect(page.locator(BAR)).to_contain_text("Câu hỏi của anh/chị đã được giữ lại")
    calls.wait(lambda: len(calls.polls()) == 1 and len(calls.open) == 1)

    # Reopened later (a reload): the first call tells the state, the poll goes on from its cursor.
    page.reload()
    expect(page.locator(f"{WIDGET} [role=dialog]")).to_be_visible()
    expect(page.locator(BAR)).to_contain_text("Câu hỏi của anh/chị đã được giữ lại")
    calls.wait(lambda: len(calls.polls()) == 2 and len(calls.open) == 1)
    assert [url for url in calls.made if "after=" not in url] == [calls.made[0], calls.made[2]]

    # Cancelled: the bar goes, the held poll is dropped and nothing more is asked.
    replies = page.locator(BOT).count()
    page.locator(BAR).get_by_role("button", name=texts.HANDOFF_CANCEL).click()
    expect(page.locator(BOT)).not_to_have_count(replies)
    expect(page.locator(BOT).last).to_contain_text(texts.HANDOFF_CANCELLED)
    expect(page.locator(BAR)).to_be_hidden()
    calls.wait(lambda: not calls.open)
    made = len(calls.made)
    say(page, "xin chao")
    page.wait_for_timeout(500)
    assert len(calls.made) == made
