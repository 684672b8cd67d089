"""Answer an informational question from the knowledge base.

Three outcomes: a confident answer (with its source, the questions people ask next about the
same topic and, for a procedure, the online walkthrough); an unsure one (one question between
the two best topics, as buttons, typed or pressed; none when the search puts the question
outside the content: the portal instead); and, on a second miss in a row, a person (the handoff
marker, ``replies.start_handoff``). The search gets the procedure the conversation is about
(``state.procedure``) as context, so that a short follow-up ("lệ phí bao nhiêu?") is answered
for that procedure.

A question searched and not answered (unsure, nothing found, or the contact at a second miss;
``nlu_fallback`` messages come here too) is kept for the staff console through
``Services.unanswered``, with the entries the search offered, so that staff can add what is
missing. A message that was never searched (a button's payload, the knowledge base not open or
failing) is not a gap in the content and is not kept.

Mid-guide, the message may be what the guide asked for (a procedure's name, a description of
a problem, an address): that comes first (the address is read in ``actions.guide.reading``). A
real question is answered and the guide carries on where the person was; at a question of the
guide, a message the knowledge base cannot answer is an unclear reply to that question.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions import replies
from actions.guide import Guide, GuideAction, is_payload
from actions.guide.reading import MISSES_SLOT
from actions.rating import channel_of
from actions.services import Candidate, Outcome, Services, UnansweredQuestion
from actions.state import CHOOSE, PROBLEM, QUESTIONS, GuideState

if TYPE_CHECKING:  # the search module pulls in FAISS; actions import nothing heavy
    from knowledge.search import SearchResult

logger = logging.getLogger(__name__)
__all__ = ["MISSES_SLOT", "ActionAnswerQuestion", "answer"]

# The replies when the knowledge base did not answer (one place for their wording).
UNSURE = "Tôi chưa chắc đã hiểu đúng câu hỏi."
ASK_BETWEEN = {
    1: f"{UNSURE} Có phải anh/chị muốn hỏi điều dưới đây?",
    2: f"{UNSURE} Anh/chị muốn hỏi điều nào trong hai điều dưới đây?",
}
NOT_FOUND = (
    "Xin lỗi, tôi chưa tìm thấy thông tin cho câu hỏi này. Anh/chị có thể nói rõ tên thủ tục "
    "hoặc tra cứu trên Cổng Dịch vụ công: {portal}"
)


async def answer(
    services: Services, guide: Guide, tracker: Tracker, state: GuideState
) -> list[dict[str, Any]]:
    """Search the knowledge base for the latest message; returns the events besides the state's."""
    query = (tracker.latest_message or {}).get("text") or ""
    knowledge = services.knowledge
    pressed = next(tracker.get_latest_entity_values("entry"), None)
    if knowledge is not None and pressed:  # a topic button: that entry, not a search of its words
        result = knowledge.answer_entry(str(pressed))
        if result is None:
            return await miss(services, guide, tracker, state, suggestions=[])
        return say_answer(guide, tracker, state, knowledge, result)
    if knowledge is None or not query.strip() or is_payload(query):
        return await miss(services, guide, tracker, state, suggestions=[])
    try:
        # A short follow-up is about the procedure the message names, else the conversation's.
        named = next(
            (slug for slug in tracker.get_latest_entity_values("procedure") if guide.procedure(slug)), None
        )
        result = await services.run_compute(knowledge.search, query, 5, context=named or state.procedure)
    except Exception:  # the knowledge base failing must not cost the person an answer
        logger.exception("knowledge search failed")
        return await miss(services, guide, tracker, state, suggestions=[])
    if result.answer is None:
        if state.stage in QUESTIONS and state.stage != PROBLEM:
            guide.unclear(state)  # at a question of the guide, an unanswerable reply is an unclear answer
            return []
        return await miss(services, guide, tracker, state, suggestions=result.choices, searched=result)
    return say_answer(guide, tracker, state, knowledge, result)


