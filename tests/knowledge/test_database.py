"""The knowledge database's schema belongs to Alembic: a new database, and a file made by the
previous release (tests/knowledge/fixtures/knowledge-db-0.1.0.sql, written by its Store code
with staff edits, a staff-created entry and a deletion) upgraded in place with nothing lost."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from knowledge.backups import BackupPolicy, parse
from knowledge.database import VERSION_TABLE
from knowledge.seed import load_seed
from knowledge.store import Store
from knowledge.tables import Base

RELEASE_0_1 = Path(__file__).parent / "fixtures" / "knowledge-db-0.1.0.sql"
COLUMNS = (
    "id, slug, kind, question, phrasings, answer, source, valid_from, valid_until, origin, version, deleted"
)


def schema_differences(store: Store) -> list:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return compare_metadata(context, Base.metadata)


def old_database(path: Path) -> dict[str, tuple]:
    connection = sqlite3.connect(path)
    connection.executescript(RELEASE_0_1.read_text(encoding="utf-8"))
    rows = {row[0]: row for row in connection.execute(f"select {COLUMNS} from entries")}  # noqa: S608
    connection.close()
    return rows


def test_a_new_database_gets_the_newest_schema_matching_the_models(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'knowledge.db'}")
    assert schema_differences(store) == []
    with store.engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
    assert {"entries", "topics", "entry_versions", "topic_versions", VERSION_TABLE} <= tables
    assert store.backup is None and not (tmp_path / "backups").exists(), (
        "nothing to back up in a new database"
    )
    store.close()
    again = Store(f"sqlite:///{tmp_path / 'knowledge.db'}")
    assert again.backup is None, "opening again is a no-op"
    again.close()


def test_the_previous_release_database_is_upgraded_in_place_after_a_backup(tmp_path):
    path = tmp_path / "knowledge.db"
    before = old_database(path)

    store = Store(f"sqlite:///{path}", backups=BackupPolicy(keep=10))

    # Nothing lost: every row, tombstones included, with the same fields and version.
    with sqlite3.connect(path) as connection:
        after = {row[0]: row for row in connection.execute(f"select {COLUMNS} from entries")}  # noqa: S608
    assert after == before
    assert store.get("cap-ho-chieu-pho-thong/giay-to") is None, "the staff deletion stays deleted"
    assert store.get("cap-ho-chieu-pho-thong/giay-to", include_deleted=True).deleted
    edited = store.get("dang-ky-khai-sinh/le-phi")
    assert (edited.origin, edited.answer) == (
        "staff",
        "Cán bộ đã sửa: đăng ký khai sinh đúng hạn được miễn lệ phí.",
    )
    assert store.get("dang-ky-khai-sinh/ban-sao").origin == "staff"
    assert store.topic("dang-ky-khai-sinh").name == "Đăng ký khai sinh"
    # Each entry's history starts where the release left it.
    assert [(v.version, v.action) for v in store.history("dang-ky-khai-sinh/le-phi")] == [(2, "updated")]
    assert [v.action for v in store.history("cap-ho-chieu-pho-thong/giay-to")] == ["deleted"]
    assert store.topic_history("dang-ky-khai-sinh")[0].action == "seed"
    assert schema_differences(store) == []

    # The backup: the file as it was, 0600, named after the database, the time and the revision.
    backup = store.backup
    assert backup is not None and backup.parent == tmp_path / "backups"
    found = parse(backup)
    assert (found.name, found.revision) == ("knowledge", "base")
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    with sqlite3.connect(backup) as copy:
        assert {row[0] for row in copy.execute("select name from sqlite_master where type='table'")} == {
            "entries",
            "topics",
        }
        assert copy.execute("select count(*) from entries").fetchone()[0] == len(before)
    store.close()

    reopened = Store(f"sqlite:///{path}")
    assert reopened.backup is None, "no upgrade, no backup"
    # The seed import after the upgrade keeps the people's work.
    report = reopened.import_seed(load_seed())
    assert {"dang-ky-khai-sinh/le-phi", "cap-ho-chieu-pho-thong/giay-to"} <= set(report.kept_staff_edits)
    assert reopened.get("cap-ho-chieu-pho-thong/giay-to") is None
    assert reopened.get("dang-ky-khai-sinh/le-phi").answer.startswith("Cán bộ đã sửa")
    assert reopened.get("dang-ky-khai-sinh/ban-sao") is not None
    assert "lam passport" in reopened.get("cap-ho-chieu-pho-thong").phrasings
    reopened.close()
