"""What a reply means at the question the guide asked, read before any action's own move.

The classifier names an intent for the message alone; the guide knows what it asked. A pending
"start over?" is answered first. At a yes/no question "ok" and "tiếp theo" are yes, and so is
"đúng" typed with tones or "dung" typed without them (the classifier may read it as "dừng").
At the address question "ok", "tiếp theo", "bỏ qua" or "không biết" go on without it and any
other typed text is read as an address. A reply that answers nothing is unclear: one re-ask,
then the question's default (``ComingBack.unclear``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.guide.base import is_payload
from actions.state import (
    ADDRESS,
    CHOOSE,
    PLACE,
    PROBLEM,
    RATING,
    READY,
    START_OVER,
    STEPS,
    YES_NO,
    GuideState,
)
from knowledge.text import clean, fold, normalize, words

if TYPE_CHECKING:
    from actions.guide.moves import Guide

MISSES_SLOT = "question_misses"
# What people type, in the normalised form of knowledge.text (folded, abbreviations expanded).
TONED_YES = {"đúng", "đúng rồi", "đúng vậy", "đúng thế", "đúng ạ", "đúng rồi ạ"}
UNTONED_YES = {"dung", "dung roi", "dung vay", "dung the", "dung a", "dung roi a"}
SKIP = {"bo qua", "bo qua a", "bo qua nhe", "bo qua di", "thoi bo qua"}
DONT_KNOW = [("khong", "biet"), ("chua", "biet"), ("khong", "nho"), ("khong", "ro")]
DONT_KNOW_WORDS = 6  # longer replies are read for what they say

GO_ON = {"affirm", "deny", "guide_next"}  # at the address: go on without it
# At the address, typed text with one of these intents is read as an address.
ADDRESS_TRIES = {
    "inform_address",
    "ask_place",
    "ask_question",
    "nlu_fallback",
    "guide_problem",
    "guide_back",
    "rate",
    "start_guide",
}
# Replies that answer none of the guide's questions (at PROBLEM they describe the problem).
UNCLEAR = {"nlu_fallback", "guide_back", "guide_problem", "inform_address", "rate"}


def says_yes(text: str) -> bool:
    """ "Đúng" with tones, or "dung" without any (a toned "dừng" is never yes)."""
    plain = clean(text).lower().strip(" .!?…")
    folded = fold(plain)
    return plain in TONED_YES if plain != folded else folded in UNTONED_YES


def says_skip(text: str) -> bool:
    return normalize(text) in SKIP


def says_dont_know(text: str) -> bool:
    said = words(normalize(text))
    if len(said) > DONT_KNOW_WORDS:
        return False
    return any(said[i : i + len(p)] == list(p) for p in DONT_KNOW for i in range(len(said) - len(p) + 1))


def named(tracker: Tracker) -> bool:
    """Does the message name a procedure (the procedure entity)?"""
    return any(True for _ in tracker.get_latest_entity_values("procedure"))


def asked_last(tracker: Tracker, action: str) -> bool:
    """Was ``action`` the assistant's last action before the person's latest message?"""
    past_message = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            past_message = True
        elif past_message and kind == "action" and event.get("name") not in {None, "action_listen"}:
            return event.get("name") == action
    return False


def pending_of(state: GuideState, tracker: Tracker) -> str | None:
    """The confirmation the guide asked for, if this reply is the one right after it."""
    if state.pending == START_OVER and asked_last(tracker, "action_start_over"):
        return START_OVER
    return None


async def read_reply(
    guide: Guide, state: GuideState, tracker: Tracker, pending: str | None
) -> list[Any] | None:
    """Handle the reply if it answers the question asked (events besides the state's), else None."""
    message = tracker.latest_message or {}
    intent = (message.get("intent") or {}).get("name") or ""
    text = message.get("text") or ""
    typed = bool(text.strip()) and not is_payload(text)
    if pending == START_OVER:
        if intent in {"start_over", "affirm"}:
            guide.start_over(state)
            return [SlotSet(MISSES_SLOT, 0.0)]
        # "Tiếp tục hướng dẫn" typed may read as a request for the guide: it names no procedure.
        if intent in {"deny", "guide_next", "guide_back"} or (intent == "start_guide" and not named(tracker)):
            guide.repeat(state, counted=False)
            return []
    stage = state.stage
    if stage is None or stage == STEPS:
        return None
    if stage in YES_NO:
        if intent in {"affirm", "guide_next"} or (typed and says_yes(text)):
            guide.yes(state)
            return []
        if intent == "deny":
            guide.no(state)
            return []
    elif stage in {ADDRESS, PLACE}:
        if intent in GO_ON or (typed and (says_skip(text) or says_dont_know(text))):
            guide.skip_address(state)
            return []
        if typed and intent in ADDRESS_TRIES and not (intent == "start_guide" and named(tracker)):
            from actions.address import where_to_submit  # actions.address builds on this package

            await where_to_submit(guide, state, text)
            return []
    elif stage == READY:
        if intent in {"affirm", "guide_next"}:
            guide.next(state)
            return []
        if intent == "deny":
            guide.not_ready(state)
            return []
    elif stage == RATING:
        if (intent == "deny" and "hai long" not in normalize(text)) or (typed and says_skip(text)):
            guide.decline_rating(state)  # but "không hài lòng" is a rating, if ever read as "no"
            return []
        if intent in {"affirm", "guide_next", "deny"}:
            guide.unclear(state)
            return []
    elif stage == CHOOSE:
        if intent == "deny":
            guide.no_procedure(state)
            return []
        if intent in {"affirm", "guide_next"}:
            guide.unclear(state)
            return []
    if intent not in UNCLEAR or stage == PROBLEM or state.walking:
        return None
    if (stage, intent) in {(RATING, "rate"), (CHOOSE, "nlu_fallback")}:
        return None  # a rating to read; an unsure message that may still name a procedure
    guide.unclear(state)
    return []
