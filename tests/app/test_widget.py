"""The embeddable web widget: its files over HTTP, and in Debian's headless Chromium against the
real stack (Rasa + app): conversation, history after a reload, safety, keyboard, phone layout,
contrast, large text, reading aloud, embedding on another site. Conversation ids, erasing and the
plain chat page at /: test_widget_session.py; the widget during a handoff (its bar, the long poll):
test_widget_handoff.py; what the browser tests share: widget_browsing.py."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.app.widget_browsing import (
    BOT,
    DESKTOP,
    EXPIRED,
    INFO,
    NOTICE,
    PHONE,
    SCREENSHOTS,
    USER,
    WIDGET,
    WIDGET_JS,
    browse,
    deep_focus,
    log_items,
    notice_of,
    open_widget,
    put_session,
    say,
    stored,
    stored_sender,
)
from tests.pages import needs_chromium, serve_pages

# --- the files, over plain HTTP ---------------------------------------------------------------


def test_widget_script_is_served_as_javascript(api):
    response = api.get("/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "attachShadow" in response.text
    assert "customElements.define" in response.text


def test_widget_script_never_parses_html_nor_loads_other_sites():
    source = WIDGET_JS.read_text(encoding="utf-8")
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("//"))
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in code, sink
    # The only absolute address in the code is the SVG namespace; the API is found from the script's src.
    assert re.findall(r"https?://[^\s\"'`]+", code) == ["http://www.w3.org/2000/svg"]


def test_demo_portal_embeds_the_widget_with_one_tag(api):
    response = api.get("/demo")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    assert '<html lang="vi">' in page
    assert re.findall(r"<script\b[^>]*>", page) == [
        '<script src="/widget.js" data-title="Trợ lý Dịch vụ công" async>'
    ]
    assert not re.search(r"""(src|href)=["']https?://""", page)  # nothing from another site


# --- in the browser ---------------------------------------------------------------------------


@needs_chromium
def test_conversation_buttons_links_and_history_after_reload(desktop):
    page = desktop.page
    page.goto(f"{desktop.base}/demo")
    open_widget(page)
    assert re.fullmatch(r"web:[0-9a-f-]{36}", stored_sender(page))
    assert page.locator(USER).count() == 0  # the silent /greet is not shown as the person's message
    # The privacy notice the server sent comes first, as a note, not as one of the bot's messages.
    notice = notice_of(desktop)
    expect(page.locator(NOTICE)).to_have_text(notice)
    assert page.locator(NOTICE).get_attribute("role") == "note"
    assert log_items(page) == ["notice", "bot"]
    assert stored(page)["notice"] == notice
    menu = page.locator(f"{WIDGET} .choice")
    expect(menu).to_have_text(["Hướng dẫn nộp hồ sơ trực tuyến", "Tra cứu hồ sơ đã nộp", "Gặp cán bộ hỗ trợ"])

    say(page, "xin chao")
    expect(page.locator(BOT).last).to_contain_text("Xin chào")
    # Screen readers hear the reply through the live region.
    expect(page.locator(f"{WIDGET} [role=status]")).to_contain_text("Trợ lý: Xin chào")

    replies = page.locator(BOT).count()
    page.locator(f"{WIDGET} .choice", has_text="Gặp cán bộ hỗ trợ").last.click()
    expect(page.locator(USER).last).to_have_text("Anh/chị: Gặp cán bộ hỗ trợ")  # title, not payload
    expect(page.locator(BOT)).not_to_have_count(replies)
    expect(page.locator(BOT).last).to_contain_text("1800 1096")
    link = page.locator(f"{BOT} a").last
    assert link.get_attribute("target") == "_blank"
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert link.get_attribute("href").startswith("https://")

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "widget-desktop-1280x800.png")

    # A reload (or another page of the portal) shows the same conversation, from the server.
    sender = stored_sender(page)
    shown = page.locator(f"{WIDGET} .msg:not(.typing) .bubble").all_inner_texts()
    page.reload()
    expect(page.locator(f"{WIDGET} [role=dialog]")).to_be_visible()  # it was open: reopened
    expect(page.locator(f"{WIDGET} .msg:not(.typing) .bubble")).to_have_count(len(shown))
    assert page.locator(f"{WIDGET} .msg:not(.typing) .bubble").all_inner_texts() == shown
    assert stored_sender(page) == sender
    expect(page.locator(NOTICE)).to_have_text(notice)  # the notice is kept with the id
    assert log_items(page)[0] == "notice" and log_items(page).count("notice") == 1
    page.goto(f"{desktop.base}/demo#tra-cuu")
    page.reload()
    expect(page.locator(USER)).to_have_text(["Anh/chị: xin chao", "Anh/chị: Gặp cán bộ hỗ trợ"])


