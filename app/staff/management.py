"""Account changes made through the console (pages and API alike): the change itself
(:mod:`app.staff.accounts`), the sessions it ends and its audit record, in one place.

Each function raises :class:`app.staff.accounts.AccountError` (a Vietnamese reason) when the
change is refused; nothing is recorded then.
"""

from __future__ import annotations

from starlette.requests import Request

from app.staff import audit
from app.staff.accounts import StaffUser
from app.staff.sessions import StaffSession


def _console(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.staff


async def create_account(
    request: Request, by: StaffUser, username: str, password: str, role: str
) -> StaffUser:
    user = await request.app.state.work.io(_console(request).accounts.create, username, password, role)
    await audit.record(
        request, "account_created", staff=by, target=("account", user.username), after=user.snapshot()
    )
    return user


async def change_role(request: Request, by: StaffUser, username: str, role: str) -> StaffUser:
    before, after = await request.app.state.work.io(_console(request).accounts.set_role, username, role)
    if before.role != after.role:
        await audit.record(
            request,
            "role_changed",
            staff=by,
            target=("account", after.username),
            before=before.snapshot(),
            after=after.snapshot(),
        )
    return after


async def set_disabled(request: Request, by: StaffUser, username: str, disabled: bool) -> StaffUser:
    """Disable (its sessions end at once) or enable an account."""
    console, work = _console(request), request.app.state.work
    before, after = await work.io(console.accounts.set_disabled, username, disabled)
    if disabled:
        await work.io(console.sessions.end_for_user, after.id)
    if before.disabled != after.disabled:
        await audit.record(
            request,
            "account_disabled" if disabled else "account_enabled",
            staff=by,
            target=("account", after.username),
            before=before.snapshot(),
            after=after.snapshot(),
        )
    return after


async def reset_password(request: Request, by: StaffSession, username: str, password: str) -> StaffUser:
    """An admin sets another account's password: every session of that account ends (but the
    admin's own, when resetting their own)."""
    console, work = _console(request), request.app.state.work
    user = await work.io(console.accounts.set_password, username, password)
    ended = await work.io(console.sessions.end_for_user, user.id, by.key if user.id == by.user.id else None)
    await audit.record(
        request,
        "password_reset",
        staff=by.user,
        target=("account", user.username),
        after={"sessions_ended": ended},
    )
    return user


async def change_own_password(request: Request, session: StaffSession, old: str, new: str) -> StaffUser:
    """The signed-in account's own change (the current password first); its other sessions end."""
    console, work = _console(request), request.app.state.work
    user = await work.io(console.accounts.change_own_password, session.user.id, old, new)
    ended = await work.io(console.sessions.end_for_user, user.id, session.key)
    await audit.record(
        request,
        "password_changed",
        staff=user,
        target=("account", user.username),
        after={"sessions_ended": ended},
    )
    return user
