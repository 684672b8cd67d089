"""The dossier-status client against a real (fake) province service on 127.0.0.1, and code spotting."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import FrozenInstanceError
from datetime import date, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from actions.dossier_status import (
    DOSSIER_CODE,
    DossierNotFound,
    DossierStatus,
    DossierStatusClient,
    DossierStatusError,
    DossierStatusUnavailable,
    find_dossier_code,
    looks_like_dossier_code,
)

TIMEOUT = 0.5  # seconds, the client's budget in these tests

KNOWN = "000.00.31.H56-250714-0012"
MINIMAL = "G22.99-251003-0007"
SLOW = "H12.34.5-260105-000123"
TRICKLE = "H12.34.5-260105-000124"
BROKEN = "H12.34.5-260105-000500"
MALFORMED = "H12.34.5-260105-000666"
WRONG_SHAPE = "H12.34.5-260105-000667"
OTHER_DOSSIER = "H12.34.5-260105-000668"
HUGE = "H12.34.5-260105-000669"
REDIRECT = "H12.34.5-260105-000301"

KNOWN_ANSWER = {
    "code": KNOWN,
    "status": "Đang xử lý",
    "updated_at": "2025-07-15T09:30:00+07:00",
    "agency": "Sở Tư pháp tỉnh Thử Nghiệm",
    "due_date": "2025-07-25",
    "note": "Chờ bổ sung bản sao giấy khai sinh",
    "internal_id": 81723,  # extra fields are ignored
}


class FakeProvince(BaseHTTPRequestHandler):
    """The contract, with a few codes that misbehave on purpose."""

    server: FakeProvinceServer

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        code = (parse_qs(url.query).get("code") or [""])[0]
        self.server.requests.append(
            {"path": url.path, "code": code, "authorization": self.headers.get("Authorization")}
        )
        if url.path != "/api/ho-so/trang-thai":
            return self._send(404, b"")
        if code == KNOWN:
            return self._json(200, KNOWN_ANSWER)
        if code == MINIMAL.lower() or code == MINIMAL:
            return self._json(200, {"code": MINIMAL.lower(), "status": "  Đã trả kết quả  ", "agency": ""})
        if code == SLOW:
            self.server.release.wait(TIMEOUT * 10)
            return self._json(200, {**KNOWN_ANSWER, "code": SLOW})
        if code == TRICKLE:  # each read is quick, the whole answer is not
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                for byte in json.dumps({**KNOWN_ANSWER, "code": TRICKLE}).encode():
                    if self.server.release.wait(TIMEOUT / 5):
                        break
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
            return None
        if code == BROKEN:
            return self._send(500, b"Internal Server Error")
        if code == MALFORMED:
            return self._send(200, b'{"code": "H12.34.5-260105-000666", "status": ')
        if code == WRONG_SHAPE:
            return self._json(200, {"code": WRONG_SHAPE, "status": "Đang xử lý", "updated_at": 1752546600})
        if code == OTHER_DOSSIER:
            return self._json(200, {**KNOWN_ANSWER})
        if code == HUGE:
            return self._json(200, {**KNOWN_ANSWER, "code": HUGE, "note": "x" * 100_000})
        if code == REDIRECT:
            self.send_response(302)
            self.send_header("Location", "/api/ho-so/trang-thai?code=" + KNOWN)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        return self._json(404, {"error": "not found"})

    def _json(self, status: int, payload: object) -> None:
        self._send(status, json.dumps(payload, ensure_ascii=False).encode(), "application/json")

    def _send(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up first
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # keep the test output quiet
        pass


class FakeProvinceServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), FakeProvince)
        self.requests: list[dict[str, str | None]] = []
        self.release = threading.Event()  # set at teardown so slow handlers end at once

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/api/ho-so/trang-thai"


@pytest.fixture(scope="module")
def province() -> Iterator[FakeProvinceServer]:
    server = FakeProvinceServer()
    thread = threading.Thread(target=server.serve_forever, name="fake-province", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
async def client(province: FakeProvinceServer):
    client = DossierStatusClient(province.url, timeout=TIMEOUT)
    yield client
    await client.aclose()


# --- the client against the fake service ---------------------------------------------------------


async def test_known_dossier(client: DossierStatusClient) -> None:
    status = await client.status(KNOWN)

    assert status == DossierStatus(
        code=KNOWN,
        status="Đang xử lý",
        updated_at=datetime(2025, 7, 15, 9, 30, tzinfo=timezone(timedelta(hours=7))),
        agency="Sở Tư pháp tỉnh Thử Nghiệm",
        due_date=date(2025, 7, 25),
        note="Chờ bổ sung bản sao giấy khai sinh",
    )
    assert type(status.updated_at.tzinfo) is timezone
    with pytest.raises(FrozenInstanceError):
        status.status = "Đã trả kết quả"  # type: ignore[misc]


async def test_code_is_sent_upper_cased_and_missing_or_blank_fields_are_none(
    client: DossierStatusClient, province: FakeProvinceServer
) -> None:
    status = await client.status(f" {MINIMAL.lower()} ")

    assert province.requests[-1]["code"] == MINIMAL
    assert status == DossierStatus(
        code=MINIMAL, status="Đã trả kết quả", updated_at=None, agency=None, due_date=None, note=None
    )


async def test_unknown_dossier_is_not_found(client: DossierStatusClient) -> None:
    with pytest.raises(DossierNotFound) as caught:
        await client.status("G22.99-251003-9999")
    assert isinstance(caught.value, DossierStatusError)


async def test_slow_service_times_out_within_the_budget(client: DossierStatusClient) -> None:
    started = time.monotonic()
    with pytest.raises(DossierStatusUnavailable):
        await client.status(SLOW)
    assert time.monotonic() - started < TIMEOUT * 4


async def test_an_answer_trickling_in_is_bounded_as_a_whole(client: DossierStatusClient) -> None:
    started = time.monotonic()
    with pytest.raises(DossierStatusUnavailable):
        await client.status(TRICKLE)
    assert time.monotonic() - started < TIMEOUT * 4


@pytest.mark.parametrize(
    "code",
    [BROKEN, MALFORMED, WRONG_SHAPE, OTHER_DOSSIER, HUGE, REDIRECT],
    ids=["500", "malformed JSON", "number for a date", "another dossier", "too large", "redirect"],
)
async def test_answers_outside_the_contract_are_unavailable(client: DossierStatusClient, code: str) -> None:
    with pytest.raises(DossierStatusUnavailable) as caught:
        await client.status(code)
    assert isinstance(caught.value, DossierStatusError)


async def test_the_client_still_works_after_failures(client: DossierStatusClient) -> None:
    for code in (SLOW, BROKEN):
        with pytest.raises(DossierStatusUnavailable):
            await client.status(code)
    assert (await client.status(KNOWN)).code == KNOWN


async def test_concurrent_lookups_share_one_client(province: FakeProvinceServer) -> None:
    # A roomier budget than the other tests: eight answers at once on a busy 2-core machine.
    client = DossierStatusClient(province.url, timeout=TIMEOUT * 10)
    try:
        results = await asyncio.gather(*(client.status(KNOWN) for _ in range(8)))
    finally:
        await client.aclose()
    assert {result.code for result in results} == {KNOWN}


async def test_unreachable_service_is_unavailable() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = DossierStatusClient(f"http://127.0.0.1:{port}/api/ho-so/trang-thai", timeout=TIMEOUT)
    try:
        with pytest.raises(DossierStatusUnavailable):
            await client.status(KNOWN)
    finally:
        await client.aclose()


async def test_token_is_sent_as_bearer(province: FakeProvinceServer) -> None:
    client = DossierStatusClient(province.url, timeout=TIMEOUT, token="bi-mat-123")
    try:
        await client.status(KNOWN)
    finally:
        await client.aclose()

    assert province.requests[-1] == {
        "path": "/api/ho-so/trang-thai",
        "code": KNOWN,
        "authorization": "Bearer bi-mat-123",
    }
    assert "bi-mat-123" not in repr(client)


async def test_no_authorization_header_without_a_token(
    client: DossierStatusClient, province: FakeProvinceServer
) -> None:
    await client.status(KNOWN)
    assert province.requests[-1]["authorization"] is None


async def test_token_is_never_logged(province: FakeProvinceServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    client = DossierStatusClient(province.url, timeout=TIMEOUT, token="bi-mat-123")
    try:
        await client.status(KNOWN)
        for code in ("G22.99-251003-9999", BROKEN, MALFORMED):
            with pytest.raises(DossierStatusError):
                await client.status(code)
    finally:
        await client.aclose()
    assert caplog.records
    assert "bi-mat-123" not in caplog.text


async def test_closed_client_opens_a_new_connection(client: DossierStatusClient) -> None:
    await client.status(KNOWN)
    await client.aclose()
    assert (await client.status(KNOWN)).code == KNOWN


@pytest.mark.parametrize("url", ["", "/relative/path", "ftp://example.gov.vn/ho-so"])
def test_url_must_be_absolute_http(url: str) -> None:
    with pytest.raises(ValueError, match="URL"):
        DossierStatusClient(url)


async def test_empty_code_is_refused(client: DossierStatusClient) -> None:
    with pytest.raises(ValueError, match="empty"):
        await client.status("   ")


# --- finding codes in what people write ----------------------------------------------------------


@pytest.mark.parametrize("code", [KNOWN, MINIMAL, SLOW, "A1.B2-240229-0001"])
def test_valid_codes_are_found(code: str) -> None:
    assert find_dossier_code(code) == code
    assert DOSSIER_CODE.fullmatch(code)
    assert not looks_like_dossier_code(code)


def test_lowercase_code_is_found_upper_cased() -> None:
    assert find_dossier_code("000.00.31.h56-250714-0012") == KNOWN


@pytest.mark.parametrize(
    "text",
    [
        f"Cho tôi hỏi hồ sơ mã {KNOWN} đã xong chưa ạ?",
        f"mã số biên nhận: {KNOWN.lower()}.",
        f"Hồ sơ ({KNOWN}), nộp hôm qua",
        f"https://dichvucong.example.gov.vn/tra-cuu?code={KNOWN}",
        f"Mã cũ G22.99-251399-0007 sai, mã đúng là {KNOWN}",
    ],
)
def test_code_in_a_vietnamese_sentence(text: str) -> None:
    assert find_dossier_code(text) == KNOWN


def test_first_code_wins() -> None:
    assert find_dossier_code(f"{MINIMAL} và {KNOWN}") == MINIMAL


@pytest.mark.parametrize(
    "text",
    [
        "G22.99-251303-0007",  # month 13
        "G22.99-250230-0007",  # 30 February
        "G22.99-250229-0007",  # 2025 is not a leap year
        "G22.99-250100-0007",  # day 0
    ],
)
def test_code_with_a_date_that_does_not_exist(text: str) -> None:
    assert find_dossier_code(text) is None
    assert looks_like_dossier_code(text)


@pytest.mark.parametrize(
    "text",
    [
        "G22.99-2510-7",
        "mã hồ sơ của tôi là g22.99-2510-7 nhé",
        "G22.99-251003",  # no sequence number
        "G22.99-251003-07",  # sequence too short
        "G22.99-251003-0007-1",  # one part too many
        "G22.99 - 251003 - 0007",  # spaces around the dashes
        "G22.99–251003–0007",  # en dashes
        "H56-250714-0012",  # agency code of a single group
    ],
)
def test_near_misses(text: str) -> None:
    assert find_dossier_code(text) is None
    assert looks_like_dossier_code(text)


@pytest.mark.parametrize(
    "text",
    [
        "0912345678",  # phone number
        "Số điện thoại của tôi là 0912345678",
        "0912-345-678",
        "+84 912 345 678",
        "001203004567",  # CCCD, 12 digits
        "CCCD số 001203004567 cấp ngày 14/07/2021",
        "ngày 2025-10-03",
        "14-07-2025",
        "phí 1.500.000-2.000.000 đồng",
        "Covid-19",
        "Tôi muốn làm căn cước",
        "",
    ],
)
def test_not_a_code(text: str) -> None:
    assert find_dossier_code(text) is None
    assert not looks_like_dossier_code(text)


@pytest.mark.parametrize(
    "text",
    [
        f"{KNOWN}A",  # glued to a longer token
        f"{KNOWN}00000",  # nine digits of sequence
        f"{KNOWN}.5",
        f"-{KNOWN}",
        f"{KNOWN}-1",
    ],
)
def test_code_inside_a_longer_token_is_not_taken(text: str) -> None:
    assert find_dossier_code(text) is None
