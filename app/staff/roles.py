"""The console's roles and who may do what.

- ``admin``: manages accounts and may do everything the other roles may;
- ``editor``: edits the content (FAQ entries, procedures), never accounts;
- ``agent``: takes over conversations (a later release);
- ``viewer``: sees, changes nothing.

A check names the roles that may pass; ``admin`` always passes (:func:`allows`). Reading a
page needs only a signed-in account (``CurrentStaff``); changing something names its roles
(``require_role("editor")``).
"""

from __future__ import annotations

from typing import Literal, get_args

Role = Literal["admin", "editor", "agent", "viewer"]
ROLES: tuple[Role, ...] = get_args(Role)
ADMIN: Role = "admin"


def allows(role: str, allowed: frozenset[str] | set[str] | tuple[str, ...]) -> bool:
    """May an account with ``role`` do what ``allowed`` roles may? Admins may do everything."""
    return role == ADMIN or role in allowed
