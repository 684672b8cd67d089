"""Fit the search's fusion weights and its answer model on the development and calibration sets.

- The fusion weight maximises R@1 (then MRR@10) over the in-scope lines, once for questions of
  at most ``Calibration.long_words`` words and once for longer ones (fusion by query type).
- The answer model is a logistic regression (scikit-learn) over ``knowledge.results.Signals``
  (standardised before fitting, folded back into raw coefficients for the search):
  the probability that the best topic is the right one (0 for an out-of-scope line). Its
  confidence threshold is chosen on out-of-fold probabilities (5 folds; a question and its
  twin typed without tones stay in one fold): the lowest one whose in-scope wrong answers stay
  within ``MAX_WRONG`` and whose out-of-scope answers stay within ``MAX_FALSE``.
- Out-of-scope lines: the sets' own, plus the out-of-scope model's negative examples
  (``knowledge/content/out_of_scope.yml``), each scored by a model trained without its fold.
- The old rule (threshold and margin on the fused score, the out-of-scope budget alone) is
  fitted too: it decides when an index carries no answer model.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from knowledge.evaluation import Case, Outcome, read_cases, score
from knowledge.scope import ScopeModel, out_of_scope_examples
from knowledge.search import Calibration, Candidates, SearchService, Signals
from knowledge.settings import KnowledgeSettings
from knowledge.text import normalize

WEIGHTS = tuple(round(0.1 * i, 1) for i in range(11))
MARGINS = (0.0, 0.01, 0.02, 0.03, 0.05, 0.08)
MAX_WRONG = 0.025  # in-scope questions answered with the wrong topic
MAX_FALSE = 0.03  # out-of-scope questions answered
FOLDS = 5
CONFIDENCES = tuple(round(0.3 + 0.0125 * i, 4) for i in range(53))  # 0.3 … 0.95
REGULARISATION = 1.0  # the answer model's C


def fitting_sets(settings: KnowledgeSettings) -> tuple[list[Case], list[Case]]:
    """What `make index` fits on: the development set and the calibration set (each empty when
    its file is absent). The held-out test set is never among them."""

    def read(path: Path) -> list[Case]:
        return read_cases(path) if path.exists() else []

    return read(settings.search_dev_set), read(settings.search_calibration_set)


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


@dataclass(frozen=True)
class Row:
    """One question of the fitting pool with what the search saw of it."""

    case: Case
    candidates: Candidates
    scope: float  # the out-of-scope model's probability (out of fold for its own negatives)
    group: str  # a question and its twin typed without tones share a group
    example: bool = False  # one of the out-of-scope model's own examples (not a line of the sets)


Pool = list[Row]


def build_pool(service: SearchService, cases: list[Case], *, negatives: bool = True) -> Pool:
    """The sets' lines, plus (``negatives``) the out-of-scope examples scored out of fold."""
    scopes = service.scope.probabilities([case.query for case in cases])
    rows = [
        Row(case, service.candidates(case.query), probability, normalize(case.query))
        for case, probability in zip(cases, scopes, strict=True)
    ]
    examples = out_of_scope_examples() if negatives and service.scope.trained else []
    phrasings = [text for entry in service.store.entries() for text in entry.texts()]
    for fold in range(FOLDS):
        held = examples[fold::FOLDS]
        if not held:
            continue
        kept = [q for number, q in enumerate(examples) if number % FOLDS != fold]
        model = ScopeModel(service.scope.regularisation).fit(phrasings, kept)
        for query, probability in zip(held, model.probabilities(held), strict=True):
            rows.append(
                Row(Case(query, None), service.candidates(query), probability, normalize(query), True)
            )
    return rows


def _signals(service: SearchService, row: Row, calibration: Calibration) -> Signals:
    scored = service.score_all(row.candidates, calibration.weight_for(row.case.query))
    return service.signals_with(row.scope, row.case.query, row.candidates, scored)


def _outcome(service: SearchService, row: Row, calibration: Calibration) -> Outcome:
    ranked = service.rank(row.candidates, calibration.weight_for(row.case.query))
    signals = _signals(service, row, calibration)
    slugs = [entry.slug for entry, _ in ranked]
    return Outcome(slugs=slugs, answered=slugs[0] if calibration.answers(ranked, signals) else None)


def _metrics(service: SearchService, pool: Pool, calibration: Calibration) -> dict:
    outcomes = {row.case.query: _outcome(service, row, calibration) for row in pool}
    return score([row.case for row in pool], outcomes.__getitem__)


def rule_at(
    service: SearchService,
    pool: Pool,
    weight: float,
    max_false: float = MAX_FALSE,
    long_weight: float | None = None,
) -> Calibration:
    """Threshold and margin on the fused score at ``weight`` (the rule without an answer model)."""
    base = Calibration(dense_weight=weight, long_weight=long_weight)
    tops = []
    for row in pool:
        ranked = service.rank(row.candidates, base.weight_for(row.case.query))
        best = ranked[0][1] if ranked else 0.0
        lead = best - ranked[1][1] if len(ranked) > 1 else best
        tops.append(Top(row.case, ranked[0][0].slug if ranked else None, best, lead))
    threshold, margin = decide(tops, max_false)
    return replace(base, threshold=round(threshold, 4), margin=margin, fitted_on=f"{len(pool)} cases")


