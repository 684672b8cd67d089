"""The app's HTTP server: uvicorn with deadlines for slow clients (``python -m app.server``).

uvicorn closes idle keep-alive connections but waits forever for a request that arrives one
byte at a time. :class:`GuardedH11Protocol` adds two deadlines to its h11 protocol, both on the
*request* only, so long responses (streams) are never cut:

- the request line and headers must be complete within ``HTTP_HEADER_TIMEOUT`` seconds, counted
  from the connection (first request) or from the first byte of the next request (keep-alive);
- the request body must be complete within ``HTTP_BODY_TIMEOUT`` seconds after the headers.

Headers larger than ``HTTP_MAX_HEADER_BYTES`` get uvicorn's 400. ``X-Forwarded-For`` is never
believed here (``proxy_headers=False``): the app trusts it only from ``TRUSTED_PROXIES``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sys

import h11
import uvicorn
from h11._connection import DEFAULT_MAX_INCOMPLETE_EVENT_SIZE  # as uvicorn does
from pydantic import ValidationError
from uvicorn.protocols.http.h11_impl import STATUS_PHRASES, H11Protocol

from app.logs import configure_logging
from app.settings import Settings, get_settings

logger = logging.getLogger("app.server")  # also when run as __main__

HEADERS_END = re.compile(rb"\n\r?\n")  # the blank line after the headers, as h11 finds it
HEADERS_TOO_LARGE = "Phần đầu (headers) của yêu cầu quá lớn."


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for the request's headers and one for its body."""

    header_timeout: float = 10.0
    body_timeout: float = 30.0

    _header_timer: asyncio.TimerHandle | None = None
    _body_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timers()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        # Called for every batch of bytes received and after each response (pipelined requests).
        if self.conn.their_state is h11.IDLE and self._headers_too_large():
            logger.info("connection closed: request headers over %d bytes", self._header_limit)
            self._refuse(431, HEADERS_TOO_LARGE)
            return
        super().handle_events()
        self._watch_request()

    def _headers_too_large(self) -> bool:
        """h11 limits only headers still incomplete; headers that arrive whole are measured here."""
        limit = self._header_limit
        pending, _ = self.conn.trailing_data
        return len(pending) > limit and not HEADERS_END.search(pending, 0, limit + 3)

    @property
    def _header_limit(self) -> int:
        return self.config.h11_max_incomplete_event_size or DEFAULT_MAX_INCOMPLETE_EVENT_SIZE

    def _refuse(self, status: int, text: str) -> None:
        body = json.dumps({"detail": text}, ensure_ascii=False).encode("utf-8")
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        events = (
            h11.Response(status_code=status, headers=headers, reason=STATUS_PHRASES[status]),
            h11.Data(data=body),
            h11.EndOfMessage(),
        )
        try:
            for event in events:
                self.transport.write(self.conn.send(event))
        except h11.LocalProtocolError:
            pass  # a response had already begun: just close
        self.transport.close()

    def _watch_request(self) -> None:
        state = self.conn.their_state
        if state is h11.IDLE:
            self._cancel(body=True)
            waiting_bytes, _ = self.conn.trailing_data
            if waiting_bytes:  # part of the next request is here: its headers are on the clock
                self._start_header_timer()
        elif state is h11.SEND_BODY:
            self._cancel(header=True)
            if self._body_timer is None:
                self._body_timer = self.loop.call_later(self.body_timeout, self._timed_out, "body")
        else:  # the request is complete (or the connection is closing): nothing to wait for
            self._cancel_timers()

    def _start_header_timer(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout, self._timed_out, "headers")

    def _cancel(self, header: bool = False, body: bool = False) -> None:
        if header and self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        if body and self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _cancel_timers(self) -> None:
        self._cancel(header=True, body=True)

    def _timed_out(self, part: str) -> None:
        self._header_timer = self._body_timer = None
        if self.transport.is_closing():
            return
        limit = self.header_timeout if part == "headers" else self.body_timeout
        logger.info("connection closed: the request %s took longer than %g s", part, limit)
        self.transport.close()


def guarded_protocol(settings: Settings) -> type[GuardedH11Protocol]:
    """The protocol class with the deadlines of ``settings`` (uvicorn takes a class for ``http``)."""
    return type(
        "GuardedH11Protocol",
        (GuardedH11Protocol,),
        {"header_timeout": settings.http_header_timeout, "body_timeout": settings.http_body_timeout},
    )


SWITCH_INTERVAL = 0.001  # seconds


def server_config(settings: Settings) -> uvicorn.Config:
    return uvicorn.Config(
        "app.main:app_factory",
        factory=True,
        host=settings.app_host,
        port=settings.app_port,
        http=guarded_protocol(settings),
        ws="none",  # the app has no WebSocket route
        h11_max_incomplete_event_size=settings.http_max_header_bytes,
        proxy_headers=False,  # the app installs ProxyHeadersMiddleware for TRUSTED_PROXIES only
        server_header=False,
        timeout_graceful_shutdown=5,
        log_config=None,  # configure_logging below: every line goes through the redactor
    )


def serve(settings: Settings) -> None:
    """Run the app until SIGINT/SIGTERM (what the runner starts as the app process)."""
    configure_logging(settings.log_level, settings.app_secret_key)
    # Search (pure-Python BM25) runs on worker threads and holds the interpreter lock while it
    # computes; a shorter switch interval (default 5 ms) hands the lock back to the event loop
    # sooner, so /health, static files and Rasa's action calls are not held up behind searches.
    sys.setswitchinterval(SWITCH_INTERVAL)
    uvicorn.Server(server_config(settings)).run()


def main() -> int:
    try:
        settings = get_settings()
    except ValidationError as exc:
        problems = "; ".join(str(error["msg"]) for error in exc.errors())
        print(f"Cannot start: invalid settings in the environment or .env — {problems}", file=sys.stderr)
        return 2
    serve(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
