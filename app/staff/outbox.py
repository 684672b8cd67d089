"""The console's failed-send outbox: ``/staff/outbox`` and ``/api/staff/outbox`` (agents and admins).

The replies no channel could deliver (``app/outbox.py``: masked text, channel, reason, attempts,
when) that are not sent yet, oldest first, and a retry of one row or of every row of a channel.
A retry sends through the channel's own send function (``app.push.channel_send``, the one
``Pipeline.deliver`` and the push to a person use: no second sending path). A row that goes
through is marked ``sent_at`` and leaves the list; one that fails again counts one more attempt
and keeps the new reason. Every retry is audited (``outbox_retried``: which rows, how many sent,
how many failed). A channel that is not running on this server is not tried (nothing counted).

Once a reply to a person failed, the later rows for the same person are not sent in the same
retry (they would arrive out of order); they wait for the next one.

- ``GET /api/staff/outbox?channel=`` — ``{"counts": {channel: n}, "items": [{"id", "channel",
  "text", "reason", "attempts", "created_at"}]}``.
- ``POST /api/staff/outbox/{id}/retry`` and ``POST /api/staff/outbox/retry?channel=tg`` —
  ``{"sent": n, "failed": n, "skipped": n}``; 404 for an unknown or already sent row, 409 when
  the channel is not running.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from app import push
from app.outbox import OutboxRow
from app.pipeline import SendFailed
from app.staff import audit, texts
from app.staff.accounts import StaffUser
from app.staff.console import AGENTS, HOME_COUNTS, HomeCount, render
from app.staff.deps import CurrentSession, console_router, require_role
from app.staff.roles import allows
from connectors.message import OutgoingMessage

PAGE = "/staff/outbox"
# The outbox's channel names, as staff read them.
CHANNEL_LABELS = {"tg": "Telegram", "zalo": "Zalo", "web": "Web"}
# Where a running channel lives on app.state (the web has nothing to retry: its replies are stored).
RUNNING = {"tg": "telegram", "zalo": "zalo"}

pages = console_router(prefix="/staff", include_in_schema=False)
api = console_router(prefix="/api/staff", tags=["staff"])
Agent = Annotated[StaffUser, require_role(*AGENTS)]


@dataclass
class Retried:
    sent: int = 0
    failed: int = 0
    skipped: int = 0  # later rows of a person whose earlier reply failed again
    off: bool = False  # the channel is not running here: nothing was tried


class ChannelOff(HTTPException):
    """The rows' channel is not running on this server (409): nothing was tried."""

    def __init__(self, channel: str) -> None:
        name = CHANNEL_LABELS.get(channel, channel)
        super().__init__(status_code=409, detail=texts.OUTBOX_CHANNEL_OFF.format(channel=name))
        self.channel = channel


def running(request: Request, channel: str) -> bool:
    name = RUNNING.get(channel)
    return name is not None and getattr(request.app.state, name, None) is not None


async def retry_rows(request: Request, rows: list[OutboxRow]) -> Retried:
    """Send ``rows`` again, in order, through their channel's send function."""
    outbox = request.app.state.stores.outbox
    io = request.app.state.work.io
    result = Retried()
    stuck: set[tuple[str, str]] = set()
    for row in rows:
        if not running(request, row.channel):
            result.off = True
            continue
        person = (row.channel, row.recipient)
        if person in stuck:
            result.skipped += 1
            continue
        send = push.channel_send(request.app, row.channel)
        try:
            await send(row.recipient, [OutgoingMessage(text=row.text)])
        except SendFailed as exc:
            await io(outbox.retried, row.id, exc.reason)
            stuck.add(person)
            result.failed += 1
        else:
            await io(outbox.retried, row.id, None)
            result.sent += 1
    return result


async def _retry(request: Request, staff: StaffUser, *, row_id: int | None, channel: str | None) -> Retried:
    outbox = request.app.state.stores.outbox
    ids = [row_id] if row_id is not None else None
    rows = await request.app.state.work.io(outbox.unsent, channel, ids)
    if not rows:
        raise HTTPException(status_code=404, detail=texts.OUTBOX_NOTHING)
    result = await retry_rows(request, rows)
    if result.off and not (result.sent or result.failed):
        raise ChannelOff(rows[0].channel)
    await audit.record(
        request,
        "outbox_retried",
        staff=staff,
        target=("outbox", str(row_id) if row_id is not None else f"channel:{channel or 'all'}"),
        before={"rows": [row.id for row in rows]},
        after={"sent": result.sent, "failed": result.failed, "skipped": result.skipped},
    )
    return result


