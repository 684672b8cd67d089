"""The launcher's shared HTTP session for Rasa's endpoint calls (runs in .venv-rasa).

Rasa 3.6 opens a new aiohttp session (and connection) per custom-action call; the launcher makes
``EndpointConfig.request`` reuse one. A real aiohttp server stands in for the app's action
webhook and records which client connection each call came on.
"""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("rasa", reason="runs in the Rasa environment (make test does that)")

import jsonschema
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from nlu import launcher


@pytest.fixture
def shared(monkeypatch):
    """The patch applied for one test; Rasa's own ``session`` comes back afterwards."""
    monkeypatch.setattr(EndpointConfig, "session", EndpointConfig.session)
    launcher.share_endpoint_sessions()
    launcher.share_endpoint_sessions()  # twice is once


async def serve_and_call(calls: int, pause: float = 0.0, keepalive: float = 75.0) -> list[tuple]:
    """``calls`` action calls to a local server; (client port, auth header, body) per call."""
    seen: list[tuple] = []

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        seen.append(
            (request.transport.get_extra_info("peername")[1], request.headers.get("Authorization"), body)
        )
        return web.json_response({"events": [], "responses": [{"text": f"ok {body['n']}"}]})

    app = web.Application()
    app.router.add_post("/rasa/webhook", webhook)
    runner = web.AppRunner(app, keepalive_timeout=keepalive)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    endpoint = EndpointConfig(
        url=f"http://127.0.0.1:{port}/rasa/webhook", headers={"Authorization": "Bearer t"}
    )
    try:
        for number in range(calls):
            answer = await endpoint.request(json={"n": number}, method="post", timeout=5)
            assert answer["responses"] == [{"text": f"ok {number}"}]
            await asyncio.sleep(pause)
    finally:
        await runner.cleanup()
    return seen


def test_action_calls_share_one_connection(shared):
    seen = asyncio.run(serve_and_call(5))
    assert [body["n"] for _, _, body in seen] == [0, 1, 2, 3, 4]
    assert {auth for _, auth, _ in seen} == {"Bearer t"}, "the endpoint's headers go with every call"
    assert len({port for port, _, _ in seen}) == 1, "one connection for every call"


def test_without_the_patch_each_call_opens_a_connection():
    seen = asyncio.run(serve_and_call(3))
    assert len({port for port, _, _ in seen}) == 3


def test_a_connection_the_server_closed_is_replaced(shared):
    # The server drops idle connections after 0.2 s; the next call must still be answered.
    seen = asyncio.run(serve_and_call(3, pause=0.5, keepalive=0.2))
    assert [body["n"] for _, _, body in seen] == [0, 1, 2]


@pytest.fixture
def prepared(monkeypatch):
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RemoteAction._validate_action_result)
    launcher.check_action_responses_with_one_validator()
    launcher.check_action_responses_with_one_validator()  # twice is once


def test_action_responses_are_validated_without_checking_the_schema_each_time(prepared, monkeypatch):
    def no_schema_check(*args, **kwargs):
        raise AssertionError("the schema was checked again")

    monkeypatch.setattr(jsonschema, "validate", no_schema_check)
    kind = jsonschema.validators.validator_for(RemoteAction.action_response_format_spec())
    monkeypatch.setattr(kind, "check_schema", no_schema_check)
    action = RemoteAction("action_guide_next", None)
    good = {
        "events": [{"event": "slot", "name": "guide_stage", "value": "steps"}],
        "responses": [{"text": "Bước 1/6", "buttons": [{"title": "Tiếp theo", "payload": "/guide_next"}]}],
    }
    assert action._validate_action_result(good) is True
    for bad in ({"events": "not a list"}, {"events": [{"no": "event key"}]}, {"responses": "x"}):
        with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server response"):
            action._validate_action_result(bad)
