"""The web widget's conversation id in Debian's headless Chromium against the real stack (Rasa +
app): ids are issued by the server, replaced when unknown or idle, renewed when refused mid-
conversation (the message sent again); "Xóa cuộc trò chuyện" from the header and typed in the chat;
and the plain chat page at /, which uses the same issued ids. The widget's look and behaviour:
test_widget.py; what the browser tests share: widget_browsing.py."""

from __future__ import annotations

import json
import re
import uuid

from playwright.sync_api import expect

from app import texts
from tests.app.widget_browsing import (
    BOT,
    CHAT_JS,
    EXPIRED,
    INFO,
    NOTICE,
    SCREENSHOTS,
    USER,
    WIDGET,
    WIDGET_JS,
    UpdateCalls,
    deep_focus,
    events_of,
    log_items,
    notice_of,
    open_widget,
    put_session,
    say,
    stored,
    stored_sender,
)
from tests.pages import needs_chromium

ERASED_LINE = "Đã xóa toàn bộ cuộc trò chuyện trước trên máy chủ của Trung tâm."


def test_sender_format_matches_the_server():
    """The widget and the chat page accept the ids the server issues (both use its pattern)."""
    from app.sessions import WEB_SENDER

    for script in (WIDGET_JS, CHAT_JS):
        source = script.read_text(encoding="utf-8")
        assert WEB_SENDER.pattern.replace("$", "").replace("^", "") in source
        assert "randomUUID" not in source and "getRandomValues" not in source  # ids come from the server
    assert WEB_SENDER.match(f"web:{uuid.uuid4()}")


# --- server-issued ids, the privacy notice, erasing ---------------------------------------------


@needs_chromium
def test_an_unknown_id_in_storage_is_replaced_transparently(desktop, api):
    page = desktop.page
    page.goto(f"{desktop.base}/demo")
    made_up = f"web:{uuid.uuid4()}"  # e.g. one an older widget made up, or from another server
    put_session(page, made_up)
    page.evaluate(f"localStorage.setItem('dvc-widget-sender', '{made_up}')")  # the old key
    page.reload()
    page.get_by_role("button", name="Hỏi trợ lý").click()
    expect(page.locator(BOT).first).to_contain_text("Xin chào")
    expect(page.locator(INFO)).to_have_text(EXPIRED)
    assert log_items(page) == ["info", "notice", "bot"]
    expect(page.locator(NOTICE)).to_have_text(notice_of(desktop))
    new = stored_sender(page)
    assert new != made_up
    assert page.evaluate("localStorage.getItem('dvc-widget-sender')") is None
    say(page, "cho tôi gặp cán bộ")
    expect(page.locator(BOT).last).to_contain_text("1800 1096")  # the person's message is answered
    assert stored_sender(page) == new
    assert api.get("/api/history", params={"sender": new}).status_code == 200


@needs_chromium
def test_an_id_unused_for_idle_hours_is_dropped_without_asking_the_server(desktop, new_sender):
    page = desktop.page
    calls: list[str] = []
    page.on("request", lambda request: calls.append(f"{request.method} {request.url}"))
    page.goto(f"{desktop.base}/demo")
    old = new_sender()  # still valid on the server, but unused for longer than idle_hours here
    put_session(page, old, used_ms_ago=25 * 3600 * 1000)
    page.reload()
    open_widget(page)
    expect(page.locator(INFO)).to_have_text(EXPIRED)
    assert not [call for call in calls if old.replace(":", "%3A") in call or "/api/history" in call]
    assert f"POST {desktop.base}/api/session" in calls
    assert stored_sender(page) != old


@needs_chromium
def test_an_id_refused_mid_conversation_is_renewed_and_the_message_sent_again(desktop, api):
    page = desktop.page
    page.goto(f"{desktop.base}/demo")
    open_widget(page)
    say(page, "xin chao")
    old = stored_sender(page)
    # The server forgets the id (it expired while the panel was open).
    assert api.post("/api/session/end", json={"sender": old, "erase": False}).status_code == 200
    say(page, "cho tôi gặp cán bộ")
    expect(page.locator(BOT).last).to_contain_text("1800 1096")
    expect(page.locator(INFO)).to_have_text(EXPIRED)  # said once, in one line
    expect(page.locator(USER)).to_have_text(["Anh/chị: xin chao", "Anh/chị: cho tôi gặp cán bộ"])
    # The new notice before the re-sent message, then only the bot's reply: asking for a person is
    # answered in two messages (the bot's lead sentence, then the app's outcome of the handoff).
    items = log_items(page)
    resent = len(items) - 1 - items[::-1].index("user")
    assert items[resent - 2 : resent + 1] == ["info", "notice", "user"]
    assert items[resent + 1 :] == ["bot", "bot"]
    new = stored_sender(page)
    assert new != old
    users = [m["text"] for m in api.get("/api/history", params={"sender": new}).json()["messages"]]
    assert "cho tôi gặp cán bộ" in users  # sent once, on the new id


