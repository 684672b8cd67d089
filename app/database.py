"""The app's own database (APP_DB_URL): one engine for every table of the app.

SQLite under var/ by default, or any SQLAlchemy URL (PostgreSQL in production). The schema is
owned by Alembic migrations (``app/migrations``): opening the database upgrades it to the
newest revision, and a file made by the release before migrations existed is recognised and
upgraded in place. Tables are declared next to the code that uses them (ratings, outbox,
contacts, web sessions, Zalo); each store takes the app's one :class:`Database`.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from app.clock import Clock, utc_now
from app.privacy import sender_key
from knowledge.backups import before_upgrade

MIGRATIONS = Path(__file__).parent / "migrations"
# The schema of the release before migrations (ratings, zalo_tokens, failed_sends).
BASELINE = "0001"
# Modules that declare tables, imported before the metadata is compared with the migrations.
MODEL_MODULES = (
    "app.ratings",
    "app.outbox",
    "app.contacts",
    "app.sessions",
    "app.zalo_client",
    "app.staff.models",
    "app.unanswered",
    "app.handoff.models",
    "app.activity",
    "app.channel_health",
    "app.inbox",
)
BUSY_TIMEOUT = 5.0  # seconds SQLite retries a write on a locked database (APP_DB_BUSY_TIMEOUT)


class Base(DeclarativeBase):
    pass


def import_models() -> None:
    for module in MODEL_MODULES:
        importlib.import_module(module)


def _sqlite_pragmas(busy_timeout: float):  # type: ignore[no-untyped-def]
    def on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # SQLite's own busy handler retries a locked write (sleeping between tries) this long,
        # then fails with SQLITE_BUSY: the bounded wait; storage_problem() names the failure.
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.close()

    return on_connect


def make_engine(url: str, busy_timeout: float = BUSY_TIMEOUT) -> Engine:
    """An engine on ``url``; a SQLite file's folder is created (0700) and WAL mode is used."""
    if url.startswith("sqlite:///"):
        folder = Path(url.removeprefix("sqlite:///")).parent
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout))
    return engine


# SQLite's result codes (Python's sqlite3 names them on the error) and messages for a storage
# fault: another writer held the lock past the busy timeout, or the disk (or max_page_count) is full.
_BUSY = ("SQLITE_BUSY", "SQLITE_LOCKED", "database is locked", "database table is locked")
_FULL = ("SQLITE_FULL", "database or disk is full", "No space left on device")


def storage_problem(exc: BaseException) -> str | None:
    """``"busy"`` or ``"full"`` when ``exc`` is the database refusing a write for one of those
    reasons (the caller answers politely and the service stays up); None for anything else."""
    if not isinstance(exc, OperationalError):
        return None
    original = exc.orig
    names = f"{getattr(original, 'sqlite_errorname', '')} {original}"
    if any(marker in names for marker in _FULL):
        return "full"
    if any(marker in names for marker in _BUSY):
        return "busy"
    return None


def alembic_config(connection, secret: str = "") -> Config:  # type: ignore[no-untyped-def]
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    config.attributes["secret"] = secret  # APP_SECRET_KEY: data migrations hash sender ids with it
    return config


def migrate(engine: Engine, secret: str = "", revision: str = "head") -> Path | None:
    """Upgrade the schema to ``revision``; a pre-migration database is stamped at the baseline first.

    A database with tables whose revision the upgrade changes is backed up first
    (``knowledge/backups.py``: beside a SQLite file in ``backups/``, pg_dump for PostgreSQL, else
    refused unless UPGRADE_WITHOUT_BACKUP=true); the backup's path, if one was taken."""
    backup = before_upgrade(engine, "app", MIGRATIONS, revision)
    with engine.begin() as connection:
        config = alembic_config(connection, secret)
        tables = set(inspect(connection).get_table_names())
        if "alembic_version" not in tables and "ratings" in tables:
            command.stamp(config, BASELINE)
        command.upgrade(config, revision)
    return backup


class Database:
    """The engine and session factory of the app database, its schema upgraded on opening."""

    def __init__(self, url: str, secret: str = "", busy_timeout: float = BUSY_TIMEOUT) -> None:
        self.url = url
        self.secret = secret
        self.engine = make_engine(url, busy_timeout)
        self.backup = migrate(self.engine, secret)  # taken before an upgrade, if one was
        self.session: sessionmaker[Session] = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()


class PersonStore:
    """A store of the app database whose rows stand for a person by a keyed hash of the sender (never
    the sender itself), so that they can be found, and erased, per person."""

    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self._database = database
        self._session = database.session
        self._clock = clock

    def key(self, sender: str) -> str:
        return sender_key(self._database.secret, sender)
