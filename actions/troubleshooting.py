"""Match a described problem to the known fixes: this step's problems, then the guide topics'.

Word overlap on the normalised forms (``knowledge.text``), so unaccented and teencode
descriptions match too. A fix is given only when most of what the person wrote is in the
symptom; otherwise the guide says plainly that it has no sure fix.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

from knowledge.text import tokens

if TYPE_CHECKING:
    from knowledge.models import Guide

# Words that say nothing about which problem it is.
FILLER = frozenset(
    [
        "toi",
        "minh",
        "em",
        "anh",
        "chi",
        "a",
        "oi",
        "la",
        "thi",
        "va",
        "cua",
        "o",
        "buoc",
        "nay",
        "gap",
        "loi",
        "bi",
        "roi",
        "nhe",
        "voi",
        "ma",
        "nhung",
        "cai",
        "no",
        "duoc",
        "khong",
        "ko",
        "lam",
        "sao",
        "gi",
        "the",
        "nao",
        "phai",
    ]
)
MIN_SCORE = 0.5
STEP_BONUS = 0.1  # the current step's own problems are the likelier match


def content(text: str) -> set[str]:
    return {token for token in tokens(text) if token not in FILLER and len(token) > 1}


def score(query: set[str], symptom: str) -> float:
    words = content(symptom)
    return len(query & words) / len(query) if query and words else 0.0


def troubleshoot(text: str, step_problems: Iterable[str], guides: Iterable[Guide], today: date) -> str | None:
    """The best fix for the problem described in ``text``, or None when nothing matches well."""
    query = content(text)
    if not query:
        return None
    candidates: list[tuple[float, str]] = [
        (score(query, problem) + STEP_BONUS, problem) for problem in step_problems
    ]
    for guide in guides:
        for trouble in guide.troubleshooting:
            if trouble.valid_on(today):
                candidates.append((score(query, trouble.symptom), f"{trouble.symptom}: {trouble.fix}"))
    best = max(candidates, default=(0.0, ""))
    return best[1] if best[0] >= MIN_SCORE else None
