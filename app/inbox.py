"""The durable inbox: Telegram and Zalo updates kept in the app database from the moment they are
acknowledged until they are answered.

Both platforms get their 200 before the message is processed (they would retry otherwise, and a
slow Rasa would make them give up). So the webhook first stores the verified update here, then
answers 200, then hands it to the channel's own ordered processing (python-telegram-bot's update
queue with the per-chat processor, the Zalo worker queues); when the update has been answered the
row is marked done. On start-up each channel processes its rows not done yet, oldest first: a
crash or restart between the acknowledgement and the reply loses nothing (a row may be processed
twice if the app died after the reply and before the mark: at least once, never zero).

What is kept, and for how long:
- the update as the platform sent it, masked (``app.privacy.mask_payload``: every string the
  person typed or shared — a message's text or caption, a shared contact's phone number, names —
  goes through the same cleaning and :func:`~app.privacy.mask` as a message in the pipeline; the
  platform's ids and times stay as sent, so the kept update parses into the same update and goes
  to the same person), with the kinds that were masked (``masked_kinds``), only while it is
  pending: marking it done erases the payload, the kinds and the person's hash;
- the kinds travel with a replayed update to the pipeline (``Inbound.masked``), which gives the
  one-time "numbers hidden" notice exactly as it does for the update processed live (that one
  is handed over from memory, unmasked, and masked by the pipeline like every other message);
- a done row keeps only a hash of the platform's update id, its channel and time, for
  ``SEEN_TTL``, so that a redelivery of the same update (Telegram re-sends an ``update_id``, Zalo a
  ``msg_id``) is taken once only, even after a restart;
- retention (``purge``) and a person's erasure (``forget``) cover the inbox like every other store.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import DateTime, Integer, String, Text, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import Clock, utc_now
from app.database import Base, Database
from app.privacy import mask_payload, sender_key

SEEN_TTL = timedelta(days=7)  # a platform redelivers an unacknowledged update for hours, not days
# Seconds after start-up before a channel processes updates (the kept ones first, in order): the
# server must be listening by then, since Rasa's custom actions call back into this app.
OPEN_AFTER = 1.0


async def open_after_start(ready: asyncio.Event, delay: float = OPEN_AFTER) -> None:
    """Set ``ready`` once the app has had ``delay`` seconds to start serving."""
    await asyncio.sleep(delay)
    ready.set()


class InboxRow(Base):
    __tablename__ = "inbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)  # arrival order
    key: Mapped[str] = mapped_column(String(64), unique=True, index=True)  # sha256: channel + update id
    channel: Mapped[str] = mapped_column(String(20), index=True)
    sender_key: Mapped[str | None] = mapped_column(String(64), index=True)  # None once done
    payload: Mapped[str | None] = mapped_column(Text)  # the update, masked (JSON); None once done
    masked_kinds: Mapped[str | None] = mapped_column(String(40))  # "email,phone"; None once done
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Kept(NamedTuple):
    """A pending update: its masked payload (JSON) and the kinds of personal data masked in it."""

    payload: str
    masked: frozenset[str]


def _digest(channel: str, update_id: str) -> str:
    return hashlib.sha256(f"{channel}:{update_id}".encode("utf-8", "replace")).hexdigest()


class Inbox:
    name = "inbox"

    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self._database = database
        self._session = database.session
        self._clock = clock

    def put(self, channel: str, update_id: str, sender: str, payload: Any) -> bool:
        """Keep an acknowledged update (``payload``: the platform's JSON, decoded), masked; False
        when ``update_id`` of ``channel`` came before (a redelivery: the caller acknowledges it
        and does nothing more)."""
        masked, kinds = mask_payload(payload)
        row = InboxRow(
            key=_digest(channel, update_id),
            channel=channel[:20],
            sender_key=sender_key(self._database.secret, sender) if sender else None,
            # ASCII: a lone surrogate stays an escape until the pipeline's clean() refuses it
            payload=json.dumps(masked),
            masked_kinds=",".join(sorted(kinds)) or None,
            received_at=self._clock(),
        )
        try:
            with self._session.begin() as session:
                session.add(row)
        except IntegrityError:
            return False
        return True

    def pending(self, channel: str) -> list[Kept]:
        """The updates of ``channel`` not answered yet, in the order they arrived."""
        query = (
            select(InboxRow.payload, InboxRow.masked_kinds)
            .where(InboxRow.channel == channel, InboxRow.done_at.is_(None), InboxRow.payload.is_not(None))
            .order_by(InboxRow.id)
        )
        with self._session() as session:
            return [
                Kept(payload, frozenset(kinds.split(",")) if kinds else frozenset())
                for payload, kinds in session.execute(query)
                if payload is not None
            ]

    def done(self, channel: str, update_id: str) -> None:
        """The update was answered (or the person told to resend): its content goes, its id stays."""
        with self._session.begin() as session:
            session.execute(
                update(InboxRow)
                .where(InboxRow.key == _digest(channel, update_id), InboxRow.done_at.is_(None))
                .values(done_at=self._clock(), payload=None, masked_kinds=None, sender_key=None)
            )

    def drop(self, channel: str, update_id: str) -> None:
        """Forget an update that could not be queued: the platform's retry brings it back."""
        with self._session.begin() as session:
            session.execute(delete(InboxRow).where(InboxRow.key == _digest(channel, update_id)))

    def purge(self, cutoff: datetime) -> int:
        """Rows older than the retention cutoff, and done rows older than ``SEEN_TTL``."""
        with self._session.begin() as session:
            old = session.execute(delete(InboxRow).where(InboxRow.received_at < cutoff)).rowcount or 0
            seen = session.execute(
                delete(InboxRow).where(
                    InboxRow.done_at.is_not(None), InboxRow.received_at < self._clock() - SEEN_TTL
                )
            ).rowcount
            return old + (seen or 0)

    def forget(self, key: str) -> int:
        with self._session.begin() as session:
            return session.execute(delete(InboxRow).where(InboxRow.sender_key == key)).rowcount or 0
