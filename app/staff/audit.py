"""The audit log: who changed what, when, from which address, with the record before and after.

Every part of the console records its changes through one function::

    await audit.record(request, "entry_updated", staff=staff, target=("entry", entry_id),
                       before=old_fields, after=new_fields)

``staff`` is the signed-in account (``CurrentStaff``) or a name; ``before`` and ``after`` are
JSON-serialisable (dicts of the changed fields, never a password or its hash); the client
address is taken from the request. The write runs on the app's database threads. The command
line (no request) uses :meth:`AuditLog.add` with ``address="cli"``. Admins read the log at
``/staff/audit`` and ``GET /api/staff/audit`` (filters: user, action, target; newest first).

The log is the console's own record, not a citizen's data: it is kept (no automatic deletion)
and holds no message text. Signing in, signing out, failed sign-ins and every account change are
recorded here by the accounts part.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from starlette.requests import Request

from app.clock import Clock, aware, utc_now
from app.database import Database
from app.staff import texts
from app.staff.accounts import StaffUser
from app.staff.models import AuditRow

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str | None
    action: str
    target_kind: str | None
    target_id: str | None
    before: Any
    after: Any
    address: str | None

    @property
    def action_label(self) -> str:
        return texts.AUDIT_ACTIONS.get(self.action, self.action)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "target_kind": self.target_kind,
            "target_id": self.target_id,
            "before": self.before,
            "after": self.after,
            "address": self.address,
        }


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    action: str = ""
    target: str = ""  # a target id, or "kind:id"


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


class AuditLog:
    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self._session = database.session
        self._clock = clock

    def add(
        self,
        action: str,
        *,
        actor: str | None,
        target_kind: str | None = None,
        target_id: str | None = None,
        before: Any = None,
        after: Any = None,
        address: str | None = None,
    ) -> int:
        row = AuditRow(
            at=self._clock(),
            actor=actor[:100] if actor else None,
            action=action[:50],
            target_kind=target_kind[:50] if target_kind else None,
            target_id=target_id[:300] if target_id else None,
            before=before,
            after=after,
            address=address[:64] if address else None,
        )
        with self._session.begin() as session:
            session.add(row)
        return row.id

    def page(self, where: AuditFilter | None = None, page: int = 1, size: int = PAGE_SIZE) -> AuditPage:
        """One page of entries matching ``where``, newest first."""
        where = where or AuditFilter()
        query = select(AuditRow)
        if where.actor:
            query = query.where(AuditRow.actor == where.actor.strip().lower())
        if where.action:
            query = query.where(AuditRow.action == where.action.strip())
        if where.target:
            kind, _, target_id = where.target.strip().rpartition(":")
            query = query.where(AuditRow.target_id == target_id)
            if kind:
                query = query.where(AuditRow.target_kind == kind)
        page = max(1, page)
        with self._session() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = session.scalars(
                query.order_by(AuditRow.at.desc(), AuditRow.id.desc()).offset((page - 1) * size).limit(size)
            ).all()
        entries = [
            AuditEntry(
                id=row.id,
                at=aware(row.at),
                actor=row.actor,
                action=row.action,
                target_kind=row.target_kind,
                target_id=row.target_id,
                before=row.before,
                after=row.after,
                address=row.address,
            )
            for row in rows
        ]
        return AuditPage(entries, total, page, size)

    def actions(self) -> list[str]:
        """Every action recorded so far (for the page's filter)."""
        with self._session() as session:
            return sorted(session.scalars(select(AuditRow.action).distinct()).all())


def client_address(request: Request) -> str | None:
    """The caller's address (behind TRUSTED_PROXIES, the one their X-Forwarded-For names)."""
    return request.client.host if request.client else None


async def record(
    request: Request,
    action: str,
    *,
    staff: StaffUser | str | None,
    target: tuple[str, str] | None = None,
    before: Any = None,
    after: Any = None,
) -> None:
    """Record ``action`` by ``staff`` on ``target`` (kind, id) with the record before and after."""
    console = request.app.state.staff
    actor = staff.username if isinstance(staff, StaffUser) else staff
    kind, target_id = target if target else (None, None)
    await request.app.state.work.io(
        console.audit.add,
        action,
        actor=actor,
        target_kind=kind,
        target_id=target_id,
        before=before,
        after=after,
        address=client_address(request),
    )
