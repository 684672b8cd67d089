"""A typed button title acts as pressing the button.

People on Zalo and Telegram often type what a button says instead of pressing it. The pipeline
remembers the buttons last offered to each person (``contacts.offered``) and, before the
classifier, replaces a reply that is one of their titles by that button's payload:

- the title as typed, tones and all, first (case, spacing and a final full stop aside);
- a reply typed without tones is compared with the titles' folded forms, so "dung" at a yes/no
  question is "Đúng"; a reply with tones is never folded, so "dừng" never becomes "Đúng";
- "dạ" before and "ạ", "nhé", "nha" after a title are politeness, not words of their own;
- a leading number such as "5 - " is optional both ways: "Rất hài lòng", "5" and
  "5 - rất hài lòng" all press "5 - Rất hài lòng".

Two buttons that would match the same reply with different payloads match neither: the
classifier decides.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence

from connectors.message import Button
from knowledge.text import fold, has_tones

_NUMBERED = re.compile(r"^(\d{1,2})\s*[-–—.):]\s*(.+)$")
_EDGES = re.compile(r"^[\s\"'“”‘’«»(\[]+|[\s\"'“”‘’«»)\].,!?;:…]+$")
_SPACES = re.compile(r"\s+")
# Politeness around a reply ("dạ Đúng ạ", "bỏ qua nhé") does not change which button it names.
_POLITE = re.compile(r"^(?:dạ|da)\s+|\s+(?:ạ|a|nhé|nhe|nha|ak)$")
MAX_OFFERED = 20


def key(text: str) -> str:
    """A title or reply as compared: NFC, lower case, single spaces, no surrounding punctuation."""
    text = unicodedata.normalize("NFC", text).lower()
    return _EDGES.sub("", _SPACES.sub(" ", text)).strip()


def forms(title: str) -> set[str]:
    """Every way a title may be typed: itself, without its leading number, or just the number."""
    typed = key(title)
    found = {typed}
    numbered = _NUMBERED.match(typed)
    if numbered:
        found |= {numbered.group(1), key(numbered.group(2))}
    return {form for form in found if form}


def _unique(found: list[Button]) -> Button | None:
    payloads = {button.payload for button in found}
    return found[0] if len(payloads) == 1 else None


def match(reply: str, offered: Sequence[Button]) -> Button | None:
    """The offered button ``reply`` names, or None (see the module docstring)."""
    typed = key(reply)
    if not typed or reply.lstrip().startswith("/"):
        return None
    polite = _POLITE.sub("", typed)
    for candidate in dict.fromkeys([typed, polite]):  # as typed first ("da co" is "Đã có")
        found = _match(candidate, offered)
        if found is not None:
            return found
    return None


def _match(typed: str, offered: Sequence[Button]) -> Button | None:
    if not typed:
        return None
    exact = [button for button in offered if typed in forms(button.title)]
    if exact:
        return _unique(exact)
    numbered = _NUMBERED.match(typed)
    if numbered:  # "5 - rat hai long": the words are compared below
        typed = key(numbered.group(2))
    if has_tones(typed):
        return None
    folded = [button for button in offered if typed in {fold(form) for form in forms(button.title)}]
    return _unique(folded)


def offered_in(messages: Sequence[object]) -> list[Button]:
    """The buttons of a turn's replies, in the order shown (the last ``MAX_OFFERED``)."""
    buttons = [button for message in messages for button in getattr(message, "buttons", [])]
    return buttons[-MAX_OFFERED:]


def dump(buttons: Sequence[Button]) -> str:
    return json.dumps([[b.title, b.payload] for b in buttons], ensure_ascii=False, separators=(",", ":"))


def load(stored: str | None) -> list[Button]:
    if not stored:
        return []
    try:
        rows = json.loads(stored)
        return [Button(title=str(title), payload=str(payload)) for title, payload in rows]
    except (ValueError, TypeError):
        return []
