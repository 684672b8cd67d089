"""Fixtures of the metrics and channel-health tests: an in-process app (Rasa down unless a test
gives it one) with a metrics token, and the exposition text parsed by prometheus-client's parser."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from app.main import create_app
from app.runner import free_port
from app.settings import Settings

TOKEN = "metrics-token-for-tests-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
KEY = "m" * 40


def metrics_settings(var_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "var_dir": var_dir,
        "app_db_url": f"sqlite:///{var_dir / 'app.db'}",
        "app_port": free_port(),
        "rasa_port": free_port(),  # nothing listens there: Rasa is down unless overridden
        "rasa_timeout": 2.0,
        "inbox_retry_seconds": 0,  # Rasa down: the "send it again" reply at once (tests/faults: retries)
        "app_secret_key": KEY,
        "metrics_token": TOKEN,
    }
    return Settings(_env_file=None, **{**values, **overrides})


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Callable[..., TestClient]]:
    """``make_app(client=("10.0.0.1", 5000), **settings)``: a running app behind a TestClient."""
    opened: list[TestClient] = []

    def make(
        client: tuple[str, int] = ("127.0.0.1", 50000), clock: Any = None, **overrides: Any
    ) -> TestClient:
        extra = {"clock": clock} if clock is not None else {}
        app = create_app(metrics_settings(tmp_path, **overrides), open_knowledge_base=False, **extra)
        test_client = TestClient(app, client=client)
        test_client.__enter__()
        opened.append(test_client)
        return test_client

    yield make
    for test_client in reversed(opened):
        test_client.__exit__(None, None, None)


def samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    """Every sample of an exposition text: (name, labels, value)."""
    return [
        (sample.name, dict(sample.labels), sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    ]


def value(text: str, name: str, **labels: str) -> float | None:
    """The value of the one sample ``name`` whose labels include ``labels`` (None: not there)."""
    found = [v for n, ls, v in samples(text) if n == name and labels.items() <= ls.items()]
    assert len(found) <= 1, f"{name}{labels} matches {len(found)} samples"
    return found[0] if found else None


def scrape(client: TestClient) -> str:
    response = client.get("/metrics", headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return response.text
