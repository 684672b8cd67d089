"""Staff writes through the search service: each goes to the store, then into the entries in
memory, both indexes and the topics the actions read, under the service's lock, so the next
search and the next action see it (``SearchService`` in ``knowledge.search`` mixes this in)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Literal

from knowledge.lexical import LexicalIndex
from knowledge.models import Guide, Procedure
from knowledge.store import Entry, Store

if TYPE_CHECKING:
    from knowledge.dense import DenseIndex

Topic = Procedure | Guide


class LiveEdits:
    """The write half of ``SearchService``; the attributes below are the service's."""

    store: Store
    _lock: threading.RLock
    _entries: dict[str, Entry]
    _topics: dict[str, Topic]
    _lexical: LexicalIndex
    _dense: DenseIndex | None

    def _save(self) -> None:
        raise NotImplementedError  # the service saves its dense index and manifest

    def _refresh(self, entry_ids: Sequence[str]) -> None:
        """Re-read these entries from the store into memory and both indexes (lock held)."""
        entries = dict(self._entries)
        changed: list[Entry] = []
        for entry_id in dict.fromkeys(entry_ids):
            entry = self.store.get(entry_id)
            if entry is None:
                entries.pop(entry_id, None)
                self._lexical.remove(entry_id)
                if self._dense is not None:
                    self._dense.remove(entry_id)
            elif entry != self._entries.get(entry_id):
                entries[entry_id] = entry
                old = self._entries.get(entry_id)
                if old is None or old.texts() != entry.texts():
                    changed.append(entry)
        for entry in changed:
            self._lexical.add(entry.id, entry.texts())
        if self._dense is not None and changed:
            self._dense.add_many([(entry.id, entry.texts()) for entry in changed])
        if entries != self._entries:
            self._entries = entries
            self._save()  # the manifest follows the content, so the next start loads, not rebuilds

    def _refresh_topics(self, slugs: Sequence[str]) -> None:
        topics = dict(self._topics)
        for slug in slugs:
            topic = self.store.topic(slug)
            if topic is None:
                topics.pop(slug, None)
            else:
                topics[slug] = topic
        self._topics = topics
        self._refresh(slugs)  # their overview entries

    def put(
        self,
        entry: Entry,
        origin: str = "staff",
        *,
        expected_version: int | None = None,
        author: str | None = None,
    ) -> Entry:
        """Add or replace an entry (a person's edit): visible to the next search."""
        with self._lock:
            saved = self.store.put(entry, origin, expected_version=expected_version, author=author)  # type: ignore[arg-type]
            self._refresh([saved.id])
            return saved

    def put_many(
        self, items: Sequence[tuple[Entry, int | None]], *, author: str | None = None, origin: str = "staff"
    ) -> list[Entry]:
        with self._lock:
            saved = self.store.put_many(items, author=author, origin=origin)  # type: ignore[arg-type]
            self._refresh([entry.id for entry in saved])
            return saved

    def delete(
        self, entry_id: str, *, expected_version: int | None = None, author: str | None = None
    ) -> bool:
        with self._lock:
            if not self.store.delete(entry_id, expected_version=expected_version, author=author):
                return False
            self._refresh([entry_id])
            return True

    def restore(
        self, entry_id: str, *, expected_version: int | None = None, author: str | None = None
    ) -> Entry:
        with self._lock:
            saved = self.store.restore(entry_id, expected_version=expected_version, author=author)
            self._refresh([entry_id])
            return saved

    def revert(
        self,
        entry_id: str,
        to_version: int,
        *,
        expected_version: int | None = None,
        author: str | None = None,
    ) -> Entry:
        with self._lock:
            saved = self.store.revert(entry_id, to_version, expected_version=expected_version, author=author)
            self._refresh([entry_id])
            return saved

    def put_topic(
        self, topic: Topic | dict, *, expected_version: int | None = None, author: str | None = None
    ) -> tuple[Topic, int]:
        """Add or replace a topic: the actions read it, and search sees its overview, at once."""
        with self._lock:
            saved = self.store.put_topic(topic, expected_version=expected_version, author=author)
            self._refresh_topics([saved[0].slug])
            return saved

    def put_topics_many(
        self, items: Sequence[tuple[Topic | dict, int | None]], *, author: str | None = None
    ) -> list[tuple[Topic, int]]:
        with self._lock:
            saved = self.store.put_topics_many(items, author=author)
            self._refresh_topics([topic.slug for topic, _ in saved])
            return saved

    def revert_topic(
        self, slug: str, to_version: int, *, expected_version: int | None = None, author: str | None = None
    ) -> tuple[Topic, int]:
        with self._lock:
            saved = self.store.revert_topic(
                slug, to_version, expected_version=expected_version, author=author
            )
            self._refresh_topics([slug])
            return saved

    def mark_reviewed(
        self,
        kind: Literal["entry", "topic"],
        item_id: str,
        *,
        author: str,
        on: date,
        expected_version: int | None = None,
    ) -> int:
        with self._lock:
            version = self.store.mark_reviewed(
                kind, item_id, author=author, on=on, expected_version=expected_version
            )
            if kind == "topic":
                self._refresh_topics([item_id])
            else:
                self._refresh([item_id])
            return version
