"""Start Rasa's command line with the auth token taken from the environment, not the command line.

``python -m nlu.launcher run --enable-api …`` (in .venv-rasa, what the runner starts) reads
``RASA_AUTH_TOKEN`` from its environment and adds ``--auth-token`` to ``sys.argv`` inside the
process, then runs Rasa's CLI entry point. The operating system's view of the command line
(``ps``, ``/proc/<pid>/cmdline``) is the one the process was started with, so it never holds the
token; ``/proc/<pid>/environ`` is readable by the same user only.

It also makes Rasa reuse one HTTP session per endpoint (:func:`share_endpoint_sessions`): Rasa
3.6's ``EndpointConfig.request`` opens a new aiohttp ``ClientSession`` — a new connection, a new
TCP handshake — for every custom-action call — and validate each action's response with one
prepared JSON-schema validator (:func:`check_action_responses_with_one_validator`): Rasa calls
``jsonschema.validate``, which checks the schema itself again on every call (40 % of Rasa's CPU
in the load benchmark's mix, BENCHMARKS.md).
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

# Idle keep-alive connections are dropped by the client before the app's server drops them
# (uvicorn: 5 s), so a call never goes out on a connection the server is closing.
KEEPALIVE_SECONDS = 2.0


class _Borrowed:
    """``async with`` on a shared session without closing it (what ``request`` does on exit)."""

    def __init__(self, session: Any) -> None:
        self.session = session

    async def __aenter__(self) -> Any:
        return self.session

    async def __aexit__(self, *exc: object) -> None:
        return None


def share_endpoint_sessions() -> None:
    """Patch ``EndpointConfig.session`` to hand out one session per endpoint and event loop,
    configured as Rasa configures its own (headers, basic auth, timeout), with keep-alive."""
    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

    if getattr(EndpointConfig.session, "shared", False):
        return
    sessions: dict[tuple, aiohttp.ClientSession] = {}

    def session(self: EndpointConfig) -> Any:
        loop = asyncio.get_running_loop()  # Rasa calls it from coroutines only
        key = (id(loop), self.url, repr(sorted(self.headers.items())), repr(sorted(self.basic_auth.items())))
        shared = sessions.get(key)
        if shared is None or shared.closed or shared.loop is not loop:
            auth = (
                aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
                if self.basic_auth
                else None
            )
            shared = sessions[key] = aiohttp.ClientSession(
                headers=self.headers,
                auth=auth,
                timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS),
            )
        return _Borrowed(shared)

    session.shared = True  # type: ignore[attr-defined]
    EndpointConfig.session = session  # type: ignore[method-assign]


def rasa_arguments(arguments: list[str], token: str) -> list[str]:
    """Rasa's arguments, with ``--auth-token`` added to ``rasa run`` (the server)."""
    if arguments[:1] != ["run"] or arguments[1:2] == ["actions"]:
        return list(arguments)
    if not token:
        raise SystemExit("RASA_AUTH_TOKEN is not set: Rasa's HTTP API would be open to anyone here.")
    if any(arg == "--auth-token" or arg.startswith("--auth-token=") for arg in arguments):
        raise SystemExit("Give the token in RASA_AUTH_TOKEN, never on the command line.")
    return [*arguments, "--auth-token", token]


def check_action_responses_with_one_validator() -> None:
    """Patch ``RemoteAction._validate_action_result``: the same schema and the same error, with
    the schema checked once here instead of on every call (jsonschema's own advice for
    validating many instances against one schema)."""
    from jsonschema import ValidationError
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    if getattr(RemoteAction._validate_action_result, "prepared", False):
        return
    schema = RemoteAction.action_response_format_spec()
    kind = validator_for(schema)
    kind.check_schema(schema)
    validator = kind(schema)

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        try:
            validator.validate(result)
        except ValidationError as error:
            error.message += (
                f". Failed to validate Action server response from API, "
                f"make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise
        return True

    _validate_action_result.prepared = True  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]


def main() -> None:
    sys.argv = ["rasa", *rasa_arguments(sys.argv[1:], os.environ.get("RASA_AUTH_TOKEN", ""))]

    # These import Rasa: TensorFlow loads in the real process only, never when tests import this.
    share_endpoint_sessions()
    check_action_responses_with_one_validator()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
