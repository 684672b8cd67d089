"""The centre's working hours for handoff: parsed from HANDOFF_HOURS / HANDOFF_HOLIDAYS, read in
Vietnam's time zone, and worded in Vietnamese for people (the one source of the hours text).

Pure functions on an injected moment: nothing here reads the clock.

Grammar of ``HANDOFF_HOURS`` (case-insensitive, spaces around separators allowed):

- ``always``: open at every moment, holidays included (``next_opening`` is then None);
- otherwise one or more groups separated by ``;``, each ``<days> <times>``:
  days a comma-separated list of days (``Mon`` … ``Sun``) and ranges (``Mon-Fri``; a range may
  wrap past Sunday, ``Sat-Mon``), times a comma-separated list of ``HH:MM-HH:MM`` ranges
  (``24:00`` closes at midnight). Example: ``Mon-Fri 07:30-11:30,13:30-17:00; Sat 07:30-11:30``.
  A day belongs to at most one group; the ranges of a group must not overlap.

``HANDOFF_HOLIDAYS``: ISO dates separated by commas; ``2026-02-14/2026-02-22`` (an ISO interval,
both ends included) stands for every day between. On a holiday the centre is closed all day.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
ALWAYS_TEXT = "cả ngày, mọi ngày trong tuần"
HOLIDAYS_TEXT = "trừ ngày lễ"

GROUP = re.compile(r"^(?P<days>[^\d]*[a-z])\s+(?P<times>\d.*)$", re.IGNORECASE)
TIME_RANGE = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
HOURS_EXAMPLE = "e.g. 'Mon-Fri 07:30-11:30,13:30-17:00' or 'always'"
MAX_HOLIDAY_SPAN = 366  # an interval longer than a year is a typing mistake, not a holiday


@dataclass(frozen=True)
class Period:
    """Opening minutes of a day: ``start`` included, ``end`` excluded (1440 = midnight)."""

    start: int
    end: int

    def text(self) -> str:
        return f"{clock_text(self.start)}–{clock_text(self.end)}"


@dataclass(frozen=True)
class WorkingHours:
    """When staff take over conversations. ``week[d]``: the periods of weekday d (0 = Monday);
    ``week`` None means "always"."""

    week: tuple[tuple[Period, ...], ...] | None
    holidays: frozenset[date] = frozenset()

    @classmethod
    def parse(cls, hours: str, holidays: str = "") -> WorkingHours:
        """Read the two settings; raise ValueError with a message for the operator."""
        closed = parse_holidays(holidays)
        text = hours.strip()
        if not text:
            raise ValueError(f"HANDOFF_HOURS is empty ({HOURS_EXAMPLE})")
        if text.lower() == "always":
            return cls(None, closed)
        week: list[tuple[Period, ...]] = [() for _ in DAYS]
        for group in text.split(";"):
            group = group.strip()
            if not group:
                raise ValueError(f"HANDOFF_HOURS {hours!r}: an empty group between ';' ({HOURS_EXAMPLE})")
            match = GROUP.match(group)
            if match is None:
                raise ValueError(
                    f"HANDOFF_HOURS group {group!r}: days and times must be separated by a space "
                    f"({HOURS_EXAMPLE})"
                )
            periods = parse_periods(match["times"], group)
            for day in parse_days(match["days"], group):
                if week[day]:
                    raise ValueError(f"HANDOFF_HOURS: {DAYS[day].title()} appears in more than one group")
                week[day] = periods
        return cls(tuple(week), closed)

    @property
    def always(self) -> bool:
        return self.week is None

    def is_open(self, at: datetime) -> bool:
        """Whether staff are at work at the moment ``at`` (aware), read in Vietnam's time zone."""
        if self.week is None:
            return True
        local = vietnam(at)
        if local.date() in self.holidays:
            return False
        minute = local.hour * 60 + local.minute + (local.second + local.microsecond / 1e6) / 60
        return any(period.start <= minute < period.end for period in self.week[local.weekday()])

    def next_opening(self, at: datetime) -> datetime | None:
        """The moment staff are at work again, in Vietnam's time zone: ``at`` itself while open;
        None for "always"."""
        if self.week is None:
            return None
        local = vietnam(at)
        if self.is_open(local):
            return local
        last = max(self.holidays, default=local.date())
        days = max((last - local.date()).days, 0) + 8  # past the last holiday, a whole week follows
        for offset in range(days):
            day = local.date() + timedelta(days=offset)
            if day in self.holidays:
                continue
            for period in self.week[day.weekday()]:
                opening = datetime.combine(day, time(), VIETNAM) + timedelta(minutes=period.start)
                if opening > local:
                    return opening
        raise AssertionError("a week with opening hours always opens again")  # pragma: no cover

    def describe(self) -> str:
        """The hours as people read them, e.g. "7:30–11:30 và 13:30–17:00, thứ Hai – thứ Sáu
        (trừ ngày lễ)"; groups are separated by "; "."""
        if self.week is None:
            return ALWAYS_TEXT
        groups: list[tuple[tuple[Period, ...], list[int]]] = []
        for day, periods in enumerate(self.week):
            if not periods:
                continue
            for group_periods, group_days in groups:
                if group_periods == periods:
                    group_days.append(day)
                    break
            else:
                groups.append((periods, [day]))
        text = "; ".join(f"{periods_text(periods)}, {days_text(days)}" for periods, days in groups)
        return f"{text} ({HOLIDAYS_TEXT})" if self.holidays else text

    def back_at(self, at: datetime) -> str:
        """When staff are back, e.g. "7:30 thứ Hai, 07/12" (``at`` itself while open)."""
        opening = self.next_opening(at) or vietnam(at)
        return (
            f"{clock_text(opening.hour * 60 + opening.minute)} {DAY_NAMES[opening.weekday()]}, "
            f"{opening:%d/%m}"
        )


