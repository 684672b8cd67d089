"""What a search returns: the calibration that decides whether to answer, hits, the answer,
and the console's trial with every score (``knowledge.search`` re-exports them)."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

CHOICES = 2  # an unsure search asks between its two best topics
FEATURES = (
    "scope",  # the out-of-scope model's probability that the question is in scope
    "scope_logit",
    "best",  # the best topic's fused score
    "lead",  # ... minus the second topic's
    "lead_third",  # ... minus the third topic's
    "lexical_agrees",  # 1 when lexical search alone puts the same topic first
    "dense_agrees",  # 1 when dense search alone puts the same topic first
    "lexical_best",
    "dense_best",
    "lexical_lead",
    "dense_lead",
    "log_words",
)


@dataclass(frozen=True)
class Signals:
    """What decides whether to answer: the out-of-scope model's probability and the three
    rankings (fused, lexical alone, dense alone) as (slug, score) pairs, one per slug, best first."""

    scope: float
    fused: list[tuple[str, float]]
    lexical: list[tuple[str, float]]
    dense: list[tuple[str, float]]
    words: int

    def features(self) -> list[float]:
        if not self.fused:
            return []
        top, best = self.fused[0]
        scope = min(max(self.scope, 1e-6), 1 - 1e-6)

        def score(ranking: list[tuple[str, float]], at: int) -> float:
            return ranking[at][1] if len(ranking) > at else 0.0

        def first(ranking: list[tuple[str, float]]) -> str | None:
            return ranking[0][0] if ranking else None

        return [
            self.scope,
            math.log(scope / (1 - scope)),
            best,
            best - score(self.fused, 1),
            best - score(self.fused, 2),
            float(first(self.lexical) == top),
            float(first(self.dense) == top),
            score(self.lexical, 0),
            score(self.dense, 0),
            score(self.lexical, 0) - score(self.lexical, 1),
            score(self.dense, 0) - score(self.dense, 1),
            math.log(1 + self.words),
        ]


@dataclass(frozen=True)
class Calibration:
    """Whether the search answers: fitted by ``knowledge.calibration`` and saved with the index.

    With an answer model (``coefficients``, fitted on the development and calibration sets), a
    question is answered when the model's probability that the best topic is the right one,
    given the :class:`Signals`, reaches ``confidence``. Without one (an index calibrated
    before the model existed), the best topic must score ``threshold`` and lead the next by
    ``margin``.
    """

    dense_weight: float = 0.0  # the fusion weight of a question of at most ``long_words`` words
    threshold: float = 0.45
    margin: float = 0.0  # the best topic must lead the next one by this much to be answered
    fitted_on: str = "default"
    coefficients: tuple[float, ...] = ()  # the answer model, one per name in FEATURES
    intercept: float = 0.0
    confidence: float = 0.5  # the answer model's probability from which the search answers
    scope_threshold: float = 0.5  # below it an unanswered question is out of scope: no topics offered
    # Fusion by length: a longer question (a message with context) takes ``long_weight``; the
    # tuned encoder learnt from short phrasings, so the words weigh more there. None: one weight.
    long_words: int = 12
    long_weight: float | None = None

    def weight_for(self, query: str) -> float:
        """The fusion weight for ``query`` (by its length in words)."""
        if self.long_weight is not None and len(query.split()) > self.long_words:
            return self.long_weight
        return self.dense_weight

    def probability(self, signals: Signals) -> float | None:
        """The answer model's probability that the best topic is right (None without a model)."""
        features = signals.features()
        if not self.coefficients or not features:
            return None
        logit = self.intercept + sum(w * x for w, x in zip(self.coefficients, features, strict=True))
        return 1 / (1 + math.exp(-max(min(logit, 50.0), -50.0)))

    def answers(self, ranked: list[tuple[object, float]], signals: Signals | None = None) -> bool:
        if not ranked:
            return False
        probability = self.probability(signals) if signals is not None else None
        if probability is not None:
            return probability >= self.confidence
        if ranked[0][1] < self.threshold:
            return False
        return len(ranked) < 2 or ranked[0][1] - ranked[1][1] >= self.margin

    @classmethod
    def load(cls, path: Path) -> Calibration:
        if not path.exists():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        known = {key: value for key, value in data.items() if key in cls.__dataclass_fields__}
        if "coefficients" in known:
            known["coefficients"] = tuple(known["coefficients"])
        return cls(**known)

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
    # Unanswered: False when the out-of-scope model puts the question outside the content (no
    # topics to offer); else ``choices`` are the two topics to ask the person to choose between.
    in_scope: bool = True

    @property
    def choices(self) -> list[Hit]:
        return self.hits[:CHOICES] if self.answer is None and self.in_scope else []

    def as_dict(self) -> dict:
        return {
            "answer": asdict(self.answer) if self.answer else None,
            "hits": [asdict(h) for h in self.hits],
            "in_scope": self.in_scope,
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
    probability: float | None = None  # the answer model's probability that the best topic is right
    confidence: float | None = None  # the probability from which it answers (None: no model)

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
            "answer_model": {
                "probability": None if self.probability is None else round(self.probability, 4),
                "confidence": self.confidence,
            },
        }
