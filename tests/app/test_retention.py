"""Purge and forget across every store, and the daily purge inside the app (injected clock)."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from actions.services import Rating
from app.contacts import Contacts
from app.database import Database
from app.outbox import Outbox
from app.privacy import sender_key
from app.ratings import RatingStore
from app.retention import Retention
from app.sessions import WebSessions
from app.tracker_store import EVENTS, TrackerEvents
from app.zalo_client import ZaloStore

KEY = "k" * 40


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def build(tmp_path, clock: Clock) -> tuple[Retention, dict]:
    database = Database(f"sqlite:///{tmp_path / 'app.db'}", KEY)
    tracker = TrackerEvents(f"sqlite:///{tmp_path / 'tracker.db'}")
    EVENTS.metadata.create_all(tracker.engine)  # the columns Rasa's SQL tracker store has
    stores = {
        "ratings": RatingStore(database, clock),
        "outbox": Outbox(database, clock),
        "contacts": Contacts(database, clock),
        "sessions": WebSessions(database, timedelta(hours=24), clock),
        "zalo": ZaloStore(database, clock),
        "tracker": tracker,
    }
    retention = Retention(
        days=90,
        secret=KEY,
        stores=[stores[name] for name in ("ratings", "outbox", "contacts", "sessions", "zalo")],
        tracker=tracker,
        log_dir=tmp_path / "log",
        clock=clock,
    )
    return retention, stores


def activity(stores: dict, clock: Clock, sender: str) -> None:
    """One person's traces in every store at the clock's time."""
    channel, recipient = sender.split(":", 1)
    stores["contacts"].visit(sender, channel)
    rating = stores["ratings"].add(Rating(sender, channel, "dang-ky-khai-sinh", 4, False))
    stores["ratings"].comment(rating, "góp ý")
    stores["outbox"].record(channel, recipient, ["tin chưa gửi được"], "unavailable: test")
    with stores["tracker"].engine.begin() as connection:
        connection.execute(
            insert(EVENTS), [{"sender_id": sender, "type_name": "user", "timestamp": clock().timestamp()}]
        )


def test_purge_removes_what_is_older_than_the_window_and_keeps_anonymous_figures(tmp_path):
    clock = Clock()
    retention, stores = build(tmp_path, clock)
    activity(stores, clock, "tg:1001")
    assert stores["zalo"].first_time("msg:1")
    clock.now += timedelta(days=60)
    activity(stores, clock, "zalo:2002")
    clock.now += timedelta(days=31)  # the first person's traces are 91 days old, the second's 31
    (tmp_path / "log").mkdir()
    old_log, new_log = tmp_path / "log" / "app.log.2026-09-01", tmp_path / "log" / "app.log.2026-12-01"
    for path, days in ((old_log, 91), (new_log, 2)):
        path.write_text("…\n", encoding="utf-8")
        stamp = clock.now.timestamp() - days * 86400
        os.utime(path, (stamp, stamp))
    counts = retention.purge()
    assert counts == {
        "conversations": 1,
        "ratings": 1,
        "outbox": 1,
        "contacts": 1,
        "web_sessions": 0,
        "zalo_events": 1,
        "log_files": 1,
    }
    assert not old_log.exists() and new_log.exists()
    first, second = stores["ratings"].all()
    assert (first.score, first.sender_key, first.comment) == (4, None, None), "a figure without a person"
    assert second.sender_key == sender_key(KEY, "zalo:2002") and second.comment == "góp ý"
    assert [row.recipient for row in stores["outbox"].items()] == ["2002"]
    assert stores["tracker"].count("tg:1001") == 0 and stores["tracker"].count("zalo:2002") == 1
    assert retention.purge()["ratings"] == 0, "purging twice changes nothing"


def test_forget_erases_one_person_everywhere(tmp_path):
    clock = Clock()
    retention, stores = build(tmp_path, clock)
    sender = stores["sessions"].issue()
    activity(stores, clock, sender)
    activity(stores, clock, "tg:42")
    counts = retention.forget(sender)
    assert counts == {
        "conversations": 1,
        "ratings": 1,
        "outbox": 1,
        "contacts": 1,
        "web_sessions": 1,
        "zalo_events": 0,
    }
    assert not stores["sessions"].use(sender)
    assert stores["tracker"].count("tg:42") == 1 and len(stores["outbox"].items()) == 1
    [kept, anonymous] = sorted(stores["ratings"].all(), key=lambda row: row.sender_key is None)
    assert kept.sender_key == sender_key(KEY, "tg:42") and anonymous.sender_key is None


async def test_the_app_purges_daily_by_itself(tmp_path):
    clock = Clock()
    retention, stores = build(tmp_path, clock)
    activity(stores, clock, "tg:7")
    clock.now += timedelta(days=100)

    purged = asyncio.Event()

    async def io(function):
        counts = await asyncio.to_thread(function)
        purged.set()
        return counts

    task = asyncio.create_task(retention.run_daily(io, first_after=0))
    await asyncio.wait_for(purged.wait(), 10)
    task.cancel()
    assert stores["tracker"].count("tg:7") == 0
