"""What the assistant did, as stored events, and their anonymous daily aggregates (the dashboard's data).

Every figure of the dashboard and of ``GET /api/metrics/ioc`` comes from here, never from counters
in memory, so a restart loses nothing.

**Events** (table ``activity``): one row per thing that happened, written by
:meth:`ActivityLog.record` — ``message_in`` (the pipeline, every accepted citizen message),
``guide_started`` / ``guide_step`` (step shown) / ``guide_completed`` (the guide actions),
``question_answered`` (procedure: the entry's slug) / ``question_unanswered`` (the question action),
``handoff_requested`` / ``handoff_claimed`` (value: wait in seconds) / ``handoff_closed`` /
``handoff_cancelled`` / ``handoff_kept`` (the handoff desk) and ``rating`` (value: the score). A row
names the person only by the keyed hash of their conversation id (``sender_key``) and never holds
text. Rows join purge (DATA_RETENTION_DAYS) and forget like every store of personal data.

**Daily aggregates** (table ``activity_daily``): when a local day (Asia/Ho_Chi_Minh) has closed, its
rows are summed into anonymous figures per day, channel, procedure and kind — a count, the sum of
the values, the number of distinct people, and for ``rating`` and ``handoff_claimed`` one row per
value (score; wait rounded to the second) so distributions and percentiles stay exact. A day is
rolled up at the first dashboard read after it closed or, at the latest, by the daily purge, which
rolls up before it deletes rows: history survives the purge. ``activity_days`` marks the days done.
Figures per *conversation* are derived there too: a **conversation** is one person's messages on one
local day (``conversation``: count; value: its messages; emitted for all procedures, ``""``, and
for each procedure the conversation touched through a walkthrough, a handoff or a rating),
``conversation_handoff`` (those that asked for a person), and ``guide_stopped`` (a walkthrough
started that day and not completed, at ``step``: the last step shown, 0 when none was).

**The dashboard reads aggregates for every closed day and summarises today's rows on the fly**
(``app.dashboard.daily.summarise``, the same function), so a query costs the same whether the rows are still
kept or already purged, and does not grow with the number of stored events: the database sums the
closed days' aggregates over the range (:meth:`ActivityLog.summed`) and per day and kind
(:meth:`ActivityLog.per_day`); today's summary is kept until an event is added or the minute
changes. Forgetting a person deletes their rows; the anonymous figures of days already closed stay
as they are.
"""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Date, DateTime, Float, Index, Integer, String, delete, func, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import Clock, aware, utc_now
from app.dashboard.daily import CONVERSATION_KINDS, KINDS, STILL_OPEN, Event, Figure, Figures, summarise
from app.database import Base, Database
from app.privacy import sender_key

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")

# A day is rolled up this long after its local midnight, out of the way of events still being written.
CLOSE_GRACE = timedelta(minutes=5)


def local_day(moment: datetime) -> date:
    return aware(moment).astimezone(LOCAL).date()


class ActivityRow(Base):
    __tablename__ = "activity"
    __table_args__ = (Index("ix_activity_day_kind", "day", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(20))
    sender_key: Mapped[str] = mapped_column(String(64), index=True)
    procedure: Mapped[str | None] = mapped_column(String(100))
    step: Mapped[int | None] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Float)


class DailyRow(Base):
    __tablename__ = "activity_daily"
    __table_args__ = (Index("ix_activity_daily_day_kind", "day", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(20))
    procedure: Mapped[str] = mapped_column(String(100))  # "" = not tied to a procedure / all of them
    kind: Mapped[str] = mapped_column(String(24))
    step: Mapped[int | None] = mapped_column(Integer)
    value_key: Mapped[int | None] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)
    value_sum: Mapped[float] = mapped_column(Float)
    senders: Mapped[int] = mapped_column(Integer)


class DayRolledUp(Base):
    __tablename__ = "activity_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    rolled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    events: Mapped[int] = mapped_column(Integer)


