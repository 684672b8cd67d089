"""Fit the fusion weight, the answer threshold and the margin of the search on a development set.

The weight maximises R@1 (then MRR@10). Threshold and margin decide whether to answer: among
the pairs whose false-answer rate on out-of-scope lines stays within the budget, the one that
answers the most in-scope lines correctly wins.
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.evaluation import Case, Outcome, score
from knowledge.search import Calibration, Candidates, SearchService

WEIGHTS = tuple(round(0.1 * i, 1) for i in range(11))
MARGINS = (0.0, 0.01, 0.02, 0.03, 0.05, 0.08)


@dataclass(frozen=True)
class Top:
    case: Case
    slug: str | None
    best: float
    lead: float  # best score minus the next topic's


@dataclass(frozen=True)
class Fit:
    calibration: Calibration
    metrics: dict[str, dict]  # label -> metrics on the dev set


Pool = list[tuple[Case, Candidates]]


def _tops(service: SearchService, pool: Pool, weight: float) -> list[Top]:
    tops = []
    for case, candidates in pool:
        ranked = service.rank(candidates, weight)
        best = ranked[0][1] if ranked else 0.0
        lead = best - ranked[1][1] if len(ranked) > 1 else best
        tops.append(Top(case, ranked[0][0].slug if ranked else None, best, lead))
    return tops


def fit_threshold(tops: list[Top], max_false: float, margin: float = 0.0) -> float:
    """The lowest threshold whose false-answer rate on out-of-scope lines stays within ``max_false``."""
    outside = sorted((t.best for t in tops if t.case.expected is None and t.lead >= margin), reverse=True)
    nulls = sum(1 for t in tops if t.case.expected is None)
    allowed = int(max_false * nulls)  # out-of-scope lines that may still get an answer
    return outside[allowed] + 1e-6 if allowed < len(outside) else 0.0


def _answered_correct(tops: list[Top], threshold: float, margin: float) -> int:
    return sum(
        1
        for t in tops
        if t.case.expected and t.slug == t.case.expected and t.best >= threshold and t.lead >= margin
    )


def decide(tops: list[Top], max_false: float) -> tuple[float, float]:
    """(threshold, margin) answering the most in-scope lines right within the false-answer budget."""
    options = [(fit_threshold(tops, max_false, m), m) for m in MARGINS]
    return max(options, key=lambda option: (_answered_correct(tops, *option), -option[1]))


def _metrics(service: SearchService, pool: Pool, calibration: Calibration) -> dict:
    lookup = {case.query: candidates for case, candidates in pool}

    def run(query: str) -> Outcome:
        ranked = service.rank(lookup[query], calibration.dense_weight)
        slugs = [entry.slug for entry, _ in ranked]
        return Outcome(slugs=slugs, answered=slugs[0] if calibration.answers(ranked) else None)

    return score([case for case, _ in pool], run)


def _calibrate(service: SearchService, pool: Pool, weight: float, max_false: float) -> Calibration:
    threshold, margin = decide(_tops(service, pool, weight), max_false)
    return Calibration(
        dense_weight=weight, threshold=round(threshold, 4), margin=margin, fitted_on=f"{len(pool)} cases"
    )


def fit(service: SearchService, cases: list[Case], *, max_false: float = 0.08) -> Fit:
    pool = [(case, service.candidates(case.query)) for case in cases]
    weights = WEIGHTS if service.embedder is not None else (0.0,)
    by_weight = {w: _metrics(service, pool, Calibration(dense_weight=w, threshold=2.0)) for w in weights}
    best = max(weights, key=lambda w: (by_weight[w]["R@1"] or 0, by_weight[w]["MRR@10"] or 0, -w))
    calibration = _calibrate(service, pool, best, max_false)
    metrics = {"lexical": _metrics(service, pool, _calibrate(service, pool, 0.0, max_false))}
    if service.embedder is not None:
        metrics["dense"] = _metrics(service, pool, _calibrate(service, pool, 1.0, max_false))
    metrics["hybrid"] = _metrics(service, pool, calibration)
    return Fit(calibration=calibration, metrics=metrics)


def calibrate_at(
    service: SearchService, cases: list[Case], weight: float, *, max_false: float = 0.08
) -> Calibration:
    """Threshold and margin for a fixed fusion weight (1.0: dense only, 0.0: lexical only)."""
    return _calibrate(service, [(case, service.candidates(case.query)) for case in cases], weight, max_false)
