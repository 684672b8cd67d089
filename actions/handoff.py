"""The bot's side of a handoff to a person, after the person at the centre is done.

The app triggers these intents (``POST /conversations/{id}/trigger_intent``) once it has appended
``{"event": "resume"}`` to the tracker:

- ``handoff_resume`` (entity ``step``, 1-based): the agent hands the conversation back; the bot
  speaks first and continues the walkthrough of the conversation's procedure at that step
  (clamped to the procedure's steps), shown as the guide shows every step. With no walkthrough
  under way it says it is back and shows the menu.
- ``handoff_closed``: the agent closed the conversation; the bot asks the guide's rating
  question, so the rating flow (actions.rating) stores it, with ``human_help`` set.

Both record that a person helped (the ``human_help`` slot, stored with the rating). They answer
only intents the app triggered (Rasa marks those external): "/handoff_closed" typed by a citizen
is an unclear reply, never a rating that claims a person helped. Starting a handoff is
``replies.start_handoff``; the citizen's messages while a person holds the conversation come as
``handoff_message``, which a rule answers with silence (bot/data/rules/handoff.yml).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions import replies
from actions.guide import Guide, GuideAction
from actions.state import STEPS, UNDER_WAY, GuideState

EXTERNAL_PREFIX = "EXTERNAL: "  # the text Rasa gives an intent triggered through its HTTP API
RESUMED = "Tôi là trợ lý tự động, tôi tiếp tục hướng dẫn anh/chị từ bước {step}."
RESUMED_NO_GUIDE = "Tôi là trợ lý tự động, tôi tiếp tục hỗ trợ anh/chị."
CLOSED = "Cán bộ đã kết thúc phiên hỗ trợ. Anh/chị thấy sự hỗ trợ vừa rồi thế nào?"


def triggered_by_app(tracker: Tracker) -> bool:
    """The latest message is an intent the app triggered, not something the citizen sent."""
    message = tracker.latest_message or {}
    metadata = message.get("metadata") or {}
    return metadata.get("is_external") is True or (message.get("text") or "").startswith(EXTERNAL_PREFIX)


def requested_step(tracker: Tracker) -> int | None:
    for value in tracker.get_latest_entity_values("step"):
        try:
            return int(float(value))
        except (TypeError, ValueError):
            continue
    return None


class ActionHandoffResume(GuideAction):
    def name(self) -> str:
        return "action_handoff_resume"

    async def move(self, guide: Guide, state: GuideState, tracker: Tracker) -> list[dict[str, Any]] | None:
        if not triggered_by_app(tracker):
            guide.repeat(state, intro=replies.UNCLEAR)
            return None
        state.human_help = True
        procedure = guide.procedure(state.procedure)
        if procedure is None or state.stage not in UNDER_WAY or not procedure.steps:
            state.end()  # whatever question was pending, the menu starts afresh
            guide.say(text=RESUMED_NO_GUIDE)
            guide.menu(state)
            return None
        step = requested_step(tracker)
        step = min(max(state.step or 1 if step is None else step, 1), len(procedure.steps))
        state.stage, state.step, state.failures, state.pending = STEPS, step, 0, None
        guide.show_step(state, intro=RESUMED.format(step=step))
        return None


class ActionHandoffClosed(GuideAction):
    def name(self) -> str:
        return "action_handoff_closed"

    async def move(self, guide: Guide, state: GuideState, tracker: Tracker) -> list[dict[str, Any]] | None:
        if not triggered_by_app(tracker):
            guide.repeat(state, intro=replies.UNCLEAR)
            return None
        state.human_help = True
        guide.ask_rating(state, intro=CLOSED, fresh=True)
        return None
