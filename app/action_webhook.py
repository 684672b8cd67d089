"""The Rasa action webhook, served by the rasa_sdk executor inside the app."""

from __future__ import annotations

import json
import logging
import secrets
import zlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import (
    ActionExecutionRejection,
    ActionMissingDomainException,
    ActionNotFoundException,
)

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/rasa", tags=["rasa"])


def get_executor(request: Request) -> ActionExecutor:
    return request.app.state.executor


def require_rasa_token(request: Request, authorization: Annotated[str, Header()] = "") -> None:
    expected = f"Bearer {request.app.state.settings.rasa_auth_token}"
    if not secrets.compare_digest(authorization.encode(), expected.encode()):
        raise HTTPException(status_code=401, detail="Thiếu hoặc sai mã xác thực của máy chủ Rasa.")


async def _read_action_call(request: Request) -> dict[str, Any]:
    body = await request.body()
    try:
        if request.headers.get("content-encoding") == "deflate":
            body = zlib.decompress(body)
        call = json.loads(body)
    except (zlib.error, ValueError, RecursionError) as exc:
        raise HTTPException(status_code=400, detail="Nội dung yêu cầu không phải JSON hợp lệ.") from exc
    if not isinstance(call, dict) or not isinstance(call.get("next_action"), str) or not call["next_action"]:
        raise HTTPException(status_code=400, detail="Yêu cầu thiếu tên hành động (next_action).")
    if not isinstance(call.get("tracker"), dict) or not isinstance(call.get("domain", {}), dict):
        raise HTTPException(status_code=400, detail="Yêu cầu thiếu trạng thái cuộc trò chuyện (tracker).")
    return call


@router.post("/webhook", dependencies=[Depends(require_rasa_token)])
async def run_action(
    request: Request, executor: Annotated[ActionExecutor, Depends(get_executor)]
) -> JSONResponse:
    """Run one custom action; keep the SDK's status codes (400, 404, 449) so Rasa reacts as usual."""
    call = await _read_action_call(request)
    try:
        result = await executor.run(call)
    except ActionExecutionRejection as exc:
        return JSONResponse({"error": exc.message, "action_name": exc.action_name}, status_code=400)
    except ActionNotFoundException as exc:
        logger.error("Rasa asked for an unknown action %s", exc.action_name)
        return JSONResponse({"error": exc.message, "action_name": exc.action_name}, status_code=404)
    except ActionMissingDomainException as exc:
        return JSONResponse({"error": exc.message, "action_name": exc.action_name}, status_code=449)
    return JSONResponse(result.model_dump() if result else {"events": [], "responses": []})


@router.get("/actions", dependencies=[Depends(require_rasa_token)])
async def list_actions(executor: Annotated[ActionExecutor, Depends(get_executor)]) -> list[dict[str, str]]:
    return [action.model_dump() for action in executor.list_actions()]
