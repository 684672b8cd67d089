"""Where a person stands in the guide, read from and written back to the tracker's slots."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

# guide_stage values
CHOOSE = "choose"  # waiting for the name of a procedure
CONFIRM = "confirm"  # "this procedure, right?"
VNEID = "vneid"  # "do you have a level-2 VNeID account?"
ADDRESS = "address"  # waiting for the address that decides where to submit
PLACE = "place"  # outside the guide: "nộp ở đâu?" asked for the address
READY = "ready"  # documents and essentials shown, waiting to start
STEPS = "steps"  # in the walkthrough, at guide_step
PROBLEM = "problem"  # asked what went wrong at guide_step
RATING = "rating"  # finished, waiting for the satisfaction rating
RESUME = "resume"  # came back later: continue at guide_step?

# Stages at which the guide has asked the person something and waits for the answer.
QUESTIONS = {CHOOSE, CONFIRM, VNEID, ADDRESS, PLACE, READY, PROBLEM, RATING, RESUME}
# Questions answered with yes or no.
YES_NO = {CONFIRM, VNEID, RESUME}
# Stages with progress that starting over would throw away (so it asks first).
UNDER_WAY = {CONFIRM, VNEID, ADDRESS, READY, STEPS, PROBLEM, RESUME}

# guide_pending values: a confirmation the guide asked for, valid for the next reply only.
START_OVER = "start_over"  # "stop the guide of X and start over?"

SLOTS = {
    "procedure": "procedure",
    "step": "guide_step",
    "stage": "guide_stage",
    "back_to": "guide_return",
    "failures": "guide_failures",
    "human_help": "human_help",
    "address": "address",
    "address_attempts": "address_attempts",
    "asks": "guide_asks",
    "pending": "guide_pending",
}
NUMBERS = {"step", "failures", "address_attempts", "asks"}  # float slots


@dataclass
class GuideState:
    procedure: str | None = None
    step: int | None = None
    stage: str | None = None
    back_to: str | None = None
    failures: int = 0
    human_help: bool = False
    address: str | None = None
    address_attempts: int = 0  # 2: the address question was given up (skipped or unreadable twice)
    asks: int = 0  # times in a row the question of ``stage`` was shown; never above 2 after a reply
    pending: str | None = None

    @classmethod
    def read(cls, tracker: Tracker) -> GuideState:
        get = tracker.get_slot
        step = get("guide_step")
        return cls(
            procedure=get("procedure") or None,
            step=int(step) if step else None,
            stage=get("guide_stage") or None,
            back_to=get("guide_return") or None,
            failures=int(get("guide_failures") or 0),
            human_help=bool(get("human_help")),
            address=get("address") or None,
            address_attempts=int(get("address_attempts") or 0),
            asks=int(get("guide_asks") or 0),
            pending=get("guide_pending") or None,
        )

    @property
    def walking(self) -> bool:
        """A walkthrough is under way (the person has a step to come back to)."""
        return self.procedure is not None and self.step is not None and self.stage in {STEPS, PROBLEM, RESUME}

    @property
    def active(self) -> bool:
        """Some part of the guide is waiting for the person."""
        return self.stage is not None

    @property
    def under_way(self) -> bool:
        """A guide with progress to lose is under way (starting over asks first)."""
        return self.procedure is not None and self.stage in UNDER_WAY

    def copy(self) -> GuideState:
        return replace(self)

    def cleared(self) -> GuideState:
        """The guide is over; the procedure and address stay for questions that follow."""
        return GuideState(procedure=self.procedure, address=self.address)

    def end(self, forget: bool = False) -> None:
        """End the guide in place (``forget``: the procedure and address too, as on "làm lại")."""
        fresh = GuideState() if forget else self.cleared()
        for item in fields(self):
            setattr(self, item.name, getattr(fresh, item.name))

    def events(self, before: GuideState) -> list[dict[str, Any]]:
        """SlotSet events for what changed since ``before``."""
        changed = []
        for item in fields(self):
            value = getattr(self, item.name)
            if value != getattr(before, item.name):
                if item.name in NUMBERS and value is not None:
                    value = float(value)
                changed.append(SlotSet(SLOTS[item.name], value))
        return changed
