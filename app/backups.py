"""Backups by hand: ``python -m app backup`` and ``python -m app restore FILE``.

The backups themselves (file names, SQLite copies, pg_dump, keeping the newest BACKUP_KEEP,
the backup taken before every schema upgrade) are ``knowledge/backups.py``; this module backs up
both databases at once and puts a backup back.

- ``backup`` copies the app database (APP_DB_URL) and the knowledge database (KNOWLEDGE_DB_URL)
  as they are — without upgrading them — to ``<name>-<UTC time>-<revision>.db`` (``.dump`` for
  PostgreSQL) and returns the files.
- ``restore FILE`` puts a backup back into the database its name says (``app-…``,
  ``knowledge-…``), or the one ``--database`` names. It refuses while the app answers on
  APP_PORT (stop it first: a running app would keep writing, and keeps the knowledge base in
  memory), refuses a SQLite file that does not hold that database's tables, and first backs up
  what it replaces (``<name>-<time>-<revision>-replaced.db``). A restored database older than
  the code is upgraded (after a backup) at the next start.
"""

from __future__ import annotations

import shutil
import socket
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, make_url

from app.settings import Settings
from knowledge.backups import (
    NAMES,
    BackupPolicy,
    BackupRefused,
    backup_database,
    copy_sqlite,
    parse,
    pg_env,
    revision_label,
    sqlite_path,
)
from knowledge.database import VERSION_TABLE as KNOWLEDGE_VERSION_TABLE

VERSION_TABLES = {"app": "alembic_version", "knowledge": KNOWLEDGE_VERSION_TABLE}
# A table each database has had since its first release: a file without it is not that database.
MARKER_TABLES = {"app": "ratings", "knowledge": "entries"}


class RestoreRefused(RuntimeError):
    """The restore was not done; the message says why, for the operator."""


@dataclass(frozen=True)
class Restored:
    database: str
    source: Path
    replaced: Path | None  # the copy of what was there before (None: there was nothing)


def database_urls(settings: Settings) -> dict[str, str]:
    return {"app": settings.app_db, "knowledge": settings.knowledge_url}


def _revision(url: str, name: str) -> str:
    engine = create_engine(url)
    try:
        return revision_label(engine, VERSION_TABLES[name])
    finally:
        engine.dispose()


def _exists(url: str) -> bool:
    path = sqlite_path(url)
    return path is None or path.exists()


def backup_all(settings: Settings, *, now: datetime | None = None) -> list[Path]:
    """Back up both databases now (a SQLite file that does not exist yet is skipped)."""
    policy = BackupPolicy.from_settings(settings)
    made = []
    for name, url in database_urls(settings).items():
        if not _exists(url):
            continue
        path = backup_database(url, name, _revision(url, name), policy, now=now)
        if path is not None:
            made.append(path)
    return made


def app_running(settings: Settings) -> bool:
    """True when something accepts connections on the app's port."""
    host = "127.0.0.1" if settings.app_host in {"0.0.0.0", "::", ""} else settings.app_host  # noqa: S104
    try:
        with socket.create_connection((host, settings.app_port), timeout=1):
            return True
    except OSError:
        return False


def _check_sqlite_backup(source: Path, name: str) -> None:
    try:
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as connection:
            rows = connection.execute("select name from sqlite_master where type='table'")
            tables = {row[0] for row in rows}
    except sqlite3.DatabaseError as exc:
        raise RestoreRefused(f"{source} is not a SQLite database ({exc}).") from exc
    if MARKER_TABLES[name] not in tables:
        raise RestoreRefused(f"{source} does not hold the {name} database (no table {MARKER_TABLES[name]}).")


def restore(settings: Settings, source: Path, database: str | None = None) -> Restored:
    """Put the backup ``source`` back into the database its name (or ``database``) says."""
    if not source.is_file():
        raise RestoreRefused(f"{source} does not exist.")
    parsed = parse(source)
    name = database or (parsed.name if parsed else None)
    if name not in NAMES:
        raise RestoreRefused(
            f"Cannot tell which database {source.name} is: name it with --database app or "
            "--database knowledge."
        )
    if app_running(settings):
        raise RestoreRefused(
            f"The app is running (port {settings.app_port} answers): stop it (Ctrl-C in `make run`) "
            "and restore again."
        )
    url = database_urls(settings)[name]
    policy = BackupPolicy.from_settings(settings)
    target = sqlite_path(url)
    if target is not None:
        _check_sqlite_backup(source, name)
        replaced = None
        if target.exists():
            replaced = backup_database(url, name, _revision(url, name), policy, note="-replaced")
        else:
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        copy_sqlite(source, target)
        return Restored(name, source, replaced)
    if not make_url(url).drivername.startswith("postgresql"):
        raise RestoreRefused(f"Restoring a {make_url(url).drivername} database is not supported here.")
    pg_restore = shutil.which("pg_restore")
    if pg_restore is None:
        raise RestoreRefused("pg_restore was not found: install the PostgreSQL client and restore again.")
    try:
        replaced = backup_database(url, name, _revision(url, name), policy, note="-replaced")
    except BackupRefused as exc:
        raise RestoreRefused(str(exc)) from exc
    address, env = pg_env(url)
    subprocess.run(
        [pg_restore, "--clean", "--if-exists", "--no-owner", f"--dbname={address}", str(source)],
        env=env,
        check=True,
        capture_output=True,
    )
    return Restored(name, source, replaced)
