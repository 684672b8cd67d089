"""The embeddable web widget: its script, a demo portal page (local use only) and CORS for the web API."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from app.settings import Settings

logger = logging.getLogger(__name__)
router = APIRouter(tags=["widget"])

STATIC = Path(__file__).parent / "static"
# The widget's API: the only routes another origin (the portal) may call from a browser.
CORS_PATHS = frozenset({"/api/session", "/api/session/end", "/api/chat", "/api/history", "/api/updates"})


# Served from the app's own origin and embedded by other origins: allow that explicitly.
_SCRIPT_HEADERS = {
    "Cache-Control": "public, max-age=300",
    "Cross-Origin-Resource-Policy": "cross-origin",
    "X-Content-Type-Options": "nosniff",
}


@router.get("/widget.js", include_in_schema=False)
async def widget_script() -> FileResponse:
    return FileResponse(
        STATIC / "widget.js", media_type="text/javascript; charset=utf-8", headers=_SCRIPT_HEADERS
    )


@router.get("/demo", include_in_schema=False)
async def demo_page(request: Request) -> FileResponse:
    """A mock portal page embedding the widget, for trying it locally; off in production."""
    if request.app.state.settings.production:
        raise HTTPException(status_code=404, detail="Không tìm thấy trang.")
    return FileResponse(STATIC / "demo.html", media_type="text/html; charset=utf-8")


class _PathsCORS:
    """Starlette's CORS middleware, applied to some paths only; other routes stay same-origin."""

    def __init__(self, app: ASGIApp, paths: frozenset[str], **options: Any) -> None:
        self.app = app
        self.paths = paths
        self.cors = CORSMiddleware(app, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in self.paths:
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def install_cors(app: FastAPI, settings: Settings) -> None:
    """Let the configured portal origins (``CORS_ORIGINS``) call the widget's API."""
    origins = settings.allowed_origins
    app.add_middleware(
        _PathsCORS,
        paths=CORS_PATHS,
        allow_origins=origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type"],
        allow_credentials=False,  # the widget sends no cookies; its id travels in the body
        max_age=600,
    )
    logger.info("widget API open to origins: %s", ", ".join(origins) or "none")
