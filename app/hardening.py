"""HTTP hardening of the app: body limits before reading, security headers, no traceback on a 500.

- **Body limits** per path (:data:`BODY_LIMITS`, else :func:`default_body_limit`): a
  ``Content-Length`` above the limit is answered 413 at once, before any of the body is read; a
  chunked body is counted while it is buffered and refused as soon as it passes the limit, so
  the app never sees part of a body. The limit sits inside the widget's CORS middleware, so a
  portal page can read the 413.
- **Security headers** on every response: ``nosniff``, a referrer policy, no framing, and a
  Content-Security-Policy: the HTML pages the app serves may load only from the app itself;
  every other response (JSON, scripts, styles, errors) may load nothing. The API documentation (local use
  only; it loads Swagger UI from a CDN) gets no CSP.
- **Storage faults**: the app database locked past APP_DB_BUSY_TIMEOUT, or full (disk or
  ``max_page_count``), is a JSON 503 with a Vietnamese sentence and one clear error log line, never
  a 500; reads go on working.
- **Unexpected errors** become a JSON 500 with a Vietnamese sentence; the traceback goes to the
  (redacted) log only.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import texts
from app.database import storage_problem
from app.settings import Settings
from app.zalo import BODY_MAX as ZALO_BODY_MAX

logger = logging.getLogger(__name__)

KIB = 1024
MIB = 1024 * KIB
BODY_LIMITS: Mapping[str, int] = {
    "/zalo/webhook": ZALO_BODY_MAX,
    "/telegram/webhook": 64 * KIB,
    # Rasa's action calls carry the whole tracker and domain; the route is token-protected and
    # only Rasa on 127.0.0.1 calls it.
    "/rasa/webhook": 16 * MIB,
    # Staff console (signed in, CSRF-checked): a spreadsheet to import, and a whole procedure
    # (its steps, documents and fees are long Vietnamese text). A key ending in "/" is a prefix.
    "/api/staff/import/": 4 * MIB,
    "/staff/transfer/": 4 * MIB,
    "/api/staff/procedures/": 256 * KIB,
    "/staff/procedures/": 256 * KIB,
}

TOO_LARGE = "Nội dung gửi lên quá lớn, máy chủ không nhận."
BAD_LENGTH = "Độ dài nội dung (Content-Length) không hợp lệ."
UNEXPECTED = "Đã có lỗi ngoài dự kiến trên máy chủ. Anh/chị vui lòng thử lại sau ít phút."

# Pages: scripts, styles, images and API calls from the app's own origin only.
PAGE_CSP = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# The demo portal page (local use only) has an inline <style> of its own, and the widget falls
# back to a <style> element inside its shadow root where constructable stylesheets are missing
# (CSP style-src governs both); a reply's illustration may come from any https address.
DEMO_CSP = PAGE_CSP + "; style-src 'self' 'unsafe-inline'; img-src 'self' https:"
# Everything else (JSON, the widget script, errors) loads nothing and is framed nowhere.
OTHER_CSP = "default-src 'none'; frame-ancestors 'none'"
COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


def default_body_limit(settings: Settings) -> int:
    """16 KiB for the web API and everything else, more if CHAT_MAX_CHARS needs it (4 bytes a
    character in UTF-8, plus room for the JSON around the text)."""
    return max(16 * KIB, 4 * settings.chat_max_chars + 4 * KIB)


async def _answer(send: Send, status: int, detail: str) -> None:
    response = JSONResponse({"detail": detail}, status_code=status)
    await send({"type": "http.response.start", "status": status, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})


class BodyLimit:
    """Refuse request bodies over their path's limit before the app reads any of them."""

    def __init__(self, app: ASGIApp, limits: Mapping[str, int], default: int) -> None:
        self.app = app
        self.limits = dict(limits)
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        limit = self.limits.get(path) or next(
            (size for key, size in self.limits.items() if key.endswith("/") and path.startswith(key)),
            self.default,
        )
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        if length is not None:
            # The server reads exactly Content-Length bytes, so the declared size is the size.
            if not length.strip().isdigit():
                await _answer(send, 400, BAD_LENGTH)
            elif int(length) > limit:
                await _answer(send, 413, TOO_LARGE)
            else:
                await self.app(scope, receive, send)
            return
        if "transfer-encoding" not in headers:  # no body at all
            await self.app(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away: nobody to answer
            body += message.get("body", b"")
            if len(body) > limit:
                await _answer(send, 413, TOO_LARGE)
                return
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(bytes(body), receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The buffered body as one message, then whatever the server says next (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


class SecurityHeaders:
    """Add the security headers to every response (a header the route set itself wins)."""

    def __init__(self, app: ASGIApp, unguarded: frozenset[str]) -> None:
        self.app = app
        self.unguarded = unguarded  # the API documentation's paths, when it is on

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in COMMON_HEADERS.items():
                    headers.setdefault(name, value)
                policy = content_security_policy(path, headers.get("content-type", ""), self.unguarded)
                if policy:
                    headers.setdefault("Content-Security-Policy", policy)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def content_security_policy(path: str, content_type: str, unguarded: frozenset[str]) -> str | None:
    """The page policy for the app's HTML pages (``/``, ``/demo``, ``/static/*.html``), none
    for the API documentation, and "load nothing" for everything else."""
    if path in unguarded:
        return None
    if not content_type.startswith("text/html"):
        return OTHER_CSP
    return DEMO_CSP if path == "/demo" else PAGE_CSP


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """The last resort: Starlette's ServerErrorMiddleware answers with this, then re-raises the
    exception for the server to log (through the redacting log filter)."""
    headers = {**COMMON_HEADERS, "Content-Security-Policy": OTHER_CSP}
    return JSONResponse({"detail": UNEXPECTED}, status_code=500, headers=headers)


async def _storage_error(request: Request, exc: Exception) -> JSONResponse:
    """A write the app database refused because it stayed locked or is full: 503, and a log line
    that says which; any other database error goes on to the last resort (a 500)."""
    problem = storage_problem(exc)
    if problem is None:
        raise exc
    logger.error(
        "storage %s: the app database refused a write for %s %s (%s)",
        problem,
        request.method,
        request.url.path,
        getattr(exc, "orig", exc),
    )
    headers = {"Retry-After": "30" if problem == "busy" else "300"}
    return JSONResponse({"detail": texts.STORAGE[problem]}, status_code=503, headers=headers)


def install(app: FastAPI, settings: Settings) -> None:
    """Add the body limits, the security headers and the last-resort error handler to ``app``.

    The headers wrap every other middleware (CORS preflights included); the body limit goes
    innermost, inside the widget's CORS, so a portal page can read its 413.
    """
    docs = {path for path in (app.docs_url, app.redoc_url, app.openapi_url) if path}
    if app.docs_url and app.swagger_ui_oauth2_redirect_url:
        docs.add(app.swagger_ui_oauth2_redirect_url)
    app.user_middleware.append(
        Middleware(BodyLimit, limits=BODY_LIMITS, default=default_body_limit(settings))  # type: ignore[arg-type]
    )
    app.add_middleware(SecurityHeaders, unguarded=frozenset(docs))
    app.add_exception_handler(OperationalError, _storage_error)
    app.add_exception_handler(Exception, _unexpected_error)
