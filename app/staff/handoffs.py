"""The console's "Hỗ trợ trực tiếp" (handoff) page: ``/staff/handoffs``, for agents (admins pass).

The page is a shell rendered here and brought to life by ``static/handoffs-queue.js`` and
``static/handoffs-conversation.js`` on the handoff JSON API (``app/handoff/``; contracts 8 and 10
of issue 12):

- the on-duty switch: ``PUT /api/staff/presence {"online"}``, repeated every 60 s while on duty;
- the queue — waiting, held by me, held by others, kept requests to answer later — from
  ``GET /api/staff/handoffs``, fetched again whenever ``GET /api/staff/handoffs/stream`` (server-sent
  events) says something changed; a new waiting conversation shows a notice and the page title
  counts the waiting ones;
- the conversation: ``GET /api/staff/handoffs/{id}`` (the masked transcript and the procedure,
  step, address and readiness slots; the server writes each view to the audit log), claim, reply
  (canned replies from ``GET /api/staff/canned`` can be inserted), "Tiếp tục hướng dẫn từ bước k"
  (the steps of the procedure from ``GET /api/staff/procedures/{slug}``) and close.

Everything a citizen or an agent typed is inserted as text (``textContent``), never as HTML, and
the page has no inline script or style (the console's CSP forbids both).

The home page shows "Đang chờ cán bộ: N" to agents and admins
(``app.state.handoffs.queue_length()``, contract 9).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Request
from fastapi.responses import Response

from app.staff import texts
from app.staff.accounts import StaffUser
from app.staff.console import AGENTS, HOME_COUNTS, HomeCount, render
from app.staff.deps import CurrentSession, console_router, require_role
from app.staff.roles import allows

PAGE = "/staff/handoffs"

pages = console_router(prefix="/staff", include_in_schema=False)
Agent = Annotated[StaffUser, require_role(*AGENTS)]


@pages.get("/handoffs")
async def handoffs_page(request: Request, session: CurrentSession, staff: Agent) -> Response:
    return render(request, "handoffs/console.html", session)


async def home_count(request: Request, staff: StaffUser) -> HomeCount | None:
    """ "Đang chờ cán bộ: N" for agents and admins, once the handoff store is open."""
    store = getattr(request.app.state, "handoffs", None)
    if store is None or not allows(staff.role, AGENTS):
        return None
    waiting = await request.app.state.work.io(store.queue_length)
    return HomeCount(texts.HANDOFF_HOME, waiting, PAGE)


HOME_COUNTS.append(home_count)
