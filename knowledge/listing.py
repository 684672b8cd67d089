"""The console's lists of entries and topics: search and filters (a part of ``Store``)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from knowledge.entries import Entry
from knowledge.tables import TopicRow
from knowledge.text import normalize

if TYPE_CHECKING:
    from knowledge.topic_store import TopicRecord


def due_before(reviewed: date | None, day: date, interval_days: int) -> bool:
    """True when the next review (``reviewed`` + interval) falls before ``day``, or there was none."""
    return reviewed is None or reviewed + timedelta(days=interval_days) < day


class Listing:
    """``search_rows`` and ``search_topics`` of :class:`knowledge.store.Store`."""

    def _searchable(self, entry: Entry) -> str:
        cached = self._normalised.get(entry.id)
        if cached is None or cached[0] != entry.version:
            text = normalize(" \n ".join([entry.id.replace("/", " "), *entry.texts(), entry.answer]))
            cached = (entry.version, f" {text} ")
            self._normalised[entry.id] = cached
        return cached[1]

    def search_rows(
        self,
        q: str | None = None,
        slug: str | None = None,
        kind: str | None = None,
        origin: str | None = None,
        group: str | None = None,
        review_due_before: date | None = None,
        deleted: bool = False,
        *,
        interval_days: int = 180,
    ) -> list[Entry]:
        """Entries for the console's list, by id. ``q`` matches the id, question, phrasings and
        answer on the normalised form (with or without tones, abbreviations expanded);
        ``group`` is the topic's group; ``review_due_before``: entries whose next review
        (``reviewed`` + ``interval_days``) falls before that day, or that were never reviewed;
        ``deleted=True`` lists the tombstones instead of the live entries."""
        wanted = f" {normalize(q)} " if q and normalize(q) else None
        groups = self._groups() if group is not None else {}
        found = []
        for entry in self.entries(include_deleted=True):
            if entry.deleted != deleted or (slug and entry.slug != slug) or (kind and entry.kind != kind):
                continue
            if (origin and entry.origin != origin) or (group is not None and groups.get(entry.slug) != group):
                continue
            if review_due_before is not None and not due_before(
                entry.reviewed, review_due_before, interval_days
            ):
                continue
            if wanted is not None and wanted not in self._searchable(entry):
                continue
            found.append(entry)
        return found

    def _groups(self) -> dict[str, str]:
        with self._session() as session:
            return {row.slug: row.data.get("group", "") for row in session.scalars(select(TopicRow))}

    def search_topics(
        self,
        q: str | None = None,
        kind: str | None = None,
        group: str | None = None,
        origin: str | None = None,
        review_due_before: date | None = None,
        *,
        interval_days: int = 180,
    ) -> list[TopicRecord]:
        """Topics for the console's list; ``q`` matches slug, name and aliases (normalised)."""
        wanted = normalize(q) if q else ""
        found = []
        for record in self.topic_records(kind):
            topic = record.topic
            if (group and topic.group != group) or (origin and record.origin != origin):
                continue
            if review_due_before is not None and not due_before(
                topic.reviewed, review_due_before, interval_days
            ):
                continue
            text = f" {normalize(' '.join([topic.slug.replace('-', ' '), topic.name, *topic.aliases]))} "
            if wanted and f" {wanted} " not in text:
                continue
            found.append(record)
        return found
