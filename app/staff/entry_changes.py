"""The FAQ editor's reads and writes, shared by its pages (``entries.py``) and its API
(``entries_api.py``): every write goes through the app's ``SearchService`` (live for the bot at
once), with the version the staff member read (a save in between is a :class:`Refused` 409, never
an overwrite), and is written to the audit log with the changed fields before and after.

Reads run on the app's database threads, writes on its compute threads (a write may encode new
texts for the dense index); nothing runs on the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import Request
from pydantic import ValidationError

from app.staff import audit, texts
from app.staff.accounts import StaffUser
from app.staff.entry_forms import Invalid, build, changes, field_errors
from knowledge.entries import Entry
from knowledge.search import SearchService
from knowledge.versions import Conflict, NotFound, Version

LIST_LIMIT = 100  # rows a page of the list shows


class Refused(Exception):
    """A read or write the editor refuses: ``status``, a Vietnamese ``detail``; ``errors`` by field
    (422) or the ``current`` version (409)."""

    def __init__(
        self, status: int, detail: str, *, errors: dict[str, str] | None = None, current: int | None = None
    ) -> None:
        super().__init__(detail)
        self.status, self.detail, self.errors, self.current = status, detail, errors or {}, current

    def json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"detail": self.detail}
        if self.errors:
            body["errors"] = self.errors
        if self.current is not None:
            body["current"] = self.current
        return body


@dataclass(frozen=True)
class Filters:
    q: str = ""
    slug: str = ""
    kind: str = ""
    origin: str = ""
    group: str = ""
    due_before: date | None = None
    deleted: bool = False


def knowledge_of(request: Request) -> SearchService:
    service = request.app.state.services.knowledge
    if service is None:
        raise Refused(503, texts.KNOWLEDGE_NOT_READY)
    return service


async def groups(request: Request) -> dict[str, str]:
    """Topic slug → its group, from the topics the bot reads."""
    service = knowledge_of(request)
    topics = await request.app.state.work.io(service.topics)
    return {topic.slug: topic.group for topic in topics}


async def topic_names(request: Request) -> dict[str, str]:
    service = knowledge_of(request)
    topics = await request.app.state.work.io(service.topics)
    return {topic.slug: topic.name for topic in topics}


async def find(request: Request, filters: Filters) -> list[Entry]:
    service = knowledge_of(request)
    return await request.app.state.work.io(
        service.store.search_rows,
        q=filters.q or None,
        slug=filters.slug or None,
        kind=filters.kind or None,
        origin=filters.origin or None,
        group=filters.group or None,
        review_due_before=filters.due_before,
        deleted=filters.deleted,
        interval_days=request.app.state.settings.review_interval_days,
    )


async def read(request: Request, entry_id: str, *, include_deleted: bool = True) -> Entry:
    service = knowledge_of(request)
    entry = await request.app.state.work.io(service.store.get, entry_id, include_deleted)
    if entry is None:
        raise Refused(404, texts.ENTRY_NOT_FOUND.format(id=entry_id))
    return entry


async def history(request: Request, entry_id: str) -> list[Version]:
    service = knowledge_of(request)
    found = await request.app.state.work.io(service.store.history, entry_id)
    if not found:
        raise Refused(404, texts.ENTRY_NOT_FOUND.format(id=entry_id))
    return found


def _editable(entry: Entry) -> None:
    if entry.kind != "faq":
        raise Refused(400, texts.ENTRY_IS_TOPIC)


async def _write(request: Request, function: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a write of the service, its refusals as :class:`Refused`."""
    try:
        return await request.app.state.work.compute(function, *args, **kwargs)
    except Conflict as conflict:
        raise Refused(
            409, texts.ENTRY_CONFLICT.format(current=conflict.current), current=conflict.current
        ) from None
    except ValidationError as invalid:
        raise Refused(422, texts.ENTRY_INVALID, errors=field_errors(invalid)) from None


async def _record(
    request: Request, action: str, staff: StaffUser, before: Entry | None, after: Entry, **extra: Any
) -> None:
    old, new = changes(before, after)
    await audit.record(
        request, action, staff=staff, target=("entry", after.id), before=old, after=new | extra
    )


async def create(request: Request, staff: StaffUser, data: dict[str, Any]) -> Entry:
    """A new FAQ entry (409 when the id exists, even as a tombstone)."""
    service = knowledge_of(request)
    try:
        entry = build(data)
    except Invalid as invalid:
        raise Refused(422, texts.ENTRY_INVALID, errors=invalid.errors) from None
    if entry.slug not in await groups(request):
        raise Refused(422, texts.ENTRY_INVALID, errors={"slug": texts.ENTRY_UNKNOWN_SLUG})
    try:
        saved = await request.app.state.work.compute(
            service.put, entry, "staff", expected_version=0, author=staff.username
        )
    except Conflict as conflict:
        raise Refused(
            409, texts.ENTRY_EXISTS.format(current=conflict.current), current=conflict.current
        ) from None
    except ValidationError as invalid:
        raise Refused(422, texts.ENTRY_INVALID, errors=field_errors(invalid)) from None
    await _record(request, "entry_created", staff, None, saved)
    return saved


async def update(
    request: Request, staff: StaffUser, entry_id: str, data: dict[str, Any], version: int
) -> tuple[Entry, bool]:
    """Save the edited fields over ``version``; (the entry, whether anything changed)."""
    service = knowledge_of(request)
    current = await read(request, entry_id)
    _editable(current)
    if current.deleted:
        raise Refused(409, texts.ENTRY_DELETED_NOTE, current=current.version)
    try:
        entry = build(data, current)
    except Invalid as invalid:
        raise Refused(422, texts.ENTRY_INVALID, errors=invalid.errors) from None
    saved = await _write(
        request, service.put, entry, "staff", expected_version=version, author=staff.username
    )
    if saved.version == current.version:
        return saved, False
    await _record(request, "entry_updated", staff, current, saved)
    return saved, True


async def delete(request: Request, staff: StaffUser, entry_id: str, version: int) -> Entry:
    """A tombstone: the bot stops answering with it; it can be restored."""
    service = knowledge_of(request)
    current = await read(request, entry_id)
    _editable(current)
    if current.deleted:
        raise Refused(409, texts.ENTRY_CONFLICT.format(current=current.version), current=current.version)
    await _write(request, service.delete, entry_id, expected_version=version, author=staff.username)
    saved = await read(request, entry_id)
    await _record(request, "entry_deleted", staff, current, saved)
    return saved


async def restore(request: Request, staff: StaffUser, entry_id: str, version: int) -> Entry:
    service = knowledge_of(request)
    current = await read(request, entry_id)
    saved = await _write(request, service.restore, entry_id, expected_version=version, author=staff.username)
    if saved.version != current.version:
        await _record(request, "entry_restored", staff, current, saved)
    return saved


async def revert(request: Request, staff: StaffUser, entry_id: str, to_version: int, version: int) -> Entry:
    """A new version whose content is ``to_version``'s (a tombstone comes back)."""
    service = knowledge_of(request)
    current = await read(request, entry_id)
    _editable(current)
    try:
        saved = await _write(
            request, service.revert, entry_id, to_version, expected_version=version, author=staff.username
        )
    except NotFound:
        raise Refused(404, texts.ENTRY_NO_VERSION.format(id=entry_id, version=to_version)) from None
    if saved.version != current.version:
        await _record(request, "entry_reverted", staff, current, saved, to_version=to_version)
    return saved
