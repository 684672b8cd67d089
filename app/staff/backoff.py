"""Failed sign-ins back off, per username and per client address.

``STAFF_LOGIN_FAILURES`` (5) failures within ``STAFF_LOGIN_WINDOW_MINUTES`` (15) for one
username, or from one client address (an IPv6 client counts per /64), block further attempts
(429 with ``Retry-After``) until the oldest failure leaves the moving window; a blocked attempt
is not even checked. A successful sign-in clears its username's failures, never its address's,
so guessing many accounts from one address stays blocked. Counted with the ``limits`` package's
moving window in the app's limit storage (``RATE_LIMIT_STORAGE``), next to the web API's limits.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerMinute
from limits.aio.strategies import MovingWindowRateLimiter

from app.limits import client_bucket


class LoginBackoff:
    def __init__(self, storage, failures: int, window_minutes: int) -> None:  # type: ignore[no-untyped-def]
        self._window = MovingWindowRateLimiter(storage)
        self._item = RateLimitItemPerMinute(failures, window_minutes)

    def _keys(self, username: str, address: str | None) -> list[tuple[str, str]]:
        return [("staff-login-user", username[:100]), ("staff-login-address", client_bucket(address))]

    async def retry_after(self, username: str, address: str | None) -> int | None:
        """Seconds until a new attempt is allowed, or None when it is allowed now."""
        waits = []
        for namespace, key in self._keys(username, address):
            if not await self._window.test(self._item, namespace, key):
                stats = await self._window.get_window_stats(self._item, namespace, key)
                waits.append(max(1, math.ceil(stats.reset_time - time.time())))
        return max(waits) if waits else None

    async def failed(self, username: str, address: str | None) -> None:
        for namespace, key in self._keys(username, address):
            await self._window.hit(self._item, namespace, key)

    async def succeeded(self, username: str) -> None:
        await self._window.clear(self._item, "staff-login-user", username[:100])
