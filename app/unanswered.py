"""Questions the knowledge base could not answer, kept in the app's database for the staff console.

``actions/question.py`` hands every miss (topics offered, nothing found, the centre's contact
at a second miss) to :meth:`UnansweredStore.add` on the app's database threads. A question is
kept with its text masked once more (``app.privacy.mask_text``: the pipeline masked it before
Rasa, and what is stored here never depends on that alone), the keyed hash of the person's
conversation id, the channel, the time, what the person got and the entries the search offered
(id, slug, title, score).

The staff console groups the questions that are not handled yet (``app/grouping.py``); the
vectors it computes are kept with each question, named by the model that made them, so a
restart does not encode them again. Marking a group handled stamps its questions, which then
leave the list for good: similar questions asked later start a new group.

Retention: a question is citizens' data. It is deleted ``DATA_RETENTION_DAYS`` after it was
asked (:meth:`purge`), and with everything else of a person on request (:meth:`forget`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, LargeBinary, String, Text, delete, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from actions.services import UnansweredQuestion
from app.clock import Clock, aware, utc_now
from app.database import Base, Database
from app.privacy import mask_text, sender_key

TEXT_MAX = 2000
CANDIDATES_KEPT = 5
OUTCOMES = ("unsure", "none", "contact")


class UnansweredRow(Base):
    __tablename__ = "unanswered"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    sender_key: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(10))
    candidates: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    handled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    handled_by: Mapped[str | None] = mapped_column(String(100))
    # The grouping's vector of the text (float32 bytes) and the model that made it.
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    embedding_model: Mapped[str | None] = mapped_column(String(32))


@dataclass(frozen=True)
class StoredQuestion:
    """An unhandled question as the grouping reads it."""

    id: int
    created_at: datetime
    channel: str
    text: str
    outcome: str
    candidates: tuple[dict[str, Any], ...]
    embedding: bytes | None  # only when made by the model asked for


@dataclass(frozen=True)
class Backlog:
    """How many questions wait to be handled and the newest one's id: a new question, one
    handled, purged or forgotten changes it (the grouping's cache key)."""

    count: int
    newest: int


class UnansweredStore:
    """Unanswered questions in the app database (SQLite under var/ by default, or PostgreSQL)."""

    name = "unanswered"

    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self._database = database
        self._session = database.session
        self.clock = clock

    def add(self, question: UnansweredQuestion) -> int:
        if question.outcome not in OUTCOMES:
            raise ValueError(
                f"an unanswered question's outcome is one of {OUTCOMES}, not {question.outcome!r}"
            )
        row = UnansweredRow(
            created_at=self.clock(),
            sender_key=sender_key(self._database.secret, question.sender),
            channel=question.channel[:20],
            text=mask_text(question.text.strip())[:TEXT_MAX],
            outcome=question.outcome,
            candidates=[
                {"id": c.id, "slug": c.slug, "title": c.title, "score": round(float(c.score), 4)}
                for c in question.candidates[:CANDIDATES_KEPT]
            ],
        )
        with self._session.begin() as session:
            session.add(row)
        return row.id

    def backlog(self) -> Backlog:
        with self._session() as session:
            count, newest = session.execute(
                select(func.count(UnansweredRow.id), func.max(UnansweredRow.id)).where(
                    UnansweredRow.handled_at.is_(None)
                )
            ).one()
        return Backlog(int(count or 0), int(newest or 0))

    def pending(self, limit: int, model: str | None = None) -> list[StoredQuestion]:
        """The newest ``limit`` questions not handled yet, oldest first; each with its vector when
        ``model`` made it."""
        query = (
            select(UnansweredRow)
            .where(UnansweredRow.handled_at.is_(None))
            .order_by(UnansweredRow.id.desc())
            .limit(limit)
        )
        with self._session() as session:
            rows = list(session.scalars(query))
        return [
            StoredQuestion(
                id=row.id,
                created_at=aware(row.created_at),
                channel=row.channel,
                text=row.text,
                outcome=row.outcome,
                candidates=tuple(row.candidates or ()),
                embedding=row.embedding if model is not None and row.embedding_model == model else None,
            )
            for row in reversed(rows)
        ]

    def save_embeddings(self, model: str, vectors: Mapping[int, bytes]) -> None:
        with self._session.begin() as session:
            for question_id, vector in vectors.items():
                session.execute(
                    update(UnansweredRow)
                    .where(UnansweredRow.id == question_id)
                    .values(embedding=vector, embedding_model=model)
                )

    def mark_handled(self, ids: Iterable[int], by: str) -> int:
        """Stamp the questions ``ids`` (those not handled yet) as handled by ``by``; how many."""
        wanted = sorted(set(ids))
        if not wanted:
            return 0
        with self._session.begin() as session:
            result = session.execute(
                update(UnansweredRow)
                .where(UnansweredRow.id.in_(wanted), UnansweredRow.handled_at.is_(None))
                .values(handled_at=self.clock(), handled_by=by[:100])
            )
        return result.rowcount or 0

    def all(self) -> list[UnansweredRow]:
        with self._session() as session:
            return list(session.scalars(select(UnansweredRow).order_by(UnansweredRow.id)))

    def purge(self, cutoff: datetime) -> int:
        """Questions asked before ``cutoff`` go, handled or not."""
        with self._session.begin() as session:
            result = session.execute(delete(UnansweredRow).where(UnansweredRow.created_at < cutoff))
        return result.rowcount or 0

    def forget(self, key: str) -> int:
        with self._session.begin() as session:
            result = session.execute(delete(UnansweredRow).where(UnansweredRow.sender_key == key))
        return result.rowcount or 0
