"""Push: messages to a person without a message of theirs to answer (an agent's reply, the bot's
step after a hand-back), on the person's own channel.

- ``web:`` — kept in the web updates store, which the widget long-polls (``GET /api/updates``);
- ``tg:`` — Telegram's sendMessage through the running python-telegram-bot application;
- ``zalo:`` — a customer-service message through the running Zalo client.

Everything that cannot be sent goes to the one outbox through :meth:`Pipeline.deliver`, with
the reason (a closed Zalo reply window is recorded as ``window_closed: …``, not lost). The
channel send functions (:func:`channel_send`) are the same the outbox's retry uses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fastapi import FastAPI

from app.pipeline import Send, SendFailed
from connectors.message import OutgoingMessage

logger = logging.getLogger(__name__)

CHANNELS = ("web", "tg", "zalo")
WINDOW_CLOSED = "window_closed"


@dataclass(frozen=True)
class Delivery:
    delivered: bool
    reason: str = ""  # why not (the outbox's reason), empty when delivered

    @property
    def window_closed(self) -> bool:
        return self.reason.startswith(WINDOW_CLOSED)


def _off(channel: str) -> Send:
    async def send(recipient: str, messages: list[OutgoingMessage]) -> None:
        raise SendFailed(f"channel_off: the {channel} channel is not running", [m.text for m in messages])

    return send


def channel_send(app: FastAPI, channel: str) -> Send:
    """The send function of a running channel (``tg`` or ``zalo``); one that fails with
    ``channel_off`` when the channel is not running."""
    if channel == "tg":
        telegram = getattr(app.state, "telegram", None)
        return telegram.send if telegram is not None else _off(channel)
    if channel == "zalo":
        zalo = getattr(app.state, "zalo", None)
        return zalo.send if zalo is not None else _off(channel)
    raise ValueError(f"no send function for channel {channel!r}")


async def deliver(app: FastAPI, sender: str, messages: list[OutgoingMessage], role: str = "bot") -> Delivery:
    """Send ``messages`` to ``sender`` (``web:…``, ``tg:…``, ``zalo:…``); how it went."""
    channel, _, recipient = sender.partition(":")
    if channel not in CHANNELS or not recipient:
        raise ValueError("not a namespaced conversation id")
    if not messages:
        return Delivery(True)
    if channel == "web":
        store = app.state.web_updates
        await app.state.work.io(store.add, sender, role, messages)
        store.wake(sender)
        return Delivery(True)
    failure: list[str] = []
    send = channel_send(app, channel)

    async def noting(to: str, batch: list[OutgoingMessage]) -> None:
        try:
            await send(to, batch)
        except SendFailed as exc:
            failure.append(exc.reason)
            raise

    delivered = await app.state.pipeline.deliver(channel, recipient, messages, noting)
    return Delivery(delivered, failure[0] if failure else "")


async def push(app: FastAPI, sender: str, messages: list[OutgoingMessage], role: str = "bot") -> bool:
    """Contract 6 of issue 12: True when ``messages`` reached ``sender``'s channel (or the web
    updates store); what fails is in the outbox."""
    return (await deliver(app, sender, messages, role)).delivered
