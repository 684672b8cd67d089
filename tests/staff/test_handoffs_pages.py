""" "Hỗ trợ trực tiếp" and "Câu trả lời mẫu" over HTTP (TestClient on the real app, real SQLite):
who may open them, the page shells under the app's CSP with every field labelled, the navigation
and the home page's "Đang chờ cán bộ: N" counted from the handoff store, and the scripts that bring
the pages to life (served, and never parsing text as HTML). The pages at work, with the server's
API and a citizen's widget, in two real browsers: tests/handoff/test_handoff_browser.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app import hardening
from app.staff import texts
from tests.staff.conftest import add_account, another
from tests.staff.test_pages import Inline, page_sign_in

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "app" / "staff" / "static"
# Each page's scripts in the order they must run (deferred scripts run in document order): the shared
# helpers, then the page's own; the handoff page's conversation view builds on its queue script.
PAGE_SCRIPTS = {
    "/staff/handoffs": ("console.js", "handoffs-queue.js", "handoffs-conversation.js"),
    "/staff/canned": ("console.js", "canned.js"),
}
SCRIPTS = tuple(dict.fromkeys(script for scripts in PAGE_SCRIPTS.values() for script in scripts))


@pytest.fixture
def accounts(client):
    for username, role in (("boss", "admin"), ("tuvan", "agent"), ("bientap", "editor"), ("xem", "viewer")):
        add_account(client, username, role)
    return client


def as_user(client, username: str, address: str):  # type: ignore[no-untyped-def]
    browser = another(client, address)
    assert page_sign_in(browser, username).status_code == 303
    return browser


def labelled(html: str) -> None:
    labels = set(re.findall(r'<label[^>]* for="([^"]+)"', html))
    for tag, attrs in re.findall(r"<(input|select|textarea)\b([^>]*)>", html):
        if 'type="hidden"' in attrs:
            continue
        field_id = re.search(r'id="([^"]+)"', attrs)
        assert field_id and field_id.group(1) in labels, f"<{tag}{attrs}> has no label"


def test_agents_and_admins_open_the_handoff_page_others_are_refused(accounts):
    for username, address in (("tuvan", "198.51.100.1"), ("boss", "198.51.100.2")):
        page = as_user(accounts, username, address).get("/staff/handoffs")
        assert page.status_code == 200, username
        assert "<h1>Hỗ trợ trực tiếp</h1>" in page.text
        assert f'data-me="{username}"' in page.text
        assert re.search(r'data-csrf="[^"]{20,}"', page.text)  # the script's CSRF token
    for username, address in (("bientap", "198.51.100.3"), ("xem", "198.51.100.4")):
        refused = as_user(accounts, username, address).get("/staff/handoffs")
        assert refused.status_code == 403 and texts.FORBIDDEN in refused.text
    signed_out = another(accounts, "198.51.100.5").get("/staff/handoffs", follow_redirects=False)
    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == "/staff/login?next=%2Fstaff%2Fhandoffs"


def test_the_canned_replies_page_edits_for_editors_and_reads_for_agents(accounts):
    editor = as_user(accounts, "bientap", "198.51.100.1").get("/staff/canned")
    assert editor.status_code == 200 and 'data-can-edit="true"' in editor.text
    assert 'id="canned-new"' in editor.text  # the form to add one
    agent = as_user(accounts, "tuvan", "198.51.100.2").get("/staff/canned")
    assert agent.status_code == 200 and 'data-can-edit="false"' in agent.text
    assert 'id="canned-new"' not in agent.text and "chỉ xem được" in agent.text
    assert as_user(accounts, "xem", "198.51.100.3").get("/staff/canned").status_code == 403


def test_the_pages_work_under_the_page_csp_and_label_every_field(accounts):
    admin = as_user(accounts, "boss", "198.51.100.1")
    for path, scripts in PAGE_SCRIPTS.items():
        response = admin.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-security-policy"] == hardening.PAGE_CSP
        parser = Inline()
        parser.feed(response.text)
        assert parser.problems == [], path
        # The page's scripts, deferred, in their order; every script it names is there to load.
        loaded = re.findall(r'<script src="/staff/static/([^"]+)" defer></script>', response.text)
        assert [script for script in loaded if script in scripts] == list(scripts), path
        for script in loaded:
            assert admin.get(f"/staff/static/{script}").status_code == 200, script
        assert '<link rel="stylesheet" href="/staff/static/handoffs.css">' in response.text
        labelled(response.text)


def test_the_navigation_shows_the_pages_to_the_roles_that_may_open_them(accounts):
    links = {
        "tuvan": ('href="/staff/handoffs"', 'href="/staff/canned"'),
        "boss": ('href="/staff/handoffs"', 'href="/staff/canned"'),
        "bientap": ('href="/staff/canned"',),
        "xem": (),
    }
    for number, (username, shown) in enumerate(links.items()):
        home = as_user(accounts, username, f"198.51.100.{number + 1}").get("/staff").text
        for link in ('href="/staff/handoffs"', 'href="/staff/canned"'):
            assert (link in home) == (link in shown), (username, link)


def test_the_home_page_counts_the_conversations_waiting_for_an_agent(accounts):
    store = accounts.app.state.handoffs.store
    agent = as_user(accounts, "tuvan", "198.51.100.1")
    viewer = as_user(accounts, "xem", "198.51.100.2")
    count = re.compile(
        r'href="/staff/handoffs"><span class="label">Đang chờ cán bộ:</span> <strong>(\d+)</strong>'
    )
    assert count.search(agent.get("/staff").text).group(1) == "0"
    first = store.open("web:11111111-1111-4111-8111-111111111111", "web", status="waiting", reason="request")
    store.open("tg:12345", "tg", status="waiting", reason="problem")
    store.open("zalo:678", "zalo", status="kept", reason="ladder")  # kept for later: not waiting
    assert count.search(agent.get("/staff").text).group(1) == "2"
    store.claim(first.id, "tuvan")
    assert count.search(agent.get("/staff").text).group(1) == "1"
    assert "Đang chờ cán bộ" not in viewer.get("/staff").text  # not a viewer's business


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_scripts_are_served_and_never_parse_text_as_html(client, script):
    response = client.get(f"/staff/static/{script}")
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]
    code = "\n".join(
        line
        for line in (STATIC / script).read_text(encoding="utf-8").splitlines()
        if not line.lstrip().startswith("//")
    )
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in code, sink
    assert not re.search(r"https?://", code)  # nothing from another site
    assert 'setAttribute("style"' not in code and ".style." not in code  # no inline style under the CSP
