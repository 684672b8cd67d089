"""Web updates: replies for a web conversation that come without a request of the widget (an
agent's message, the bot's step after a hand-back), kept per sender under increasing ids.

``GET /api/updates?sender=web:<uuid>&after=<cursor>`` (contract 7 of issue 12) long-polls them:
it answers as soon as there is something newer than ``after`` (at most :data:`LONG_POLL` seconds),
with the new cursor, the messages (``role`` "agent" or "bot") and the conversation's handoff
status and queue place; without ``after`` at once, with the current cursor and no messages. The
same identity rules as ``/api/history``: only ids this server issued. Rows join purge and forget.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy import delete, func, select

from app.clock import Clock, utc_now
from app.database import Database, PersonStore
from app.handoff.models import WebUpdateRow
from app.web import SENDER_PATTERN, HandoffState, HistoryEntry, issued, limit_client
from connectors.message import OutgoingMessage

LONG_POLL = 25.0
BATCH = 50

router = APIRouter(prefix="/api", tags=["web"])


class Signal:
    """Wakes whoever waits on a key (a long poll of one sender, the console's stream)."""

    def __init__(self) -> None:
        self._events: dict[str, asyncio.Event] = {}
        self._waiting: dict[str, int] = {}

    def event(self, key: str) -> asyncio.Event:
        """Take the event before reading the store, then wait on it: nothing is missed between."""
        return self._events.setdefault(key, asyncio.Event())

    def notify(self, key: str) -> None:
        event = self._events.pop(key, None)
        if event is not None:
            event.set()

    async def wait(self, key: str, event: asyncio.Event, seconds: float) -> bool:
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), seconds)
            return event.is_set()
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key]
                if self._events.get(key) is event and not event.is_set():
                    del self._events[key]


class WebUpdates(PersonStore):
    name = "web_updates"

    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        super().__init__(database, clock)
        self.signal = Signal()

    def add(self, sender: str, role: str, messages: Sequence[OutgoingMessage]) -> int:
        """Keep ``messages`` for the widget of ``sender``; the newest cursor. (Wake the long polls
        with :meth:`wake` from the event loop afterwards.)"""
        key, now = self.key(sender), self._clock()
        rows = [WebUpdateRow(sender_key=key, at=now, role=role, message=m.model_dump()) for m in messages]
        with self._session.begin() as session:
            session.add_all(rows)
        return max((row.id for row in rows), default=0)

    def wake(self, sender: str) -> None:
        self.signal.notify(self.key(sender))

    def cursor(self, sender: str) -> int:
        with self._session() as session:
            return (
                session.scalar(
                    select(func.max(WebUpdateRow.id)).where(WebUpdateRow.sender_key == self.key(sender))
                )
                or 0
            )

    def after(self, sender: str, cursor: int) -> list[tuple[int, HistoryEntry]]:
        query = (
            select(WebUpdateRow)
            .where(WebUpdateRow.sender_key == self.key(sender), WebUpdateRow.id > cursor)
            .order_by(WebUpdateRow.id)
            .limit(BATCH)
        )
        with self._session() as session:
            rows = session.scalars(query).all()
        return [(row.id, HistoryEntry(role=row.role, **row.message)) for row in rows]

    def purge(self, cutoff: datetime) -> int:
        with self._session.begin() as session:
            return session.execute(delete(WebUpdateRow).where(WebUpdateRow.at < cutoff)).rowcount or 0

    def forget(self, key: str) -> int:
        with self._session.begin() as session:
            return session.execute(delete(WebUpdateRow).where(WebUpdateRow.sender_key == key)).rowcount or 0


class UpdatesResponse(BaseModel):
    cursor: int
    messages: list[HistoryEntry]
    handoff: HandoffState


@router.get("/updates", response_model=UpdatesResponse, dependencies=[Depends(limit_client)])
async def updates(
    sender: Annotated[str, Query(pattern=SENDER_PATTERN, description="The widget's id, web:<uuid>")],
    request: Request,
    after: Annotated[int | None, Query(ge=0, description="The cursor of the last answer")] = None,
) -> UpdatesResponse:
    """New agent and bot messages of one web conversation (long poll), and its handoff state."""
    sender = await issued(sender, request)
    work = request.app.state.work
    store: WebUpdates = request.app.state.web_updates
    desk = request.app.state.handoffs
    if after is None:
        cursor = await work.io(store.cursor, sender)
        return UpdatesResponse(cursor=cursor, messages=[], handoff=await desk.state_of(sender))
    key = store.key(sender)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + LONG_POLL
    found: list[tuple[int, HistoryEntry]] = []
    while True:
        event = store.signal.event(key)
        found = await work.io(store.after, sender, after)
        remaining = deadline - loop.time()
        if found or remaining <= 0 or await request.is_disconnected():
            break
        await store.signal.wait(key, event, min(remaining, 5.0))  # wakes to notice a gone client
    cursor = found[-1][0] if found else after
    return UpdatesResponse(
        cursor=cursor, messages=[entry for _, entry in found], handoff=await desk.state_of(sender)
    )
