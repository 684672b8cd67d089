"""The console's "Cần rà soát" (freshness): ``/staff/review`` and ``/api/staff/review``.

What the knowledge store (the content the bot answers from, staff edits included) has due:
``knowledge.review.due_items(store, today, REVIEW_INTERVAL_DAYS, horizon 30)`` — FAQ entries
never reviewed, entries and topics whose periodic review falls within 30 days (or is overdue),
and entries, fees, caveats and troubleshooting items whose validity window ends (or starts)
within 30 days — soonest first. **Today is the app's clock** (``Console.clock``, Vietnam time),
so tests pin the date.

One click (editors and admins; CSRF) marks an item reviewed today by the signed-in account
(``SearchService.mark_reviewed``; an audit record ``content_reviewed``); its periodic-review line leaves
the list. A validity line stays until the date passes: the fact itself has to be changed.

- ``GET /api/staff/review`` — ``{"today", "interval_days", "horizon_days", "items": [{due,
  reason, reason_label, kind, id, field, slug, title, text, reviewed, reviewed_by, version,
  edit}]}``.
- ``POST /api/staff/review/mark`` ``{"kind": "entry"|"topic", "id", "version"?}`` —
  ``{"kind", "id", "version", "reviewed"}``; 404 unknown, 409 a stale ``version``.

The home page shows "Cần rà soát: N" (the number of lines) to every role.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from app.staff import audit, texts
from app.staff.accounts import StaffUser
from app.staff.console import HOME_COUNTS, HomeCount, render
from app.staff.deps import CurrentSession, CurrentStaff, console_router, require_role
from app.staff.procedures import today
from app.staff.roles import allows
from knowledge.review import ReviewItem, due_items
from knowledge.versions import Conflict, NotFound

PAGE = "/staff/review"
HORIZON_DAYS = 30
EDITORS = frozenset({"editor"})

pages = console_router(prefix="/staff", include_in_schema=False)
api = console_router(prefix="/api/staff", tags=["staff"])
Editor = Annotated[StaffUser, require_role("editor")]


class Refused(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


def edit_link(item: ReviewItem, procedures: set[str]) -> str:
    """Where the item is edited: a procedure's form, or the FAQ entry's (ids keep their "/")."""
    if item.kind == "topic":
        return f"/staff/procedures/{item.slug}/edit" if item.slug in procedures else ""
    return f"/staff/entries/{quote(item.id)}/edit"


async def items(request: Request) -> tuple[list[ReviewItem], set[str]]:
    service = request.app.state.services.knowledge
    if service is None:
        raise Refused(503, texts.KNOWLEDGE_NOT_READY)
    interval = request.app.state.settings.review_interval_days
    day = today(request)

    def read() -> tuple[list[ReviewItem], set[str]]:
        found = due_items(service.store, day, interval, HORIZON_DAYS)
        return found, {record.topic.slug for record in service.store.topic_records("procedure")}

    return await request.app.state.work.io(read)


async def mark(
    request: Request, staff: StaffUser, kind: Literal["entry", "topic"], item_id: str, version: int | None
) -> int:
    service = request.app.state.services.knowledge
    if service is None:
        raise Refused(503, texts.KNOWLEDGE_NOT_READY)
    day = today(request)
    try:
        saved = await request.app.state.work.compute(
            service.mark_reviewed, kind, item_id, author=staff.username, on=day, expected_version=version
        )
    except NotFound as missing:
        raise Refused(404, texts.REVIEW_NOT_FOUND) from missing
    except Conflict as conflict:
        raise Refused(409, texts.REVIEW_CONFLICT.format(current=conflict.current)) from conflict
    await audit.record(
        request,
        "content_reviewed",
        staff=staff,
        target=(kind, item_id),
        after={"reviewed": day.isoformat(), "version": saved},
    )
    return saved


# --- pages -------------------------------------------------------------------------------------


async def _render(request: Request, session: Any, *, status: int = 200, **context: Any) -> Response:
    try:
        found, procedures = await items(request)
    except Refused as refused:
        return render(request, "error.html", session, status=refused.status, message=refused.detail)
    return render(
        request,
        "review.html",
        session,
        status=status,
        items=found,
        links={(item.kind, item.id): edit_link(item, procedures) for item in found},
        today=today(request),
        interval_days=request.app.state.settings.review_interval_days,
        can_mark=allows(session.user.role, EDITORS),
        **context,
    )


@pages.get("/review")
async def review_page(request: Request, session: CurrentSession, done: str = "") -> Response:
    return await _render(request, session, done=texts.DONE.get(done))


@pages.post("/review/mark")
async def mark_form(
    request: Request,
    session: CurrentSession,
    staff: Editor,
    kind: Annotated[Literal["entry", "topic"], Form()],
    item_id: Annotated[str, Form(max_length=300)],
    version: Annotated[int, Form(ge=0)],
) -> Response:
    try:
        await mark(request, staff, kind, item_id, version)
    except Refused as refused:
        return await _render(request, session, status=refused.status, error=refused.detail)
    return RedirectResponse(f"{PAGE}?done=content_reviewed", status_code=303)


# --- API ---------------------------------------------------------------------------------------


def item_json(item: ReviewItem, link: str) -> dict[str, Any]:
    return {
        "due": item.due.isoformat(),
        "reason": item.reason,
        "reason_label": texts.REVIEW_REASONS[item.reason],
        "kind": item.kind,
        "id": item.id,
        "field": item.field,
        "slug": item.slug,
        "title": item.title,
        "text": item.text,
        "reviewed": item.reviewed.isoformat() if item.reviewed else None,
        "reviewed_by": item.reviewed_by,
        "version": item.version,
        "edit": link,
    }


@api.get("/review", response_model=None)
async def review_json(request: Request, staff: CurrentStaff) -> Any:
    try:
        found, procedures = await items(request)
    except Refused as refused:
        return JSONResponse({"detail": refused.detail}, status_code=refused.status)
    return {
        "today": today(request).isoformat(),
        "interval_days": request.app.state.settings.review_interval_days,
        "horizon_days": HORIZON_DAYS,
        "items": [item_json(item, edit_link(item, procedures)) for item in found],
    }


class MarkRequest(BaseModel):
    kind: Literal["entry", "topic"]
    id: str = Field(min_length=1, max_length=300)
    version: int | None = Field(default=None, ge=0)


@api.post("/review/mark", response_model=None)
async def mark_json(request: Request, staff: Editor, body: MarkRequest) -> Any:
    try:
        version = await mark(request, staff, body.kind, body.id, body.version)
    except Refused as refused:
        return JSONResponse({"detail": refused.detail}, status_code=refused.status)
    return {"kind": body.kind, "id": body.id, "version": version, "reviewed": today(request).isoformat()}


# --- the home page's count ---------------------------------------------------------------------


async def home_count(request: Request, staff: StaffUser) -> HomeCount | None:
    """ "Cần rà soát: N" for every role (nothing while the knowledge base is opening)."""
    try:
        found, _ = await items(request)
    except Refused:
        return None
    return HomeCount(texts.REVIEW_HOME, len(found), PAGE)


HOME_COUNTS.append(home_count)
