"""The console's "Thống kê" (every role, viewers included): the page, its JSON and the CSV export.

- ``GET /staff/dashboard?from=&to=&channel=&procedure=&period=day|week`` — the page: the filters as
  a form, the figures as tables; ``/staff/static/dashboard.js`` draws the charts (Chart.js, committed
  under ``static/vendor/chartjs``) from the JSON below. No inline script (the page CSP).
- ``GET /api/staff/dashboard`` (same query) — the figures (``queries.dashboard``).
- ``GET /staff/dashboard.csv`` (same query) — one row per day (or week), UTF-8 with a BOM so Excel
  reads the Vietnamese headers.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import Response

from app.dashboard.figures import CHANNELS, Filters
from app.dashboard.queries import dashboard, today
from app.staff.console import render
from app.staff.deps import CurrentSession, CurrentStaff, console_router

pages = console_router(prefix="/staff", include_in_schema=False)
api = console_router(prefix="/api/staff", tags=["staff"])

CHANNEL_LABELS = {"web": "Web", "tg": "Telegram", "zalo": "Zalo"}
INVALID = "Bộ lọc không hợp lệ: ngày dạng YYYY-MM-DD, từ ngày không sau đến ngày, tối đa 3 năm."
# The CSV's columns: (key in a series row, header).
CSV_COLUMNS = [
    ("period", "Kỳ (ngày đầu)"),
    ("conversations", "Cuộc trò chuyện"),
    ("messages", "Tin nhắn"),
    ("containment", "Tỷ lệ tự xử lý"),
    ("walkthroughs_started", "Lượt hướng dẫn bắt đầu"),
    ("walkthroughs_completed", "Lượt hướng dẫn hoàn thành"),
    ("handoffs", "Yêu cầu gặp cán bộ"),
    ("wait_mean_seconds", "Thời gian chờ trung bình (giây)"),
    ("ratings", "Lượt đánh giá"),
    ("satisfaction_mean", "Điểm hài lòng trung bình"),
    ("unanswered_rate", "Tỷ lệ câu hỏi chưa trả lời"),
]


def filters_of(request: Request) -> Filters:
    query = request.query_params
    try:
        return Filters.parse(
            today(request.app),
            first=query.get("from") or None,
            last=query.get("to") or None,
            channel=query.get("channel") or None,
            procedure=query.get("procedure") or None,
            period=query.get("period") or None,
        )
    except ValueError:
        raise HTTPException(status_code=422, detail=INVALID) from None


def procedure_choices(request: Request, seen: list[dict[str, str]]) -> list[dict[str, str]]:
    """Every procedure of the knowledge base, and any other the figures name."""
    knowledge = request.app.state.services.knowledge
    choices = {item["slug"]: item["title"] for item in seen}
    if knowledge is not None:
        choices.update({topic.slug: topic.name for topic in knowledge.topics("procedure")})
    return [{"slug": slug, "title": title} for slug, title in sorted(choices.items(), key=lambda kv: kv[1])]


@pages.get("/dashboard")
async def dashboard_page(request: Request, session: CurrentSession) -> Response:
    try:
        filters = filters_of(request)
    except HTTPException as exc:
        return render(request, "error.html", session, status=422, message=exc.detail)
    data = await dashboard(request.app, filters)
    return render(
        request,
        "dashboard.html",
        session,
        data=data,
        filters=filters,
        channels=[(channel, CHANNEL_LABELS[channel]) for channel in CHANNELS],
        channel_labels=CHANNEL_LABELS,
        procedures=procedure_choices(request, data["procedures"]),
        query=request.url.query,
    )


@api.get("/dashboard")
async def dashboard_json(request: Request, staff: CurrentStaff) -> dict[str, Any]:
    return await dashboard(request.app, filters_of(request))


def csv_text(data: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header for _, header in CSV_COLUMNS])
    for row in data["series"]:
        writer.writerow(["" if row[key] is None else row[key] for key, _ in CSV_COLUMNS])
    return "\ufeff" + out.getvalue()


@pages.get("/dashboard.csv")
async def dashboard_csv(request: Request, staff: CurrentStaff) -> Response:
    filters = filters_of(request)
    data = await dashboard(request.app, filters, comments=False)
    name = f"thong-ke-{filters.first.isoformat()}-{filters.last.isoformat()}.csv"
    return Response(
        csv_text(data),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
