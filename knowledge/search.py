"""Hybrid search over the knowledge store: BM25 on normalised text + dense vectors, fused.

The fused score of an entry is ``w · cosine + (1 − w) · lexical`` (both in [0, 1]); ``w`` and
the answer threshold are fitted on the development set and stored with the index
(``calibration.json``). Below the threshold the service answers nothing and offers the hits
as suggestions. Entries outside their validity window are never returned.

The index persists under a folder with a manifest (model, dimension, entry count, content
hash); opening it rebuilds only when the manifest does not match the store.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from knowledge import text as text_module
from knowledge.dense import DenseIndex
from knowledge.embedder import Embedder
from knowledge.lexical import LexicalIndex
from knowledge.models import Guide, Procedure
from knowledge.store import Entry, Store

logger = logging.getLogger(__name__)
CANDIDATES = 50


@dataclass(frozen=True)
class Calibration:
    dense_weight: float = 0.0
    threshold: float = 0.45
    margin: float = 0.0  # the best topic must lead the next one by this much to be answered
    fitted_on: str = "default"

    def answers(self, ranked: list[tuple[object, float]]) -> bool:
        if not ranked or ranked[0][1] < self.threshold:
            return False
        return len(ranked) < 2 or ranked[0][1] - ranked[1][1] >= self.margin

    @classmethod
    def load(cls, path: Path) -> Calibration:
        if not path.exists():
            return cls()
        return cls(**json.loads(path.read_text(encoding="utf-8")))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")


@dataclass(frozen=True)
class Hit:
    id: str
    slug: str
    title: str
    score: float


@dataclass(frozen=True)
class Answer(Hit):
    text: str
    source: str


@dataclass(frozen=True)
class SearchResult:
    answer: Answer | None
    hits: list[Hit]  # one per slug, best first
    related: list[Hit] = field(default_factory=list)  # other entries of the answer's topic

    def as_dict(self) -> dict:
        return {
            "answer": asdict(self.answer) if self.answer else None,
            "hits": [asdict(h) for h in self.hits],
        }


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
        self._entries: dict[str, Entry] = {}
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

    # Changes ---------------------------------------------------------------------------

    def put(self, entry: Entry) -> Entry:
        """Add or replace an entry (a person's edit): visible to the next search."""
        with self._lock:
            saved = self.store.put(entry)
            self._entries[saved.id] = saved
            self._lexical.add(saved.id, saved.texts())
            if self._dense is not None:
                self._dense.add(saved.id, saved.texts())
                self._save()
            return saved

    def delete(self, entry_id: str) -> bool:
        with self._lock:
            if not self.store.delete(entry_id):
                return False
            self._entries.pop(entry_id, None)
            self._lexical.remove(entry_id)
            if self._dense is not None:
                self._dense.remove(entry_id)
                self._save()
            return True

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
        calibration = self.calibration
        scored = self.score_all(self.candidates(query), calibration.dense_weight)
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

    def topic(self, slug: str) -> Procedure | Guide | None:
        return self.store.topic(slug)

    def topics(self, kind: str | None = None) -> list[Procedure | Guide]:
        return self.store.topics(kind)
