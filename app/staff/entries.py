"""The FAQ editor's pages: ``/staff/entries`` (list, search, filters), the edit form with its
preview, a new entry, the history with diffs and revert, delete and restore, and ``/staff/try``
("Thử câu hỏi"). The same reads and writes as the API (``entry_changes.py``).

Addresses. Entry ids contain "/" (``tach-ho/dieu-kien``); they stand in the path as they are,
and the page is a last segment after the id (Starlette's ``path`` convertor)::

    GET  /staff/entries?q=&group=&slug=&origin=&kind=&due=&deleted=1&page=
    GET  /staff/entries/new?slug=&question=&phrasing=&phrasing=     (pre-filled; POST saves)
    GET  /staff/entries/tach-ho/dieu-kien/edit                      (POST: save, or preview)
    GET  /staff/entries/tach-ho/dieu-kien/history?compare=3         (the diff of version 3)
    POST /staff/entries/tach-ho/dieu-kien/revert                    (to_version, version)
    GET  /staff/entries/tach-ho/dieu-kien/delete                    (confirm; POST deletes)
    POST /staff/entries/tach-ho/dieu-kien/restore                   (version)
    GET  /staff/try?q=

An id never ends in one of these action words (``entry_forms.RESERVED_NAMES``; a new entry
named so is refused), so an address is never ambiguous.

Every signed-in account reads; editors and admins change. Every form carries the version the
page showed: a save made in between is a conflict (409, the message links the current text and
the typed values stay in the form), never a silent overwrite. A change is live for the bot at
once, recorded in the audit log and announced by a notice (``role="status"``) on the next page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.staff import texts
from app.staff.accounts import StaffUser
from app.staff.console import render
from app.staff.deps import CurrentSession, console_router, require_role
from app.staff.entry_changes import LIST_LIMIT, Filters, Refused, find, groups, history, knowledge_of, read
from app.staff.entry_changes import create as create_entry
from app.staff.entry_changes import delete as delete_entry
from app.staff.entry_changes import restore as restore_entry
from app.staff.entry_changes import revert as revert_entry
from app.staff.entry_changes import update as update_entry
from app.staff.entry_forms import ENTRIES, EntryForm, Invalid, build, diff_versions, entry_url, validity
from app.staff.roles import allows
from app.staff.sessions import StaffSession
from knowledge.entries import Entry
from knowledge.validation import parse_day

router = console_router(prefix="/staff", include_in_schema=False)
Editor = Annotated[StaffUser, require_role("editor")]
EDITORS = frozenset({"editor"})  # and admins
LIST = ENTRIES
Text = Annotated[str, Form(max_length=8000)]


def _page(value: str) -> int:
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1


async def _refusal(request: Request, session: StaffSession, refused: Refused) -> Response:
    return render(request, "error.html", session, status=refused.status, message=refused.detail)


def _conflict(request: Request, session: StaffSession, refused: Refused, link: str) -> Response:
    """Someone saved in between: the message and a link to the current text."""
    return render(request, "entries/conflict.html", session, status=409, message=refused.detail, link=link)


# --- the list ----------------------------------------------------------------------------------


@router.get("/entries")
async def entries_page(
    request: Request,
    session: CurrentSession,
    q: Annotated[str, Query(max_length=300)] = "",
    group: Annotated[str, Query(max_length=200)] = "",
    slug: Annotated[str, Query(max_length=100)] = "",
    origin: Annotated[str, Query(max_length=10)] = "",
    kind: Annotated[str, Query(max_length=10)] = "",
    due: Annotated[str, Query(max_length=20)] = "",
    deleted: Annotated[str, Query(max_length=2)] = "",
    page: Annotated[str, Query(max_length=6)] = "1",
    done: str = "",
) -> Response:
    errors: dict[str, str] = {}
    try:
        due_before = parse_day(due)
    except (ValueError, TypeError):
        due_before, errors["due"] = None, texts.ENTRY_BAD_DATE
    filters = Filters(q.strip(), slug, kind, origin, group, due_before, deleted == "1")
    try:
        found = await find(request, filters)
        known = await groups(request)
        topics = await request.app.state.work.io(knowledge_of(request).topics)
    except Refused as refused:
        return await _refusal(request, session, refused)
    pages = max(1, -(-len(found) // LIST_LIMIT))
    number = min(_page(page), pages)
    shown = found[(number - 1) * LIST_LIMIT : number * LIST_LIMIT]
    query = {
        "q": q,
        "group": group,
        "slug": slug,
        "origin": origin,
        "kind": kind,
        "due": due,
        "deleted": deleted,
    }
    today = knowledge_of(request).today()
    return render(
        request,
        "entries/list.html",
        session,
        entries=shown,
        total=len(found),
        page=number,
        pages=pages,
        query={name: value for name, value in query.items() if value},
        filters=filters,
        raw=query,
        errors=errors,
        groups=sorted(set(known.values())),
        topics=sorted(topics, key=lambda topic: topic.slug),
        validity=lambda entry: validity(entry, today),
        entry_url=entry_url,
        can_edit=allows(session.user.role, EDITORS),
        done=texts.DONE.get(done),
    )


# --- "Thử câu hỏi" -----------------------------------------------------------------------------


@router.get("/try")
async def try_page(
    request: Request, session: CurrentSession, q: Annotated[str, Query(max_length=2000)] = ""
) -> Response:
    trial = None
    if q.strip():
        try:
            service = knowledge_of(request)
        except Refused as refused:
            return await _refusal(request, session, refused)
        trial = await request.app.state.work.compute(service.try_question, q.strip(), 5)
    return render(request, "entries/try.html", session, q=q, trial=trial, entry_url=entry_url)


# --- new entry and edit ------------------------------------------------------------------------


async def _form_page(
    request: Request,
    session: StaffSession,
    form: EntryForm,
    entry: Entry | None,
    *,
    status: int = 200,
    preview: Entry | None = None,
    conflict: int | None = None,
    error: str | None = None,
    done: str | None = None,
) -> Response:
    known = await groups(request)
    topics = await request.app.state.work.io(knowledge_of(request).topics)
    names = {topic.slug: topic.name for topic in topics}
    return render(
        request,
        "entries/edit.html",
        session,
        status=status,
        form=form,
        entry=entry,
        group=known.get(form.slug, ""),
        topic_name=names.get(form.slug, ""),
        topics=sorted(topics, key=lambda topic: topic.slug),
        preview=preview,
        conflict=conflict,
        error=error,
        done=done,
        entry_url=entry_url,
        validity=(validity(entry, knowledge_of(request).today()) if entry else None),
        can_edit=allows(session.user.role, EDITORS)
        and (entry is None or (entry.kind == "faq" and not entry.deleted)),
    )


@router.get("/entries/new")
async def new_entry_page(
    request: Request,
    session: CurrentSession,
    _: Editor,
    slug: Annotated[str, Query(max_length=100)] = "",
    question: Annotated[str, Query(max_length=2000)] = "",
    phrasing: Annotated[list[str], Query(max_length=50)] = [],  # noqa: B006 - read, never mutated
) -> Response:
    form = EntryForm(
        slug=slug, question=question, phrasings="\n".join(p.strip() for p in phrasing if p.strip())
    )
    try:
        return await _form_page(request, session, form, None)
    except Refused as refused:
        return await _refusal(request, session, refused)


@router.post("/entries/new")
async def new_entry(
    request: Request,
    session: CurrentSession,
    staff: Editor,
    slug: Annotated[str, Form(max_length=100)] = "",
    name: Annotated[str, Form(max_length=100)] = "",
    question: Text = "",
    phrasings: Text = "",
    answer: Text = "",
    source: Annotated[str, Form(max_length=2000)] = "",
    valid_from: Annotated[str, Form(max_length=20)] = "",
    valid_until: Annotated[str, Form(max_length=20)] = "",
    action: Annotated[str, Form(max_length=10)] = "save",
) -> Response:
    form = EntryForm(slug.strip(), name.strip(), question, phrasings, answer, source, valid_from, valid_until)
    try:
        if action == "preview":
            try:
                shown = build(form.new_data())
            except Invalid as invalid:
                form.errors = invalid.errors
                return await _form_page(request, session, form, None, status=422, error=texts.ENTRY_INVALID)
            return await _form_page(request, session, form, None, preview=shown)
        try:
            saved = await create_entry(request, staff, form.new_data())
        except Refused as refused:
            if refused.status not in (409, 422):
                raise
            form.errors = refused.errors
            return await _form_page(request, session, form, None, status=refused.status, error=refused.detail)
    except Refused as refused:
        return await _refusal(request, session, refused)
    return RedirectResponse(entry_url(saved.id, done="entry_created"), status_code=303)


@router.get("/entries/{entry_id:path}/edit")
async def edit_page(request: Request, session: CurrentSession, entry_id: str, done: str = "") -> Response:
    try:
        entry = await read(request, entry_id)
        return await _form_page(request, session, EntryForm.of(entry), entry, done=texts.DONE.get(done))
    except Refused as refused:
        return await _refusal(request, session, refused)


@router.post("/entries/{entry_id:path}/edit")
async def edit(
    request: Request,
    session: CurrentSession,
    staff: Editor,
    entry_id: str,
    question: Text = "",
    phrasings: Text = "",
    answer: Text = "",
    source: Annotated[str, Form(max_length=2000)] = "",
    valid_from: Annotated[str, Form(max_length=20)] = "",
    valid_until: Annotated[str, Form(max_length=20)] = "",
    version: Annotated[int, Form(ge=0)] = 0,
    action: Annotated[str, Form(max_length=10)] = "save",
) -> Response:
    try:
        entry = await read(request, entry_id)
        form = EntryForm.of(entry)
        form.question, form.phrasings, form.answer, form.source = question, phrasings, answer, source
        form.valid_from, form.valid_until, form.version = valid_from, valid_until, version
        if action == "preview":
            try:
                shown = build(form.data(), entry)
            except Invalid as invalid:
                form.errors = invalid.errors
                return await _form_page(request, session, form, entry, status=422, error=texts.ENTRY_INVALID)
            return await _form_page(request, session, form, entry, preview=shown)
        try:
            _, changed = await update_entry(request, staff, entry_id, form.data(), version)
        except Refused as refused:
            if refused.status not in (409, 422):
                raise
            form.errors = refused.errors
            return await _form_page(
                request,
                session,
                form,
                entry,
                status=refused.status,
                error=refused.detail,
                conflict=refused.current,
            )
    except Refused as refused:
        return await _refusal(request, session, refused)
    return RedirectResponse(
        entry_url(entry_id, done="entry_saved" if changed else "entry_unchanged"), status_code=303
    )


# --- history, revert ---------------------------------------------------------------------------


@router.get("/entries/{entry_id:path}/history")
async def history_page(
    request: Request, session: CurrentSession, entry_id: str, compare: str = "", done: str = ""
) -> Response:
    try:
        entry = await read(request, entry_id)
        versions = await history(request, entry_id)
    except Refused as refused:
        return await _refusal(request, session, refused)
    compared = next((v for v in versions if compare.isdigit() and v.version == int(compare)), None)
    return render(
        request,
        "entries/history.html",
        session,
        entry=entry,
        versions=versions,
        compared=compared,
        diff=diff_versions(compared.data, versions[0].data) if compared else None,
        entry_url=entry_url,
        can_edit=allows(session.user.role, EDITORS) and entry.kind == "faq",
        done=texts.DONE.get(done),
    )


@router.post("/entries/{entry_id:path}/revert")
async def revert(
    request: Request,
    session: CurrentSession,
    staff: Editor,
    entry_id: str,
    to_version: Annotated[int, Form(ge=1)],
    version: Annotated[int, Form(ge=0)],
) -> Response:
    try:
        await revert_entry(request, staff, entry_id, to_version, version)
    except Refused as refused:
        if refused.status == 409:
            link = entry_url(entry_id, "history")
            return _conflict(request, session, refused, link)
        return await _refusal(request, session, refused)
    return RedirectResponse(entry_url(entry_id, "history", done="entry_reverted"), status_code=303)


# --- delete, restore ---------------------------------------------------------------------------


@router.get("/entries/{entry_id:path}/delete")
async def delete_page(request: Request, session: CurrentSession, _: Editor, entry_id: str) -> Response:
    try:
        entry = await read(request, entry_id)
    except Refused as refused:
        return await _refusal(request, session, refused)
    return render(request, "entries/delete.html", session, entry=entry, entry_url=entry_url)


@router.post("/entries/{entry_id:path}/delete")
async def delete(
    request: Request,
    session: CurrentSession,
    staff: Editor,
    entry_id: str,
    version: Annotated[int, Form(ge=0)] = 0,
    confirm: Annotated[str, Form(max_length=2)] = "",
) -> Response:
    try:
        if confirm != "1":
            entry = await read(request, entry_id)
            return render(
                request, "entries/delete.html", session, status=400, entry=entry, entry_url=entry_url,
                error=texts.ENTRY_DELETE_CONFIRM,
            )  # fmt: skip
        await delete_entry(request, staff, entry_id, version)
    except Refused as refused:
        if refused.status == 409:
            link = entry_url(entry_id)
            return _conflict(request, session, refused, link)
        return await _refusal(request, session, refused)
    return RedirectResponse(f"{LIST}?deleted=1&done=entry_deleted", status_code=303)


@router.post("/entries/{entry_id:path}/restore")
async def restore(
    request: Request,
    session: CurrentSession,
    staff: Editor,
    entry_id: str,
    version: Annotated[int, Form(ge=0)] = 0,
) -> Response:
    try:
        await restore_entry(request, staff, entry_id, version)
    except Refused as refused:
        if refused.status == 409:
            link = f"{LIST}?deleted=1"
            return _conflict(request, session, refused, link)
        return await _refusal(request, session, refused)
    return RedirectResponse(entry_url(entry_id, done="entry_restored"), status_code=303)
