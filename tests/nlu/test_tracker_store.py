"""The cached SQL tracker store against Rasa's own, on a real SQLite file (runs in .venv-rasa).

The table stays the truth: what Rasa's SQLTrackerStore reads back is what the cached store wrote;
a delete made by the app (app/tracker_store.py: retention, "erase my conversation") is seen on
the next message; a restarted Rasa continues from the table.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

rasa = pytest.importorskip("rasa", reason="runs in the Rasa environment (make test does that)")

from rasa.core.tracker_store import SQLTrackerStore  # noqa: E402
from rasa.shared.core.domain import Domain  # noqa: E402
from rasa.shared.core.events import (  # noqa: E402
    ActionExecuted,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker  # noqa: E402

from nlu.tracker_store import CachedSQLTrackerStore  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.load(str(ROOT / "bot/domain"))
SENDER = "web:load-test"


def run(coroutine):
    return asyncio.run(coroutine)


def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tracker.db'}"


def turn(tracker: DialogueStateTracker, text: str, procedure: str) -> None:
    """What one message adds to a conversation: the text, an action, a slot, a reply."""
    tracker.update(UserUttered(text, {"name": "ask_fee", "confidence": 0.9}))
    tracker.update(ActionExecuted("action_procedure_fact"))
    tracker.update(SlotSet("procedure", procedure))
    tracker.update(
        BotUttered(f"Lệ phí thủ tục {procedure}", {"buttons": [{"title": "Tiếp", "payload": "/x"}]})
    )
    tracker.update(ActionExecuted("action_listen"))


async def converse(store: SQLTrackerStore, sender: str, turns: int, start: int = 0) -> DialogueStateTracker:
    """``turns`` messages, each retrieved and saved as Rasa's processor does."""
    tracker = await store.retrieve(sender)
    if tracker is None:
        tracker = DialogueStateTracker(sender, DOMAIN.slots)
        tracker.update(ActionExecuted("action_session_start"))
        tracker.update(SessionStarted())
        tracker.update(ActionExecuted("action_listen"))
        await store.save(tracker)
    for number in range(start, start + turns):
        tracker = await store.retrieve(sender)
        turn(tracker, f"lệ phí bao nhiêu {number}", f"thu-tuc-{number}")
        await store.save(tracker)
    return tracker


def as_dicts(tracker: DialogueStateTracker | None) -> list[dict]:
    return [event.as_dict() for event in tracker.events] if tracker else []


def rasa_reads(tmp_path: Path, sender: str = SENDER) -> DialogueStateTracker | None:
    """What Rasa's own store reads from the table (a fresh process, no cache)."""
    return run(SQLTrackerStore(DOMAIN, host=url(tmp_path)).retrieve(sender))


def test_what_it_writes_is_what_rasa_reads_back(tmp_path):
    store = CachedSQLTrackerStore(DOMAIN, host=url(tmp_path))
    tracker = run(converse(store, SENDER, 6))
    assert len(tracker.events) == 2 + 6 * 5  # Rasa reads a session from its SessionStarted on
    assert as_dicts(rasa_reads(tmp_path)) == as_dicts(tracker)
    assert rasa_reads(tmp_path).get_slot("procedure") == "thu-tuc-5"
    assert as_dicts(run(store.retrieve(SENDER))) == as_dicts(tracker)


def test_an_unchanged_conversation_is_not_read_again(tmp_path, monkeypatch):
    store = CachedSQLTrackerStore(DOMAIN, host=url(tmp_path))
    run(converse(store, SENDER, 2))

    def no_read(*args, **kwargs):
        raise AssertionError("the events were read from the table again")

    monkeypatch.setattr(store, "_event_query", no_read)
    tracker = run(converse(store, SENDER, 3, start=2))
    assert tracker.get_slot("procedure") == "thu-tuc-4"
    assert as_dicts(rasa_reads(tmp_path)) == as_dicts(tracker)


def test_what_was_not_saved_is_not_retrieved(tmp_path):
    store = CachedSQLTrackerStore(DOMAIN, host=url(tmp_path))
    saved = run(converse(store, SENDER, 2))
    tracker = run(store.retrieve(SENDER))
    turn(tracker, "một tin nhắn bị lỗi giữa chừng", "khong-luu")  # e.g. an action failed: no save
    again = run(store.retrieve(SENDER))
    assert as_dicts(again) == as_dicts(saved)
    assert again.get_slot("procedure") == "thu-tuc-1"


