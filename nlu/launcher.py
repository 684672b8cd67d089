"""Start Rasa's command line with the auth token taken from the environment, not the command line.

``python -m nlu.launcher run --enable-api …`` (in .venv-rasa, what the runner starts) reads
``RASA_AUTH_TOKEN`` from its environment and adds ``--auth-token`` to ``sys.argv`` inside the
process, then runs Rasa's CLI entry point. The operating system's view of the command line
(``ps``, ``/proc/<pid>/cmdline``) is the one the process was started with, so it never holds the
token; ``/proc/<pid>/environ`` is readable by the same user only.
"""

from __future__ import annotations

import os
import sys


def rasa_arguments(arguments: list[str], token: str) -> list[str]:
    """Rasa's arguments, with ``--auth-token`` added to ``rasa run`` (the server)."""
    if arguments[:1] != ["run"] or arguments[1:2] == ["actions"]:
        return list(arguments)
    if not token:
        raise SystemExit("RASA_AUTH_TOKEN is not set: Rasa's HTTP API would be open to anyone here.")
    if any(arg == "--auth-token" or arg.startswith("--auth-token=") for arg in arguments):
        raise SystemExit("Give the token in RASA_AUTH_TOKEN, never on the command line.")
    return [*arguments, "--auth-token", token]


def main() -> None:
    sys.argv = ["rasa", *rasa_arguments(sys.argv[1:], os.environ.get("RASA_AUTH_TOKEN", ""))]

    from rasa.__main__ import main as rasa_main  # imported late: it loads TensorFlow

    rasa_main()


if __name__ == "__main__":
    main()
