"""The knowledge database (KNOWLEDGE_DB_URL): its engine and its schema under Alembic.

The schema belongs to the migrations in ``knowledge/migrations`` (programmatic configuration,
no alembic.ini; the open connection travels in ``config.attributes``), the same pattern as the
app database (``app/database.py``), which ``knowledge`` may not import. Opening a
:class:`knowledge.store.Store` upgrades the database to the newest revision; a file made by the
release before migrations (tables ``entries`` and ``topics`` made by ``create_all``) is stamped
at the baseline ``0001`` first. A backup is taken before any upgrade that changes the revision
of a database holding tables (``knowledge/backups.py``).

The revision is kept in the table ``knowledge_alembic_version``, so the knowledge tables may
share a PostgreSQL database with the app's (whose revision is in ``alembic_version``).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect

from knowledge.backups import BackupPolicy, before_upgrade

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "knowledge_alembic_version"
# The schema of the release before migrations: entries and topics.
BASELINE = "0001"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine on ``url``; a SQLite file's folder is created (0700) and WAL mode is used."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def alembic_config(connection) -> Config:  # type: ignore[no-untyped-def]
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def migrate(engine: Engine, revision: str = "head", *, backups: BackupPolicy | None = None) -> Path | None:
    """Upgrade the schema to ``revision``, backing the database up first when that changes its
    revision; a pre-migration database is stamped at the baseline. The backup's path, if any."""
    backup = before_upgrade(
        engine, "knowledge", MIGRATIONS, revision, version_table=VERSION_TABLE, policy=backups
    )
    with engine.begin() as connection:
        config = alembic_config(connection)
        tables = set(inspect(connection).get_table_names())
        if VERSION_TABLE not in tables and "entries" in tables:
            command.stamp(config, BASELINE)
        command.upgrade(config, revision)
    return backup
