"""Answer an informational question from the knowledge base.

Three outcomes: a confident answer (with its source, the questions people ask next about the
same topic and, for a procedure, the online walkthrough); an unsure one (the best three topics
as buttons); and, on a second miss in a row, the centre's contact details.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.services import Services

logger = logging.getLogger(__name__)
MISSES_SLOT = "question_misses"


class ActionAnswerQuestion(Action):
    def __init__(self, services: Services) -> None:
        self._services = services

    def name(self) -> str:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        query = (tracker.latest_message or {}).get("text") or ""
        knowledge = self._services.knowledge
        if knowledge is None or not query.strip():
            return self._miss(dispatcher, tracker, suggestions=[])
        try:
            result = await asyncio.to_thread(knowledge.search, query, 5)
        except Exception:  # the knowledge base failing must not cost the person an answer
            logger.exception("knowledge search failed")
            return self._miss(dispatcher, tracker, suggestions=[])
        if result.answer is None:
            return self._miss(dispatcher, tracker, suggestions=result.hits[:3])
        answer = result.answer
        buttons = [{"title": hit.title, "payload": hit.title} for hit in result.related]
        topic = knowledge.topic(answer.slug)
        if topic is not None and topic.kind == "procedure":
            walkthrough = f'/start_guide{{"procedure": "{topic.slug}"}}'
            buttons.append({"title": "Hướng dẫn nộp trực tuyến", "payload": walkthrough})
        buttons.append({"title": "Gặp cán bộ hỗ trợ", "payload": "/request_human"})
        dispatcher.utter_message(
            text=f"{answer.text}\n\nNguồn: {answer.source}",
            buttons=buttons,
        )
        return [SlotSet(MISSES_SLOT, 0.0)]

    def _miss(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, suggestions: list
    ) -> list[dict[str, Any]]:
        misses = int(tracker.get_slot(MISSES_SLOT) or 0) + 1
        centre = self._services.centre
        if misses >= 2:
            dispatcher.utter_message(
                text="\n".join(
                    [
                        "Xin lỗi, tôi vẫn chưa tìm được câu trả lời chắc chắn cho anh/chị. "
                        "Anh/chị có thể hỏi trực tiếp cán bộ:",
                        *centre.lines(),
                    ]
                ),
                json_message={"links": [{"title": "Mở Cổng Dịch vụ công", "url": centre.portal_url}]},
            )
            return [SlotSet(MISSES_SLOT, 0.0)]
        if suggestions:
            dispatcher.utter_message(
                text="Tôi chưa chắc đã hiểu đúng câu hỏi. Anh/chị đang hỏi về nội dung nào dưới đây?",
                buttons=[{"title": hit.title, "payload": hit.title} for hit in suggestions]
                + [{"title": "Gặp cán bộ hỗ trợ", "payload": "/request_human"}],
            )
        else:
            dispatcher.utter_message(
                text=(
                    "Xin lỗi, tôi chưa tìm thấy thông tin cho câu hỏi này. Anh/chị có thể nói rõ tên thủ tục "
                    f"hoặc tra cứu trên Cổng Dịch vụ công: {centre.portal_url}"
                ),
                buttons=[{"title": "Gặp cán bộ hỗ trợ", "payload": "/request_human"}],
            )
        return [SlotSet(MISSES_SLOT, float(misses))]
