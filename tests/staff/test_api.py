"""The console's JSON API on the real app (TestClient, real SQLite): sign-in and its cookie,
roles, CSRF, sessions ending, account management (back-off: test_backoff.py; audit: test_audit.py)."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.routing import APIRoute

from app.staff import csrf, texts
from app.staff.console import routers
from app.staff.deps import CSRF_EXEMPT
from tests.staff.conftest import PASSWORD, add_account, another, sign_in

NEW_PASSWORD = "một mật khẩu mới rất dài"


def detail(response) -> str:  # type: ignore[no-untyped-def]
    return response.json()["detail"]


# --- signing in --------------------------------------------------------------------------------


def test_sign_in_sets_a_protected_cookie_and_returns_the_csrf_token(client):
    add_account(client, "boss", "admin")
    response = client.post("/api/staff/session", json={"username": "Boss", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "boss" and body["role"] == "admin" and len(body["csrf"]) >= 40
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("dvc-staff=")
    for flag in ("HttpOnly", "Path=/", "SameSite=lax"):
        assert flag in cookie
    assert "Secure" not in cookie and "Max-Age" not in cookie and "Domain" not in cookie
    me = client.get("/api/staff/me").json()
    assert (me["username"], me["role"], me["role_label"], me["csrf"]) == (
        "boss",
        "admin",
        "Quản trị",
        body["csrf"],
    )


def test_in_production_the_cookie_is_secure_and_host_only(make_client):
    client = make_client(
        app_env="production", rasa_auth_token="t" * 32, cors_origins="https://dichvucong.tinh.gov.vn"
    )
    add_account(client, "boss", "admin")
    response = client.post("/api/staff/session", json={"username": "boss", "password": PASSWORD})
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-dvc-staff=")
    for flag in ("HttpOnly", "Path=/", "SameSite=lax", "Secure"):
        assert flag in cookie


def test_a_wrong_password_or_unknown_name_gets_one_vietnamese_answer(client):
    add_account(client, "boss", "admin")
    for username, password in (("boss", "sai mật khẩu rồi"), ("khong-co", PASSWORD), ("", "")):
        response = client.post("/api/staff/session", json={"username": username, "password": password})
        assert response.status_code == 401
        assert detail(response) == texts.LOGIN_FAILED
        assert "set-cookie" not in response.headers


def test_not_signed_in_is_401_in_vietnamese(client):
    for method, path in (("GET", "/api/staff/me"), ("GET", "/api/staff/users"), ("GET", "/api/staff/audit")):
        response = client.request(method, path)
        assert response.status_code == 401 and detail(response) == texts.NOT_SIGNED_IN
    client.cookies.set("dvc-staff", "made-up")
    response = client.get("/api/staff/me")
    assert response.status_code == 401 and detail(response) == texts.SESSION_EXPIRED
    assert 'dvc-staff=""' in response.headers["set-cookie"]  # the stale cookie is cleared


def test_sign_in_from_another_sites_page_is_refused(client):
    add_account(client, "boss", "admin")
    body = {"username": "boss", "password": PASSWORD}
    for headers in (
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "http://testserver.evil.example"},
    ):
        response = client.post("/api/staff/session", json=body, headers=headers)
        assert response.status_code == 403, headers
        assert detail(response) == texts.LOGIN_CROSS_SITE
    for headers in (
        {"Origin": "http://testserver"},
        {"Origin": "https://testserver"},  # behind an HTTPS proxy that passes Host on
        {"Sec-Fetch-Site": "same-origin"},
        {},
    ):
        assert client.post("/api/staff/session", json=body, headers=headers).status_code == 200, headers


def test_behind_a_proxy_the_public_url_is_this_site(make_client):
    client = make_client(public_url="https://chatbot.tinh.gov.vn")
    add_account(client, "boss", "admin")
    body = {"username": "boss", "password": PASSWORD}
    proxied = {"Origin": "https://chatbot.tinh.gov.vn", "Host": "127.0.0.1:8000"}
    assert client.post("/api/staff/session", json=body, headers=proxied).status_code == 200
    other = {"Origin": "https://other.tinh.gov.vn", "Host": "127.0.0.1:8000"}
    assert client.post("/api/staff/session", json=body, headers=other).status_code == 403


def test_sign_out_ends_the_session(client):
    add_account(client, "boss", "admin")
    token = sign_in(client, "boss")
    cookie = client.cookies.get("dvc-staff")
    assert client.delete("/api/staff/session").status_code == 403  # without the CSRF token
    response = client.delete("/api/staff/session", headers={"X-CSRF-Token": token})
    assert response.status_code == 204
    assert client.get("/api/staff/me").status_code == 401
    client.cookies.set("dvc-staff", cookie)  # the old cookie kept by hand does not work either
    assert detail(client.get("/api/staff/me")) == texts.SESSION_EXPIRED


def test_signing_in_again_ends_the_session_the_browser_had(client):
    add_account(client, "boss", "admin")
    sign_in(client, "boss")
    old = client.cookies.get("dvc-staff")
    sign_in(client, "boss")
    assert client.cookies.get("dvc-staff") != old
    assert client.app.state.staff.sessions.resolve(old) is None


def attempt(client, username: str, password: str = "sai mật khẩu rồi"):  # noqa: S107  # type: ignore[no-untyped-def]
    return client.post("/api/staff/session", json={"username": username, "password": password})


# --- roles -------------------------------------------------------------------------------------


def test_only_admins_manage_accounts_and_read_the_audit_log(client):
    add_account(client, "boss", "admin")
    for role in ("editor", "agent", "viewer"):
        add_account(client, role, role)
        browser = another(client)
        token = sign_in(browser, role)
        headers = {"X-CSRF-Token": token}
        assert browser.get("/api/staff/me").json()["role"] == role
        for response in (
            browser.get("/api/staff/users"),
            browser.get("/api/staff/audit"),
            browser.post(
                "/api/staff/users",
                json={"username": "moi", "password": PASSWORD, "role": "admin"},
                headers=headers,
            ),
            browser.patch("/api/staff/users/boss", json={"disabled": True}, headers=headers),
            browser.patch(f"/api/staff/users/{role}", json={"role": "admin"}, headers=headers),
            browser.post("/api/staff/users/boss/password", json={"password": NEW_PASSWORD}, headers=headers),
        ):
            assert response.status_code == 403, (role, response.request.url)
            assert detail(response) == texts.FORBIDDEN
    assert client.app.state.staff.accounts.get("moi") is None
    assert client.app.state.staff.accounts.get("boss").role == "admin"


# --- CSRF --------------------------------------------------------------------------------------


def test_every_mutating_call_needs_the_csrf_token_of_its_own_session(client):
    add_account(client, "boss", "admin")
    token = sign_in(client, "boss")
    other = another(client)
    other_token = sign_in(other, "boss")
    body = {"username": "lan", "password": PASSWORD, "role": "editor"}
    for headers in ({}, {"X-CSRF-Token": ""}, {"X-CSRF-Token": "x" * 43}, {"X-CSRF-Token": other_token}):
        response = client.post("/api/staff/users", json=body, headers=headers)
        assert response.status_code == 403 and detail(response) == texts.CSRF_FAILED
    # The token as a form field does not count for a JSON call's header, and a query does not count.
    assert client.post(f"/api/staff/users?csrf={token}", json=body).status_code == 403
    assert client.app.state.staff.accounts.get("lan") is None
    assert client.post("/api/staff/users", json=body, headers={"X-CSRF-Token": token}).status_code == 201


def test_every_mutating_console_route_is_csrf_checked(client):
    """Every POST, PUT, PATCH and DELETE of every console router (also those later parts add to
    console.routers()) refuses a signed-in admin's call without the token, before doing anything."""
    add_account(client, "boss", "admin")
    sign_in(client, "boss")
    checked = []
    for router in routers():
        for route in router.routes:
            assert isinstance(route, APIRoute)
            for method in sorted(route.methods & csrf.MUTATING):
                if (method, route.path) in CSRF_EXEMPT:
                    continue
                path = re.sub(r"{[^}]+}", "boss", route.path)
                response = client.request(method, path, json={}, headers={"accept": "application/json"})
                assert response.status_code == 403, f"{method} {route.path} is not CSRF-checked"
                if path.startswith("/api/"):
                    assert detail(response) == texts.CSRF_FAILED
                else:
                    assert texts.CSRF_FAILED in response.text
                checked.append((method, route.path))
    assert ("DELETE", "/api/staff/session") in checked and ("POST", "/staff/accounts") in checked
    assert len(checked) >= 10
    assert client.get("/api/staff/me").status_code == 200  # nothing was done: not even a sign-out


