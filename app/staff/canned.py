"""The console's "Câu trả lời mẫu" page: ``/staff/canned`` — the ready replies agents insert in
a handoff. Editors (and admins) add, change and delete them; agents read them.

The page is a shell brought to life by ``static/canned.js`` on the canned replies API of the
handoff part (contract 10 of issue 12): ``GET /api/staff/canned`` (any agent), and for editors
``POST /api/staff/canned {"title", "text"}``, ``PUT /api/staff/canned/{id}`` and
``DELETE /api/staff/canned/{id}``, each written to the audit log by that API. Texts are shown
with ``textContent``; the page has no inline script or style.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Request
from fastapi.responses import Response

from app.staff.accounts import StaffUser
from app.staff.console import AGENTS, render
from app.staff.deps import CurrentSession, console_router, require_role
from app.staff.roles import allows

PAGE = "/staff/canned"
EDITORS = frozenset({"editor"})
READERS = AGENTS | EDITORS

pages = console_router(prefix="/staff", include_in_schema=False)
Reader = Annotated[StaffUser, require_role(*READERS)]


@pages.get("/canned")
async def canned_page(request: Request, session: CurrentSession, staff: Reader) -> Response:
    return render(request, "handoffs/canned.html", session, can_edit=allows(staff.role, EDITORS))
