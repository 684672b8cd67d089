"""Channel health: for each channel (web, Telegram, Zalo) ``ok``, ``degraded`` or ``down``, with
the reason and since when — from stored facts, so a restart does not hide a dead channel.

The facts:

- **Problems the channels report** (table ``channel_problems``, migration 0008): the Zalo token
  refresh refused because the refresh token is spent (down) or failing for another reason
  (degraded), a channel that could not start (down), Telegram's setWebhook refused (down) or
  the last delivery error Telegram reports in getWebhookInfo (degraded). A problem stays open
  until the channel reports the thing working again (a refresh, a send, a start, a webhook check
  without error); cleared rows are deleted with the retention window.
- **Replies that could not be sent** (the outbox): ``DEGRADED_AFTER`` or more unsent replies in
  the last hour on a channel make it degraded. A Zalo reply refused because the person's reply
  window is closed is the person's situation, not the channel's, and does not count.

A channel that is not configured is ``off`` (never an alert, no ``channel_up`` series). The
console shows an alert line on every page for a channel that is down or degraded and a section
on the home page (``render`` takes :func:`page_states` from the request); ``/metrics`` exports
``channel_up``. Wordings: ``app/staff/texts.py`` (``CHANNEL_*``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from fastapi import FastAPI
from sqlalchemy import DateTime, Integer, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column
from starlette.types import ASGIApp, Receive, Scope, Send

from app.clock import Clock, aware, utc_now
from app.database import Base, Database
from app.outbox import Outbox
from app.privacy import mask_text
from app.settings import Settings
from app.staff import texts as console_texts

logger = logging.getLogger(__name__)

CHANNELS = ("web", "telegram", "zalo")
# The outbox names channels as the pipeline does.
OUTBOX_NAMES = {"web": "web", "telegram": "tg", "zalo": "zalo"}
SEVERITY = {"ok": 0, "degraded": 1, "down": 2}
# Problems a channel reports, and how bad each one is.
PROBLEMS = {
    "start_failed": "down",  # the channel could not start (token refused, Bot API unreachable…)
    "token_spent": "down",  # Zalo: the refresh token was refused (spent or revoked)
    "token_failing": "degraded",  # Zalo: the refresh could not be made (network, no JSON…)
    "webhook_refused": "down",  # Telegram: setWebhook failed
    "webhook_errors": "degraded",  # Telegram: getWebhookInfo reports a recent delivery error
}
VIETNAM = timezone(timedelta(hours=7), "ICT")
OUTBOX_WINDOW = timedelta(hours=1)
DEGRADED_AFTER = 3  # unsent replies within OUTBOX_WINDOW that make a channel degraded
NOT_THE_CHANNEL = ("window_closed",)  # outbox reasons that are the person's situation


class ChannelProblemRow(Base):
    """One problem of one channel: open while ``cleared_at`` is empty."""

    __tablename__ = "channel_problems"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(20), index=True)
    problem: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(String(300))  # technical, masked: for the operator
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    count: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    cleared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)


@dataclass(frozen=True)
class Problem:
    channel: str
    problem: str
    detail: str
    since: datetime
    last_seen: datetime
    count: int


def _open_rows(channel: str, problem: str):  # type: ignore[no-untyped-def]
    """The rows of ``problem`` on ``channel`` not cleared yet."""
    return select(ChannelProblemRow).where(
        ChannelProblemRow.channel == channel,
        ChannelProblemRow.problem == problem,
        ChannelProblemRow.cleared_at.is_(None),
    )


class ChannelProblems:
    """The table of problems (sync: run it through ``work.io``). It names no person: it joins
    purge (cleared problems older than the window go) and has nothing to forget."""

    name = "channel_problems"

    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self._session = database.session
        self._clock = clock

    def report(self, channel: str, problem: str, detail: str = "") -> bool:
        """Open ``problem`` on ``channel`` or note it again; True when it was not open before."""
        now = self._clock()
        with self._session.begin() as session:
            row = session.scalars(_open_rows(channel, problem)).first()
            if row is None:
                session.add(
                    ChannelProblemRow(
                        channel=channel,
                        problem=problem,
                        detail=mask_text(detail)[:300],
                        since=now,
                        last_seen=now,
                        count=1,
                    )
                )
                return True
            row.detail, row.last_seen, row.count = mask_text(detail)[:300], now, row.count + 1
            return False

    def clear(self, channel: str, problem: str) -> int:
        """Close ``problem`` on ``channel``; how many open rows were closed."""
        now = self._clock()
        with self._session.begin() as session:
            rows = session.scalars(_open_rows(channel, problem)).all()
            for row in rows:
                row.cleared_at = now
            return len(rows)

    def open(self) -> list[Problem]:
        with self._session() as session:
            rows = session.scalars(
                select(ChannelProblemRow)
                .where(ChannelProblemRow.cleared_at.is_(None))
                .order_by(ChannelProblemRow.since)
            ).all()
            return [
                Problem(r.channel, r.problem, r.detail, aware(r.since), aware(r.last_seen), r.count)
                for r in rows
            ]

    def purge(self, cutoff: datetime) -> int:
        with self._session.begin() as session:
            query = delete(ChannelProblemRow).where(ChannelProblemRow.cleared_at < cutoff)
            return session.execute(query).rowcount or 0

    def forget(self, key: str) -> int:
        return 0  # nothing here is tied to a person


@dataclass(frozen=True)
class ChannelState:
    """How one channel is: ``state`` ok / degraded / down / off, why (a problem code, or
    ``unsent`` with ``count`` replies) and since when."""

    channel: str
    state: str
    problem: str | None = None
    detail: str = ""
    since: datetime | None = None
    count: int = 0

    @property
    def alert(self) -> bool:
        return self.state in {"degraded", "down"}


def enabled_channels(settings: Settings) -> dict[str, bool]:
    """Which channels this configuration switches on (as app/telegram.py and app/zalo.py decide)."""
    telegram = bool(settings.telegram_bot_token) and (
        settings.telegram_mode != "webhook" or bool(settings.telegram_webhook_secret)
    )
    zalo = all(
        value.strip()
        for value in (
            settings.zalo_app_id,
            settings.zalo_app_secret,
            settings.zalo_oa_secret_key,
            settings.zalo_refresh_token,
        )
    )
    return {"web": True, "telegram": telegram, "zalo": zalo}


Blocking = Callable[..., Awaitable[Any]]


class ChannelHealth:
    """Reports from the channels in, the state of each channel out."""

    def __init__(
        self, problems: ChannelProblems, outbox: Outbox, settings: Settings, run_io: Blocking, clock: Clock
    ) -> None:
        self.problems, self.outbox, self.settings = problems, outbox, settings
        self.run_io, self.clock = run_io, clock
        self._open: set[tuple[str, str]] | None = None  # what is open, known after the first read

    async def report(self, channel: str, problem: str, detail: str = "") -> None:
        """A channel says ``problem`` happened (a code of :data:`PROBLEMS`); never raises."""
        assert problem in PROBLEMS, problem
        try:
            opened = await self.run_io(self.problems.report, channel, problem, detail)
        except Exception:
            logger.exception("channel health: %s/%s could not be stored", channel, problem)
            return
        if self._open is not None:
            self._open.add((channel, problem))
        if opened:
            logger.warning("channel %s: %s (%s)", channel, problem, mask_text(detail)[:200])

    async def resolve(self, channel: str, *problems: str) -> None:
        """A channel says ``problems`` are over (cheap when none is open: no database write)."""
        try:
            if self._open is None:
                opened = await self.run_io(self.problems.open)
                self._open = {(p.channel, p.problem) for p in opened}
            for problem in problems:
                if (channel, problem) in self._open:
                    await self.run_io(self.problems.clear, channel, problem)
                    self._open.discard((channel, problem))
                    logger.info("channel %s: %s is over", channel, problem)
        except Exception:
            logger.exception("channel health: %s could not be cleared", channel)

    def current(self) -> list[ChannelState]:
        """Every channel's state now (blocking: the problems and the outbox are read)."""
        enabled = enabled_channels(self.settings)
        problems = self.problems.open()
        self._open = {(p.channel, p.problem) for p in problems}
        unsent = self.outbox.recent_failures(self.clock() - OUTBOX_WINDOW, exclude=NOT_THE_CHANNEL)
        states = []
        for channel in CHANNELS:
            if not enabled[channel]:
                states.append(ChannelState(channel, "off"))
                continue
            candidates = [
                ChannelState(channel, PROBLEMS[p.problem], p.problem, p.detail, p.since, p.count)
                for p in problems
                if p.channel == channel and p.problem in PROBLEMS
            ]
            count, first = unsent.get(OUTBOX_NAMES[channel], (0, None))
            if count >= DEGRADED_AFTER:
                candidates.append(ChannelState(channel, "degraded", "unsent", "", first, count))
            # The worst problem speaks for the channel; of equals, the oldest.
            candidates.sort(key=lambda s: (-SEVERITY[s.state], s.since or self.clock()))
            states.append(candidates[0] if candidates else ChannelState(channel, "ok"))
        return states

    async def states(self) -> list[ChannelState]:
        return await self.run_io(self.current)


