"""Command line: ``python -m app run`` starts the assistant (what ``make run`` calls)."""

from __future__ import annotations

import argparse
import signal
import sys
import time

from pydantic import ValidationError

from app.runner import Stack, StartupError, ensure_auth_token
from app.settings import get_settings


def run() -> int:
    ensure_auth_token()
    try:
        settings = get_settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])).upper() or 'settings'}: {e['msg']}" for e in exc.errors()
        )
        print(f"Cannot start: invalid settings in the environment or .env — {problems}", file=sys.stderr)
        return 2
    stack = Stack(settings=settings, log_dir=settings.var_dir / "log")

    def _stop(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    started = time.monotonic()
    try:
        print(
            f"Starting Rasa (port {settings.rasa_port}) and the app (port {settings.app_port})…", flush=True
        )
        stack.start()
        stack.wait_healthy()
        print(
            f"Ready in {time.monotonic() - started:.0f} s: {settings.base_url}\n"
            f"Logs: {stack.log_dir}/rasa.log, {stack.log_dir}/app.log. Press Ctrl-C to stop.",
            flush=True,
        )
        while all(process.poll() is None for process in stack.processes.values()):
            time.sleep(1)
        dead = [name for name, process in stack.processes.items() if process.poll() is not None]
        print(f"The {', '.join(dead)} process stopped unexpectedly; see its log.\n{stack.log_tail(dead[0])}")
        return 1
    except StartupError as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping…", flush=True)
        return 0
    finally:
        stack.stop()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m app", description="Trợ lý Dịch vụ công")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start Rasa and the app, wait until healthy, stop both on Ctrl-C")
    commands.add_parser("token", help="generate RASA_AUTH_TOKEN into .env if it is set nowhere")
    args = parser.parse_args()
    if args.command == "token":
        ensure_auth_token()
        return 0
    return run()


if __name__ == "__main__":
    sys.exit(main())
