"""Personal data kept out of storage and logs: masking, and the short keyed hash of a sender.

What a citizen types goes through :func:`mask` before it reaches Rasa, so the tracker store,
``/api/history``, ratings' comments and the outbox never hold:

* ``id`` — CCCD (12 digits) and CMND (9 digits) numbers;
* ``phone`` — Vietnamese phone numbers (``0xx…`` with 10 digits, ``+84``/``84`` + 9 digits,
  grouped by spaces, dots or dashes or not);
* ``email`` — e-mail addresses;
* ``account`` — bank account numbers: 6 to 19 digits after words such as "số tài khoản", "stk",
  "tk", and any other run of 8 or more digits.

Recognised first and kept as typed: dossier codes (``000.00.31.H56-250714-0012``), amounts of
money ("1.500.000 đồng", "50000đ", "2 triệu"), dates and times. A masked number keeps its last two
digits (``***78``) so the person can still tell which number they sent.

:func:`mask_payload` masks a platform's whole update (decoded JSON) the same way before the
durable inbox stores it, leaving the platform's ids and times as they are.

:func:`sender_key` and :func:`sender_tag` stand for a person wherever the id itself must not
be kept: a keyed hash (HMAC-SHA-256 with ``APP_SECRET_KEY``), because channel ids are short
and guessable (a Telegram chat id is a number) and a plain hash could be reversed by trying them all.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Any

from knowledge.text import clean

# Kept as typed: dossier codes, money, dates and clock times (checked before any masking).
_DOSSIER = re.compile(r"(?<![\w.-])[A-Za-z0-9]{1,10}(?:\.[A-Za-z0-9]{1,10}){1,7}-\d{6}-\d{4,8}(?![\w-])")
_NUMBER = r"\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d+)?"
_MONEY = re.compile(
    rf"(?<![\w.,])(?:{_NUMBER})\s*(?:đồng|dong|đ|d|vnđ|vnd|₫|k|nghìn|nghin|ngàn|ngan|triệu|trieu|tr|tỷ|ty)"
    r"(?![^\W\d_])",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"(?<!\d)(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?)(?!\d)"
)

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Digits, optionally grouped by one space, dot or dash; an optional leading "+".
_DIGITS = re.compile(r"(?<![\w+])\+?\d(?:[ .\-]?\d){5,}(?!\w)")
_ACCOUNT_WORDS = re.compile(
    r"(?:số\s*tài\s*khoản|so\s*tai\s*khoan|tài\s*khoản|tai\s*khoan|stk|tk|account)\s*(?:số|so|là|la|:)?\s*:?\s*$",
    re.IGNORECASE,
)

KINDS = ("id", "phone", "email", "account")


@dataclass(frozen=True)
class Masked:
    """A text with its personal numbers masked, and which kinds were found."""

    text: str
    kinds: frozenset[str]


def _kind_of_digits(digits: str, before: str) -> str | None:
    """What a run of digits (separators removed, "+" kept) is, or None to keep it."""
    plain = digits.lstrip("+")
    if _ACCOUNT_WORDS.search(before[-40:]) and 6 <= len(plain) <= 19:
        return "account"
    if (digits.startswith("+84") or plain.startswith("84")) and len(plain) == 11:
        return "phone"
    if plain.startswith("0") and len(plain) == 10 and plain[1] != "0":
        return "phone"
    if len(plain) in (9, 12):
        return "id"
    if len(plain) >= 8:
        return "account"
    return None


def _kept_spans(text: str) -> list[tuple[int, int]]:
    return sorted(m.span() for pattern in (_DOSSIER, _MONEY, _DATE) for m in pattern.finditer(text))


def mask(text: str) -> Masked:
    """``text`` with CCCD/CMND, phone, e-mail and account numbers replaced (see the module doc)."""
    kinds: set[str] = set()
    kept = _kept_spans(text)

    def inside_kept(start: int, end: int) -> bool:
        return any(s <= start and end <= e for s, e in kept)

    def email(match: re.Match[str]) -> str:
        kinds.add("email")
        return "***@***"

    text = _EMAIL.sub(email, text)
    kept = _kept_spans(text)
    out: list[str] = []
    last = 0
    for match in _DIGITS.finditer(text):
        start, end = match.span()
        if inside_kept(start, end):
            continue
        digits = re.sub(r"[ .\-]", "", match.group())
        kind = _kind_of_digits(digits, text[:start])
        if kind is None:
            continue
        kinds.add(kind)
        out.append(text[last:start])
        out.append("***" + digits[-2:])
        last = end
    out.append(text[last:])
    return Masked("".join(out), frozenset(kinds))


def mask_text(text: str) -> str:
    """Just the masked text (for logs and stored free text)."""
    return mask(text).text


# Keys whose strings are a platform's identifiers and times, like every ``*_id``: never masked, so
# that a stored update parses into the same update, goes to the same person and is marked done
# under the same key. mask() would take a Zalo user id or timestamp (13 to 19 digits) for an account.
_ID_KEYS = frozenset({"id", "date", "timestamp", "chat_instance", "user_id_by_app"})
# Messages a Telegram update carries besides the one the person sends now (the bot's message a
# pressed button sat under, the message replied to or quoted): masked like the rest, but their
# kinds are not counted, since the pipeline's notice is about what the person sent (and the bot's
# own messages name the hotline, which mask() takes for an account number).
_QUOTED_KEYS = frozenset({"reply_to_message", "pinned_message", "external_reply", "quote"})
_DEPTH = 32  # no platform nests deeper; anything below is not kept


def _sent(parent: str, name: str) -> bool:
    """Whether ``parent``'s field ``name`` is still what the person sends now (not a quoted
    message, nor the bot's message a pressed button sat under)."""
    return name not in _QUOTED_KEYS and not (parent == "callback_query" and name == "message")


def mask_payload(payload: Any) -> tuple[Any, frozenset[str]]:
    """``payload`` (decoded JSON) with every string masked as the pipeline masks a message (cleaned,
    then :func:`mask`), except ids and times, and the kinds found in what the person sent."""
    kinds: set[str] = set()

    def walk(value: Any, key: str, counted: bool, depth: int) -> Any:
        if depth > _DEPTH:
            return None
        if isinstance(value, str):
            if key in _ID_KEYS or key.endswith("_id"):
                return value
            masked = mask(clean(value))
            if not masked.kinds:
                return value  # unchanged, as the platform sent it
            if counted:
                kinds.update(masked.kinds)
            return masked.text
        if isinstance(value, list):
            return [walk(item, key, counted, depth + 1) for item in value]
        if isinstance(value, dict):
            return {
                name: walk(item, name, counted and _sent(key, name), depth + 1)
                for name, item in value.items()
            }
        return value  # numbers (Telegram's ids), booleans, null

    return walk(payload, "", True, 0), frozenset(kinds)


def sender_key(secret: str, sender: str) -> str:
    """The keyed hash that stands for ``sender`` in the app database (32 hex characters)."""
    return hmac.new(secret.encode(), sender.encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:32]


def sender_tag(secret: str, sender: str) -> str:
    """How a log line names a person: the channel and a short keyed hash (``tg#3f9a2c1b0d``)."""
    channel = sender.split(":", 1)[0] if ":" in sender else "?"
    return f"{channel}#{sender_key(secret, sender)[:10]}"
