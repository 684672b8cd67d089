"""The dashboard's figures against the seeded conversations of conftest.py (known counts), with
filters, weeks, and the daily aggregates surviving the purge and forget."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.activity import ActivityLog, ActivityRow, DailyRow, DayRolledUp
from app.dashboard.figures import Filters, report
from tests.dashboard.conftest import MARRIAGE, NOW, RESIDENCE, SEED, local

FIRST, TODAY = date(2026, 12, 1), date(2026, 12, 3)


def figures_of(log: ActivityLog, **filters) -> dict:
    chosen = Filters(FIRST, TODAY, **filters)
    return report(log.figures(chosen.first, chosen.last, chosen.channel, chosen.procedure), chosen)


def test_totals_of_the_seeded_conversations(seeded):
    totals = figures_of(seeded)["totals"]
    assert totals["conversations"] == 7  # a, b, c (1/12); d, c, f (2/12); e (3/12)
    assert totals["messages"] == 15
    assert totals["handoff_conversations"] == 4
    assert totals["containment"] == round(3 / 7, 4)
    assert totals["walkthroughs"] == {"started": 4, "completed": 1, "completion": 0.25}
    assert totals["handoffs"] == {
        "requested": 4,
        "claimed": 2,
        "closed": 2,
        "cancelled": 1,
        "kept": 1,
        "wait_seconds": {"mean": 210.0, "median": 120.0, "p90": 300.0},
    }
    assert totals["satisfaction"] == {
        "count": 3,
        "mean": 4.0,
        "distribution": {"1": 0, "2": 0, "3": 1, "4": 1, "5": 1},
    }
    assert totals["questions"] == {"answered": 3, "unanswered": 2, "unanswered_rate": 0.4}


def test_walkthroughs_per_procedure_and_where_people_stop(seeded):
    walks = {w["procedure"]: w for w in figures_of(seeded)["walkthroughs"]}
    assert walks[MARRIAGE] | {"title": ""} == {
        "procedure": MARRIAGE,
        "title": "",
        "started": 2,
        "completed": 1,
        "stopped": 1,
        "stops": {"2": 1},  # web:b saw step 2 last
    }
    # tg:c stopped before the first step; web:e is at step 1 today, still going on: not stopped.
    assert (walks[RESIDENCE]["started"], walks[RESIDENCE]["stops"]) == (2, {"0": 1})


def test_series_per_day_and_per_week(seeded):
    data = figures_of(seeded)
    days = {row["period"]: row for row in data["series"]}
    assert list(days) == ["2026-12-01", "2026-12-02", "2026-12-03"]
    assert [days[d]["conversations"] for d in days] == [3, 3, 1]
    assert [days[d]["messages"] for d in days] == [9, 4, 2]
    assert [days[d]["handoffs"] for d in days] == [1, 2, 1]
    assert days["2026-12-01"]["containment"] == round(2 / 3, 4)
    assert days["2026-12-03"]["unanswered_rate"] == 1.0
    [week] = figures_of(seeded, period="week")["series"]
    assert week["period"] == "2026-11-30"  # the Monday
    assert (week["conversations"], week["messages"], week["handoffs"]) == (7, 15, 4)


def test_channel_filter(seeded):
    data = figures_of(seeded, channel="tg")
    totals = data["totals"]
    assert (totals["conversations"], totals["messages"], totals["containment"]) == (2, 5, 0.0)
    assert totals["handoffs"]["wait_seconds"] == {"mean": 210.0, "median": 120.0, "p90": 300.0}
    assert totals["satisfaction"]["mean"] == 3.5
    assert totals["questions"]["unanswered_rate"] is None
    assert list(data["channels"]) == ["tg"]
    everyone = figures_of(seeded)["channels"]
    assert {c: everyone[c]["conversations"] for c in everyone} == {"web": 4, "tg": 2, "zalo": 1}
    assert everyone["web"]["satisfaction"]["mean"] == 5.0


def test_procedure_filter(seeded):
    totals = figures_of(seeded, procedure=MARRIAGE)["totals"]
    # The conversations that touched marriage: a, b (walkthroughs) and c on 1/12 (handoff, rating).
    assert (totals["conversations"], totals["messages"]) == (3, 9)
    assert totals["containment"] == round(2 / 3, 4)
    assert totals["walkthroughs"]["started"] == 2 and totals["handoffs"]["requested"] == 1
    assert totals["satisfaction"]["distribution"] == {"1": 0, "2": 0, "3": 1, "4": 0, "5": 1}
    assert totals["questions"]["answered"] == 3  # questions are not filtered by procedure


def test_satisfaction_per_procedure_and_top_questions(seeded):
    data = figures_of(seeded)
    by_procedure = {p["procedure"]: p for p in data["satisfaction_by_procedure"]}
    assert (by_procedure[MARRIAGE]["count"], by_procedure[MARRIAGE]["mean"]) == (2, 4.0)
    assert (by_procedure[RESIDENCE]["count"], by_procedure[RESIDENCE]["mean"]) == (1, 4.0)
    assert [(q["slug"], q["count"]) for q in data["top_questions"]] == [(MARRIAGE, 2), (RESIDENCE, 1)]


def test_date_range_leaves_other_days_out(seeded):
    chosen = Filters(date(2026, 12, 2), date(2026, 12, 2))
    totals = report(seeded.figures(chosen.first, chosen.last), chosen)["totals"]
    assert (totals["conversations"], totals["messages"], totals["walkthroughs"]["started"]) == (3, 4, 1)


def test_closed_days_are_rolled_up_once_and_today_is_summarised_live(seeded, database):
    figures_of(seeded)
    with database.session() as session:
        assert set(session.scalars(select(DayRolledUp.day))) == {date(2026, 12, 1), date(2026, 12, 2)}
        assert session.scalar(select(func.count()).select_from(DailyRow).where(DailyRow.day == TODAY)) == 0
        rows = session.scalar(select(func.count()).select_from(DailyRow))
    assert seeded.roll_up() == []  # nothing new closed
    figures_of(seeded)
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(DailyRow)) == rows


def test_the_aggregates_survive_the_purge(seeded, database, clock):
    before = figures_of(seeded)
    today_events = [event for event in SEED if event[0] == 3]
    assert seeded.purge(local(3, 0)) == len(SEED) - len(today_events)  # everything before today
    with database.session() as session:
        assert session.scalar(select(func.min(ActivityRow.day))) == TODAY
    after = figures_of(seeded)
    assert after == before
    # Two months on, every row is gone; the history is all there.
    clock.now = NOW + timedelta(days=60)
    seeded.purge(clock.now - timedelta(days=30))
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(ActivityRow)) == 0
    later = figures_of(seeded)
    assert later["totals"]["conversations"] == 7 and later["totals"]["walkthroughs"]["started"] == 4
    # web:e's walkthrough of 3/12, still open then, counts as stopped at step 1 once the day closed.
    walks = {w["procedure"]: w for w in later["walkthroughs"]}
    assert walks[RESIDENCE]["stops"] == {"0": 1, "1": 1}


def test_forget_deletes_the_rows_and_keeps_closed_days_anonymous_figures(seeded, database):
    figures_of(seeded)  # 1/12 and 2/12 rolled up
    from app.privacy import sender_key

    assert seeded.forget(sender_key(database.secret, "tg:c")) == 14
    assert seeded.forget(sender_key(database.secret, "web:e")) == 7
    with database.session() as session:
        left = set(session.scalars(select(ActivityRow.sender_key).distinct()))
    assert sender_key(database.secret, "tg:c") not in left
    totals = figures_of(seeded)["totals"]
    assert totals["conversations"] == 6  # web:e (today, not rolled up) is gone; closed days stay


def test_a_late_event_rolls_its_day_up_again(seeded):
    figures_of(seeded)
    seeded.record("message_in", sender="web:late", channel="web", at=local(1, 23, 0))
    assert figures_of(seeded)["totals"]["conversations"] == 8


def test_events_name_no_one_and_unknown_kinds_are_refused(log, database):
    log.record("message_in", sender="tg:123456", channel="tg")
    with database.session() as session:
        row = session.scalars(select(ActivityRow)).one()
    assert "123456" not in row.sender_key and len(row.sender_key) == 32
    assert row.day == TODAY
    with pytest.raises(ValueError, match="unknown activity kind"):
        log.record("typed_text", sender="tg:1", channel="tg")


@pytest.mark.parametrize(
    ("query", "ok"),
    [
        ({}, True),
        ({"first": "2026-12-04", "last": "2026-12-01"}, False),
        ({"first": "01/12/2026"}, False),
        ({"channel": "sms"}, False),
        ({"first": "2020-01-01", "last": "2026-12-01"}, False),
    ],
)
def test_filters_are_checked(query, ok):
    if ok:
        parsed = Filters.parse(TODAY, **query)
        assert (parsed.first, parsed.last) == (TODAY - timedelta(days=29), TODAY)
    else:
        with pytest.raises(ValueError):
            Filters.parse(TODAY, **query)
