"""The guided online submission, as a volunteer at the centre would walk a person through it.

Which procedure (``choose``) → ready? (VNeID account, documents, fee/time/agency, where to
submit: ``ready``) → "Bước k/N" with Tiếp theo · Quay lại · Tôi gặp lỗi · Gặp cán bộ → finish
and rating (``steps``); a question, a menu or a new session can come in between (``resume``).
Every reply is first read against the question the guide asked (``reading``). Every step and
fact comes from the knowledge base; where the person stands lives in slots (``actions.state``).
"""

from actions.guide.actions import (
    ActionGuideAnswer,
    ActionGuideBack,
    ActionGuideNext,
    ActionGuideProblem,
    ActionGuideStart,
    ActionMenu,
    ActionStartOver,
    GuideAction,
)
from actions.guide.base import is_payload
from actions.guide.moves import Guide

__all__ = [
    "ActionGuideAnswer",
    "ActionGuideBack",
    "ActionGuideNext",
    "ActionGuideProblem",
    "ActionGuideStart",
    "ActionMenu",
    "ActionStartOver",
    "Guide",
    "GuideAction",
    "is_payload",
]
