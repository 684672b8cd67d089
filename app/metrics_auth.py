"""Who may read the figures meant for machines: ``GET /api/metrics/ioc`` and ``GET /metrics``.

Both are protected the same way (README "Metrics"):

* ``METRICS_TOKEN`` empty: the routes do not exist (404), so an unconfigured deployment shows nothing;
* ``METRICS_ALLOWED_IPS`` (comma-separated addresses or networks, e.g. ``10.0.0.5, 10.1.0.0/16``): when
  set, a caller from any other address gets 403 — the address as :func:`app.web.client_address` sees
  it (behind TRUSTED_PROXIES, the one the proxy forwards). An entry that is not an address or a network
  refuses every caller (fail closed) and is logged;
* otherwise the request needs ``Authorization: Bearer <METRICS_TOKEN>``, compared in constant time
  (401 with ``WWW-Authenticate: Bearer`` when missing or wrong).

Use it as a route dependency: ``_: Annotated[None, Depends(require_metrics_access)]``.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from functools import lru_cache

from fastapi import HTTPException, Request

from app.web import client_address

logger = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def allowed_networks(value: str) -> tuple[Network, ...] | None:
    """The networks of METRICS_ALLOWED_IPS; ``()`` when empty (anyone), None when an entry is invalid."""
    networks: list[Network] = []
    for part in value.split(","):
        entry = part.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            logger.error("METRICS_ALLOWED_IPS: %r is not an address or network; metrics refused", entry)
            return None
    return tuple(networks)


def address_allowed(address: str | None, allowed: str) -> bool:
    """Whether ``address`` is within METRICS_ALLOWED_IPS (``allowed``; empty: every address)."""
    networks = allowed_networks(allowed)
    if networks is None:
        return False
    if not networks:
        return True
    if address is None:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in networks)


def token_matches(header: str | None, token: str) -> bool:
    """``Authorization: Bearer <token>``, compared in constant time."""
    scheme, _, given = (header or "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


async def require_metrics_access(request: Request) -> None:
    """404 with no METRICS_TOKEN, 403 from an address outside METRICS_ALLOWED_IPS, 401 without the token."""
    settings = request.app.state.settings
    token = settings.metrics_token
    if not token:
        raise HTTPException(status_code=404)
    if not address_allowed(client_address(request), settings.metrics_allowed_ips):
        raise HTTPException(status_code=403)
    if not token_matches(request.headers.get("authorization"), token):
        raise HTTPException(status_code=401, headers={"WWW-Authenticate": "Bearer"})
