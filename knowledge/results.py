"""What a search returns: the calibration that decides whether to answer, hits, the answer,
and the console's trial with every score (``knowledge.search`` re-exports them)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


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


@dataclass(frozen=True)
class ScoredHit(Hit):
    """A hit with the two halves of its score (the console's "Thử câu hỏi")."""

    kind: str
    lexical: float
    dense: float


@dataclass(frozen=True)
class Trial:
    """What the bot would answer to a question, with every top entry's scores."""

    result: SearchResult
    entries: list[ScoredHit]  # the top entries, best first, several per topic possible
    dense_weight: float
    threshold: float
    margin: float

    def as_dict(self) -> dict:
        return {
            **self.result.as_dict(),
            "related": [asdict(h) for h in self.result.related],
            "entries": [asdict(h) for h in self.entries],
            "calibration": {
                "dense_weight": self.dense_weight,
                "threshold": self.threshold,
                "margin": self.margin,
            },
        }
