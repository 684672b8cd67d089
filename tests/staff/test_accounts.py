"""Accounts as plain data: creating, signing in, roles, disabling, passwords, and the last
active admin that can be neither disabled nor demoted."""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta

import pytest

from app.staff import texts
from app.staff.accounts import AccountError, Accounts
from app.staff.roles import ROLES, allows
from tests.staff.conftest import PASSWORD


def refused(action, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AccountError) as error:
        action()
    assert str(error.value) == message


def test_roles_and_what_they_allow():
    assert ROLES == ("admin", "editor", "agent", "viewer")
    assert allows("admin", set()) and allows("admin", {"editor"})
    assert allows("editor", {"editor"}) and not allows("editor", set())
    assert not allows("viewer", {"editor"}) and not allows("agent", {"editor"})
    assert set(texts.ROLE_LABELS) == set(ROLES)


def test_create_stores_a_normal_username_and_never_the_password(accounts, tmp_path):
    user = accounts.create("  Thu.Ha ", PASSWORD, "editor")
    assert (user.username, user.role, user.disabled) == ("thu.ha", "editor", False)
    assert accounts.get("THU.HA") == user
    assert [u.username for u in accounts.all()] == ["thu.ha"]
    dump = "\n".join(sqlite3.connect(tmp_path / "app.db").iterdump())
    assert PASSWORD not in dump and "$argon2id$" in dump


def test_create_refuses_bad_names_roles_passwords_and_duplicates(accounts):
    for name in ("a", "Nguyễn", "-an", "a b c", "x" * 33, "an/../b"):
        refused(lambda name=name: accounts.create(name, PASSWORD, "editor"), texts.USERNAME_INVALID)
    refused(lambda: accounts.create("lan", PASSWORD, "root"), texts.ROLE_INVALID)
    refused(lambda: accounts.create("lan", "ngắn quá", "editor"), texts.PASSWORD_TOO_SHORT.format(minimum=12))
    refused(lambda: accounts.create("lan", "lan-lan-lan-2026", "editor"), texts.PASSWORD_HAS_USERNAME)
    accounts.create("lan", PASSWORD, "editor")
    refused(lambda: accounts.create("LAN", PASSWORD, "viewer"), texts.USERNAME_TAKEN)
    assert [u.role for u in accounts.all()] == ["editor"]


def test_authenticate_needs_the_right_password_and_an_active_account(accounts, clock):
    accounts.create("lan", PASSWORD, "viewer")
    assert accounts.authenticate("lan", PASSWORD + "x") is None
    assert accounts.authenticate("khong-co", PASSWORD) is None
    assert accounts.get("lan").last_login_at is None
    clock.now += timedelta(minutes=5)
    signed_in = accounts.authenticate(" LAN ", PASSWORD)
    assert signed_in is not None and signed_in.last_login_at == clock.now
    accounts.create("boss", PASSWORD, "admin")
    accounts.set_disabled("lan", True)
    assert accounts.authenticate("lan", PASSWORD) is None


def test_the_last_active_admin_can_be_neither_disabled_nor_demoted(accounts):
    accounts.create("boss", PASSWORD, "admin")
    refused(lambda: accounts.set_disabled("boss", True), texts.LAST_ADMIN)
    refused(lambda: accounts.set_role("boss", "editor"), texts.LAST_ADMIN)
    accounts.create("second", PASSWORD, "admin")
    before, after = accounts.set_role("second", "editor")
    assert (before.role, after.role) == ("admin", "editor")
    refused(lambda: accounts.set_disabled("boss", True), texts.LAST_ADMIN)
    accounts.set_role("second", "admin")
    accounts.set_disabled("second", True)  # a disabled admin does not count
    refused(lambda: accounts.set_role("boss", "viewer"), texts.LAST_ADMIN)
    assert accounts.active_admins() == 1
    accounts.set_disabled("second", False)
    accounts.set_disabled("boss", True)  # now another admin is active
    assert accounts.active_admins() == 1
    refused(lambda: accounts.set_role("nobody", "viewer"), texts.NO_SUCH_USER)


def test_two_admins_demoting_each_other_at_once_leave_one_admin(database, clock):
    setup = Accounts(database, clock)
    setup.create("an", PASSWORD, "admin")
    setup.create("binh", PASSWORD, "admin")
    errors: list[str] = []
    start = threading.Barrier(2)

    def demote(name: str) -> None:
        start.wait()
        try:
            Accounts(database, clock).set_role(name, "viewer")
        except AccountError as error:
            errors.append(str(error))

    threads = [threading.Thread(target=demote, args=(name,)) for name in ("an", "binh")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert setup.active_admins() == 1
    assert errors == [texts.LAST_ADMIN]


def test_accounts_without_any_admin_can_still_be_managed(accounts):
    """Before the first admin exists (or from the command line), editors are disabled freely."""
    accounts.create("lan", PASSWORD, "editor")
    accounts.set_disabled("lan", True)
    assert accounts.get("lan").disabled


def test_changing_ones_own_password_needs_the_current_one(accounts):
    user = accounts.create("lan", PASSWORD, "editor")
    refused(
        lambda: accounts.change_own_password(user.id, "sai mật khẩu rồi", "mật khẩu mới 2027"),
        texts.OLD_PASSWORD_WRONG,
    )
    refused(lambda: accounts.change_own_password(user.id, PASSWORD, PASSWORD), texts.PASSWORD_UNCHANGED)
    refused(
        lambda: accounts.change_own_password(user.id, PASSWORD, "lan của năm 2027"),
        texts.PASSWORD_HAS_USERNAME,
    )
    accounts.change_own_password(user.id, PASSWORD, "mật khẩu mới 2027")
    assert accounts.authenticate("lan", PASSWORD) is None
    assert accounts.authenticate("lan", "mật khẩu mới 2027") is not None


def test_an_admin_reset_sets_a_password_that_passes_the_rules(accounts):
    accounts.create("lan", PASSWORD, "editor")
    refused(lambda: accounts.set_password("lan", "ngắn"), texts.PASSWORD_TOO_SHORT.format(minimum=12))
    refused(lambda: accounts.set_password("khong-co", PASSWORD), texts.NO_SUCH_USER)
    accounts.set_password("lan", "đặt lại bởi quản trị")
    assert accounts.authenticate("lan", "đặt lại bởi quản trị") is not None
