"""Import and export of FAQ entries and of procedures' fees and times (``/staff/transfer``).

The sheets and their checks are ``knowledge.imports`` (pure functions); this module serves them:

- **Export** (any signed-in account): ``GET /api/staff/export/faq.xlsx|faq.csv`` and
  ``GET /api/staff/export/fees.xlsx|fees.csv``, read from the store (staff edits included).
- **Import** (editors and admins), all or nothing, through the app's ``SearchService`` so the
  bot sees it at once: every row is checked first; with one error nothing changes and the errors
  are listed by row and column, in Vietnamese.
  - The page (``POST /staff/transfer/{faq|fees}``, a file) shows a dry run — what would change,
    row by row — and keeps the file for 30 minutes under a random token; "Áp dụng"
    (``POST /staff/transfer/apply``) checks it again against the content as it is then and writes.
  - The API ``POST /api/staff/import/faq|fees`` (multipart field ``file``; ``?dry_run=true`` only
    checks) answers ``{"applied", "changes": [...]}``, or 422 ``{"detail", "errors": [{row,
    column, message}]}``; a wrong file type 415; a change made since the check 409.
- One audit record per applied import (``faq_imported``/``fees_imported``) with the counts.

The upload size is limited before anything is read (``app/hardening.py``: 4 MiB).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from app.staff import audit, texts
from app.staff.accounts import StaffUser
from app.staff.console import render
from app.staff.deps import CurrentSession, CurrentStaff, console_router, require_role
from app.staff.roles import allows
from knowledge import imports
from knowledge.entries import CONTENT_FIELDS
from knowledge.sheets import Format
from knowledge.versions import Conflict

KINDS = ("faq", "fees")
KEEP_SECONDS = 30 * 60
KEEP_MOST = 20
MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
EDITORS = frozenset({"editor"})

pages = console_router(prefix="/staff", include_in_schema=False)
api = console_router(prefix="/api/staff", tags=["staff"])
Editor = Annotated[StaffUser, require_role("editor")]


class Refused(Exception):
    def __init__(self, status: int, detail: str, errors: list[imports.RowError] | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.errors = status, detail, errors or []


def knowledge_of(request: Request) -> Any:
    service = request.app.state.services.knowledge
    if service is None:
        raise Refused(503, texts.KNOWLEDGE_NOT_READY)
    return service


def file_format(name: str) -> Format:
    lowered = (name or "").lower().strip()
    if lowered.endswith(".xlsx"):
        return "xlsx"
    if lowered.endswith(".csv"):
        return "csv"
    raise Refused(415, texts.TRANSFER_WRONG_TYPE.format(name=name))


# --- export ------------------------------------------------------------------------------------


def export(service: Any, kind: str, fmt: Format) -> bytes:
    store = service.store
    if kind == "faq":
        return imports.export_faq(store.entries(), fmt)
    return imports.export_fees(store.topics("procedure"), fmt)


@api.get("/export/{name}", response_model=None)
async def export_file(request: Request, staff: CurrentStaff, name: str) -> Response:
    kind, _, extension = name.partition(".")
    if kind not in KINDS or extension not in MEDIA:
        return JSONResponse({"detail": texts.TRANSFER_WRONG_TYPE.format(name=name)}, status_code=404)
    try:
        service = knowledge_of(request)
    except Refused as refused:
        return JSONResponse({"detail": refused.detail}, status_code=refused.status)
    data = await request.app.state.work.io(export, service, kind, extension)
    return Response(
        data,
        media_type=MEDIA[extension],
        headers={"Content-Disposition": f'attachment; filename="{kind}.{extension}"'},
    )


# --- import ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One row of the dry run: what it changes."""

    key: str  # the entry id or the procedure slug
    title: str
    new: bool
    fields: tuple[str, ...]
    summary: str = ""


def plan_of(service: Any, kind: str, data: bytes, fmt: Format) -> imports.ImportPlan:
    store = service.store
    if kind == "faq":
        current = {entry.id: entry for entry in store.entries(include_deleted=True)}
        slugs = {topic.slug for topic in store.topics()}
        return imports.read_faq(data, fmt, current, slugs)
    return imports.read_fees(data, fmt, {record.topic.slug: record for record in store.topic_records()})


def describe(kind: str, change: Any) -> Change:
    if kind == "faq":
        entry, before = change.entry, change.before
        if before is None:
            return Change(entry.id, entry.question, True, ())
        names = [n for n in (*CONTENT_FIELDS, "reviewed") if getattr(entry, n) != getattr(before, n)]
        if before.deleted:
            names.insert(0, "deleted")
        return Change(entry.id, entry.question, False, tuple(names))
    topic, before = change.topic, change.before
    names = [n for n in ("processing_time", "fees") if getattr(topic, n) != getattr(before, n)]
    summary = f"{len(before.fees)} → {len(topic.fees)} khoản lệ phí"
    return Change(topic.slug, topic.name, False, tuple(names), summary)


def change_json(change: Change) -> dict[str, Any]:
    return {"id": change.key, "title": change.title, "new": change.new, "fields": list(change.fields)}


def error_json(error: imports.RowError) -> dict[str, Any]:
    return {"row": error.row, "column": error.column, "message": error.message}


