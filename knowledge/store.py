"""The knowledge store: entries and topics in SQL (SQLite by default, PostgreSQL-ready).

Every entry keeps its origin ("seed" from git, "staff" when a person edited it) and a version.
Importing the seed is idempotent and never overwrites an entry a person has edited since,
nor brings back one a person deleted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Literal

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, String, Text, create_engine, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from knowledge.models import FaqEntry, Guide, Procedure
from knowledge.seed import Seed

Origin = Literal["seed", "staff"]


class Base(DeclarativeBase):
    pass


class EntryRow(Base):
    """One searchable entry: a FAQ entry, or a topic's overview (its name, aliases and summary)."""

    __tablename__ = "entries"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "faq" | "topic"
    question: Mapped[str] = mapped_column(Text)
    phrasings: Mapped[list[str]] = mapped_column(JSON)
    answer: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(500))
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    origin: Mapped[str] = mapped_column(String(10))
    seed_hash: Mapped[str] = mapped_column(String(64), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TopicRow(Base):
    """A procedure or guide topic with all its structured fields (the model as JSON)."""

    __tablename__ = "topics"

    slug: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict] = mapped_column(JSON)
    origin: Mapped[str] = mapped_column(String(10))
    seed_hash: Mapped[str] = mapped_column(String(64), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class Entry:
    """A searchable entry as the rest of the code sees it."""

    id: str
    slug: str
    kind: str
    question: str
    phrasings: tuple[str, ...]
    answer: str
    source: str
    valid_from: date | None = None
    valid_until: date | None = None
    origin: str = "seed"
    version: int = 1

    def texts(self) -> tuple[str, ...]:
        """Every way this entry is asked: the question and its phrasings."""
        return (self.question, *self.phrasings)

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )

    def content_hash(self) -> str:
        fields = [self.slug, self.kind, self.question, list(self.phrasings), self.answer, self.source,
                  str(self.valid_from), str(self.valid_until)]  # fmt: skip
        return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    kept_staff_edits: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def faq_entry(entry: FaqEntry, slug: str) -> Entry:
    return Entry(
        id=entry.id, slug=slug, kind="faq", question=entry.question, phrasings=tuple(entry.phrasings),
        answer=entry.answer, source=entry.source, valid_from=entry.valid_from, valid_until=entry.valid_until,
    )  # fmt: skip


def topic_entry(topic: Procedure | Guide) -> Entry:
    return Entry(
        id=topic.slug, slug=topic.slug, kind="topic", question=topic.name, phrasings=tuple(topic.aliases),
        answer=topic.summary, source=topic.sources[0].url,
    )  # fmt: skip


def seed_entries(seed: Seed) -> list[Entry]:
    topics = [topic_entry(t) for t in (*seed.procedures.values(), *seed.guides.values())]
    return topics + [faq_entry(e, seed.faq_slug[e.id]) for e in seed.faq]


def _now() -> datetime:
    return datetime.now(UTC)


def _to_entry(row: EntryRow) -> Entry:
    return Entry(
        id=row.id, slug=row.slug, kind=row.kind, question=row.question, phrasings=tuple(row.phrasings),
        answer=row.answer, source=row.source, valid_from=row.valid_from, valid_until=row.valid_until,
        origin=row.origin, version=row.version,
    )  # fmt: skip


def _hash_json(data: dict) -> str:
    return hashlib.sha256(
        json.dumps(data, ensure_ascii=False, sort_keys=True, default=str).encode()
    ).hexdigest()


