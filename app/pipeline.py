"""The one message pipeline every channel goes through.

Inbound: the channel has verified the request (webhook signature or secret, an issued web id)
and decided who the sender is → clean → mask personal numbers → limits → the privacy notice
and the erase command → the conversation core (Rasa) → replies. Outbound: the channel renders
the replies in its own way and sends them through :meth:`Pipeline.deliver`, which keeps
whatever could not be sent in the one outbox.

The channel modules (``app/web.py``, ``app/telegram.py``, ``app/zalo.py``) only parse, verify,
render and send.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import OperationalError

from actions.replies import MENU_BUTTONS
from app import buttons, texts
from app.activity import ActivityLog
from app.clock import Clock, utc_now
from app.contacts import Contact, Contacts
from app.database import storage_problem
from app.limits import Limits
from app.outbox import Outbox
from app.privacy import mask, sender_tag
from app.rasa_client import RasaClient, RasaError
from app.retention import Retention
from app.settings import Settings
from app.work import Busy, Work
from connectors.message import Button, OutgoingMessage, from_bot_replies
from knowledge.text import clean, normalize

logger = logging.getLogger(__name__)

MENU = [Button(**button) for button in MENU_BUTTONS]
ERASE_PAYLOAD = "/erase"
ERASE_YES_PAYLOAD = "/erase_confirm"
ERASE_NO_PAYLOAD = "/erase_cancel"
# What a person types to erase their conversation (matched on the normalised form).
ERASE_PHRASES = frozenset(
    normalize(phrase)
    for phrase in ("Xóa cuộc trò chuyện", "xóa trò chuyện", "xóa lịch sử trò chuyện", "xóa dữ liệu của tôi")
)
ERASE_WINDOW = timedelta(minutes=10)  # a confirmation counts this long after the question
RETRY_FIRST, RETRY_LONGEST = 1.0, 15.0  # seconds: the backoff between two tries at Rasa


def retry_delays(total: float) -> list[float]:
    """The pauses between tries at Rasa for a message kept in the inbox: doubling from
    ``RETRY_FIRST`` up to ``RETRY_LONGEST``, adding up to ``total`` seconds (INBOX_RETRY_SECONDS)."""
    delays: list[float] = []
    delay = RETRY_FIRST
    while sum(delays) < total:
        delays.append(min(delay, total - sum(delays)))
        delay = min(delay * 2, RETRY_LONGEST)
    return delays


class BadInput(ValueError):
    """A message no channel hands to Rasa; ``str(exc)`` is the Vietnamese reply for the person."""

    def __init__(self, reply: str, status_code: int) -> None:
        super().__init__(reply)
        self.status_code = status_code


def inbound_text(text: str, limit: int) -> str:
    """The same bad-input rules for every channel: cleaned, not empty, not too long."""
    cleaned = clean(text)
    if not cleaned:
        raise BadInput(texts.EMPTY, 422)
    if len(cleaned) > limit:
        raise BadInput(texts.too_long(limit), 413)
    return cleaned


@dataclass(frozen=True)
class Inbound:
    """One message as the channel verified it: the server decided ``channel`` and ``sender``."""

    channel: str  # "web", "tg" or "zalo"
    sender: str  # namespaced conversation id: web:<uuid>, tg:<chat id>, zalo:<user id>
    text: str  # what the person typed, or a button's payload
    # Kinds of personal data masked before the text got here (a Telegram/Zalo update kept masked
    # in the durable inbox and replayed after a restart): they count as masked now, for the notice.
    masked: frozenset[str] = frozenset()


@dataclass
class Reply:
    """The replies to render, and how it went (an HTTP status, for the web API)."""

    messages: list[OutgoingMessage] = field(default_factory=list)
    status: int = 200
    ended: bool = False  # the conversation was erased: a web id is no longer valid


class SendFailed(Exception):
    """A channel could not deliver; ``unsent`` are the texts that did not arrive."""

    def __init__(self, reason: str, unsent: list[str]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.unsent = unsent


Send = Callable[[str, list[OutgoingMessage]], Awaitable[None]]


class Pipeline:
    def __init__(
        self,
        *,
        settings: Settings,
        rasa: RasaClient,
        limits: Limits,
        work: Work,
        contacts: Contacts,
        outbox: Outbox,
        retention: Retention,
        clock: Clock = utc_now,
        activity: ActivityLog | None = None,
    ) -> None:
        self.settings, self.rasa, self.limits, self.work = settings, rasa, limits, work
        self.contacts, self.outbox, self.retention, self.clock = contacts, outbox, retention, clock
        self.activity = activity  # the dashboard's events (app/activity.py)
        # The handoff desk (app/handoff/desk.py), set by app.main: it routes the messages of a
        # person waiting for or talking to an agent before Rasa, and turns the bot's marker into
        # the outcome. None: no handoff (a test's bare pipeline).
        self.handoffs: Any = None

    def tag(self, sender: str) -> str:
        return sender_tag(self.settings.app_secret_key, sender)

    def notice(self) -> OutgoingMessage:
        return OutgoingMessage(text=texts.privacy_notice(self.settings.data_retention_days))

    async def handle(self, inbound: Inbound, wait: float | None = None, *, patient: bool = False) -> Reply:
        """Everything between a verified message and the replies to send; never raises.

        ``wait``: how long to wait for a slot of the global cap (default WORK_WAIT). ``patient``:
        the message is kept in the durable inbox (Telegram, Zalo), so while Rasa fails it is tried
        again with backoff for INBOX_RETRY_SECONDS, then the person is asked to send it again.
        A database that stays locked or is full gets a polite reply (and a 503 for the web API).
        """
        try:
            return await self._handle(inbound, wait, patient)
        except OperationalError as exc:
            return self._storage_failed(inbound, exc)

    def _storage_failed(self, inbound: Inbound, exc: OperationalError) -> Reply:
        """The reply when the app database refused the turn's writes; re-raises any other error."""
        problem = storage_problem(exc)
        if problem is None:
            raise exc
        logger.error(
            "storage %s: the app database refused a write (%s); channel=%s sender=%s not processed",
            problem,
            exc.orig,
            inbound.channel,
            self.tag(inbound.sender),
        )
        return Reply([OutgoingMessage(text=texts.STORAGE[problem])], 503)

    async def _handle(self, inbound: Inbound, wait: float | None, patient: bool) -> Reply:
        limited = await self._limited(inbound)
        if limited is not None:
            return limited
        contact = await self.work.io(self.contacts.visit, inbound.sender, inbound.channel)
        try:
            text = inbound_text(inbound.text, self.settings.chat_max_chars)
        except BadInput as exc:
            before, marks = self._notices(inbound, contact, frozenset())
            if marks:
                await self.work.io(self.contacts.mark, inbound.sender, **marks)
            return Reply([*before, OutgoingMessage(text=str(exc))], exc.status_code)
        if self.activity is not None:
            await self.work.io(
                self.activity.record, "message_in", sender=inbound.sender, channel=inbound.channel
            )
        masked = mask(text)
        before, marks = self._notices(inbound, contact, masked.kinds | inbound.masked)
        erase = await self._erase_step(inbound, masked.text, contact.erase_asked_at, marks)
        if marks and (erase is not None or not patient):
            await self.work.io(self.contacts.mark, inbound.sender, **marks)
            marks = {}
        if erase is not None:
            if erase.ended:
                return erase
            erase.messages[:0] = before
            return await self._offered(inbound, erase)
        # A message kept in the inbox records its notices only once the turn is done: if the app
        # dies meanwhile, the next process answers it with the notices again.
        reply = await self._conversation(inbound, masked.text, contact, before, wait, patient)
        if marks:
            await self.work.io(self.contacts.mark, inbound.sender, **marks)
        return reply

    async def _conversation(
        self,
        inbound: Inbound,
        text: str,
        contact: Contact,
        before: list[OutgoingMessage],
        wait: float | None,
        patient: bool,
    ) -> Reply:
        """A message for the conversation: to an agent during a handoff, else to Rasa."""
        pressed = buttons.match(text, contact.offered)
        if pressed is not None:  # a typed title is the button's payload
            text = pressed.payload
        if self.handoffs is not None:  # a person waits for or talks to an agent: not to Rasa
            routed = await self.handoffs.route(inbound.channel, inbound.sender, text)
            if routed is not None:
                routed.messages[:0] = before
                return await self._offered(inbound, routed)
        try:
            messages = await self._converse_patiently(inbound, text, wait, patient)
        except Busy:
            logger.warning(
                "chat channel=%s sender=%s: every slot busy", inbound.channel, self.tag(inbound.sender)
            )
            return Reply([*before, OutgoingMessage(text=texts.BUSY)], 503)
        return await self._offered(inbound, Reply([*before, *messages]))

    async def _offered(self, inbound: Inbound, reply: Reply) -> Reply:
        """Remember the buttons of ``reply`` for the person's next message; return the reply."""
        shown = buttons.offered_in(reply.messages)
        if shown:
            await self.work.io(self.contacts.offer, inbound.sender, shown)
        return reply

    async def note(self, inbound: Inbound, message: OutgoingMessage) -> Reply:
        """A fixed reply that needs no conversation (the assistant reads text only; a button that
        expired), with the same limit and one-time notices as a message."""
        try:
            return await self._note(inbound, message)
        except OperationalError as exc:
            return self._storage_failed(inbound, exc)

    async def _note(self, inbound: Inbound, message: OutgoingMessage) -> Reply:
        limited = await self._limited(inbound)
        if limited is not None:
            return limited
        contact = await self.work.io(self.contacts.visit, inbound.sender, inbound.channel)
        before, marks = self._notices(inbound, contact, frozenset())
        if marks:
            await self.work.io(self.contacts.mark, inbound.sender, **marks)
        return await self._offered(inbound, Reply([*before, message]))

    async def attachment(self, inbound: Inbound) -> Reply:
        """A photo, file, sticker, voice note or location: the assistant reads text only."""
        return await self.note(inbound, OutgoingMessage(text=texts.TEXT_ONLY, buttons=MENU))

    async def _limited(self, inbound: Inbound) -> Reply | None:
        """None when ``inbound`` is within the per-person limit; else the "too fast" reply."""
        if await self.limits.sender(inbound.sender):
            return None
        logger.info("chat channel=%s sender=%s: rate limited", inbound.channel, self.tag(inbound.sender))
        note = await self.limits.note(inbound.sender)
        return Reply([OutgoingMessage(text=texts.TOO_FAST)] if note else [], 429)

    def _notices(
        self, inbound: Inbound, contact: Contact, masked: frozenset[str]
    ) -> tuple[list[OutgoingMessage], dict[str, datetime | None]]:
        """The one-time notices due before the replies, and the contact fields to record them."""
        before: list[OutgoingMessage] = []
        marks: dict[str, datetime | None] = {}
        # Not yet given (a first message, or one whose turn a crash cut short): the notice first.
        # On the web the widget shows it when the id is issued.
        if (contact.new or contact.notice_at is None) and inbound.channel != "web":
            before.append(self.notice())
            marks["notice_at"] = self.clock()
        if masked and contact.masked_at is None:
            before.append(OutgoingMessage(text=texts.MASKED_NOTE))
            marks["masked_at"] = self.clock()
        return before, marks

    async def _converse_patiently(
        self, inbound: Inbound, text: str, wait: float | None, patient: bool
    ) -> list[OutgoingMessage]:
        """:meth:`converse` in a slot; a patient message is tried again while Rasa fails (the slot
        is given back during each pause), then answered with the "send it again" wording."""
        for delay in retry_delays(self.settings.inbox_retry_seconds) if patient else []:
            try:
                async with self.work.slot(wait):
                    return await self.converse(inbound, text, last=False)
            except RasaError as exc:
                logger.warning(
                    "chat channel=%s sender=%s: Rasa failed (%s); trying again in %.0f s",
                    inbound.channel,
                    self.tag(inbound.sender),
                    exc,
                    delay,
                )
            await asyncio.sleep(delay)
        async with self.work.slot(wait):
            return await self.converse(inbound, text, resend=patient)

    async def converse(
        self, inbound: Inbound, text: str, *, last: bool = True, resend: bool = False
    ) -> list[OutgoingMessage]:
        """The conversation core: hand the masked message to Rasa; renderable replies back.

        When Rasa fails: :class:`RasaError` if not ``last`` (the caller tries again), else the
        polite "unavailable" reply, or, with ``resend``, the request to send the message again."""
        started = time.perf_counter()
        try:
            replies = await self.rasa.send(inbound.sender, text, metadata={"channel": inbound.channel})
        except RasaError as exc:
            if not last:
                raise
            logger.warning(
                "chat channel=%s sender=%s: Rasa failed: %s", inbound.channel, self.tag(inbound.sender), exc
            )
            wording = texts.resend if resend else texts.unavailable
            return [
                OutgoingMessage(
                    text=wording(self.settings.centre_hotline, self.settings.working_hours().describe())
                )
            ]
        messages = from_bot_replies(replies)
        if self.handoffs is not None:  # the bot handed over: the outcome follows its words
            messages.extend(await self.handoffs.after_reply(inbound.channel, inbound.sender, text, replies))
        logger.info(
            "chat channel=%s sender=%s chars=%d replies=%d ms=%.0f",
            inbound.channel,
            self.tag(inbound.sender),
            len(text),
            len(messages),
            (time.perf_counter() - started) * 1000,
        )
        return messages

    # --- "Xóa cuộc trò chuyện" ---------------------------------------------------------------
    async def _erase_step(
        self, inbound: Inbound, text: str, asked_at: datetime | None, marks: dict[str, datetime | None]
    ) -> Reply | None:
        """The erase command and its confirmation; None when the message is not about erasing."""
        pending = asked_at is not None and self.clock() - asked_at <= ERASE_WINDOW
        words = normalize(text)
        if pending and (text == ERASE_YES_PAYLOAD or words == normalize(texts.ERASE_YES)):
            await self.erase(inbound.sender)
            note = texts.ERASED if inbound.channel == "web" else f"{texts.ERASED} {texts.ERASED_APP_NOTE}"
            marks.clear()  # the contact row is gone
            return Reply([OutgoingMessage(text=note, buttons=MENU)], ended=True)
        if pending and (text == ERASE_NO_PAYLOAD or words == normalize(texts.ERASE_NO)):
            marks["erase_asked_at"] = None
            return Reply([OutgoingMessage(text=texts.NOT_ERASED, buttons=MENU)])
        if text in {ERASE_PAYLOAD, ERASE_YES_PAYLOAD, ERASE_NO_PAYLOAD} or words in ERASE_PHRASES:
            marks["erase_asked_at"] = self.clock()
            buttons = [
                Button(title=texts.ERASE_YES, payload=ERASE_YES_PAYLOAD),
                Button(title=texts.ERASE_NO, payload=ERASE_NO_PAYLOAD),
            ]
            return Reply([OutgoingMessage(text=texts.ERASE_CONFIRM, buttons=buttons)])
        if pending:
            marks["erase_asked_at"] = None  # the person moved on: a later "Xóa hết" asks again
        return None

    async def erase(self, sender: str) -> dict[str, int]:
        """Erase everything kept about ``sender`` (their own request, or the operator's)."""
        return await self.work.io(self.retention.forget, sender)

    # --- outbound ---------------------------------------------------------------------------
    async def deliver(
        self, channel: str, recipient: str, messages: list[OutgoingMessage], send: Send
    ) -> bool:
        """Send ``messages`` with the channel's ``send``; what fails goes to the outbox."""
        if not messages:
            return True
        try:
            await send(recipient, messages)
        except SendFailed as exc:
            logger.warning(
                "%s: reply not delivered to %s (%s)", channel, self.tag(f"{channel}:{recipient}"), exc.reason
            )
            await self.work.io(self.outbox.record, channel, recipient, exc.unsent, exc.reason)
            return False
        return True
