"""Signing in and out, for the sign-in page and ``POST /api/staff/session`` alike.

A sign-in is refused (:class:`SignInRefused`) when the browser says it comes from another site
(403), while the username or the client address is backing off (429 with ``Retry-After``,
:mod:`app.staff.backoff`), or when the name and password do not open an active account (401,
the same message whether the name exists or not). Failures are logged with the username only
and recorded in the audit log; a success opens a new session (a session the browser already
had is ended: no session fixation).
"""

from __future__ import annotations

import logging
import math

from starlette.requests import Request

from app.limits import client_bucket
from app.staff import audit, csrf, texts
from app.staff.accounts import normal_username
from app.staff.sessions import StaffSession

logger = logging.getLogger(__name__)


class SignInRefused(Exception):
    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, headers or {}


async def sign_in(request: Request, username: str, password: str) -> tuple[str, StaffSession]:
    """(the new session id for the cookie, the session), or :class:`SignInRefused`."""
    console = request.app.state.staff
    work = request.app.state.work
    if not csrf.same_site_request(request, console.settings.public_url):
        logger.warning("staff sign-in refused: sent from another site (%r)", request.headers.get("origin"))
        raise SignInRefused(403, texts.LOGIN_CROSS_SITE)
    name = normal_username(username)[:100]
    address = audit.client_address(request)
    wait = await console.backoff.retry_after(name, address)
    if wait is not None:
        logger.warning("staff sign-in for %r from %s refused: backing off", name, client_bucket(address))
        detail = texts.LOGIN_BLOCKED.format(minutes=max(1, math.ceil(wait / 60)))
        raise SignInRefused(429, detail, {"Retry-After": str(wait)})
    user = await work.io(console.accounts.authenticate, name, password)
    if user is None:
        await console.backoff.failed(name, address)
        logger.warning("staff sign-in failed for %r from %s", name, client_bucket(address))
        await audit.record(request, "login_failed", staff=None, target=("account", name))
        raise SignInRefused(401, texts.LOGIN_FAILED)
    await console.backoff.succeeded(name)
    if previous := request.cookies.get(console.cookie):
        await work.io(console.sessions.close, previous)
    token, session = await work.io(console.sessions.open, user)
    logger.info("staff %r signed in", user.username)
    await audit.record(request, "login", staff=user, target=("account", user.username))
    return token, session


async def sign_out(request: Request, session: StaffSession) -> None:
    console = request.app.state.staff
    token = request.cookies.get(console.cookie, "")
    await request.app.state.work.io(console.sessions.close, token)
    await audit.record(request, "logout", staff=session.user, target=("account", session.user.username))
