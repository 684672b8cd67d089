"""The guide's Rasa actions: each reads the state, reads the reply against the question asked, moves.

Rules map an intent to an action (bot/data/rules/guide.yml); what the reply means depends on
where the person stands, which is read here: first by ``reading.read_reply`` (the answer to
the question the guide asked, whatever action the intent led to), then by the action's move.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.guide.base import is_payload
from actions.guide.moves import Guide
from actions.guide.reading import MISSES_SLOT, pending_of, read_reply
from actions.services import Services
from actions.state import CHOOSE, CONFIRM, PROBLEM, RESUME, STEPS, GuideState


class GuideAction(Action):
    """One turn of the guide: read the state, make a move, write back what changed."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def move(self, guide: Guide, state: GuideState, tracker: Tracker) -> list[dict[str, Any]] | None:
        """Make the move; return events other than the guide state's, if any."""
        raise NotImplementedError

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        state = GuideState.read(tracker)
        before = state.copy()
        pending = pending_of(state, tracker)
        state.pending = None  # a confirmation is valid for the reply right after it only
        guide = Guide(self._services, dispatcher)
        extra = await read_reply(guide, state, tracker, pending)
        if extra is None:
            extra = await self.move(guide, state, tracker) or []
        for kind, procedure, step in guide.notes:
            await self._services.record(kind, tracker.sender_id, procedure=procedure, step=step)
        return [*extra, *state.events(before)]


class ActionGuideStart(GuideAction):
    def name(self) -> str:
        return "action_guide_start"

    async def move(self, guide: Guide, state: GuideState, tracker: Tracker) -> list[dict[str, Any]] | None:
        text = (tracker.latest_message or {}).get("text") or ""
        slug, candidates = await guide.resolve(tracker)
        if is_payload(text):
            # A button (the walkthrough after an answer, a suggestion, the menu) is already a choice.
            if slug is not None:
                guide.begin(state, slug, confirm=False)
            else:
                state.stage = None
                guide.ask_which(state, candidates)
        elif slug is not None and slug == state.procedure and state.stage == CONFIRM:
            guide.confirmed(state)
        elif slug is not None and slug == state.procedure and state.walking:
            state.stage = STEPS
            guide.show_step(state, intro="Anh/chị đang làm thủ tục này; tôi hướng dẫn tiếp nhé.")
        elif slug is not None:
            guide.begin(state, slug, confirm=True)
        elif state.active and state.stage != CHOOSE:
            guide.unclear(state)  # typed, names no procedure: not a new choice mid-guide
        else:
            guide.choose_again(state, candidates)


class ActionGuideAnswer(GuideAction):
    """Yes or no outside the guide's yes/no questions (those are read first, see reading)."""

    def name(self) -> str:
        return "action_guide_answer"

    async def move(self, guide: Guide, state: GuideState, tracker: Tracker) -> list[dict[str, Any]] | None:
        yes = (tracker.latest_message or {}).get("intent", {}).get("name") == "affirm"
        if state.stage in {STEPS, PROBLEM} and yes:
            guide.next(state)
        elif state.stage is not None:
            guide.repeat(state, counted=False)
        else:
            guide.say(text="Vâng ạ. Anh/chị cần tôi giúp gì thêm cứ nhắn nhé.")


class ActionGuideNext(GuideAction):
    def name(self) -> str:
        return "action_guide_next"

    async def move(self, guide: Guide, state: GuideState, tracker: Tracker) -> list[dict[str, Any]] | None:
        guide.next(state)


class ActionGuideBack(GuideAction):
    def name(self) -> str:
        return "action_guide_back"

    async def move(self, guide: Guide, state: GuideState, tracker: Tracker) -> list[dict[str, Any]] | None:
        guide.back(state)


class ActionGuideProblem(GuideAction):
    def name(self) -> str:
        return "action_guide_problem"

    async def move(self, guide: Guide, state: GuideState, tracker: Tracker) -> list[dict[str, Any]] | None:
        text = (tracker.latest_message or {}).get("text") or ""
        if state.stage == PROBLEM:
            if not guide.troubleshoot(state, text):
                guide.no_fix(state)
        elif state.stage in {STEPS, RESUME} and state.step:
            guide.problem(state, text)
        else:
            # Not in a walkthrough: the problem is a question like any other.
            from actions.question import answer  # actions.question builds on this package

            return await answer(self._services, guide, tracker, state)
        return None


class ActionStartOver(GuideAction):
    """'Làm lại từ đầu', 'thoát': forget the guide and any question under way, show the menu.

    With progress to lose it asks first ("Làm lại từ đầu" / "Tiếp tục hướng dẫn"); the answer
    is read at the next reply (reading.read_reply).
    """

    def name(self) -> str:
        return "action_start_over"

    async def move(self, guide: Guide, state: GuideState, tracker: Tracker) -> list[dict[str, Any]] | None:
        if state.under_way:
            guide.confirm_start_over(state)
            return None
        guide.start_over(state)
        return [SlotSet(MISSES_SLOT, 0.0)]


class ActionMenu(GuideAction):
    def name(self) -> str:
        return "action_menu"

    async def move(self, guide: Guide, state: GuideState, tracker: Tracker) -> list[dict[str, Any]] | None:
        guide.menu(state)
