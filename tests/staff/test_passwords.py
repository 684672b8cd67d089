"""Passwords: argon2id hashes, compared in NFC, rehashed when the hasher's parameters change,
and the rules a new password must pass (Vietnamese reasons)."""

from __future__ import annotations

import unicodedata

from argon2 import PasswordHasher
from sqlalchemy import select

from app.staff import passwords, texts
from app.staff.models import StaffUserRow
from tests.staff.conftest import PASSWORD


def test_a_hash_is_argon2id_salted_and_verifies_only_its_password():
    first, second = passwords.hash_password(PASSWORD), passwords.hash_password(PASSWORD)
    assert first.startswith("$argon2id$") and first != second  # a salt of its own each time
    assert PASSWORD not in first
    assert passwords.verify(first, PASSWORD) == (True, None)
    assert passwords.verify(first, PASSWORD + " ")[0] is False
    assert passwords.verify(first, "")[0] is False
    assert passwords.verify("not a hash", PASSWORD)[0] is False
    assert passwords.verify(None, PASSWORD)[0] is False  # no such account


def test_a_password_typed_decomposed_matches_the_same_letters_composed():
    stored = passwords.hash_password(unicodedata.normalize("NFC", PASSWORD))
    assert passwords.verify(stored, unicodedata.normalize("NFD", PASSWORD))[0] is True


def test_the_rules_of_a_new_password():
    assert passwords.problem("a" * 11, "lan") == texts.PASSWORD_TOO_SHORT.format(minimum=12)
    assert passwords.problem("a" * 257, "lan") == texts.PASSWORD_TOO_LONG.format(maximum=256)
    assert passwords.problem("chào-LAN-2026-nhé", "lan") == texts.PASSWORD_HAS_USERNAME
    assert passwords.problem("nguyen.van.an@2026", "nguyen.van.an") == texts.PASSWORD_HAS_USERNAME
    assert passwords.problem(PASSWORD, "lan") is None
    # Twelve letters with tones are twelve characters, however they were typed.
    assert passwords.problem(unicodedata.normalize("NFD", "ắằẳẵặấầẩẫậếề"), "lan") is None


def test_an_outdated_hash_is_replaced_at_the_next_sign_in(accounts, database):
    accounts.create("thu.ha", PASSWORD, "editor")
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    with database.session.begin() as session:
        row = session.scalar(select(StaffUserRow).where(StaffUserRow.username == "thu.ha"))
        row.password_hash = passwords.hash_password(PASSWORD, weak)
    assert passwords.HASHER.check_needs_rehash(passwords.hash_password(PASSWORD, weak))

    assert accounts.authenticate("thu.ha", PASSWORD) is not None
    with database.session() as session:
        stored = session.scalar(select(StaffUserRow.password_hash).where(StaffUserRow.username == "thu.ha"))
    assert not passwords.HASHER.check_needs_rehash(stored)
    assert passwords.verify(stored, PASSWORD)[0] is True
    assert accounts.authenticate("thu.ha", PASSWORD) is not None  # and it still signs in