def say_answer(
    guide: Guide, tracker: Tracker, state: GuideState, knowledge: Any, result: Any
) -> list[dict[str, Any]]:
    """The answer with its source, related questions, the walkthrough and a person as buttons."""
    found = result.answer
    buttons = [replies.topic_button(hit) for hit in result.related]
    # The procedure the message asks for (the entity weighs the whole request) wins over the
    # topic of the best answer: "tách hộ khẩu riêng khỏi bố mẹ" is about tách hộ.
    named = next(
        (slug for slug in tracker.get_latest_entity_values("procedure") if guide.procedure(slug)), None
    )
    topic = guide.procedure(named) if named else knowledge.topic(found.slug)
    if topic is not None and topic.kind == "procedure" and not state.active:
        state.procedure = topic.slug  # "lệ phí bao nhiêu?" next is about this procedure
        buttons.append({"title": "Hướng dẫn nộp trực tuyến", "payload": replies.guide_payload(topic.slug)})
    buttons.append(replies.STAFF_BUTTON)
    guide.say(text=f"{found.text}\n\nNguồn: {found.source}", buttons=buttons)
    guide.note("question_answered", found.slug)
    guide.remind(state)
    return [SlotSet(MISSES_SLOT, 0.0)]


async def keep_unanswered(
    services: Services, tracker: Tracker, outcome: Outcome, searched: SearchResult
) -> None:
    """Keep the latest message for the staff console, with the entries the search offered."""
    text = ((tracker.latest_message or {}).get("text") or "").strip()
    if services.unanswered is None or not text:
        return
    question = UnansweredQuestion(
        sender=tracker.sender_id,
        channel=channel_of(tracker),
        text=text,
        outcome=outcome,
        candidates=tuple(Candidate(hit.id, hit.slug, hit.title, float(hit.score)) for hit in searched.hits),
    )
    try:
        await services.run_io(services.unanswered.add, question)
    except Exception:  # a question not kept must not cost the person the reply
        logger.exception("could not keep an unanswered question")


async def miss(
    services: Services,
    guide: Guide,
    tracker: Tracker,
    state: GuideState,
    suggestions: list,
    searched: SearchResult | None = None,
) -> list[dict[str, Any]]:
    """The reply to a message the knowledge base did not answer; ``searched`` (the search result,
    when there was a search) is kept for the staff console with what the person got."""
    misses = int(tracker.get_slot(MISSES_SLOT) or 0) + 1
    centre = services.centre
    if searched is not None:
        outcome: Outcome = "contact" if misses >= 2 else "unsure" if suggestions else "none"
        await keep_unanswered(services, tracker, outcome, searched)
        guide.note("question_unanswered")
    if misses >= 2:
        # The last rung: a person. The marker ends the replies, so the guide is not shown again
        # here; it waits where the person was (the agent hands back at a step).
        replies.start_handoff(guide.say, "ladder")
        return [SlotSet(MISSES_SLOT, 0.0)]
    named = next(
        (slug for slug in tracker.get_latest_entity_values("procedure") if guide.procedure(slug)), None
    )
    walkthrough = (
        [{"title": f"Hướng dẫn nộp: {replies.short_name(guide.procedure(named).name)}",
          "payload": replies.guide_payload(named)}]
        if named and not state.active
        else []
    )  # fmt: skip
    if suggestions:
        guide.say(
            text=ASK_BETWEEN.get(len(suggestions), ASK_BETWEEN[2]),
            buttons=[*(replies.topic_button(hit) for hit in suggestions), *walkthrough, replies.STAFF_BUTTON],
        )
    else:
        text = NOT_FOUND.format(portal=centre.portal_url)
        guide.say(text=text, buttons=[*walkthrough, replies.STAFF_BUTTON])
    guide.remind(state)
    return [SlotSet(MISSES_SLOT, float(misses))]


class ActionAnswerQuestion(GuideAction):
    def name(self) -> str:
        return "action_answer_question"

    async def move(self, guide: Guide, state: GuideState, tracker: Tracker) -> list[dict[str, Any]]:
        text = (tracker.latest_message or {}).get("text") or ""
        if state.stage == CHOOSE:
            slug, candidates = await guide.resolve(tracker)
            if slug is not None:
                guide.begin(state, slug, confirm=not is_payload(text))
                return [SlotSet(MISSES_SLOT, 0.0)]
            if candidates:
                guide.choose_again(state, candidates)
                return []
        if state.stage == PROBLEM and guide.troubleshoot(state, text):
            return [SlotSet(MISSES_SLOT, 0.0)]
        return await answer(self._services, guide, tracker, state)
