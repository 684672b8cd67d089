"""Retrieval metrics on a development set of JSON lines ``{"query": ..., "expected": slug | null}``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Case:
    query: str
    expected: str | None


@dataclass(frozen=True)
class Outcome:
    """What a search returned for one query: distinct slugs best first, and the answered slug if any."""

    slugs: list[str]
    answered: str | None


def read_cases(path: Path) -> list[Case]:
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            cases.append(Case(query=str(data["query"]), expected=data.get("expected")))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a JSON object with query and expected ({exc})") from exc
    return cases


def _ratio(hits: int, count: int) -> float | None:
    return hits / count if count else None


def score(cases: Iterable[Case], run: Callable[[str], Outcome]) -> dict[str, float | int | None]:
    """R@1, R@3 and MRR@10 over distinct slugs (lines with a slug), answered_correct,
    wrong_answer_rate (in-scope lines answered with another topic) and false_answer_rate
    (out-of-scope lines answered)."""
    in_scope = out_scope = r1 = r3 = answered_right = answered_wrong = answered_null = 0
    reciprocal = 0.0
    for case in cases:
        outcome = run(case.query)
        if case.expected is None:
            out_scope += 1
            answered_null += outcome.answered is not None
            continue
        in_scope += 1
        slugs = outcome.slugs[:10]
        if case.expected in slugs:
            rank = slugs.index(case.expected) + 1
            reciprocal += 1 / rank
            r1 += rank == 1
            r3 += rank <= 3
        answered_right += outcome.answered == case.expected
        answered_wrong += outcome.answered is not None and outcome.answered != case.expected
    return {
        "R@1": _ratio(r1, in_scope),
        "R@3": _ratio(r3, in_scope),
        "MRR@10": reciprocal / in_scope if in_scope else None,
        "answered_correct": _ratio(answered_right, in_scope),
        "wrong_answer_rate": _ratio(answered_wrong, in_scope),
        "false_answer_rate": _ratio(answered_null, out_scope),
        "in_scope": in_scope,
        "out_of_scope": out_scope,
        "counts": {
            "R@1": in_scope,
            "R@3": in_scope,
            "MRR@10": in_scope,
            "answered_correct": in_scope,
            "wrong_answer_rate": in_scope,
            "false_answer_rate": out_scope,
        },
    }