@needs_chromium
def test_markup_is_shown_as_text_and_only_web_links_are_links(desktop):
    page = desktop.page
    page.goto(f"{desktop.base}/demo")
    open_widget(page)
    attack = "<img src=x onerror=alert(1)>"
    say(page, attack)
    expect(page.locator(USER).last).to_have_text("Anh/chị: " + attack)
    assert page.locator(f"{WIDGET} .log img").count() == 0
    say(page, "xem https://example.org/a?b=1. và javascript:alert(2) <a href=x>y</a>")
    links = page.locator(f"{USER} a")
    expect(links).to_have_count(1)
    assert page.locator(USER).last.text_content() == (
        "Anh/chị: xem https://example.org/a?b=1 (mở trong thẻ mới). và javascript:alert(2) <a href=x>y</a>"
    )
    assert links.first.get_attribute("href") == "https://example.org/a?b=1"
    assert links.first.get_attribute("rel") == "noopener noreferrer"
    page.reload()  # and again when the history comes back from the server
    expect(page.locator(USER).first).to_have_text("Anh/chị: " + attack)
    assert page.locator(f"{WIDGET} .log img").count() == 0
    assert desktop.dialogs == []


@needs_chromium
def test_keyboard_only(desktop):
    page = desktop.page
    page.goto(f"{desktop.base}/demo")
    for _ in range(40):
        page.keyboard.press("Tab")
        if deep_focus(page) == "launcher":
            break
    assert deep_focus(page) == "launcher"
    page.keyboard.press("Enter")
    expect(page.locator(f"{WIDGET} [role=dialog]")).to_be_visible()
    assert deep_focus(page) == "textarea"  # typing can start at once
    expect(page.locator(BOT).first).to_contain_text("Xin chào")
    replies = page.locator(BOT).count()
    page.keyboard.type("cho tôi gặp cán bộ")
    page.keyboard.press("Enter")
    expect(page.locator(USER).last).to_have_text("Anh/chị: cho tôi gặp cán bộ")
    expect(page.locator(BOT)).not_to_have_count(replies)
    # Menu buttons are reachable and work with Enter.
    for _ in range(40):
        page.keyboard.press("Shift+Tab")
        if deep_focus(page) == "choice":
            break
    assert deep_focus(page) == "choice"
    title = page.evaluate("document.querySelector('dvc-chat-widget').shadowRoot.activeElement.textContent")
    page.keyboard.press("Enter")
    expect(page.locator(USER).last).to_have_text("Anh/chị: " + title)
    page.keyboard.press("Escape")
    expect(page.locator(f"{WIDGET} [role=dialog]")).to_be_hidden()
    assert deep_focus(page) == "launcher"
    assert page.get_by_role("button", name="Hỏi trợ lý").get_attribute("aria-expanded") == "false"


@needs_chromium
def test_phone_layout_is_full_screen(phone):
    page = phone.page
    page.goto(f"{phone.base}/demo")
    open_widget(page)
    say(page, "đăng ký tạm trú online cần giấy tờ gì")
    box = page.locator(f"{WIDGET} [role=dialog]").bounding_box()
    assert box == {"x": 0, "y": 0, "width": PHONE["width"], "height": PHONE["height"]}
    assert page.evaluate(
        """() => {
            const panel = document.querySelector('dvc-chat-widget').shadowRoot.querySelector('.panel');
            return [...panel.querySelectorAll('*')].every(el => el.getBoundingClientRect().right <= 360.5);
        }"""
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "widget-phone-360x740.png")
    page.get_by_role("button", name="Đóng khung trò chuyện").click()
    expect(page.get_by_role("button", name="Hỏi trợ lý")).to_be_visible()


