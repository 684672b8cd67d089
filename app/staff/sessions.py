"""Staff sessions: a random id in a cookie, only its SHA-256 in the database.

A session ends when it has been idle for ``STAFF_SESSION_IDLE_MINUTES`` (30), when it is older
than ``STAFF_SESSION_HOURS`` (12) whatever its use, at sign-out, and at once when its account is
disabled (checked on every request) or its password is changed or reset (the account's other
sessions are deleted). Expired rows are deleted when they are presented and, for every account,
at each sign-in, so the table holds little more than the live sessions; nothing in it is a
citizen's data. Times come from the app's clock (tests move it).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select

from app.clock import Clock, aware, utc_now
from app.database import Database
from app.staff import csrf
from app.staff.accounts import StaffUser, user_from_row
from app.staff.models import StaffSessionRow, StaffUserRow

TOKEN_BYTES = 32
TOKEN_MAX = 100  # longer cookie values are not ours: refused without a query


def session_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class StaffSession:
    key: str  # the stored hash of the session id
    user: StaffUser
    csrf: str  # the CSRF token bound to this session
    created_at: datetime
    last_seen: datetime


class StaffSessions:
    def __init__(
        self,
        database: Database,
        *,
        idle: timedelta,
        lifetime: timedelta,
        secret: str,
        clock: Clock = utc_now,
    ) -> None:
        self._session = database.session
        self.idle = idle
        self.lifetime = lifetime
        self._secret = secret
        self._clock = clock
        # last_seen is written at most this often (a tenth of the idle time, at most a minute).
        self._touch_every = min(timedelta(minutes=1), idle / 10)

    def open(self, user: StaffUser) -> tuple[str, StaffSession]:
        """A new session for ``user``: (the session id for the cookie, the session)."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = self._clock()
        key = session_key(token)
        self.purge()
        with self._session.begin() as session:
            session.add(StaffSessionRow(key=key, user_id=user.id, created_at=now, last_seen=now))
        return token, StaffSession(key, user, csrf.token_for(self._secret, token), now, now)

    def _expired(self, row: StaffSessionRow, now: datetime) -> bool:
        return now - aware(row.last_seen) > self.idle or now - aware(row.created_at) > self.lifetime

    def resolve(self, token: str) -> StaffSession | None:
        """The live session whose id is ``token``, marked used; None when unknown, expired or its
        account is disabled (an expired row is deleted)."""
        if not token or len(token) > TOKEN_MAX:
            return None
        key = session_key(token)
        now = self._clock()
        with self._session.begin() as session:
            found = session.execute(
                select(StaffSessionRow, StaffUserRow)
                .join(StaffUserRow, StaffUserRow.id == StaffSessionRow.user_id)
                .where(StaffSessionRow.key == key)
            ).one_or_none()
            if found is None:
                return None
            row, user_row = found
            if self._expired(row, now) or user_row.disabled:
                session.delete(row)
                return None
            if now - aware(row.last_seen) >= self._touch_every:
                row.last_seen = now
            return StaffSession(
                key, user_from_row(user_row), csrf.token_for(self._secret, token), aware(row.created_at), now
            )

    def close(self, token: str) -> bool:
        with self._session.begin() as session:
            deleted = session.execute(
                delete(StaffSessionRow).where(StaffSessionRow.key == session_key(token))
            )
            return bool(deleted.rowcount)

    def end_for_user(self, user_id: int, keep: str | None = None) -> int:
        """End every session of the account, but the one whose key is ``keep``; how many ended."""
        statement = delete(StaffSessionRow).where(StaffSessionRow.user_id == user_id)
        if keep is not None:
            statement = statement.where(StaffSessionRow.key != keep)
        with self._session.begin() as session:
            return session.execute(statement).rowcount or 0

    def count(self, user_id: int) -> int:
        with self._session() as session:
            return len(
                session.scalars(select(StaffSessionRow.key).where(StaffSessionRow.user_id == user_id)).all()
            )

    def purge(self) -> int:
        """Delete every expired session, of every account."""
        now = self._clock()
        with self._session.begin() as session:
            return (
                session.execute(
                    delete(StaffSessionRow).where(
                        or_(
                            StaffSessionRow.last_seen < now - self.idle,
                            StaffSessionRow.created_at < now - self.lifetime,
                        )
                    )
                ).rowcount
                or 0
            )
