"""The satisfaction rating at the end of a guide, and the optional comment after it.

A rating is taken only right after the guide asked for one. An unreadable one is asked for
once more, then the guide ends without a rating; "không" or "bỏ qua" ends it at once. The
comment form's "Bỏ qua" skips the comment, typed or pressed.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.guide import Guide, GuideAction
from actions.guide.reading import says_skip
from actions.services import Rating, Services
from actions.state import RATING, GuideState
from knowledge.text import normalize

logger = logging.getLogger(__name__)

# Typed ratings, longest first so "rat khong hai long" is not read as "hai long".
WORDS = [
    ("rat khong hai long", 1),
    ("khong hai long", 2),
    ("te qua", 1),
    ("binh thuong", 3),
    ("tam duoc", 3),
    ("cung duoc", 3),
    ("rat hai long", 5),
    ("hai long", 4),
]
NO_COMMENT = {"deny", "menu"}
NOT_ASKED = (
    "Cảm ơn anh/chị. Tôi xin ý kiến đánh giá khi anh/chị làm xong một lượt hướng dẫn; "
    "lúc đó anh/chị chọn mức hài lòng giúp tôi nhé. Bây giờ anh/chị cần tôi giúp gì ạ?"
)


def channel_of(tracker: Tracker) -> str:
    """The channel from the namespaced sender id (web:, tg:, zalo:), else Rasa's input channel."""
    prefix, _, rest = tracker.sender_id.partition(":")
    if rest and prefix in {"web", "tg", "zalo"}:
        return prefix
    return tracker.get_latest_input_channel() or "api"


def score_of(tracker: Tracker) -> int | None:
    for value in tracker.get_latest_entity_values("rating"):
        try:
            score = int(float(value))
        except (TypeError, ValueError):
            continue
        if 1 <= score <= 5:
            return score
    text = normalize((tracker.latest_message or {}).get("text") or "")
    digits = re.findall(r"\b[1-5]\b", text)
    if len(digits) == 1:
        return int(digits[0])
    for phrase, score in WORDS:
        if re.search(rf"\b{phrase}\b", text):
            return score
    return None


class ActionStoreRating(GuideAction):
    def name(self) -> str:
        return "action_store_rating"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        events = await super().run(dispatcher, tracker, domain)
        if not any(event.get("event") == "slot" and event.get("name") == "rating_id" for event in events):
            # No rating taken: the comment form that the rule starts next must not run.
            events.append(FollowupAction("action_listen"))
        return events

    async def move(self, guide: Guide, state: GuideState, tracker: Tracker) -> list[dict[str, Any]] | None:
        if state.stage != RATING:
            # Only right after the assistant asked (end of a walkthrough), one rating per ask.
            guide.say(text=NOT_ASKED, buttons=replies.MENU_BUTTONS)
            return None
        score = score_of(tracker)
        if score is None:
            guide.unclear(state)  # asked once more, then the guide ends without a rating
            return None
        rating = Rating(
            sender=tracker.sender_id,
            channel=channel_of(tracker),
            procedure=state.procedure,
            score=score,
            human_help=state.human_help,
        )
        rating_id = None
        if self._services.ratings is not None:
            try:
                rating_id = await self._services.run_io(self._services.ratings.add, rating)
            except Exception:  # a lost rating must not end the conversation badly
                logger.exception("could not store a rating")
        await self._services.record("rating", tracker.sender_id, procedure=state.procedure, value=score)
        guide.say(text="Cảm ơn anh/chị đã đánh giá!")
        state.end()
        return [SlotSet("rating_id", float(rating_id) if rating_id else None)]


class ActionStoreComment(Action):
    def __init__(self, services: Services) -> None:
        self._services = services

    def name(self) -> str:
        return "action_store_comment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = (tracker.latest_message or {}).get("intent", {}).get("name")
        text = (tracker.get_slot("rating_comment") or "").strip()
        rating_id = tracker.get_slot("rating_id")
        events: list[dict[str, Any]] = [SlotSet("rating_comment", None), SlotSet("rating_id", None)]
        if intent == "start_over" and not says_skip(text):  # the form's "Bỏ qua" typed is no start over
            return [*events, FollowupAction("action_start_over")]
        if intent in NO_COMMENT or not text or text.startswith("/") or says_skip(text):
            dispatcher.utter_message(
                text="Vâng ạ. Chúc anh/chị làm thủ tục thuận lợi! Khi cần, anh/chị cứ nhắn cho tôi.",
                buttons=replies.MENU_BUTTONS,
            )
            return events
        if rating_id and self._services.ratings is not None:
            try:
                await self._services.run_io(self._services.ratings.comment, int(rating_id), text)
            except Exception:
                logger.exception("could not store a rating comment")
        dispatcher.utter_message(
            text="Cảm ơn góp ý của anh/chị! Cán bộ của Trung tâm sẽ đọc để cải thiện hướng dẫn.",
            buttons=replies.MENU_BUTTONS,
        )
        return events