@needs_chromium
def test_portal_css_and_widget_css_stay_apart(desktop):
    page = desktop.page
    page.goto(f"{desktop.base}/demo")
    open_widget(page)
    styles = page.evaluate(
        """() => {
            const root = document.querySelector('dvc-chat-widget').shadowRoot;
            const css = el => getComputedStyle(el);
            const send = css(root.querySelector('.send'));
            const portal = css(document.querySelector('.search button'));
            return {
                send: [send.backgroundColor, send.textTransform, send.fontFamily],
                bubble: css(root.querySelector('.bubble')).fontSize,
                portal: [portal.backgroundColor, portal.textTransform],
            };
        }"""
    )
    assert styles["send"][0] == "rgb(11, 92, 173)"  # the portal paints every button red, !important
    assert styles["send"][1] == "none"
    assert "Times" not in styles["send"][2]
    assert styles["bubble"] == "16px"  # the portal's html { font-size: 10px } does not shrink it
    assert styles["portal"] == ["rgb(183, 28, 28)", "uppercase"]  # and the widget leaves the portal alone


CONTRAST = """() => {
    const channel = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    const rgba = s => s.match(/[\\d.]+/g).map(Number);
    const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    const background = el => {
        for (let node = el; node; node = node.parentElement || (node.getRootNode().host || null)) {
            const c = rgba(getComputedStyle(node).backgroundColor);
            if (c.length < 4 || c[3] === 1) return c;
        }
        return [255, 255, 255];
    };
    const root = document.querySelector('dvc-chat-widget').shadowRoot;
    const picks = ['.launcher', 'h2', '.close', '.tool', '.notice', '.msg.bot .bubble', '.msg.user .bubble',
                   '.choice', '.send', 'textarea', '.msg.bot a', '.msg.user a', '.info', '.confirm p',
                   '.danger', '.plain'];
    return picks.map(sel => {
        const el = root.querySelector(sel);
        if (!el) return [sel, null];
        const fg = luminance(rgba(getComputedStyle(el).color)), bg = luminance(background(el));
        return [sel, (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05)];
    });
}"""


@needs_chromium
def test_text_contrast_meets_wcag_aa(desktop):
    page = desktop.page
    page.goto(f"{desktop.base}/demo")
    put_session(page, f"web:{uuid.uuid4()}")  # unknown to the server: the line saying it expired
    page.get_by_role("button", name="Hỏi trợ lý").click()
    expect(page.locator(INFO)).to_have_text(EXPIRED)
    expect(page.locator(BOT).first).to_contain_text("Xin chào")
    say(page, "cho tôi gặp cán bộ")  # a reply with a link
    say(page, "xem https://dichvucong.gov.vn")
    page.get_by_role("button", name="Xóa cuộc trò chuyện").click()  # the confirmation, open
    ratios = dict(page.evaluate(CONTRAST))
    assert None not in ratios.values(), ratios
    low = {selector: round(ratio, 2) for selector, ratio in ratios.items() if ratio < 4.5}
    assert low == {}


@needs_chromium
def test_large_text_is_remembered(desktop):
    page = desktop.page
    page.goto(f"{desktop.base}/demo")
    open_widget(page)
    toggle = page.get_by_role("button", name="Chữ lớn")
    assert toggle.get_attribute("aria-pressed") == "false"
    size = page.locator(f"{BOT} .bubble").first.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    larger = page.locator(f"{BOT} .bubble").first.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    assert larger >= size * 1.2
    page.reload()
    expect(page.get_by_role("button", name="Chữ lớn")).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="Chữ lớn").click()
    page.reload()
    expect(page.get_by_role("button", name="Chữ lớn")).to_have_attribute("aria-pressed", "false")


