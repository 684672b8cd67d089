"""For the browser tests: Debian's Chromium (no browser download at run time), the app served by
its own server in a thread, and a second web server (another origin) serving fixed HTML pages."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from app.server import guarded_protocol
from app.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
# As root, headless, and without the background connections this machine's closed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="browser tests need Debian's chromium at /usr/bin/chromium (apt-get install -y chromium)",
)


@contextmanager
def serve_pages(page_for: Callable[[str], bytes]) -> Iterator[str]:
    """Serve ``page_for(path)`` as HTML on a free port of 127.0.0.1; yields the origin."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = page_for(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def serve_app(app: FastAPI, settings: Settings) -> Iterator[str]:
    """Run ``app`` with the app's own server (uvicorn with ``app.server``'s request deadlines) in a
    thread of this process on ``settings.app_port``, so a test can reach into the app (its clock,
    its stores) while a browser uses it; yields the origin and stops the server after."""
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=settings.app_port,
            http=guarded_protocol(settings),
            ws="none",
            log_config=None,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the app server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{settings.app_port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
