"""Backups of the app and knowledge databases: before every schema upgrade, and on demand.

Both databases use this module (``knowledge`` may not import ``app``; the app's migrations call
:func:`before_upgrade` too, and ``python -m app backup``/``restore`` build on it).

- **SQLite**: a consistent copy made with sqlite3's online backup API (safe while the app
  writes), in ``backups/`` beside the database file — ``var/backups`` for the default
  ``var/app.db`` and ``var/knowledge.db`` — named ``<name>-<UTC timestamp>-<revision>.db``, e.g.
  ``knowledge-20261205T101500Z-0001.db``, mode 0600 (the folder 0700). ``<revision>`` is the
  Alembic revision the copy holds; ``base`` means a file of the release before migrations.
- **PostgreSQL**: ``pg_dump --format=custom`` into ``VAR_DIR/backups/<name>-<ts>-<revision>.dump``
  (the password travels in ``PGPASSWORD``, never on the command line). Without ``pg_dump`` on
  ``PATH`` an upgrade is refused (:class:`BackupRefused`, the app does not start) until the
  operator has backed the database up another way and sets ``UPGRADE_WITHOUT_BACKUP=true``.
  Any other database is treated like PostgreSQL without ``pg_dump``.
- The newest ``BACKUP_KEEP`` (10) backups of each database are kept; older ones are deleted
  after each new backup.
- :func:`before_upgrade` backs a database up only when the upgrade changes its revision and the
  database already holds tables (a new, empty database has nothing to lose).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, make_url

logger = logging.getLogger(__name__)

NAMES = ("app", "knowledge")
STAMP = "%Y%m%dT%H%M%SZ"
FILE = re.compile(
    r"^(?P<name>[a-z]+)-(?P<stamp>\d{8}T\d{6}Z)-(?P<revision>[A-Za-z0-9_.-]+)\.(?P<ext>db|dump)$"
)
BASE = "base"  # the revision label of a database made before migrations existed


class BackupRefused(RuntimeError):
    """A backup cannot be made here (no pg_dump, or a database kind without a backup method)."""


@dataclass(frozen=True)
class BackupPolicy:
    keep: int = 10
    folder: Path = Path("var/backups")  # for databases that are not SQLite files
    allow_without: bool = False  # UPGRADE_WITHOUT_BACKUP: the operator has a backup of their own

    @classmethod
    def from_settings(cls, settings) -> BackupPolicy:  # type: ignore[no-untyped-def]
        return cls(
            keep=settings.backup_keep,
            folder=settings.backups_dir,
            allow_without=settings.upgrade_without_backup,
        )

    @classmethod
    def from_env(cls) -> BackupPolicy:
        from knowledge.settings import KnowledgeSettings

        return cls.from_settings(KnowledgeSettings())


@dataclass(frozen=True)
class BackupFile:
    path: Path
    name: str
    taken: datetime
    revision: str


def parse(path: Path) -> BackupFile | None:
    """What a backup's file name says (database, time, revision), or None if it is not one."""
    match = FILE.match(path.name)
    if match is None:
        return None
    taken = datetime.strptime(match["stamp"], STAMP).replace(tzinfo=UTC)
    return BackupFile(path, match["name"], taken, match["revision"])


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for another database or an in-memory one)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def folder_for(url: str, policy: BackupPolicy) -> Path:
    path = sqlite_path(url)
    return path.parent / "backups" if path is not None else policy.folder


def _target(folder: Path, name: str, revision: str, ext: str, now: datetime | None) -> Path:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    while True:  # two backups within one second get consecutive stamps
        path = folder / f"{name}-{moment.strftime(STAMP)}-{revision}.{ext}"
        if not path.exists():
            return path
        moment += timedelta(seconds=1)


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of ``source`` into ``target`` (sqlite3's online backup API)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def pg_env(url: str) -> tuple[str, dict[str, str]]:
    """A libpq address without the password, and the environment that carries it."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def backup_database(
    url: str, name: str, revision: str, policy: BackupPolicy, *, now: datetime | None = None, note: str = ""
) -> Path | None:
    """Back up the database at ``url`` now; the file's path (None: a SQLite file that does not exist).

    ``note`` is appended to the revision in the file name (``-replaced`` for what a restore
    overwrote). Raises :class:`BackupRefused` when there is no way to back this database up.
    """
    label = f"{revision}{note}"
    path = sqlite_path(url)
    if path is not None:
        if not path.exists():
            return None
        target = _target(folder_for(url, policy), name, label, "db", now)
        target.touch(mode=0o600)
        copy_sqlite(path, target)
        target.chmod(0o600)
    elif make_url(url).drivername.startswith("postgresql"):
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            raise BackupRefused(
                f"pg_dump was not found, so the {name} database cannot be backed up. Install the "
                "PostgreSQL client (e.g. apt-get install postgresql-client), or back the database up "
                "yourself and set UPGRADE_WITHOUT_BACKUP=true to go on."
            )
        target = _target(folder_for(url, policy), name, label, "dump", now)
        address, env = pg_env(url)
        subprocess.run(
            [pg_dump, "--format=custom", "--no-owner", f"--file={target}", f"--dbname={address}"],
            env=env,
            check=True,
            capture_output=True,
        )
        target.chmod(0o600)
    else:
        raise BackupRefused(
            f"The {name} database ({make_url(url).drivername}) has no backup method here. Back it up "
            "yourself and set UPGRADE_WITHOUT_BACKUP=true to go on."
        )
    prune(target.parent, name, policy.keep)
    logger.info("backed up the %s database to %s", name, target)
    return target


def backups(folder: Path, name: str | None = None) -> list[BackupFile]:
    """The backups in ``folder`` (of one database, or all), newest first."""
    if not folder.is_dir():
        return []
    found = [parse(path) for path in folder.iterdir()]
    chosen = [item for item in found if item is not None and (name is None or item.name == name)]
    return sorted(chosen, key=lambda item: (item.taken, item.path.name), reverse=True)


def prune(folder: Path, name: str, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups of ``name``; the deleted paths."""
    gone = [item.path for item in backups(folder, name)[keep:]]
    for path in gone:
        path.unlink(missing_ok=True)
    return gone


def current_revision(engine: Engine, version_table: str = "alembic_version") -> str | None:
    """The database's Alembic revision; None before migrations (or for an empty database)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": version_table})
        return context.get_current_revision()


def revision_label(engine: Engine, version_table: str = "alembic_version") -> str:
    return current_revision(engine, version_table) or BASE


def before_upgrade(
    engine: Engine,
    name: str,
    script_location: Path,
    target: str = "head",
    *,
    version_table: str = "alembic_version",
    policy: BackupPolicy | None = None,
) -> Path | None:
    """Back the database up if upgrading it to ``target`` changes its revision; the backup's path.

    A database without tables is new: nothing to back up. Raises :class:`BackupRefused` when
    a backup is needed, cannot be made and UPGRADE_WITHOUT_BACKUP is not set.
    """
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names()) - {version_table}
        if not tables:
            return None
        context = MigrationContext.configure(connection, opts={"version_table": version_table})
        current = context.get_current_revision()
    script = ScriptDirectory(str(script_location))
    revision = script.get_revision(target)
    wanted = revision.revision if revision is not None else None
    if current == wanted:
        return None
    policy = policy or BackupPolicy.from_env()
    url = engine.url.render_as_string(hide_password=False)
    try:
        return backup_database(url, name, current or BASE, policy)
    except BackupRefused:
        if not policy.allow_without:
            raise
        logger.warning("upgrading the %s database without a backup (UPGRADE_WITHOUT_BACKUP=true)", name)
        return None