# --- sessions end --------------------------------------------------------------------------------


def test_an_idle_session_expires(client, clock):
    add_account(client, "boss", "admin")
    sign_in(client, "boss")
    clock.now += timedelta(minutes=29)
    assert client.get("/api/staff/me").status_code == 200
    clock.now += timedelta(minutes=29)
    assert client.get("/api/staff/me").status_code == 200
    clock.now += timedelta(minutes=31)
    response = client.get("/api/staff/me")
    assert response.status_code == 401 and detail(response) == texts.SESSION_EXPIRED


def test_the_idle_time_is_a_setting(make_client, clock):
    client = make_client(staff_session_idle_minutes=5)
    add_account(client, "boss", "admin")
    sign_in(client, "boss")
    clock.now += timedelta(minutes=6)
    assert client.get("/api/staff/me").status_code == 401


def test_a_disabled_accounts_session_stops_at_once(client):
    add_account(client, "boss", "admin")
    add_account(client, "lan", "editor")
    token = sign_in(client, "boss")
    editor = another(client, "198.51.100.2")
    sign_in(editor, "lan")
    assert editor.get("/api/staff/me").status_code == 200
    response = client.patch("/api/staff/users/lan", json={"disabled": True}, headers={"X-CSRF-Token": token})
    assert response.status_code == 200 and response.json()["disabled"] is True
    assert editor.get("/api/staff/me").status_code == 401
    assert attempt(editor, "lan", PASSWORD).status_code == 401


