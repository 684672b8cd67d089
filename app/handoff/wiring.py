"""The handoff's place in the app: its desk on ``app.state.handoffs``, the web updates store on
``app.state.web_updates``, its routes (``/api/updates``, the staff API), and at start-up the
pipeline's routing hook and the idle-claim check (called by ``app.main``)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import FastAPI

from app.clock import Clock
from app.database import Database
from app.handoff import api, updates
from app.handoff.canned import CannedReplies
from app.handoff.desk import Desk
from app.handoff.presence import Presence
from app.handoff.store import HandoffStore
from app.handoff.updates import WebUpdates
from app.push import deliver
from app.sessions import WebSessions
from app.settings import Settings
from app.work import Work
from connectors.message import OutgoingMessage


def install(
    app: FastAPI,
    settings: Settings,
    *,
    database: Database,
    store: HandoffStore,
    web_updates: WebUpdates,
    sessions: WebSessions,
    work: Work,
    clock: Clock,
) -> Desk:
    async def push(sender: str, messages: list[OutgoingMessage], role: str) -> Any:
        return await deliver(app, sender, messages, role)

    desk = Desk(
        settings=settings,
        store=store,
        presence=Presence(database, clock),
        canned=CannedReplies(database, clock),
        updates=web_updates,
        work=work,
        hours=settings.working_hours(),
        deliver=push,
        centre_lines=lambda: app.state.services.centre.lines(),
        is_kiosk=sessions.is_kiosk,
        activity=getattr(app.state, "activity", None),
        clock=clock,
    )
    app.state.handoffs = desk
    app.state.web_updates = web_updates
    app.include_router(updates.router)
    app.include_router(api.router)
    return desk


def start(app: FastAPI) -> asyncio.Task[None]:
    """Once Rasa's client and the pipeline exist: route through the desk; check idle claims."""
    desk: Desk = app.state.handoffs
    desk.rasa = app.state.rasa
    app.state.pipeline.handoffs = desk
    return asyncio.create_task(desk.run_idle_release())
