"""Change notifications on PostgreSQL: the channel the store raises on every audited write
(migration 0012) and a dedicated connection to listen on it."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import Engine

CHANNEL = "lossmit_changes"


@contextmanager
def listen_connection(engine: Engine) -> Iterator[Any]:
    """A psycopg connection of its own in autocommit (notifications arrive only outside a
    transaction), closed when the block ends."""
    import psycopg

    url = engine.url.set(drivername="postgresql")
    conn = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
    try:
        yield conn
    finally:
        conn.close()
