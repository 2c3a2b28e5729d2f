"""The name-search indexes (SQLite FTS5, made by migration 0004) as the code uses them."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection

TRIGRAMS = "cases_name_trigrams"  # substrings of 3+ characters
WORDS = "cases_name_words"  # word prefixes (2-character prefix table)
INDEXES = (TRIGRAMS, WORDS)


def has_search_index(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


@contextmanager
def paused(conn: Connection) -> Iterator[None]:
    """Inside the caller's transaction: insert without indexing names, then rebuild the
    indexes once (far faster for a bulk load than a trigger per row)."""
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
    """Alembic's include_object hook: skip the search tables."""
    return not (type_ == "table" and name is not None and is_search_table(name))
