"""FastAPI dependencies of the console, for pages and API alike.

- ``CurrentSession`` / ``CurrentStaff``: the signed-in session / account, or a 401 (a page
  redirects to the sign-in with its path to come back to; the API answers JSON).
- ``require_role("editor")``: the account, when its role may pass (admins always pass), or a 403
  (a page shows the "no permission" page). ``AdminStaff`` is ``require_role()``: admins only.
- ``CsrfChecked``: the request's CSRF token matches its session (``X-CSRF-Token`` header, or the
  form's hidden ``csrf`` field), or a 403. Routers made by :func:`console_router` check it on
  every POST, PUT, PATCH and DELETE already; the sign-in routes (:data:`CSRF_EXEMPT`) check the
  Origin header instead.

Every refusal is a :class:`StaffDenied`, turned into a redirect, an HTML page or JSON by
:func:`denied` according to the path (``/api/…`` is JSON).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from app.staff import csrf, texts
from app.staff.accounts import StaffUser
from app.staff.roles import allows
from app.staff.sessions import StaffSession

# Mutating routes that need no CSRF token (there is no session yet); they check Origin instead.
CSRF_EXEMPT = frozenset({("POST", "/staff/login"), ("POST", "/api/staff/session")})


class StaffDenied(Exception):
    """A request the console refuses: not signed in (401), no permission or bad CSRF (403)…"""

    def __init__(
        self, status: int, detail: str, *, expired: bool = False, headers: dict | None = None
    ) -> None:
        super().__init__(detail)
        self.status, self.detail, self.expired, self.headers = status, detail, expired, headers or {}


def cookie_name(production: bool) -> str:
    """``__Host-`` in production: the browser then accepts the cookie only Secure, for this host
    and Path=/ (no subdomain can plant one)."""
    return "__Host-dvc-staff" if production else "dvc-staff"


async def current_session(request: Request) -> StaffSession:
    cached = getattr(request.state, "staff_session", None)
    if cached is not None:
        return cached
    console = request.app.state.staff
    token = request.cookies.get(console.cookie)
    if not token:
        raise StaffDenied(401, texts.NOT_SIGNED_IN)
    session = await request.app.state.work.io(console.sessions.resolve, token)
    if session is None:
        raise StaffDenied(401, texts.SESSION_EXPIRED, expired=True)
    request.state.staff_session = session
    return session


CurrentSession = Annotated[StaffSession, Depends(current_session)]


async def current_staff(session: CurrentSession) -> StaffUser:
    return session.user


CurrentStaff = Annotated[StaffUser, Depends(current_staff)]


def require_role(*roles: str) -> Any:
    """A dependency giving the signed-in account when its role is one of ``roles`` or admin:
    ``staff: Annotated[StaffUser, require_role("editor")]``."""
    allowed = frozenset(roles)

    async def check_role(staff: CurrentStaff) -> StaffUser:
        if not allows(staff.role, allowed):
            raise StaffDenied(403, texts.FORBIDDEN)
        return staff

    return Depends(check_role)


AdminStaff = Annotated[StaffUser, require_role()]


async def csrf_protect(request: Request) -> None:
    """Refuse a mutating request whose CSRF token does not match its session."""
    if request.method not in csrf.MUTATING or (request.method, request.url.path) in CSRF_EXEMPT:
        return
    session = await current_session(request)
    given = request.headers.get(csrf.HEADER)
    content_type = request.headers.get("content-type", "")
    if given is None and content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(csrf.FIELD)
        given = value if isinstance(value, str) else None
    if not csrf.matches(session.csrf, given):
        raise StaffDenied(403, texts.CSRF_FAILED)


CsrfChecked = Annotated[None, Depends(csrf_protect)]


def console_router(**kwargs: Any) -> APIRouter:
    """A router of the console: every POST, PUT, PATCH and DELETE on it is CSRF-checked."""
    return APIRouter(dependencies=[*kwargs.pop("dependencies", []), Depends(csrf_protect)], **kwargs)
