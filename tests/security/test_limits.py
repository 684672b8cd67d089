"""Limits that hold whatever a caller rotates: per person, per client address, and a global cap.

Rotating conversation ids does not help (the server issues them, and issuing counts per
address); rotating prefixes does not either (other channels' ids are refused); the address
behind a trusted proxy is the one it forwards, and only from TRUSTED_PROXIES; the webhooks of
Telegram and Zalo are never limited per address; heavy work has a global cap.
"""

from __future__ import annotations

import asyncio

import pytest
from fastapi.testclient import TestClient

from app import texts
from app.main import create_app
from app.runner import free_port
from app.settings import Settings


def make_client(tmp_path, **overrides: object) -> TestClient:
    values: dict[str, object] = {
        "var_dir": tmp_path,
        "rasa_port": free_port(),  # Rasa down: the polite reply, quickly
        "rasa_timeout": 1,
        "app_secret_key": "k" * 40,
    }
    settings = Settings(_env_file=None, **{**values, **overrides})
    return TestClient(create_app(settings, open_knowledge_base=False), client=("203.0.113.7", 40000))


def test_new_ids_per_message_do_not_escape_the_limit(tmp_path):
    """Asking for a fresh id for every message runs into the per-address limit on new ids."""
    with make_client(tmp_path, session_rate_limit=5, channel_rate_limit=3) as client:
        answered = 0
        for _ in range(12):
            issued = client.post("/api/session")
            if issued.status_code == 429:
                assert issued.json()["detail"] == texts.TOO_FAST
                assert issued.headers["retry-after"] == "60"
                break
            sender = issued.json()["sender"]
            answered += (
                client.post("/api/chat", json={"sender": sender, "text": "xin chào"}).status_code == 200
            )
        assert answered == 5


def test_one_id_is_limited_per_person(tmp_path):
    with make_client(tmp_path, channel_rate_limit=3) as client:
        sender = client.post("/api/session").json()["sender"]
        codes = [
            client.post("/api/chat", json={"sender": sender, "text": f"tin {i}"}).status_code
            for i in range(5)
        ]
        assert codes == [200, 200, 200, 429, 429]


@pytest.mark.parametrize("prefix", ["tg:", "zalo:", "api:", "x:", ""])
def test_rotating_prefixes_gets_nothing_through(tmp_path, prefix):
    with make_client(tmp_path) as client:
        for i in range(5):
            response = client.post("/api/chat", json={"sender": f"{prefix}{1000 + i}", "text": "xin chào"})
            assert response.status_code in (401, 403)


def test_every_web_api_call_counts_against_the_address(tmp_path):
    with make_client(tmp_path, client_rate_limit=10, session_rate_limit=100) as client:
        sender = client.post("/api/session").json()["sender"]  # 1
        calls = [
            lambda: client.post("/api/chat", json={"sender": sender, "text": "xin chào"}),
            lambda: client.get("/api/history", params={"sender": sender}),
            lambda: client.get("/api/search", params={"q": "khai sinh"}),
            lambda: client.post("/api/session"),
        ]
        codes = [calls[i % len(calls)]().status_code for i in range(12)]
        assert 429 not in codes[:9] and codes[9:] == [429, 429, 429], codes
        # Another address is not affected.
        other = TestClient(client.app, client=("198.51.100.9", 40000))
        assert other.post("/api/session").status_code == 201


def test_forwarded_for_counts_only_from_a_trusted_proxy(tmp_path):
    with make_client(tmp_path, client_rate_limit=10, trusted_proxies="203.0.113.0/24") as client:
        # Through the trusted proxy, each forwarded address has its own allowance.
        for last in range(1, 6):
            for _ in range(3):
                response = client.post("/api/session", headers={"X-Forwarded-For": f"192.0.2.{last}"})
                assert response.status_code == 201
    with make_client(tmp_path / "untrusted", client_rate_limit=10) as client:
        # Not from a trusted proxy: the header is ignored and every call counts for the peer.
        codes = [
            client.post("/api/session", headers={"X-Forwarded-For": f"192.0.2.{i}"}).status_code
            for i in range(12)
        ]
        assert codes[:10] == [201] * 10 and codes[10:] == [429, 429]


def test_the_default_does_not_trust_forwarded_for_even_from_loopback(tmp_path):
    settings = Settings(_env_file=None, var_dir=tmp_path, rasa_port=free_port(), client_rate_limit=10)
    app = create_app(settings, open_knowledge_base=False)
    with TestClient(app, client=("127.0.0.1", 40000)) as client:
        codes = [
            client.post("/api/session", headers={"X-Forwarded-For": f"192.0.2.{i}"}).status_code
            for i in range(11)
        ]
        assert codes[-1] == 429


def test_the_webhooks_are_not_limited_per_address(tmp_path):
    """Telegram's and Zalo's calls come from a few platform addresses: never a per-address limit."""
    with make_client(tmp_path, client_rate_limit=10) as client:
        for _ in range(15):
            # Channels are off here: 403/404 come from the channel, never 429 from a limit.
            assert client.post("/telegram/webhook", json={}).status_code in (403, 404)
            assert client.post("/zalo/webhook", json={}).status_code == 404


async def test_the_global_cap_turns_away_work_beyond_it(tmp_path, hung_rasa):
    """Two slots, both held by turns waiting on Rasa: a third caller gets a polite 503, not a queue."""
    import httpx

    settings = Settings(
        _env_file=None,
        var_dir=tmp_path,
        rasa_port=hung_rasa,
        rasa_timeout=3,
        max_concurrent_work=2,
        work_wait=0.5,
        app_secret_key="k" * 40,
    )
    app = create_app(settings, open_knowledge_base=False)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as http,
    ):
        senders = [(await http.post("/api/session")).json()["sender"] for _ in range(3)]
        first = [
            asyncio.create_task(http.post("/api/chat", json={"sender": s, "text": "xin chào"}))
            for s in senders[:2]
        ]
        await asyncio.sleep(0.3)
        assert app.state.work.in_use == 2
        busy = await http.post("/api/chat", json={"sender": senders[2], "text": "xin chào"})
        assert busy.status_code == 503 and busy.json()["detail"] == texts.BUSY
        searched = await http.get("/api/history", params={"sender": senders[2]})
        assert searched.status_code == 503
        for response in await asyncio.gather(*first):
            assert response.status_code == 200  # Rasa timed out: the polite reply, in time
        assert app.state.work.in_use == 0
