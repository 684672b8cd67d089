"""What the app remembers of each person, by the keyed hash of their conversation id.

When they were first and last seen, and which one-time notices they were given: the privacy
notice (before the first message), the sentence saying the assistant never needs personal
numbers (the first time one was masked), an erase request waiting for confirmation, and the
buttons last offered (a typed title acts as pressing one: app/buttons.py).
A row goes DATA_RETENTION_DAYS after the person was last seen, or when they are forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import DateTime, String, Text, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app import buttons
from app.clock import aware
from app.database import Base, PersonStore
from connectors.message import Button


class ContactRow(Base):
    __tablename__ = "contacts"

    sender_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    notice_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    masked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    erase_asked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    offered: Mapped[str | None] = mapped_column(Text)  # the buttons last offered (app.buttons.dump)


@dataclass(frozen=True)
class Contact:
    """A person as they were before this visit."""

    new: bool
    notice_at: datetime | None = None
    masked_at: datetime | None = None
    erase_asked_at: datetime | None = None
    offered: list[Button] = field(default_factory=list)


class Contacts(PersonStore):
    name = "contacts"

    def visit(self, sender: str, channel: str) -> Contact:
        """Record that ``sender`` wrote now; return what was known of them before."""
        key, now = self.key(sender), self._clock()
        for _ in range(2):  # two first messages at once: the second insert loses and updates
            try:
                with self._session.begin() as session:
                    row = session.get(ContactRow, key)
                    if row is None:
                        session.add(
                            ContactRow(sender_key=key, channel=channel[:20], first_seen=now, last_seen=now)
                        )
                        return Contact(new=True)
                    before = Contact(
                        new=False,
                        notice_at=row.notice_at and aware(row.notice_at),
                        masked_at=row.masked_at and aware(row.masked_at),
                        erase_asked_at=row.erase_asked_at and aware(row.erase_asked_at),
                        offered=buttons.load(row.offered),
                    )
                    row.last_seen = now
                    return before
            except IntegrityError:
                continue
        return Contact(new=False)

    def mark(self, sender: str, **moments: datetime | None) -> None:
        """Set ``notice_at``, ``masked_at`` or ``erase_asked_at`` (None clears it)."""
        allowed = {"notice_at", "masked_at", "erase_asked_at"}
        if not set(moments) <= allowed:
            raise ValueError(f"unknown contact fields: {sorted(set(moments) - allowed)}")
        with self._session.begin() as session:
            row = session.get(ContactRow, self.key(sender))
            if row is not None:
                for name, value in moments.items():
                    setattr(row, name, value)

    def offer(self, sender: str, offered: list[Button]) -> None:
        """Remember the buttons just shown to ``sender`` (a typed title then presses one)."""
        with self._session.begin() as session:
            row = session.get(ContactRow, self.key(sender))
            if row is not None:
                row.offered = buttons.dump(offered)

    def purge(self, cutoff: datetime) -> int:
        with self._session.begin() as session:
            return session.execute(delete(ContactRow).where(ContactRow.last_seen < cutoff)).rowcount or 0

    def forget(self, key: str) -> int:
        with self._session.begin() as session:
            return session.execute(delete(ContactRow).where(ContactRow.sender_key == key)).rowcount or 0
