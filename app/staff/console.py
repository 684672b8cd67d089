"""The console's wiring: its state on the app, its sections (navigation and home page), the
home page's counts, page rendering, refusals, and :func:`install` (called by ``app.main``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from app.channel_health import alert_text, page_states, reason_text
from app.clock import Clock, aware, utc_now
from app.database import Database
from app.settings import Settings
from app.staff import csrf, texts
from app.staff.accounts import Accounts, StaffUser
from app.staff.audit import AuditLog
from app.staff.backoff import LoginBackoff
from app.staff.deps import StaffDenied, cookie_name
from app.staff.roles import ROLES, allows
from app.staff.sessions import StaffSession, StaffSessions

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=HERE / "templates")
TEMPLATES.env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": True}
VIETNAM = timezone(timedelta(hours=7), "ICT")  # no daylight saving


def vietnam_time(moment: datetime | None, seconds: bool = False) -> str:
    """A stored (UTC) time as staff read it: Vietnam time, day first (``{{ x | vn_time }}``)."""
    if moment is None:
        return ""
    return aware(moment).astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M" + (":%S" if seconds else ""))


TEMPLATES.env.filters["vn_time"] = vietnam_time
LOGIN = "/staff/login"
HOME = "/staff"
EVERYONE = frozenset(ROLES)
ADMINS: frozenset[str] = frozenset()  # only admins (who pass every check)
AGENTS = frozenset({"agent"})  # the handoff's agents (and admins)


@dataclass(frozen=True)
class Section:
    """A page of the console: a link in the navigation and on the home page, for ``roles``."""

    label: str
    href: str
    roles: frozenset[str]
    description: str


# The navigation, in order. A part of the console adds its page here (one line).
SECTIONS: list[Section] = [
    Section("Tài khoản", "/staff/accounts", ADMINS, "Tạo tài khoản, đổi vai trò, khóa, đặt lại mật khẩu"),
    Section("Nhật ký thao tác", "/staff/audit", ADMINS, "Ai đã thay đổi gì, khi nào"),
    Section("Nội dung hỏi đáp", "/staff/entries", EVERYONE, "Tìm, sửa, xóa, khôi phục câu hỏi và trả lời"),
    Section("Thử câu hỏi", "/staff/try", EVERYONE, "Xem trợ lý sẽ trả lời một câu hỏi thế nào, với điểm"),
    Section("Câu hỏi chưa trả lời", "/staff/unanswered", EVERYONE, "Câu hỏi trợ lý chưa trả lời được"),
    Section("Thủ tục", "/staff/procedures", EVERYONE, "Xem, sửa nội dung thủ tục, lịch sử và khôi phục"),
    Section("Nhập/xuất", "/staff/transfer", EVERYONE, "Xuất, nhập hỏi đáp và lệ phí bằng tệp Excel hoặc CSV"),
    Section("Cần rà soát", "/staff/review", EVERYONE, "Nội dung đến hạn rà soát hoặc sắp hết hiệu lực"),
    Section("Hỗ trợ trực tiếp", "/staff/handoffs", AGENTS, "Nhận và trả lời người dân cần gặp cán bộ"),
    Section("Câu trả lời mẫu", "/staff/canned", AGENTS | {"editor"}, "Câu trả lời soạn sẵn để cán bộ chèn"),
    Section("Thống kê", "/staff/dashboard", EVERYONE, "Trò chuyện, hướng dẫn, gặp cán bộ, đánh giá"),
    Section("Tin chưa gửi được", "/staff/outbox", AGENTS, "Tin trả lời kênh chưa chuyển được, gửi lại"),
    Section("Đổi mật khẩu", "/staff/password", EVERYONE, "Đổi mật khẩu của chính anh/chị"),
]


@dataclass(frozen=True)
class HomeCount:
    """A figure on the home page, e.g. ``HomeCount("Cần rà soát", 4, "/staff/review")``; a unit,
    if given, follows the number ("Câu hỏi chưa trả lời: 3 nhóm")."""

    label: str
    value: int
    href: str
    unit: str = ""


# Functions giving the home page's figures for the signed-in account (None: nothing to show to
# this role). A part adds its own, e.g. the freshness part's "Cần rà soát: N".
HomeCountSource = Callable[[Request, StaffUser], Awaitable[HomeCount | None]]
HOME_COUNTS: list[HomeCountSource] = []


@dataclass
class Console:
    """What the console keeps on ``app.state.staff``."""

    settings: Settings
    accounts: Accounts
    sessions: StaffSessions
    audit: AuditLog
    backoff: LoginBackoff
    cookie: str
    extra: dict[str, Any] = field(default_factory=dict)  # room for the other parts' stores
    clock: Clock = utc_now  # the app's clock (tests pin it): "today" of the review, for one

    def set_cookie(self, response: Response, token: str) -> None:
        """The session cookie: HttpOnly, SameSite=Lax, Path=/, Secure in production; it lasts as
        long as the browser (the server ends the session sooner when idle)."""
        response.set_cookie(
            self.cookie,
            token,
            httponly=True,
            samesite="lax",
            secure=self.settings.production,
            path="/",
        )

    def clear_cookie(self, response: Response) -> None:
        response.delete_cookie(
            self.cookie, httponly=True, samesite="lax", secure=self.settings.production, path="/"
        )


def sections_for(user: StaffUser) -> list[Section]:
    return [section for section in SECTIONS if allows(user.role, section.roles)]


def render(
    request: Request,
    template: str,
    session: StaffSession | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Response:
    """A page of the console; ``session`` (the signed-in one) fills the navigation, the account's
    name and the CSRF token every form carries as ``{{ csrf_input }}`` (a hidden field)."""
    token = session.csrf if session else ""
    values: dict[str, Any] = {
        "staff": session.user if session else None,
        "csrf": token,
        "csrf_input": Markup('<input type="hidden" name="{}" value="{}">').format(csrf.FIELD, token),
        "sections": sections_for(session.user) if session else [],
        "path": request.url.path,
        "texts": texts,
        **channel_context(request, session.user if session else None),
        **context,
    }
    return TEMPLATES.TemplateResponse(request, template, values, status_code=status, headers=headers)


def channel_context(request: Request, user: StaffUser | None) -> dict[str, Any]:
    """The channels' health for a signed-in page: ``channel_states`` (the home page's section) and
    ``channel_alerts`` (the line at the top of every page, with the outbox link for agents)."""
    if user is None:
        return {"channel_states": [], "channel_alerts": []}
    states = page_states(request)
    now = request.app.state.staff.clock()
    outbox = allows(user.role, AGENTS)
    alerts = [
        {"state": s.state, "text": alert_text(s, now), "href": "/staff/outbox" if outbox else None}
        for s in states
        if s.alert
    ]
    shown = [{"state": s, "reason": reason_text(s) if s.alert else ""} for s in states]
    return {"channel_states": shown, "channel_alerts": alerts}


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of the console on this site, else the home page."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return HOME
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return HOME
    if (parts.path != HOME and not parts.path.startswith(HOME + "/")) or parts.path == LOGIN:
        return HOME
    return target


def login_url(next_path: str | None = None, *, expired: bool = False) -> str:
    query: dict[str, str] = {}
    if next_path and safe_next(next_path) != HOME:
        query["next"] = safe_next(next_path)
    if expired:
        query["expired"] = "1"
    return LOGIN + ("?" + urlencode(query) if query else "")


async def denied(request: Request, exc: Exception) -> Response:
    """A refusal as JSON for the API, and for pages: the sign-in (401) or the error page."""
    assert isinstance(exc, StaffDenied)
    console: Console = request.app.state.staff
    response: Response
    if request.url.path.startswith("/api/"):
        response = JSONResponse({"detail": exc.detail}, status_code=exc.status, headers=exc.headers)
    elif exc.status == 401:
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        response = RedirectResponse(
            login_url(back if request.method == "GET" else None, expired=exc.expired), status_code=303
        )
    else:
        session = getattr(request.state, "staff_session", None)
        response = render(
            request, "error.html", session, status=exc.status, headers=exc.headers, message=exc.detail
        )
    if exc.expired:
        console.clear_cookie(response)
    return response


def routers() -> list[APIRouter]:
    """Every router of the console. A part of the console adds its own here (one line)."""
    from app.dashboard import pages as dashboard
    from app.staff import (
        api,
        canned,
        entries,
        entries_api,
        handoffs,
        outbox,
        pages,
        procedures,
        procedures_api,
        review,
        transfer,
        unanswered,
    )

    return [
        *(pages.router, api.router, unanswered.pages, unanswered.api),
        *(procedures.pages, procedures_api.api, transfer.pages, transfer.api, review.pages, review.api),
        *(entries.router, entries_api.router),
        *(handoffs.pages, canned.pages),
        *(outbox.pages, outbox.api),
        *(dashboard.pages, dashboard.api),
    ]


def install(app: FastAPI, settings: Settings, database: Database, clock: Clock) -> None:
    """Put the console on ``app``: its stores on ``app.state.staff``, its routes, its static
    files at ``/staff/static`` and the handler of its refusals."""
    app.state.staff = Console(
        settings=settings,
        accounts=Accounts(database, clock),
        sessions=StaffSessions(
            database,
            idle=timedelta(minutes=settings.staff_session_idle_minutes),
            lifetime=timedelta(hours=settings.staff_session_hours),
            secret=settings.app_secret_key,
            clock=clock,
        ),
        audit=AuditLog(database, clock),
        backoff=LoginBackoff(
            app.state.limits.storage, settings.staff_login_failures, settings.staff_login_window_minutes
        ),
        cookie=cookie_name(settings.production),
        clock=clock,
    )
    for router in routers():
        app.include_router(router)
    app.mount("/staff/static", StaticFiles(directory=HERE / "static"), name="staff-static")
    app.add_exception_handler(StaffDenied, denied)
