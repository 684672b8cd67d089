"""Topics in the store: reading, writing with versions, reverting, and review marks
(a part of ``Store``; see its docstring for the contract)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge import versions
from knowledge.entries import topic_entry
from knowledge.models import Guide, Procedure
from knowledge.tables import EntryRow, TopicRow
from knowledge.validation import topic_from_data
from knowledge.versions import Conflict, NotFound, Version

Topic = Procedure | Guide


@dataclass(frozen=True)
class TopicRecord:
    """A topic with what the store knows about it."""

    topic: Topic
    version: int
    origin: str
    reviewed_by: str | None
    updated_at: datetime


def to_topic(kind: str, data: dict) -> Topic:
    return (Procedure if kind == "procedure" else Guide).model_validate(data)


def _record(row: TopicRow) -> TopicRecord:
    return TopicRecord(
        topic=to_topic(row.kind, row.data),
        version=row.version,
        origin=row.origin,
        reviewed_by=row.reviewed_by,
        updated_at=versions.aware(row.updated_at),
    )


class TopicStore:
    """The topic half of :class:`knowledge.store.Store` (its ``_session``, ``_write``,
    ``_put_entry``, ``_row``, ``_bump`` and ``clock`` are the store's)."""

    # Topics ------------------------------------------------------------------------------

    def topic(self, slug: str) -> Topic | None:
        record = self.topic_record(slug)
        return record.topic if record is not None else None

    def topics(self, kind: str | None = None) -> list[Topic]:
        """Every procedure and guide topic (or those of one kind), by slug."""
        return [record.topic for record in self.topic_records(kind)]

    def topic_record(self, slug: str) -> TopicRecord | None:
        with self._session() as session:
            row = session.get(TopicRow, slug)
            return _record(row) if row is not None else None

    def topic_records(self, kind: str | None = None) -> list[TopicRecord]:
        query = select(TopicRow).order_by(TopicRow.slug)
        if kind is not None:
            query = query.where(TopicRow.kind == kind)
        with self._session() as session:
            return [_record(row) for row in session.scalars(query)]

    def topic_version(self, slug: str) -> int:
        with self._session() as session:
            row = session.get(TopicRow, slug)
            return row.version if row is not None else 0

    def topic_history(self, slug: str) -> list[Version]:
        with self._session() as session:
            return versions.topic_history(session, slug)

    def _put_topic(
        self,
        session: Session,
        topic: Topic | dict,
        expected_version: int | None,
        author: str | None,
        action: versions.Action | None = None,
    ) -> tuple[Topic, int]:
        model = topic_from_data(topic) if isinstance(topic, dict) else topic
        row = session.get(TopicRow, model.slug)
        current = row.version if row is not None else 0
        if expected_version is not None and expected_version != current:
            raise Conflict(current, model.slug)
        data = model.model_dump(mode="json")
        if row is not None and row.data == data and row.kind == model.kind:
            return model, current
        now = self.clock()
        if row is None:
            row = TopicRow(slug=model.slug, seed_hash="", version=0)
            session.add(row)
            action = action or "created"
        elif author and data.get("reviewed") != row.data.get("reviewed"):
            row.reviewed_by = author  # a new review date is the writer's
        row.kind, row.data, row.origin, row.updated_at = model.kind, data, "staff", now
        row.version = current + 1
        session.flush()
        versions.record_topic(session, row.slug, row.version, action or "updated", author, data, now)
        overview = replace(topic_entry(model), reviewed_by=row.reviewed_by)
        self._put_entry(session, overview, "staff", None, author)
        return model, row.version

    def put_topic(
        self, topic: Topic | dict, *, expected_version: int | None = None, author: str | None = None
    ) -> tuple[Topic, int]:
        """Add or replace a procedure or guide topic (a dict is validated by the seed's schema)."""
        slug = topic.get("slug", "") if isinstance(topic, dict) else topic.slug
        return self._write(
            lambda s: self._put_topic(s, topic, expected_version, author), (TopicRow, str(slug))
        )

    def put_topics_many(
        self, items: Sequence[tuple[Topic | dict, int | None]], *, author: str | None = None
    ) -> list[tuple[Topic, int]]:
        """Several topics in one transaction: all are written, or none."""
        return self._write(
            lambda s: [self._put_topic(s, topic, expected, author) for topic, expected in items]
        )

    def revert_topic(
        self, slug: str, to_version: int, *, expected_version: int | None = None, author: str | None = None
    ) -> tuple[Topic, int]:
        def work(session: Session) -> tuple[Topic, int]:
            row = session.get(TopicRow, slug)
            if row is None:
                raise NotFound(slug)
            if expected_version is not None and expected_version != row.version:
                raise Conflict(row.version, slug)
            old = versions.topic_version(session, slug, to_version)
            return self._put_topic(session, topic_from_data(old.data), None, author, "reverted")

        return self._write(work, (TopicRow, slug))

    # Review ------------------------------------------------------------------------------

    def mark_reviewed(
        self,
        kind: Literal["entry", "topic"],
        item_id: str,
        *,
        author: str,
        on: date,
        expected_version: int | None = None,
    ) -> int:
        """Record that ``author`` checked an entry or a topic on ``on``; the new version number."""

        def work(session: Session) -> int:
            if kind == "entry":
                row = self._row(session, item_id, expected_version)
                if row.deleted:
                    raise NotFound(item_id)
                row.reviewed, row.reviewed_by = on, author
                return self._bump(session, row, "reviewed", author).version
            topic = session.get(TopicRow, item_id)
            if topic is None:
                raise NotFound(item_id)
            if expected_version is not None and expected_version != topic.version:
                raise Conflict(topic.version, item_id)
            topic.data = {**topic.data, "reviewed": on.isoformat()}
            topic.reviewed_by, topic.version, topic.updated_at = author, topic.version + 1, self.clock()
            session.flush()
            versions.record_topic(
                session, item_id, topic.version, "reviewed", author, topic.data, topic.updated_at
            )
            overview = session.get(EntryRow, item_id)
            if overview is not None and not overview.deleted:
                overview.reviewed, overview.reviewed_by = on, author
                self._bump(session, overview, "reviewed", author)
            return topic.version

        return self._write(work, (EntryRow if kind == "entry" else TopicRow, item_id))
