"""The handoff desk: what happens around a request for a person, between the citizen's channel,
the app's own handoff state, Rasa's tracker and the agents.

Citizen side (called by :class:`app.pipeline.Pipeline`):

- :meth:`Desk.route`, before Rasa: a sender with an open request has their message stored
  (masked), appended to the tracker with intent ``handoff_message`` and shown to the console;
  while waiting they read their queue place with a cancel button, while an agent holds the
  conversation the bot stays silent; a kept request's first message becomes its question; the
  cancel button (or its title typed) cancels.
- :meth:`Desk.after_reply`, after Rasa: the bot's marker ``{"handoff": {"reason": …}}`` is
  replaced by the outcome: the queue, outside hours (when staff are back), nobody on duty (the
  request and the question kept), or on a kiosk the other channels and the counter.

Agent side (called by ``app/handoff/api.py``): claim (the tracker is paused), messages (pushed
to the channel and appended to the tracker), hand-back at a step and close (the tracker resumed,
``handoff_resume`` / ``handoff_closed`` triggered, the bot's replies pushed). An idle claim goes
back to the queue (:meth:`Desk.release_idle`, run by :meth:`Desk.run_idle_release`).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from app import texts
from app.clock import Clock, utc_now
from app.handoff.canned import CannedReplies
from app.handoff.hours import WorkingHours
from app.handoff.models import CANCELLED, CLOSED, HELD, KEPT, WAITING
from app.handoff.presence import Presence
from app.handoff.store import Handoff, HandoffError, HandoffStore
from app.handoff.updates import Signal, WebUpdates
from app.pipeline import MENU, Reply
from app.privacy import sender_tag
from app.push import Delivery
from app.rasa_client import RasaClient, RasaError
from app.settings import Settings
from app.web import HandoffState
from app.work import Work
from connectors.message import Button, OutgoingMessage, from_bot_replies
from knowledge.text import normalize

logger = logging.getLogger(__name__)

CANCEL_PAYLOAD = "/handoff_cancel"
CANCEL = Button(title=texts.HANDOFF_CANCEL, payload=CANCEL_PAYLOAD)
REASONS = frozenset({"request", "ladder", "problem"})
CONSOLE = "console"  # the Signal key of the console's stream
RESUME_INTENT, CLOSED_INTENT, MESSAGE_INTENT = "handoff_resume", "handoff_closed", "handoff_message"

Deliver = Callable[[str, list[OutgoingMessage], str], Awaitable[Delivery]]


class RasaFailed(Exception):
    """Rasa could not take the conversation back; the request stays as it was."""


@dataclass(frozen=True)
class Sent:
    delivered: bool
    reason: str = ""
    window_closed: bool = False


def marker_of(replies: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The handoff marker among Rasa's replies (contract 1), if any."""
    for reply in replies:
        custom = reply.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("handoff"), dict):
            return custom["handoff"]
    return None


