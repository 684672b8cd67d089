"""``python -m app staff …`` as an operator runs it (a real process, the real app database):
the first admin with the password from stdin, list, disable, enable, reset-password; and the
line ``python -m app run`` prints while no active admin exists."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from contextlib import redirect_stdout
from datetime import timedelta
from pathlib import Path

import pytest

import app.__main__ as app_main
from app.database import Database
from app.runner import ROOT
from app.staff import cli, texts
from app.staff.accounts import AccountError, Accounts
from app.staff.audit import AuditLog
from app.staff.sessions import StaffSessions
from tests.staff.conftest import KEY, PASSWORD, staff_settings


def staff(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        name: value for name, value in os.environ.items() if not name.startswith(("APP_", "RASA_", "VAR_"))
    }
    env |= {
        "VAR_DIR": str(tmp_path),
        "APP_SECRET_KEY": KEY,
        "RASA_AUTH_TOKEN": "t" * 32,
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.run(
        [sys.executable, "-m", "app", "staff", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )


def run_prints_the_hint(settings, expected: str | None) -> None:  # type: ignore[no-untyped-def]
    """What ``python -m app run`` prints after "Ready" (app/__main__.py)."""
    out = io.StringIO()
    with redirect_stdout(out):
        app_main._print_first_admin_hint(settings)
    assert out.getvalue() == (f"{expected}\n" if expected else "")


def opened(tmp_path: Path) -> Database:
    return Database(f"sqlite:///{tmp_path / 'app.db'}", KEY)


def test_the_first_admin_from_the_command_line(tmp_path):
    settings = staff_settings(tmp_path)
    hint = cli.first_admin_hint(settings)
    assert hint is not None
    assert "python -m app staff create-user NAME --role admin" in hint and "stdin" in hint

    run_prints_the_hint(settings, expected=hint)
    created = staff(tmp_path, "create-user", "Boss", "--role", "admin", stdin=PASSWORD + "\n")
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == "Created boss (admin)."
    assert PASSWORD not in created.stdout + created.stderr
    assert cli.first_admin_hint(settings) is None
    run_prints_the_hint(settings, expected=None)

    database = opened(tmp_path)
    assert Accounts(database).authenticate("boss", PASSWORD) is not None
    entry = AuditLog(database).page().entries[0]
    assert (entry.action, entry.target_id, entry.address) == ("account_created", "boss", "cli")
    assert entry.actor.startswith("cli")
    database.close()


def test_the_password_is_never_an_argument_and_must_pass_the_rules(tmp_path):
    as_argument = staff(tmp_path, "create-user", "boss", "--role", "admin", "--password", PASSWORD)
    assert as_argument.returncode == 2 and "unrecognized arguments" in as_argument.stderr
    weak = staff(tmp_path, "create-user", "boss", "--role", "admin", stdin="ngắn quá\n")
    assert weak.returncode == 2
    assert weak.stderr.strip() == f"Refused: {texts.PASSWORD_TOO_SHORT.format(minimum=12)}"
    empty = staff(tmp_path, "create-user", "boss", "--role", "admin")
    assert empty.returncode == 2
    no_role = staff(tmp_path, "create-user", "boss", stdin=PASSWORD + "\n")
    assert no_role.returncode == 2 and "--role" in no_role.stderr
    database = opened(tmp_path)
    assert Accounts(database).all() == []
    database.close()


def test_list_disable_enable_and_reset_password(tmp_path):
    assert staff(tmp_path, "create-user", "boss", "--role", "admin", stdin=PASSWORD).returncode == 0
    assert staff(tmp_path, "create-user", "lan", "--role", "editor", stdin=PASSWORD + "\r\n").returncode == 0
    database = opened(tmp_path)
    sessions = StaffSessions(database, idle=timedelta(minutes=30), lifetime=timedelta(hours=12), secret=KEY)
    lan = Accounts(database).get("lan")
    token, _ = sessions.open(lan)

    listed = staff(tmp_path, "list")
    assert listed.returncode == 0
    lines = listed.stdout.splitlines()
    assert lines[0].split()[:3] == ["boss", "admin", "active"] and lines[0].endswith("never")
    assert lines[1].split()[:3] == ["lan", "editor", "active"]

    disabled = staff(tmp_path, "disable", "lan")
    assert disabled.returncode == 0 and disabled.stdout.strip() == "lan is disabled; 1 session(s) ended."
    assert sessions.resolve(token) is None
    assert staff(tmp_path, "list").stdout.splitlines()[1].split()[:3] == ["lan", "editor", "disabled"]
    last_admin = staff(tmp_path, "disable", "boss")
    assert last_admin.returncode == 2 and texts.LAST_ADMIN in last_admin.stderr
    assert staff(tmp_path, "enable", "lan").stdout.strip() == "lan is active."

    token, _ = sessions.open(Accounts(database).get("lan"))
    reset = staff(tmp_path, "reset-password", "lan", stdin="mật khẩu mới năm 2027\n")
    assert reset.returncode == 0 and reset.stdout.strip() == "New password set for lan; 1 session(s) ended."
    assert sessions.resolve(token) is None
    assert Accounts(database).authenticate("lan", "mật khẩu mới năm 2027") is not None
    assert staff(tmp_path, "reset-password", "khong-co", stdin=PASSWORD).returncode == 2
    actions = [entry.action for entry in AuditLog(database).page().entries]
    assert actions == [
        "password_reset",
        "account_enabled",
        "account_disabled",
        "account_created",
        "account_created",
    ]
    database.close()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_at_a_terminal_the_password_is_asked_twice_unseen(monkeypatch):
    answers = iter([PASSWORD, PASSWORD, PASSWORD, PASSWORD + "x"])
    prompts: list[str] = []

    def getpass(prompt: str) -> str:
        prompts.append(prompt)
        return next(answers)

    monkeypatch.setattr(cli.getpass, "getpass", getpass)
    assert cli.read_password(Terminal()) == PASSWORD
    assert prompts == ["Mật khẩu: ", "Nhập lại mật khẩu: "]
    with pytest.raises(AccountError, match=texts.PASSWORD_MISMATCH):
        cli.read_password(Terminal())
    assert cli.read_password(io.StringIO(PASSWORD + "\nrest\n")) == PASSWORD  # piped: one line
