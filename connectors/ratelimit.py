"""Per-sender rate limit shared by the channels: a sliding window in memory.

One process serves every channel, so one limiter per channel is enough; memory stays bounded
by forgetting senders that have been quiet for a whole window.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

RATE_LIMITED_TEXT = (
    "Anh/chị đang gửi tin nhắn hơi nhanh. Anh/chị vui lòng chờ khoảng một phút rồi gửi tiếp nhé."
)


class RateLimiter:
    """At most ``limit`` messages per ``window`` seconds for each sender."""

    def __init__(self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be at least 1 and window positive")
        self.limit, self.window, self._clock = limit, window, clock
        self._seen: dict[str, deque[float]] = {}
        self._last_sweep = clock()

    def allow(self, sender: str) -> bool:
        """Count one message from ``sender``; False when it is over the limit (not counted)."""
        now = self._clock()
        self._sweep(now)
        times = self._seen.setdefault(sender, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        if len(times) >= self.limit:
            return False
        times.append(now)
        return True

    def _sweep(self, now: float) -> None:
        if now - self._last_sweep < self.window:
            return
        self._last_sweep = now
        for sender in [s for s, times in self._seen.items() if not times or now - times[-1] >= self.window]:
            del self._seen[sender]

    def __len__(self) -> int:
        return len(self._seen)