def slot_step(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and value >= 1 else None


class Desk:
    """``app.state.handoffs``: the handoff state's one owner. ``queue_length()`` and
    ``agents_online()`` (sync, for ``work.io``) serve the gauges and the dashboard."""

    def __init__(
        self,
        *,
        settings: Settings,
        store: HandoffStore,
        presence: Presence,
        canned: CannedReplies,
        updates: WebUpdates,
        work: Work,
        hours: WorkingHours,
        deliver: Deliver,
        centre_lines: Callable[[], list[str]],
        is_kiosk: Callable[[str], bool],
        activity: Any = None,
        clock: Clock = utc_now,
    ) -> None:
        self.settings, self.store, self.presence, self.canned = settings, store, presence, canned
        self.updates, self.work, self.hours, self.deliver = updates, work, hours, deliver
        self.centre_lines, self.is_kiosk, self.activity, self.clock = centre_lines, is_kiosk, activity, clock
        self.rasa: RasaClient | None = None  # set once the app has started
        self.signal = Signal()
        self.version = 0
        self.idle = timedelta(minutes=settings.handoff_claim_idle_minutes)

    # --- contract 9 ---------------------------------------------------------------------------
    def queue_length(self) -> int:
        return self.store.queue_length()

    def agents_online(self) -> int:
        return self.presence.online()

    # --- the console's live updates -------------------------------------------------------------
    def changed(self) -> None:
        self.version += 1
        self.signal.notify(CONSOLE)

    async def _record(self, kind: str, handoff: Handoff, sender: str, value: float | None = None) -> None:
        if self.activity is None:
            return
        try:
            await self.work.io(
                self.activity.record,
                kind,
                sender=sender,
                channel=handoff.channel,
                procedure=handoff.procedure,
                step=handoff.step,
                value=value,
            )
        except Exception:
            logger.exception("handoff: activity %s not recorded", kind)

    async def _append(self, conversation: str, events: list[dict[str, Any]]) -> None:
        """Events to the tracker; a Rasa failure is logged (the app's own state is what routes)."""
        assert self.rasa is not None
        try:
            await self.rasa.append_events(conversation, events)
        except RasaError as exc:
            logger.warning("handoff: tracker of %s not updated: %s", self._tag(conversation), exc)

    async def _said(self, sender: str, messages: list[OutgoingMessage], handoff_id: int | None) -> None:
        """The app's own replies into the tracker as the bot's, so ``/api/history`` stays whole."""
        events = [
            {
                "event": "bot",
                "text": message.text,
                "data": {"buttons": [button.model_dump() for button in message.buttons]},
                "metadata": {"handoff": handoff_id},
            }
            for message in messages
        ]
        if events:
            await self._append(sender, events)

    def _tag(self, sender: str) -> str:
        return sender_tag(self.settings.app_secret_key, sender)

    # --- citizen side -------------------------------------------------------------------------
    async def state_of(self, sender: str) -> HandoffState:
        handoff = await self.work.io(self.store.open_for, sender)
        if handoff is None:
            return HandoffState(status=None, position=None)
        position = await self.work.io(self.store.position, handoff)
        return HandoffState(status=handoff.status, position=position)

    async def expected_minutes(self, position: int) -> int:
        mean = await self.work.io(self.store.mean_handling_minutes)
        per_person = mean if mean is not None else self.settings.handoff_minutes_per_person
        online = max(1, await self.work.io(self.presence.online))
        return max(1, math.ceil(position * per_person / online))

    async def queue_message(self, handoff: Handoff) -> OutgoingMessage:
        position = await self.work.io(self.store.position, handoff) or 1
        minutes = await self.expected_minutes(position)
        return OutgoingMessage(text=texts.handoff_queued(position, minutes), buttons=[CANCEL])

    @staticmethod
    def is_cancel(text: str) -> bool:
        return text == CANCEL_PAYLOAD or normalize(text) == normalize(texts.HANDOFF_CANCEL)

    async def route(self, channel: str, sender: str, text: str) -> Reply | None:
        """Before Rasa: the reply for a sender with an open request, or None (Rasa answers)."""
        handoff = await self.work.io(self.store.open_for, sender)
        if handoff is None:  # a cancel button pressed after the request ended: nothing to cancel
            done = OutgoingMessage(text=texts.HANDOFF_CANCELLED, buttons=MENU)
            return Reply([done]) if text == CANCEL_PAYLOAD else None
        if self.is_cancel(text):
            return await self.cancel(handoff, sender)
        if handoff.status == KEPT:
            if handoff.question is not None:
                return None  # the question is kept; meanwhile the bot answers
            await self.work.io(self.store.set_question, handoff.id, text)
            await self._citizen_message(handoff, sender, text)
            kept = [OutgoingMessage(text=texts.HANDOFF_QUESTION_KEPT, buttons=[CANCEL])]
            await self._said(sender, kept, handoff.id)
            return Reply(kept)
        await self._citizen_message(handoff, sender, text)
        if handoff.status == HELD:
            return Reply([])  # the agent answers; the bot stays silent
        place = [await self.queue_message(handoff)]
        await self._said(sender, place, handoff.id)
        return Reply(place)

    async def _citizen_message(self, handoff: Handoff, sender: str, text: str) -> None:
        await self.work.io(self.store.add_message, handoff, "citizen", text)
        parse_data = {"intent": {"name": MESSAGE_INTENT, "confidence": 1.0}, "entities": [], "text": text}
        event = {
            "event": "user",
            "text": text,
            "parse_data": parse_data,
            "input_channel": handoff.channel,
            "metadata": {"handoff": handoff.id},
        }
        await self._append(sender, [event])
        self.changed()

    async def cancel(self, handoff: Handoff, sender: str) -> Reply:
        try:
            before = await self.work.io(self.store.finish, handoff.id, CANCELLED)
        except HandoffError:
            return Reply([OutgoingMessage(text=texts.HANDOFF_CANCELLED, buttons=MENU)])
        if before.status == HELD:
            await self._append(sender, [{"event": "resume"}])
        await self._record("handoff_cancelled", before, sender)
        self.changed()
        done = [OutgoingMessage(text=texts.HANDOFF_CANCELLED, buttons=MENU)]
        await self._said(sender, done, handoff.id)
        return Reply(done)

    async def after_reply(
        self, channel: str, sender: str, text: str, replies: list[dict[str, Any]]
    ) -> list[OutgoingMessage]:
        """After Rasa: the outcome of a handoff the bot started (nothing when it started none)."""
        marker = marker_of(replies)
        if marker is None:
            return []
        outcome, handoff_id = await self._outcome(channel, sender, text, marker)
        await self._said(sender, outcome, handoff_id)
        return outcome

    async def _outcome(
        self, channel: str, sender: str, text: str, marker: dict[str, Any]
    ) -> tuple[list[OutgoingMessage], int | None]:
        reason = str(marker.get("reason") or "request")
        reason = reason if reason in REASONS else "request"
        existing = await self.work.io(self.store.open_for, sender)
        if existing is not None:
            if existing.status == KEPT:
                return [OutgoingMessage(text=texts.HANDOFF_ALREADY_KEPT, buttons=[CANCEL])], existing.id
            return ([await self.queue_message(existing)] if existing.status == WAITING else []), existing.id
        procedure, step = await self._where(sender)
        now = self.clock()
        opened = self.hours.is_open(now)
        online = await self.work.io(self.presence.online) if opened else 0
        question = text if reason == "ladder" else None
        if opened and online:
            handoff = await self.work.io(
                lambda: self.store.open(
                    sender, channel, status=WAITING, reason=reason, procedure=procedure, step=step
                )
            )
            await self._record("handoff_requested", handoff, sender)
            self.changed()
            return [await self.queue_message(handoff)], handoff.id
        if channel == "web" and await self.work.io(self.is_kiosk, sender):
            lines = [texts.HANDOFF_KIOSK, *self.centre_lines()]
            return [OutgoingMessage(text="\n".join(lines))], None
        handoff = await self.work.io(
            lambda: self.store.open(
                sender,
                channel,
                status=KEPT,
                reason=reason,
                question=question,
                procedure=procedure,
                step=step,
            )
        )
        await self._record("handoff_requested", handoff, sender)
        await self._record("handoff_kept", handoff, sender)
        self.changed()
        if opened:
            lead = texts.HANDOFF_NOBODY_ONLINE
        else:
            lead = texts.handoff_outside_hours(self.hours.back_at(now), self.hours.describe())
        follow = texts.HANDOFF_QUESTION_KEPT if question else texts.HANDOFF_ASK_QUESTION
        lines = [f"{lead} {follow}", texts.HANDOFF_MEANWHILE, *self.centre_lines()]
        return [OutgoingMessage(text="\n".join(lines), buttons=[CANCEL])], handoff.id

    async def _where(self, sender: str) -> tuple[str | None, int | None]:
        """The procedure and the walkthrough step of the conversation (its slots)."""
        assert self.rasa is not None
        try:
            slots = (await self.rasa.tracker(sender)).get("slots") or {}
        except RasaError:
            return None, None
        procedure = slots.get("procedure")
        return (str(procedure) if procedure else None), slot_step(slots.get("guide_step"))

    # --- agent side ---------------------------------------------------------------------------
    async def claim(self, handoff_id: int, agent: str) -> Handoff:
        handoff = await self.work.io(self.store.claim, handoff_id, agent)
        if handoff.claimed_at is not None and handoff.claimed_at == handoff.first_claimed_at:
            waited = (handoff.claimed_at - handoff.requested_at).total_seconds()
            await self._record("handoff_claimed", handoff, handoff.conversation or "", value=waited)
        if handoff.conversation:
            await self._append(handoff.conversation, [{"event": "pause"}])
            await self.deliver(handoff.conversation, [OutgoingMessage(text=texts.HANDOFF_CLAIMED)], "bot")
        self.changed()
        return handoff

    async def send(self, handoff_id: int, agent: str, text: str) -> Sent:
        """An agent's message to the citizen of a conversation they hold."""
        handoff = await self.work.io(self.store.held_by, handoff_id, agent)
        await self.work.io(self.store.add_message, handoff, "agent", text, agent)
        conversation = handoff.conversation or ""
        event = {"event": "bot", "text": text, "metadata": {"agent": True, "handoff": handoff.id}}
        await self._append(conversation, [event])
        delivery = await self.deliver(conversation, [OutgoingMessage(text=text)], "agent")
        if delivery.window_closed:
            await self.work.io(self.store.note_window_closed, handoff.id, delivery.reason)
        self.changed()
        return Sent(delivery.delivered, delivery.reason, delivery.window_closed)

    async def hand_back(self, handoff_id: int, agent: str, step: int | None) -> list[OutgoingMessage]:
        """Resume (at ``step``) or close (``None``, the rating question): the bot speaks first."""
        handoff = await self.work.io(self.store.held_by, handoff_id, agent)
        conversation = handoff.conversation or ""
        assert self.rasa is not None
        try:
            await self.rasa.append_events(conversation, [{"event": "resume"}])
            if step is None:
                replies = await self.rasa.trigger_intent(conversation, CLOSED_INTENT)
            else:
                replies = await self.rasa.trigger_intent(conversation, RESUME_INTENT, {"step": step})
        except RasaError as exc:
            logger.warning("handoff %d: Rasa did not take the conversation back: %s", handoff.id, exc)
            await self._append(conversation, [{"event": "pause"}])
            raise RasaFailed(str(exc)) from exc
        await self.work.io(self.store.finish, handoff.id, CLOSED, agent)
        messages = from_bot_replies(replies)
        await self.deliver(conversation, messages, "bot")
        await self._record("handoff_closed", handoff, conversation)
        self.changed()
        return messages

    # --- idle claims ----------------------------------------------------------------------------
    async def release_idle(self) -> list[Handoff]:
        released = await self.work.io(self.store.release_idle, self.idle)
        if released:
            logger.info("handoff: %d idle claim(s) back in the queue", len(released))
            self.changed()
        return released

    async def run_idle_release(self, every: float | None = None) -> None:
        """Look for idle claims every so often (a quarter of the idle time, at most a minute)."""
        every = every or min(60.0, self.idle.total_seconds() / 4)
        while True:
            await asyncio.sleep(every)
            try:
                await self.release_idle()
            except Exception:
                logger.exception("handoff: the idle-claim check failed; trying again")


__all__ = ["CANCEL", "CANCEL_PAYLOAD", "CLOSED", "Desk", "HandoffError", "RasaFailed", "Sent"]
