"""The name-search indexes as the code uses them: SQLite's FTS5 tables (migration 0004) and
PostgreSQL's GIN trigram indexes (pg_trgm, migration 0016)."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection

TRIGRAMS = "cases_name_trigrams"  # substrings of 3+ characters
WORDS = "cases_name_words"  # word prefixes (2-character prefix table)
INDEXES = (TRIGRAMS, WORDS)

# PostgreSQL: one GIN trigram index per name column the search matches with ILIKE.
NAME_COLUMNS = ("borrower_name", "co_borrower_name")
PG_TRIGRAM_INDEXES = {f"ix_cases_{column}_trgm": column for column in NAME_COLUMNS}


def has_search_index(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


def create_trigram_indexes(conn: Connection) -> None:
    """PostgreSQL: the names' trigram indexes (the pg_trgm extension must exist)."""
    for name, column in PG_TRIGRAM_INDEXES.items():
        conn.exec_driver_sql(
            f"CREATE INDEX IF NOT EXISTS {name} ON cases USING gin ({column} gin_trgm_ops)")


def drop_trigram_indexes(conn: Connection) -> None:
    for name in PG_TRIGRAM_INDEXES:
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")


@contextmanager
def paused(conn: Connection) -> Iterator[None]:
    """Inside the caller's transaction: insert without indexing names, then rebuild the
    indexes once (far faster for a bulk load than a trigger, or an index entry, per row).
    For loading a new store (the seed): the whole index is built again at the end."""
    if conn.dialect.name == "postgresql":
        drop_trigram_indexes(conn)
        yield
        create_trigram_indexes(conn)
        return
    if not has_search_index(conn):
        yield
        return
    conn.exec_driver_sql("INSERT INTO search_index_paused (id) VALUES (1)")
    yield
    conn.exec_driver_sql("DELETE FROM search_index_paused")
    for name in INDEXES:
        conn.exec_driver_sql(f"INSERT INTO {name}({name}) VALUES ('rebuild')")


def fts_phrase(text: str, prefix: bool = False) -> str:
    """Text as one FTS5 phrase (quotes doubled), optionally a prefix query."""
    return '"' + text.replace('"', '""') + '"' + ("*" if prefix else "")


def is_search_table(name: str) -> bool:
    """Tables that belong to the search indexes (FTS5 shadow tables and the pause flag),
    which the models do not declare and autogenerate must leave alone."""
    return name == "search_index_paused" or any(name == n or name.startswith(f"{n}_")
                                                for n in INDEXES)


def include_object(obj: object, name: str | None, type_: str, reflected: bool,
                   compare_to: object) -> bool:
    """Alembic's include_object hook: skip the search tables and PostgreSQL's trigram
    indexes (made by migration 0016, not declared by the models: SQLite has none)."""
    if name is None:
        return True
    if type_ == "index":
        return name not in PG_TRIGRAM_INDEXES
    return not (type_ == "table" and is_search_table(name))
