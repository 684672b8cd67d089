"""Channel health from stored facts, against the local fakes of Zalo's OA API and Telegram's Bot
API (real HTTP on 127.0.0.1, the channels' real code): a spent Zalo refresh token takes Zalo down
and a restart does not hide it; a new pair brings it back; Telegram's setWebhook refused, its
getWebhookInfo delivery errors, and failing sends (the outbox) degrade or take it down;
``channel_up`` in /metrics follows."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from app import telegram as telegram_channel
from app.channel_health import DEGRADED_AFTER
from tests.app.test_telegram import HEADERS, SECRET, message, new_chat
from tests.app.test_zalo import APP_ID, APP_SECRET, OA_SECRET, FakeZalo, event, post, wait_for
from tests.connectors.test_telegram import TOKEN, FakeBotApi
from tests.metrics.conftest import scrape, value


@pytest.fixture
def zalo_fake():
    server = FakeZalo()
    threading.Thread(target=server.server.serve_forever, daemon=True).start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def zalo_settings(fake: FakeZalo, refresh: str, access: str = "") -> dict[str, Any]:
    return {
        "zalo_app_id": APP_ID,
        "zalo_app_secret": APP_SECRET,
        "zalo_oa_secret_key": OA_SECRET,
        "zalo_access_token": access,
        "zalo_refresh_token": refresh,
        "zalo_api_url": fake.url,
        "zalo_oauth_url": fake.url,
    }


def state_of(client, channel: str):
    [state] = [s for s in client.app.state.channel_health.current() if s.channel == channel]
    return state


def test_a_spent_zalo_refresh_token_takes_zalo_down_and_a_restart_does_not_hide_it(make_app, zalo_fake):
    spent = zalo_settings(zalo_fake, refresh="refresh-spent-long-ago")
    client = make_app(**spent)
    assert state_of(client, "zalo").state == "ok"
    assert post(client, event(user="2001", text="xin chào")).status_code == 200
    wait_for(lambda: state_of(client, "zalo").state == "down")
    state = state_of(client, "zalo")
    assert state.problem == "token_spent" and "-14014" in state.detail
    assert zalo_fake.refreshes and not zalo_fake.texts_to("2001"), "the refresh was refused, nothing sent"
    text = scrape(client)
    assert value(text, "channel_up", channel="zalo") == 0
    assert value(text, "channel_up", channel="web") == 1
    assert value(text, "channel_up", channel="telegram") is None, "Telegram is not switched on"
    client.__exit__(None, None, None)

    restarted = make_app(**spent)  # the same settings: nothing has been sent since the restart
    assert state_of(restarted, "zalo").state == "down"
    assert state_of(restarted, "zalo").since == state.since
    restarted.__exit__(None, None, None)

    renewed = make_app(**zalo_settings(zalo_fake, refresh="refresh-0"))  # the operator's new pair
    assert state_of(renewed, "zalo").state == "ok"
    assert post(renewed, event(user="2002", text="xin chào")).status_code == 200
    wait_for(lambda: len(zalo_fake.texts_to("2002")) == 2)
    assert state_of(renewed, "zalo").state == "ok"
    assert value(scrape(renewed), "channel_up", channel="zalo") == 1


def test_a_zalo_oauth_server_out_of_reach_degrades_zalo(make_app, zalo_fake, monkeypatch):
    from app import zalo

    monkeypatch.setattr(zalo, "RETRY_DELAYS", (0.01,))
    settings = zalo_settings(zalo_fake, refresh="refresh-0")
    client = make_app(**{**settings, "zalo_oauth_url": "http://127.0.0.1:9"})  # nothing listens there
    assert post(client, event(user="2003", text="xin chào")).status_code == 200
    wait_for(lambda: state_of(client, "zalo").state == "degraded")
    assert state_of(client, "zalo").problem == "token_failing"
    assert value(scrape(client), "channel_up", channel="zalo") == 0.5


def test_closed_zalo_reply_windows_are_not_the_channel(make_app, zalo_fake):
    client = make_app(**zalo_settings(zalo_fake, refresh="refresh-0", access="access-0"))
    outbox = client.app.state.stores.outbox
    for user in ("3001", "3002", "3003", "3004"):
        outbox.record("zalo", user, ["Chào anh/chị"], "window_closed: Zalo error -213: not a follower")
    assert state_of(client, "zalo").state == "ok"
    for user in ("3005", "3006", "3007"):
        outbox.record("zalo", user, ["Chào anh/chị"], "unavailable: Zalo did not take the message")
    state = state_of(client, "zalo")
    assert (state.state, state.problem, state.count) == ("degraded", "unsent", 3)


class ScriptedBotApi(FakeBotApi):
    """The Bot API fake, with methods made to fail and a webhook that reports delivery errors."""

    def __init__(self) -> None:
        super().__init__()
        self.failing: set[str] = set()
        self.webhook_error: str | None = None

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method in self.failing:
            return None  # the fake answers 404: PTB raises a TelegramError
        if method == "getWebhookInfo":
            info: dict[str, Any] = {
                "url": "https://dvc.example.gov.vn/telegram/webhook",
                "pending_update_count": 4,
            }
            if self.webhook_error:
                info |= {"last_error_date": int(time.time()) - 120, "last_error_message": self.webhook_error}
            return {"has_custom_certificate": False, **info}
        return super()._result(method, params)


@pytest.fixture
def bot_api():
    fake = ScriptedBotApi().start()
    yield fake
    fake.stop()


def telegram_settings(fake: FakeBotApi, **overrides: Any) -> dict[str, Any]:
    return {
        "telegram_bot_token": TOKEN,
        "telegram_api_url": fake.base_url,
        "telegram_webhook_secret": SECRET,
        **overrides,
    }


def test_telegram_set_webhook_refused_takes_it_down_until_it_starts(make_app, bot_api):
    https = telegram_settings(bot_api, public_url="https://dvc.example.gov.vn")
    bot_api.failing.add("setWebhook")
    client = make_app(**https)
    assert client.app.state.telegram is None, "the channel could not start"
    state = state_of(client, "telegram")
    assert (state.state, state.problem) == ("down", "webhook_refused")
    assert value(scrape(client), "channel_up", channel="telegram") == 0
    client.__exit__(None, None, None)

    bot_api.failing.clear()
    started = make_app(**https)
    assert started.app.state.telegram is not None
    assert state_of(started, "telegram").state == "ok"


def test_telegram_webhook_delivery_errors_degrade_it_and_clear_when_gone(make_app, bot_api, monkeypatch):
    monkeypatch.setattr(telegram_channel, "WEBHOOK_CHECK_EVERY", 0.1)
    bot_api.webhook_error = "Wrong response from the webhook: 502 Bad Gateway"
    client = make_app(**telegram_settings(bot_api, public_url="https://dvc.example.gov.vn"))
    wait_for(lambda: state_of(client, "telegram").state == "degraded")
    state = state_of(client, "telegram")
    assert state.problem == "webhook_errors" and "502 Bad Gateway" in state.detail
    bot_api.webhook_error = None
    wait_for(lambda: state_of(client, "telegram").state == "ok")


def test_telegram_sends_failing_degrade_it_through_the_outbox(make_app, bot_api):
    client = make_app(**telegram_settings(bot_api))
    bot_api.failing.add("sendMessage")
    chat = new_chat()
    for text in ("xin chào", "cho tôi hỏi", "thủ tục khai sinh"):
        assert client.post("/telegram/webhook", json=message(chat, text), headers=HEADERS).status_code == 200
    outbox = client.app.state.stores.outbox
    wait_for(lambda: len(outbox.unsent("tg")) >= DEGRADED_AFTER)
    state = state_of(client, "telegram")
    assert (state.state, state.problem) == ("degraded", "unsent") and state.count >= DEGRADED_AFTER
    assert value(scrape(client), "channel_up", channel="telegram") == 0.5
