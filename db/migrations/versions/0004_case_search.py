"""Search borrower names by substring and by word prefix, fast at a million cases (SQLite).

Two FTS5 indexes over the borrower and co-borrower names, kept in step with the cases table
by triggers: a trigram index answers substrings of 3+ characters, a word index with prefix
tables answers 2-character word starts. A bulk load (the seed) pauses the triggers by putting
a row in search_index_paused inside its own transaction, then rebuilds both indexes once.
PostgreSQL searches the names with ILIKE instead (no extension is required of a team's
database).

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "cases_name_trigrams": "tokenize='trigram'",
    "cases_name_words": "prefix='2'",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("CREATE TABLE search_index_paused (id INTEGER PRIMARY KEY)")
    for name, options in INDEXES.items():
        op.execute(f"CREATE VIRTUAL TABLE {name} USING fts5(borrower_name, co_borrower_name, "
                   f"content='cases', content_rowid='id', {options})")
        op.execute(f"INSERT INTO {name}({name}) VALUES ('rebuild')")
    inserts = "".join(
        f"INSERT INTO {n}(rowid, borrower_name, co_borrower_name) "
        f"VALUES (new.id, new.borrower_name, new.co_borrower_name); " for n in INDEXES)
    deletes = "".join(
        f"INSERT INTO {n}({n}, rowid, borrower_name, co_borrower_name) "
        f"VALUES ('delete', old.id, old.borrower_name, old.co_borrower_name); "
        for n in INDEXES)
    live = "WHEN NOT EXISTS (SELECT 1 FROM search_index_paused)"
    op.execute(f"CREATE TRIGGER cases_search_insert AFTER INSERT ON cases {live} "
               f"BEGIN {inserts}END")
    op.execute(f"CREATE TRIGGER cases_search_delete AFTER DELETE ON cases {live} "
               f"BEGIN {deletes}END")
    op.execute("CREATE TRIGGER cases_search_update AFTER UPDATE OF borrower_name, "
               f"co_borrower_name ON cases {live} BEGIN {deletes}{inserts}END")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("cases_search_update", "cases_search_delete", "cases_search_insert"):
        op.execute(f"DROP TRIGGER {trigger}")
    for name in INDEXES:
        op.execute(f"DROP TABLE {name}")
    op.execute("DROP TABLE search_index_paused")