@needs_chromium
def test_start_over_gives_a_new_conversation(desktop, api):
    page = desktop.page
    page.goto(f"{desktop.base}/demo")
    open_widget(page)
    say(page, "cho tôi gặp cán bộ")
    old = stored_sender(page)
    page.get_by_role("button", name="Bắt đầu lại").click()
    expect(page.locator(USER)).to_have_count(0)
    expect(page.locator(BOT)).to_have_count(1)
    expect(page.locator(BOT).first).to_contain_text("Xin chào")
    assert log_items(page) == ["notice", "bot"]  # the new conversation's notice, then the menu
    new = stored_sender(page)
    assert new != old and new.startswith("web:")
    # The old id was ended on the server (not erased: that is "Xóa cuộc trò chuyện").
    assert api.get("/api/history", params={"sender": old}).status_code == 401
    page.reload()
    expect(page.locator(BOT)).to_have_count(1)
    assert page.locator(USER).count() == 0


@needs_chromium
def test_read_aloud_hidden_without_a_vietnamese_voice(desktop):
    page = desktop.page
    page.goto(f"{desktop.base}/demo")
    open_widget(page)
    assert page.evaluate("speechSynthesis.getVoices().some(v => v.lang.startsWith('vi'))") is False
    expect(page.get_by_role("button", name="Đọc to tin nhắn này")).to_have_count(0)


FAKE_VOICE = """(() => {
    const voice = { name: 'Giọng đọc tiếng Việt', lang: 'vi-VN', voiceURI: 'vi', localService: true };
    const synth = new EventTarget();
    window.__spoken = [];
    synth.getVoices = () => [{ name: 'English', lang: 'en-US' }, voice];
    synth.speak = u => window.__spoken.push({ text: u.text, lang: u.lang, voice: u.voice && u.voice.name });
    synth.cancel = () => {};
    Object.defineProperty(window, 'speechSynthesis', { value: synth, configurable: true });
    window.SpeechSynthesisUtterance = class { constructor(text) { this.text = text; } };
})();"""


@needs_chromium
def test_read_aloud_uses_a_vietnamese_voice(browser, stack):
    with browse(browser, stack, DESKTOP, init_script=FAKE_VOICE) as seen:
        page = seen.page
        page.goto(f"{seen.base}/demo")
        open_widget(page)
        speak = page.get_by_role("button", name="Đọc to tin nhắn này")
        expect(speak).to_have_count(1)  # one per reply with text
        speak.click()
        [spoken] = page.evaluate("window.__spoken")
        assert spoken["lang"] == "vi-VN"
        assert spoken["voice"] == "Giọng đọc tiếng Việt"
        assert spoken["text"].startswith("Xin chào anh/chị!")
        assert speak.get_attribute("aria-pressed") == "true"


@pytest.fixture
def other_site(stack) -> Iterator[str]:
    """A second web server (another origin) whose page embeds the widget with the one tag."""
    tag = (
        f'<script src="http://127.0.0.1:{stack.settings.app_port}/widget.js" '
        'data-title="Hỏi đáp thủ tục" async></script>'
    )
    body = f'<!doctype html><html lang="vi"><meta charset="utf-8"><h1>Cổng</h1>{tag}</html>'.encode()

    with serve_pages(lambda _path: body) as origin:
        yield origin


@needs_chromium
def test_embedded_on_another_origin(browser, stack, other_site):
    """The one tag on another origin's page: the API is found from the script's src, CORS lets it in."""
    calls: list[str] = []
    with browse(browser, stack, DESKTOP) as seen:
        page = seen.page
        page.on("request", lambda request: calls.append(request.url))
        page.goto(f"{other_site}/thu-tuc")
        open_widget(page)
        expect(page.get_by_role("heading", name="Hỏi đáp thủ tục")).to_be_visible()
        assert f"{seen.base}/api/chat" in calls
        assert page.evaluate("location.origin") == other_site != seen.base
