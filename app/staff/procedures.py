"""The console's procedures: list, edit, preview, history with diffs, revert (``/staff/procedures``).

Every write goes through the app's ``SearchService`` (``put_topic``, ``revert_topic``): the
walkthrough, the facts the actions give and the search see it at once, with no restart. The
version the staff member read travels in a hidden field; a save on a stale version is a conflict
(409) and the typed values stay on the page. Saves and reverts are written to the audit log with
the changed fields before and after.

A new name or new aliases are live for search and the walkthrough at once, but the NLU's
procedure lookup (trained into the Rasa model from the same names) follows only at the next
``make train``: the page says so beside those fields and in the notice after saving.

The JSON API lives in ``procedures_api.py``; the form ⇄ procedure mapping in ``procedure_forms.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from actions import replies
from app.clock import aware
from app.staff import audit, texts
from app.staff.accounts import StaffUser
from app.staff.console import VIETNAM, render
from app.staff.deps import CurrentSession, console_router, require_role
from app.staff.procedure_forms import NLU_FIELDS, ProcedureForm, changed_fields, version_diffs
from app.staff.roles import allows
from knowledge.listing import due_before
from knowledge.models import Procedure
from knowledge.topic_store import TopicRecord
from knowledge.validation import vietnamese_errors
from knowledge.versions import Conflict, NotFound

PAGE = "/staff/procedures"
HORIZON_DAYS = 30
EDITORS = frozenset({"editor"})  # and admins

pages = console_router(prefix="/staff", include_in_schema=False)
Editor = Annotated[StaffUser, require_role("editor")]


class Refused(Exception):
    def __init__(self, status: int, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.detail, self.extra = status, detail, extra


def today(request: Request) -> date:
    """Today in Vietnam by the app's clock (tests pin it)."""
    return aware(request.app.state.staff.clock()).astimezone(VIETNAM).date()


def knowledge_of(request: Request) -> Any:
    service = request.app.state.services.knowledge
    if service is None:
        raise Refused(503, texts.KNOWLEDGE_NOT_READY)
    return service


def interval_days(request: Request) -> int:
    return request.app.state.settings.review_interval_days


async def record_of(request: Request, slug: str) -> TopicRecord:
    service = knowledge_of(request)
    record = await request.app.state.work.io(service.store.topic_record, slug)
    if record is None or not isinstance(record.topic, Procedure):
        raise Refused(404, texts.NO_PROCEDURE)
    return record


@dataclass(frozen=True)
class Row:
    record: TopicRecord
    next_review: date

    @property
    def topic(self) -> Any:
        return self.record.topic


async def listing(request: Request, q: str = "", origin: str = "", due: bool = False) -> list[Row]:
    """Procedures matching ``q`` (slug, name, aliases), ``origin`` (seed/staff) and, with ``due``,
    whose next review falls within 30 days (or is overdue)."""
    service = knowledge_of(request)
    interval = interval_days(request)
    before = today(request) + timedelta(days=HORIZON_DAYS + 1) if due else None
    records = await request.app.state.work.io(
        service.store.search_topics,
        q.strip() or None,
        "procedure",
        None,
        origin or None,
        before,
        interval_days=interval,
    )
    return [Row(record, record.topic.reviewed + timedelta(days=interval)) for record in records]


def is_due(row: Row, day: date, interval: int) -> bool:
    return due_before(row.topic.reviewed, day + timedelta(days=HORIZON_DAYS + 1), interval)


@dataclass(frozen=True)
class Saved:
    procedure: Procedure
    version: int
    changed: list[str]

    @property
    def retrain(self) -> bool:
        """A change the NLU's procedure lookup sees only after ``make train``."""
        return any(name in NLU_FIELDS for name in self.changed)


async def save(
    request: Request, staff: StaffUser, slug: str, data: dict[str, Any], version: int, before: TopicRecord
) -> Saved:
    """Write ``data`` (the whole procedure) at ``version``; a conflict or a validation error
    raises Refused (409 with ``current``, 422 with ``errors``)."""
    service = knowledge_of(request)
    old = before.topic.model_dump(mode="json")
    if data.get("slug") != slug or data.get("kind") != "procedure":
        raise Refused(422, texts.PROCEDURE_SLUG_FIXED, errors={"slug": texts.PROCEDURE_SLUG_FIXED})
    try:
        procedure, saved_version = await request.app.state.work.compute(
            service.put_topic, data, expected_version=version, author=staff.username
        )
    except Conflict as conflict:
        detail = texts.PROCEDURE_CONFLICT.format(current=conflict.current, version=version)
        raise Refused(409, detail, current=conflict.current) from conflict
    except ValidationError as invalid:
        raise Refused(422, texts.PROCEDURE_INVALID, errors=vietnamese_errors(invalid)) from invalid
    new = procedure.model_dump(mode="json")
    changed = changed_fields(old, new)
    if changed:
        await audit.record(
            request,
            "procedure_updated",
            staff=staff,
            target=("topic", slug),
            before={"version": before.version, **{name: old.get(name) for name in changed}},
            after={"version": saved_version, **{name: new.get(name) for name in changed}},
        )
    return Saved(procedure, saved_version, changed)  # type: ignore[arg-type]


