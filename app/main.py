"""The FastAPI application: chat API, health, the Rasa action webhook and the chat page."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from rasa_sdk.executor import ActionExecutor
from starlette.exceptions import HTTPException as StarletteHTTPException

from actions import build_actions
from actions.dossier_status import DossierStatusClient
from actions.services import CentreContact, Services
from app import action_webhook, chat, health, search, widget
from app.logs import configure_logging
from app.rasa_client import RasaClient
from app.ratings import RatingStore
from app.settings import Settings, get_settings
from app.telegram import router as telegram_router
from app.telegram import start_telegram, stop_telegram
from app.zalo import router as zalo_router
from app.zalo import start_channel as start_zalo
from knowledge.search import SearchService
from knowledge.service import open_service

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"


def build_services(settings: Settings) -> Services:
    return Services(
        centre=CentreContact(
            name=settings.centre_name,
            address=settings.centre_address,
            hotline=settings.centre_hotline,
            hours=settings.centre_hours,
            portal_url=settings.portal_url,
        ),
        ratings=RatingStore(settings.app_db),
        dossier_status=DossierStatusClient(
            settings.dossier_status_url,
            timeout=settings.dossier_status_timeout,
            token=settings.dossier_status_token or None,
        )
        if settings.dossier_status_url
        else None,
        dossier_lookup_url=settings.dossier_lookup_url,
    )


async def open_knowledge(app: FastAPI, settings: Settings) -> None:
    """Open the knowledge base off the event loop; actions and /api/search use it once ready."""
    try:
        service, _ = await asyncio.to_thread(open_service, settings)
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
    """HTTP errors as JSON; FastAPI's own English message for an unreadable body in Vietnamese."""
    detail = exc.detail
    if exc.status_code == 400 and detail == "There was an error parsing the body":
        detail = "Nội dung gửi lên không đọc được: cần JSON mã hoá UTF-8."
    return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)


def create_app(
    settings: Settings | None = None,
    *,
    knowledge: SearchService | None = None,
    open_knowledge_base: bool = True,
) -> FastAPI:
    """The app; the knowledge base is opened at start-up unless given (or not wanted, in some tests)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.rasa = RasaClient(settings.rasa_url, settings.rasa_auth_token, settings.rasa_timeout)
        opening = None
        if open_knowledge_base and app.state.services.knowledge is None:
            opening = asyncio.create_task(open_knowledge(app, settings))
        await start_telegram(app)
        app.state.zalo = await start_zalo(settings, app.state.rasa)
        try:
            yield
        finally:
            if app.state.zalo is not None:
                await app.state.zalo.stop()
            await stop_telegram(app)
            if opening is not None:
                opening.cancel()
            await app.state.rasa.close()
            if app.state.services.dossier_status is not None:
                await app.state.services.dossier_status.aclose()

    app = FastAPI(title="Trợ lý Dịch vụ công", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.services = build_services(settings)
    app.state.services.knowledge = knowledge
    app.state.executor = build_executor(app.state.services)
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.include_router(chat.router)
    app.include_router(health.router)
    app.include_router(search.router)
    app.include_router(action_webhook.router)
    app.include_router(telegram_router)
    app.include_router(zalo_router)
    app.include_router(widget.router)
    widget.install_cors(app, settings)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    return app


def app_factory() -> FastAPI:
    """Entry point for uvicorn (``app.main:app_factory --factory``)."""
    settings = get_settings()
    configure_logging(settings.log_level)
    return create_app(settings)
