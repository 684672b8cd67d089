"""Staff sessions: only the hash of the id is stored; idle and absolute expiry on the app's
clock; a disabled account's sessions stop at once; ending the other sessions of an account;
expired rows are cleaned at every sign-in; the CSRF token is bound to the session."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import timedelta

import pytest

from app.staff import csrf
from app.staff.sessions import StaffSessions
from tests.staff.conftest import KEY, PASSWORD

IDLE = timedelta(minutes=30)
LIFETIME = timedelta(hours=12)


@pytest.fixture
def sessions(database, clock) -> StaffSessions:
    return StaffSessions(database, idle=IDLE, lifetime=LIFETIME, secret=KEY, clock=clock)


@pytest.fixture
def lan(accounts):
    accounts.create("boss", PASSWORD, "admin")
    return accounts.create("lan", PASSWORD, "editor")


def test_only_the_hash_of_the_session_id_is_stored(sessions, lan, tmp_path):
    token, session = sessions.open(lan)
    assert len(token) >= 43  # 32 random bytes
    assert session.key == hashlib.sha256(token.encode()).hexdigest()
    dump = "\n".join(sqlite3.connect(tmp_path / "app.db").iterdump())
    assert token not in dump and session.key in dump and session.csrf not in dump
    resolved = sessions.resolve(token)
    assert resolved is not None and resolved.user.username == "lan" and resolved.key == session.key
    assert sessions.resolve(session.key) is None  # the stored hash does not open the session
    assert sessions.resolve("") is None and sessions.resolve("x" * 5000) is None


def test_the_csrf_token_is_bound_to_its_session(sessions, lan):
    first_token, first = sessions.open(lan)
    _, second = sessions.open(lan)
    assert first.csrf != second.csrf
    assert first.csrf == csrf.token_for(KEY, first_token) == sessions.resolve(first_token).csrf
    assert csrf.matches(first.csrf, first.csrf)
    assert not csrf.matches(first.csrf, second.csrf)
    assert not csrf.matches(first.csrf, None) and not csrf.matches(first.csrf, "")


def test_a_session_ends_after_the_idle_time_without_use(sessions, lan, clock):
    token, _ = sessions.open(lan)
    clock.now += IDLE - timedelta(minutes=1)
    assert sessions.resolve(token) is not None  # used: the idle time starts again
    clock.now += IDLE - timedelta(minutes=1)
    assert sessions.resolve(token) is not None
    clock.now += IDLE + timedelta(seconds=1)
    assert sessions.resolve(token) is None
    clock.now -= IDLE  # gone for good, not just refused for now
    assert sessions.resolve(token) is None
    assert sessions.count(lan.id) == 0


def test_a_session_ends_after_its_lifetime_however_much_it_is_used(sessions, lan, clock):
    token, _ = sessions.open(lan)
    for _ in range(int(LIFETIME / timedelta(minutes=20))):
        clock.now += timedelta(minutes=20)
        assert sessions.resolve(token) is not None
    clock.now += timedelta(minutes=1)
    assert sessions.resolve(token) is None


def test_a_disabled_accounts_sessions_stop_at_once(sessions, lan, accounts):
    token, _ = sessions.open(lan)
    accounts.set_disabled("lan", True)
    assert sessions.resolve(token) is None
    accounts.set_disabled("lan", False)
    assert sessions.resolve(token) is None  # enabling again does not bring the session back


def test_a_role_change_applies_to_the_open_session(sessions, lan, accounts):
    token, _ = sessions.open(lan)
    accounts.set_role("lan", "viewer")
    assert sessions.resolve(token).user.role == "viewer"


def test_ending_an_accounts_other_sessions(sessions, lan, accounts):
    here, current = sessions.open(lan)
    elsewhere, _ = sessions.open(lan)
    boss_token, _ = sessions.open(accounts.get("boss"))
    assert sessions.end_for_user(lan.id, keep=current.key) == 1
    assert sessions.resolve(here) is not None and sessions.resolve(elsewhere) is None
    assert sessions.resolve(boss_token) is not None
    assert sessions.end_for_user(lan.id) == 1
    assert sessions.resolve(here) is None
    assert sessions.close(boss_token) and sessions.resolve(boss_token) is None
    assert not sessions.close(boss_token)


def test_expired_sessions_of_every_account_are_deleted_at_each_sign_in(sessions, lan, accounts, clock):
    for _ in range(3):
        sessions.open(lan)
    clock.now += IDLE + timedelta(minutes=1)
    boss = accounts.get("boss")
    sessions.open(boss)
    assert sessions.count(lan.id) == 0
    assert sessions.count(boss.id) == 1
