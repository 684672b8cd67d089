"""The daily summary of stored events (pure functions, no database): the kinds of events, and
:func:`summarise`, which turns a day's events into the anonymous figures of ``activity_daily``
(``app/activity.py`` says what each figure means). The roll-up of a closed day and the dashboard's
live view of today use the same function.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.clock import aware

KINDS = frozenset(
    {
        "message_in",
        "guide_started",
        "guide_step",
        "guide_completed",
        "question_answered",
        "question_unanswered",
        "handoff_requested",
        "handoff_claimed",
        "handoff_closed",
        "handoff_cancelled",
        "handoff_kept",
        "rating",
    }
)
# Kinds whose values are kept one aggregate row per value (rounded), for distributions and percentiles.
DISTRIBUTED = frozenset({"rating", "handoff_claimed"})
# Kinds whose procedure ties a conversation to a procedure (questions name entries, not procedures).
PROCEDURE_KINDS = frozenset(
    {"guide_started", "guide_step", "guide_completed", "rating"}
    | {kind for kind in KINDS if kind.startswith("handoff")}
)
# Today's walkthroughs with an event this recent may still go on: not yet counted as stopped.
STILL_OPEN = timedelta(hours=2)


@dataclass(frozen=True)
class Event:
    """One stored event as :func:`summarise` reads it (rows in the order they were written)."""

    at: datetime
    day: date
    channel: str
    sender_key: str
    kind: str
    procedure: str | None
    step: int | None
    value: float | None


CONVERSATION_KINDS = ("conversation", "conversation_handoff")


@dataclass(frozen=True)
class Figure:
    """One aggregate: ``count`` events (or conversations) of ``kind``, the sum of their values, and
    how many distinct people they came from."""

    day: date | None  # None: summed over days
    channel: str
    procedure: str
    kind: str
    step: int | None
    value_key: int | None
    count: int
    value_sum: float
    senders: int


@dataclass(frozen=True)
class Figures:
    """What the dashboard reads: ``summed`` — closed days' aggregates summed over the days (``day``
    None) and the open days' figures; ``per_day`` — per day and kind (see :meth:`ActivityLog.per_day`)
    and the open days' figures."""

    summed: list[Figure]
    per_day: list[Figure]


_Key = tuple[date, str, str, str, int | None, int | None]


def summarise(events: Iterable[Event], open_after: datetime | None = None) -> list[Figure]:
    """The daily figures of ``events`` (see the module doc).

    ``open_after``: for a day still going on, a walkthrough with an event after this moment is
    not counted as stopped (the person may still be at it)."""
    counts: dict[_Key, list[float]] = defaultdict(lambda: [0, 0.0])
    people: dict[_Key, set[str]] = defaultdict(set)
    conversations: dict[tuple[date, str, str], list[Event]] = defaultdict(list)

    def add(key: _Key, value: float, who: str) -> None:
        figure = counts[key]
        figure[0] += 1
        figure[1] += value
        people[key].add(who)

    for event in events:
        value_key = round(event.value) if event.kind in DISTRIBUTED and event.value is not None else None
        key = (event.day, event.channel, event.procedure or "", event.kind, None, value_key)
        add(key, event.value or 0.0, event.sender_key)
        conversations[(event.day, event.channel, event.sender_key)].append(event)

    for (day, channel, who), mine in conversations.items():
        messages = sum(1 for e in mine if e.kind == "message_in")
        procedures = {e.procedure for e in mine if e.kind in PROCEDURE_KINDS and e.procedure}
        handoff = any(e.kind == "handoff_requested" for e in mine)
        if messages:
            for procedure in ("", *sorted(procedures)):
                add((day, channel, procedure, "conversation", None, None), messages, who)
                if handoff:
                    add((day, channel, procedure, "conversation_handoff", None, None), 0.0, who)
        for procedure, step in _stops(mine, open_after):
            add((day, channel, procedure, "guide_stopped", step, None), 0.0, who)

    return [
        Figure(*key, count=int(figure[0]), value_sum=figure[1], senders=len(people[key]))
        for key, figure in counts.items()
    ]


def _stops(events: Sequence[Event], open_after: datetime | None) -> list[tuple[str, int]]:
    """(procedure, last step shown) of each walkthrough in ``events`` that was not completed."""
    stops: list[tuple[str, int]] = []
    current: str | None = None
    last_step, completed, last_at = 0, False, None
    for event in events:
        if event.kind == "guide_started":
            if current is not None and not completed:
                stops.append((current, last_step))
            current, last_step, completed = event.procedure or "", 0, False
        elif current is None:
            continue  # the walkthrough began on an earlier day
        elif event.kind == "guide_step" and event.step is not None:
            last_step = event.step
        elif event.kind == "guide_completed":
            completed = True
        last_at = event.at
    still_open = open_after is not None and last_at is not None and aware(last_at) > open_after
    if current is not None and not completed and not still_open:
        stops.append((current, last_step))
    return stops
