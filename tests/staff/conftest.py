"""Fixtures of the staff console's tests: a clock the tests move, the app database on real
SQLite, and the whole app (Rasa down: the console needs none of it) behind a TestClient."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.database import Database
from app.main import create_app
from app.runner import free_port
from app.settings import Settings
from app.staff.accounts import Accounts
from knowledge.search import Calibration, SearchService
from knowledge.seed import load_seed
from knowledge.store import Store
from tests.clients import opened_clients

KEY = "k" * 40
PASSWORD = "Mật khẩu đủ dài 2026"  # Vietnamese letters: compared in NFC
ADDRESS = "203.0.113.7"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    opened = Database(f"sqlite:///{tmp_path / 'app.db'}", KEY)
    yield opened
    opened.close()


@pytest.fixture
def accounts(database: Database, clock: Clock) -> Accounts:
    return Accounts(database, clock)


def staff_settings(var_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "var_dir": var_dir,
        "rasa_port": free_port(),
        "rasa_timeout": 1,
        "app_secret_key": KEY,
    }
    return Settings(_env_file=None, **{**values, **overrides})


@pytest.fixture
def make_client(tmp_path: Path, clock: Clock) -> Iterator[Callable[..., TestClient]]:
    """``make_client(**settings)``: the app on its own var/ with the test's clock; more clients of
    the same app (other browsers, other addresses) come from :func:`another`."""
    with opened_clients() as open_client:
        yield lambda **overrides: open_client(
            create_app(staff_settings(tmp_path, **overrides), open_knowledge_base=False, clock=clock),
            (ADDRESS, 40000),
        )


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


def another(client: TestClient, address: str = ADDRESS) -> TestClient:
    """A second browser (own cookies) on the same running app, from ``address``."""
    return TestClient(client.app, client=(address, 40001))


def add_account(client: TestClient, username: str, role: str, password: str = PASSWORD) -> None:
    client.app.state.staff.accounts.create(username, password, role)  # type: ignore[attr-defined]


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the API; the CSRF token for the next calls."""
    response = client.post("/api/staff/session", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["csrf"]


# --- the knowledge base the console edits ------------------------------------------------------


@pytest.fixture(scope="session")
def seeded_file(tmp_path_factory) -> str:
    """The seed imported once into a knowledge database; each test works on a copy."""
    path = tmp_path_factory.mktemp("seeded") / "knowledge.db"
    store = Store(f"sqlite:///{path}")
    store.import_seed(load_seed())
    store.close()
    return str(path)


@pytest.fixture
def knowledge_today() -> date:
    """The day the knowledge base's validity windows are read on (a module may override it)."""
    return date(2026, 12, 4)


@pytest.fixture
def knowledge(tmp_path, seeded_file, knowledge_today):
    """The real knowledge base from the seed (lexical), written to by the console."""
    copy = tmp_path / "knowledge.db"
    shutil.copy(seeded_file, copy)
    store = Store(f"sqlite:///{copy}")
    service = SearchService(store, None, tmp_path / "index", today=lambda: knowledge_today)
    service.open()
    service.calibration = Calibration(dense_weight=0.0, threshold=0.5)
    yield service
    store.close()
