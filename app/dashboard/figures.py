"""The dashboard's figures, computed from the daily figures of ``app/activity.py`` (pure functions).

:func:`report` turns the figures of a date range into everything the page, the CSV and the IOC
summary show. Definitions (also in README "Dashboard"):

* **conversations** — one person's messages on one local day; **messages** — accepted citizen
  messages. With a procedure chosen: the conversations that touched it (a walkthrough, a handoff
  or a rating of that procedure) and their messages;
* **containment** — conversations with no request for a person ÷ conversations;
* **walkthroughs** started (the person confirmed the procedure) and completed (the last step passed),
  and where the others stopped: the last step shown (0: before the first step);
* **handoffs** requested, claimed, closed, cancelled and kept (outside hours / no agent), and the
  wait from request to claim (mean, median, 90th percentile, in seconds);
* **satisfaction** — ratings 1–5: distribution and mean, per channel and per procedure;
* **unanswered rate** — questions the knowledge base could not answer ÷ questions; questions name
  knowledge-base topics, not procedures, so the procedure filter does not apply to it;
* **top questions** — the topics answered most often.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from app.dashboard.daily import CONVERSATION_KINDS, Figure, Figures

Period = Literal["day", "week"]
DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366
CHANNELS = ("web", "tg", "zalo")
HANDOFF_KINDS = (
    "handoff_requested",
    "handoff_claimed",
    "handoff_closed",
    "handoff_cancelled",
    "handoff_kept",
)


@dataclass(frozen=True)
class Filters:
    """What the dashboard shows: local days ``first`` … ``last``, one channel and one procedure (or all)."""

    first: date
    last: date
    channel: str | None = None
    procedure: str | None = None
    period: Period = "day"

    @classmethod
    def parse(
        cls,
        today: date,
        first: str | None = None,
        last: str | None = None,
        channel: str | None = None,
        procedure: str | None = None,
        period: str | None = None,
    ) -> Filters:
        """From a form or query (ISO dates); the last 30 days by default. Raises ValueError."""
        end = date.fromisoformat(last) if last else today
        start = date.fromisoformat(first) if first else end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise ValueError("first after last")
        if (end - start).days >= MAX_DAYS:
            raise ValueError("range too long")
        if channel and channel not in CHANNELS:
            raise ValueError("unknown channel")
        by: Period = "week" if period == "week" else "day"
        return cls(start, end, channel or None, (procedure or "").strip()[:100] or None, by)

    def as_json(self) -> dict[str, Any]:
        return {
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "channel": self.channel,
            "procedure": self.procedure,
            "period": self.period,
        }


def period_of(day: date, period: Period) -> date:
    """The day itself, or the Monday of its week."""
    return day - timedelta(days=day.weekday()) if period == "week" else day


def periods(filters: Filters) -> list[date]:
    first = period_of(filters.first, filters.period)
    step = timedelta(days=7 if filters.period == "week" else 1)
    out, current = [], first
    while current <= filters.last:
        out.append(current)
        current += step
    return out


def percentile(values: Counter[int], fraction: float) -> float | None:
    """The ``fraction`` percentile (nearest rank) of a distribution {value: count}."""
    total = sum(values.values())
    if not total:
        return None
    rank = max(1, -(-int(fraction * total * 1000) // 1000))  # ceil without float noise
    seen = 0
    for value in sorted(values):
        seen += values[value]
        if seen >= rank:
            return float(value)
    return float(max(values))


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


class Totals:
    """Sums over figures already chosen (days, channel); ``procedure``: the procedure filter."""

    def __init__(self, procedure: str | None) -> None:
        self.procedure = procedure
        self.count: Counter[str] = Counter()
        self.value: Counter[str] = Counter()
        self.ratings: Counter[int] = Counter()
        self.waits: Counter[int] = Counter()
        self.stops: dict[str, Counter[int]] = defaultdict(Counter)
        self.by_procedure: dict[str, Counter[str]] = defaultdict(Counter)
        self.answered: Counter[str] = Counter()

    def add(self, figure: Figure) -> None:
        kind, procedure = figure.kind, self.procedure
        if kind in CONVERSATION_KINDS:
            if figure.procedure != (procedure or ""):
                return  # per-procedure rows repeat the conversations of "" (all)
        elif kind.startswith("question_"):
            if kind == "question_answered":
                self.answered[figure.procedure] += figure.count
        elif procedure is not None and figure.procedure != procedure:
            return
        self.count[kind] += figure.count
        self.value[kind] += figure.value_sum
        if kind == "rating" and figure.value_key is not None:
            self.ratings[figure.value_key] += figure.count
        elif kind == "handoff_claimed" and figure.value_key is not None:
            self.waits[figure.value_key] += figure.count
        elif kind == "guide_stopped":
            self.stops[figure.procedure][figure.step or 0] += figure.count
        if kind in ("guide_started", "guide_completed", "guide_stopped"):
            self.by_procedure[figure.procedure][kind] += figure.count

    def summary(self) -> dict[str, Any]:
        conversations = self.count["conversation"]
        questions = self.count["question_answered"] + self.count["question_unanswered"]
        rated = self.count["rating"]
        waited = self.count["handoff_claimed"]
        return {
            "conversations": conversations,
            "messages": int(self.value["conversation"]),
            "handoff_conversations": self.count["conversation_handoff"],
            "containment": _ratio(conversations - self.count["conversation_handoff"], conversations),
            "walkthroughs": {
                "started": self.count["guide_started"],
                "completed": self.count["guide_completed"],
                "completion": _ratio(self.count["guide_completed"], self.count["guide_started"]),
            },
            "handoffs": {
                **{kind.removeprefix("handoff_"): self.count[kind] for kind in HANDOFF_KINDS},
                "wait_seconds": {
                    "mean": round(self.value["handoff_claimed"] / waited, 1) if waited else None,
                    "median": percentile(self.waits, 0.5),
                    "p90": percentile(self.waits, 0.9),
                },
            },
            "satisfaction": {
                "count": rated,
                "mean": round(self.value["rating"] / rated, 2) if rated else None,
                "distribution": {str(score): self.ratings[score] for score in range(1, 6)},
            },
            "questions": {
                "answered": self.count["question_answered"],
                "unanswered": self.count["question_unanswered"],
                "unanswered_rate": _ratio(self.count["question_unanswered"], questions),
            },
        }


def _series_row(start: date, totals: Totals) -> dict[str, Any]:
    summary = totals.summary()
    return {
        "period": start.isoformat(),
        "conversations": summary["conversations"],
        "messages": summary["messages"],
        "containment": summary["containment"],
        "walkthroughs_started": summary["walkthroughs"]["started"],
        "walkthroughs_completed": summary["walkthroughs"]["completed"],
        "handoffs": summary["handoffs"]["requested"],
        "wait_mean_seconds": summary["handoffs"]["wait_seconds"]["mean"],
        "satisfaction_mean": summary["satisfaction"]["mean"],
        "ratings": summary["satisfaction"]["count"],
        "unanswered_rate": summary["questions"]["unanswered_rate"],
    }


def report(figures: Figures, filters: Filters, titles: Callable[[str], str] | None = None) -> dict[str, Any]:
    """Everything the dashboard shows for ``filters`` (JSON-ready); ``titles``: slug → name.

    One pass over the summed figures, each added to the totals, its channel's and, for a rating,
    its procedure's; one over the figures per day, each added to its period's."""
    title = titles or (lambda slug: slug)
    chosen = filters.procedure
    totals = Totals(chosen)
    by_period: dict[date, Totals] = {start: Totals(chosen) for start in periods(filters)}
    channels = [filters.channel] if filters.channel else list(CHANNELS)
    by_channel = {channel: Totals(chosen) for channel in channels}
    ratings: dict[str, Totals] = {}
    week = filters.period == "week"
    for figure in figures.per_day:
        day = figure.day
        if day is None or day < filters.first or day > filters.last:
            continue
        if filters.channel is not None and figure.channel not in (filters.channel, "*"):
            continue
        by_period[day - timedelta(days=day.weekday()) if week else day].add(figure)
    for figure in figures.summed:
        day = figure.day
        if day is not None and (day < filters.first or day > filters.last):
            continue
        if filters.channel is not None and figure.channel != filters.channel:
            continue
        totals.add(figure)
        if figure.channel in by_channel:
            by_channel[figure.channel].add(figure)
        if figure.kind == "rating" and figure.procedure and chosen in (None, figure.procedure):
            ratings.setdefault(figure.procedure, Totals(figure.procedure)).add(figure)
    walkthroughs = [
        {
            "procedure": slug,
            "title": title(slug),
            "started": counts["guide_started"],
            "completed": counts["guide_completed"],
            "stopped": counts["guide_stopped"],
            "stops": {str(step): n for step, n in sorted(totals.stops.get(slug, Counter()).items())},
        }
        for slug, counts in sorted(totals.by_procedure.items(), key=lambda item: -item[1]["guide_started"])
        if slug
    ]
    return {
        "filters": filters.as_json(),
        "totals": totals.summary(),
        "series": [_series_row(start, period) for start, period in by_period.items()],
        "walkthroughs": walkthroughs,
        "channels": {channel: part.summary() for channel, part in by_channel.items()},
        "satisfaction_by_procedure": [
            {"procedure": slug, "title": title(slug), **ratings[slug].summary()["satisfaction"]}
            for slug in sorted(ratings)
        ],
        "top_questions": [
            {"slug": slug, "title": title(slug), "count": count}
            for slug, count in totals.answered.most_common(10)
            if slug
        ],
    }


def procedures_seen(figures: Figures) -> list[str]:
    """The procedures figures name (for the filter's choices); questions' topics left out."""
    return sorted({f.procedure for f in figures.summed if f.procedure and not f.kind.startswith("question_")})
