"""Limits that hold, whatever id or address a caller rotates through.

Three kinds, all counted in one storage that a shared store can replace (``RATE_LIMIT_STORAGE``:
``memory://`` for one app process, ``redis://host:6379/0`` for several), with the ``limits``
package's moving-window strategy:

- per person (``CHANNEL_RATE_LIMIT`` a minute), on every channel; the "too fast" note at most
  once a minute;
- per client address on the web API (``CLIENT_RATE_LIMIT`` calls and ``SESSION_RATE_LIMIT`` new
  conversations a minute), never on the Telegram and Zalo webhooks, whose calls come from a few
  platform addresses; an IPv6 client counts per /64 network, as one home or phone gets one;
- dossier-status lookups per person (``DOSSIER_RATE_LIMIT`` per 10 minutes).

The global cap on concurrent heavy work is :class:`app.work.Work`.
"""

from __future__ import annotations

import ipaddress

from limits import RateLimitItem, RateLimitItemPerMinute, parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from app.settings import Settings


def async_storage_uri(uri: str) -> str:
    """``memory://`` → ``async+memory://``: the app checks limits on its event loop."""
    return uri if uri.startswith("async+") else f"async+{uri}"


def client_bucket(address: str | None) -> str:
    """The unit an address counts in: itself for IPv4, its /64 network for IPv6."""
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class Limits:
    def __init__(self, settings: Settings) -> None:
        self.storage = storage_from_string(async_storage_uri(settings.rate_limit_storage))
        self._window = MovingWindowRateLimiter(self.storage)
        self._sender = RateLimitItemPerMinute(settings.channel_rate_limit)
        self._note = RateLimitItemPerMinute(1)
        self._client = RateLimitItemPerMinute(settings.client_rate_limit)
        self._session = RateLimitItemPerMinute(settings.session_rate_limit)
        self._dossier: RateLimitItem = parse(f"{settings.dossier_rate_limit}/10 minutes")

    async def sender(self, sender: str) -> bool:
        """Count one message or button press of ``sender``; False when over the limit."""
        return await self._window.hit(self._sender, "sender", sender)

    async def note(self, sender: str) -> bool:
        """May ``sender`` be told (again) that they are too fast? Once a minute."""
        return await self._window.hit(self._note, "note", sender)

    async def client(self, address: str | None) -> bool:
        return await self._window.hit(self._client, "client", client_bucket(address))

    async def new_session(self, address: str | None) -> bool:
        return await self._window.hit(self._session, "session", client_bucket(address))

    async def dossier(self, sender: str) -> bool:
        return await self._window.hit(self._dossier, "dossier", sender)

    async def reset(self) -> None:
        await self.storage.reset()
