"""GET /health: is every part the assistant needs up?"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from rasa_sdk.executor import ActionExecutor

from app.action_webhook import get_executor
from app.chat import get_rasa
from app.rasa_client import RasaClient, RasaError

router = APIRouter(tags=["health"])


async def rasa_state(rasa: RasaClient) -> str:
    try:
        status = await rasa.status()
    except RasaError as exc:
        return f"error: {exc}"
    if not status.get("model_file"):
        return "error: Rasa is up but has no model loaded"
    return "ok"


@router.get("/health")
async def health(
    request: Request,
    rasa: Annotated[RasaClient, Depends(get_rasa)],
    executor: Annotated[ActionExecutor, Depends(get_executor)],
) -> JSONResponse:
    parts = {
        "rasa": await rasa_state(rasa),
        "actions": "ok" if executor.list_actions() else "error: no custom action registered",
        "knowledge": "ok" if request.app.state.services.knowledge is not None else "error: not open (yet)",
    }
    healthy = all(state == "ok" for state in parts.values())
    body = {"status": "ok" if healthy else "degraded", **parts}
    return JSONResponse(body, status_code=200 if healthy else 503)
