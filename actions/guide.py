"""The online steps of a procedure, from the knowledge base."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.services import Services

PROCEDURE_SLOT = "procedure"


class ActionOnlineSteps(Action):
    """List the procedure's steps to file online, with the portal link."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def name(self) -> str:
        return "action_online_steps"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        slug = next(tracker.get_latest_entity_values(PROCEDURE_SLOT), None) or tracker.get_slot(
            PROCEDURE_SLOT
        )
        knowledge = self._services.knowledge
        topic = knowledge.topic(slug) if knowledge is not None and slug else None
        if topic is None or topic.kind != "procedure":
            dispatcher.utter_message(
                text='Anh/chị muốn làm thủ tục nào ạ? Anh/chị nhắn tên thủ tục, ví dụ "đăng ký tạm trú".',
                buttons=[{"title": "Gặp cán bộ hỗ trợ", "payload": "/request_human"}],
            )
            return []
        steps = "\n".join(f"{number}. {step.instruction}" for number, step in enumerate(topic.steps, start=1))
        dispatcher.utter_message(
            text=f"Các bước nộp hồ sơ {topic.name.lower()} trực tuyến ({topic.online.portal}):\n{steps}",
            buttons=[{"title": "Gặp cán bộ hỗ trợ", "payload": "/request_human"}],
            json_message={"links": [{"title": topic.online.portal, "url": topic.online.url}]},
        )
        return []
