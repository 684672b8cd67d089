"""Command line: ``python -m app run`` starts the assistant (what ``make run`` calls);
``purge`` and ``forget`` apply the data-retention rules by hand; ``staff`` manages the staff
console's accounts (``app/staff/cli.py``); ``backup`` and ``restore`` copy the databases
(``app/backups.py``)."""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable

from pydantic import ValidationError

from app.clock import utc_now
from app.retention import Retention
from app.runner import Stack, StartupError, ensure_secrets
from app.settings import Settings, get_settings
from app.staff import cli as staff_cli
from app.supervisor import RestartPolicy, RunnerLog, StopRequest, Supervisor

SENDER = re.compile(r"(?:web|tg|zalo):[A-Za-z0-9_\-]{1,100}")


def run() -> int:
    """Start the stack, keep it running (app/supervisor.py), stop it once on SIGTERM, SIGINT or
    SIGHUP: 0 after a requested stop, 1 when it could not start or gave up restarting a child."""
    ensure_secrets()
    try:
        settings = get_settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])).upper() or 'settings'}: {e['msg']}" for e in exc.errors()
        )
        print(f"Cannot start: invalid settings in the environment or .env — {problems}", file=sys.stderr)
        return 2
    stop = StopRequest()
    stop.install()
    log_dir = settings.var_dir / "log"
    say = RunnerLog(log_dir)
    stack = Stack(settings=settings, log_dir=log_dir, say=say)
    started = time.monotonic()
    code = 0
    try:
        print(
            f"Starting Rasa (port {settings.rasa_port}) and the app (port {settings.app_port})…", flush=True
        )
        stack.start()
        if stack.wait_healthy(stopping=lambda: bool(stop)):
            print(
                f"Ready in {time.monotonic() - started:.0f} s: {settings.base_url}\n"
                f"Logs: {stack.log_dir}/rasa.log, {stack.log_dir}/app.log, {stack.log_dir}/runner.log. "
                "Press Ctrl-C to stop.",
                flush=True,
            )
            _print_first_admin_hint(settings)
            code = Supervisor(stack, RestartPolicy.of(settings), stop, say).run()
    except StartupError as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        code = 1
    finally:
        try:
            if stop:
                say(f"Stopping on {stop.name}: the app, then Rasa.")
        finally:
            stack.stop()
    return code


def _print_first_admin_hint(settings: Settings) -> None:
    """While no active admin exists, say how to create the first one (never stops the run)."""
    try:
        hint = staff_cli.first_admin_hint(settings)
    except Exception as exc:  # the database is the app's; a hint is not worth a failed start
        hint = f"(Could not check the staff accounts: {type(exc).__name__})"
    if hint:
        print(hint, flush=True)


def staff(args: argparse.Namespace) -> int:
    """Manage the staff console's accounts (``app/staff/cli.py``)."""
    ensure_secrets()
    return staff_cli.run(args, get_settings())


def _apply_retention(title: str, act: Callable[[Retention], dict[str, int]]) -> int:
    """Open the stores, ``act`` on them (purge or forget) and print what each store lost."""
    from app.main import Stores  # the whole app; not needed to start the stack

    ensure_secrets()
    settings = get_settings()
    stores = Stores.open(settings, utc_now)
    try:
        counts = act(stores.retention(settings, utc_now))
    finally:
        stores.close()
    print(title)
    for name, count in counts.items():
        print(f"  {name}: {count}")
    return 0


def purge() -> int:
    """Delete everything older than DATA_RETENTION_DAYS now (the app also does it daily)."""
    ensure_secrets()
    days = get_settings().data_retention_days
    return _apply_retention(f"Purged data older than {days} days:", Retention.purge)


def forget(sender: str) -> int:
    """Erase one person's data on request (their conversation id, e.g. tg:123456789)."""
    if not SENDER.fullmatch(sender):
        print("The id looks like web:<uuid>, tg:<chat id> or zalo:<user id>.", file=sys.stderr)
        return 2
    return _apply_retention(f"Erased what was kept about {sender}:", lambda r: r.forget(sender))


def backup() -> int:
    """Back up the app and knowledge databases now (``app/backups.py``); print the files."""
    from app.backups import backup_all
    from knowledge.backups import BackupRefused

    try:
        made = backup_all(get_settings())
    except BackupRefused as exc:
        print(f"Cannot back up: {exc}", file=sys.stderr)
        return 1
    for path in made:
        print(path)
    if not made:
        print("Nothing to back up: neither database exists yet.")
    return 0


def restore(file: str, database: str | None) -> int:
    """Put a backup back (the app must be stopped); a copy of what it replaces is kept."""
    from pathlib import Path

    from app.backups import RestoreRefused
    from app.backups import restore as restore_backup

    try:
        done = restore_backup(get_settings(), Path(file), database)
    except RestoreRefused as exc:
        print(f"Cannot restore: {exc}", file=sys.stderr)
        return 1
    print(f"Restored the {done.database} database from {done.source}.")
    if done.replaced is not None:
        print(f"What it replaced is kept in {done.replaced}.")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m app", description="Trợ lý Dịch vụ công")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "run", help="start Rasa and the app, restart either if it dies, stop both on Ctrl-C or SIGTERM"
    )
    commands.add_parser("token", help="generate RASA_AUTH_TOKEN and APP_SECRET_KEY into .env if set nowhere")
    commands.add_parser("purge", help="delete conversations and personal data older than DATA_RETENTION_DAYS")
    forgetting = commands.add_parser("forget", help="erase everything kept about one person")
    forgetting.add_argument(
        "sender", help="their conversation id: web:<uuid>, tg:<chat id> or zalo:<user id>"
    )
    staff_cli.add_parser(commands)
    commands.add_parser("backup", help="back up the app and knowledge databases now (var/backups)")
    restoring = commands.add_parser("restore", help="put a backup back (the app must be stopped)")
    restoring.add_argument("file", help="a backup, e.g. var/backups/knowledge-20261205T101500Z-0002.db")
    restoring.add_argument(
        "--database", choices=("app", "knowledge"), help="which database (default: from the file name)"
    )
    args = parser.parse_args()
    if args.command == "token":
        ensure_secrets()
        return 0
    if args.command == "purge":
        return purge()
    if args.command == "forget":
        return forget(args.sender)
    if args.command == "backup":
        return backup()
    if args.command == "restore":
        return restore(args.file, args.database)
    if args.command == "staff":
        return staff(args)
    return run()


if __name__ == "__main__":
    sys.exit(main())
