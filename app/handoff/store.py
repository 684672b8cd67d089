"""Handoff requests and their messages as plain data functions (no HTTP, no Rasa).

A request is opened for a sender when the bot hands over (``open``); it waits in the queue, is
kept for later (outside hours, nobody on duty), is claimed by one agent (one UPDATE that only
succeeds on an unclaimed request, so two agents clicking at once cannot both win), returns to the
queue when its agent stays idle, and ends closed (hand-back or close) or cancelled. The
conversation id is kept only while the request is open; texts are stored masked. Rows join
purge and forget (``app/retention.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select, update

from app.clock import aware
from app.database import PersonStore
from app.handoff.models import (
    CANCELLED,
    CLOSED,
    HELD,
    KEPT,
    OPEN,
    WAITING,
    HandoffMessageRow,
    HandoffRow,
)
from app.privacy import mask_text

RECENT_CLOSED = 20  # the mean handling time is taken over this many recent conversations
RECENT_WINDOW = timedelta(days=30)


class HandoffError(ValueError):
    """A refused change of a request; ``code`` says which (the API turns it into a status)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code  # "missing", "taken", "not_held", "closed"


@dataclass(frozen=True)
class Handoff:
    id: int
    sender_key: str
    channel: str
    conversation: str | None
    kiosk: bool
    status: str
    reason: str
    requested_at: datetime
    kept_at: datetime | None
    claimed_at: datetime | None
    claimed_by: str | None
    first_claimed_at: datetime | None
    last_agent_at: datetime | None
    last_citizen_at: datetime | None
    closed_at: datetime | None
    closed_by: str | None
    question: str | None
    procedure: str | None
    step: int | None
    zalo_window_closed: bool
    note: str | None

    @property
    def open(self) -> bool:
        return self.status in OPEN


@dataclass(frozen=True)
class HandoffMessage:
    id: int
    at: datetime
    author: str  # "citizen" or "agent"
    agent: str | None
    text: str


def _opt(moment: datetime | None) -> datetime | None:
    return aware(moment) if moment is not None else None


def handoff_from_row(row: HandoffRow) -> Handoff:
    return Handoff(
        id=row.id,
        sender_key=row.sender_key,
        channel=row.channel,
        conversation=row.conversation,
        kiosk=row.kiosk,
        status=row.status,
        reason=row.reason,
        requested_at=aware(row.requested_at),
        kept_at=_opt(row.kept_at),
        claimed_at=_opt(row.claimed_at),
        claimed_by=row.claimed_by,
        first_claimed_at=_opt(row.first_claimed_at),
        last_agent_at=_opt(row.last_agent_at),
        last_citizen_at=_opt(row.last_citizen_at),
        closed_at=_opt(row.closed_at),
        closed_by=row.closed_by,
        question=row.question,
        procedure=row.procedure,
        step=row.step,
        zalo_window_closed=row.zalo_window_closed,
        note=row.note,
    )


