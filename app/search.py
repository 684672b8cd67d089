"""GET /api/search: the knowledge base's answer and best topics for a question.

Counts against the client address's limit, takes one slot of the global cap on heavy work and
runs the search (BM25 and the encoder) on a worker thread, never on the event loop.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from app import texts
from app.web import RETRY_AFTER, ClientLimited, get_work
from app.work import Busy, Work
from knowledge.search import SearchService
from knowledge.text import clean

router = APIRouter(prefix="/api", tags=["search"])


def knowledge_of(request: Request) -> SearchService:
    knowledge = request.app.state.services.knowledge
    if knowledge is None:
        raise HTTPException(
            status_code=503, detail="Kho kiến thức đang khởi động, anh/chị vui lòng thử lại sau ít giây."
        )
    return knowledge


@router.get("/search", dependencies=[ClientLimited])
async def search(
    request: Request,
    q: Annotated[str, Query(description="The question, as typed")],
    work: Annotated[Work, Depends(get_work)],
    k: Annotated[int, Query(ge=1, le=20)] = 5,
) -> dict[str, Any]:
    text = clean(q)
    if not text:
        raise HTTPException(status_code=422, detail="Câu hỏi đang trống.")
    limit = request.app.state.settings.chat_max_chars
    if len(text) > limit:
        raise HTTPException(status_code=413, detail=f"Câu hỏi dài quá {limit} ký tự.")
    knowledge = knowledge_of(request)
    try:
        async with work.slot():
            started = time.perf_counter()
            result = await work.compute(knowledge.search, text, k=k)
            request.app.state.metrics.observe_search("api", time.perf_counter() - started)
    except Busy:
        raise HTTPException(status_code=503, detail=texts.BUSY, headers=RETRY_AFTER) from None
    return result.as_dict()
