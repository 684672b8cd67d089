"""Hand the conversation to a person when someone asks for one ("Gặp cán bộ", intent request_human).

The action says one lead sentence and ends with the handoff marker (``replies.start_handoff``):
the app decides the outcome (a place in the queue, outside hours when staff are back, on a
kiosk where else to turn) and gives it with the centre's contact lines
(actions.services.CentreContact). That a person helped is recorded when one did: on
``handoff_resume`` and ``handoff_closed`` (actions.handoff), not on the request.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.services import Services


class ActionCentreContact(Action):
    def __init__(self, services: Services) -> None:
        self._services = services

    def name(self) -> str:
        return "action_centre_contact"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        replies.start_handoff(dispatcher.utter_message, "request")
        return []
