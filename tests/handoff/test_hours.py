"""Working hours (app/handoff/hours.py): the grammar of HANDOFF_HOURS / HANDOFF_HOLIDAYS, moments
read in Vietnam's time zone, the next opening, and the Vietnamese wording."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from app.handoff.hours import VIETNAM, WorkingHours
from app.settings import Settings

DEFAULT = "Mon-Fri 07:30-11:30,13:30-17:00"


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=VIETNAM)


# 2025-12-01 is a Monday.
MONDAY = (2025, 12, 1)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (vn(*MONDAY, 7, 29, 59), False),
        (vn(*MONDAY, 7, 30), True),
        (vn(*MONDAY, 11, 29, 59), True),
        (vn(*MONDAY, 11, 30), False),  # the end is excluded
        (vn(*MONDAY, 12, 45), False),  # lunch
        (vn(*MONDAY, 13, 30), True),
        (vn(*MONDAY, 16, 59), True),
        (vn(*MONDAY, 17, 0), False),
        (vn(2025, 12, 5, 9, 0), True),  # Friday
        (vn(2025, 12, 6, 9, 0), False),  # Saturday
        (vn(2025, 12, 7, 9, 0), False),  # Sunday
    ],
)
def test_default_hours_open_and_closed(moment: datetime, expected: bool) -> None:
    assert WorkingHours.parse(DEFAULT, "").is_open(moment) is expected


def test_moments_are_read_in_vietnam_time_whatever_their_zone() -> None:
    hours = WorkingHours.parse(DEFAULT, "")
    # 01:00 UTC is 08:00 in Hà Nội (UTC+7, no daylight saving): open.
    assert hours.is_open(datetime(2025, 12, 1, 1, 0, tzinfo=UTC))
    # 23:00 UTC on Sunday is 06:00 Monday in Vietnam: not yet open; 00:30 UTC Monday is 07:30.
    assert not hours.is_open(datetime(2025, 11, 30, 23, 0, tzinfo=UTC))
    assert hours.is_open(datetime(2025, 12, 1, 0, 30, tzinfo=UTC))
    # Friday 17:30 in New York is Saturday morning in Vietnam: closed.
    new_york = timezone(timedelta(hours=-5))
    assert not hours.is_open(datetime(2025, 12, 5, 20, 30, tzinfo=new_york))


def test_a_moment_without_a_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="without a time zone"):
        WorkingHours.parse(DEFAULT, "").is_open(datetime(2025, 12, 1, 9, 0))


def test_always_is_open_at_every_moment_and_never_reopens() -> None:
    hours = WorkingHours.parse(" Always ", "2025-12-01")
    assert hours.always
    for hour in range(0, 24, 5):
        assert hours.is_open(vn(2025, 12, 6, hour))
    assert hours.is_open(vn(*MONDAY, 3))
    assert hours.next_opening(vn(*MONDAY, 3)) is None
    assert hours.describe() == "cả ngày, mọi ngày trong tuần"


def test_day_lists_ranges_and_several_groups() -> None:
    hours = WorkingHours.parse("mon,Wed 08:00-12:00; Sat - Sun 09:00-10:00 , 14:00-15:30", "")
    assert hours.is_open(vn(*MONDAY, 8))
    assert not hours.is_open(vn(2025, 12, 2, 9))  # Tuesday
    assert hours.is_open(vn(2025, 12, 3, 11, 59))  # Wednesday
    assert hours.is_open(vn(2025, 12, 6, 15, 0))  # Saturday afternoon
    assert hours.is_open(vn(2025, 12, 7, 9, 30))  # Sunday
    assert not hours.is_open(vn(2025, 12, 7, 12, 0))
    assert hours.describe() == "8:00–12:00, thứ Hai, thứ Tư; 9:00–10:00 và 14:00–15:30, thứ Bảy, Chủ nhật"


def test_a_day_range_may_wrap_past_sunday_and_close_at_midnight() -> None:
    hours = WorkingHours.parse("Sat-Mon 20:00-24:00", "")
    assert hours.is_open(vn(2025, 12, 7, 23, 59, 59))  # Sunday night
    assert hours.is_open(vn(*MONDAY, 20))
    assert not hours.is_open(vn(2025, 12, 2, 20))  # Tuesday
    assert hours.describe() == "20:00–24:00, thứ Hai, thứ Bảy, Chủ nhật"


def test_holidays_close_the_whole_day_including_iso_intervals() -> None:
    hours = WorkingHours.parse(DEFAULT, " 2025-09-01, 2026-02-16/2026-02-20 ,")
    assert not hours.is_open(vn(2025, 9, 1, 9))  # a Monday holiday
    assert hours.is_open(vn(2025, 9, 2, 9))
    for day in range(16, 21):  # Tết: Monday to Friday
        assert not hours.is_open(vn(2026, 2, day, 9))
    assert hours.is_open(vn(2026, 2, 23, 9))
    assert hours.describe() == "7:30–11:30 và 13:30–17:00, thứ Hai – thứ Sáu (trừ ngày lễ)"


def test_next_opening_is_the_moment_itself_while_open() -> None:
    hours = WorkingHours.parse(DEFAULT, "")
    assert hours.next_opening(vn(*MONDAY, 9, 15)) == vn(*MONDAY, 9, 15)


@pytest.mark.parametrize(
    ("moment", "opening"),
    [
        (vn(*MONDAY, 6, 0), vn(*MONDAY, 7, 30)),  # before opening
        (vn(*MONDAY, 12, 0), vn(*MONDAY, 13, 30)),  # lunch
        (vn(*MONDAY, 17, 0), vn(2025, 12, 2, 7, 30)),  # evening: next morning
        (vn(2025, 12, 5, 17, 30), vn(2025, 12, 8, 7, 30)),  # Friday evening: Monday
        (vn(2025, 12, 6, 10, 0), vn(2025, 12, 8, 7, 30)),  # Saturday
    ],
)
def test_next_opening_when_closed(moment: datetime, opening: datetime) -> None:
    found = WorkingHours.parse(DEFAULT, "").next_opening(moment)
    assert found == opening
    assert found is not None and found.utcoffset() == timedelta(hours=7)


def test_next_opening_skips_holidays_even_a_long_run_of_them() -> None:
    # Friday evening before a Tết week: back on the Monday after it.
    hours = WorkingHours.parse(DEFAULT, "2026-02-16/2026-02-20")
    assert hours.next_opening(vn(2026, 2, 13, 18)) == vn(2026, 2, 23, 7, 30)
    # More than a week of listed holidays in a row still finds the day after them.
    hours = WorkingHours.parse(DEFAULT, "2026-03-02/2026-03-20")
    assert hours.next_opening(vn(2026, 3, 1, 12)) == vn(2026, 3, 23, 7, 30)


def test_next_opening_from_utc_moment() -> None:
    # Monday 11:00 UTC is 18:00 in Vietnam: back at 7:30 Tuesday (00:30 UTC).
    opening = WorkingHours.parse(DEFAULT, "").next_opening(datetime(2025, 12, 1, 11, 0, tzinfo=UTC))
    assert opening == datetime(2025, 12, 2, 0, 30, tzinfo=UTC)


def test_back_at_words_the_next_opening_in_vietnamese() -> None:
    hours = WorkingHours.parse(DEFAULT, "2025-12-08")
    assert hours.back_at(vn(2025, 12, 5, 18)) == "7:30 thứ Ba, 09/12"  # Monday is a holiday
    assert hours.back_at(vn(*MONDAY, 12)) == "13:30 thứ Hai, 01/12"
    assert WorkingHours.parse("Sun 09:05-10:00", "").back_at(vn(*MONDAY, 9)) == "9:05 Chủ nhật, 07/12"


@pytest.mark.parametrize(
    ("hours", "describe"),
    [
        (DEFAULT, "7:30–11:30 và 13:30–17:00, thứ Hai – thứ Sáu"),
        ("Mon-Sat 08:00-17:00", "8:00–17:00, thứ Hai – thứ Bảy"),
        ("Mon-Sun 08:00-17:00", "8:00–17:00, mọi ngày trong tuần"),
        ("Mon-Fri 00:00-24:00", "cả ngày, thứ Hai – thứ Sáu"),
        ("Mon-Fri 07:30-17:00; Sat 07:30-11:30", "7:30–17:00, thứ Hai – thứ Sáu; 7:30–11:30, thứ Bảy"),
        ("Mon 08:00-09:00; Tue 08:00-09:00", "8:00–9:00, thứ Hai, thứ Ba"),  # same hours: one group
        (
            "Mon-Fri 07:00-08:00,09:00-10:00,11:00-12:00",
            "7:00–8:00, 9:00–10:00 và 11:00–12:00, thứ Hai – thứ Sáu",
        ),
    ],
)
def test_describe(hours: str, describe: str) -> None:
    assert WorkingHours.parse(hours, "").describe() == describe


@pytest.mark.parametrize(
    ("hours", "holidays", "message"),
    [
        ("", "", "HANDOFF_HOURS is empty"),
        ("   ", "", "HANDOFF_HOURS is empty"),
        ("Mon-Fri", "", "days and times must be separated by a space"),
        ("07:30-11:30", "", "days and times must be separated by a space"),
        ("Mox 08:00-09:00", "", "unknown day 'mox'"),
        ("Monday 08:00-09:00", "", "unknown day 'monday'"),
        ("Mon-Fri 8h-11h", "", "'8h-11h' is not a time range HH:MM-HH:MM"),
        ("Mon 09:00-08:00", "", "ends before it starts"),
        ("Mon 22:00-06:00", "", "split hours past midnight"),
        ("Mon 25:00-26:00", "", "is not a time of day"),
        ("Mon 08:60-09:00", "", "is not a time of day"),
        ("Mon 08:00-24:30", "", "is not a time of day"),
        ("Mon 08:00-10:00,09:00-11:00", "", "8:00–10:00 and 9:00–11:00 overlap"),
        ("Mon-Fri 08:00-09:00; Fri 10:00-11:00", "", "Fri appears in more than one group"),
        ("Mon,Mon 08:00-09:00", "", "Mon is listed twice"),
        ("Mon 08:00-09:00;", "", "an empty group"),
        (DEFAULT, "2025-13-01", "HANDOFF_HOLIDAYS: '2025-13-01' is not an ISO date"),
        (DEFAULT, "01/09/2025", "HANDOFF_HOLIDAYS: '01' is not an ISO date"),
        (DEFAULT, "2026-02-20/2026-02-16", "is not an interval"),
        (DEFAULT, "2026-01-01/2027-06-01", "is not an interval"),
        ("always", "tomorrow", "HANDOFF_HOLIDAYS: 'tomorrow'"),
    ],
)
def test_clear_errors_for_the_operator(hours: str, holidays: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        WorkingHours.parse(hours, holidays)


def test_settings_refuse_hours_the_parser_refuses() -> None:
    with pytest.raises(ValidationError, match="HANDOFF_HOURS group 'Mox 08:00-09:00'"):
        Settings(_env_file=None, handoff_hours="Mox 08:00-09:00")
    with pytest.raises(ValidationError, match="HANDOFF_HOLIDAYS: 'soon'"):
        Settings(_env_file=None, handoff_holidays="soon")
    settings = Settings(_env_file=None, handoff_hours="Sat 08:00-12:00", handoff_holidays="2025-12-06")
    assert settings.working_hours().describe() == "8:00–12:00, thứ Bảy (trừ ngày lễ)"
    assert not settings.working_hours().is_open(vn(2025, 12, 6, 9))
