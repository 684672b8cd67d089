"""Failed sign-ins back off (through the API on the real app): five failures for one username
from anywhere, or from one address for any usernames, and further attempts get 429 with
Retry-After, even with the right password; a success clears the username's count, never the
address's. Failures are logged by username only."""

from __future__ import annotations

import logging

from app.staff import texts
from tests.staff.conftest import PASSWORD, add_account, another
from tests.staff.test_api import attempt, detail


def test_five_failures_for_one_name_block_it_even_with_the_right_password(client, caplog):
    add_account(client, "lan", "editor")
    caplog.set_level(logging.INFO, logger="app.staff.signin")
    # Five failures from five addresses: the username backs off.
    for i in range(5):
        assert attempt(another(client, f"198.51.100.{i + 1}"), "lan").status_code == 401
    blocked = attempt(another(client, "198.51.100.99"), "lan", PASSWORD)
    assert blocked.status_code == 429
    assert detail(blocked) == texts.LOGIN_BLOCKED.format(minutes=15)
    assert 840 <= int(blocked.headers["retry-after"]) <= 900
    assert attempt(client, "boss-khac", PASSWORD).status_code == 401  # other names are not blocked
    # Failures are logged by username only, never with the password.
    failures = [r.getMessage() for r in caplog.records if "failed for 'lan'" in r.getMessage()]
    assert len(failures) == 5 and all(r.levelno == logging.WARNING for r in caplog.records)
    assert "sai mật khẩu" not in caplog.text and PASSWORD not in caplog.text


def test_five_failures_from_one_address_block_it_and_a_success_does_not_reset_it(client):
    add_account(client, "lan", "editor")
    for name in ("an", "binh", "chi", "lan"):
        assert attempt(client, name).status_code == 401
    assert attempt(client, "lan", PASSWORD).status_code == 200  # four failures: still allowed
    assert attempt(client, "dung").status_code == 401  # the fifth failure from this address
    blocked = attempt(client, "lan", PASSWORD)
    assert blocked.status_code == 429 and "retry-after" in blocked.headers
    assert attempt(another(client, "198.51.100.7"), "lan", PASSWORD).status_code == 200


def test_a_success_clears_the_usernames_failures(client):
    add_account(client, "lan", "editor")
    for i in range(4):
        assert attempt(another(client, f"198.51.100.{i + 1}"), "lan").status_code == 401
    assert attempt(another(client, "198.51.100.50"), "lan", PASSWORD).status_code == 200
    for i in range(4):
        assert attempt(another(client, f"198.51.100.{i + 10}"), "lan").status_code == 401
    assert attempt(another(client, "198.51.100.60"), "lan", PASSWORD).status_code == 200
