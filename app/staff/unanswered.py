"""The console's unanswered questions: ``/staff/unanswered`` and ``/api/staff/unanswered``.

Every question the assistant could not answer (``app/unanswered.py``) that is not handled yet,
grouped by similarity (``app/grouping.py``), largest group first, with its examples and the
entries the search offered. Any signed-in account sees them; editors and admins act on a group:

- **a phrasing**: the group's question (or the examples chosen) is added to the phrasings of an
  existing FAQ entry through ``SearchService.put`` with the version the staff member saw
  (``expected_version``: a save in between is a conflict, 409). The bot answers it at once. The
  group is then handled.
- **a new entry**: a link to the content editor's new-entry page, pre-filled
  (``/staff/entries/new?slug=…&question=…&phrasing=…&phrasing=…``: the top candidate's slug, the
  group's question, its other examples). Saving it there does not touch the group: mark it
  handled here once done.
- **handled**: its questions leave the list; similar questions asked later start a new group.

The API (JSON; CSRF token in ``X-CSRF-Token`` on POST):

- ``GET /api/staff/unanswered?page=1&refresh=0`` — ``{"groups": [{id, count, first_seen,
  last_seen, examples, candidates: [{id, slug, title, questions, score}], outcomes, new_entry}],
  "total_groups", "grouped", "waiting", "fresh", "computed_at", "method", "page", "pages"}``.
  The last grouping is returned at once; when questions arrived since (``fresh`` false) a new
  one is computed in the background. ``refresh=1`` waits for a grouping of every question.
- ``POST /api/staff/unanswered/{group}/handled`` — ``{"group", "handled"}`` (questions stamped).
- ``POST /api/staff/unanswered/{group}/phrasing`` ``{"entry_id", "version", "questions"?}`` —
  ``{"group", "handled", "entry": {id, version, phrasings}}``; ``questions`` (examples of the
  group) defaults to the group's question.

Both actions are written to the audit log (``unanswered_handled``, ``unanswered_phrasing_added``
with the entry's phrasings before and after); the questions' text is not (the log is kept longer
than citizens' data).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, replace
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError

from app.grouper import Grouper
from app.grouping import Group, Grouping
from app.staff import audit, texts
from app.staff.accounts import StaffUser
from app.staff.console import HOME_COUNTS, HomeCount, render
from app.staff.deps import CurrentSession, CurrentStaff, console_router, require_role
from app.staff.roles import allows
from knowledge.store import Conflict
from knowledge.text import clean, normalize
from knowledge.validation import vietnamese_errors

PAGE = "/staff/unanswered"
PAGE_SIZE = 25
NEW_ENTRY = "/staff/entries/new"
HOME_WAIT = 3.0  # seconds the home page waits for a first grouping before showing the count of questions
EDITORS = frozenset({"editor"})  # and admins, who pass every check

pages = console_router(prefix="/staff", include_in_schema=False)
api = console_router(prefix="/api/staff", tags=["staff"])
Editor = Annotated[StaffUser, require_role("editor")]


class Refused(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


def grouper(app: FastAPI) -> Grouper:
    """The app's one grouper (kept on the console), made at first use."""
    extra = app.state.staff.extra
    if "unanswered" not in extra:
        services, store = app.state.services, app.state.stores.unanswered
        extra["unanswered"] = Grouper(
            store, app.state.work, lambda: getattr(services.knowledge, "embedder", None), store.clock
        )
    return extra["unanswered"]


async def stop(app: FastAPI) -> None:
    """At shutdown: a grouping under way is stopped before the worker pools close."""
    found = app.state.staff.extra.get("unanswered")
    if found is not None:
        await found.close()


def new_entry_url(group: Group) -> str:
    """The content editor's new-entry page, pre-filled from the group."""
    query: list[tuple[str, str]] = []
    if group.candidates and group.candidates[0].slug:
        query.append(("slug", group.candidates[0].slug))
    query.append(("question", group.question))
    query += [("phrasing", example) for example in group.examples[1:]]
    return f"{NEW_ENTRY}?{urlencode(query)}"


def group_json(group: Group) -> dict[str, Any]:
    return {**group.as_json(), "new_entry": new_entry_url(group)}


@dataclass(frozen=True)
class Listing:
    grouping: Grouping
    fresh: bool
    waiting: int  # questions not handled, grouped or not yet
    page: int
    pages: int
    groups: tuple[Group, ...]


