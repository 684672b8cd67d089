"""BM25 over the normalised text of every phrasing, updatable one entry at a time.

Terms are the normalised syllables of ``knowledge.text`` (diacritics folded, abbreviations
expanded) plus adjacent-syllable pairs, because Vietnamese words are mostly two syllables
("khai sinh" and "khai tử" share "khai"). An entry scores as its best phrasing.

The scoring engine is ``bm25s`` (MIT, numpy only): every (term, phrasing) weight is computed
once into a sparse matrix, so a query sums a few of its columns instead of walking postings in
Python. The formula is the one this index always used — Lucene's IDF
``log(1 + (N − df + 0.5) / (df + 0.5))``, k1 = 1.2, b = 0.75 — and a score is divided by what a
phrasing identical to the query would get, so it lies in [0, 1] (fusion and calibration rely on
that scale; ``tests/knowledge/test_lexical.py`` pins it).

Every weight depends on the whole collection (N, document frequencies, average length), so
``bm25s`` has no incremental update: ``add`` and ``remove`` change the phrasings' term lists
(tokenised once) and the next search rebuilds the matrix from them. Edits are therefore visible
to the next query; a burst of edits costs one rebuild.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections import Counter
from dataclasses import dataclass

import bm25s
import numpy as np

from knowledge.text import tokens

K1 = 1.2
B = 0.75


def terms(text: str) -> list[str]:
    words = tokens(text)
    return words + [f"{a}_{b}" for a, b in itertools.pairwise(words)]


@dataclass(frozen=True)
class _Engine:
    """One immutable build: the scored matrix, its vocabulary and which entry owns each phrasing."""

    bm25: bm25s.BM25
    vocabulary: dict[str, int]
    document_frequency: np.ndarray  # per term id
    entry_ids: list[str]  # entries with at least one phrasing, in matrix order
    starts: np.ndarray  # first phrasing row of each of those entries
    documents: int
    average_length: float

    @classmethod
    def build(cls, docs: dict[str, list[list[int]]], vocabulary: dict[str, int]) -> _Engine | None:
        rows: list[list[int]] = []
        entry_ids: list[str] = []
        starts: list[int] = []
        for entry_id, phrasings in docs.items():
            if phrasings:
                entry_ids.append(entry_id)
                starts.append(len(rows))
                rows.extend(phrasings)
        terms_known = len(vocabulary)
        if not rows or not terms_known:
            return None
        bm25 = bm25s.BM25(k1=K1, b=B, method="lucene", dtype="float64", int_dtype="int64")
        # A copy: the index's vocabulary keeps growing after this build.
        bm25.index((rows, dict(vocabulary)), create_empty_token=False, show_progress=False)
        return cls(
            bm25=bm25,
            vocabulary=bm25.vocab_dict,
            document_frequency=np.diff(bm25.scores["indptr"]),
            entry_ids=entry_ids,
            starts=np.asarray(starts, dtype=np.int64),
            documents=len(rows),
            average_length=sum(len(row) for row in rows) / len(rows),
        )

    def _idf(self, term: str) -> float:
        term_id = self.vocabulary.get(term)
        df = 0 if term_id is None else int(self.document_frequency[term_id])
        return math.log(1 + (self.documents - df + 0.5) / (df + 0.5))

    def search(self, query_terms: Counter[str], limit: int) -> list[tuple[str, float]]:
        length = sum(query_terms.values())
        # bm25s's Lucene weight is tf / (tf + k1 · norm), without the (k1 + 1) factor of the
        # textbook formula; the ceiling below leaves it out too, so the ratio is the same.
        ceiling = sum(
            self._idf(term) / (1 + K1 * (1 - B + B * length / self.average_length)) for term in query_terms
        )
        ids = [self.vocabulary[term] for term in query_terms if term in self.vocabulary]
        if not ids or ceiling <= 0:
            return []
        phrasing_scores = self.bm25.get_scores_from_ids(ids)
        best = np.maximum.reduceat(phrasing_scores, self.starts)
        matched = np.flatnonzero(best > 0)
        if len(matched) > limit:
            matched = matched[np.argpartition(-best[matched], limit - 1)[:limit]]
        # Best first; equal scores keep the entries' indexing order.
        order = matched[np.lexsort((matched, -best[matched]))]
        return [(self.entry_ids[i], min(float(best[i]) / ceiling, 1.0)) for i in order]


class LexicalIndex:
    def __init__(self) -> None:
        self._vocabulary: dict[str, int] = {}  # term -> id; only grows (an unused id scores nothing)
        self._docs: dict[str, list[list[int]]] = {}  # entry id -> each phrasing's term ids
        self._engine: _Engine | None = None
        self._stale = False
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._docs)

    def add(self, entry_id: str, texts: tuple[str, ...] | list[str]) -> None:
        """Index (or re-index) an entry under each of its texts; the next search sees it."""
        phrasings = [terms(text) for text in texts]
        with self._lock:
            ids = [[self._vocabulary.setdefault(t, len(self._vocabulary)) for t in p] for p in phrasings]
            self._docs.pop(entry_id, None)  # a re-indexed entry moves to the end, as a new one
            self._docs[entry_id] = ids
            self._stale = True

    def remove(self, entry_id: str) -> None:
        with self._lock:
            if self._docs.pop(entry_id, None) is not None:
                self._stale = True

    def _current(self) -> _Engine | None:
        """The engine for the current content, rebuilt first if an edit came since the last build."""
        with self._lock:
            if self._stale:
                self._engine = _Engine.build(self._docs, self._vocabulary)
                self._stale = False
            return self._engine

    def search(self, query: str, limit: int = 50) -> list[tuple[str, float]]:
        """Best entries for ``query`` with a score in [0, 1]: BM25 over what a perfect match would get."""
        query_terms = Counter(terms(query))
        if not query_terms or limit <= 0:
            return []
        engine = self._current()
        return engine.search(query_terms, limit) if engine is not None else []
