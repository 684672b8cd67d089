"""Alembic environment of the app database (APP_DB_URL), run by app.database.migrate.

The caller hands over an open connection in ``config.attributes["connection"]``; there is no
alembic.ini: ``python -m app`` and the app itself upgrade the schema at start-up.
"""

from __future__ import annotations

from alembic import context

from app.database import Base, import_models

import_models()
connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
