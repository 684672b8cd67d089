"""What the inbox tests of both platforms send and read back: a message with personal data, its
masked form, and the inbox rows as stored (tests/app/test_telegram.py, tests/app/test_zalo.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

PERSONAL = "CCCD 079088001234, số 0912345678, email lan.nguyen@gmail.com"
MASKED = "CCCD ***34, số ***78, email ***@***"


def inbox_rows(var: Path) -> list[tuple[str | None, str | None, str | None]]:
    """The inbox as stored: payload, masked kinds and when done, in arrival order."""
    with sqlite3.connect(var / "app.db") as db:
        return db.execute("SELECT payload, masked_kinds, done_at FROM inbox ORDER BY id").fetchall()
