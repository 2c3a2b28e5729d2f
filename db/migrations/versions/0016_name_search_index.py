"""Substring search on names that PostgreSQL can index: the pg_trgm extension and a GIN
trigram index on each name column the queue's search matches (`borrower_name`,
`co_borrower_name`; see db/search.py). The search's `ILIKE '%…%'` then reads the matching
rows from the indexes instead of scanning every case. pg_trgm is a trusted extension (PG 13
and later): the store's owner may create it when it may create objects in the database.
SQLite: nothing (migration 0004's FTS5 indexes answer the same search there).

The downgrade drops the indexes and leaves the extension, which other things in the
database may use.

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

from alembic import op

from db.search import create_trigram_indexes, drop_trigram_indexes

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    create_trigram_indexes(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    drop_trigram_indexes(bind)
