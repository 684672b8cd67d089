"""Rasa SDK custom actions, run inside the app by the rasa_sdk executor.

Actions receive the app's in-process services through their constructor; ``build_actions``
lists every action of the assistant. Nothing heavy happens at import time.
"""

from __future__ import annotations

from rasa_sdk import Action

from actions.address import ActionWhereToSubmit
from actions.contact import ActionCentreContact
from actions.dossier import ActionDossierStatus
from actions.facts import ActionProcedureFact
from actions.guide import (
    ActionGuideAnswer,
    ActionGuideBack,
    ActionGuideNext,
    ActionGuideProblem,
    ActionGuideStart,
    ActionMenu,
    ActionStartOver,
)
from actions.handoff import ActionHandoffClosed, ActionHandoffResume
from actions.question import ActionAnswerQuestion
from actions.rating import ActionStoreComment, ActionStoreRating
from actions.services import Services
from actions.session import ActionSessionStart


def build_actions(services: Services) -> list[Action]:
    """Every custom action, bound to the given services."""
    kinds = [
        ActionSessionStart,
        ActionCentreContact,
        ActionAnswerQuestion,
        ActionGuideStart,
        ActionGuideAnswer,
        ActionGuideNext,
        ActionGuideBack,
        ActionGuideProblem,
        ActionMenu,
        ActionStartOver,
        ActionProcedureFact,
        ActionWhereToSubmit,
        ActionDossierStatus,
        ActionStoreRating,
        ActionStoreComment,
        ActionHandoffResume,
        ActionHandoffClosed,
    ]
    return [kind(services) for kind in kinds]