class ConsoleHealth:
    """Middleware: every console request gets the channels' states on ``request.state`` (read on a
    worker thread), for the alert line of ``base.html`` and the home page's section."""

    def __init__(self, app: ASGIApp, health: ChannelHealth) -> None:
        self.app = app
        self.health = health

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if (path == "/staff" or path.startswith("/staff/")) and not path.startswith("/staff/static/"):
            try:
                states = await self.health.states()
            except Exception:
                logger.exception("channel health could not be read for the console")
                states = []
            scope.setdefault("state", {})["channel_states"] = states
        await self.app(scope, receive, send)


def page_states(request: Any) -> list[ChannelState]:
    """The states :class:`ConsoleHealth` put on the request (none outside the console)."""
    return list(getattr(request.state, "channel_states", None) or [])


def since_text(moment: datetime | None, now: datetime) -> str:
    """ "08:12" today (Vietnam time), "08:12 ngày 05/12" another day."""
    if moment is None:
        return ""
    local, today = aware(moment).astimezone(VIETNAM), aware(now).astimezone(VIETNAM)
    time = local.strftime("%H:%M")
    if local.date() == today.date():
        return time
    return console_texts.CHANNEL_SINCE_DAY.format(time=time, day=local.strftime("%d/%m/%Y"))


def reason_text(state: ChannelState) -> str:
    """Why a channel is not ok, as staff read it."""
    wording = console_texts.CHANNEL_PROBLEMS.get(state.problem or "", state.problem or "")
    return wording.format(count=state.count)


def alert_text(state: ChannelState, now: datetime) -> str:
    """The console's alert line, e.g. "Kênh Zalo ngừng hoạt động từ 08:12: mã làm mới đã hết hạn — …"."""
    return console_texts.CHANNEL_ALERTS[state.state].format(
        channel=console_texts.CHANNEL_NAMES[state.channel],
        since=since_text(state.since, now),
        reason=reason_text(state),
    )


def install(app: FastAPI, health: ChannelHealth) -> None:
    app.state.channel_health = health
    app.add_middleware(ConsoleHealth, health=health)
