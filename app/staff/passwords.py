"""Staff passwords: argon2id hashes (``argon2-cffi``) and the rules a new password must pass.

A password is compared in Unicode NFC, so "ạ" typed on one keyboard matches the same letter
typed (decomposed) on another. A stored hash made with other parameters than the hasher's
current ones is replaced at the next successful sign-in (:func:`verify` returns the new hash).
"""

from __future__ import annotations

import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from app.staff import texts

MIN_LENGTH = 12
MAX_LENGTH = 256
HASHER = PasswordHasher()  # argon2id with the library's recommended parameters
# Checked when the username is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = HASHER.hash("không có tài khoản này")


def _normal(password: str) -> str:
    return unicodedata.normalize("NFC", password)


def problem(password: str, username: str) -> str | None:
    """Why ``password`` may not be used by ``username`` (Vietnamese), or None."""
    password = _normal(password)
    if len(password) < MIN_LENGTH:
        return texts.PASSWORD_TOO_SHORT.format(minimum=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return texts.PASSWORD_TOO_LONG.format(maximum=MAX_LENGTH)
    if username and username.casefold() in password.casefold():
        return texts.PASSWORD_HAS_USERNAME
    return None


def hash_password(password: str, hasher: PasswordHasher = HASHER) -> str:
    return hasher.hash(_normal(password))


def verify(stored: str | None, password: str, hasher: PasswordHasher = HASHER) -> tuple[bool, str | None]:
    """(does ``password`` match ``stored``, a fresh hash to store when the parameters changed).

    ``stored`` None (no such account) is checked against a dummy hash and never matches.
    """
    candidate = _normal(password)
    try:
        hasher.verify(stored or _DUMMY_HASH, candidate)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, None
    if stored is None:
        return False, None
    return True, (hasher.hash(candidate) if hasher.check_needs_rehash(stored) else None)
