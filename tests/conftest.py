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
    from app.runner import Stack, isolated_settings

    var = tmp_path_factory.mktemp("var")
    # Tests type faster than people: the per-sender limit is tested on its own (test_history.py).
    settings = isolated_settings(var, channel_rate_limit=600)
    running = Stack(settings=settings, log_dir=var / "log")
    running.start()
    try:
        running.wait_healthy(timeout=600)
        yield running
    finally:
        running.stop()


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
