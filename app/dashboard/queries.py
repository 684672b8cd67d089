"""The dashboard's reads, off the event loop: daily figures, titles, comments, unanswered groups.

:func:`dashboard` is what the page's JSON, the CSV and the IOC summary call; the figures themselves
are computed in ``figures.py``.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import Any

from fastapi import FastAPI

from app.activity import LOCAL, ActivityLog
from app.clock import aware
from app.dashboard.figures import Filters, procedures_seen, report
from app.staff.console import vietnam_time

logger = logging.getLogger(__name__)
COMMENTS = 50  # comments shown, newest first
TOP_UNANSWERED = 5


def titles_of(app: FastAPI):
    """slug → the topic's name in the knowledge base (the slug itself when unknown or not open)."""
    knowledge = app.state.services.knowledge
    cache: dict[str, str] = {}

    def title(slug: str) -> str:
        if slug not in cache:
            topic = None
            if knowledge is not None:
                try:
                    topic = knowledge.topic(slug)
                except Exception:  # a title is not worth failing the dashboard for
                    logger.exception("no title for %s", slug)
            cache[slug] = topic.name if topic is not None else slug
        return cache[slug]

    return title


def today(app: FastAPI):
    activity: ActivityLog = app.state.activity
    return activity.today()


def _read(app: FastAPI, filters: Filters) -> tuple[dict[str, Any], list[str]]:
    activity: ActivityLog = app.state.activity
    figures = activity.figures(filters.first, filters.last, filters.channel, filters.procedure)
    result = report(figures, filters, titles_of(app))
    return result, procedures_seen(figures)


def _comments(app: FastAPI, filters: Filters) -> list[dict[str, Any]]:
    since = datetime.combine(filters.first, time(0), LOCAL)
    until = datetime.combine(filters.last + timedelta(days=1), time(0), LOCAL)
    rows = app.state.stores.ratings.comments(
        since, until, channel=filters.channel, procedure=filters.procedure, limit=COMMENTS
    )
    return [
        {
            "at": aware(row.created_at).isoformat(),
            "shown_at": vietnam_time(row.created_at),
            "channel": row.channel,
            "procedure": row.procedure,
            "score": row.score,
            "human_help": row.human_help,
            "comment": row.comment,
        }
        for row in rows
    ]


def _unanswered_groups(app: FastAPI) -> list[dict[str, Any]] | None:
    """The largest groups of the unanswered questions, when a grouping was already made (cheap);
    None otherwise (the staff page "Câu hỏi chưa trả lời" computes them)."""
    grouper = app.state.staff.extra.get("unanswered")
    latest = getattr(grouper, "latest", None)
    if latest is None:
        return None
    groups = sorted(latest.groups, key=lambda group: -group.count)[:TOP_UNANSWERED]
    return [{"question": group.question, "count": group.count} for group in groups]


async def dashboard(app: FastAPI, filters: Filters, *, comments: bool = True) -> dict[str, Any]:
    """Everything the dashboard shows for ``filters``."""
    work = app.state.work
    result, procedures = await work.io(_read, app, filters)
    result["procedures"] = [{"slug": slug, "title": titles_of(app)(slug)} for slug in procedures]
    if comments:
        result["comments"] = await work.io(_comments, app, filters)
        result["top_unanswered"] = _unanswered_groups(app)
    return result
