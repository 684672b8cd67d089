"""BM25 over the normalised text of every phrasing, updatable one entry at a time.

Terms are the normalised syllables of ``knowledge.text`` (diacritics folded, abbreviations
expanded) plus adjacent-syllable pairs, because Vietnamese words are mostly two syllables
("khai sinh" and "khai tử" share "khai"). An entry scores as its best phrasing.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict

from knowledge.text import tokens

K1 = 1.2
B = 0.75


def terms(text: str) -> list[str]:
    words = tokens(text)
    return words + [f"{a}_{b}" for a, b in itertools.pairwise(words)]


class LexicalIndex:
    def __init__(self) -> None:
        self._postings: dict[str, dict[tuple[str, int], int]] = defaultdict(dict)
        self._lengths: dict[tuple[str, int], int] = {}
        self._doc_terms: dict[tuple[str, int], list[str]] = {}
        self._docs: dict[str, list[tuple[str, int]]] = {}
        self._total_length = 0

    def __len__(self) -> int:
        return len(self._docs)

    def add(self, entry_id: str, texts: tuple[str, ...] | list[str]) -> None:
        """Index (or re-index) an entry under each of its texts."""
        self.remove(entry_id)
        keys = []
        for number, text in enumerate(texts):
            key = (entry_id, number)
            counts = Counter(terms(text))
            for term, count in counts.items():
                self._postings[term][key] = count
            self._lengths[key] = sum(counts.values())
            self._doc_terms[key] = list(counts)
            self._total_length += self._lengths[key]
            keys.append(key)
        self._docs[entry_id] = keys

    def remove(self, entry_id: str) -> None:
        for key in self._docs.pop(entry_id, []):
            self._total_length -= self._lengths.pop(key)
            for term in self._doc_terms.pop(key):
                postings = self._postings[term]
                del postings[key]
                if not postings:
                    del self._postings[term]

    def _idf(self, term: str) -> float:
        n = len(self._lengths)
        df = len(self._postings.get(term, ()))
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def search(self, query: str, limit: int = 50) -> list[tuple[str, float]]:
        """Best entries for ``query`` with a score in [0, 1]: BM25 over what a perfect match would get."""
        query_terms = Counter(terms(query))
        if not query_terms or not self._lengths:
            return []
        average = self._total_length / len(self._lengths)
        scores: dict[tuple[str, int], float] = defaultdict(float)
        ceiling = 0.0
        for term in query_terms:
            idf = self._idf(term)
            ceiling += idf * (K1 + 1) / (1 + K1 * (1 - B + B * sum(query_terms.values()) / average))
            for key, tf in self._postings.get(term, {}).items():
                norm = tf * (K1 + 1) / (tf + K1 * (1 - B + B * self._lengths[key] / average))
                scores[key] += idf * norm
        best: dict[str, float] = {}
        for (entry_id, _), score in scores.items():
            best[entry_id] = max(best.get(entry_id, 0.0), score)
        ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)[:limit]
        return [(entry_id, min(score / ceiling, 1.0) if ceiling else 0.0) for entry_id, score in ranked]
