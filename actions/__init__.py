"""Rasa SDK custom actions, run inside the app by the rasa_sdk executor.

Actions receive the app's in-process services through their constructor; ``build_actions``
lists every action of the assistant. Nothing heavy happens at import time.
"""

from __future__ import annotations

from rasa_sdk import Action

from actions.contact import ActionCentreContact
from actions.guide import ActionOnlineSteps
from actions.question import ActionAnswerQuestion
from actions.services import Services


def build_actions(services: Services) -> list[Action]:
    """Every custom action, bound to the given services."""
    return [ActionCentreContact(services), ActionAnswerQuestion(services), ActionOnlineSteps(services)]
