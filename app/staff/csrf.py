"""CSRF protection of the console: a token bound to the session, and the Origin check of sign-in.

- The token is an HMAC (``APP_SECRET_KEY``) of the session id, so it needs no storage, differs
  per session and cannot be derived without the cookie. Forms carry it in a hidden field named
  ``csrf``; API calls in the ``X-CSRF-Token`` header. ``POST /api/staff/session`` (and the
  session pages) hand it out.
- Signing in has no session yet: it is refused instead when the browser says the request comes
  from another site (``Origin`` not this app's, or ``Sec-Fetch-Site: cross-site``). Scripts send
  neither header and are let through, as a cross-site browser request always carries ``Origin``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urlsplit

from starlette.requests import Request

HEADER = "X-CSRF-Token"
FIELD = "csrf"
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def token_for(secret: str, session_id: str) -> str:
    digest = hmac.new(secret.encode(), b"csrf:" + session_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), str(given).encode())


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else None


def same_site_request(request: Request, public_url: str = "") -> bool:
    """False when the browser says ``request`` was sent by a page of another site.

    ``Origin`` must name this app: the host the request was sent to (either scheme: behind an
    HTTPS proxy the app itself is reached over HTTP), or ``PUBLIC_URL``'s origin (a proxy that
    does not pass the ``Host`` header on).
    """
    if request.headers.get("sec-fetch-site", "").lower() == "cross-site":
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True
    parts = urlsplit(origin.strip().lower())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False  # "null" (a sandboxed or file page) and anything odd
    if parts.netloc == request.headers.get("host", "").lower():
        return True
    return bool(public_url) and _origin_of(public_url) == f"{parts.scheme}://{parts.netloc}"