class ActivityLog:
    """Events in the app database (``app.state.activity``; actions reach it through ``Services.activity``)."""

    name = "activity"

    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self._database = database
        self._session = database.session
        self._clock = clock
        self._rolling = threading.Lock()
        self._rolled_before: date | None = None  # every day before this one is rolled up
        self._open_cache: tuple[tuple, list[Figure]] | None = None

    def record(
        self,
        kind: str,
        *,
        sender: str,
        channel: str,
        procedure: str | None = None,
        step: int | None = None,
        value: float | None = None,
        at: datetime | None = None,
    ) -> None:
        """Store one event (sync: call it through ``work.io`` from async code); never any text."""
        if kind not in KINDS:
            raise ValueError(f"unknown activity kind {kind!r}; one of {sorted(KINDS)}")
        moment = aware(at) if at is not None else self._clock()
        day = local_day(moment)
        row = ActivityRow(
            at=moment,
            day=day,
            kind=kind,
            channel=channel[:20],
            sender_key=sender_key(self._database.secret, sender),
            procedure=procedure[:100] if procedure else None,
            step=step,
            value=value,
        )
        with self._session.begin() as session:
            session.add(row)
            if at is not None and day < self.today():  # a late event: that day is rolled up again
                session.execute(delete(DayRolledUp).where(DayRolledUp.day == day))
                self._rolled_before = None

    def today(self) -> date:
        return local_day(self._clock())

    def closed_before(self) -> date:
        """Days before this one have closed and can be rolled up."""
        return local_day(self._clock() - CLOSE_GRACE)

    # --- reading -----------------------------------------------------------------------------
    def events(self, first: date, last: date) -> list[Event]:
        """The stored events of local days ``first`` … ``last``, in the order they were written."""
        query = (
            select(
                ActivityRow.at,
                ActivityRow.day,
                ActivityRow.channel,
                ActivityRow.sender_key,
                ActivityRow.kind,
                ActivityRow.procedure,
                ActivityRow.step,
                ActivityRow.value,
            )
            .where(ActivityRow.day >= first, ActivityRow.day <= last)
            .order_by(ActivityRow.id)
        )
        with self._session() as session:
            return [Event(*row) for row in session.execute(query)]

    def _closed_query(self, first: date, last: date, channel: str | None, procedure: str | None):
        """Where-clauses for the aggregates of ``first`` … ``last``: with ``channel``, that channel's
        only; with ``procedure``, the rows of that procedure, of none, and every question's."""
        clauses = [DailyRow.day >= first, DailyRow.day <= last]
        if channel is not None:
            clauses.append(DailyRow.channel == channel)
        if procedure is not None:
            clauses.append(DailyRow.procedure.in_(("", procedure)) | DailyRow.kind.startswith("question_"))
        return clauses

    def summed(
        self, first: date, last: date, channel: str | None = None, procedure: str | None = None
    ) -> list[Figure]:
        """The aggregates of closed days ``first`` … ``last`` summed over the days (``day`` None)."""
        keys = (DailyRow.channel, DailyRow.procedure, DailyRow.kind, DailyRow.step, DailyRow.value_key)
        query = (
            select(*keys, func.sum(DailyRow.count), func.sum(DailyRow.value_sum), func.sum(DailyRow.senders))
            .where(*self._closed_query(first, last, channel, procedure))
            .group_by(*keys)
        )
        with self._session() as session:
            return [Figure(None, *row) for row in session.execute(query)]  # type: ignore[arg-type]

    def per_day(
        self, first: date, last: date, channel: str | None = None, procedure: str | None = None
    ) -> list[Figure]:
        """The aggregates of closed days per day and kind, channels and procedures summed as the
        filters want: conversations of ``procedure`` (or of all, ""), other kinds of ``procedure``
        (or of any), questions of any topic. Rows carry ``channel`` "*" and the procedure filtered on."""
        conversation = DailyRow.kind.in_(CONVERSATION_KINDS)
        wanted = conversation & (DailyRow.procedure == (procedure or ""))
        other = ~conversation
        if procedure is not None:
            other = other & ((DailyRow.procedure == procedure) | DailyRow.kind.startswith("question_"))
        query = (
            select(DailyRow.day, DailyRow.kind, func.sum(DailyRow.count), func.sum(DailyRow.value_sum))
            .where(*self._closed_query(first, last, channel, None), wanted | other)
            .group_by(DailyRow.day, DailyRow.kind)
        )
        with self._session() as session:
            return [
                Figure(day, "*", procedure or "", kind, None, None, count, value, 0)
                for day, kind, count, value in session.execute(query)
            ]

    def open_days(self, first: date, last: date) -> list[Figure]:
        """Figures of the days of ``first`` … ``last`` not closed yet, summarised from their rows
        (kept while no event was added since)."""
        closed = self.closed_before()
        if last < closed:
            return []
        first = max(first, closed)
        with self._session() as session:
            newest, count = session.execute(
                select(func.max(ActivityRow.id), func.count())
                .select_from(ActivityRow)
                .where(ActivityRow.day >= first, ActivityRow.day <= last)
            ).one()
        key = (first, last, newest, count, self._clock().replace(second=0, microsecond=0))
        cached = self._open_cache
        if cached is not None and cached[0] == key:
            return cached[1]
        figures = summarise(self.events(first, last), open_after=self._clock() - STILL_OPEN)
        self._open_cache = (key, figures)
        return figures

    def figures(
        self, first: date, last: date, channel: str | None = None, procedure: str | None = None
    ) -> Figures:
        """The figures of ``first`` … ``last``: aggregates of closed days (summed over the days, and
        per day) and the open days' rows summarised; ``channel`` and ``procedure`` narrow what is
        read from the aggregates (the open days' figures are filtered by the reader)."""
        self.roll_up()
        closed_last = min(last, self.closed_before() - timedelta(days=1))
        live = self.open_days(first, last)
        return Figures(
            summed=self.summed(first, closed_last, channel, procedure) + live,
            per_day=self.per_day(first, closed_last, channel, procedure) + live,
        )

    # --- rolling up, purge and forget --------------------------------------------------------
    def roll_up(self) -> list[date]:
        """Sum every closed day not rolled up yet into ``activity_daily``; the days rolled up."""
        with self._rolling:
            closed = self.closed_before()
            if self._rolled_before == closed:
                return []
            with self._session() as session:
                days = list(
                    session.scalars(
                        select(ActivityRow.day)
                        .distinct()
                        .where(ActivityRow.day < closed)
                        .where(ActivityRow.day.not_in(select(DayRolledUp.day)))
                        .order_by(ActivityRow.day)
                    )
                )
            for day in days:
                self._roll_up_day(day)
            self._rolled_before = closed
            return days

    def _roll_up_day(self, day: date) -> None:
        events = self.events(day, day)
        figures = summarise(events)
        with self._session.begin() as session:
            session.execute(delete(DailyRow).where(DailyRow.day == day))
            if figures:
                session.execute(insert(DailyRow), [figure.__dict__ for figure in figures])
            session.execute(delete(DayRolledUp).where(DayRolledUp.day == day))
            session.add(DayRolledUp(day=day, rolled_at=self._clock(), events=len(events)))

    def purge(self, cutoff: datetime) -> int:
        """Roll up what closed, then delete the rows older than ``cutoff`` (the figures stay)."""
        self.roll_up()
        with self._session.begin() as session:
            result = session.execute(delete(ActivityRow).where(ActivityRow.at < cutoff))
        return result.rowcount or 0

    def forget(self, key: str) -> int:
        with self._session.begin() as session:
            result = session.execute(delete(ActivityRow).where(ActivityRow.sender_key == key))
        return result.rowcount or 0
