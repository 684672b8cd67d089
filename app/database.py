"""The app's own database (APP_DB_URL): ratings, the Zalo token pair, replies not sent.

SQLite under var/ by default, or any SQLAlchemy URL (PostgreSQL in production). Every table
of the app shares one declarative base, so one ``create_all`` makes them all.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker


class Base(DeclarativeBase):
    pass


class Database:
    """An engine and a session factory on ``url``, with the app's tables created."""

    def __init__(self, url: str) -> None:
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(url, future=True)
        Base.metadata.create_all(self.engine)
        self.session: sessionmaker[Session] = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()
