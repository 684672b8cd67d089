"""The outbox: every reply that could not be sent, on any channel, kept for staff to follow up.

A channel's send fails (Zalo refused it or its reply window is closed, Telegram or Zalo did not
answer, the token could not be refreshed): the texts are recorded here with the reason, masked,
with the channel's recipient id so they can be sent again once the cause is fixed. Rows go after
DATA_RETENTION_DAYS, or when the person asks to be forgotten.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import Clock, aware, utc_now
from app.database import Base, Database
from app.privacy import mask_text, sender_key


class OutboxRow(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(200))  # the channel's own id of the person
    sender_key: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(300))
    attempts: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Outbox:
    name = "outbox"

    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self._database = database
        self._session = database.session
        self._clock = clock

    def record(self, channel: str, recipient: str, texts: Sequence[str], reason: str) -> None:
        """Keep ``texts`` that did not reach ``recipient`` on ``channel``, and why."""
        now = self._clock()
        key = sender_key(self._database.secret, f"{channel}:{recipient}")
        with self._session.begin() as session:
            session.add_all(
                OutboxRow(
                    created_at=now,
                    channel=channel[:20],
                    recipient=recipient[:200],
                    sender_key=key,
                    text=mask_text(text),
                    reason=mask_text(reason)[:300],
                    attempts=1,
                )
                for text in texts
            )

    def unsent(self, channel: str | None = None, ids: Sequence[int] | None = None) -> list[OutboxRow]:
        """Rows not sent yet, oldest first (of ``channel``, or only ``ids``, if given)."""
        query = select(OutboxRow).where(OutboxRow.sent_at.is_(None)).order_by(OutboxRow.id)
        if channel is not None:
            query = query.where(OutboxRow.channel == channel)
        if ids is not None:
            query = query.where(OutboxRow.id.in_(list(ids)))
        with self._session() as session:
            return list(session.scalars(query))

    def unsent_counts(self) -> dict[str, int]:
        """Rows not sent yet, per channel."""
        query = (
            select(OutboxRow.channel, func.count())
            .where(OutboxRow.sent_at.is_(None))
            .group_by(OutboxRow.channel)
        )
        with self._session() as session:
            return {channel: count for channel, count in session.execute(query)}

    def recent_failures(
        self, since: datetime, exclude: Sequence[str] = ()
    ) -> dict[str, tuple[int, datetime]]:
        """Per channel: rows recorded since ``since`` and still unsent, and the oldest one's time;
        rows whose reason starts with one of ``exclude`` do not count."""
        query = (
            select(OutboxRow.channel, func.count(), func.min(OutboxRow.created_at))
            .where(OutboxRow.created_at >= since, OutboxRow.sent_at.is_(None))
            .group_by(OutboxRow.channel)
        )
        for prefix in exclude:
            query = query.where(OutboxRow.reason.not_like(f"{prefix}%"))
        with self._session() as session:
            return {channel: (count, aware(first)) for channel, count, first in session.execute(query)}

    def retried(self, row_id: int, reason: str | None) -> None:
        """One more attempt at row ``row_id``: sent (``reason`` None) or failed again, and why."""
        with self._session.begin() as session:
            row = session.get(OutboxRow, row_id)
            if row is None:
                return
            row.attempts += 1
            if reason is None:
                row.sent_at = self._clock()
            else:
                row.reason = mask_text(reason)[:300]

    def items(self, channel: str | None = None) -> list[OutboxRow]:
        query = select(OutboxRow).order_by(OutboxRow.id)
        if channel is not None:
            query = query.where(OutboxRow.channel == channel)
        with self._session() as session:
            return list(session.scalars(query))

    def purge(self, cutoff: datetime) -> int:
        with self._session.begin() as session:
            return session.execute(delete(OutboxRow).where(OutboxRow.created_at < cutoff)).rowcount or 0

    def forget(self, key: str) -> int:
        with self._session.begin() as session:
            return session.execute(delete(OutboxRow).where(OutboxRow.sender_key == key)).rowcount or 0