async def revert(request: Request, staff: StaffUser, slug: str, to_version: int, version: int) -> Saved:
    service = knowledge_of(request)
    before = await record_of(request, slug)
    try:
        procedure, saved_version = await request.app.state.work.compute(
            service.revert_topic, slug, to_version, expected_version=version, author=staff.username
        )
    except Conflict as conflict:
        detail = texts.PROCEDURE_CONFLICT.format(current=conflict.current, version=version)
        raise Refused(409, detail, current=conflict.current) from conflict
    except NotFound as missing:
        raise Refused(404, texts.NO_VERSION) from missing
    old, new = before.topic.model_dump(mode="json"), procedure.model_dump(mode="json")
    changed = changed_fields(old, new)
    await audit.record(
        request,
        "procedure_reverted",
        staff=staff,
        target=("topic", slug),
        before={"version": before.version, **{name: old.get(name) for name in changed}},
        after={"version": saved_version, "to_version": to_version, **{n: new.get(n) for n in changed}},
    )
    return Saved(procedure, saved_version, changed)  # type: ignore[arg-type]


def preview(procedure: Procedure, day: date) -> list[str]:
    """What the bot says about the procedure, built by the actions' own wording
    (``actions.replies``): the essentials, the checklist, the first step, a caveat, the end."""
    messages = [
        f"Anh/chị cần nộp hồ sơ thủ tục “{procedure.name}” trực tuyến, đúng không ạ?",
        f"{replies.ONLINE[procedure.online.level]} — thủ tục {procedure.name}.",
        replies.essentials_text(procedure, day, None),
        f"Lệ phí thủ tục {procedure.name}: {replies.fees_text(procedure, day)}",
        replies.documents_text(procedure, brief=True),
        replies.step_text(procedure, 1),
        replies.caveats_text(procedure, day),
    ]
    return [message for message in messages if message]


# --- pages -------------------------------------------------------------------------------------


def _refused_page(request: Request, session: Any, refused: Refused) -> Response:
    return render(request, "error.html", session, status=refused.status, message=refused.detail)


@pages.get("/procedures")
async def procedures_page(
    request: Request, session: CurrentSession, q: str = "", origin: str = "", due: str = ""
) -> Response:
    origin = origin if origin in texts.ORIGIN_LABELS else ""
    try:
        rows = await listing(request, q[:200], origin, bool(due))
    except Refused as refused:
        return _refused_page(request, session, refused)
    day = today(request)
    return render(
        request,
        "procedures/list.html",
        session,
        rows=rows,
        q=q[:200],
        origin=origin,
        due=bool(due),
        due_soon={row.topic.slug for row in rows if is_due(row, day, interval_days(request))},
        can_edit=allows(session.user.role, EDITORS),
    )


async def _edit_page(
    request: Request,
    session: Any,
    record: TopicRecord,
    form: ProcedureForm,
    *,
    version: int,
    status: int = 200,
    error: str = "",
    shown: Procedure | None = None,
    done: str | None = None,
) -> Response:
    day = today(request)
    return render(
        request,
        "procedures/edit.html",
        session,
        status=status,
        record=record,
        form=form,
        version=version,
        error=error,
        preview=preview(shown or record.topic, day),  # type: ignore[arg-type]
        previewing=shown is not None,
        can_edit=allows(session.user.role, EDITORS),
        done=done,
    )


@pages.get("/procedures/{slug}/edit")
async def edit_page(request: Request, session: CurrentSession, slug: str, done: str = "") -> Response:
    try:
        record = await record_of(request, slug)
    except Refused as refused:
        return _refused_page(request, session, refused)
    form = ProcedureForm.from_data(record.topic.model_dump(mode="json"))
    return await _edit_page(request, session, record, form, version=record.version, done=texts.DONE.get(done))


@pages.post("/procedures/{slug}/edit")
async def edit_form(
    request: Request,
    session: CurrentSession,
    staff: Editor,
    slug: str,
    version: Annotated[int, Form(ge=0)],
    action: Annotated[str, Form(max_length=20)] = "save",
) -> Response:
    try:
        record = await record_of(request, slug)
    except Refused as refused:
        return _refused_page(request, session, refused)
    form = ProcedureForm.from_form(await request.form())
    if action == "add_fee":
        form.add_fee_row()
        return await _edit_page(request, session, record, form, version=version)
    stored = record.topic.model_dump(mode="json")
    procedure = form.validate(stored)
    if procedure is None:
        return await _edit_page(
            request, session, record, form, version=version, status=422, error=texts.PROCEDURE_INVALID
        )
    if action == "preview":
        return await _edit_page(request, session, record, form, version=version, shown=procedure)
    try:
        saved = await save(request, staff, slug, procedure.model_dump(mode="json"), version, record)
    except Refused as refused:
        return await _edit_page(
            request, session, record, form, version=version, status=refused.status, error=refused.detail
        )
    done = "procedure_saved_train" if saved.retrain else "procedure_saved"
    if not saved.changed:
        done = "procedure_unchanged"
    return RedirectResponse(f"{PAGE}/{slug}/edit?done={done}", status_code=303)


@pages.get("/procedures/{slug}/history")
async def history_page(request: Request, session: CurrentSession, slug: str, done: str = "") -> Response:
    try:
        record = await record_of(request, slug)
        history = await request.app.state.work.io(knowledge_of(request).store.topic_history, slug)
    except Refused as refused:
        return _refused_page(request, session, refused)
    return render(
        request,
        "procedures/history.html",
        session,
        record=record,
        versions=version_diffs(history),
        can_edit=allows(session.user.role, EDITORS),
        done=texts.DONE.get(done),
    )


@pages.post("/procedures/{slug}/revert")
async def revert_form(
    request: Request,
    session: CurrentSession,
    staff: Editor,
    slug: str,
    to_version: Annotated[int, Form(ge=1)],
    version: Annotated[int, Form(ge=0)],
) -> Response:
    try:
        await revert(request, staff, slug, to_version, version)
    except Refused as refused:
        return _refused_page(request, session, refused)
    return RedirectResponse(f"{PAGE}/{slug}/history?done=procedure_reverted", status_code=303)
