"""The transcript agents read: the conversation from Rasa's tracker events, with personal
numbers masked (what the citizen typed was masked before it reached Rasa and is masked again
here, like what agents wrote; the bot's own replies carry the centre's numbers and are shown as
sent), each message with its time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.privacy import mask_text
from app.web import messages_from_events

LIMIT = 300


def _at(event: dict[str, Any]) -> str | None:
    stamp = event.get("timestamp")
    return datetime.fromtimestamp(stamp, UTC).isoformat() if isinstance(stamp, int | float) else None


def transcript_from_events(events: list[dict[str, Any]], limit: int = LIMIT) -> list[dict[str, Any]]:
    """``[{"role": "user"|"bot"|"agent", "text", "buttons", "at"}]``, the last ``limit``, read
    like the widget's history (``app.web.messages_from_events``); an image alone is left out."""
    entries: list[dict[str, Any]] = []
    for role, message, event in messages_from_events(events):
        if role != "user" and not (message.text or message.buttons or message.links):
            continue
        masked = role != "bot"  # the bot's own replies carry the centre's numbers
        entries.append(
            {
                "role": role,
                "text": mask_text(message.text) if masked else message.text,
                "buttons": [button.model_dump() for button in message.buttons],
                "at": _at(event),
            }
        )
    return entries[-limit:]
