"""Slow clients and big requests are refused by the real app server before they cost anything.

One app process per module, started as the runner starts it (``python -m app.server``), with
short deadlines; Rasa is not needed. Raw sockets play the misbehaving clients: headers or a
body sent one byte at a time, a huge ``Content-Length``, a chunked body that never ends,
oversized headers. Normal use (keep-alive, the widget script, a chunked body within the limit)
keeps working, and a long response is never cut by the request deadlines.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from app import hardening
from app.runner import Stack, free_port, isolated_settings
from app.server import guarded_protocol
from app.settings import Settings

HEADER_TIMEOUT = 2.0
BODY_TIMEOUT = 2.0
# How long a test waits, at most, for the server to hang up: far above the deadlines, so a slow
# machine does not fail the test, yet the test cannot hang.
GIVE_UP = 20.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    var = tmp_path_factory.mktemp("var")
    settings = isolated_settings(var, http_header_timeout=HEADER_TIMEOUT, http_body_timeout=BODY_TIMEOUT)
    stack = Stack(settings=settings, log_dir=var / "log")
    stack.start_app()
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{settings.app_port}/widget.js").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if stack.processes["app"].poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the app server did not start:\n{stack.log_tail('app')}")
            time.sleep(0.3)
        yield stack
    finally:
        stack.stop()


def connect(stack: Stack) -> socket.socket:
    return socket.create_connection(("127.0.0.1", stack.settings.app_port), timeout=GIVE_UP)


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP response with a Content-Length (what the app answers), read from the socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before a response: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, value in (line.split(":", 1) for line in lines[1:])}
    while len(body) < int(headers.get("content-length", 0)):
        chunk = sock.recv(65536)
        assert chunk, "connection closed in the middle of a response"
        body += chunk
    return int(lines[0].split()[1]), headers, body


def hangs_up_while_trickling(sock: socket.socket, first: bytes, trickle: bytes) -> tuple[bool, bytes]:
    """Send ``first``, then ``trickle`` one byte at a time (about two a second) until the server
    closes the connection. Returns whether it did (within GIVE_UP) and whatever it sent back."""
    sock.sendall(first)
    sock.settimeout(0.5)
    received = b""
    deadline = time.monotonic() + GIVE_UP
    for byte in trickle:
        if time.monotonic() > deadline:
            return False, received
        try:
            sock.sendall(bytes([byte]))
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        except (BrokenPipeError, ConnectionResetError):
            return True, received
        if not chunk:
            return True, received
        received += chunk
    return False, received


def test_headers_sent_one_byte_at_a_time_are_cut_off(server):
    with connect(server) as sock:
        closed, answer = hangs_up_while_trickling(
            sock, b"GET /widget.js HTTP/1.1\r\nHost: localhost\r\n", b"X-Slow: " + b"a" * 1000
        )
    assert closed, "the server kept waiting for the headers"
    assert answer == b""  # the request never reached the app


def test_a_connection_that_sends_nothing_is_closed(server):
    with connect(server) as sock:
        assert sock.recv(1024) == b""  # closed by the server (the socket's own timeout is GIVE_UP)


def test_a_body_sent_one_byte_at_a_time_is_cut_off(server):
    body = json.dumps({"kiosk": False, "padding": "x" * 500}).encode()
    head = (
        b"POST /api/session HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    with connect(server) as sock:
        closed, answer = hangs_up_while_trickling(sock, head, body)
    assert closed, "the server kept waiting for the body"
    assert b" 201 " not in answer


def test_a_huge_announced_body_is_refused_before_it_is_sent(server):
    with connect(server) as sock:
        sock.sendall(
            b"POST /api/chat HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            b"Content-Length: 50000000\r\n\r\n"
        )
        status, headers, body = read_response(sock)  # no byte of the body was sent
    assert status == 413
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {"detail": hardening.TOO_LARGE}


def test_a_megabyte_of_json_to_the_chat_api_is_refused(server):
    text = "đăng ký khai sinh " * 60_000
    response = httpx.post(
        f"http://127.0.0.1:{server.settings.app_port}/api/chat",
        json={"sender": "web:00000000-0000-0000-0000-000000000000", "text": text},
        timeout=GIVE_UP,
    )
    assert response.status_code == 413
    assert response.json() == {"detail": hardening.TOO_LARGE}


def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_limit(server):
    chunk = b"a" * 4096
    with connect(server) as sock:
        sock.sendall(
            b"POST /api/chat HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        sock.settimeout(0.2)
        sent = 0
        answer = b""
        while sent < 1024 * 1024 and not answer:
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
            try:
                answer = sock.recv(65536)
            except TimeoutError:
                continue
        # The body never ended (no last chunk was sent): the answer came as the limit was passed.
        assert answer.startswith(b"HTTP/1.1 413 "), answer[:100]
        assert sent <= hardening.default_body_limit(server.settings) + 4 * len(chunk)


def test_a_chunked_body_within_the_limit_reaches_the_app_whole(server):
    def body() -> Iterator[bytes]:
        yield b'{"kio'
        yield b'sk": true}'

    response = httpx.post(
        f"http://127.0.0.1:{server.settings.app_port}/api/session",
        content=body(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["sender"].startswith("web:")


@pytest.mark.parametrize("size", [20_000, 1_000_000])
def test_oversized_headers_are_refused(server, size):
    with connect(server) as sock:
        # Refused while still sending, perhaps; the answer is then already in the socket's buffer.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(b"GET /widget.js HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * size + b"\r\n\r\n")
        status_line = sock.recv(65536).split(b"\r\n", 1)[0]
    assert status_line in (b"HTTP/1.1 431 Request Header Fields Too Large", b"HTTP/1.1 400 Bad Request")


def test_the_zalo_webhook_refuses_a_big_body_before_reading_it(server):
    with connect(server) as sock:
        sock.sendall(
            b"POST /zalo/webhook HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            b"Content-Length: 70000\r\n\r\n"
        )
        status, _, body = read_response(sock)
    assert status == 413 and json.loads(body)["detail"] == hardening.TOO_LARGE


def test_limits_are_per_path(server):
    """32 KiB is too much for the chat API but fine for a Zalo event (the channel is off here: 404)."""
    base = f"http://127.0.0.1:{server.settings.app_port}"
    payload = {"padding": "x" * 32 * 1024}
    assert httpx.post(f"{base}/api/chat", json=payload).status_code == 413
    assert httpx.post(f"{base}/zalo/webhook", json=payload).status_code == 404


def test_keep_alive_and_the_widget_script_still_work(server):
    request = b"GET /widget.js HTTP/1.1\r\nHost: localhost\r\n\r\n"
    with connect(server) as sock:
        sock.sendall(request)
        status, headers, body = read_response(sock)
        assert status == 200 and b"dvc-chat-widget" in body
        assert headers["cross-origin-resource-policy"] == "cross-origin"
        # Idle between requests for longer than the header deadline (not the keep-alive one):
        # the next request on the same connection is served.
        time.sleep(HEADER_TIMEOUT + 0.5)
        sock.sendall(request)
        status, _, _ = read_response(sock)
        assert status == 200


def test_forwarded_for_is_not_believed_from_loopback(server):
    """Without TRUSTED_PROXIES the connecting address is the client, even from 127.0.0.1."""
    url = f"http://127.0.0.1:{server.settings.app_port}/widget.js?probe=forwarded"
    assert httpx.get(url, headers={"X-Forwarded-For": "192.0.2.77"}).status_code == 200
    log = Path(server.log_dir / "app.log")
    deadline = time.monotonic() + GIVE_UP
    while "probe=forwarded" not in log.read_text(encoding="utf-8") and time.monotonic() < deadline:
        time.sleep(0.2)
    [line] = [line for line in log.read_text(encoding="utf-8").splitlines() if "probe=forwarded" in line]
    assert "127.0.0.1" in line and "192.0.2.77" not in line


def test_a_long_response_is_not_cut_by_the_request_deadlines(tmp_path):
    """The deadlines watch the request only: a response streamed for longer than both (as a
    server-sent event stream will be) arrives whole, after a body that was sent in time."""

    async def slow_stream(scope, receive, send):  # type: ignore[no-untyped-def]
        assert scope["type"] == "http"
        received = b""
        while True:
            message = await receive()
            received += message.get("body", b"")
            if not message.get("more_body"):
                break
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
        )
        for part in range(5):
            await send(
                {"type": "http.response.body", "body": b"%d:%s\n" % (part, received), "more_body": True}
            )
            await asyncio.sleep(0.6)
        await send({"type": "http.response.body", "body": b"end\n"})

    settings = Settings(_env_file=None, var_dir=tmp_path, http_header_timeout=1, http_body_timeout=1)
    config = uvicorn.Config(
        slow_stream,
        host="127.0.0.1",
        port=free_port(),
        http=guarded_protocol(settings),
        lifespan="off",
        log_config=None,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.05)
        response = httpx.post(f"http://127.0.0.1:{config.port}/", content=b"hello", timeout=GIVE_UP)
        assert response.text == "".join(f"{part}:hello\n" for part in range(5)) + "end\n"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
