"""The console in Debian's headless Chromium against a real app server: sign-in, password change
and sign-out with the keyboard only, an editor kept out of the accounts, a form without its CSRF
token refused, an idle session expiring, failed sign-ins backing off; contrast and a visible
focus ring. Screenshots of the pages go to var/screenshots/staff-*.png.

The server is the app's own (uvicorn with the app's request deadlines, ``app.server``) run in
this process on a free port, so the test can move the app's clock: idle expiry is 30 minutes.
Rasa is not needed by the console and is not started.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.sync_api import Page, expect

from app.main import create_app
from app.runner import free_port
from app.staff import texts
from tests.pages import needs_chromium, serve_app
from tests.staff.conftest import PASSWORD, Clock, staff_settings

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
NEW_PASSWORD = "mật khẩu mới năm 2027"
expect.set_options(timeout=15_000)

pytestmark = needs_chromium


@dataclass
class Served:
    base: str
    app: FastAPI
    clock: Clock

    def add(self, username: str, role: str, password: str = PASSWORD) -> None:
        self.app.state.staff.accounts.create(username, password, role)


@contextmanager
def serve(var_dir: Path) -> Iterator[Served]:
    clock = Clock()
    settings = staff_settings(var_dir, app_port=free_port())
    app = create_app(settings, open_knowledge_base=False, clock=clock)
    with serve_app(app, settings) as base:
        yield Served(base, app, clock)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(tmp_path_factory.mktemp("staff-var")) as running:
        yield running


@pytest.fixture
def page(browser) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    yield context.new_page()
    context.close()


def focused(page: Page) -> str:
    """The focused element: its id, else its tag and text."""
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return e.id || (e.tagName.toLowerCase() + ':' + e.textContent.trim()); }"
    )


def tab_to(page: Page, target: str, limit: int = 60) -> None:
    for _ in range(limit):
        if focused(page) == target:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{target} is not reachable with Tab (last: {focused(page)})")


def keyboard_sign_in(page: Page, username: str, password: str) -> None:
    assert focused(page) == "username"  # the form is ready to type into
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    assert focused(page) == "password"
    page.keyboard.type(password)
    page.keyboard.press("Enter")


def sign_in(page: Page, served: Served, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{served.base}/staff/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name=f"Xin chào, {username}")).to_be_visible()


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"staff-{name}.png"), full_page=True)


# WCAG AA: every visible text against the background it is drawn on (4.5:1; 3:1 for large text).
CONTRAST = """() => {
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c;
    }
    return [255, 255, 255];
  };
  const low = [];
  for (const el of document.querySelectorAll('body *')) {
    const text = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const box = el.getBoundingClientRect();
    if (!text || box.width < 2 || box.height < 2) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden') continue;
    const [a, b] = [lum(rgb(style.color)), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) {
      low.push(el.tagName + ' ' + el.textContent.trim().slice(0, 30) + ' ' + ratio.toFixed(2));
    }
  }
  return low;
}"""


def test_keyboard_only_sign_in_password_change_and_sign_out(page, served):
    served.add("quantri", "admin")
    page.goto(f"{served.base}/staff/accounts")
    expect(page).to_have_url(f"{served.base}/staff/login?next=%2Fstaff%2Faccounts")
    expect(page).to_have_title("Đăng nhập · Quản trị Trợ lý Dịch vụ công")
    shoot(page, "login")
    keyboard_sign_in(page, "quantri", PASSWORD)
    expect(page).to_have_url(f"{served.base}/staff/accounts")  # back where the visit began
    expect(page.get_by_role("heading", name="Tài khoản", exact=True)).to_be_visible()

    # Create an editor with the keyboard only.
    tab_to(page, "new-username")
    page.keyboard.type("bientap")
    page.keyboard.press("Tab")
    assert focused(page) == "new-role"
    page.keyboard.press("Tab")
    assert focused(page) == "new-password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text(texts.DONE["created"])
    expect(page.locator("#account-bientap")).to_contain_text("Đang hoạt động")
    assert served.app.state.staff.accounts.get("bientap").role == "editor"
    shoot(page, "accounts")

    page.goto(f"{served.base}/staff")
    shoot(page, "home")
    # The focus ring is visible on what Tab reaches.
    tab_to(page, "a:Trang chính")
    ring = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    width = page.evaluate("() => parseFloat(getComputedStyle(document.activeElement).outlineWidth)")
    assert ring == "solid" and width >= 2
    tab_to(page, "a:Đổi mật khẩu")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{served.base}/staff/password")
    tab_to(page, "old_password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.type(NEW_PASSWORD)
    page.keyboard.press("Tab")
    assert focused(page) == "confirm_password"
    page.keyboard.type(NEW_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text(texts.DONE["password"])
    shoot(page, "password")

    tab_to(page, "button:Đăng xuất")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text(texts.SIGNED_OUT)
    page.goto(f"{served.base}/staff")
    expect(page).to_have_url(re.compile(r"/staff/login"))
    keyboard_sign_in(page, "quantri", PASSWORD)
    expect(page.get_by_role("alert")).to_have_text(texts.LOGIN_FAILED)
    page.get_by_label("Mật khẩu").fill(NEW_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Xin chào, quantri")).to_be_visible()

    page.goto(f"{served.base}/staff/audit")
    expect(page.locator("table.audit")).to_contain_text("Tự đổi mật khẩu")
    expect(page.locator("table.audit")).to_contain_text("Đăng nhập sai")
    shoot(page, "audit")


def test_text_contrast_meets_wcag_aa(page, served):
    served.add("tuongphan", "admin")
    page.goto(f"{served.base}/staff/login")
    page.get_by_label("Mật khẩu").fill("sai mật khẩu rồi")
    page.get_by_label("Tên đăng nhập").fill("tuongphan")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert page.evaluate(CONTRAST) == []
    sign_in(page, served, "tuongphan")
    for path in ("/staff", "/staff/accounts", "/staff/audit", "/staff/password"):
        page.goto(f"{served.base}{path}")
        assert page.evaluate(CONTRAST) == [], path


def test_an_editor_cannot_open_accounts_nor_call_the_users_api(page, served):
    served.add("editor1", "editor")
    sign_in(page, served, "editor1")
    navigation = page.get_by_role("navigation", name="Các trang quản trị")
    expect(navigation.get_by_role("link", name="Đổi mật khẩu")).to_be_visible()
    expect(navigation.get_by_role("link", name="Tài khoản")).to_have_count(0)
    response = page.goto(f"{served.base}/staff/accounts")
    assert response.status == 403
    expect(page.get_by_role("alert")).to_have_text(texts.FORBIDDEN)
    calls = page.evaluate(
        """async () => {
            const me = await (await fetch('/api/staff/me')).json();
            const list = await fetch('/api/staff/users');
            const create = await fetch('/api/staff/users', {method: 'POST',
                headers: {'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf},
                body: JSON.stringify({username: 'tu-tao', password: 'một mật khẩu dài', role: 'admin'})});
            return [me.role, list.status, (await list.json()).detail, create.status];
        }"""
    )
    assert calls == ["editor", 403, texts.FORBIDDEN, 403]
    assert served.app.state.staff.accounts.get("tu-tao") is None


def test_a_form_posted_without_its_csrf_token_gets_403(page, served):
    served.add("quantri2", "admin")
    sign_in(page, served, "quantri2")
    page.goto(f"{served.base}/staff/accounts")
    page.locator("form[action='/staff/accounts'] input[name=csrf]").evaluate("field => field.remove()")
    page.get_by_label("Tên đăng nhập").fill("khongcsrf")
    page.get_by_label("Mật khẩu ban đầu").fill(PASSWORD)
    with page.expect_response(f"{served.base}/staff/accounts") as posted:
        page.get_by_role("button", name="Tạo tài khoản").click()
    assert posted.value.status == 403
    expect(page.get_by_role("alert")).to_have_text(texts.CSRF_FAILED)
    assert served.app.state.staff.accounts.get("khongcsrf") is None


def test_an_idle_session_expires(page, served):
    served.add("nhanvien", "viewer")
    sign_in(page, served, "nhanvien")
    served.clock.now += timedelta(minutes=29)
    page.goto(f"{served.base}/staff/password")
    expect(page.get_by_role("heading", name="Đổi mật khẩu")).to_be_visible()
    served.clock.now += timedelta(minutes=31)
    page.goto(f"{served.base}/staff/password")
    expect(page).to_have_url(f"{served.base}/staff/login?next=%2Fstaff%2Fpassword&expired=1")
    expect(page.get_by_role("status")).to_have_text(texts.SESSION_EXPIRED)
    keyboard_sign_in(page, "nhanvien", PASSWORD)
    expect(page).to_have_url(f"{served.base}/staff/password")


def test_failed_sign_ins_back_off(browser, tmp_path):
    """On a server of its own: the back-off counts per address, and every test here is 127.0.0.1."""
    with serve(tmp_path) as own:
        own.add("lan", "editor")
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        page.goto(f"{own.base}/staff/login")
        for _ in range(5):
            page.get_by_label("Tên đăng nhập").fill("lan")
            page.get_by_label("Mật khẩu").fill("sai mật khẩu rồi")
            page.get_by_role("button", name="Đăng nhập").click()
            expect(page.get_by_role("alert")).to_have_text(texts.LOGIN_FAILED)
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        with page.expect_response(f"{own.base}/staff/login") as posted:
            page.get_by_role("button", name="Đăng nhập").click()
        assert posted.value.status == 429
        assert 800 < int(posted.value.headers["retry-after"]) <= 900
        expect(page.get_by_role("alert")).to_have_text(texts.LOGIN_BLOCKED.format(minutes=15))
        expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
        context.close()
