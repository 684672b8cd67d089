"""What every part of the guide shares: the knowledge it reads, what it says, the question counter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rasa_sdk.executor import CollectingDispatcher

from actions.services import Services
from actions.state import GuideState

if TYPE_CHECKING:
    from knowledge.models import Procedure

VNEID_SLUG = "tai-khoan-dinh-danh-dien-tu"


def is_payload(text: str) -> bool:
    return text.startswith("/")


class GuideBase:
    """The guide's moves (split by part in the mixins of this package) write replies and update a state."""

    def __init__(self, services: Services, dispatcher: CollectingDispatcher) -> None:
        self.services = services
        self.say = dispatcher.utter_message
        self._topics: dict[str, Any] = {}
        # Dashboard events of this turn (kind, procedure, step), stored by GuideAction.run.
        self.notes: list[tuple[str, str | None, int | None]] = []

    def note(self, kind: str, procedure: str | None = None, step: int | None = None) -> None:
        self.notes.append((kind, procedure, step))

    # --- knowledge -------------------------------------------------------------------
    def procedure(self, slug: str | None) -> Procedure | None:
        topic = self.topic(slug) if slug else None
        return topic if topic is not None and topic.kind == "procedure" else None

    def topic(self, slug: str):
        """A topic from the knowledge store, read once per turn (each read is a query and a parse)."""
        if slug not in self._topics:
            knowledge = self.services.knowledge
            self._topics[slug] = knowledge.topic(slug) if knowledge is not None else None
        return self._topics[slug]

    def guide_topics(self) -> list:
        knowledge = self.services.knowledge
        return knowledge.topics("guide") if knowledge is not None else []

    # --- the question counter ----------------------------------------------------------
    @staticmethod
    def ask(state: GuideState, stage: str, fresh: bool = False) -> None:
        """Note that the question of ``stage`` is shown: once more if the guide was already there.

        A stage entered without a count (set by another action) has shown its question once.
        ``fresh``: a new question at the same stage (another procedure, a new session).
        """
        if fresh or state.stage != stage:
            state.asks = 1
        else:
            state.asks = max(state.asks, 1) + 1
        state.stage = stage
