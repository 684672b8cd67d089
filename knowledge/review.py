"""What needs a person's review ("Cần rà soát"), read from the store — what the bot says now,
staff edits included — never from the seed.

``due_items(store, today, interval_days, horizon_days=30)`` lists, each with what is due and when:

- ``never_reviewed``: a live FAQ entry without a review date (due today);
- ``review``: a FAQ entry or topic whose next review (``reviewed`` + ``interval_days``, the
  setting REVIEW_INTERVAL_DAYS) falls on or before ``today + horizon_days``, overdue ones included;
- ``validity_ends``: a FAQ entry, or a topic's fee, caveat or troubleshooting item, whose
  ``valid_until`` falls between ``today`` and ``today + horizon_days``;
- ``validity_starts``: one whose ``valid_from`` falls after ``today`` and within the horizon
  (a new fee or rule is about to apply).

Topic overview entries are covered by their topic. ``today`` is always given by the caller
(tests use fixed dates).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from knowledge.models import Validity
from knowledge.store import Store

Reason = Literal["never_reviewed", "review", "validity_ends", "validity_starts"]


@dataclass(frozen=True, order=True)
class ReviewItem:
    due: date  # when it is (or was) due
    reason: Reason
    kind: Literal["entry", "topic"]
    id: str  # the entry id or the topic slug
    field: str = ""  # the part concerned, e.g. "fees.0"; "" for the whole entry or topic
    slug: str = ""
    title: str = ""  # the entry's question or the topic's name
    text: str = ""  # the fee's, caveat's or problem's text
    reviewed: date | None = None
    reviewed_by: str | None = None
    version: int = 0


def _windows(item: Validity, today: date, horizon: date) -> list[tuple[date, Reason]]:
    found: list[tuple[date, Reason]] = []
    if item.valid_until and today <= item.valid_until <= horizon:
        found.append((item.valid_until, "validity_ends"))
    if item.valid_from and today < item.valid_from <= horizon:
        found.append((item.valid_from, "validity_starts"))
    return found


def due_items(store: Store, today: date, interval_days: int, horizon_days: int = 30) -> list[ReviewItem]:
    """Entries and topics to review, soonest first (see the module's docstring)."""
    horizon = today + timedelta(days=horizon_days)
    interval = timedelta(days=interval_days)
    items: list[ReviewItem] = []
    for entry in store.entries():
        if entry.kind != "faq":
            continue
        base = {"kind": "entry", "id": entry.id, "slug": entry.slug, "title": entry.question,
                "reviewed": entry.reviewed, "reviewed_by": entry.reviewed_by,
                "version": entry.version}  # fmt: skip
        if entry.reviewed is None:
            items.append(ReviewItem(today, "never_reviewed", **base))  # type: ignore[arg-type]
        elif entry.reviewed + interval <= horizon:
            items.append(ReviewItem(entry.reviewed + interval, "review", **base))  # type: ignore[arg-type]
        for when, reason in _windows(entry, today, horizon):  # type: ignore[arg-type]
            items.append(ReviewItem(when, reason, **base))  # type: ignore[arg-type]
    for record in store.topic_records():
        topic = record.topic
        base = {"kind": "topic", "id": topic.slug, "slug": topic.slug, "title": topic.name,
                "reviewed": topic.reviewed, "reviewed_by": record.reviewed_by,
                "version": record.version}  # fmt: skip
        if topic.reviewed + interval <= horizon:
            items.append(ReviewItem(topic.reviewed + interval, "review", **base))  # type: ignore[arg-type]
        parts: list[tuple[str, Validity, str]] = [
            *((f"fees.{n}", fee, fee.text) for n, fee in enumerate(getattr(topic, "fees", []))),
            *((f"caveats.{n}", caveat, caveat.text) for n, caveat in enumerate(topic.caveats)),
            *(
                (f"troubleshooting.{n}", trouble, trouble.symptom)
                for n, trouble in enumerate(getattr(topic, "troubleshooting", []))
            ),
        ]
        for where, part, text in parts:
            for when, reason in _windows(part, today, horizon):
                items.append(ReviewItem(when, reason, field=where, text=text, **base))  # type: ignore[arg-type]
    return sorted(items)
