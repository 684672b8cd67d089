"""Alembic environment of the knowledge database (KNOWLEDGE_DB_URL), run by knowledge.database.migrate.

The caller hands over an open connection in ``config.attributes["connection"]``; there is no
alembic.ini: opening the store upgrades the schema.
"""

from __future__ import annotations

from alembic import context

from knowledge.database import VERSION_TABLE
from knowledge.tables import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    version_table=VERSION_TABLE,
)
with context.begin_transaction():
    context.run_migrations()
