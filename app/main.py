"""The FastAPI application: chat API, health, the Rasa action webhook and the chat page."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from rasa_sdk.executor import ActionExecutor
from starlette.exceptions import HTTPException as StarletteHTTPException
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from actions import build_actions
from actions.dossier_status import DossierStatusClient
from actions.services import CentreContact, Services
from app import action_webhook, channel_health, hardening, health, search, web, widget
from app.activity import ActivityLog
from app.channel_health import ChannelHealth, ChannelProblems
from app.clock import Clock, utc_now
from app.contacts import Contacts
from app.dashboard import ioc
from app.database import Database
from app.handoff import wiring as handoff_wiring
from app.handoff.store import HandoffStore
from app.handoff.updates import WebUpdates
from app.inbox import Inbox
from app.limits import Limits
from app.logs import configure_logging
from app.metrics import Metrics
from app.metrics import install as install_metrics
from app.outbox import Outbox
from app.pipeline import Pipeline
from app.rasa_client import RasaClient
from app.ratings import RatingStore
from app.retention import Retention
from app.sessions import WebSessions
from app.settings import Settings, get_settings
from app.staff.console import install as install_staff_console
from app.staff.unanswered import stop as stop_grouping
from app.telegram import router as telegram_router
from app.telegram import start_telegram, stop_telegram
from app.tracker_store import TrackerEvents
from app.unanswered import UnansweredStore
from app.work import Work
from app.zalo import router as zalo_router
from app.zalo import start_channel as start_zalo
from app.zalo_client import ZaloStore
from knowledge.search import SearchService
from knowledge.service import open_service

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"


@dataclass
class Stores:
    """Everything the app keeps, on its one database engine (and Rasa's tracker store)."""

    database: Database
    ratings: RatingStore
    outbox: Outbox
    contacts: Contacts
    sessions: WebSessions
    zalo: ZaloStore
    unanswered: UnansweredStore
    activity: ActivityLog
    channel_problems: ChannelProblems
    handoffs: HandoffStore
    web_updates: WebUpdates
    inbox: Inbox
    tracker: TrackerEvents

    @classmethod
    def open(cls, settings: Settings, clock: Clock) -> Stores:
        database = Database(settings.app_db, settings.app_secret_key, settings.app_db_busy_timeout)
        return cls(
            database=database,
            ratings=RatingStore(database, clock),
            outbox=Outbox(database, clock),
            contacts=Contacts(database, clock),
            sessions=WebSessions(database, timedelta(hours=settings.web_session_hours), clock),
            zalo=ZaloStore(database, clock),
            unanswered=UnansweredStore(database, clock),
            activity=ActivityLog(database, clock),
            channel_problems=ChannelProblems(database, clock),
            handoffs=HandoffStore(database, clock),
            web_updates=WebUpdates(database, clock),
            inbox=Inbox(database, clock),
            tracker=TrackerEvents(settings.tracker_url),
        )

    def retention(self, settings: Settings, clock: Clock) -> Retention:
        """Every store that holds personal data joins purge and forget here."""
        return Retention(
            days=settings.data_retention_days,
            secret=settings.app_secret_key,
            stores=[
                self.ratings,
                self.outbox,
                self.contacts,
                self.sessions,
                self.zalo,
                self.unanswered,
                self.activity,
                self.channel_problems,
                self.handoffs,
                self.web_updates,
                self.inbox,
            ],
            tracker=self.tracker,
            log_dir=settings.var_dir / "log",
            clock=clock,
        )

    def close(self) -> None:
        self.tracker.close()
        self.database.close()


def build_services(
    settings: Settings, stores: Stores, work: Work, limits: Limits, clock: Clock, metrics: Metrics
) -> Services:
    return Services(
        centre=CentreContact(
            name=settings.centre_name,
            address=settings.centre_address,
            hotline=settings.centre_hotline,
            hours=settings.working_hours().describe(),
            portal_url=settings.portal_url,
            phone=settings.centre_phone,
        ),
        ratings=stores.ratings,
        unanswered=stores.unanswered,
        activity=stores.activity,
        dossier_status=DossierStatusClient(
            settings.dossier_status_url,
            timeout=settings.dossier_status_timeout,
            token=settings.dossier_status_token or None,
        )
        if settings.dossier_status_url
        else None,
        dossier_lookup_url=settings.dossier_lookup_url,
        run_io=work.io,
        run_compute=metrics.timed_compute(work.compute),
        dossier_allowed=limits.dossier,
        retention_days=settings.data_retention_days,
        clock=clock,
    )


async def open_knowledge(app: FastAPI, settings: Settings, work: Work) -> None:
    """Open the knowledge base off the event loop; actions and /api/search use it once ready."""
    try:
        service, _ = await work.compute(open_service, settings)
    except Exception:
        logger.exception("the knowledge base could not be opened; questions get the contact details")
        return
    app.state.services.knowledge = service


def build_executor(services: Services) -> ActionExecutor:
    executor = ActionExecutor()
    for action in build_actions(services):
        executor.register_action(action)
    return executor


async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    """Field errors as a 422 with a sentence a person can read, never a stack trace."""
    errors = [
        {
            "field": ".".join(str(part) for part in error.get("loc", ())[1:]) or "body",
            "type": error.get("type"),
        }
        for error in exc.errors()
    ]
    if any(error["type"] == "json_invalid" for error in errors):
        detail = "Nội dung gửi lên không phải JSON hợp lệ."
    else:
        names = ", ".join(sorted({e["field"] for e in errors}))
        detail = f"Yêu cầu không hợp lệ ở trường: {names}."
        if request.url.path == "/api/chat":
            detail += ' Cần JSON dạng {"sender": "...", "text": "..."}.'
    return JSONResponse({"detail": detail, "errors": errors}, status_code=422)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """HTTP errors as JSON; FastAPI's and Starlette's own English messages (an unreadable body, an
    unknown address, a method the route does not take…) in Vietnamese."""
    from http import HTTPStatus

    def _status_phrase(code: int) -> str | None:
        try:
            return HTTPStatus(code).phrase
        except ValueError:  # a code outside the standard list
            return None

    detail = exc.detail
    if exc.status_code == 400 and detail == "There was an error parsing the body":
        detail = "Nội dung gửi lên không đọc được: cần JSON mã hoá UTF-8."
    elif detail == _status_phrase(exc.status_code):  # raised without a detail of its own
        detail = {
            400: "Yêu cầu không hợp lệ.",
            401: "Cần xác thực để dùng địa chỉ này.",
            403: "Không có quyền truy cập địa chỉ này.",
            404: "Không tìm thấy địa chỉ này.",
            405: f"Địa chỉ này không nhận phương thức {request.method}.",
        }.get(exc.status_code, f"Yêu cầu không được chấp nhận (mã {exc.status_code}).")
    return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)


