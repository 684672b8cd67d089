"""The console's pages over HTTP (TestClient on the real app): the sign-in with a safe return
path, the page frame under the app's CSP, roles, CSRF on every form, expiry, accounts and the
audit log. The same flows in a real browser: test_console_browser.py."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest

from app import hardening
from app.staff import texts
from app.staff.console import safe_next
from tests.staff.conftest import PASSWORD, add_account, another


def page_sign_in(client, username: str, password: str = PASSWORD, next_path: str = ""):  # type: ignore[no-untyped-def]
    return client.post(
        "/staff/login",
        data={"username": username, "password": password, "next": next_path},
        follow_redirects=False,
    )


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


class Inline(HTMLParser):
    """Finds what the page CSP would block: inline scripts, style elements and attributes,
    event handlers, and anything loaded from another origin."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and "src" not in names:
            self.problems.append("inline script")
        if tag == "style":
            self.problems.append("style element")
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.problems.append(f"{tag}[{name}]")
            if name in ("src", "href", "action") and value and re.match(r"(https?:)?//", value):
                self.problems.append(f"{tag}[{name}]={value}")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/staff/accounts", "/staff/accounts"),
        ("/staff/audit?user=lan&page=2", "/staff/audit?user=lan&page=2"),
        ("/staff", "/staff"),
        ("", "/staff"),
        ("//evil.example/staff", "/staff"),
        ("https://evil.example/staff", "/staff"),
        ("/\\evil.example", "/staff"),
        ("/staffevil", "/staff"),
        ("/api/staff/users", "/staff"),
        ("/staff/login", "/staff"),
        ("javascript:alert(1)", "/staff"),
        ("/staff/\nSet-Cookie:x", "/staff"),
    ],
)
def test_only_a_console_path_of_this_site_is_a_return_path(target, expected):
    assert safe_next(target) == expected


