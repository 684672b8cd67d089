"""Web conversation ids: issued by the server, valid while used, never chosen by the caller.

``POST /api/session`` issues ``web:<uuid4>``; only the keyed hash of it is stored, with when it
was last used. ``/api/chat`` and ``/api/history`` accept an id only while it is known and has
been used within WEB_SESSION_HOURS (a kiosk's id within KIOSK_IDLE). Ending a session (the
widget's kiosk mode after idling, or erasing the conversation) forgets the id. An id with an
open request for a person (``app/handoff/``) stays valid until it is answered, within the
retention window (DATA_RETENTION_DAYS, which purge still applies).
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

from sqlalchemy import Boolean, DateTime, String, delete, false, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.clock import Clock, aware, utc_now
from app.database import Base, Database, PersonStore
from app.handoff.models import OPEN, HandoffRow

WEB_SENDER = re.compile(r"^web:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
KIOSK_IDLE = timedelta(minutes=30)  # a kiosk id is ended by the widget sooner; this is the backstop
TOUCH_EVERY = timedelta(seconds=60)  # last_seen is written at most this often


class WebSessionRow(Base):
    __tablename__ = "web_sessions"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    kiosk: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class WebSessions(PersonStore):
    name = "web_sessions"

    def __init__(self, database: Database, idle: timedelta, clock: Clock = utc_now) -> None:
        super().__init__(database, clock)
        self.idle = idle

    def issue(self, kiosk: bool = False) -> str:
        sender = f"web:{uuid.uuid4()}"
        now = self._clock()
        with self._session.begin() as session:
            session.add(WebSessionRow(key=self.key(sender), created_at=now, last_seen=now, kiosk=kiosk))
        return sender

    def _expired(self, row: WebSessionRow, now: datetime) -> bool:
        idle = min(self.idle, KIOSK_IDLE) if row.kiosk else self.idle
        return now - aware(row.last_seen) > idle

    @staticmethod
    def _awaiting_answer(session: Session, key: str) -> bool:
        """The id has an open request for a person: it stays valid until it is answered."""
        query = select(HandoffRow.id).where(HandoffRow.sender_key == key, HandoffRow.status.in_(OPEN))
        return session.scalars(query.limit(1)).first() is not None

    def is_kiosk(self, sender: str) -> bool:
        with self._session() as session:
            row = session.get(WebSessionRow, self.key(sender))
            return bool(row is not None and row.kiosk)

    def use(self, sender: str) -> bool:
        """True when ``sender`` is an id this server issued and it has not expired; marks it used."""
        if not WEB_SENDER.match(sender):
            return False
        now = self._clock()
        with self._session.begin() as session:
            row = session.get(WebSessionRow, self.key(sender))
            if row is None:
                return False
            if self._expired(row, now) and not self._awaiting_answer(session, row.key):
                session.delete(row)
                return False
            if now - aware(row.last_seen) >= TOUCH_EVERY:
                row.last_seen = now
        return True

    def end(self, sender: str) -> bool:
        with self._session.begin() as session:
            return bool(
                session.execute(delete(WebSessionRow).where(WebSessionRow.key == self.key(sender))).rowcount
            )

    def purge(self, cutoff: datetime) -> int:
        """Drop expired ids (they are refused anyway) and any older than the retention cutoff."""
        now = self._clock()
        idle_cutoff = max(now - self.idle, cutoff)
        awaiting = select(HandoffRow.sender_key).where(HandoffRow.status.in_(OPEN))
        with self._session.begin() as session:
            expired = session.execute(
                delete(WebSessionRow)
                .where(WebSessionRow.last_seen < idle_cutoff)
                .where(WebSessionRow.key.not_in(awaiting))
            ).rowcount
            retained = session.execute(delete(WebSessionRow).where(WebSessionRow.last_seen < cutoff)).rowcount
            kiosk = session.execute(
                delete(WebSessionRow)
                .where(WebSessionRow.kiosk.is_(True))
                .where(WebSessionRow.last_seen < now - min(self.idle, KIOSK_IDLE))
            ).rowcount
        return (expired or 0) + (retained or 0) + (kiosk or 0)

    def forget(self, key: str) -> int:
        with self._session.begin() as session:
            return session.execute(delete(WebSessionRow).where(WebSessionRow.key == key)).rowcount or 0
