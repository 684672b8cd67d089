"""Give the centre's contact details when a person asks for a human.

Only what the deployment configured is shown (actions.services.CentreContact): the centre's own
phone, address and hours when set, and the national portal's helpline under its own name.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.services import Services


class ActionCentreContact(Action):
    def __init__(self, services: Services) -> None:
        self._centre = services.centre

    def name(self) -> str:
        return "action_centre_contact"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = "\n".join(
            [
                "Anh/chị có thể liên hệ trực tiếp cán bộ hỗ trợ:",
                *self._centre.lines(),
                "Khi gọi hoặc đến, anh/chị nói rõ tên thủ tục đang làm để được hướng dẫn nhanh hơn.",
            ]
        )
        dispatcher.utter_message(
            text=text,
            json_message={"links": [{"title": "Mở Cổng Dịch vụ công", "url": self._centre.portal_url}]},
        )
        # Recorded with the rating at the end of a guide: a person had to help.
        return [SlotSet("human_help", True)]
