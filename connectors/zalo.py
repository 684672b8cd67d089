"""Zalo Official Account: webhook events in, OA API v3 message bodies out.

Pure functions only (no HTTP, no settings): the app verifies and parses what Zalo posts with
these, and renders the neutral :class:`OutgoingMessage` into the ``message`` part of a
customer-service message (``POST /v3.0/oa/message/cs``).

Zalo's limits, from its documentation and SDKs (not all confirmed against a real OA): a text of
at most 2000 characters, at most 5 buttons under one message, a button title of at most 100
characters and an ``oa.query.show`` payload of at most 1000 characters. A button's payload
is its title (what Zalo shows as the person's message); the app maps it back.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Any

from connectors.message import OutgoingMessage, split_text

SIGNATURE_HEADER = "X-ZEvent-Signature"
TEXT_MAX = 2000
BUTTONS_MAX = 5
TITLE_MAX = 100
PAYLOAD_MAX = 1000
MORE_CHOICES_TEXT = "Anh/chị có thể chọn thêm:"
CHOOSE_TEXT = "Mời anh/chị chọn:"

TEXT = "user_send_text"
FOLLOW = "follow"
# What a person can send that the assistant does not read: a polite note with the menu.
ATTACHMENT_EVENTS = frozenset(
    {
        "user_send_image",
        "user_send_file",
        "user_send_sticker",
        "user_send_audio",
        "user_send_video",
        "user_send_gif",
        "user_send_location",
        "user_send_link",
        "user_send_business_card",
    }
)
# Events that need nothing from the assistant (receipts, unfollows, echoes of the OA's own sends).
QUIET_EVENTS = frozenset({"unfollow", "user_received_message", "user_seen_message"})

_USER_ID = re.compile(r"^[A-Za-z0-9_\-]{1,100}$")


@dataclass(frozen=True)
class ZaloEvent:
    """One webhook event, reduced to what the assistant uses."""

    name: str
    user_id: str
    text: str = ""
    msg_id: str = ""
    timestamp: str = ""

    @property
    def kind(self) -> str:
        """``text``, ``follow``, ``attachment``, ``quiet`` or ``unknown``."""
        if self.name == TEXT:
            return "text"
        if self.name == FOLLOW:
            return "follow"
        if self.name in ATTACHMENT_EVENTS:
            return "attachment"
        if self.name in QUIET_EVENTS or self.name.startswith("oa_send_"):
            return "quiet"
        return "unknown"

    @property
    def key(self) -> str:
        """Identity for de-duplicating Zalo's retries: the message id, else name, user and time."""
        return f"msg:{self.msg_id}" if self.msg_id else f"{self.name}:{self.user_id}:{self.timestamp}"


def signature(app_id: str, body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """SHA-256 (hex) of app id + raw body + timestamp + OA secret key: a plain hash, not an HMAC."""
    return hashlib.sha256(app_id.encode() + body + timestamp.encode() + oa_secret_key.encode()).hexdigest()


def event_timestamp(body: bytes) -> str | None:
    """The body's ``timestamp`` field as Zalo signed it, or None if the body has none."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: absurdly deep nesting
        return None
    value = data.get("timestamp") if isinstance(data, dict) else None
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value)


def verify_signature(header: str | None, *, app_id: str, body: bytes, oa_secret_key: str) -> bool:
    """True when ``header`` (``mac=<hex>`` or ``<hex>``) signs ``body``; constant-time compare."""
    timestamp = event_timestamp(body)
    if not header or not app_id or not oa_secret_key or timestamp is None:
        return False
    given = header.strip()
    if given[:4].lower() == "mac=":
        given = given[4:].strip()
    expected = signature(app_id, body, timestamp, oa_secret_key)
    return hmac.compare_digest(given.lower().encode("utf-8", "replace"), expected.encode())


def _id(data: dict[str, Any], field: str) -> str:
    part = data.get(field)
    value = part.get("id") if isinstance(part, dict) else None
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""


def parse_event(data: Any) -> ZaloEvent:
    """The event in a decoded webhook body; ValueError when it is not one Zalo would send."""
    if not isinstance(data, dict) or not isinstance(data.get("event_name"), str):
        raise ValueError("not a Zalo event: no event_name")
    name = data["event_name"]
    # A follow names the person as "follower"; messages as "sender".
    user_id = _id(data, "follower") if name == FOLLOW else _id(data, "sender")
    if not _USER_ID.fullmatch(user_id):
        raise ValueError(f"Zalo event {name[:40]!r} without a usable user id")
    message = data.get("message") if isinstance(data.get("message"), dict) else {}
    text = message.get("text")
    msg_id = message.get("msg_id")
    timestamp = data.get("timestamp")
    return ZaloEvent(
        name=name,
        user_id=user_id,
        text=text if isinstance(text, str) else "",
        msg_id=str(msg_id)[:200] if isinstance(msg_id, str | int) else "",
        timestamp=str(timestamp)[:40] if isinstance(timestamp, str | int) else "",
    )


def _title(title: str) -> str:
    title = " ".join(title.split())
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1].rstrip() + "…"


def _actions(message: OutgoingMessage) -> list[dict[str, Any]]:
    actions: list[dict[str, Any]] = []
    for button in message.buttons:
        # oa.query.show sends its payload back as the person's own message, shown in their chat:
        # the button's title, readable, which the app maps back to the payload it stands for (a
        # typed title acts as pressing the button, app/buttons.py), never "/start_guide{...}".
        title = " ".join(button.title.split())
        actions.append({"title": _title(title), "type": "oa.query.show", "payload": title[:PAYLOAD_MAX]})
    for link in message.links:
        if link.url.startswith(("https://", "http://")):
            actions.append({"title": _title(link.title), "type": "oa.open.url", "payload": {"url": link.url}})
    return actions


def _with_buttons(text: str, buttons: list[dict[str, Any]]) -> dict[str, Any]:
    return {"text": text, "attachment": {"type": "template", "payload": {"buttons": buttons}}}


def render(message: OutgoingMessage) -> list[dict[str, Any]]:
    """The ``message`` objects of the OA customer-service messages that show ``message``."""
    texts = split_text(message.text, TEXT_MAX)
    actions = _actions(message)
    bodies: list[dict[str, Any]] = [{"text": text} for text in texts[:-1]]
    if actions:
        groups = [actions[i : i + BUTTONS_MAX] for i in range(0, len(actions), BUTTONS_MAX)]
        bodies.append(_with_buttons(texts[-1] if texts else CHOOSE_TEXT, groups[0]))
        bodies.extend(_with_buttons(MORE_CHOICES_TEXT, group) for group in groups[1:])
    elif texts:
        bodies.append({"text": texts[-1]})
    if message.image and message.image.startswith(("https://", "http://")):
        media = {"template_type": "media", "elements": [{"media_type": "image", "url": message.image}]}
        bodies.append({"attachment": {"type": "template", "payload": media}})
    return bodies


def text_of(body: dict[str, Any]) -> str:
    """What a rendered message says, for the staff's record of a message that could not be sent."""
    if body.get("text"):
        return str(body["text"])
    elements = body.get("attachment", {}).get("payload", {}).get("elements") or [{}]
    return f"[ảnh] {elements[0].get('url', '')}"