@needs_chromium
def test_erase_from_the_header_with_the_keyboard(desktop, api, rasa_api, token):
    page = desktop.page
    page.goto(f"{desktop.base}/demo")
    open_widget(page)
    say(page, "tôi muốn đăng ký khai sinh online")
    old = stored_sender(page)
    assert events_of(rasa_api, token, old)

    erase = page.get_by_role("button", name="Xóa cuộc trò chuyện")
    erase.focus()
    page.keyboard.press("Enter")
    confirm = page.get_by_role("group", name=re.compile("xóa toàn bộ cuộc trò chuyện"))
    expect(confirm).to_be_visible()
    assert erase.get_attribute("aria-expanded") == "true"
    assert deep_focus(page) == "plain"  # "Không xóa": the safe choice has the focus
    page.keyboard.press("Escape")  # closes the confirmation only, not the panel
    expect(confirm).to_be_hidden()
    expect(page.locator(f"{WIDGET} [role=dialog]")).to_be_visible()
    assert deep_focus(page) == "tool"
    assert stored_sender(page) == old

    page.keyboard.press("Enter")
    expect(confirm).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "widget-erase-confirm-1280x800.png")
    page.keyboard.press("Shift+Tab")
    assert deep_focus(page) == "danger"
    page.keyboard.press("Enter")  # "Xóa hết"
    expect(page.locator(f"{WIDGET} .msg")).to_have_count(0)
    expect(page.locator(INFO)).to_have_text(ERASED_LINE)
    expect(page.locator(NOTICE)).to_have_count(1)
    expect(page.locator(NOTICE)).to_have_text(notice_of(desktop))
    expect(confirm).to_be_hidden()
    new = stored_sender(page)
    assert new and new != old
    assert api.get("/api/history", params={"sender": old}).status_code == 401
    assert events_of(rasa_api, token, old) == []
    assert desktop.dialogs == []  # no window.confirm
    page.screenshot(path=SCREENSHOTS / "widget-erased-1280x800.png")
    say(page, "xin chao")  # and the new conversation works
    expect(page.locator(BOT).last).to_contain_text("Xin chào")
    assert stored_sender(page) == new


@needs_chromium
def test_erase_typed_in_the_chat_ends_the_conversation(desktop, api):
    page = desktop.page
    page.goto(f"{desktop.base}/demo")
    open_widget(page)
    say(page, "tôi muốn đăng ký khai sinh online")
    old = stored_sender(page)
    say(page, "Xóa cuộc trò chuyện")
    expect(page.locator(BOT).last).to_contain_text(texts.ERASE_CONFIRM)
    page.locator(f"{WIDGET} .choice", has_text=texts.ERASE_YES).last.click()
    expect(page.locator(BOT)).to_have_count(1)
    expect(page.locator(BOT).first).to_contain_text(texts.ERASED)
    assert log_items(page) == ["bot"]  # nothing of the erased conversation is left on screen
    assert stored(page) is None
    assert api.get("/api/history", params={"sender": old}).status_code == 401
    say(page, "xin chao")  # the next message gets a new id, with its notice first
    expect(page.locator(BOT).last).to_contain_text("Xin chào")
    assert log_items(page)[1:3] == ["notice", "user"]
    assert stored_sender(page) not in (None, old)


# --- the plain chat page at / ---------------------------------------------------------------------


@needs_chromium
def test_plain_chat_page_uses_issued_ids(desktop, api):
    page = desktop.page
    calls = UpdateCalls(page)
    page.goto(f"{desktop.base}/")
    notice = page.locator("#log .notice")
    expect(notice).to_have_text(notice_of(desktop))
    assert calls.made == []  # a new conversation has no handoff: nothing to poll
    box = page.get_by_role("textbox", name="Tin nhắn")
    box.fill("cho tôi gặp cán bộ <b>x</b>")
    box.press("Enter")
    expect(page.locator("#log .msg.bot", has_text="1800 1096")).to_have_count(1)
    # The request is kept (nobody on duty): the page polls while it is open.
    expect(page.locator(".handoff")).to_contain_text("Câu hỏi của anh/chị đã được giữ lại")
    calls.wait(lambda: len(calls.polls()) == 1 and len(calls.open) == 1)
    expect(page.locator("#log .msg.user")).to_have_text(["cho tôi gặp cán bộ <b>x</b>"])  # text, never HTML
    assert page.locator("#log b").count() == 0
    sender = json.loads(page.evaluate("localStorage.getItem('dvc-chat-session')"))["sender"]
    assert re.fullmatch(r"web:[0-9a-f-]{36}", sender)

    page.reload()  # the notice and the conversation come back
    expect(page.locator("#log .msg.user")).to_have_text(["cho tôi gặp cán bộ <b>x</b>"])
    expect(notice).to_have_count(1)

    assert api.post("/api/session/end", json={"sender": sender, "erase": False}).status_code == 200
    replies = page.locator("#log .msg.bot").count()
    box.fill("xin chao")
    box.press("Enter")
    expect(page.locator("#log .msg.bot")).not_to_have_count(replies)
    expect(page.locator("#log .msg.bot").last).to_contain_text("Xin chào")
    expect(page.locator("#log .info")).to_have_text(EXPIRED)
    expect(notice).to_have_count(2)
    assert json.loads(page.evaluate("localStorage.getItem('dvc-chat-session')"))["sender"] != sender
    # The new id has no handoff: the bar is gone and no poll is left open.
    expect(page.locator(".handoff")).to_be_hidden()
    calls.wait(lambda: not calls.open)
