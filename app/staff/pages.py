"""The console's pages (server-rendered, Vietnamese): sign-in and sign-out, the home page, the
account's own password, and for admins the accounts and the audit log.

Every form posts back to the console with its CSRF token (``{{ csrf_input }}``) and, on success,
redirects (303) to a page that says what was done (``?done=<key of texts.DONE>``); a refused
change shows the page again with the reason (400). A signed-out visit goes to the sign-in and
comes back afterwards; a page the role may not see shows the "no permission" page (403).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.staff import management, texts
from app.staff.accounts import AccountError
from app.staff.audit import AuditFilter
from app.staff.console import HOME, HOME_COUNTS, login_url, render, safe_next
from app.staff.deps import AdminStaff, CurrentSession, StaffDenied, console_router, current_session
from app.staff.roles import ROLES
from app.staff.sessions import StaffSession
from app.staff.signin import SignInRefused, sign_in, sign_out

router = console_router(prefix="/staff", include_in_schema=False)
FormText = Annotated[str, Form()]


def _done(key: str) -> str | None:
    return texts.DONE.get(key)


def _page_number(value: str) -> int:
    return int(value) if value.isdigit() and 0 < int(value) < 1_000_000 else 1


# --- signing in and out ----------------------------------------------------------------------


@router.get("/login")
async def login_page(
    request: Request,
    next_path: Annotated[str, Query(alias="next")] = "",
    expired: str = "",
    out: str = "",
) -> Response:
    try:
        await current_session(request)
        return RedirectResponse(safe_next(next_path), status_code=303)
    except StaffDenied as refused:
        stale_cookie = refused.expired
    notice = texts.SESSION_EXPIRED if expired or stale_cookie else texts.SIGNED_OUT if out else None
    response = render(request, "login.html", next=safe_next(next_path), notice=notice, username="")
    if stale_cookie:
        request.app.state.staff.clear_cookie(response)
    return response


@router.post("/login")
async def login(
    request: Request,
    username: FormText = "",
    password: FormText = "",
    next_path: Annotated[str, Form(alias="next")] = "",
) -> Response:
    try:
        token, _ = await sign_in(request, username, password)
    except SignInRefused as refused:
        return render(
            request,
            "login.html",
            status=refused.status,
            headers=refused.headers,
            error=refused.detail,
            username=username[:100],
            next=safe_next(next_path),
        )
    response = RedirectResponse(safe_next(next_path), status_code=303)
    request.app.state.staff.set_cookie(response, token)
    return response


@router.post("/logout")
async def logout(request: Request, session: CurrentSession) -> Response:
    await sign_out(request, session)
    response = RedirectResponse(login_url() + "?out=1", status_code=303)
    request.app.state.staff.clear_cookie(response)
    return response


# --- every account -----------------------------------------------------------------------------


@router.get("")
async def home(request: Request, session: CurrentSession) -> Response:
    counts = [count for source in HOME_COUNTS if (count := await source(request, session.user))]
    return render(request, "home.html", session, counts=counts)


@router.get("/password")
async def password_page(request: Request, session: CurrentSession, done: str = "") -> Response:
    return render(request, "password.html", session, done=_done(done))


@router.post("/password")
async def change_password(
    request: Request,
    session: CurrentSession,
    old_password: FormText = "",
    new_password: FormText = "",
    confirm_password: FormText = "",
) -> Response:
    try:
        if new_password != confirm_password:
            raise AccountError(texts.PASSWORD_MISMATCH)
        await management.change_own_password(request, session, old_password, new_password)
    except AccountError as refused:
        return render(request, "password.html", session, status=400, error=str(refused))
    return RedirectResponse("/staff/password?done=password", status_code=303)


# --- admins: accounts --------------------------------------------------------------------------


async def _accounts_page(
    request: Request, session: StaffSession, *, status: int = 200, error: str | None = None, **form: str
) -> Response:
    users = await request.app.state.work.io(request.app.state.staff.accounts.all)
    return render(
        request,
        "accounts.html",
        session,
        status=status,
        users=users,
        roles=ROLES,
        error=error,
        done=_done(form.pop("done", "")),
        form=form,
    )


@router.get("/accounts")
async def accounts_page(request: Request, session: CurrentSession, _: AdminStaff, done: str = "") -> Response:
    return await _accounts_page(request, session, done=done)


@router.post("/accounts")
async def create_account(
    request: Request,
    session: CurrentSession,
    admin: AdminStaff,
    username: FormText = "",
    role: FormText = "",
    password: FormText = "",
) -> Response:
    try:
        await management.create_account(request, admin, username, password, role)
    except AccountError as refused:
        return await _accounts_page(
            request, session, status=400, error=str(refused), username=username[:32], role=role
        )
    return RedirectResponse("/staff/accounts?done=created", status_code=303)


@router.post("/accounts/{username}/role")
async def change_role(
    request: Request, session: CurrentSession, admin: AdminStaff, username: str, role: FormText = ""
) -> Response:
    try:
        await management.change_role(request, admin, username, role)
    except AccountError as refused:
        return await _accounts_page(request, session, status=400, error=str(refused))
    return RedirectResponse("/staff/accounts?done=role", status_code=303)


@router.post("/accounts/{username}/status")
async def change_status(
    request: Request, session: CurrentSession, admin: AdminStaff, username: str, disabled: FormText = ""
) -> Response:
    disable = disabled == "1"
    try:
        await management.set_disabled(request, admin, username, disable)
    except AccountError as refused:
        return await _accounts_page(request, session, status=400, error=str(refused))
    if disable and username.strip().lower() == admin.username:
        return RedirectResponse(login_url(), status_code=303)  # their own session has just ended
    return RedirectResponse(f"/staff/accounts?done={'disabled' if disable else 'enabled'}", status_code=303)


@router.post("/accounts/{username}/password")
async def reset_password(
    request: Request, session: CurrentSession, _: AdminStaff, username: str, password: FormText = ""
) -> Response:
    try:
        await management.reset_password(request, session, username, password)
    except AccountError as refused:
        return await _accounts_page(request, session, status=400, error=str(refused))
    return RedirectResponse("/staff/accounts?done=reset", status_code=303)


# --- admins: the audit log ---------------------------------------------------------------------


@router.get("/audit")
async def audit_page(
    request: Request,
    session: CurrentSession,
    _: AdminStaff,
    user: str = "",
    action: str = "",
    target: str = "",
    page: str = "1",
) -> Response:
    log = request.app.state.staff.audit
    where = AuditFilter(actor=user[:100], action=action[:50], target=target[:300])
    found = await request.app.state.work.io(log.page, where, _page_number(page))
    actions = await request.app.state.work.io(log.actions)
    return render(request, "audit.html", session, found=found, actions=actions, where=where, home=HOME)
