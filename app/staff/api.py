"""The console's JSON API under ``/api/staff``: the same sessions, roles and CSRF as the pages.

A script signs in with ``POST /api/staff/session`` ``{"username", "password"}``, keeps the
cookie, and sends the returned ``csrf`` as ``X-CSRF-Token`` on every POST, PUT, PATCH and
DELETE. Errors are ``{"detail": "<Vietnamese>"}``: 401 not signed in (or expired), 403 the
wrong role or a missing/wrong CSRF token (or a sign-in from another site), 400 a refused change,
404 no such account, 429 backing off (``Retry-After``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from app.staff import management, texts
from app.staff.accounts import AccountError, StaffUser
from app.staff.audit import AuditFilter
from app.staff.deps import AdminStaff, CurrentSession, console_router
from app.staff.signin import SignInRefused, sign_in, sign_out

router = console_router(prefix="/api/staff", tags=["staff"])


class Credentials(BaseModel):
    username: str = Field(max_length=200)
    password: str = Field(max_length=1000)


class NewAccount(BaseModel):
    username: str = Field(max_length=200)
    password: str = Field(max_length=1000)
    role: str = Field(max_length=20)


class AccountChange(BaseModel):
    role: str | None = Field(None, max_length=20)
    disabled: bool | None = None


class NewPassword(BaseModel):
    password: str = Field(max_length=1000)


class OwnPassword(BaseModel):
    old_password: str = Field(max_length=1000)
    new_password: str = Field(max_length=1000)


def account_json(user: StaffUser) -> dict[str, Any]:
    return {
        "username": user.username,
        "role": user.role,
        "role_label": user.role_label,
        "disabled": user.disabled,
        "created_at": user.created_at.isoformat(),
        "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
    }


def refused(error: AccountError) -> HTTPException:
    status = 404 if str(error) == texts.NO_SUCH_USER else 400
    return HTTPException(status_code=status, detail=str(error))


# --- the session -------------------------------------------------------------------------------


@router.post("/session")
async def open_session(request: Request, credentials: Credentials) -> JSONResponse:
    try:
        token, session = await sign_in(request, credentials.username, credentials.password)
    except SignInRefused as refusal:
        return JSONResponse({"detail": refusal.detail}, status_code=refusal.status, headers=refusal.headers)
    response = JSONResponse(
        {"csrf": session.csrf, "username": session.user.username, "role": session.user.role}
    )
    request.app.state.staff.set_cookie(response, token)
    return response


@router.delete("/session", status_code=204)
async def close_session(request: Request, session: CurrentSession) -> Response:
    await sign_out(request, session)
    response = Response(status_code=204)
    request.app.state.staff.clear_cookie(response)
    return response


@router.get("/me")
async def me(session: CurrentSession) -> dict[str, Any]:
    return {**account_json(session.user), "csrf": session.csrf}


@router.post("/me/password")
async def change_own_password(request: Request, session: CurrentSession, body: OwnPassword) -> dict[str, Any]:
    try:
        user = await management.change_own_password(request, session, body.old_password, body.new_password)
    except AccountError as error:
        raise refused(error) from None
    return {**account_json(user), "detail": texts.DONE["password"]}


# --- admins: accounts --------------------------------------------------------------------------


@router.get("/users")
async def list_accounts(request: Request, _: AdminStaff) -> list[dict[str, Any]]:
    users = await request.app.state.work.io(request.app.state.staff.accounts.all)
    return [account_json(user) for user in users]


@router.post("/users", status_code=201)
async def create_account(request: Request, admin: AdminStaff, body: NewAccount) -> dict[str, Any]:
    try:
        user = await management.create_account(request, admin, body.username, body.password, body.role)
    except AccountError as error:
        raise refused(error) from None
    return account_json(user)


@router.patch("/users/{username}")
async def change_account(
    request: Request, admin: AdminStaff, username: str, body: AccountChange
) -> dict[str, Any]:
    accounts = request.app.state.staff.accounts
    try:
        user = await request.app.state.work.io(accounts.get, username)
        if user is None:
            raise AccountError(texts.NO_SUCH_USER)
        if body.role is not None:
            user = await management.change_role(request, admin, username, body.role)
        if body.disabled is not None:
            user = await management.set_disabled(request, admin, username, body.disabled)
    except AccountError as error:
        raise refused(error) from None
    return account_json(user)


@router.post("/users/{username}/password")
async def reset_password(
    request: Request, session: CurrentSession, _: AdminStaff, username: str, body: NewPassword
) -> dict[str, Any]:
    try:
        user = await management.reset_password(request, session, username, body.password)
    except AccountError as error:
        raise refused(error) from None
    return {**account_json(user), "detail": texts.DONE["reset"]}


# --- admins: the audit log ---------------------------------------------------------------------


@router.get("/audit")
async def audit_log(
    request: Request,
    _: AdminStaff,
    user: Annotated[str, Query(max_length=100)] = "",
    action: Annotated[str, Query(max_length=50)] = "",
    target: Annotated[str, Query(max_length=300)] = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> dict[str, Any]:
    log = request.app.state.staff.audit
    found = await request.app.state.work.io(log.page, AuditFilter(user, action, target), page)
    return {
        "entries": [entry.as_json() for entry in found.entries],
        "total": found.total,
        "page": found.page,
        "pages": found.pages,
    }
