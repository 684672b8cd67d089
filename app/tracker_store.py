"""Rasa's SQL tracker store, reached directly for what Rasa's API cannot do: delete.

Rasa 3.6 keeps every event of every conversation in the ``events`` table of RASA_TRACKER_URL
and has no delete API, so purging old conversations and forgetting a person happen here,
through the same SQLAlchemy URL. Rasa's tracker store (nlu/tracker_store.py) checks a
conversation's rows (count and last id) on every message and re-reads them when they changed,
so a deleted conversation starts afresh on its next message.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, delete, func, inspect, select

from app.database import make_engine

_metadata = MetaData()
# The columns used here, as Rasa's SQLTrackerStore declares them.
EVENTS = Table(
    "events",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255)),
    Column("type_name", String(255)),
    Column("timestamp", Float),
)


class TrackerEvents:
    name = "conversations"

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)

    def _exists(self) -> bool:
        return inspect(self.engine).has_table("events")

    def purge(self, cutoff: datetime) -> int:
        """Delete every event older than ``cutoff`` (whole conversations when nothing is newer)."""
        if not self._exists():
            return 0
        with self.engine.begin() as connection:
            return (
                connection.execute(delete(EVENTS).where(EVENTS.c.timestamp < cutoff.timestamp())).rowcount
                or 0
            )

    def forget(self, sender: str) -> int:
        if not self._exists():
            return 0
        with self.engine.begin() as connection:
            return connection.execute(delete(EVENTS).where(EVENTS.c.sender_id == sender)).rowcount or 0

    def count(self, sender: str | None = None) -> int:
        if not self._exists():
            return 0
        query = select(func.count()).select_from(EVENTS)
        if sender is not None:
            query = query.where(EVENTS.c.sender_id == sender)
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def close(self) -> None:
        self.engine.dispose()
