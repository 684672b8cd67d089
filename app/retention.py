"""Data retention and erasure: every store of personal data joins here.

``DATA_RETENTION_DAYS`` (default 90) after it was written, data goes: conversations in Rasa's
tracker store, the contacts table, the outbox, web sessions, the comment and the person's hash
on ratings (the score stays as an anonymous figure), Zalo event ids, and rotated log files.
:meth:`Retention.purge` runs daily inside the app and by hand with ``python -m app purge``;
:meth:`Retention.forget` erases one person (``python -m app forget <sender>``, or the citizen's
own "Xóa cuộc trò chuyện"). A store added later joins by being listed in ``stores``: it needs a
``name``, ``purge(cutoff) -> int`` and ``forget(key) -> int`` (``key``: the sender's keyed hash).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from app.clock import Clock, utc_now
from app.privacy import sender_key, sender_tag
from app.tracker_store import TrackerEvents

logger = logging.getLogger(__name__)
PURGE_EVERY = timedelta(days=1)
FIRST_PURGE_AFTER = 60.0  # seconds after start-up, out of the way of the first requests


class Erasable(Protocol):
    name: str

    def purge(self, cutoff: datetime) -> int: ...

    def forget(self, key: str) -> int: ...


class Retention:
    def __init__(
        self,
        *,
        days: int,
        secret: str,
        stores: Sequence[Erasable],
        tracker: TrackerEvents,
        log_dir: Path | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.days, self.secret = days, secret
        self.stores, self.tracker, self.log_dir, self.clock = list(stores), tracker, log_dir, clock

    def cutoff(self) -> datetime:
        return self.clock() - timedelta(days=self.days)

    def purge(self) -> dict[str, int]:
        """Delete what is older than the retention window; how many rows (files) each store lost."""
        cutoff = self.cutoff()
        counts = {self.tracker.name: self.tracker.purge(cutoff)}
        for store in self.stores:
            counts[store.name] = store.purge(cutoff)
        counts["log_files"] = self._purge_logs(cutoff)
        return counts

    def forget(self, sender: str) -> dict[str, int]:
        """Erase everything kept about ``sender`` (a namespaced id such as ``tg:123``)."""
        key = sender_key(self.secret, sender)
        counts = {self.tracker.name: self.tracker.forget(sender)}
        for store in self.stores:
            counts[store.name] = store.forget(key)
        logger.info("forgot %s: %s", sender_tag(self.secret, sender), counts)
        return counts

    def _purge_logs(self, cutoff: datetime) -> int:
        """Rotated logs (``app.log.2026-12-01`` …) last written before the cutoff."""
        if self.log_dir is None or not self.log_dir.is_dir():
            return 0
        removed = 0
        for path in self.log_dir.glob("*.log.*"):
            try:
                if path.stat().st_mtime < cutoff.timestamp():
                    path.unlink()
                    removed += 1
            except OSError:
                logger.warning("could not remove the old log %s", path.name)
        return removed

    async def run_daily(
        self,
        io: Callable[[Callable[[], dict[str, int]]], Awaitable[dict[str, int]]],
        first_after: float = FIRST_PURGE_AFTER,
    ) -> None:
        """Purge once shortly after start-up, then every day; a failure waits for the next day."""
        delay = first_after
        while True:
            await asyncio.sleep(delay)
            delay = PURGE_EVERY.total_seconds()
            try:
                counts = await io(self.purge)
            except Exception:
                logger.exception("the daily purge failed; it runs again tomorrow")
                continue
            logger.info("purged data older than %d days: %s", self.days, counts)
