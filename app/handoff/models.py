"""The handoff tables in the app database (migration ``0006_handoffs``).

- ``handoffs``: one row per request for a person: who (the sender's keyed hash; the conversation
  id itself only while the request is open), the status (waiting → held → closed, or kept outside
  hours, or cancelled), why, when, which agent, the question (masked) and the procedure and step
  the person was at.
- ``handoff_messages``: what the citizen and the agent wrote during the handoff (masked).
- ``agent_presence``: which agents are on duty, by their last presence call or open stream.
- ``canned_replies``: ready texts agents insert; editors maintain them.
- ``web_updates``: replies for a web conversation that arrive without a request of the widget
  (agent messages, the bot's step after a hand-back); the widget long-polls them by id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base

WAITING, HELD, KEPT, CLOSED, CANCELLED = "waiting", "held", "kept", "closed", "cancelled"
OPEN = (WAITING, HELD, KEPT)


class HandoffRow(Base):
    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sender_key: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    conversation: Mapped[str | None] = mapped_column(String(200))
    kiosk: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(10), index=True)
    reason: Mapped[str] = mapped_column(String(10))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    kept_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True)
    )  # outside hours / nobody on duty
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    first_claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_agent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_citizen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(100))
    question: Mapped[str | None] = mapped_column(Text)
    procedure: Mapped[str | None] = mapped_column(String(100))
    step: Mapped[int | None] = mapped_column(Integer)
    zalo_window_closed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    note: Mapped[str | None] = mapped_column(String(300))


class HandoffMessageRow(Base):
    __tablename__ = "handoff_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"), index=True)
    sender_key: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    author: Mapped[str] = mapped_column(String(10))  # "citizen" or "agent"
    agent: Mapped[str | None] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)


class AgentPresenceRow(Base):
    __tablename__ = "agent_presence"

    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), primary_key=True)
    username: Mapped[str] = mapped_column(String(32))
    online: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CannedReplyRow(Base):
    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str | None] = mapped_column(String(100))


class WebUpdateRow(Base):
    __tablename__ = "web_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)  # the cursor
    sender_key: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    role: Mapped[str] = mapped_column(String(10))  # "agent" or "bot"
    message: Mapped[Any] = mapped_column(JSON)
