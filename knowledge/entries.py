"""A searchable entry as the rest of the code sees it, and how seed content becomes entries.

An entry is a FAQ entry (``kind="faq"``, id ``<slug>/<name>``) or a topic's overview
(``kind="topic"``, id = the topic's slug: its name, aliases and summary), so a search finds the
topic itself. ``knowledge.store`` re-exports everything here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from knowledge.models import FaqEntry, Guide, Procedure
from knowledge.seed import Seed
from knowledge.tables import EntryRow

# The fields a person edits (and a revert brings back); the rest is bookkeeping.
CONTENT_FIELDS = ("slug", "kind", "question", "phrasings", "answer", "source", "valid_from", "valid_until")


@dataclass(frozen=True)
class Entry:
    """A searchable entry; ``version`` and ``origin`` say which write of it this is."""

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
    reviewed: date | None = None  # when a person last checked it
    reviewed_by: str | None = None  # who (a staff username; None for the seed's own date)
    deleted: bool = False  # a tombstone (only with include_deleted)

    def texts(self) -> tuple[str, ...]:
        """Every way this entry is asked: the question and its phrasings."""
        return (self.question, *self.phrasings)

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )

    def content_hash(self) -> str:
        """What search depends on (the index manifest hashes it)."""
        fields = [self.slug, self.kind, self.question, list(self.phrasings), self.answer, self.source,
                  str(self.valid_from), str(self.valid_until)]  # fmt: skip
        return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()

    def seed_hash(self) -> str:
        """What the seed import compares: the content and the review date."""
        return hashlib.sha256(f"{self.content_hash()}:{self.reviewed}".encode()).hexdigest()

    def as_data(self) -> dict[str, Any]:
        """The entry as JSON-ready data (a version row's ``data``)."""
        return {
            "id": self.id, "slug": self.slug, "kind": self.kind, "question": self.question,
            "phrasings": list(self.phrasings), "answer": self.answer, "source": self.source,
            "valid_from": _day(self.valid_from), "valid_until": _day(self.valid_until), "origin": self.origin,
            "reviewed": _day(self.reviewed), "reviewed_by": self.reviewed_by, "deleted": self.deleted,
        }  # fmt: skip

    @classmethod
    def from_data(cls, data: dict[str, Any], version: int = 1) -> Entry:
        return cls(
            id=data["id"], slug=data["slug"], kind=data["kind"], question=data["question"],
            phrasings=tuple(data["phrasings"]), answer=data["answer"], source=data["source"],
            valid_from=_parse_day(data.get("valid_from")), valid_until=_parse_day(data.get("valid_until")),
            origin=data.get("origin", "staff"), version=version, reviewed=_parse_day(data.get("reviewed")),
            reviewed_by=data.get("reviewed_by"), deleted=bool(data.get("deleted", False)),
        )  # fmt: skip


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse_day(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def faq_entry(entry: FaqEntry, slug: str, reviewed: date | None = None) -> Entry:
    return Entry(
        id=entry.id, slug=slug, kind="faq", question=entry.question, phrasings=tuple(entry.phrasings),
        answer=entry.answer, source=entry.source, valid_from=entry.valid_from, valid_until=entry.valid_until,
        reviewed=entry.reviewed or reviewed,
    )  # fmt: skip


def topic_entry(topic: Procedure | Guide) -> Entry:
    """A topic's overview entry: its name, aliases and summary, reviewed with the topic."""
    return Entry(
        id=topic.slug, slug=topic.slug, kind="topic", question=topic.name, phrasings=tuple(topic.aliases),
        answer=topic.summary, source=topic.sources[0].url, reviewed=topic.reviewed,
    )  # fmt: skip


def seed_entries(seed: Seed) -> list[Entry]:
    """Every entry of the seed; a FAQ entry without a review date of its own takes its topic's."""
    topics = [topic_entry(t) for t in (*seed.procedures.values(), *seed.guides.values())]
    faq = []
    for item in seed.faq:
        slug = seed.faq_slug[item.id]
        topic = seed.topic(slug)
        reviewed = seed.faq_reviewed.get(item.id) or (topic.reviewed if topic is not None else None)
        faq.append(faq_entry(item, slug, reviewed))
    return topics + faq


def to_entry(row: EntryRow) -> Entry:
    return Entry(
        id=row.id, slug=row.slug, kind=row.kind, question=row.question, phrasings=tuple(row.phrasings),
        answer=row.answer, source=row.source, valid_from=row.valid_from, valid_until=row.valid_until,
        origin=row.origin, version=row.version, reviewed=row.reviewed, reviewed_by=row.reviewed_by,
        deleted=row.deleted,
    )  # fmt: skip


def fill(row: EntryRow, entry: Entry, origin: str, now: datetime) -> None:
    row.slug, row.kind, row.question = entry.slug, entry.kind, entry.question
    row.phrasings, row.answer, row.source = list(entry.phrasings), entry.answer, entry.source
    row.valid_from, row.valid_until = entry.valid_from, entry.valid_until
    row.reviewed, row.reviewed_by = entry.reviewed, entry.reviewed_by
    row.origin, row.updated_at = origin, now