def _confidence(probabilities: list[float], rows: Pool, right: list[bool]) -> float:
    """The lowest confidence whose wrong and false answers stay within budget."""
    in_scope = sum(1 for row in rows if row.case.expected) or 1
    outside = sum(1 for row in rows if not row.case.expected) or 1
    for confidence in CONFIDENCES:
        answered = [p >= confidence for p in probabilities]
        pairs = list(zip(answered, rows, right, strict=True))
        wrong = sum(a and bool(row.case.expected) and not r for a, row, r in pairs)
        false = sum(a and not row.case.expected for a, row in zip(answered, rows, strict=True))
        if wrong / in_scope <= MAX_WRONG and false / outside <= MAX_FALSE:
            return confidence
    return 1.0


def _model(features, labels):  # type: ignore[no-untyped-def]
    """The answer model on standardised signals: the penalty weighs every signal alike (a
    probability, a log-odds and a log word count do not share a scale)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=REGULARISATION, max_iter=5000)).fit(
        features, labels
    )


def _unscaled(model) -> tuple[list[float], float]:  # type: ignore[no-untyped-def]
    """The model's coefficients and intercept on the raw signals (the scaling folded in), so the
    search computes the probability without the scaler."""
    scaler, regression = model[0], model[-1]
    scale = [s if s else 1.0 for s in scaler.scale_]
    weights = [float(w) / s for w, s in zip(regression.coef_[0], scale, strict=True)]
    shift = sum(w * m for w, m in zip(weights, scaler.mean_, strict=True))
    intercept = float(regression.intercept_[0]) - shift
    return weights, intercept


def fit_answer_model(service: SearchService, pool: Pool, base: Calibration) -> tuple[Calibration, dict]:
    """The answer model on ``pool`` at ``base``'s weight; also its out-of-fold metrics."""
    import numpy as np
    from sklearn.model_selection import GroupKFold

    ranked = [(row, service.rank(row.candidates, base.weight_for(row.case.query))) for row in pool]
    rows = [row for row, found in ranked if found]
    tops = [found[0][0].slug for _, found in ranked if found]
    features = np.array([_signals(service, row, base).features() for row in rows])
    right = [row.case.expected == top for row, top in zip(rows, tops, strict=True)]
    labels = np.array(right, dtype=int)
    groups = [row.group for row in rows]
    out_of_fold = np.zeros(len(rows))
    for train, test in GroupKFold(FOLDS).split(features, labels, groups):
        out_of_fold[test] = _model(features[train], labels[train]).predict_proba(features[test])[:, 1]
    confidence = _confidence(out_of_fold.tolist(), rows, right)
    coefficients, intercept = _unscaled(_model(features, labels))
    calibration = replace(
        base,
        coefficients=tuple(round(c, 6) for c in coefficients),
        intercept=round(intercept, 6),
        confidence=confidence,
    )
    answered = {
        row.case.query: Outcome([top], top if p >= confidence else None)
        for row, top, p in zip(rows, tops, out_of_fold.tolist(), strict=True)
    }
    held_out = score(
        [row.case for row in pool], lambda q: answered.get(q, Outcome([], None))
    )  # R@1 and answers from out-of-fold probabilities; R@3/MRR are not meaningful here
    return calibration, held_out


def _best_weight(service: SearchService, rows: Pool) -> float:
    """The fusion weight with the best R@1 (then MRR@10) on ``rows``; the lowest of equals."""
    weights = WEIGHTS if service.embedder is not None else (0.0,)
    if not rows:
        return weights[0]
    plain = Calibration(threshold=2.0)
    by_weight = {w: _metrics(service, rows, replace(plain, dense_weight=w)) for w in weights}
    return max(weights, key=lambda w: (by_weight[w]["R@1"] or 0, by_weight[w]["MRR@10"] or 0, -w))


def fit(service: SearchService, cases: list[Case], *, max_false: float = MAX_FALSE) -> Fit:
    return fit_pool(service, build_pool(service, cases), max_false=max_false)


def fit_pool(service: SearchService, pool: Pool, *, max_false: float = MAX_FALSE) -> Fit:
    """``fit`` on a pool already built (``build_pool``)."""
    cases = [row for row in pool if not row.example]
    in_scope = [row for row in pool if row.case.expected]
    plain = Calibration(threshold=2.0)
    short = [row for row in in_scope if len(row.case.query.split()) <= plain.long_words]
    long = [row for row in in_scope if len(row.case.query.split()) > plain.long_words]
    best, best_long = _best_weight(service, short), _best_weight(service, long)
    rule = rule_at(service, pool, best, max_false, long_weight=best_long if best_long != best else None)
    calibration, held_out = fit_answer_model(service, pool, rule) if service.scope.trained else (rule, {})
    calibration = replace(calibration, fitted_on=f"{len(pool)} cases ({len(cases)} from the sets)")
    metrics = {"lexical": _metrics(service, pool, rule_at(service, pool, 0.0, max_false))}
    if service.embedder is not None:
        metrics["dense"] = _metrics(service, pool, rule_at(service, pool, 1.0, max_false))
    metrics["hybrid rule"] = _metrics(service, pool, rule)
    metrics["hybrid"] = _metrics(service, pool, calibration)
    if held_out:
        metrics["hybrid, out of fold"] = held_out
    return Fit(calibration=calibration, metrics=metrics)


def calibrate_at(
    service: SearchService, cases: list[Case], weight: float, *, max_false: float = MAX_FALSE
) -> Calibration:
    """Threshold and margin for a fixed fusion weight (1.0: dense only, 0.0: lexical only)."""
    return rule_at(service, build_pool(service, cases), weight, max_false)