class Store:
    def __init__(self, url: str) -> None:
        self.engine: Engine = create_engine(url)
        Base.metadata.create_all(self.engine)
        self._session = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    # Entries ---------------------------------------------------------------------------

    def entries(self) -> list[Entry]:
        with self._session() as session:
            rows = session.scalars(select(EntryRow).where(EntryRow.deleted.is_(False)).order_by(EntryRow.id))
            return [_to_entry(row) for row in rows]

    def get(self, entry_id: str) -> Entry | None:
        with self._session() as session:
            row = session.get(EntryRow, entry_id)
            return None if row is None or row.deleted else _to_entry(row)

    def put(self, entry: Entry, origin: Origin = "staff") -> Entry:
        """Add or replace an entry; an edit by a person marks it "staff" so the seed leaves it alone."""
        with self._session.begin() as session:
            row = session.get(EntryRow, entry.id)
            if row is None:
                row = EntryRow(id=entry.id, version=0, seed_hash="")
                session.add(row)
            _fill(row, entry, origin)
            row.version = (row.version or 0) + 1
            row.deleted = False
            session.flush()
            return _to_entry(row)

    def delete(self, entry_id: str) -> bool:
        """Delete an entry (kept as a tombstone so the seed does not bring it back)."""
        with self._session.begin() as session:
            row = session.get(EntryRow, entry_id)
            if row is None or row.deleted:
                return False
            row.deleted, row.origin, row.updated_at = True, "staff", _now()
            row.version += 1
            return True

    # Topics ----------------------------------------------------------------------------

    def topic(self, slug: str) -> Procedure | Guide | None:
        with self._session() as session:
            row = session.get(TopicRow, slug)
        if row is None:
            return None
        return (Procedure if row.kind == "procedure" else Guide).model_validate(row.data)

    def topics(self, kind: str | None = None) -> list[Procedure | Guide]:
        """Every procedure and guide topic (or those of one kind), by slug."""
        query = select(TopicRow).order_by(TopicRow.slug)
        if kind is not None:
            query = query.where(TopicRow.kind == kind)
        with self._session() as session:
            rows = list(session.scalars(query))
        return [(Procedure if row.kind == "procedure" else Guide).model_validate(row.data) for row in rows]

    # Seed ------------------------------------------------------------------------------

    def import_seed(self, seed: Seed) -> ImportReport:
        """Bring the store up to date with the seed; idempotent; person-made changes win."""
        report = ImportReport()
        wanted = {entry.id: entry for entry in seed_entries(seed)}
        with self._session.begin() as session:
            rows = {row.id: row for row in session.scalars(select(EntryRow))}
            for entry_id, entry in wanted.items():
                row = rows.get(entry_id)
                digest = entry.content_hash()
                if row is None:
                    row = EntryRow(id=entry_id, version=1, seed_hash=digest)
                    _fill(row, entry, "seed")
                    session.add(row)
                    report.added.append(entry_id)
                elif row.origin == "staff":
                    report.kept_staff_edits.append(entry_id)
                elif row.seed_hash == digest:
                    report.unchanged += 1
                else:
                    _fill(row, entry, "seed")
                    row.seed_hash, row.version = digest, row.version + 1
                    report.updated.append(entry_id)
            for entry_id, row in rows.items():
                if entry_id not in wanted and row.origin == "seed" and not row.deleted:
                    row.deleted, row.updated_at = True, _now()
                    row.version += 1
                    report.removed.append(entry_id)
            for topic in (*seed.procedures.values(), *seed.guides.values()):
                data = topic.model_dump(mode="json")
                digest = _hash_json(data)
                row = session.get(TopicRow, topic.slug)
                if row is None:
                    session.add(TopicRow(slug=topic.slug, kind=topic.kind, data=data, origin="seed",
                                         seed_hash=digest, version=1, updated_at=_now()))  # fmt: skip
                elif row.origin == "seed" and row.seed_hash != digest:
                    row.data, row.seed_hash, row.version, row.updated_at = (
                        data,
                        digest,
                        row.version + 1,
                        _now(),
                    )
        return report

    def iter_rows(self) -> Iterator[EntryRow]:
        """Every row, tombstones included (for review and export)."""
        with self._session() as session:
            yield from session.scalars(select(EntryRow).order_by(EntryRow.id))


def _fill(row: EntryRow, entry: Entry, origin: Origin) -> None:
    row.slug, row.kind, row.question = entry.slug, entry.kind, entry.question
    row.phrasings, row.answer, row.source = list(entry.phrasings), entry.answer, entry.source
    row.valid_from, row.valid_until = entry.valid_from, entry.valid_until
    row.origin, row.updated_at = origin, _now()