class HandoffStore(PersonStore):
    name = "handoffs"

    # --- reading ------------------------------------------------------------------------------
    def get(self, handoff_id: int) -> Handoff | None:
        with self._session() as session:
            row = session.get(HandoffRow, handoff_id)
            return handoff_from_row(row) if row is not None else None

    def open_for(self, sender: str) -> Handoff | None:
        """The sender's open request (waiting, held or kept), if any."""
        return self.open_for_key(self.key(sender))

    def open_for_key(self, key: str) -> Handoff | None:
        query = (
            select(HandoffRow)
            .where(HandoffRow.sender_key == key, HandoffRow.status.in_(OPEN))
            .order_by(HandoffRow.id.desc())
            .limit(1)
        )
        with self._session() as session:
            row = session.scalars(query).first()
            return handoff_from_row(row) if row is not None else None

    def listed(self) -> list[Handoff]:
        """Open requests for the console: the queue first (oldest first), then held, then kept."""
        order = {WAITING: 0, HELD: 1, KEPT: 2}
        with self._session() as session:
            rows = session.scalars(
                select(HandoffRow)
                .where(HandoffRow.status.in_(OPEN))
                .order_by(HandoffRow.requested_at, HandoffRow.id)
            ).all()
        return sorted((handoff_from_row(row) for row in rows), key=lambda h: order[h.status])

    def queue(self) -> list[Handoff]:
        """The waiting requests in the order they are served: by request time."""
        with self._session() as session:
            rows = session.scalars(
                select(HandoffRow)
                .where(HandoffRow.status == WAITING)
                .order_by(HandoffRow.requested_at, HandoffRow.id)
            ).all()
        return [handoff_from_row(row) for row in rows]

    def queue_length(self) -> int:
        with self._session() as session:
            return session.scalar(select(func.count()).where(HandoffRow.status == WAITING)) or 0

    def position(self, handoff: Handoff) -> int | None:
        """1 for the first in the queue; None when the request does not wait."""
        if handoff.status != WAITING:
            return None
        ahead = and_(
            HandoffRow.status == WAITING,
            or_(
                HandoffRow.requested_at < handoff.requested_at,
                and_(HandoffRow.requested_at == handoff.requested_at, HandoffRow.id < handoff.id),
            ),
        )
        with self._session() as session:
            return (session.scalar(select(func.count()).where(ahead)) or 0) + 1

    def mean_handling_minutes(self) -> float | None:
        """Mean minutes from first claim to close over recent closed conversations, if any."""
        since = self._clock() - RECENT_WINDOW
        with self._session() as session:
            rows = session.execute(
                select(HandoffRow.first_claimed_at, HandoffRow.closed_at)
                .where(
                    HandoffRow.status == CLOSED,
                    HandoffRow.first_claimed_at.is_not(None),
                    HandoffRow.closed_at >= since,
                )
                .order_by(HandoffRow.closed_at.desc())
                .limit(RECENT_CLOSED)
            ).all()
        spans = [(aware(closed) - aware(claimed)).total_seconds() / 60 for claimed, closed in rows]
        return sum(spans) / len(spans) if spans else None

    def messages(self, handoff_id: int) -> list[HandoffMessage]:
        with self._session() as session:
            rows = session.scalars(
                select(HandoffMessageRow)
                .where(HandoffMessageRow.handoff_id == handoff_id)
                .order_by(HandoffMessageRow.id)
            ).all()
        return [HandoffMessage(row.id, aware(row.at), row.author, row.agent, row.text) for row in rows]

    # --- changing -----------------------------------------------------------------------------
    def open(
        self,
        sender: str,
        channel: str,
        *,
        status: str,
        reason: str,
        kiosk: bool = False,
        question: str | None = None,
        procedure: str | None = None,
        step: int | None = None,
    ) -> Handoff:
        now = self._clock()
        row = HandoffRow(
            sender_key=self.key(sender),
            channel=channel[:20],
            conversation=sender[:200],
            kiosk=kiosk,
            status=status,
            reason=reason[:10],
            requested_at=now,
            kept_at=now if status == KEPT else None,
            question=mask_text(question) if question else None,
            procedure=procedure[:100] if procedure else None,
            step=step,
            zalo_window_closed=False,
        )
        with self._session.begin() as session:
            session.add(row)
        return handoff_from_row(row)

    def set_question(self, handoff_id: int, text: str) -> None:
        with self._session.begin() as session:
            session.execute(
                update(HandoffRow)
                .where(HandoffRow.id == handoff_id, HandoffRow.question.is_(None))
                .values(question=mask_text(text))
            )

    def add_message(self, handoff: Handoff, author: str, text: str, agent: str | None = None) -> None:
        now = self._clock()
        values = {"last_agent_at": now} if author == "agent" else {"last_citizen_at": now}
        with self._session.begin() as session:
            session.add(
                HandoffMessageRow(
                    handoff_id=handoff.id,
                    sender_key=handoff.sender_key,
                    at=now,
                    author=author,
                    agent=agent[:100] if agent else None,
                    text=mask_text(text),
                )
            )
            session.execute(update(HandoffRow).where(HandoffRow.id == handoff.id).values(**values))

    def claim(self, handoff_id: int, agent: str) -> Handoff:
        """Give an unclaimed open request to ``agent`` (atomic); ``HandoffError("taken")`` when
        another agent holds it, ``"closed"`` when it ended, ``"missing"`` when unknown."""
        now = self._clock()
        with self._session.begin() as session:
            claimed = session.execute(
                update(HandoffRow)
                .where(HandoffRow.id == handoff_id, HandoffRow.status.in_((WAITING, KEPT)))
                .values(
                    status=HELD,
                    claimed_at=now,
                    claimed_by=agent[:100],
                    first_claimed_at=func.coalesce(HandoffRow.first_claimed_at, now),
                )
            ).rowcount
            row = session.get(HandoffRow, handoff_id)
            if row is None:
                raise HandoffError("missing")
            if not claimed:
                if row.status == HELD and row.claimed_by == agent:
                    return handoff_from_row(row)  # claiming again what one holds changes nothing
                raise HandoffError("taken" if row.status == HELD else "closed")
            return handoff_from_row(row)

    def held_by(self, handoff_id: int, agent: str) -> Handoff:
        """The request, when ``agent`` holds it; ``HandoffError`` otherwise."""
        handoff = self.get(handoff_id)
        if handoff is None:
            raise HandoffError("missing")
        if not handoff.open:
            raise HandoffError("closed")
        if handoff.status != HELD or handoff.claimed_by != agent:
            raise HandoffError("not_held")
        return handoff

    def release_idle(self, idle: timedelta) -> list[Handoff]:
        """Claims with no agent message for ``idle`` go back: to the queue, or kept if they were."""
        cutoff = self._clock() - idle
        released: list[Handoff] = []
        with self._session.begin() as session:
            rows = session.scalars(select(HandoffRow).where(HandoffRow.status == HELD)).all()
            for row in rows:
                last = max(
                    aware(row.claimed_at or row.requested_at), aware(row.last_agent_at or row.requested_at)
                )
                if last > cutoff:
                    continue
                row.status = KEPT if row.kept_at is not None else WAITING
                row.claimed_at, row.claimed_by = None, None
                released.append(handoff_from_row(row))
        return released

    def finish(self, handoff_id: int, status: str, by: str | None = None) -> Handoff:
        """End an open request (closed or cancelled); the conversation id is erased. Returns the
        request as it was just before (with its conversation id, to say goodbye on the channel)."""
        assert status in (CLOSED, CANCELLED)
        now = self._clock()
        with self._session.begin() as session:
            row = session.get(HandoffRow, handoff_id)
            if row is None:
                raise HandoffError("missing")
            if row.status not in OPEN:
                raise HandoffError("closed")
            before = handoff_from_row(row)
            row.status, row.closed_at, row.closed_by, row.conversation = status, now, by, None
        return before

    def note_window_closed(self, handoff_id: int, note: str) -> None:
        """Zalo's reply window had closed: a reply went to the outbox; say so on the request."""
        with self._session.begin() as session:
            session.execute(
                update(HandoffRow)
                .where(HandoffRow.id == handoff_id)
                .values(zalo_window_closed=True, note=mask_text(note)[:300])
            )

    # --- retention ----------------------------------------------------------------------------
    def purge(self, cutoff: datetime) -> int:
        with self._session.begin() as session:
            old = select(HandoffRow.id).where(HandoffRow.requested_at < cutoff)
            messages = session.execute(
                delete(HandoffMessageRow).where(
                    or_(HandoffMessageRow.at < cutoff, HandoffMessageRow.handoff_id.in_(old))
                )
            ).rowcount
            handoffs = session.execute(delete(HandoffRow).where(HandoffRow.requested_at < cutoff)).rowcount
        return (messages or 0) + (handoffs or 0)

    def forget(self, key: str) -> int:
        with self._session.begin() as session:
            messages = session.execute(
                delete(HandoffMessageRow).where(HandoffMessageRow.sender_key == key)
            ).rowcount
            handoffs = session.execute(delete(HandoffRow).where(HandoffRow.sender_key == key)).rowcount
        return (messages or 0) + (handoffs or 0)
