"""The handoff's staff API under ``/api/staff`` (the console's sessions, roles and CSRF):

- ``PUT /presence {"online"}`` — the agent is on duty (re-sent every minute by the page);
- ``GET /handoffs`` — open requests (waiting, held, kept) with id, channel, status, waiting
  seconds, procedure, step, reason, holder, queue place;
- ``GET /handoffs/stream`` — server-sent ``event: handoffs`` ``{"version": n}`` whenever a
  request is opened, claimed, released, closed or gets a message; a comment every 15 s;
- ``GET /handoffs/{id}`` — the transcript (personal numbers masked) and the slots; audited;
- ``POST /handoffs/{id}/claim`` (409 when another agent has it), ``/messages {"text"}``,
  ``/resume {"step": k}``, ``/close`` — audited;
- ``GET /canned`` (agents, editors), ``POST /canned``, ``PUT|DELETE /canned/{id}`` (editors).
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import HTTPException, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, field_validator

from app.handoff.canned import TEXT_MAX, TITLE_MAX, CannedReplies
from app.handoff.desk import CONSOLE, Desk, RasaFailed
from app.handoff.store import Handoff, HandoffError
from app.handoff.transcript import transcript_from_events
from app.privacy import mask_text
from app.rasa_client import RasaError
from app.staff import audit, texts
from app.staff.accounts import StaffUser
from app.staff.deps import console_router, require_role

router = console_router(prefix="/api/staff", tags=["staff"])
Agent = Annotated[StaffUser, require_role("agent")]
CannedReader = Annotated[StaffUser, require_role("agent", "editor")]
Editor = Annotated[StaffUser, require_role("editor")]

HEARTBEAT = 15.0
SEEN_EVERY = 30.0  # an open stream refreshes the agent's presence this often
MESSAGE_MAX = 2000
SLOTS = ("procedure", "guide_step", "guide_stage", "address")
ERRORS = {
    "missing": (404, texts.HANDOFF_MISSING),
    "taken": (409, texts.HANDOFF_TAKEN),
    "not_held": (409, texts.HANDOFF_NOT_HELD),
    "closed": (409, texts.HANDOFF_ENDED),
}


class PresenceBody(BaseModel):
    online: bool


class MessageBody(BaseModel):
    text: str = Field(max_length=MESSAGE_MAX)


class ResumeBody(BaseModel):
    step: int = Field(ge=1, le=100)


class CannedBody(BaseModel):
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    text: str = Field(min_length=1, max_length=TEXT_MAX)

    @field_validator("title", "text")
    @classmethod
    def stripped(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("empty")
        return value


def desk_of(request: Request) -> Desk:
    return request.app.state.handoffs


def refused(error: HandoffError) -> HTTPException:
    status, detail = ERRORS.get(error.code, (400, texts.HANDOFF_MISSING))
    return HTTPException(status_code=status, detail=detail)


def procedure_name(request: Request, slug: str | None) -> str | None:
    knowledge = request.app.state.services.knowledge
    if not slug or knowledge is None:
        return None
    try:
        topic = knowledge.topic(slug)
    except Exception:
        return None
    return getattr(topic, "title", None) or getattr(topic, "name", None)


def handoff_json(request: Request, handoff: Handoff, now: datetime, position: int | None) -> dict[str, Any]:
    return {
        "id": handoff.id,
        "channel": handoff.channel,
        "status": handoff.status,
        "reason": handoff.reason,
        "requested_at": handoff.requested_at.isoformat(),
        "waiting_seconds": max(0, round((now - handoff.requested_at).total_seconds())),
        "position": position,
        "claimed_by": handoff.claimed_by,
        "claimed_at": handoff.claimed_at.isoformat() if handoff.claimed_at else None,
        "procedure": handoff.procedure,
        "procedure_name": procedure_name(request, handoff.procedure),
        "step": handoff.step,
        "question": handoff.question,
        "zalo_window_closed": handoff.zalo_window_closed,
        "note": handoff.note,
    }


# --- presence and the list ---------------------------------------------------------------------


@router.put("/presence")
async def set_presence(request: Request, staff: Agent, body: PresenceBody) -> dict[str, Any]:
    desk = desk_of(request)
    await request.app.state.work.io(desk.presence.set, staff.id, staff.username, body.online)
    desk.changed()
    return {"online": body.online, "agents_online": await request.app.state.work.io(desk.agents_online)}


@router.get("/handoffs")
async def list_handoffs(request: Request, staff: Agent) -> dict[str, Any]:
    desk, work = desk_of(request), request.app.state.work
    handoffs = await work.io(desk.store.listed)
    now = desk.clock()
    place = {h.id: index for index, h in enumerate((h for h in handoffs if h.status == "waiting"), 1)}
    return {
        "handoffs": [handoff_json(request, h, now, place.get(h.id)) for h in handoffs],
        "version": desk.version,
        "queue_length": len(place),
        "agents_online": await work.io(desk.agents_online),
        "me": staff.username,
    }


@router.get("/handoffs/stream")
async def stream(request: Request, staff: Agent) -> StreamingResponse:
    desk, work = desk_of(request), request.app.state.work

    async def events() -> AsyncIterator[str]:
        sent, seen = -1, 0.0
        while True:  # Starlette ends the generator when the browser goes
            if time.monotonic() - seen >= SEEN_EVERY:
                await work.io(desk.presence.seen, staff.id, staff.username)
                seen = time.monotonic()
            event = desk.signal.event(CONSOLE)
            if desk.version != sent:
                sent = desk.version
                yield f"event: handoffs\ndata: {json.dumps({'version': sent})}\n\n"
            if not await desk.signal.wait(CONSOLE, event, HEARTBEAT):
                yield ": heartbeat\n\n"

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


@router.get("/handoffs/{handoff_id}")
async def handoff_detail(request: Request, staff: Agent, handoff_id: int) -> dict[str, Any]:
    desk, work = desk_of(request), request.app.state.work
    handoff = await work.io(desk.store.get, handoff_id)
    if handoff is None:
        raise HTTPException(status_code=404, detail=texts.HANDOFF_MISSING)
    position = await work.io(desk.store.position, handoff)
    body = handoff_json(request, handoff, desk.clock(), position)
    slots: dict[str, Any] = {"procedure": handoff.procedure, "guide_step": handoff.step}
    transcript: list[dict[str, Any]] | None = None
    if handoff.conversation:  # the whole conversation, from Rasa's tracker
        rasa = request.app.state.rasa
        try:
            transcript = transcript_from_events(await rasa.events(handoff.conversation))
            current = (await rasa.tracker(handoff.conversation)).get("slots") or {}
            slots = {name: current.get(name) for name in SLOTS}
            slots["address"] = mask_text(str(slots["address"])) if slots.get("address") else None
        except RasaError:
            transcript = None
    if transcript is None:  # ended, or Rasa unreachable: what was said during the handoff
        messages = await work.io(desk.store.messages, handoff.id)
        transcript = [
            {
                "role": "user" if m.author == "citizen" else "agent",
                "text": m.text,
                "buttons": [],
                "at": m.at.isoformat(),
            }
            for m in messages
        ]
    slots["readiness"] = slots.get("guide_stage")
    body.update(slots=slots, transcript=transcript)
    await audit.record(request, "handoff_viewed", staff=staff, target=("handoff", str(handoff.id)))
    return body


# --- claim, reply, hand back, close ------------------------------------------------------------


@router.post("/handoffs/{handoff_id}/claim")
async def claim(request: Request, staff: Agent, handoff_id: int) -> dict[str, Any]:
    desk = desk_of(request)
    try:
        handoff = await desk.claim(handoff_id, staff.username)
    except HandoffError as error:
        raise refused(error) from None
    await audit.record(request, "handoff_claimed", staff=staff, target=("handoff", str(handoff_id)))
    return handoff_json(request, handoff, desk.clock(), None)


@router.post("/handoffs/{handoff_id}/messages")
async def send_message(request: Request, staff: Agent, handoff_id: int, body: MessageBody) -> dict[str, Any]:
    text = body.text.strip()
    if not text:
        raise HTTPException(status_code=422, detail=texts.HANDOFF_EMPTY_TEXT)
    try:
        sent = await desk_of(request).send(handoff_id, staff.username, text)
    except HandoffError as error:
        raise refused(error) from None
    await audit.record(request, "handoff_message_sent", staff=staff, target=("handoff", str(handoff_id)))
    answer: dict[str, Any] = {"delivered": sent.delivered, "window_closed": sent.window_closed}
    if not sent.delivered:
        answer["detail"] = texts.HANDOFF_NOT_DELIVERED["window_closed" if sent.window_closed else "other"]
    return answer


async def _hand_back(request: Request, staff: StaffUser, handoff_id: int, step: int | None) -> dict[str, Any]:
    try:
        messages = await desk_of(request).hand_back(handoff_id, staff.username, step)
    except HandoffError as error:
        raise refused(error) from None
    except RasaFailed:
        raise HTTPException(status_code=503, detail=texts.HANDOFF_RASA_FAILED) from None
    action = "handoff_closed" if step is None else "handoff_resumed"
    after = {"step": step} if step is not None else None
    await audit.record(request, action, staff=staff, target=("handoff", str(handoff_id)), after=after)
    return {"status": "closed", "messages": [message.model_dump() for message in messages]}


@router.post("/handoffs/{handoff_id}/resume")
async def resume(request: Request, staff: Agent, handoff_id: int, body: ResumeBody) -> dict[str, Any]:
    return await _hand_back(request, staff, handoff_id, body.step)


@router.post("/handoffs/{handoff_id}/close")
async def close(request: Request, staff: Agent, handoff_id: int) -> dict[str, Any]:
    return await _hand_back(request, staff, handoff_id, None)


# --- canned replies ----------------------------------------------------------------------------


def canned_of(request: Request) -> CannedReplies:
    return desk_of(request).canned


@router.get("/canned")
async def list_canned(request: Request, _: CannedReader) -> list[dict[str, Any]]:
    replies = await request.app.state.work.io(canned_of(request).all)
    return [reply.as_json() for reply in replies]


@router.post("/canned", status_code=201)
async def create_canned(request: Request, staff: Editor, body: CannedBody) -> dict[str, Any]:
    reply = await request.app.state.work.io(canned_of(request).create, body.title, body.text, staff.username)
    await audit.record(
        request, "canned_created", staff=staff, target=("canned_reply", str(reply.id)), after=reply.as_json()
    )
    return reply.as_json()


@router.put("/canned/{reply_id}")
async def update_canned(request: Request, staff: Editor, reply_id: int, body: CannedBody) -> dict[str, Any]:
    store, work = canned_of(request), request.app.state.work
    before = await work.io(store.get, reply_id)
    reply = await work.io(store.update, reply_id, body.title, body.text, staff.username)
    if before is None or reply is None:
        raise HTTPException(status_code=404, detail=texts.CANNED_MISSING)
    await audit.record(
        request,
        "canned_updated",
        staff=staff,
        target=("canned_reply", str(reply_id)),
        before=before.as_json(),
        after=reply.as_json(),
    )
    return reply.as_json()


@router.delete("/canned/{reply_id}", status_code=204)
async def delete_canned(request: Request, staff: Editor, reply_id: int) -> Response:
    reply = await request.app.state.work.io(canned_of(request).delete, reply_id)
    if reply is None:
        raise HTTPException(status_code=404, detail=texts.CANNED_MISSING)
    await audit.record(
        request, "canned_deleted", staff=staff, target=("canned_reply", str(reply_id)), before=reply.as_json()
    )
    return Response(status_code=204)
