"""``python -m app staff …``: accounts from the command line, for operators.

- ``create-user NAME --role admin|editor|agent|viewer``: the password comes from stdin — asked
  twice (not shown) at a terminal, one line when piped (``… < file`` or ``printf … |``); never
  an argument, so it is never in the shell history or the process list.
- ``list``: every account with its role, state and last sign-in.
- ``disable NAME`` / ``enable NAME``: a disabled account's sessions end at once; the last
  active admin cannot be disabled.
- ``reset-password NAME``: a new password from stdin; every session of the account ends.

Each change is written to the audit log as ``cli:<operating-system user>`` from ``cli``.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TextIO

from app.clock import utc_now
from app.database import Database
from app.settings import Settings
from app.staff import texts
from app.staff.accounts import AccountError, Accounts
from app.staff.audit import AuditLog
from app.staff.roles import ROLES
from app.staff.sessions import StaffSessions

CREATE_FIRST_ADMIN = (
    "No active admin account for the staff console yet: create one with "
    "`.venv/bin/python -m app staff create-user NAME --role admin` (the password is read from stdin), "
    "then sign in at {url}/staff"
)


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    staff = commands.add_parser("staff", help="staff console accounts: create-user, list, disable, …")
    actions = staff.add_subparsers(dest="staff_command", required=True)
    create = actions.add_parser("create-user", help="create an account; the password is read from stdin")
    create.add_argument("name")
    create.add_argument("--role", required=True, choices=ROLES)
    actions.add_parser("list", help="list the accounts")
    for name, what in (("disable", "disable an account (its sessions end)"), ("enable", "enable an account")):
        actions.add_parser(name, help=what).add_argument("name")
    reset = actions.add_parser(
        "reset-password", help="set a new password (stdin); the account's sessions end"
    )
    reset.add_argument("name")


def _operator() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def read_password(stdin: TextIO | None = None) -> str:
    """Twice, unseen, at a terminal; one line when piped."""
    stdin = stdin or sys.stdin
    if stdin.isatty():
        first = getpass.getpass("Mật khẩu: ")
        if getpass.getpass("Nhập lại mật khẩu: ") != first:
            raise AccountError(texts.PASSWORD_MISMATCH)
        return first
    return stdin.readline().rstrip("\r\n")


@contextmanager
def _stores(settings: Settings) -> Iterator[tuple[Accounts, StaffSessions, AuditLog]]:
    database = Database(settings.app_db, settings.app_secret_key)
    try:
        sessions = StaffSessions(
            database,
            idle=timedelta(minutes=settings.staff_session_idle_minutes),
            lifetime=timedelta(hours=settings.staff_session_hours),
            secret=settings.app_secret_key,
        )
        yield Accounts(database, utc_now), sessions, AuditLog(database, utc_now)
    finally:
        database.close()


def run(args: argparse.Namespace, settings: Settings) -> int:
    command = args.staff_command
    with _stores(settings) as (accounts, sessions, audit):
        try:
            if command == "list":
                users = accounts.all()
                if not users:
                    print("No accounts yet.")
                for user in users:
                    last = (
                        user.last_login_at.strftime("%Y-%m-%d %H:%M UTC") if user.last_login_at else "never"
                    )
                    state = "disabled" if user.disabled else "active"
                    print(f"{user.username:<32} {user.role:<7} {state:<8} last sign-in: {last}")
                return 0
            if command == "create-user":
                user = accounts.create(args.name, read_password(), args.role)
                audit.add(
                    "account_created",
                    actor=_operator(),
                    target_kind="account",
                    target_id=user.username,
                    after=user.snapshot(),
                    address="cli",
                )
                print(f"Created {user.username} ({user.role}).")
            elif command in ("disable", "enable"):
                before, after = accounts.set_disabled(args.name, command == "disable")
                ended = sessions.end_for_user(after.id) if command == "disable" else 0
                if before.disabled != after.disabled:
                    audit.add(
                        f"account_{command}d",
                        actor=_operator(),
                        target_kind="account",
                        target_id=after.username,
                        before=before.snapshot(),
                        after=after.snapshot(),
                        address="cli",
                    )
                print(
                    f"{after.username} is {'disabled' if after.disabled else 'active'}"
                    + (f"; {ended} session(s) ended." if ended else ".")
                )
            elif command == "reset-password":
                user = accounts.set_password(args.name, read_password())
                ended = sessions.end_for_user(user.id)
                audit.add(
                    "password_reset",
                    actor=_operator(),
                    target_kind="account",
                    target_id=user.username,
                    after={"sessions_ended": ended},
                    address="cli",
                )
                print(f"New password set for {user.username}; {ended} session(s) ended.")
        except AccountError as refused:
            print(f"Refused: {refused}", file=sys.stderr)
            return 2
    return 0


def first_admin_hint(settings: Settings) -> str | None:
    """The line ``python -m app run`` prints while no active admin exists, else None."""
    with _stores(settings) as (accounts, _, _):
        if accounts.active_admins():
            return None
    return CREATE_FIRST_ADMIN.format(url=settings.base_url)
