from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from db import migrate
from db.engine import make_engine, session_scope
from db.queries import QueueFilter, queue_window
from db.search import include_object


def test_head_constant_matches_the_migration_scripts() -> None:
    assert migrate.known_revisions()[-1] == migrate.HEAD


@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_empty_database_migrates_to_a_schema_matching_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    assert migrate.current_revision(engine) is None
    assert migrate.ensure_current(engine) is None  # nothing to back up
    assert migrate.current_revision(engine) == migrate.HEAD
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        assert compare_metadata(context, SQLModel.metadata) == []
    assert migrate.ensure_current(engine) is None  # idempotent


@pytest.mark.parametrize("previous", migrate.known_revisions()[:-1])
def test_upgrade_from_every_earlier_revision_keeps_data(db_url: str, previous: str) -> None:
    engine = make_engine(db_url)
    migrate.upgrade(engine, previous)
    now = "2026-01-01 00:00:00"
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO cases (id, loan_number, borrower_name, property_state, occupancy, "
            "investor, upb_cents, next_due_date, stage, fdcpa_covered, cease_communication, "
            "attorney_represented, version, created_at, updated_at) VALUES (1, 'L1', 'Ann Lee', "
            "'TX', 'owner', 'FNMA', 100, :due, 'new', false, false, false, 1, :now, :now)"
        ), {"due": date(2026, 1, 1), "now": now})
        conn.execute(sa.text(
            "INSERT INTO tasks (case_id, kind, title, due_on, status, source, created_at) "
            "VALUES (1, 'regulatory_deadline', 'Decide', :d, 'open', '1024.41(c)(1)', :now), "
            "(1, 'regulatory_deadline', 'Later', :later, 'open', '1024.41(c)(1)', :now)"
        ), {"d": date(2026, 2, 1), "later": date(2026, 3, 1), "now": now})
        conn.execute(sa.text(
            "INSERT INTO documents (case_id, doc_type, status, created_at) VALUES "
            "(1, 'pay_stubs', 'requested', :now), (1, 'form_710', 'received', :now)"
        ), {"now": now})
    migrate.ensure_current(engine)
    assert migrate.current_revision(engine) == migrate.HEAD
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT borrower_name, reg_due_on, missing_docs, urgency "
                                   "FROM cases")).one()
        indexes = {ix["name"] for ix in sa.inspect(conn).get_indexes("cases")}
    assert row.borrower_name == "Ann Lee" and row.urgency == 0
    if previous < "0003":  # 0003 fills these from the rows already there
        assert str(row.reg_due_on) == "2026-02-01" and row.missing_docs == 1
    assert {"ix_cases_open_sale", "ix_cases_phone"} <= indexes
    with session_scope(engine) as session:  # names already stored are searchable
        assert [r.loan_number for r in queue_window(session, QueueFilter(search="n le"),
                                                    0, 5)] == ["L1"]


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