async def check(request: Request, kind: str, data: bytes, fmt: Format) -> imports.ImportPlan:
    service = knowledge_of(request)
    plan = await request.app.state.work.compute(plan_of, service, kind, data, fmt)
    if not plan.ok:
        raise Refused(422, texts.TRANSFER_INVALID.format(count=len(plan.errors)), plan.errors)
    return plan


async def apply(
    request: Request, staff: StaffUser, kind: str, plan: imports.ImportPlan, file_name: str
) -> list[Change]:
    """Write the plan's changes (all or nothing) and record one audit entry with the counts."""
    service = knowledge_of(request)
    changes = [describe(kind, change) for change in plan.changes]
    if not plan.changes:
        return changes
    write = imports.apply_faq if kind == "faq" else imports.apply_fees
    try:
        await request.app.state.work.compute(write, service, plan.changes, author=staff.username)
    except Conflict as conflict:
        raise Refused(409, texts.TRANSFER_CONFLICT.format(id=conflict.id)) from conflict
    await audit.record(
        request,
        f"{kind}_imported",
        staff=staff,
        target=("import", kind),
        after={
            "file": file_name[:200],
            "changed": len(changes),
            "created": sum(change.new for change in changes),
            "updated": sum(not change.new for change in changes),
            "ids": [change.key for change in changes],
        },
    )
    return changes


async def read_upload(upload: UploadFile | None) -> tuple[bytes, Format, str]:
    if upload is None or not upload.filename:
        raise Refused(400, texts.TRANSFER_EMPTY)
    fmt = file_format(upload.filename)
    return await upload.read(), fmt, upload.filename


# --- pages -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    username: str
    kind: str
    fmt: Format
    data: bytes
    name: str
    at: float


def pending_store(request: Request) -> dict[str, Pending]:
    return request.app.state.staff.extra.setdefault("transfer", {})


def keep(request: Request, pending: Pending) -> str:
    store = pending_store(request)
    now = time.monotonic()
    for token in [t for t, p in store.items() if now - p.at > KEEP_SECONDS]:
        store.pop(token, None)
    while len(store) >= KEEP_MOST:
        store.pop(min(store, key=lambda t: store[t].at))
    token = secrets.token_urlsafe(24)
    store[token] = pending
    return token


def _page(request: Request, session: Any, *, status: int = 200, **context: Any) -> Response:
    return render(
        request,
        "transfer/page.html",
        session,
        status=status,
        can_import=allows(session.user.role, EDITORS),
        **context,
    )


@pages.get("/transfer")
async def transfer_page(request: Request, session: CurrentSession) -> Response:
    return _page(request, session)


@pages.post("/transfer/apply")
async def apply_form(
    request: Request,
    session: CurrentSession,
    staff: Editor,
    token: Annotated[str, Form(max_length=100)],
) -> Response:
    pending = pending_store(request).pop(token, None)
    if pending is None or pending.username != staff.username:
        return _page(request, session, status=404, error=texts.TRANSFER_EXPIRED)
    try:
        plan = await check(request, pending.kind, pending.data, pending.fmt)
        applied = await apply(request, staff, pending.kind, plan, pending.name)
    except Refused as refused:
        return _page(
            request, session, status=refused.status, error=refused.detail, errors=refused.errors,
            kind=pending.kind, file_name=pending.name,
        )  # fmt: skip
    return _page(request, session, kind=pending.kind, applied=applied, file_name=pending.name)


@pages.post("/transfer/{kind}")
async def check_form(
    request: Request,
    session: CurrentSession,
    staff: Editor,
    kind: str,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    if kind not in KINDS:
        return _page(request, session, status=404, error=texts.TRANSFER_EXPIRED)
    name = file.filename if file is not None and file.filename else ""
    try:
        data, fmt, name = await read_upload(file)
        plan = await check(request, kind, data, fmt)
    except Refused as refused:
        return _page(
            request, session, status=refused.status, error=refused.detail, errors=refused.errors,
            kind=kind, file_name=name,
        )  # fmt: skip
    changes = [describe(kind, change) for change in plan.changes]
    token = keep(request, Pending(staff.username, kind, fmt, data, name, time.monotonic())) if changes else ""
    return _page(request, session, kind=kind, changes=changes, token=token, file_name=name)


# --- API ---------------------------------------------------------------------------------------


def _refusal(refused: Refused) -> JSONResponse:
    body: dict[str, Any] = {"detail": refused.detail}
    if refused.errors:
        body["errors"] = [error_json(error) for error in refused.errors]
    return JSONResponse(body, status_code=refused.status)


@api.post("/import/{kind}", response_model=None)
async def import_json(
    request: Request,
    staff: Editor,
    kind: str,
    file: Annotated[UploadFile | None, File()] = None,
    dry_run: bool = False,
) -> Any:
    if kind not in KINDS:
        return JSONResponse({"detail": texts.TRANSFER_EXPIRED}, status_code=404)
    try:
        data, fmt, name = await read_upload(file)
        plan = await check(request, kind, data, fmt)
        if dry_run:
            changes = [describe(kind, change) for change in plan.changes]
        else:
            changes = await apply(request, staff, kind, plan, name)
    except Refused as refused:
        return _refusal(refused)
    return {"applied": not dry_run and bool(changes), "changes": [change_json(c) for c in changes]}
