"""The FAQ editor's JSON API under ``/api/staff/entries`` (same sessions, roles and CSRF as the
pages: ``X-CSRF-Token`` on every POST, PUT and DELETE).

Entry ids contain "/" (``tach-ho/dieu-kien``): they are written as they are in the path,
``/api/staff/entries/tach-ho/dieu-kien`` (Starlette's ``path`` convertor), and an action is a
last segment after the id (``…/tach-ho/dieu-kien/history``). The action routes are matched
first, and an id may not end in an action word (``entry_forms.RESERVED_NAMES``), so the form is
never ambiguous.

| Route | Who | What |
| --- | --- | --- |
| ``GET /api/staff/entries?q=&slug=&origin=&kind=&group=&deleted=`` | signed in | the entries |
| ``GET /api/staff/entries/{id}`` | signed in | one entry (tombstones too) |
| ``POST /api/staff/entries`` | editor | create ``{id, question, phrasings, answer, source, …}`` (201; |
|  |  | 409 if the id exists) |
| ``PUT /api/staff/entries/{id}`` | editor | the changed fields + ``version`` |
| ``DELETE /api/staff/entries/{id}?version=`` | editor | tombstone |
| ``POST /api/staff/entries/{id}/restore`` | editor | ``{"version"}`` (or ``?version=``) |
| ``GET /api/staff/entries/{id}/history`` | signed in | versions, newest first, each with its diff |
|  |  | against the current |
| ``POST /api/staff/entries/{id}/revert`` | editor | ``{"to_version", "version"}`` |
| ``POST /api/staff/try`` | signed in | ``{"question"}``: what the bot would answer, top entries and scores |

An entry is ``{id, slug, kind, group, question, phrasings, answer, source, valid_from, valid_until,
reviewed, reviewed_by, origin, version, deleted}``. Refusals are ``{"detail": <Vietnamese>}``:
404 an unknown id, 409 a conflict (``"current"``: the stored version), 422 a field that does not
meet the schema (``"errors": {field: message}``), 403 a viewer's or agent's write, 503 while the
knowledge base opens.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import Body, Query, Request
from fastapi.responses import JSONResponse

from app.staff import texts
from app.staff.accounts import StaffUser
from app.staff.deps import CurrentStaff, console_router, require_role
from app.staff.entry_changes import Filters, Refused, find, groups, history, knowledge_of, read
from app.staff.entry_changes import create as create_entry
from app.staff.entry_changes import delete as delete_entry
from app.staff.entry_changes import restore as restore_entry
from app.staff.entry_changes import revert as revert_entry
from app.staff.entry_changes import update as update_entry
from app.staff.entry_forms import EDITABLE, diff_versions, entry_json

router = console_router(prefix="/api/staff", tags=["staff"])
Editor = Annotated[StaffUser, require_role("editor")]
JsonBody = Annotated[dict[str, Any], Body()]


def _refused(refused: Refused) -> JSONResponse:
    return JSONResponse(refused.json(), status_code=refused.status)


def _version(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Refused(422, texts.ENTRY_INVALID, errors={"version": texts.ENTRY_VERSION_REQUIRED})
    return value


async def _one(request: Request, entry_id: str) -> dict[str, Any]:
    return entry_json(await read(request, entry_id), await groups(request))


@router.get("/entries")
async def list_entries(
    request: Request,
    staff: CurrentStaff,
    q: Annotated[str, Query(max_length=300)] = "",
    slug: Annotated[str, Query(max_length=100)] = "",
    origin: Annotated[str, Query(max_length=10)] = "",
    kind: Annotated[str, Query(max_length=10)] = "",
    group: Annotated[str, Query(max_length=200)] = "",
    deleted: bool = False,
) -> Any:
    try:
        found = await find(request, Filters(q, slug, kind, origin, group, None, deleted))
        known = await groups(request)
    except Refused as refused:
        return _refused(refused)
    return [entry_json(entry, known) for entry in found]


@router.post("/entries", status_code=201)
async def create(request: Request, staff: Editor, body: JsonBody) -> Any:
    try:
        saved = await create_entry(request, staff, body)
        return JSONResponse(await _one(request, saved.id), status_code=201)
    except Refused as refused:
        return _refused(refused)


@router.post("/try")
async def try_question(request: Request, staff: CurrentStaff, body: JsonBody) -> Any:
    question = body.get("question")
    if not isinstance(question, str) or not question.strip() or len(question) > 2000:
        return JSONResponse(
            {"detail": texts.TRY_EMPTY, "errors": {"question": texts.TRY_EMPTY}}, status_code=422
        )
    try:
        service = knowledge_of(request)
    except Refused as refused:
        return _refused(refused)
    trial = await request.app.state.work.compute(service.try_question, question.strip(), 5)
    return {**trial.as_dict(), "sure": trial.result.answer is not None}


# The action routes come before the bare id: ``…/{id}/history`` is never read as an id.


@router.get("/entries/{entry_id:path}/history")
async def entry_history(request: Request, staff: CurrentStaff, entry_id: str) -> Any:
    try:
        versions = await history(request, entry_id)
    except Refused as refused:
        return _refused(refused)
    current = versions[0].data
    return [
        {
            "version": version.version,
            "at": version.at.isoformat(),
            "author": version.author,
            "action": version.action,
            "data": version.data,
            "diff": [asdict(change) for change in diff_versions(version.data, current)],
        }
        for version in versions
    ]


@router.post("/entries/{entry_id:path}/restore")
async def restore(
    request: Request,
    staff: Editor,
    entry_id: str,
    body: Annotated[dict[str, Any] | None, Body()] = None,
    version: int | None = None,
) -> Any:
    try:
        wanted = _version(version if version is not None else (body or {}).get("version"))
        await restore_entry(request, staff, entry_id, wanted)
        return await _one(request, entry_id)
    except Refused as refused:
        return _refused(refused)


@router.post("/entries/{entry_id:path}/revert")
async def revert(request: Request, staff: Editor, entry_id: str, body: JsonBody) -> Any:
    try:
        to_version = body.get("to_version")
        if isinstance(to_version, bool) or not isinstance(to_version, int) or to_version < 1:
            raise Refused(422, texts.ENTRY_INVALID, errors={"to_version": texts.ENTRY_VERSION_REQUIRED})
        await revert_entry(request, staff, entry_id, to_version, _version(body.get("version")))
        return await _one(request, entry_id)
    except Refused as refused:
        return _refused(refused)


@router.get("/entries/{entry_id:path}")
async def get_entry(request: Request, staff: CurrentStaff, entry_id: str) -> Any:
    try:
        return await _one(request, entry_id)
    except Refused as refused:
        return _refused(refused)


@router.put("/entries/{entry_id:path}")
async def put_entry(request: Request, staff: Editor, entry_id: str, body: JsonBody) -> Any:
    try:
        await read(request, entry_id)  # an unknown id is a 404 before anything else
        extra = {name: texts.ENTRY_NOT_EDITABLE for name in body if name not in (*EDITABLE, "version")}
        if extra:
            raise Refused(422, texts.ENTRY_INVALID, errors=extra)
        version = _version(body.get("version"))
        changes = {name: value for name, value in body.items() if name in EDITABLE}
        await update_entry(request, staff, entry_id, changes, version)
        return await _one(request, entry_id)
    except Refused as refused:
        return _refused(refused)


@router.delete("/entries/{entry_id:path}")
async def delete(request: Request, staff: Editor, entry_id: str, version: int | None = None) -> Any:
    try:
        await delete_entry(request, staff, entry_id, _version(version))
        return await _one(request, entry_id)
    except Refused as refused:
        return _refused(refused)
