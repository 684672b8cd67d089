"""Satisfaction ratings, kept in the app's database for the staff console."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Boolean, DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from actions.services import Rating
from app.database import Base, Database


class RatingRow(Base):
    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    sender: Mapped[str] = mapped_column(String(200), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    procedure: Mapped[str | None] = mapped_column(String(100), index=True)
    score: Mapped[int] = mapped_column(Integer)
    human_help: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text)


class RatingStore:
    """Ratings in any SQLAlchemy database (SQLite under var/ by default, or PostgreSQL)."""

    COMMENT_MAX = 2000

    def __init__(self, url: str) -> None:
        self._database = Database(url)
        self._session = self._database.session

    def close(self) -> None:
        self._database.close()

    def add(self, rating: Rating) -> int:
        if not 1 <= rating.score <= 5:
            raise ValueError(f"a rating is 1 to 5, not {rating.score}")
        row = RatingRow(
            created_at=datetime.now(UTC),
            sender=rating.sender[:200],
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
                row.comment = text.strip()[: self.COMMENT_MAX]

    def all(self) -> list[RatingRow]:
        with self._session() as session:
            return list(session.scalars(select(RatingRow).order_by(RatingRow.id)))
