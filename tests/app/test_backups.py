"""Backups on real files: before every schema upgrade of the app and knowledge databases,
`python -m app backup`, `python -m app restore`, keeping the newest BACKUP_KEEP, and the refusal
to upgrade a database that cannot be backed up."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool

from app.backups import RestoreRefused, backup_all, restore
from app.database import Database
from app.settings import Settings
from knowledge.backups import BackupPolicy, BackupRefused, backup_database, backups, parse
from knowledge.database import migrate
from knowledge.entries import Entry
from knowledge.store import Store

ROOT = Path(__file__).resolve().parents[2]
APP_0_1 = ROOT / "tests" / "app" / "fixtures" / "app-db-0.1.0.sql"
KNOWLEDGE_0_1 = ROOT / "tests" / "knowledge" / "fixtures" / "knowledge-db-0.1.0.sql"
KEY = "k" * 40


def load(path: Path, dump: Path) -> None:
    connection = sqlite3.connect(path)
    connection.executescript(dump.read_text(encoding="utf-8"))
    connection.close()


def count(path: Path, table: str) -> int:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(f"select count(*) from {table}").fetchone()[0]  # noqa: S608
    finally:
        connection.close()


def settings_for(tmp_path: Path, **extra) -> Settings:
    return Settings(var_dir=tmp_path, app_db_url="", knowledge_db_url="", app_port=free_port(), **extra)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def note(name: str) -> Entry:
    return Entry(
        id=f"dang-ky-khai-sinh/{name}", slug="dang-ky-khai-sinh", kind="faq", question="Câu hỏi?",
        phrasings=("một", "hai", "ba"), answer="Trả lời.", source="https://dichvucong.gov.vn",
    )  # fmt: skip


def test_the_app_database_is_backed_up_before_an_upgrade_only(tmp_path):
    path = tmp_path / "app.db"
    load(path, APP_0_1)

    database = Database(f"sqlite:///{path}", KEY)

    backup = database.backup
    assert backup is not None and backup.parent == tmp_path / "backups"
    assert (parse(backup).name, parse(backup).revision) == ("app", "base")
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert stat.S_IMODE(backup.parent.stat().st_mode) == 0o700
    assert count(backup, "failed_sends") == 2, "the copy is the database before the upgrade"
    database.close()
    assert Database(f"sqlite:///{path}", KEY).backup is None, "same revision: no backup"
    assert Database(f"sqlite:///{tmp_path / 'new.db'}", KEY).backup is None, (
        "a new database has nothing to lose"
    )
    assert len(backups(tmp_path / "backups")) == 1


def test_backup_command_copies_both_databases_as_they_are(tmp_path):
    Database(f"sqlite:///{tmp_path / 'app.db'}", KEY).close()
    store = Store(f"sqlite:///{tmp_path / 'knowledge.db'}")
    store.put(note("sao-luu"))
    store.close()
    env = {k: v for k, v in os.environ.items() if k not in {"APP_DB_URL", "KNOWLEDGE_DB_URL", "BACKUP_KEEP"}}
    env.update(VAR_DIR=str(tmp_path), PYTHONPATH=str(ROOT))

    result = subprocess.run(
        [sys.executable, "-m", "app", "backup"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    files = [Path(line) for line in result.stdout.splitlines()]
    assert [parse(path).name for path in files] == ["app", "knowledge"]
    assert parse(files[1]).revision == "0002" and parse(files[0]).revision != "base"
    assert all(
        path.parent == tmp_path / "backups" and stat.S_IMODE(path.stat().st_mode) == 0o600 for path in files
    )
    assert count(files[1], "entries") == 1 and count(files[1], "entry_versions") == 1


def test_only_the_newest_backups_are_kept(tmp_path):
    settings = settings_for(tmp_path, backup_keep=2)
    Database(settings.app_db, KEY).close()
    Store(settings.knowledge_url).close()
    for hour in (1, 2, 3):
        backup_all(settings, now=datetime(2026, 12, 5, hour, tzinfo=UTC))
    kept = backups(tmp_path / "backups")
    app_revision = backups(tmp_path / "backups", "app")[0].revision
    assert sorted(item.path.name for item in kept) == [
        f"{name}-20261205T0{hour}0000Z-{revision}.db"
        for name, revision in (("app", app_revision), ("knowledge", "0002"))
        for hour in (2, 3)
    ]


def test_restore_puts_a_backup_back_and_keeps_what_it_replaced(tmp_path):
    settings = settings_for(tmp_path)
    store = Store(settings.knowledge_url)
    store.put(note("truoc"))
    store.close()
    [knowledge_backup] = backup_all(settings)  # the app database does not exist yet
    store = Store(settings.knowledge_url)
    store.put(note("sau"))
    store.close()

    done = restore(settings, knowledge_backup)

    assert done.database == "knowledge" and done.replaced is not None
    store = Store(settings.knowledge_url)
    assert store.get("dang-ky-khai-sinh/truoc") is not None and store.get("dang-ky-khai-sinh/sau") is None
    store.close()
    assert parse(done.replaced).revision == "0002-replaced"
    assert count(done.replaced, "entries") == 2, "what the restore replaced is kept"

    renamed = tmp_path / "copy-of-knowledge.db"
    renamed.write_bytes(knowledge_backup.read_bytes())
    with pytest.raises(RestoreRefused, match="--database"):
        restore(settings, renamed)
    assert restore(settings, renamed, "knowledge").database == "knowledge"
    with pytest.raises(RestoreRefused, match="does not hold the app database"):
        restore(settings, renamed, "app")


def test_restore_refuses_while_the_app_is_running(tmp_path):
    settings = settings_for(tmp_path)
    Store(settings.knowledge_url).close()
    [backup] = backup_all(settings)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", settings.app_port))
        listener.listen()
        with pytest.raises(RestoreRefused, match="The app is running"):
            restore(settings, backup)
        env = {
            **os.environ,
            "VAR_DIR": str(tmp_path),
            "APP_PORT": str(settings.app_port),
            "PYTHONPATH": str(ROOT),
        }
        env.pop("KNOWLEDGE_DB_URL", None)
        result = subprocess.run(
            [sys.executable, "-m", "app", "restore", str(backup)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    assert result.returncode == 1 and "Cannot restore: The app is running" in result.stderr


def test_a_database_without_a_backup_method_is_not_upgraded_unless_the_operator_says_so(tmp_path):
    def old_in_memory():
        engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
        with engine.begin() as connection:
            connection.connection.executescript(KNOWLEDGE_0_1.read_text(encoding="utf-8"))
        return engine

    engine = old_in_memory()
    with pytest.raises(BackupRefused, match="UPGRADE_WITHOUT_BACKUP=true"):
        migrate(engine, backups=BackupPolicy(folder=tmp_path))
    with engine.connect() as connection:
        tables = {
            row[0] for row in connection.exec_driver_sql("select name from sqlite_master where type='table'")
        }
    assert "entry_versions" not in tables, "refused: nothing was upgraded"

    assert migrate(old_in_memory(), backups=BackupPolicy(folder=tmp_path, allow_without=True)) is None


def test_postgresql_without_pg_dump_is_refused_with_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump here
    with pytest.raises(BackupRefused) as refused:
        backup_database(
            "postgresql://dvc:secret@127.0.0.1:5432/dvc", "app", "0004", BackupPolicy(folder=tmp_path)
        )
    assert "pg_dump was not found" in str(refused.value) and "UPGRADE_WITHOUT_BACKUP=true" in str(
        refused.value
    )
    assert "secret" not in str(refused.value)


@pytest.fixture
def postgres(tmp_path):
    """A throw-away PostgreSQL server (Debian's binaries) on a free loopback port, with a password."""
    binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not binaries or shutil.which("pg_dump") is None:
        pytest.skip("the PostgreSQL server binaries are not installed")
    bin_dir = binaries[-1].parent
    folder = Path(tempfile.mkdtemp(prefix="dvc-pg-"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(folder, "postgres", "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    (folder / "pw").write_text("mat-khau-thu\n")
    os.chmod(folder / "pw", 0o644)
    port = free_port()

    def pg(*command: str) -> None:
        subprocess.run([*as_postgres, *command], check=True, capture_output=True, timeout=120)

    pg(str(bin_dir / "initdb"), "-D", str(folder / "data"), "-U", "dvc", f"--pwfile={folder / 'pw'}",
       "--auth-local=trust", "--auth-host=scram-sha-256")  # fmt: skip
    pg(str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), "-w", "-l", str(folder / "log"), "-o",
       f"-p {port} -k {folder} -c listen_addresses=127.0.0.1", "start")  # fmt: skip
    try:
        env = {**os.environ, "PGPASSWORD": "mat-khau-thu"}
        psql = [
            str(bin_dir / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "dvc",
            "-v",
            "ON_ERROR_STOP=1",
        ]
        subprocess.run(
            [*psql, "-d", "postgres", "-c", "create database kb"], env=env, check=True, capture_output=True
        )
        sql = (
            "create table entries (id text primary key, answer text); insert into entries values ('a/b', 'x')"
        )
        subprocess.run([*psql, "-d", "kb", "-c", sql], env=env, check=True, capture_output=True)
        yield f"postgresql+psycopg://dvc:mat-khau-thu@127.0.0.1:{port}/kb", bin_dir
    finally:
        pg(str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), "-m", "fast", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def test_postgresql_is_backed_up_with_pg_dump(postgres, tmp_path):
    url, bin_dir = postgres
    path = backup_database(url, "knowledge", "0002", BackupPolicy(folder=tmp_path / "backups"))
    assert path is not None and path.name.endswith("-0002.dump") and path.parent == tmp_path / "backups"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    listing = subprocess.run(
        [str(bin_dir / "pg_restore"), "--list", str(path)], capture_output=True, text=True
    )
    assert "TABLE public entries" in listing.stdout and "TABLE DATA public entries" in listing.stdout