def _item(row: OutboxRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "channel": row.channel,
        "text": row.text,
        "reason": row.reason,
        "attempts": row.attempts,
        "created_at": row.created_at,
    }


# --- pages -------------------------------------------------------------------------------------


@pages.get("/outbox")
async def outbox_page(
    request: Request,
    session: CurrentSession,
    staff: Agent,
    channel: str = "",
    sent: int | None = None,
    failed: int = 0,
    refused: str = "",
) -> Response:
    outbox = request.app.state.stores.outbox
    rows = await request.app.state.work.io(outbox.unsent, channel or None)
    counts = await request.app.state.work.io(outbox.unsent_counts)
    channels = [
        {"code": code, "label": CHANNEL_LABELS.get(code, code), "count": n, "running": running(request, code)}
        for code, n in sorted(counts.items())
    ]
    done = None
    if sent is not None:
        done = texts.OUTBOX_RETRIED.format(sent=sent, failed=failed)
    elif refused == "nothing":
        done = texts.OUTBOX_NOTHING
    elif refused in CHANNEL_LABELS:
        done = texts.OUTBOX_CHANNEL_OFF.format(channel=CHANNEL_LABELS[refused])
    return render(
        request,
        "outbox.html",
        session,
        rows=rows,
        channels=channels,
        labels=CHANNEL_LABELS,
        channel=channel,
        done=done,
    )


async def _retry_page(
    request: Request, staff: StaffUser, row_id: int | None, channel: str | None
) -> Response:
    try:
        result = await _retry(request, staff, row_id=row_id, channel=channel)
    except ChannelOff as off:
        return RedirectResponse(f"{PAGE}?refused={off.channel}", status_code=303)
    except HTTPException:
        return RedirectResponse(f"{PAGE}?refused=nothing", status_code=303)
    failed = result.failed + result.skipped
    return RedirectResponse(f"{PAGE}?sent={result.sent}&failed={failed}", status_code=303)


@pages.post("/outbox/{row_id}/retry")
async def retry_one_page(request: Request, row_id: int, staff: Agent) -> Response:
    return await _retry_page(request, staff, row_id, None)


@pages.post("/outbox/retry")
async def retry_channel_page(request: Request, staff: Agent, channel: Annotated[str, Query()]) -> Response:
    return await _retry_page(request, staff, None, channel)


# --- API ---------------------------------------------------------------------------------------


@api.get("/outbox")
async def outbox_list(request: Request, staff: Agent, channel: str = "") -> dict[str, Any]:
    outbox = request.app.state.stores.outbox
    rows = await request.app.state.work.io(outbox.unsent, channel or None)
    counts = await request.app.state.work.io(outbox.unsent_counts)
    return {"counts": counts, "items": [_item(row) for row in rows]}


@api.post("/outbox/{row_id}/retry")
async def retry_one(request: Request, row_id: int, staff: Agent) -> dict[str, int]:
    result = await _retry(request, staff, row_id=row_id, channel=None)
    return {"sent": result.sent, "failed": result.failed, "skipped": result.skipped}


@api.post("/outbox/retry")
async def retry_channel(request: Request, staff: Agent, channel: Annotated[str, Query()]) -> dict[str, int]:
    result = await _retry(request, staff, row_id=None, channel=channel)
    return {"sent": result.sent, "failed": result.failed, "skipped": result.skipped}


# --- home page ---------------------------------------------------------------------------------


async def unsent_count(request: Request, staff: StaffUser) -> HomeCount | None:
    if not allows(staff.role, AGENTS):
        return None
    counts = await request.app.state.work.io(request.app.state.stores.outbox.unsent_counts)
    total = sum(counts.values())
    return HomeCount(texts.OUTBOX_HOME, total, PAGE) if total else None


HOME_COUNTS.append(unsent_count)
