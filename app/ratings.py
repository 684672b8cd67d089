"""Satisfaction ratings, kept in the app's database for the staff console.

A rating names the person only by the keyed hash of their conversation id (``sender_key``),
so the staff console can find the conversation while it is kept; the comment is masked. After
DATA_RETENTION_DAYS both are cleared and the rest (date, channel, procedure, score) stays as
an anonymous figure.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, mapped_column

from actions.services import Rating
from app.clock import Clock, utc_now
from app.database import Base, Database
from app.privacy import mask_text, sender_key


class RatingRow(Base):
    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    sender_key: Mapped[str | None] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    procedure: Mapped[str | None] = mapped_column(String(100), index=True)
    score: Mapped[int] = mapped_column(Integer)
    human_help: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text)


class RatingStore:
    """Ratings in the app database (SQLite under var/ by default, or PostgreSQL)."""

    name = "ratings"
    COMMENT_MAX = 2000

    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self._database = database
        self._session = database.session
        self._clock = clock

    def add(self, rating: Rating) -> int:
        if not 1 <= rating.score <= 5:
            raise ValueError(f"a rating is 1 to 5, not {rating.score}")
        row = RatingRow(
            created_at=self._clock(),
            sender_key=sender_key(self._database.secret, rating.sender),
            channel=rating.channel[:20],
            procedure=rating.procedure,
            score=rating.score,
            human_help=rating.human_help,
        )
        with self._session.begin() as session:
            session.add(row)
        return row.id

    def comment(self, rating_id: int, text: str) -> None:
        with self._session.begin() as session:
            row = session.get(RatingRow, rating_id)
            if row is not None:
                row.comment = mask_text(text.strip())[: self.COMMENT_MAX]

    def all(self) -> list[RatingRow]:
        with self._session() as session:
            return list(session.scalars(select(RatingRow).order_by(RatingRow.id)))

    def comments(
        self,
        since: datetime,
        until: datetime,
        *,
        channel: str | None = None,
        procedure: str | None = None,
        limit: int = 50,
    ) -> list[RatingRow]:
        """Rated with a comment (masked) in [since, until), newest first, for the dashboard."""
        query = (
            select(RatingRow)
            .where(RatingRow.comment.is_not(None))
            .where(RatingRow.created_at >= since, RatingRow.created_at < until)
            .order_by(RatingRow.created_at.desc(), RatingRow.id.desc())
            .limit(limit)
        )
        if channel:
            query = query.where(RatingRow.channel == channel)
        if procedure:
            query = query.where(RatingRow.procedure == procedure)
        with self._session() as session:
            return list(session.scalars(query))

    def purge(self, cutoff: datetime) -> int:
        """Older ratings keep their figures only: the person's hash and the comment go."""
        with self._session.begin() as session:
            result = session.execute(
                update(RatingRow)
                .where(RatingRow.created_at < cutoff)
                .where((RatingRow.sender_key.is_not(None)) | (RatingRow.comment.is_not(None)))
                .values(sender_key=None, comment=None)
            )
        return result.rowcount or 0

    def forget(self, key: str) -> int:
        with self._session.begin() as session:
            result = session.execute(
                update(RatingRow).where(RatingRow.sender_key == key).values(sender_key=None, comment=None)
            )
        return result.rowcount or 0
