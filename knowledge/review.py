"""What in the seed content needs a person's review: stale review dates and validity windows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from knowledge.models import Validity
from knowledge.seed import Seed, load_seed


@dataclass(frozen=True, order=True)
class Due:
    when: date
    reason: str
    where: str


def _windows(where: str, item: Validity, horizon: date) -> list[Due]:
    found = []
    if item.valid_until and item.valid_until <= horizon:
        found.append(Due(item.valid_until, "validity ends", where))
    if item.valid_from and date.today() < item.valid_from <= horizon:
        found.append(Due(item.valid_from, "validity starts", where))
    return found


def due(
    horizon: date, *, review_interval: timedelta = timedelta(days=180), seed: Seed | None = None
) -> list[Due]:
    """Items whose review is due, or whose validity starts or ends, on or before ``horizon``."""
    seed = seed or load_seed()
    items: list[Due] = []
    for topic in (*seed.procedures.values(), *seed.guides.values()):
        base = f"{topic.kind} {topic.slug}"
        if topic.reviewed + review_interval <= horizon:
            items.append(Due(topic.reviewed + review_interval, "review due", base))
        for number, fee in enumerate(getattr(topic, "fees", [])):
            items += _windows(f"{base} fees[{number}]: {fee.text[:60]}", fee, horizon)
        for number, caveat in enumerate(topic.caveats):
            items += _windows(f"{base} caveats[{number}]", caveat, horizon)
        for number, trouble in enumerate(getattr(topic, "troubleshooting", [])):
            items += _windows(f"{base} troubleshooting[{number}]", trouble, horizon)
    for entry in seed.faq:
        items += _windows(f"faq {entry.id}", entry, horizon)
    return sorted(items)
