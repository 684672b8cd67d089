"""A new session (the person comes back later): keep the slots, offer to resume the guide."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.guide import Guide
from actions.services import Services
from actions.state import PROBLEM, READY, RESUME, STEPS, GuideState

# Slots that belong to one exchange, not to the person's progress.
TRANSIENT = {"requested_slot", "rating_comment", "question_misses", "session_started_metadata"}


class ActionSessionStart(Action):
    def __init__(self, services: Services) -> None:
        self._services = services

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = [SessionStarted()]
        if not self._recent(tracker):
            # Nothing carries over from longer ago than the retention window.
            events.append(ActionExecuted("action_listen"))
            return events
        events += [
            SlotSet(name, value)
            for name, value in tracker.current_slot_values().items()
            if value is not None and name not in TRANSIENT
        ]
        state = GuideState.read(tracker)
        before = state.copy()
        if state.stage in {READY, STEPS, PROBLEM, RESUME}:
            Guide(self._services, dispatcher).offer_resume(state)
        elif state.stage is not None:
            # A question left open (which procedure? a rating?) does not outlive the session.
            state = state.cleared()
        events += state.events(before)
        events.append(ActionExecuted("action_listen"))
        return events

    def _recent(self, tracker: Tracker) -> bool:
        """Did the person write within DATA_RETENTION_DAYS? (slots older than that do not carry)"""
        stamps = [
            float(event["timestamp"])
            for event in tracker.events
            if event.get("event") == "user" and isinstance(event.get("timestamp"), int | float)
        ]
        if not stamps:
            return True  # nothing to go by: the slots themselves are recent enough to be here
        last = datetime.fromtimestamp(max(stamps), UTC)
        return self._services.clock() - last <= timedelta(days=self._services.retention_days)
