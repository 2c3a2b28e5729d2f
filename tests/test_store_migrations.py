from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from db import migrate
from db.engine import make_engine


def test_head_constant_matches_the_migration_scripts() -> None:
    assert migrate.known_revisions()[-1] == migrate.HEAD


def test_empty_database_migrates_to_a_schema_matching_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    assert migrate.current_revision(engine) is None
    assert migrate.ensure_current(engine) is None  # nothing to back up
    assert migrate.current_revision(engine) == migrate.HEAD
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), SQLModel.metadata) == []
    assert migrate.ensure_current(engine) is None  # idempotent


def test_upgrade_from_the_previous_revision_keeps_data(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate.upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO cases (loan_number, borrower_name, property_state, occupancy, "
            "investor, upb_cents, next_due_date, stage, fdcpa_covered, cease_communication, "
            "attorney_represented, version, created_at, updated_at) VALUES ('L1', 'Ann Lee', "
            "'TX', 'owner', 'FNMA', 100, :due, 'new', false, false, false, 1, :now, :now)"
        ), {"due": date(2026, 1, 1), "now": "2026-01-01 00:00:00"})
    migrate.ensure_current(engine)
    assert migrate.current_revision(engine) == migrate.HEAD
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT borrower_name FROM cases")).scalar() == "Ann Lee"
        indexes = {ix["name"] for ix in sa.inspect(conn).get_indexes("cases")}
    assert {"ix_cases_queue_all", "ix_cases_queue_assignee"} <= indexes


def test_sqlite_upgrade_backs_up_the_old_file_first(tmp_path: Path) -> None:
    engine = make_engine(str(tmp_path / "old.db"))
    migrate.upgrade(engine, "0001")
    backup = migrate.ensure_current(engine)
    assert backup is not None and backup.exists()
    assert backup.name.startswith("old.db.bak-")
    old = make_engine(str(backup))
    assert migrate.current_revision(old) == "0001"


def test_unknown_databases_are_refused(tmp_path: Path) -> None:
    foreign = make_engine(str(tmp_path / "foreign.db"))
    with foreign.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE things (id INTEGER)")
    with pytest.raises(migrate.SchemaError, match="no lossmit schema version"):
        migrate.ensure_current(foreign)

    newer = make_engine(str(tmp_path / "newer.db"))
    migrate.ensure_current(newer)
    with newer.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(migrate.SchemaError, match="upgrade lossmit"):
        migrate.ensure_current(newer)
