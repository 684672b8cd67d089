"""Fixtures of the dashboard's tests: a seeded set of conversations with known figures, recorded
through ``ActivityLog.record`` with the moments they happened, and the app (Rasa down: the
dashboard needs none of it) on real SQLite with a clock the tests move: the staff console's
fixtures (``database``, ``make_client``) with this package's ``clock`` (NOW).

The seed (local days 1, 2 and 3 December 2026; "today" is the 3rd, 10:00 in Vietnam):

====  ========  ===================================================================================
day   person    what happened
====  ========  ===================================================================================
1/12  web:a     4 messages; walkthrough of marriage (steps 1–3) completed; rated 5; a question
                answered (marriage)
1/12  web:b     2 messages; walkthrough of marriage stopped at step 2; a question not answered
1/12  tg:c      3 messages; asked for a person (marriage), claimed after 120 s, closed; rated 3
2/12  zalo:d    1 message; two questions answered (temporary residence, marriage)
2/12  tg:c      2 messages; walkthrough of temporary residence stopped before step 1; asked for a
                person, claimed after 300 s, closed; rated 4 (temporary residence)
2/12  web:f     1 message; asked for a person, then cancelled
3/12  web:e     2 messages; walkthrough of temporary residence at step 1 (still going on); asked for
                a person, kept (no agent); a question not answered
====  ========  ===================================================================================
"""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from app.activity import LOCAL, ActivityLog
from app.database import Database
from tests.actions.conftest import knowledge, services  # noqa: F401 (fixtures of test_recording.py)
from tests.staff.conftest import Clock, database, make_client  # noqa: F401 (fixtures, on the clock below)

MARRIAGE = "dang-ky-ket-hon"
RESIDENCE = "dang-ky-tam-tru"
NOW = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(datetime(2026, 12, day).date(), time(hour, minute), LOCAL)


# (day, hour, minute, kind, sender, procedure, step, value)
SEED: list[tuple] = [
    *[(1, 9, m, "message_in", "web:a", None, None, None) for m in range(4)],
    (1, 9, 1, "guide_started", "web:a", MARRIAGE, None, None),
    (1, 9, 2, "guide_step", "web:a", MARRIAGE, 1, None),
    (1, 9, 3, "guide_step", "web:a", MARRIAGE, 2, None),
    (1, 9, 4, "guide_step", "web:a", MARRIAGE, 3, None),
    (1, 9, 5, "guide_completed", "web:a", MARRIAGE, None, None),
    (1, 9, 6, "rating", "web:a", MARRIAGE, None, 5),
    (1, 9, 7, "question_answered", "web:a", MARRIAGE, None, None),
    *[(1, 10, m, "message_in", "web:b", None, None, None) for m in range(2)],
    (1, 10, 1, "guide_started", "web:b", MARRIAGE, None, None),
    (1, 10, 2, "guide_step", "web:b", MARRIAGE, 1, None),
    (1, 10, 3, "guide_step", "web:b", MARRIAGE, 2, None),
    (1, 10, 4, "question_unanswered", "web:b", None, None, None),
    *[(1, 14, m, "message_in", "tg:c", None, None, None) for m in range(3)],
    (1, 14, 1, "handoff_requested", "tg:c", MARRIAGE, None, None),
    (1, 14, 3, "handoff_claimed", "tg:c", MARRIAGE, None, 120),
    (1, 14, 9, "handoff_closed", "tg:c", MARRIAGE, None, None),
    (1, 14, 10, "rating", "tg:c", MARRIAGE, None, 3),
    (2, 8, 0, "message_in", "zalo:d", None, None, None),
    (2, 8, 1, "question_answered", "zalo:d", RESIDENCE, None, None),
    (2, 8, 2, "question_answered", "zalo:d", MARRIAGE, None, None),
    *[(2, 9, m, "message_in", "tg:c", None, None, None) for m in range(2)],
    (2, 9, 1, "guide_started", "tg:c", RESIDENCE, None, None),
    (2, 9, 2, "handoff_requested", "tg:c", RESIDENCE, None, None),
    (2, 9, 7, "handoff_claimed", "tg:c", RESIDENCE, None, 300),
    (2, 9, 20, "handoff_closed", "tg:c", RESIDENCE, None, None),
    (2, 9, 21, "rating", "tg:c", RESIDENCE, None, 4),
    (2, 11, 0, "message_in", "web:f", None, None, None),
    (2, 11, 1, "handoff_requested", "web:f", None, None, None),
    (2, 11, 2, "handoff_cancelled", "web:f", None, None, None),
    *[(3, 8, m, "message_in", "web:e", None, None, None) for m in range(2)],
    (3, 8, 1, "guide_started", "web:e", RESIDENCE, None, None),
    (3, 8, 2, "guide_step", "web:e", RESIDENCE, 1, None),
    (3, 8, 30, "handoff_requested", "web:e", RESIDENCE, None, None),
    (3, 8, 30, "handoff_kept", "web:e", RESIDENCE, None, None),
    (3, 8, 40, "question_unanswered", "web:e", None, None, None),
]


def seed(log: ActivityLog) -> None:
    for day, hour, minute, kind, sender, procedure, step, value in SEED:
        log.record(
            kind,
            sender=sender,
            channel=sender.split(":")[0],
            procedure=procedure,
            step=step,
            value=value,
            at=local(day, hour, minute),
        )


@pytest.fixture
def clock() -> Clock:
    moment = Clock()
    moment.now = NOW
    return moment


@pytest.fixture
def log(database: Database, clock: Clock) -> ActivityLog:  # noqa: F811 (the fixture)
    return ActivityLog(database, clock)


@pytest.fixture
def seeded(log: ActivityLog) -> ActivityLog:
    seed(log)
    return log
