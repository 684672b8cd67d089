"""``GET /api/metrics/ioc``: the summary the provincial operations centre (IOC) reads.

Protected by ``app/metrics_auth.py`` (404 without METRICS_TOKEN, METRICS_ALLOWED_IPS, the bearer
token). Query: ``from`` and ``to`` (ISO local dates, Asia/Ho_Chi_Minh; default: today), ``channel``
and ``procedure`` as on the dashboard. The schema is in README ("IOC summary"); its ``schema`` field
changes when a field's meaning does.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request

from app.clock import utc_now
from app.dashboard.figures import Filters
from app.dashboard.queries import dashboard, today
from app.metrics_auth import require_metrics_access

SCHEMA = "ioc-summary/1"
router = APIRouter(tags=["metrics"])


def _figures(summary: dict[str, Any]) -> dict[str, Any]:
    handoffs = summary["handoffs"]
    return {
        "conversations": summary["conversations"],
        "messages": summary["messages"],
        "containment": summary["containment"],
        "walkthroughs": {
            "started": summary["walkthroughs"]["started"],
            "completed": summary["walkthroughs"]["completed"],
        },
        "handoffs": {
            "requested": handoffs["requested"],
            "claimed": handoffs["claimed"],
            "closed": handoffs["closed"],
            "cancelled": handoffs["cancelled"],
            "kept": handoffs["kept"],
            "wait_mean_seconds": handoffs["wait_seconds"]["mean"],
            "wait_median_seconds": handoffs["wait_seconds"]["median"],
            "wait_p90_seconds": handoffs["wait_seconds"]["p90"],
        },
        "satisfaction": summary["satisfaction"],
        "unanswered_rate": summary["questions"]["unanswered_rate"],
    }


def ioc_summary(data: dict[str, Any]) -> dict[str, Any]:
    """The IOC's JSON from the dashboard's figures."""
    filters = data["filters"]
    return {
        "schema": SCHEMA,
        "generated_at": utc_now().isoformat(timespec="seconds"),
        "period": {"from": filters["from"], "to": filters["to"], "timezone": "Asia/Ho_Chi_Minh"},
        "filters": {"channel": filters["channel"], "procedure": filters["procedure"]},
        **_figures(data["totals"]),
        "channels": {channel: _figures(summary) for channel, summary in data["channels"].items()},
    }


@router.get("/api/metrics/ioc")
async def ioc(request: Request, _: Annotated[None, Depends(require_metrics_access)]) -> dict[str, Any]:
    query = request.query_params
    day = today(request.app)
    last = query.get("to") or day.isoformat()
    try:
        filters = Filters.parse(
            day,
            first=query.get("from") or last,
            last=last,
            channel=query.get("channel") or None,
            procedure=query.get("procedure") or None,
        )
    except ValueError:
        raise HTTPException(status_code=422, detail="from, to: ISO dates, from <= to") from None
    return ioc_summary(await dashboard(request.app, filters, comments=False))
