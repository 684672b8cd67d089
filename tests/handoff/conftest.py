"""Fixtures of the handoff tests: the whole app in-process on real SQLite with a clock the tests
move (Rasa down unless a test gives the stack's), agents signed in through the staff API, and
web conversation ids issued by ``POST /api/session``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from app.staff.csrf import HEADER
from tests.app.test_zalo import fake as zalo_fake  # noqa: F401 (its Zalo API fake, as a fixture here)
from tests.clients import opened_clients
from tests.staff.conftest import PASSWORD, Clock, add_account, another, staff_settings

# Tuesday 2026-12-08 09:00 in Vietnam (UTC+7): within "Mon-Fri 07:30-11:30,13:30-17:00".
OPEN_HOURS = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
# The same Tuesday 20:00 in Vietnam: outside the hours; staff are back Wednesday 7:30.
EVENING = datetime(2026, 12, 8, 13, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    moment = Clock()
    moment.now = OPEN_HOURS
    return moment


def handoff_settings(var_dir: Path, **overrides: object) -> Settings:
    """The staff console's test settings (Rasa down unless a test gives the stack's), with the
    rate limits out of the way of the conversations a test holds."""
    values: dict[str, object] = {
        "rasa_timeout": 2,
        "channel_rate_limit": 1000,
        "client_rate_limit": 100_000,
        "session_rate_limit": 10_000,
    }
    return staff_settings(var_dir, **{**values, **overrides})


@pytest.fixture
def make_app(tmp_path: Path, clock: Clock) -> Iterator[Callable[..., TestClient]]:
    with opened_clients() as open_client:
        yield lambda **overrides: open_client(
            create_app(handoff_settings(tmp_path, **overrides), open_knowledge_base=False, clock=clock)
        )


@pytest.fixture
def citizen(make_app: Callable[..., TestClient]) -> TestClient:
    return make_app()


class Staff:
    """A signed-in staff browser: JSON calls with its CSRF token."""

    def __init__(self, client: TestClient, username: str, role: str = "agent") -> None:
        add_account(client, username, role)
        self.client, self.username = another(client), username
        # The same event loop as the app's lifespan (its Rasa client lives there), own cookies.
        self.client.portal = client.portal
        response = self.client.post("/api/staff/session", json={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        self.csrf = response.json()["csrf"]

    def call(self, method: str, path: str, body: Any = None) -> Any:
        return self.client.request(method, path, json=body, headers={HEADER: self.csrf})

    def on_duty(self, online: bool = True) -> None:
        assert self.call("PUT", "/api/staff/presence", {"online": online}).status_code == 200


def new_web_sender(client: TestClient, kiosk: bool = False) -> str:
    response = client.post("/api/session", json={"kiosk": kiosk})
    assert response.status_code == 201, response.text
    return response.json()["sender"]
