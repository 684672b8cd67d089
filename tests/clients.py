"""TestClients on in-process apps, for the fixtures of several test packages: each client is
entered when opened (the app's lifespan runs) and left, newest first, when the test is done."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from fastapi import FastAPI
from fastapi.testclient import TestClient

TESTCLIENT = ("testclient", 50000)  # Starlette's own default address


@contextmanager
def opened_clients() -> Iterator[Callable[..., TestClient]]:
    """``open_client(app, client=(address, port))`` within the block; all are closed after it."""
    opened: list[TestClient] = []

    def open_client(app: FastAPI, client: tuple[str, int] = TESTCLIENT) -> TestClient:
        test_client = TestClient(app, client=client)
        test_client.__enter__()
        opened.append(test_client)
        return test_client

    try:
        yield open_client
    finally:
        for test_client in reversed(opened):
            test_client.__exit__(None, None, None)
