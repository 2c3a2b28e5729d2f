"""Bulk inserts that need the new rows' ids back, and bulk upserts, in a few statements
whatever the size."""

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def insert_with_ids(conn: Connection, table: sa.Table,
                    rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert `rows` into `table` and return their new ids, in the rows' order.

    PostgreSQL returns them from `INSERT … RETURNING`, in batches. SQLite cannot promise the
    order of the rows a multi-row `RETURNING` gives back, so SQLAlchemy would send one
    statement per row (a 100,000-row import spent most of its time there); instead the ids
    are given out up front, after the table's highest. That is safe only in a transaction
    that holds SQLite's write lock: every write transaction of the app does (`BEGIN
    IMMEDIATE`), and in any other a concurrent writer makes the insert fail rather than
    collide."""
    if not rows:
        return []
    if conn.dialect.name != "sqlite":
        return list(conn.execute(
            table.insert().returning(table.c.id, sort_by_parameter_order=True),
            list(rows)).scalars())
    highest = conn.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))).scalar_one()
    ids = list(range(highest + 1, highest + 1 + len(rows)))
    conn.execute(table.insert(), [{**row, "id": new_id} for row, new_id in zip(rows, ids,
                                                                             strict=True)])
    return ids


def upsert(conn: Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]],
           key: str) -> None:
    """Insert `rows` into `table`, a row whose `key` is already there replacing that row's
    other given columns (one statement: `INSERT … ON CONFLICT DO UPDATE`, which SQLite and
    PostgreSQL both have; a delete then insert would collide with a concurrent writer's
    insert on PostgreSQL)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]  # the same upsert as PostgreSQL's
    stmt = insert(table)
    conn.execute(stmt.on_conflict_do_update(index_elements=[table.c[key]], set_={
        name: stmt.excluded[name] for name in rows[0] if name != key}), list(rows))
