from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.services import CentreContact, Services
from knowledge.search import Calibration
from tests.knowledge_base import seeded_service

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


@pytest.fixture(scope="session")
def knowledge(tmp_path_factory):
    """A real knowledge base from the seed, lexical only (fast), on the review date of the content."""
    service = seeded_service(
        tmp_path_factory.mktemp("kb"), date(2026, 11, 27), Calibration(dense_weight=0.0, threshold=0.5)
    )
    yield service
    service.store.close()


class Conversation:
    """Drives actions as Rasa would: a tracker built from the slots, slot events applied back."""

    def __init__(self, services: Services, sender: str = "web:0f8e2c4a") -> None:
        from actions import build_actions

        self.services = services
        self.sender = sender
        self.slots: dict = {}
        self.events: list[dict] = []
        self.last_message_at: float | None = None  # the timestamp of the person's last message
        self.previous: str | None = None  # the action run last, which the tracker's events show
        self.actions = {action.name(): action for action in build_actions(services)}

    async def run(
        self, action: str, text: str = "", intent: str = "", entities: dict | None = None
    ) -> list[dict]:
        entity_list = [{"entity": name, "value": value} for name, value in (entities or {}).items()]
        past = [{"event": "action", "name": self.previous}, {"event": "action", "name": "action_listen"}]
        tracker = Tracker(
            self.sender,
            dict(self.slots),
            {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": entity_list},
            [
                *(past if self.previous else []),
                {"event": "user", "text": text, "input_channel": "rest", "timestamp": self.last_message_at},
            ],
            False,
            None,
            {},
            "action_listen",
        )
        dispatcher = CollectingDispatcher()
        self.events = await self.actions[action].run(dispatcher, tracker, {})
        self.previous = action
        for event in self.events:
            if event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]
        return dispatcher.messages

    def text(self, messages: list[dict]) -> str:
        return "\n".join(message.get("text") or "" for message in messages)

    def payloads(self, messages: list[dict]) -> list[str]:
        return [button["payload"] for message in messages for button in message.get("buttons") or []]


@pytest.fixture
def conversation(services, knowledge, tmp_path):
    from dataclasses import replace

    from app.database import Database
    from app.ratings import RatingStore

    database = Database(f"sqlite:///{tmp_path / 'app.db'}", secret="test-key")
    ratings = RatingStore(database)
    yield Conversation(replace(services, knowledge=knowledge, ratings=ratings))
    database.close()
