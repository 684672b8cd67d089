"""Shared fixtures: the real stack (Rasa server with the trained model + the app) on free ports.

Imports of the app environment stay inside the fixtures: this file is also loaded by the
Rasa-side test run in .venv-rasa.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Start Rasa and the app once per session, exactly as `make run` does, and stop them after."""
    from app.runner import running_stack

    with running_stack(tmp_path_factory.mktemp("var"), channel_rate_limit=600) as running:
        yield running


@pytest.fixture(scope="session")
def api(stack) -> Iterator[object]:
    """HTTP client for the running app."""
    import httpx

    with httpx.Client(base_url=f"http://127.0.0.1:{stack.settings.app_port}", timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def rasa_api(stack) -> Iterator[object]:
    """HTTP client for the running Rasa server's HTTP API (add the token yourself)."""
    import httpx

    with httpx.Client(base_url=stack.settings.rasa_url, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def token(stack) -> str:
    return stack.settings.rasa_auth_token


@pytest.fixture(scope="session")
def new_sender(api):
    """Ask the running app for a new web conversation id, as the widget does (POST /api/session)."""

    def issue(kiosk: bool = False) -> str:
        response = api.post("/api/session", json={"kiosk": kiosk})
        assert response.status_code == 201, response.text
        return response.json()["sender"]

    return issue


@pytest.fixture
def hung_rasa() -> Iterator[int]:
    """A peer that accepts connections and never answers, like an overloaded Rasa."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright, one per test module: Playwright's sync API holds an
    event loop while it runs, which the asyncio tests of other modules must not find."""
    from playwright.sync_api import sync_playwright

    from tests.pages import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def desktop(browser, stack) -> Iterator[object]:
    """A fresh browser context on the stack at 1280×800 (tests/app/widget_browsing.py's Browsing)."""
    from tests.app.widget_browsing import DESKTOP, browse

    with browse(browser, stack, DESKTOP) as seen:
        yield seen


@pytest.fixture
def phone(browser, stack) -> Iterator[object]:
    """The same at a phone's 360×740."""
    from tests.app.widget_browsing import PHONE, browse

    with browse(browser, stack, PHONE) as seen:
        yield seen
