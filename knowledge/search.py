"""Hybrid search over the knowledge store: BM25 on normalised text + dense vectors, fused.

The fused score of an entry is ``w · cosine + (1 − w) · lexical`` (both in [0, 1]); ``w`` and
the answer threshold are fitted on the development set and stored with the index
(``calibration.json``). Below the threshold the service answers nothing and offers the hits
as suggestions. Entries outside their validity window are never returned.

The index persists under a folder with a manifest (model, dimension, entry count, content
hash); opening it rebuilds only when the manifest does not match the store.

Staff writes go through the service (``put``, ``put_many``, ``delete``, ``restore``, ``revert``,
``put_topic``, ``put_topics_many``, ``revert_topic``, ``mark_reviewed``: the store's signatures,
delegated under the service's lock). Each updates the lexical and dense indexes, the entries in
memory and the topics the actions read, so the next search and the next action see it — no
restart. The app runs one process: a write made by another process (another app process, or
``python -m knowledge`` while the app runs) reaches this one only at its next start.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

from knowledge import text as text_module
from knowledge.dense import DenseIndex
from knowledge.embedder import Embedder
from knowledge.lexical import LexicalIndex
from knowledge.models import Guide, Procedure
from knowledge.results import Answer, Calibration, Hit, ScoredHit, SearchResult, Trial
from knowledge.store import Entry, Store

Topic = Procedure | Guide

logger = logging.getLogger(__name__)
CANDIDATES = 50
__all__ = [
    "Answer",
    "Calibration",
    "Candidates",
    "Hit",
    "ScoredHit",
    "SearchResult",
    "SearchService",
    "Trial",
]


Candidates = dict[str, tuple[float, float]]  # entry id -> (lexical, cosine)


def _normaliser_hash() -> str:
    """Changing the normaliser or its dictionary changes every indexed form."""
    digest = hashlib.sha256(Path(text_module.__file__).read_bytes())
    digest.update(text_module.ABBREVIATIONS_FILE.read_bytes())
    return digest.hexdigest()


def _one_per_slug(scored: list[tuple[Entry, float]]) -> list[tuple[Entry, float]]:
    seen: set[str] = set()
    ranked = []
    for entry, score in scored:
        if entry.slug not in seen:
            seen.add(entry.slug)
            ranked.append((entry, score))
    return ranked


class SearchService:
    def __init__(
        self,
        store: Store,
        embedder: Embedder | None,
        folder: Path,
        *,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.folder = folder
        self.today = today
        self.calibration = Calibration.load(folder / "calibration.json")
        self._lock = threading.RLock()
        # Replaced, never changed in place, so a search reading it while a write runs is safe.
        self._entries: dict[str, Entry] = {}
        self._topics: dict[str, Topic] = {}
        self._lexical = LexicalIndex()
        self._dense: DenseIndex | None = None

    # Building --------------------------------------------------------------------------

    def manifest(self) -> dict:
        entries = sorted(self._entries.values(), key=lambda e: e.id)
        digest = hashlib.sha256(_normaliser_hash().encode())
        for entry in entries:
            digest.update(f"{entry.id}:{entry.content_hash()}".encode())
        return {
            "model": self.embedder.identity if self.embedder else None,
            "dimension": self.embedder.dimension if self.embedder else 0,
            "entries": len(entries),
            "content_hash": digest.hexdigest(),
        }

    def open(self) -> bool:
        """Load the index, rebuilding it when its manifest does not match; True if rebuilt."""
        with self._lock:
            self._entries = {entry.id: entry for entry in self.store.entries()}
            self._topics = {topic.slug: topic for topic in self.store.topics()}
            self._lexical = LexicalIndex()
            for entry in self._entries.values():
                self._lexical.add(entry.id, entry.texts())
            if self.embedder is None:
                return False
            wanted = self.manifest()
            path = self.folder / "manifest.json"
            saved = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
            self._dense = DenseIndex(self.embedder)
            if {k: saved.get(k) for k in wanted} == wanted:
                self._dense.load(self.folder)
                return False
            logger.info("rebuilding the dense index (%d entries)", len(self._entries))
            self._dense.add_many([(entry.id, entry.texts()) for entry in self._entries.values()])
            self._save()
            return True

    def _save(self) -> None:
        if self._dense is None:
            return
        self._dense.save(self.folder)
        manifest = {**self.manifest(), "built_at": datetime.now(UTC).isoformat()}
        (self.folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")

    # Changes (staff writes, live at once) ---------------------------------------------

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

    # Searching -------------------------------------------------------------------------

    def candidates(self, query: str) -> Candidates:
        """Lexical and dense scores of the entries either ranker puts in its top 50."""
        with self._lock:
            lexical = dict(self._lexical.search(query, CANDIDATES))
            dense = dict(self._dense.search(query, CANDIDATES)) if self._dense is not None else {}
        return {
            entry_id: (lexical.get(entry_id, 0.0), dense.get(entry_id, 0.0))
            for entry_id in {*lexical, *dense}
        }

    def score_all(self, candidates: Candidates, dense_weight: float) -> list[tuple[Entry, float]]:
        """Valid entries with their fused score, best first."""
        today = self.today()
        scored = []
        for entry_id, (lexical, cosine) in candidates.items():
            entry = self._entries.get(entry_id)
            if entry is not None and entry.valid_on(today):
                scored.append((entry, dense_weight * cosine + (1 - dense_weight) * lexical))
        scored.sort(key=lambda item: item[1], reverse=True)
        return scored

    def rank(self, candidates: Candidates, dense_weight: float) -> list[tuple[Entry, float]]:
        """Valid entries, best first, one per slug."""
        return _one_per_slug(self.score_all(candidates, dense_weight))

    def search(self, query: str, k: int = 5, related: int = 2) -> SearchResult:
        return self._result(self.score_all(self.candidates(query), self.calibration.dense_weight), k, related)

    def try_question(self, query: str, k: int = 5) -> Trial:
        """What the bot would answer to ``query`` (as ``search``), with the top ``k`` entries'
        lexical, dense and fused scores and the calibration that decides whether it answers."""
        calibration = self.calibration
        candidates = self.candidates(query)
        scored = self.score_all(candidates, calibration.dense_weight)
        entries = [
            ScoredHit(
                entry.id,
                entry.slug,
                entry.question,
                round(score, 4),
                entry.kind,
                round(candidates[entry.id][0], 4),
                round(candidates[entry.id][1], 4),
            )
            for entry, score in scored[: max(k, 1)]
        ]
        return Trial(
            result=self._result(scored, k, 2),
            entries=entries,
            dense_weight=calibration.dense_weight,
            threshold=calibration.threshold,
            margin=calibration.margin,
        )

    def _result(self, scored: list[tuple[Entry, float]], k: int, related: int) -> SearchResult:
        calibration = self.calibration
        ranked = _one_per_slug(scored)[: max(k, 1)]
        hits = [Hit(e.id, e.slug, e.question, round(score, 4)) for e, score in ranked]
        if not calibration.answers(ranked):
            return SearchResult(answer=None, hits=hits)
        best, score = ranked[0]
        answer = Answer(best.id, best.slug, best.question, round(score, 4), best.answer, best.source)
        return SearchResult(answer=answer, hits=hits, related=self._related(best, scored, related))

    def answer_entry(self, entry_id: str, related: int = 2) -> SearchResult | None:
        """One entry as the answer (a topic button pressed names it by id); None when it is not
        in the index or not valid today."""
        with self._lock:
            entry = self._entries.get(entry_id)
        if entry is None or not entry.valid_on(self.today()):
            return None
        answer = Answer(entry.id, entry.slug, entry.question, 1.0, entry.answer, entry.source)
        hit = Hit(entry.id, entry.slug, entry.question, 1.0)
        return SearchResult(answer=answer, hits=[hit], related=self._related(entry, [], related))

    def _related(self, best: Entry, scored: list[tuple[Entry, float]], limit: int) -> list[Hit]:
        """Other questions of the answer's topic: those closest to the query first."""
        today = self.today()
        closeness = {entry.id: score for entry, score in scored}
        others = [
            e
            for e in self._entries.values()
            if e.slug == best.slug and e.id != best.id and e.kind == "faq" and e.valid_on(today)
        ]
        others.sort(key=lambda e: (-closeness.get(e.id, 0.0), e.id))
        return [Hit(e.id, e.slug, e.question, round(closeness.get(e.id, 0.0), 4)) for e in others[:limit]]

    def topic(self, slug: str) -> Topic | None:
        """A topic as the actions read it: the copy in memory, replaced by every write through
        this service (read from the store until the service is opened)."""
        if not self._topics:
            return self.store.topic(slug)
        return self._topics.get(slug)

    def topics(self, kind: str | None = None) -> list[Topic]:
        if not self._topics:
            return self.store.topics(kind)
        return [topic for slug, topic in sorted(self._topics.items()) if kind is None or topic.kind == kind]
