"""The console's side of channel health and the failed-send outbox, on the real app with the
Telegram fake: the alert line on every console page and the home page's section; the outbox page
(agents and admins), retry of one row and of a channel through the channel's own send function
with a fake that fails then succeeds, attempts and reasons, sent rows leaving, audit records."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.staff import texts
from app.staff.audit import AuditFilter
from tests.metrics.test_channel_health import ScriptedBotApi, telegram_settings
from tests.staff.conftest import add_account, sign_in


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 5, 1, 12, tzinfo=UTC)  # 08:12 in Vietnam

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def bot_api():
    fake = ScriptedBotApi().start()
    yield fake
    fake.stop()


@pytest.fixture
def console(make_app, bot_api):
    zalo = {"zalo_app_id": "1", "zalo_app_secret": "s", "zalo_oa_secret_key": "o", "zalo_refresh_token": "r"}
    client = make_app(clock=Clock(), **telegram_settings(bot_api), **zalo)
    for name, role in (("dai", "agent"), ("xem", "viewer"), ("bien", "editor")):
        add_account(client, name, role)
    return client


def test_a_dead_channel_shows_an_alert_line_on_every_console_page(console):
    console.app.state.stores.channel_problems.report("zalo", "token_spent", "Zalo refused the token refresh")
    sign_in(console, "xem")
    for page in ("/staff", "/staff/password", "/staff/entries"):
        html = console.get(page).text
        assert 'class="channel-alerts" role="alert"' in html, page
        assert "Kênh Zalo ngừng hoạt động từ 08:12: mã làm mới đã hết hạn — cần cấp lại" in html
        assert 'href="/staff/outbox"' not in html, "a viewer has no outbox to go to"
    home = console.get("/staff").text
    assert texts.CHANNEL_HEALTH_TITLE in home
    assert 'data-channel="telegram"' in home and "Hoạt động bình thường" in home
    assert "Ngừng hoạt động" in home

    console.app.state.stores.channel_problems.clear("zalo", "token_spent")
    assert "channel-alerts" not in console.get("/staff").text
    assert "channel-alerts" not in console.get("/staff/login").text


def test_the_outbox_page_retries_through_the_channel_with_attempts_reasons_and_audit(console, bot_api):
    outbox = console.app.state.stores.outbox
    outbox.record("tg", "7001", ["Số CCCD 079088001234 của anh đã được ghi nhận", "Bước 2"], "unavailable: x")
    outbox.record("tg", "7002", ["Chào anh/chị"], "unavailable: x")
    outbox.record("zalo", "8001", ["Chào chị"], "window_closed: Zalo error -213")
    csrf = sign_in(console, "dai")
    page = console.get("/staff/outbox").text
    assert page.count('class="outbox-item"') == 4
    assert "***34" in page and "079088001234" not in page, "texts are shown masked"
    assert "Telegram: <strong>3</strong>" in page and "Zalo: <strong>1</strong>" in page
    assert console.get("/staff").text.count(f"{texts.OUTBOX_HOME}:") == 1

    first = outbox.unsent("tg")[0]
    bot_api.failing.add("sendMessage")
    failed = console.post(f"/api/staff/outbox/{first.id}/retry", headers={"X-CSRF-Token": csrf})
    assert failed.json() == {"sent": 0, "failed": 1, "skipped": 0}
    [again] = outbox.unsent(ids=[first.id])
    assert (
        again.attempts == 2 and again.reason.startswith("unavailable: ") and again.reason != "unavailable: x"
    )

    bot_api.failing.clear()
    tried = len(bot_api.sent())  # the fake records the refused call too
    response = console.post("/staff/outbox/retry?channel=tg", data={"csrf": csrf}, follow_redirects=False)
    assert response.status_code == 303
    done = console.get(response.headers["location"]).text
    assert texts.OUTBOX_RETRIED.format(sent=3, failed=0) in done
    sent = [call["text"] for call in bot_api.sent()[tried:]]
    assert sent == [
        "Số CCCD ***34 của anh đã được ghi nhận",
        "Bước 2",
        "Chào anh/chị",
    ], "in order, the masked text, through the Telegram channel"
    assert outbox.unsent("tg") == []
    assert all(row.sent_at is not None for row in outbox.items("tg"))
    assert [row.attempts for row in outbox.items("tg")] == [3, 2, 2]
    assert console.get("/staff/outbox").text.count('class="outbox-item"') == 1

    entries = console.app.state.staff.audit.page(AuditFilter(action="outbox_retried")).entries
    assert [(e.actor, e.target_id, e.after) for e in reversed(entries)] == [
        ("dai", str(first.id), {"sent": 0, "failed": 1, "skipped": 0}),
        ("dai", "channel:tg", {"sent": 3, "failed": 0, "skipped": 0}),
    ]


def test_a_channel_not_running_is_refused_without_counting_an_attempt(make_app):
    client = make_app()  # neither Telegram nor Zalo is switched on
    add_account(client, "dai", "agent")
    outbox = client.app.state.stores.outbox
    outbox.record("zalo", "8001", ["Chào chị"], "unavailable: Zalo did not answer")
    csrf = sign_in(client, "dai")
    response = client.post("/api/staff/outbox/retry?channel=zalo", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 409
    assert response.json()["detail"] == texts.OUTBOX_CHANNEL_OFF.format(channel="Zalo")
    assert outbox.unsent("zalo")[0].attempts == 1
    page = client.post("/staff/outbox/retry?channel=zalo", data={"csrf": csrf})
    assert texts.OUTBOX_CHANNEL_OFF.format(channel="Zalo") in page.text


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_only_agents_and_admins_see_the_outbox(console, role):
    sign_in(console, {"viewer": "xem", "editor": "bien"}[role])
    assert console.get("/staff/outbox").status_code == 403
    assert console.get("/api/staff/outbox").status_code == 403
    assert 'href="/staff/outbox"' not in console.get("/staff").text


def test_the_outbox_api_needs_a_signed_in_agent(console):
    assert console.get("/api/staff/outbox").status_code == 401
    sign_in(console, "dai")
    body = console.get("/api/staff/outbox").json()
    assert body == {"counts": {}, "items": []}