def test_an_erased_conversation_starts_afresh(tmp_path):
    store = CachedSQLTrackerStore(DOMAIN, host=url(tmp_path))
    run(converse(store, SENDER, 3))
    run(converse(store, "web:someone-else", 2))
    with sqlite3.connect(tmp_path / "tracker.db") as db:  # what app/tracker_store.py forget() does
        db.execute("DELETE FROM events WHERE sender_id = ?", (SENDER,))
    assert run(store.retrieve(SENDER)) is None
    tracker = run(converse(store, SENDER, 1, start=10))
    assert len(tracker.events) == 2 + 5
    assert tracker.get_slot("procedure") == "thu-tuc-10"
    assert as_dicts(rasa_reads(tmp_path)) == as_dicts(tracker)
    assert len(run(store.retrieve("web:someone-else")).events) == 2 + 2 * 5


def test_a_purge_of_old_events_is_seen_on_the_next_message(tmp_path):
    store = CachedSQLTrackerStore(DOMAIN, host=url(tmp_path))
    run(converse(store, SENDER, 2))
    with sqlite3.connect(tmp_path / "tracker.db") as db:  # what purge() does, here to the last event
        (last,) = db.execute("SELECT max(id) FROM events").fetchone()
        db.execute("DELETE FROM events WHERE id < ?", (last,))
    tracker = run(store.retrieve(SENDER))
    assert [event.as_dict() for event in tracker.events] == as_dicts(rasa_reads(tmp_path))
    assert len(tracker.events) == 1
    run(converse(store, SENDER, 1, start=5))
    assert as_dicts(run(store.retrieve(SENDER))) == as_dicts(rasa_reads(tmp_path))


def test_a_restarted_rasa_continues_from_the_table(tmp_path):
    before = run(converse(CachedSQLTrackerStore(DOMAIN, host=url(tmp_path)), SENDER, 3))
    restarted = CachedSQLTrackerStore(DOMAIN, host=url(tmp_path))
    assert as_dicts(run(restarted.retrieve(SENDER))) == as_dicts(before)
    after = run(converse(restarted, SENDER, 1, start=3))
    assert after.get_slot("procedure") == "thu-tuc-3"
    assert as_dicts(rasa_reads(tmp_path)) == as_dicts(after)


def test_a_new_session_is_read_back_as_rasa_reads_it(tmp_path):
    store = CachedSQLTrackerStore(DOMAIN, host=url(tmp_path))
    tracker = run(converse(store, SENDER, 2))
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(SlotSet("procedure", "thu-tuc-1"))  # carried over
    tracker.update(ActionExecuted("action_listen"))
    run(store.save(tracker))
    retrieved = run(store.retrieve(SENDER))
    assert as_dicts(retrieved) == as_dicts(rasa_reads(tmp_path))
    assert retrieved.events[0].as_dict()["event"] in ("action", "session_started")
    assert len(retrieved.events) < len(tracker.events)


def test_the_cache_holds_at_most_cache_size_conversations(tmp_path):
    store = CachedSQLTrackerStore(DOMAIN, host=url(tmp_path), cache_size="2")  # as endpoints.yml gives it
    for number in range(4):
        run(converse(store, f"web:{number}", 1))
    assert list(store._cache) == ["web:2", "web:3"]
    for number in range(4):
        assert run(store.retrieve(f"web:{number}")).get_slot("procedure") == "thu-tuc-0"


def test_endpoints_yml_names_this_store(monkeypatch):
    from rasa.core.tracker_store import create_tracker_store
    from rasa.utils.endpoints import read_endpoint_config

    monkeypatch.setenv("RASA_TRACKER_URL", "sqlite:///:memory:")
    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://127.0.0.1:1/rasa/webhook")
    monkeypatch.setenv("RASA_AUTH_TOKEN", "t")
    config = read_endpoint_config(str(ROOT / "endpoints.yml"), "tracker_store")
    assert isinstance(create_tracker_store(config, DOMAIN), CachedSQLTrackerStore)