def vietnam(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"a moment without a time zone cannot be placed in Vietnam's time: {at}")
    return at.astimezone(VIETNAM)


def parse_days(text: str, group: str) -> list[int]:
    days: list[int] = []
    for item in text.split(","):
        first, dash, last = (part.strip().lower() for part in item.partition("-"))
        for name in (first, last) if dash else (first,):
            if name not in DAYS:
                raise ValueError(
                    f"HANDOFF_HOURS group {group!r}: unknown day {name!r} "
                    "(use Mon, Tue, Wed, Thu, Fri, Sat, Sun)"
                )
        start = DAYS.index(first)
        count = (DAYS.index(last) - start) % 7 + 1 if dash else 1
        for offset in range(count):
            day = (start + offset) % 7
            if day in days:
                raise ValueError(f"HANDOFF_HOURS group {group!r}: {DAYS[day].title()} is listed twice")
            days.append(day)
    return days


def parse_periods(text: str, group: str) -> tuple[Period, ...]:
    periods: list[Period] = []
    for item in text.split(","):
        match = TIME_RANGE.match(item.strip())
        if match is None:
            raise ValueError(
                f"HANDOFF_HOURS group {group!r}: {item.strip()!r} is not a time range HH:MM-HH:MM "
                f"({HOURS_EXAMPLE})"
            )
        start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
        if start_h > 23 or start_m > 59 or end_m > 59 or end_h > 24 or (end_h == 24 and end_m):
            raise ValueError(f"HANDOFF_HOURS group {group!r}: {item.strip()!r} is not a time of day")
        period = Period(start_h * 60 + start_m, end_h * 60 + end_m)
        if period.end <= period.start:
            raise ValueError(
                f"HANDOFF_HOURS group {group!r}: {item.strip()!r} ends before it starts "
                "(split hours past midnight over two days, ending the first at 24:00)"
            )
        periods.append(period)
    periods.sort(key=lambda period: period.start)
    for before, after in itertools.pairwise(periods):
        if after.start < before.end:
            raise ValueError(f"HANDOFF_HOURS group {group!r}: {before.text()} and {after.text()} overlap")
    return tuple(periods)


def parse_holidays(text: str) -> frozenset[date]:
    closed: set[date] = set()
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        first, slash, last = (part.strip() for part in item.partition("/"))
        start = iso_date(first)
        end = iso_date(last) if slash else start
        span = (end - start).days
        if span < 0 or span > MAX_HOLIDAY_SPAN:
            raise ValueError(
                f"HANDOFF_HOLIDAYS: {item!r} is not an interval of at most {MAX_HOLIDAY_SPAN} days "
                "(first/last, both included)"
            )
        closed.update(start + timedelta(days=offset) for offset in range(span + 1))
    return frozenset(closed)


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"HANDOFF_HOLIDAYS: {text!r} is not an ISO date YYYY-MM-DD (dates separated by commas)"
        ) from None


def clock_text(minute: int) -> str:
    """Minutes of the day as people write a time: 7:30, 13:00, 24:00."""
    return f"{minute // 60}:{minute % 60:02d}"


def periods_text(periods: tuple[Period, ...]) -> str:
    if periods == (Period(0, 24 * 60),):
        return "cả ngày"
    texts = [period.text() for period in periods]
    return texts[0] if len(texts) == 1 else f"{', '.join(texts[:-1])} và {texts[-1]}"


def days_text(days: list[int]) -> str:
    """Weekdays as people list them: runs of three or more as "thứ Hai – thứ Sáu"."""
    if len(days) == 7:
        return "mọi ngày trong tuần"
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{DAY_NAMES[run[0]]} – {DAY_NAMES[run[-1]]}")
        else:
            parts.extend(DAY_NAMES[day] for day in run)
    return ", ".join(parts)
