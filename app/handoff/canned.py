"""Canned replies: ready texts agents insert in a handoff; editors maintain them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.clock import Clock, aware, utc_now
from app.database import Database
from app.handoff.models import CannedReplyRow

TITLE_MAX = 100
TEXT_MAX = 2000


@dataclass(frozen=True)
class CannedReply:
    id: int
    title: str
    text: str
    updated_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "text": self.text,
            "updated_at": self.updated_at.isoformat(),
        }


def _reply(row: CannedReplyRow) -> CannedReply:
    return CannedReply(row.id, row.title, row.text, aware(row.updated_at))


class CannedReplies:
    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self._session = database.session
        self._clock = clock

    def all(self) -> list[CannedReply]:
        with self._session() as session:
            rows = session.scalars(
                select(CannedReplyRow).order_by(CannedReplyRow.title, CannedReplyRow.id)
            ).all()
        return [_reply(row) for row in rows]

    def get(self, reply_id: int) -> CannedReply | None:
        with self._session() as session:
            row = session.get(CannedReplyRow, reply_id)
        return _reply(row) if row is not None else None

    def create(self, title: str, text: str, by: str) -> CannedReply:
        now = self._clock()
        row = CannedReplyRow(title=title, text=text, created_at=now, updated_at=now, updated_by=by)
        with self._session.begin() as session:
            session.add(row)
        return _reply(row)

    def update(self, reply_id: int, title: str, text: str, by: str) -> CannedReply | None:
        with self._session.begin() as session:
            row = session.get(CannedReplyRow, reply_id)
            if row is None:
                return None
            row.title, row.text, row.updated_at, row.updated_by = title, text, self._clock(), by
            return _reply(row)

    def delete(self, reply_id: int) -> CannedReply | None:
        with self._session.begin() as session:
            row = session.get(CannedReplyRow, reply_id)
            if row is None:
                return None
            session.delete(row)
            return _reply(row)
