"""Prometheus metrics of the app: ``GET /metrics`` (README "Metrics").

Every app builds a registry of its own (never prometheus-client's global one), so tests can run
several apps in one process. What it holds:

- ``http_request_duration_seconds{method,route,channel}`` — a histogram per route *template*
  (``/api/staff/handoffs/{id}``, never the raw path; a request no route matched counts as
  ``unmatched``) and channel (``web``, ``tg``, ``zalo``, ``staff``, ``other``), measured by
  :class:`RequestMetrics`, the outermost middleware; ``http_requests_total`` adds the status class.
- ``rasa_errors_total{operation,kind}`` — calls to Rasa that failed: ``timeout``, ``unavailable``
  (refused, reset) or ``bad_response`` (an HTTP error or not the JSON its API promises), counted
  by :class:`app.rasa_client.RasaClient` through :meth:`Metrics.rasa_error`.
- ``search_duration_seconds{source}`` — a knowledge search as its caller waits for it (worker
  queue included): ``api`` (``GET /api/search``) or ``actions`` (the actions' searches through
  ``Services.run_compute``, see :meth:`Metrics.timed_compute`).
- ``handoff_queue_length``, ``handoff_agents_online`` — read at scrape time from
  ``app.state.handoffs`` (``queue_length()``, ``agents_online()``).
- ``channel_up{channel}`` — 1 ok, 0.5 degraded, 0 down, from :mod:`app.channel_health` (only the
  channels that are switched on).

The route is protected like the IOC summary (``app/metrics_auth.py``): 404 without
``METRICS_TOKEN``, 401 without the right bearer token, 403 from an address outside
``METRICS_ALLOWED_IPS``.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.metrics_auth import require_metrics_access
from knowledge.search import SearchService

logger = logging.getLogger(__name__)
router = APIRouter(tags=["metrics"])

# Chat turns wait for Rasa (up to RASA_TIMEOUT, 10 s); long polls hold up to 25 s.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
SEARCH_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
UNMATCHED = "unmatched"  # scanners' made-up paths must not each become a series
CHANNEL_UP = {"ok": 1.0, "degraded": 0.5, "down": 0.0}

Blocking = Callable[..., Awaitable[Any]]


def channel_of(route: str) -> str:
    """The channel a route serves: ``web``, ``tg``, ``zalo``, ``staff`` or ``other``."""
    if route.startswith("/telegram/"):
        return "tg"
    if route.startswith("/zalo/"):
        return "zalo"
    if route == "/staff" or route.startswith(("/staff/", "/api/staff")):
        return "staff"
    if route.startswith("/api/metrics"):
        return "other"
    if route in {"/", "/widget.js", "/demo", "/static"} or route.startswith("/api/"):
        return "web"
    return "other"


def route_of(scope: Scope) -> str:
    """The template of the route that took the request (a mount's prefix), else ``unmatched``."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


class Metrics:
    """The app's metrics on a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Histogram(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, per route template and channel",
            ["method", "route", "channel"],
            buckets=REQUEST_BUCKETS,
            registry=self.registry,
        )
        self.responses = Counter(
            "http_requests",
            "HTTP requests answered, per route template, channel and status class",
            ["method", "route", "channel", "status"],
            registry=self.registry,
        )
        self.rasa_errors = Counter(
            "rasa_errors",
            "Calls to the Rasa server that failed (timeout, unavailable, bad_response)",
            ["operation", "kind"],
            registry=self.registry,
        )
        self.search = Histogram(
            "search_duration_seconds",
            "Time a knowledge search took for its caller (api or actions), worker queue included",
            ["source"],
            buckets=SEARCH_BUCKETS,
            registry=self.registry,
        )
        self.queue_length = Gauge(
            "handoff_queue_length", "Conversations waiting for an agent", registry=self.registry
        )
        self.agents_online = Gauge("handoff_agents_online", "Agents on duty", registry=self.registry)
        self.channel_up = Gauge(
            "channel_up",
            "Channel health: 1 ok, 0.5 degraded, 0 down (switched-on channels only)",
            ["channel"],
            registry=self.registry,
        )

    # --- counted by other parts ------------------------------------------------------------
    def rasa_error(self, operation: str, kind: str) -> None:
        self.rasa_errors.labels(operation=operation, kind=kind).inc()

    def observe_search(self, source: str, seconds: float) -> None:
        self.search.labels(source=source).observe(seconds)

    def timed_compute(self, compute: Blocking) -> Blocking:
        """``compute`` (``Work.compute``) that times the knowledge searches it runs (the actions'
        ``services.run_compute(knowledge.search, ...)``); other work passes through untimed."""

        @functools.wraps(compute)
        async def run(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
            if getattr(function, "__func__", None) is not SearchService.search:
                return await compute(function, *args, **kwargs)
            started = time.perf_counter()
            try:
                return await compute(function, *args, **kwargs)
            finally:
                self.observe_search("actions", time.perf_counter() - started)

        return run

    # --- read at scrape time ----------------------------------------------------------------
    def render(self, app: FastAPI) -> bytes:
        """The exposition text, with the gauges read now (blocking: run it on a worker thread)."""
        handoffs = getattr(app.state, "handoffs", None)
        if handoffs is not None and hasattr(handoffs, "queue_length"):
            self.queue_length.set(handoffs.queue_length())
            self.agents_online.set(handoffs.agents_online())
        health = getattr(app.state, "channel_health", None)
        if health is not None:
            self.channel_up.clear()
            for state in health.current():
                if state.state in CHANNEL_UP:
                    self.channel_up.labels(channel=state.channel).set(CHANNEL_UP[state.state])
        return generate_latest(self.registry)


class RequestMetrics:
    """Outermost middleware: each HTTP request's time until its response is complete, labelled
    with the route template Starlette matched (known only once the app has run)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = route_of(scope)
            labels = {"method": scope.get("method", "GET"), "route": route, "channel": channel_of(route)}
            self.metrics.requests.labels(**labels).observe(time.perf_counter() - started)
            self.metrics.responses.labels(**labels, status=f"{status // 100}xx").inc()


def install(app: FastAPI, metrics: Metrics) -> None:
    """The metrics on ``app``: ``app.state.metrics``, the route, and the timing middleware (call it
    after every other middleware is added, so it wraps them all)."""
    app.state.metrics = metrics
    app.include_router(router)
    app.add_middleware(RequestMetrics, metrics=metrics)


@router.get("/metrics", include_in_schema=False)
async def metrics_text(request: Request, _: Annotated[None, Depends(require_metrics_access)]) -> Response:
    app = request.app
    body = await app.state.work.io(app.state.metrics.render, app)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