def create_app(
    settings: Settings | None = None,
    *,
    knowledge: SearchService | None = None,
    open_knowledge_base: bool = True,
    clock: Clock = utc_now,
) -> FastAPI:
    """The app; the knowledge base is opened at start-up unless given (or not wanted, in some tests)."""
    settings = settings or get_settings()
    stores = Stores.open(settings, clock)
    work = Work(settings.max_concurrent_work, settings.work_wait, settings.worker_threads)
    limits = Limits(settings)
    retention = stores.retention(settings, clock)
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.rasa = RasaClient(
            settings.rasa_url, settings.rasa_auth_token, settings.rasa_timeout, on_error=metrics.rasa_error
        )
        app.state.pipeline = Pipeline(
            settings=settings,
            rasa=app.state.rasa,
            limits=limits,
            work=work,
            contacts=stores.contacts,
            outbox=stores.outbox,
            retention=retention,
            clock=clock,
            activity=stores.activity,
        )
        background = [asyncio.create_task(retention.run_daily(work.io)), handoff_wiring.start(app)]
        if open_knowledge_base and app.state.services.knowledge is None:
            background.append(asyncio.create_task(open_knowledge(app, settings, work)))
        await start_telegram(app)
        app.state.zalo = await start_zalo(
            settings, app.state.pipeline, stores.zalo, work, app.state.channel_health, stores.inbox
        )
        try:
            yield
        finally:
            if app.state.zalo is not None:
                await app.state.zalo.stop()
            await stop_telegram(app)
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
            await stop_grouping(app)
            await app.state.rasa.close()
            if app.state.services.dossier_status is not None:
                await app.state.services.dossier_status.aclose()
            work.close()
            stores.close()

    production = settings.production
    app = FastAPI(
        title="Trợ lý Dịch vụ công",
        version="0.1.0",
        lifespan=lifespan,
        # The API documentation is for developers on their own machine, never public.
        docs_url=None if production else "/docs",
        redoc_url=None if production else "/redoc",
        openapi_url=None if production else "/openapi.json",
    )
    app.state.settings = settings
    app.state.stores = stores
    app.state.work = work
    app.state.limits = limits
    app.state.retention = retention
    app.state.sessions = stores.sessions
    app.state.activity = stores.activity
    app.state.services = build_services(settings, stores, work, limits, clock, metrics)
    app.state.services.knowledge = knowledge
    app.state.executor = build_executor(app.state.services)
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.include_router(web.router)
    app.include_router(health.router)
    app.include_router(search.router)
    app.include_router(action_webhook.router)
    app.include_router(telegram_router)
    app.include_router(zalo_router)
    app.include_router(ioc.router)
    app.include_router(widget.router)
    # The staff console: its routers under /staff and /api/staff, its static files at /staff/static.
    install_staff_console(app, settings, stores.database, clock)
    # Handoff to a person: /api/updates, the agents' API under /api/staff, app.state.handoffs.
    handoff_wiring.install(
        app,
        settings,
        database=stores.database,
        store=stores.handoffs,
        web_updates=stores.web_updates,
        sessions=stores.sessions,
        work=work,
        clock=clock,
    )
    widget.install_cors(app, settings)
    hardening.install(app, settings)
    if settings.proxies:
        # The client address of a request relayed by a trusted proxy is the one it forwards.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.proxies)
    health_of_channels = ChannelHealth(stores.channel_problems, stores.outbox, settings, work.io, clock)
    channel_health.install(app, health_of_channels)
    install_metrics(app, metrics)  # last: its middleware times everything the others do
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    return app


def app_factory() -> FastAPI:
    """Entry point for uvicorn (``app.main:app_factory --factory``)."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.app_secret_key)
    return create_app(settings)
