"""The guide: every move of its parts, on one object an action builds for its turn."""

from __future__ import annotations

from actions.guide.choose import Choosing
from actions.guide.ready import GettingReady
from actions.guide.resume import ComingBack
from actions.guide.steps import Walkthrough


class Guide(Choosing, GettingReady, Walkthrough, ComingBack):
    """Choosing the procedure, getting ready, the walkthrough and coming back to it."""
