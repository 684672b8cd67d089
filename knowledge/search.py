"""Hybrid search over the knowledge store: BM25 on normalised text + dense vectors, fused.

The fused score of an entry is ``w · cosine + (1 − w) · lexical`` (both in [0, 1]). Whether
to answer is a separate decision (``knowledge.results.Calibration``): an answer model weighs
the fused, lexical and dense rankings (does each put the same topic first, by how much) and
the out-of-scope model's probability (``knowledge.scope``). ``w`` and the answer model are
fitted on the development and calibration sets and stored with the index
(``calibration.json``). Unanswered, a question the out-of-scope model puts in scope offers its
two best topics to choose between (``SearchResult.choices``); one outside offers none.

A short follow-up ("lệ phí bao nhiêu?") may lean on the procedure the conversation is about
(``search(..., context=slug)``): when the question is in scope, is not answered from that
procedure already and that procedure's best entry for it reaches ``CONTEXT_FLOOR``, that entry
is the answer. The caller passes the procedure the message names, if any, else the one the
conversation is about, so that "còn hộ chiếu thì sao?" is not pulled back.
Entries outside their validity window are never returned.

The index persists under a folder with a manifest (model, dimension, entry count, content
hash); opening it rebuilds only when the manifest does not match the store.

Staff writes go through the service (``put``, ``put_many``, ``delete``, ``restore``, ``revert``,
``put_topic``, ``put_topics_many``, ``revert_topic``, ``mark_reviewed``: the store's signatures,
delegated under the service's lock; ``knowledge.edits``). Each updates the lexical and dense
indexes, the entries in memory and the topics the actions read, so the next search and the next
action see it — no restart. The app runs one process: a write made by another process (another app process, or
``python -m knowledge`` while the app runs) reaches this one only at its next start.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from knowledge import text as text_module
from knowledge.dense import DenseIndex
from knowledge.edits import LiveEdits
from knowledge.embedder import Embedder
from knowledge.lexical import LexicalIndex
from knowledge.models import Guide, Procedure
from knowledge.results import Answer, Calibration, Hit, ScoredHit, SearchResult, Signals, Trial
from knowledge.scope import ScopeModel, out_of_scope_examples
from knowledge.store import Entry, Store
from knowledge.text import tokens

Topic = Procedure | Guide

logger = logging.getLogger(__name__)
CANDIDATES = 50
# A follow-up this short (in words) may lean on the conversation's procedure, whose best entry
# for it must then reach this fused score (the words do match that entry).
CONTEXT_WORDS = 6
CONTEXT_FLOOR = 0.4
__all__ = [
    "Answer",
    "Calibration",
    "Candidates",
    "Hit",
    "ScoredHit",
    "SearchResult",
    "SearchService",
    "Signals",
    "Trial",
]


Candidates = dict[str, tuple[float, float]]  # entry id -> (lexical, cosine)
_SCOPE_CACHE: dict[str, object] = {}  # the last out-of-scope model trained, by its inputs' hash


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


def _answer(entry: Entry, score: float) -> Answer:
    return Answer(entry.id, entry.slug, entry.question, round(score, 4), entry.answer, entry.source)


def _hits(ranked: list[tuple[Entry, float]]) -> list[Hit]:
    return [Hit(entry.id, entry.slug, entry.question, round(score, 4)) for entry, score in ranked]


class SearchService(LiveEdits):
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
        self.scope = ScopeModel()

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
            self._fit_scope()
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

    def _fit_scope(self) -> None:
        """Train the out-of-scope model on the content's phrasings (at open; see knowledge.scope).
        The same phrasings and examples give the same model: the last one trained is reused."""
        phrasings = [text for entry in self._entries.values() for text in entry.texts()]
        negatives = out_of_scope_examples()
        key = hashlib.sha256(json.dumps([phrasings, negatives], ensure_ascii=False).encode()).hexdigest()
        if _SCOPE_CACHE.get("key") != key:
            _SCOPE_CACHE.update(key=key, model=ScopeModel().fit(phrasings, negatives))
        self.scope = _SCOPE_CACHE["model"]

    def _save(self) -> None:
        if self._dense is None:
            return
        self._dense.save(self.folder)
        manifest = {**self.manifest(), "built_at": datetime.now(UTC).isoformat()}
        (self.folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")

    # Searching -------------------------------------------------------------------------

    def candidates(self, query: str, limit: int = CANDIDATES) -> Candidates:
        """Lexical and dense scores of the entries either ranker puts in its top ``limit``."""
        with self._lock:
            lexical = dict(self._lexical.search(query, limit))
            dense = dict(self._dense.search(query, limit)) if self._dense is not None else {}
        # In the rankers' order (lexical, then dense), not a set's: equal fused scores then keep
        # the same order in every process (a set's order changes with the hash seed).
        return {
            entry_id: (lexical.get(entry_id, 0.0), dense.get(entry_id, 0.0))
            for entry_id in dict.fromkeys([*lexical, *dense])
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

    def signals(self, query: str, candidates: Candidates, scored: list[tuple[Entry, float]]) -> Signals:
        """What the answer model weighs (``scored``: the fused scores of ``candidates``)."""
        return self.signals_with(self.scope.probability(query), query, candidates, scored)

    def signals_with(
        self, scope: float, query: str, candidates: Candidates, scored: list[tuple[Entry, float]]
    ) -> Signals:
        def slugs(ranked: list[tuple[Entry, float]], count: int) -> list[tuple[str, float]]:
            return [(entry.slug, score) for entry, score in ranked[:count]]

        return Signals(
            scope=scope,
            fused=slugs(_one_per_slug(scored), 3),
            lexical=slugs(self.rank(candidates, 0.0), 2),
            dense=slugs(self.rank(candidates, 1.0), 2),
            words=len(query.split()),
        )

    def search(self, query: str, k: int = 5, related: int = 2, *, context: str | None = None) -> SearchResult:
        """The answer (or the topics to choose between) for ``query``; ``context``: the slug of
        the procedure the conversation is about, for short follow-ups."""
        return self.decide(query, self.candidates(query), k, related, context=context)

    def decide(
        self, query: str, candidates: Candidates, k: int = 5, related: int = 2, *, context: str | None = None
    ) -> SearchResult:
        """``search`` on candidates already found (a benchmark reuses them across calibrations)."""
        scored = self.score_all(candidates, self.calibration.weight_for(query))
        signals = self.signals(query, candidates, scored)
        result = self._result(scored, k, related, signals)
        leaning = bool(context) and len(tokens(query)) <= CONTEXT_WORDS
        in_scope = signals.scope >= self.calibration.scope_threshold
        if leaning and in_scope and (result.answer is None or result.answer.slug != context):
            return self._in_context(query, str(context), scored, k, related) or result
        return result

    def _in_context(
        self, query: str, context: str, scored: list[tuple[Entry, float]], k: int, related: int
    ) -> SearchResult | None:
        """The context procedure's best entry as the answer to a short follow-up, if it matches."""
        if not scored:
            return None
        if not any(entry.slug == context for entry, _ in scored):  # not among the first 50: look further
            everything = self.candidates(query, len(self._entries))
            scored = self.score_all(everything, self.calibration.weight_for(query))
        inside = next(((entry, score) for entry, score in scored if entry.slug == context), None)
        if inside is None or inside[1] < CONTEXT_FLOOR:
            return None
        entry, score = inside
        ranked = _one_per_slug([inside, *scored])[: max(k, 1)]
        return SearchResult(
            answer=_answer(entry, score), hits=_hits(ranked), related=self._related(entry, scored, related)
        )

    def try_question(self, query: str, k: int = 5) -> Trial:
        """What the bot would answer to ``query`` (as ``search``), with the top ``k`` entries'
        lexical, dense and fused scores and the calibration that decides whether it answers."""
        calibration = self.calibration
        candidates = self.candidates(query)
        scored = self.score_all(candidates, calibration.weight_for(query))
        signals = self.signals(query, candidates, scored)
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
            result=self._result(scored, k, 2, signals),
            entries=entries,
            dense_weight=calibration.weight_for(query),
            threshold=calibration.threshold,
            margin=calibration.margin,
            probability=calibration.probability(signals),
            confidence=calibration.confidence if calibration.coefficients else None,
        )

    def _result(
        self, scored: list[tuple[Entry, float]], k: int, related: int, signals: Signals
    ) -> SearchResult:
        calibration = self.calibration
        ranked = _one_per_slug(scored)[: max(k, 1)]
        hits = _hits(ranked)
        if not calibration.answers(ranked, signals):
            return SearchResult(answer=None, hits=hits, in_scope=signals.scope >= calibration.scope_threshold)
        best, score = ranked[0]
        return SearchResult(
            answer=_answer(best, score), hits=hits, related=self._related(best, scored, related)
        )

    def answer_entry(self, entry_id: str, related: int = 2) -> SearchResult | None:
        """One entry as the answer (a topic button pressed names it by id); None when it is not
        in the index or not valid today."""
        with self._lock:
            entry = self._entries.get(entry_id)
        if entry is None or not entry.valid_on(self.today()):
            return None
        return SearchResult(
            answer=_answer(entry, 1.0), hits=_hits([(entry, 1.0)]), related=self._related(entry, [], related)
        )

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
