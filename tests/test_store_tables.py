"""The Core tables the read paths use are the tables the models declare."""

import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import db.models  # declares the tables on SQLModel.metadata
from db import tables
from db.engine import session_scope
from lossmit_tui.services.audit import record


def _shape(table: sa.Table) -> dict[str, tuple[str, str, bool, bool]]:
    return {c.name: (c.type.compile(dialect=sqlite.dialect()),
                     c.type.compile(dialect=postgresql.dialect()), c.nullable, c.primary_key)
            for c in table.columns}


@pytest.mark.parametrize("name", sorted(SQLModel.metadata.tables))
def test_every_table_and_column_matches_the_models(name: str) -> None:
    assert name in tables.metadata.tables, f"db.tables has no table {name!r}"
    assert _shape(tables.metadata.tables[name]) == _shape(SQLModel.metadata.tables[name])


def test_no_table_exists_only_in_the_core_copy() -> None:
    assert set(tables.metadata.tables) == set(SQLModel.metadata.tables)


def test_timestamps_read_back_aware_in_utc_as_through_the_models(engine: Engine) -> None:
    moment = datetime(2026, 11, 29, 9, 30, tzinfo=timezone(timedelta(hours=-5)))
    with session_scope(engine, write=True) as session:
        row = record(session, None, "case", 1, "note", actor_name="tester")
        row.at = moment
    with engine.connect() as conn:
        core = conn.execute(sa.select(tables.audit_events.c.at)).scalar_one()
        orm = conn.execute(sa.select(db.models.AuditEvent.__table__.c.at)).scalar_one()
    assert core == orm == datetime(2026, 11, 29, 14, 30, tzinfo=UTC)
    assert core.tzinfo is not None


def test_the_read_paths_do_not_import_the_orm() -> None:
    """What `lossmit tasks` and the queue's first page import leaves SQLModel out."""
    code = ("import sys, lossmit_tui.cli, db.queries, db.engine, lossmit_tui.queue_rows; "
            "print(sorted(m for m in ('sqlmodel', 'sqlalchemy.orm', 'db.models') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_the_app_paints_its_queue_without_the_orm_or_the_other_screens() -> None:
    """The app imports the other screens (and the write services, which bring the ORM) when
    they are first opened, so the first paint of the queue waits for none of them."""
    code = ("import sys, lossmit_tui.app; "
            "print(sorted(m for m in ('sqlmodel', 'db.models', 'screens.case', "
            "'screens.call_editor', 'screens.tracker', 'screens.board') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
