from __future__ import annotations

import json
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.services import CentreContact, Services

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def load_tracker():
    """Build a Tracker from a JSON fixture, as the SDK receives it from Rasa."""

    def load(name: str) -> Tracker:
        return Tracker.from_dict(json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8")))

    return load


@pytest.fixture
def services() -> Services:
    return Services(
        centre=CentreContact(
            name="Trung tâm Phục vụ hành chính công tỉnh Thử Nghiệm",
            address="Số 1 Đường Thử, phường Một, tỉnh Thử Nghiệm",
            hotline="0200 123 4567",
            hours="Thứ Hai – Thứ Sáu, 7:30–17:00",
            portal_url="https://dichvucong.example.gov.vn",
        )
    )


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()
