"""GET /api/search: the knowledge base's answer and best topics for a question."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request

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


@router.get("/search")
async def search(
    request: Request,
    q: Annotated[str, Query(description="The question, as typed")],
    k: Annotated[int, Query(ge=1, le=20)] = 5,
) -> dict[str, Any]:
    text = clean(q)
    if not text:
        raise HTTPException(status_code=422, detail="Câu hỏi đang trống.")
    limit = request.app.state.settings.chat_max_chars
    if len(text) > limit:
        raise HTTPException(status_code=413, detail=f"Câu hỏi dài quá {limit} ký tự.")
    return knowledge_of(request).search(text, k=k).as_dict()
