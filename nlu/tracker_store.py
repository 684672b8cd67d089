"""Rasa's SQL tracker store without re-reading the whole conversation on every message.

Rasa's ``SQLTrackerStore`` reads every event of the current session from the ``events`` table
and deserialises each one on every message (``retrieve``), then counts them again through the ORM
before inserting the new ones (``save``). This store keeps, per conversation, the events it last
read or wrote together with a *stamp* of the table for that conversation — ``count(*)`` and
``max(id)`` of its rows, one indexed query — and rebuilds the tracker from those events while the
stamp is unchanged. New events are written with one Core ``INSERT``.

The table stays the truth: the app deletes rows straight from it (retention, "erase my
conversation", app/tracker_store.py). Any delete changes the stamp, so the next message reads
the conversation afresh (or starts a new one); a restarted Rasa starts with an empty cache and
continues from the table. A new session (``SessionStarted``) is not cached: the next message
reads it back as Rasa would. On SQLite, commits are not each flushed to disk (WAL with
``synchronous=NORMAL``: a commit survives a crash of the process but may be lost in a power cut);
the flush would otherwise block Rasa's one event loop on every message. The cache holds
``cache_size`` conversations (least recently used dropped first; ``cache_size`` in endpoints.yml).

Used from endpoints.yml: ``tracker_store: {type: nlu.tracker_store.CachedSQLTrackerStore, url: …}``.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted, deserialise_events
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

logger = logging.getLogger(__name__)

Stamp = tuple[int, int | None]  # count(*) and max(id) of a conversation's rows
STAMP = sa.text("SELECT count(*), max(id) FROM events WHERE sender_id = :sender")
DEFAULT_CACHE_SIZE = 256
BUSY_TIMEOUT_MS = 5000


class CachedSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` that re-reads a conversation only when its rows changed."""

    def __init__(self, *args: Any, cache_size: int | str = DEFAULT_CACHE_SIZE, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cache_size = int(cache_size)
        if self.engine.dialect.name == "sqlite" and self.engine.url.database not in (None, "", ":memory:"):
            # A pool that keeps its connections: with SQLAlchemy's default for SQLite files
            # (NullPool), closing the last connection checkpoints the WAL with an fsync each time.
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(
                url, poolclass=sa.pool.QueuePool, connect_args={"check_same_thread": False}
            )
            sa.event.listen(self.engine, "connect", sqlite_pragmas)
            self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)
        # sender → (stamp of its rows, the current session's events as stored)
        self._cache: OrderedDict[str, tuple[Stamp, tuple[Event, ...]]] = OrderedDict()

    def _stamp(self, session: Any, sender_id: str) -> Stamp:
        count, last = session.execute(STAMP, {"sender": sender_id}).one()
        return int(count), last

    def _remember(self, sender_id: str, stamp: Stamp, events: tuple[Event, ...]) -> None:
        self._cache[sender_id] = (stamp, events)
        self._cache.move_to_end(sender_id)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    def _cached(self, session: Any, sender_id: str) -> tuple[Stamp, tuple[Event, ...] | None]:
        """The table's stamp now, and the cached events if they still match it."""
        stamp = self._stamp(session, sender_id)
        entry = self._cache.get(sender_id)
        if entry is not None and entry[0] == stamp:
            self._cache.move_to_end(sender_id)
            return stamp, entry[1]
        self._cache.pop(sender_id, None)
        return stamp, None

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The current session's tracker, rebuilt from cached events while the rows are unchanged."""
        with self.session_scope() as session:
            # The stamp first: a change after it makes the next stamp differ, never the reverse.
            stamp, events = self._cached(session, sender_id)
            if events is None:
                rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()
                if not rows:
                    return None
                events = tuple(deserialise_events([json.loads(row.data) for row in rows]))
                self._remember(sender_id, stamp, events)
        if not self.domain or not events:
            return None
        # Rasa's own tracker copies share their events too; only the tracker's state is new.
        return DialogueStateTracker.from_events(sender_id, list(events), self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Insert the events the table does not hold yet (Core ``INSERT``, no ORM count)."""
        sender_id = tracker.sender_id
        events = list(tracker.events)
        with self.session_scope() as session:
            stamp, cached = self._cached(session, sender_id)
            if cached is not None:
                await self.stream_events(tracker)
                new = events[len(cached) :]
                if new:
                    rows = [row(sender_id, event) for event in new]
                    session.execute(self.SQLEvent.__table__.insert(), rows)
                after = self._stamp(session, sender_id)
                session.commit()
        if cached is None:  # unknown or changed: Rasa's own way, and read it back next time
            await super().save(tracker)
            return
        if after[0] != stamp[0] + len(new) or any(isinstance(event, SessionStarted) for event in new):
            self._cache.pop(sender_id, None)  # changed meanwhile, or a new session: read it back
        else:
            self._remember(sender_id, after, tuple(events))
        logger.debug("Tracker with sender_id '%s' stored to database", sender_id)


def sqlite_pragmas(connection: Any, _record: Any) -> None:
    """WAL (as the app sets it), commits without an fsync each (a commit survives a crash of the
    process, not a power cut), and a bounded wait while the app deletes rows."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def row(sender_id: str, event: Event) -> dict[str, Any]:
    """The ``events`` row of ``event``, as ``SQLTrackerStore.save`` writes it."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }
