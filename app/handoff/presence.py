"""Which agents are on duty: an agent counts while their last ``PUT /api/staff/presence``
(online) or their open console stream is younger than :data:`FRESH`."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.clock import Clock, aware, utc_now
from app.database import Database
from app.handoff.models import AgentPresenceRow

FRESH = timedelta(minutes=2)


class Presence:
    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self._session = database.session
        self._clock = clock

    def set(self, user_id: int, username: str, online: bool) -> None:
        """The agent's own switch (the page re-sends it every minute while on duty)."""
        with self._session.begin() as session:
            row = session.get(AgentPresenceRow, user_id)
            if row is None:
                session.add(
                    AgentPresenceRow(user_id=user_id, username=username, online=online, seen_at=self._clock())
                )
            else:
                row.online, row.seen_at, row.username = online, self._clock(), username

    def seen(self, user_id: int, username: str) -> None:
        """An open stream keeps the agent fresh; it does not turn a switched-off agent on."""
        with self._session.begin() as session:
            row = session.get(AgentPresenceRow, user_id)
            if row is None:
                session.add(
                    AgentPresenceRow(user_id=user_id, username=username, online=True, seen_at=self._clock())
                )
            else:
                row.seen_at = self._clock()

    def online(self) -> int:
        since = self._clock() - FRESH
        with self._session() as session:
            return (
                session.scalar(
                    select(func.count()).where(
                        AgentPresenceRow.online.is_(True), AgentPresenceRow.seen_at >= since
                    )
                )
                or 0
            )

    def is_online(self, user_id: int) -> bool:
        since = self._clock() - FRESH
        with self._session() as session:
            row = session.get(AgentPresenceRow, user_id)
        return bool(row and row.online and aware(row.seen_at) >= since)
