"""The app database's schema belongs to Alembic: new databases, and the previous release's files
upgraded in place (personal data in them hashed or masked on the way)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.database import Base, Database, alembic_config, import_models, make_engine, migrate
from app.inbox import Inbox, Kept
from app.outbox import Outbox
from app.privacy import sender_key
from app.ratings import RatingStore
from app.zalo_client import ZaloStore

RELEASE_0_1 = Path(__file__).parent / "fixtures" / "app-db-0.1.0.sql"  # written by the 0.1.0 code
KEY = "k" * 40


def test_a_new_database_gets_the_newest_schema_and_it_matches_the_models(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'app.db'}", KEY)
    import_models()
    with database.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        tables = set(inspect(connection).get_table_names())
    assert {"ratings", "outbox", "contacts", "web_sessions", "zalo_events", "zalo_tokens"} <= tables
    assert "failed_sends" not in tables
    database.close()
    Database(f"sqlite:///{tmp_path / 'app.db'}", KEY).close()  # opening again is a no-op


def test_the_previous_release_database_is_upgraded_in_place(tmp_path):
    path = tmp_path / "app.db"
    old = sqlite3.connect(path)
    old.executescript(RELEASE_0_1.read_text(encoding="utf-8"))
    old.close()

    database = Database(f"sqlite:///{path}", KEY)
    ratings = RatingStore(database).all()
    assert [(r.score, r.channel, r.procedure, r.human_help) for r in ratings] == [
        (4, "tg", "dang-ky-khai-sinh", False),
        (2, "web", None, True),
    ]
    assert ratings[0].sender_key == sender_key(KEY, "tg:123456789")
    assert ratings[0].comment == "tốt, sđt tôi ***78"
    outbox = Outbox(database).items()
    assert [(o.channel, o.recipient, o.text) for o in outbox] == [
        ("zalo", "8877665544", "Xin chào"),
        ("zalo", "8877665544", "cccd ***34 của anh"),
    ]
    assert outbox[0].sender_key == sender_key(KEY, "zalo:8877665544")
    assert ZaloStore(database).load_pair().refresh_token == "ref-1", "the Zalo token pair survives"
    with database.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    database.close()
    dump = "\n".join(sqlite3.connect(path).iterdump())
    for personal in ("tg:123456789", "0f8e2c4a-1b2c", "0912345678", "079088001234"):
        assert personal not in dump


def test_0010_masks_the_inbox_updates_still_pending_and_goes_back(tmp_path):
    """An update kept unmasked by the release before (0009) is masked in place, with its kinds;
    the downgrade drops the column (the kinds) and keeps the payload masked."""
    path = tmp_path / "app.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine, KEY, revision="0009")
    update = {
        "update_id": 4242,
        "message": {"chat": {"id": 7912345678}, "date": 1765432109, "text": "cccd 079088001234, a@b.vn"},
    }
    with sqlite3.connect(path) as old:
        old.executemany(
            "INSERT INTO inbox (key, channel, sender_key, payload, received_at, done_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                ("pending", "tg", "s" * 32, json.dumps(update), "2026-12-15 10:00:00", None),
                ("done", "tg", None, None, "2026-12-15 09:00:00", "2026-12-15 09:00:05"),
            ],
        )
    old.close()

    migrate(engine)
    engine.dispose()
    database = Database(f"sqlite:///{path}", KEY)
    [kept] = Inbox(database).pending("tg")
    assert kept.masked == {"id", "email"}
    replayed = json.loads(kept.payload)
    assert replayed["message"] == {
        "chat": {"id": 7912345678},
        "date": 1765432109,
        "text": "cccd ***34, ***@***",
    }
    assert replayed["update_id"] == 4242
    with database.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    database.close()
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT key, masked_kinds, payload FROM inbox ORDER BY id").fetchall()
    assert [row[:2] for row in rows] == [("pending", "email,id"), ("done", None)]
    assert "079088001234" not in rows[0][2] and "a@b.vn" not in rows[0][2]

    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection, KEY), "0009")
    with engine.connect() as connection:
        columns = {column["name"] for column in inspect(connection).get_columns("inbox")}
    assert "masked_kinds" not in columns and {"payload", "sender_key"} <= columns
    with sqlite3.connect(path) as db:
        [(payload,)] = db.execute("SELECT payload FROM inbox WHERE key = 'pending'").fetchall()
    assert json.loads(payload) == replayed, "still masked"
    migrate(engine)  # and up again: what the downgrade dropped is gone (only the notice's kinds)
    engine.dispose()
    database = Database(f"sqlite:///{path}", KEY)
    assert Inbox(database).pending("tg") == [Kept(json.dumps(replayed), frozenset())]
    database.close()