async def listing(request: Request, page: int, refresh: bool) -> Listing:
    grouping, fresh = await grouper(request.app).current(wait=refresh)
    backlog = await request.app.state.work.io(request.app.state.stores.unanswered.backlog)
    pages = max(1, -(-len(grouping.groups) // PAGE_SIZE))
    page = min(max(1, page), pages)
    shown = grouping.groups[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    return Listing(grouping, fresh, backlog.count, page, pages, shown)


async def mark_handled(request: Request, staff: StaffUser, group_id: str) -> int:
    """Stamp the group's questions handled; how many were."""
    found = await grouper(request.app).group(group_id)
    if found is None:
        raise Refused(404, texts.UNANSWERED_NO_GROUP)
    store = request.app.state.stores.unanswered
    handled = await request.app.state.work.io(store.mark_handled, found.question_ids, staff.username)
    grouper(request.app).handled(group_id)
    await audit.record(
        request,
        "unanswered_handled",
        staff=staff,
        target=("unanswered", group_id),
        after={"questions": handled, "question_ids": list(found.question_ids)},
    )
    return handled


async def add_phrasing(
    request: Request, staff: StaffUser, group_id: str, entry_id: str, version: int | None, chosen: list[str]
) -> tuple[Any, int]:
    """Add the group's question (or the chosen examples) to the phrasings of FAQ entry
    ``entry_id`` at ``version`` (None: whatever is stored), then mark the group handled."""
    found = await grouper(request.app).group(group_id)
    if found is None:
        raise Refused(404, texts.UNANSWERED_NO_GROUP)
    knowledge = request.app.state.services.knowledge
    if knowledge is None:
        raise Refused(503, texts.KNOWLEDGE_NOT_READY)
    work = request.app.state.work
    entry = await work.io(knowledge.store.get, entry_id.strip())
    if entry is None or entry.kind != "faq":
        raise Refused(404, texts.UNANSWERED_NO_ENTRY)
    chosen = chosen or [found.question]
    if any(question not in found.examples for question in chosen):
        raise Refused(400, texts.UNANSWERED_NOT_AN_EXAMPLE)
    known = {normalize(text) for text in entry.texts()}
    added = []
    for question in chosen:
        form = normalize(question)
        if form and form not in known:
            known.add(form)
            added.append(clean(question))
    expected = entry.version if version is None else version
    try:
        if added:
            saved = await work.compute(
                knowledge.put,
                replace(entry, phrasings=(*entry.phrasings, *added)),
                expected_version=expected,
                author=staff.username,
            )
        elif expected != entry.version:
            raise Conflict(entry.version, entry.id)
        else:
            saved = entry
    except Conflict as conflict:
        raise Refused(409, texts.UNANSWERED_CONFLICT.format(current=conflict.current)) from conflict
    except ValidationError as invalid:
        detail = "; ".join(vietnamese_errors(invalid).values())
        raise Refused(400, texts.UNANSWERED_INVALID.format(detail=detail)) from invalid
    handled = await work.io(
        request.app.state.stores.unanswered.mark_handled, found.question_ids, staff.username
    )
    grouper(request.app).handled(group_id)
    await audit.record(
        request,
        "unanswered_phrasing_added",
        staff=staff,
        target=("entry", entry.id),
        before={"version": entry.version, "phrasings": list(entry.phrasings)},
        after={
            "version": saved.version,
            "phrasings": list(saved.phrasings),
            "group": group_id,
            "questions": handled,
        },
    )
    return saved, handled


async def entry_versions(request: Request, groups: tuple[Group, ...]) -> dict[str, int]:
    """The current version of every FAQ entry offered for ``groups`` (the phrasing buttons')."""
    knowledge = request.app.state.services.knowledge
    if knowledge is None:
        return {}
    wanted = {candidate.id for group in groups for candidate in group.candidates}

    def read() -> dict[str, int]:
        entries = (knowledge.store.get(entry_id) for entry_id in sorted(wanted))
        return {entry.id: entry.version for entry in entries if entry is not None and entry.kind == "faq"}

    return await request.app.state.work.io(read)


# --- pages -------------------------------------------------------------------------------------


def _page_number(value: str) -> int:
    return int(value) if value.isdigit() and 0 < int(value) < 1_000_000 else 1


async def _render(
    request: Request, session: Any, *, page: int = 1, refresh: bool = False, status: int = 200, **context: Any
) -> Response:
    shown = await listing(request, page, refresh)
    return render(
        request,
        "unanswered.html",
        session,
        status=status,
        listing=shown,
        versions=await entry_versions(request, shown.groups),
        can_act=allows(session.user.role, EDITORS),
        new_entry_url=new_entry_url,
        **context,
    )


@pages.get("/unanswered")
async def unanswered_page(
    request: Request, session: CurrentSession, page: str = "1", refresh: str = "", done: str = ""
) -> Response:
    return await _render(
        request, session, page=_page_number(page), refresh=bool(refresh), done=texts.DONE.get(done)
    )


@pages.post("/unanswered/{group_id}/handled")
async def handled_form(request: Request, session: CurrentSession, staff: Editor, group_id: str) -> Response:
    try:
        await mark_handled(request, staff, group_id)
    except Refused as refused:
        return await _render(request, session, status=refused.status, error=refused.detail)
    return RedirectResponse(f"{PAGE}?done=unanswered_handled", status_code=303)


@pages.post("/unanswered/{group_id}/phrasing")
async def phrasing_form(
    request: Request,
    session: CurrentSession,
    staff: Editor,
    group_id: str,
    target: Annotated[str, Form(max_length=300)] = "",
    question: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI reads the default, never mutates it
    other_entry: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """``target`` is ``<version>:<entry id>`` (a candidate's button) or ``other`` (the id typed
    in ``other_entry``, at its current version)."""
    version_text, _, entry_id = target.partition(":")
    version = int(version_text) if version_text.isdigit() else None
    if target == "other":
        entry_id, version = other_entry, None
    try:
        await add_phrasing(request, staff, group_id, entry_id, version, question)
    except Refused as refused:
        return await _render(request, session, status=refused.status, error=refused.detail)
    return RedirectResponse(f"{PAGE}?done=unanswered_phrasing", status_code=303)


# --- API ---------------------------------------------------------------------------------------


class PhrasingRequest(BaseModel):
    entry_id: str = Field(max_length=300)
    version: int = Field(ge=0)
    questions: list[Annotated[str, Field(max_length=2000)]] = Field(default_factory=list, max_length=20)


def _http(refused: Refused) -> HTTPException:
    return HTTPException(status_code=refused.status, detail=refused.detail)


@api.get("/unanswered")
async def unanswered_json(
    request: Request, staff: CurrentStaff, page: int = 1, refresh: bool = False
) -> dict:
    shown = await listing(request, page, refresh)
    return {
        "groups": [group_json(group) for group in shown.groups],
        "total_groups": len(shown.grouping.groups),
        "grouped": shown.grouping.grouped,
        "waiting": shown.waiting,
        "fresh": shown.fresh,
        "computed_at": shown.grouping.computed_at.isoformat(),
        "method": shown.grouping.method,
        "page": shown.page,
        "pages": shown.pages,
    }


@api.post("/unanswered/{group_id}/handled")
async def handled_json(request: Request, staff: Editor, group_id: str) -> dict:
    try:
        handled = await mark_handled(request, staff, group_id)
    except Refused as refused:
        raise _http(refused) from refused
    return {"group": group_id, "handled": handled}


@api.post("/unanswered/{group_id}/phrasing")
async def phrasing_json(request: Request, staff: Editor, group_id: str, body: PhrasingRequest) -> dict:
    try:
        saved, handled = await add_phrasing(
            request, staff, group_id, body.entry_id, body.version, body.questions
        )
    except Refused as refused:
        raise _http(refused) from refused
    return {
        "group": group_id,
        "handled": handled,
        "entry": {"id": saved.id, "version": saved.version, "phrasings": list(saved.phrasings)},
    }


# --- the home page's count ---------------------------------------------------------------------


async def home_count(request: Request, staff: StaffUser) -> HomeCount | None:
    """ "Câu hỏi chưa trả lời: N nhóm" for every role; while a first grouping takes long, the
    number of questions waiting."""
    with contextlib.suppress(TimeoutError):
        grouping, _ = await asyncio.wait_for(grouper(request.app).current(), HOME_WAIT)
        return HomeCount(texts.UNANSWERED_HOME, len(grouping.groups), PAGE, texts.UNANSWERED_HOME_UNIT)
    backlog = await request.app.state.work.io(request.app.state.stores.unanswered.backlog)
    return HomeCount(texts.UNANSWERED_HOME_GROUPING, backlog.count, PAGE, texts.UNANSWERED_HOME_GROUPING_UNIT)


HOME_COUNTS.append(home_count)
