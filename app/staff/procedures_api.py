"""The procedures' JSON API (``/api/staff/procedures``), the same work as the pages
(``procedures.py``): any signed-in account reads, editors and admins write (CSRF token in
``X-CSRF-Token``).

- ``GET /api/staff/procedures?q=&origin=&due=`` — ``[{slug, name, group, version, origin,
  reviewed, reviewed_by, next_review, review_due, updated_at}]``.
- ``GET /api/staff/procedures/{slug}`` — ``{slug, version, origin, reviewed_by, updated_at,
  data}`` (``data``: the whole procedure as the seed's schema has it).
- ``PUT /api/staff/procedures/{slug}`` — the changed top-level fields plus ``version``:
  ``{slug, version, changed, retrain, notice, data}``; 409 ``{detail, current}`` on a stale
  version; 422 ``{detail, errors: {field path: Vietnamese message}}``. ``retrain`` is true when
  the name or aliases changed: the NLU's procedure lookup follows at the next ``make train``.
- ``GET /api/staff/procedures/{slug}/history`` — versions, newest first, each with
  ``changes: {field: [{kind: add|remove|same, text}]}`` against the version before.
- ``POST /api/staff/procedures/{slug}/revert`` ``{"to_version", "version"}`` — as PUT.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from app.staff import texts
from app.staff.console import vietnam_time
from app.staff.deps import CurrentStaff, console_router
from app.staff.procedure_forms import version_diffs
from app.staff.procedures import (
    Editor,
    Refused,
    Saved,
    interval_days,
    is_due,
    knowledge_of,
    listing,
    record_of,
    revert,
    save,
    today,
)

api = console_router(prefix="/api/staff", tags=["staff"])


def _refusal(refused: Refused) -> JSONResponse:
    body: dict[str, Any] = {"detail": refused.detail}
    if "current" in refused.extra:
        body["current"] = refused.extra["current"]
    if "errors" in refused.extra:
        body["errors"] = refused.extra["errors"]
    return JSONResponse(body, status_code=refused.status)


def _saved(saved: Saved) -> dict[str, Any]:
    return {
        "slug": saved.procedure.slug,
        "version": saved.version,
        "changed": saved.changed,
        "retrain": saved.retrain,
        "notice": texts.PROCEDURE_TRAIN_NOTICE if saved.retrain else "",
        "data": saved.procedure.model_dump(mode="json"),
    }


@api.get("/procedures", response_model=None)
async def procedures_json(
    request: Request, staff: CurrentStaff, q: str = "", origin: str = "", due: bool = False
) -> Any:
    try:
        rows = await listing(request, q[:200], origin if origin in texts.ORIGIN_LABELS else "", due)
    except Refused as refused:
        return _refusal(refused)
    day, interval = today(request), interval_days(request)
    return [
        {
            "slug": row.topic.slug,
            "name": row.topic.name,
            "group": row.topic.group,
            "version": row.record.version,
            "origin": row.record.origin,
            "reviewed": row.topic.reviewed.isoformat(),
            "reviewed_by": row.record.reviewed_by,
            "next_review": row.next_review.isoformat(),
            "review_due": is_due(row, day, interval),
            "updated_at": row.record.updated_at.isoformat(),
        }
        for row in rows
    ]


@api.get("/procedures/{slug}", response_model=None)
async def procedure_json(request: Request, staff: CurrentStaff, slug: str) -> Any:
    try:
        record = await record_of(request, slug)
    except Refused as refused:
        return _refusal(refused)
    return {
        "slug": slug,
        "version": record.version,
        "origin": record.origin,
        "reviewed_by": record.reviewed_by,
        "updated_at": record.updated_at.isoformat(),
        "data": record.topic.model_dump(mode="json"),
    }


@api.put("/procedures/{slug}", response_model=None)
async def put_procedure(
    request: Request, staff: Editor, slug: str, body: Annotated[dict[str, Any], Body()]
) -> Any:
    version = body.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        missing = texts.PROCEDURE_NO_VERSION
        return _refusal(Refused(422, missing, errors={"version": missing}))
    changes = {key: value for key, value in body.items() if key != "version"}
    try:
        record = await record_of(request, slug)
        data = {**record.topic.model_dump(mode="json"), **changes}
        saved = await save(request, staff, slug, data, version, record)
    except Refused as refused:
        return _refusal(refused)
    return _saved(saved)


@api.get("/procedures/{slug}/history", response_model=None)
async def history_json(request: Request, staff: CurrentStaff, slug: str) -> Any:
    try:
        await record_of(request, slug)
        history = await request.app.state.work.io(knowledge_of(request).store.topic_history, slug)
    except Refused as refused:
        return _refusal(refused)
    return [
        {
            "version": shown["version"].version,
            "at": shown["version"].at.isoformat(),
            "at_local": vietnam_time(shown["version"].at),
            "author": shown["version"].author,
            "action": shown["version"].action,
            "changes": {
                name: [{"kind": line.kind, "text": line.text} for line in lines]
                for name, lines in shown["changes"].items()
            },
        }
        for shown in version_diffs(history)
    ]


class RevertRequest(BaseModel):
    to_version: int = Field(ge=1)
    version: int = Field(ge=0)


@api.post("/procedures/{slug}/revert", response_model=None)
async def revert_json(request: Request, staff: Editor, slug: str, body: RevertRequest) -> Any:
    try:
        saved = await revert(request, staff, slug, body.to_version, body.version)
    except Refused as refused:
        return _refusal(refused)
    return _saved(saved)
