"""The neutral outgoing message every channel renders in its own way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field


class Button(BaseModel):
    title: str
    payload: str


class Link(BaseModel):
    title: str
    url: str


class OutgoingMessage(BaseModel):
    text: str = ""
    buttons: list[Button] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)
    image: str | None = None

    @classmethod
    def from_bot(cls, reply: dict[str, Any]) -> OutgoingMessage:
        """Build a message from one reply of Rasa's REST channel (text, buttons, image, custom)."""
        custom = reply.get("custom") if isinstance(reply.get("custom"), dict) else {}
        buttons = [
            Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
            for b in reply.get("buttons") or []
            if isinstance(b, dict) and b.get("title")
        ]
        links = [
            Link(title=str(link.get("title") or link.get("url")), url=str(link["url"]))
            for link in custom.get("links") or []
            if isinstance(link, dict) and link.get("url")
        ]
        return cls(
            text=str(reply.get("text") or custom.get("text") or ""),
            buttons=buttons,
            links=links,
            image=reply.get("image") or None,
        )


def from_bot_replies(replies: list[dict[str, Any]]) -> list[OutgoingMessage]:
    """Rasa sends a reply's custom part (links) as a separate message: fold it into the last one."""
    messages: list[OutgoingMessage] = []
    for reply in replies:
        custom = reply.get("custom")
        if isinstance(custom, dict) and "handoff" in custom:
            continue  # the handoff marker: the app says the outcome (app/handoff/desk.py)
        message = OutgoingMessage.from_bot(reply)
        if messages and not message.text and not message.buttons and not message.image:
            messages[-1].links.extend(message.links)
        elif message.text or message.buttons or message.links or message.image:
            messages.append(message)
    return messages


def _fit(text: str, limit: int, units: Callable[[str], int]) -> int:
    """How many characters of ``text`` fit in ``limit`` units."""
    used = 0
    for index, char in enumerate(text):
        used += units(char)
        if used > limit:
            return index
    return len(text)


def split_text(text: str, limit: int, units: Callable[[str], int] = lambda _char: 1) -> list[str]:
    """Chunks of at most ``limit`` units (a character each, unless ``units`` says otherwise): cut at a
    paragraph break, else a line break, else a space, else anywhere. Every channel splits with this."""
    chunks: list[str] = []
    rest = text.strip()
    while rest:
        fit = _fit(rest, limit, units)
        if fit == len(rest):
            chunks.append(rest)
            break
        for separator in ("\n\n", "\n", " "):
            cut = rest.rfind(separator, 0, fit + 1)
            if cut > 0:
                break
        else:
            cut = fit
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return [chunk for chunk in chunks if chunk]