def test_changing_ones_password_ends_the_other_sessions_only(client):
    add_account(client, "lan", "viewer")
    here = sign_in(client, "lan")
    elsewhere = another(client, "198.51.100.2")
    sign_in(elsewhere, "lan")
    wrong = client.post(
        "/api/staff/me/password",
        json={"old_password": "sai mật khẩu rồi", "new_password": NEW_PASSWORD},
        headers={"X-CSRF-Token": here},
    )
    assert wrong.status_code == 400 and detail(wrong) == texts.OLD_PASSWORD_WRONG
    assert elsewhere.get("/api/staff/me").status_code == 200
    changed = client.post(
        "/api/staff/me/password",
        json={"old_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers={"X-CSRF-Token": here},
    )
    assert changed.status_code == 200 and changed.json()["detail"] == texts.DONE["password"]
    assert client.get("/api/staff/me").status_code == 200  # a viewer changes their own password
    assert elsewhere.get("/api/staff/me").status_code == 401
    assert attempt(another(client, "198.51.100.3"), "lan", PASSWORD).status_code == 401
    assert attempt(another(client, "198.51.100.4"), "lan", NEW_PASSWORD).status_code == 200


# --- admins manage accounts --------------------------------------------------------------------


def test_an_admin_creates_changes_resets_and_disables_accounts(client):
    add_account(client, "boss", "admin")
    headers = {"X-CSRF-Token": sign_in(client, "boss")}
    created = client.post(
        "/api/staff/users",
        json={"username": "Lan.Nguyen", "password": PASSWORD, "role": "editor"},
        headers=headers,
    )
    assert created.status_code == 201
    assert created.json() | {"created_at": None} == {
        "username": "lan.nguyen",
        "role": "editor",
        "role_label": "Biên tập nội dung",
        "disabled": False,
        "created_at": None,
        "last_login_at": None,
    }
    again = client.post(
        "/api/staff/users",
        json={"username": "lan.nguyen", "password": PASSWORD, "role": "viewer"},
        headers=headers,
    )
    assert again.status_code == 400 and detail(again) == texts.USERNAME_TAKEN
    weak = client.post(
        "/api/staff/users", json={"username": "an", "password": "ngắn", "role": "viewer"}, headers=headers
    )
    assert weak.status_code == 400 and detail(weak) == texts.PASSWORD_TOO_SHORT.format(minimum=12)
    bad_role = client.patch("/api/staff/users/lan.nguyen", json={"role": "root"}, headers=headers)
    assert bad_role.status_code == 400 and detail(bad_role) == texts.ROLE_INVALID
    missing = client.patch("/api/staff/users/khong-co", json={"role": "viewer"}, headers=headers)
    assert missing.status_code == 404 and detail(missing) == texts.NO_SUCH_USER

    editor = another(client, "198.51.100.2")
    sign_in(editor, "lan.nguyen")
    role = client.patch("/api/staff/users/lan.nguyen", json={"role": "viewer"}, headers=headers)
    assert role.status_code == 200 and role.json()["role"] == "viewer"
    assert editor.get("/api/staff/me").json()["role"] == "viewer"  # at once, same session
    reset = client.post(
        "/api/staff/users/lan.nguyen/password", json={"password": NEW_PASSWORD}, headers=headers
    )
    assert reset.status_code == 200
    assert editor.get("/api/staff/me").status_code == 401  # a reset ends the account's sessions
    assert attempt(editor, "lan.nguyen", NEW_PASSWORD).status_code == 200
    users = client.get("/api/staff/users").json()
    assert [(u["username"], u["role"], u["disabled"]) for u in users] == [
        ("boss", "admin", False),
        ("lan.nguyen", "viewer", False),
    ]


def test_the_last_active_admin_can_be_neither_disabled_nor_demoted(client):
    add_account(client, "boss", "admin")
    headers = {"X-CSRF-Token": sign_in(client, "boss")}
    for change in ({"disabled": True}, {"role": "editor"}):
        response = client.patch("/api/staff/users/boss", json=change, headers=headers)
        assert response.status_code == 400 and detail(response) == texts.LAST_ADMIN
    assert client.get("/api/staff/me").json()["role"] == "admin"


def test_an_admin_resetting_their_own_password_keeps_their_session(client):
    add_account(client, "boss", "admin")
    headers = {"X-CSRF-Token": sign_in(client, "boss")}
    elsewhere = another(client, "198.51.100.2")
    sign_in(elsewhere, "boss")
    assert (
        client.post(
            "/api/staff/users/boss/password", json={"password": NEW_PASSWORD}, headers=headers
        ).status_code
        == 200
    )
    assert client.get("/api/staff/me").status_code == 200
    assert elsewhere.get("/api/staff/me").status_code == 401


def test_bad_bodies_get_vietnamese_json_errors(client):
    add_account(client, "boss", "admin")
    headers = {"X-CSRF-Token": sign_in(client, "boss")}
    for response in (
        client.post("/api/staff/session", content=b"{not json", headers={"content-type": "application/json"}),
        client.post("/api/staff/session", json={"username": "boss"}),
        client.post(
            "/api/staff/users", json={"username": "x" * 500, "password": "p", "role": "r"}, headers=headers
        ),
        client.patch("/api/staff/users/boss", json={"disabled": "có lẽ"}, headers=headers),
    ):
        assert response.status_code == 422, response.text
        assert any(letter in detail(response) for letter in "ệầạ")