def test_a_signed_out_visit_goes_to_the_sign_in_and_comes_back(client):
    add_account(client, "boss", "admin")
    for path in ("/staff", "/staff/accounts", "/staff/password", "/staff/audit?action=login"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/staff/login")
    response = client.get("/staff/audit?action=login", follow_redirects=False)
    assert response.headers["location"] == "/staff/login?next=%2Fstaff%2Faudit%3Faction%3Dlogin"
    page = client.get(response.headers["location"])
    assert 'name="next" value="/staff/audit?action=login"' in page.text
    signed_in = page_sign_in(client, "boss", next_path="/staff/audit?action=login")
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/staff/audit?action=login"
    # Already signed in: the sign-in page sends straight on.
    again = client.get("/staff/login?next=/staff/accounts", follow_redirects=False)
    assert again.headers["location"] == "/staff/accounts"
    # A return path to elsewhere is never followed.
    other = another(client, "198.51.100.2")
    response = page_sign_in(other, "boss", next_path="https://evil.example/")
    assert response.headers["location"] == "/staff"


def test_a_failed_sign_in_shows_the_form_again_with_the_reason(client):
    add_account(client, "boss", "admin")
    response = page_sign_in(client, "boss", "sai mật khẩu rồi")
    assert response.status_code == 401
    assert texts.LOGIN_FAILED in response.text
    assert 'value="boss"' in response.text and "sai mật khẩu" not in response.text
    assert 'aria-invalid="true"' in response.text


def test_the_sign_in_form_from_another_site_is_refused(client):
    add_account(client, "boss", "admin")
    response = client.post(
        "/staff/login",
        data={"username": "boss", "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert response.status_code == 403 and texts.LOGIN_CROSS_SITE in response.text
    assert "set-cookie" not in response.headers


def test_pages_work_under_the_apps_page_csp(client):
    add_account(client, "boss", "admin")
    pages = {"/staff/login": client.get("/staff/login")}
    page_sign_in(client, "boss")
    for path in ("/staff", "/staff/accounts", "/staff/password", "/staff/audit"):
        pages[path] = client.get(path)
    for path, response in pages.items():
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["content-security-policy"] == hardening.PAGE_CSP
        assert '<html lang="vi">' in response.text
        assert '<link rel="stylesheet" href="/staff/static/console.css">' in response.text
        parser = Inline()
        parser.feed(response.text)
        assert parser.problems == [], path
    css = client.get("/staff/static/console.css")
    assert css.status_code == 200 and ":focus-visible" in css.text


def test_every_field_has_a_label(client):
    add_account(client, "boss", "admin")
    add_account(client, "lan", "editor")
    pages = [client.get("/staff/login").text]
    page_sign_in(client, "boss")
    pages += [client.get(path).text for path in ("/staff/accounts", "/staff/password", "/staff/audit")]
    for html in pages:
        labelled = set(re.findall(r'<label[^>]* for="([^"]+)"', html))
        fields = re.findall(r"<(input|select|textarea)\b([^>]*)>", html)
        for tag, attrs in fields:
            if re.search(r'type="hidden"|\shidden[\s>]', attrs + ">"):
                continue
            field_id = re.search(r'id="([^"]+)"', attrs)
            assert field_id and field_id.group(1) in labelled, f"<{tag}{attrs}> has no label"


def test_the_home_page_shows_the_account_and_what_its_role_may_open(client):
    add_account(client, "boss", "admin")
    add_account(client, "lan", "viewer")
    page_sign_in(client, "boss")
    home = client.get("/staff").text
    assert "Xin chào, boss" in home and "Quản trị" in home
    for link in ('href="/staff/accounts"', 'href="/staff/audit"', 'href="/staff/password"'):
        assert link in home
    viewer = another(client, "198.51.100.2")
    page_sign_in(viewer, "lan")
    home = viewer.get("/staff").text
    assert "Xin chào, lan" in home and "Chỉ xem" in home and 'href="/staff/password"' in home
    assert 'href="/staff/accounts"' not in home and 'href="/staff/audit"' not in home
    assert (
        "Việc cần làm" in home and 'href="/staff/unanswered"' in home
    )  # the console's counts, for every role


def test_an_editor_gets_the_no_permission_page(client):
    add_account(client, "boss", "admin")
    add_account(client, "lan", "editor")
    page_sign_in(client, "lan")
    for path in ("/staff/accounts", "/staff/audit"):
        response = client.get(path)
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("text/html")
        assert texts.FORBIDDEN in response.text and "lan · Biên tập nội dung" in response.text
    token = csrf_of(client.get("/staff/password").text)
    response = client.post(
        "/staff/accounts", data={"csrf": token, "username": "moi", "role": "admin", "password": PASSWORD}
    )
    assert response.status_code == 403 and client.app.state.staff.accounts.get("moi") is None


def test_a_form_without_its_csrf_token_gets_403(client):
    add_account(client, "boss", "admin")
    page_sign_in(client, "boss")
    token = csrf_of(client.get("/staff/accounts").text)
    form = {"username": "lan", "role": "editor", "password": PASSWORD}
    for extra in ({}, {"csrf": ""}, {"csrf": token[:-2] + "xx"}):
        response = client.post("/staff/accounts", data={**form, **extra})
        assert response.status_code == 403 and texts.CSRF_FAILED in response.text
    assert client.app.state.staff.accounts.get("lan") is None
    response = client.post("/staff/accounts", data={**form, "csrf": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/staff/accounts?done=created"
    assert texts.DONE["created"] in client.get(response.headers["location"]).text


def test_an_admin_manages_accounts_with_the_forms(client):
    add_account(client, "boss", "admin")
    add_account(client, "lan", "editor")
    page_sign_in(client, "boss")
    token = csrf_of(client.get("/staff/accounts").text)
    accounts = client.app.state.staff.accounts

    weak = client.post(
        "/staff/accounts", data={"csrf": token, "username": "an", "role": "viewer", "password": "ngắn"}
    )
    assert weak.status_code == 400 and texts.PASSWORD_TOO_SHORT.format(minimum=12) in weak.text
    assert 'value="an"' in weak.text  # what was typed stays (but the password)
    client.post("/staff/accounts/lan/role", data={"csrf": token, "role": "viewer"})
    assert accounts.get("lan").role == "viewer"
    client.post("/staff/accounts/lan/status", data={"csrf": token, "disabled": "1"})
    assert accounts.get("lan").disabled
    assert "Đã khóa" in client.get("/staff/accounts").text
    client.post("/staff/accounts/lan/status", data={"csrf": token, "disabled": "0"})
    assert not accounts.get("lan").disabled
    client.post("/staff/accounts/lan/password", data={"csrf": token, "password": "mật khẩu đặt lại 2026"})
    assert accounts.authenticate("lan", "mật khẩu đặt lại 2026") is not None
    last = client.post("/staff/accounts/boss/status", data={"csrf": token, "disabled": "1"})
    assert last.status_code == 400 and texts.LAST_ADMIN in last.text
    assert (
        texts.NO_SUCH_USER
        in client.post("/staff/accounts/khong-co/role", data={"csrf": token, "role": "viewer"}).text
    )


def test_changing_ones_password_with_the_form(client):
    add_account(client, "lan", "agent")
    page_sign_in(client, "lan")
    token = csrf_of(client.get("/staff/password").text)
    new = "mật khẩu mới năm 2027"
    mismatch = client.post(
        "/staff/password",
        data={"csrf": token, "old_password": PASSWORD, "new_password": new, "confirm_password": new + "!"},
    )
    assert mismatch.status_code == 400 and texts.PASSWORD_MISMATCH in mismatch.text
    done = client.post(
        "/staff/password",
        data={"csrf": token, "old_password": PASSWORD, "new_password": new, "confirm_password": new},
    )
    assert done.status_code == 200 and texts.DONE["password"] in done.text
    assert client.app.state.staff.accounts.authenticate("lan", new) is not None


def test_an_expired_session_goes_to_the_sign_in_with_a_note(client, clock):
    add_account(client, "boss", "admin")
    page_sign_in(client, "boss")
    clock.now += timedelta(minutes=31)
    response = client.get("/staff/accounts", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/login?next=%2Fstaff%2Faccounts&expired=1"
    assert 'dvc-staff=""' in response.headers["set-cookie"]
    assert texts.SESSION_EXPIRED in client.get(response.headers["location"]).text


def test_sign_out_with_the_form(client):
    add_account(client, "boss", "admin")
    page_sign_in(client, "boss")
    token = csrf_of(client.get("/staff").text)
    assert client.post("/staff/logout", data={}).status_code == 403
    response = client.post("/staff/logout", data={"csrf": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/staff/login?out=1"
    assert texts.SIGNED_OUT in client.get("/staff/login?out=1").text
    assert client.get("/staff", follow_redirects=False).status_code == 303


def test_the_audit_page_filters_and_pages(client, clock):
    add_account(client, "boss", "admin")
    page_sign_in(client, "boss")
    log = client.app.state.staff.audit
    for i in range(60):
        clock.now += timedelta(seconds=1)
        log.add(
            "entry_updated",
            actor="lan",
            target_kind="entry",
            target_id=f"faq/{i}",
            after={"answer": f"Đáp án {i}"},
        )
    first = client.get("/staff/audit", params={"user": "lan"}).text
    assert "60 mục, trang 1/2" in first and "faq/59" in first and "faq/9<" not in first
    assert "Đáp án 59" in first  # JSON shown with its Vietnamese letters
    assert 'href="/staff/audit?user=lan&amp;action=&amp;target=&amp;page=2"' in first
    second = client.get("/staff/audit", params={"user": "lan", "page": "2"}).text
    assert "faq/0<" in second and "faq/59" not in second
    assert "1 mục" in client.get("/staff/audit", params={"target": "entry:faq/7"}).text
    assert "Đăng nhập" in client.get("/staff/audit", params={"action": "login"}).text
    assert client.get("/staff/audit", params={"page": "abc"}).status_code == 200
