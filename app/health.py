"""GET /health: is every part the assistant needs up?"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from rasa_sdk.executor import ActionExecutor

from app.action_webhook import get_executor
from app.rasa_client import RasaClient, RasaError
from app.web import get_rasa

router = APIRouter(tags=["health"])


RASA_STATE_TTL = 1.0  # seconds a Rasa status is reused: probes every few ms do not each ask Rasa


async def rasa_state(rasa: RasaClient) -> str:
    try:
        status = await rasa.status()
    except RasaError as exc:
        return f"error: {exc}"
    if not status.get("model_file"):
        return "error: Rasa is up but has no model loaded"
    return "ok"


async def recent_rasa_state(request: Request, rasa: RasaClient) -> str:
    """Rasa's state, asked at most once a second (a monitor polling /health often, or many at once,
    costs Rasa one status call a second)."""
    state = request.app.state
    cached: tuple[float, str] | None = getattr(state, "rasa_state", None)
    now = time.monotonic()
    if cached is None or now - cached[0] > RASA_STATE_TTL:
        cached = (now, await rasa_state(rasa))
        state.rasa_state = cached
    return cached[1]


@router.get("/health")
async def health(
    request: Request,
    rasa: Annotated[RasaClient, Depends(get_rasa)],
    executor: Annotated[ActionExecutor, Depends(get_executor)],
) -> JSONResponse:
    parts = {
        "rasa": await recent_rasa_state(request, rasa),
        "actions": "ok" if executor.list_actions() else "error: no custom action registered",
        "knowledge": "ok" if request.app.state.services.knowledge is not None else "error: not open (yet)",
    }
    healthy = all(state == "ok" for state in parts.values())
    body = {"status": "ok" if healthy else "degraded", **parts}
    return JSONResponse(body, status_code=200 if healthy else 503)
