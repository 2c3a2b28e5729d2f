"""The audit trail's protections: UPDATE, DELETE and (PostgreSQL) TRUNCATE are refused by the
database itself, and when someone with the owner's rights drops a protecting trigger, every
command and the app say so."""

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from db.protections import missing_protections
from db.tables import audit_events
from lossmit_tui.cli import app as cli

from .conftest import TODAY


def count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(audit_events)).scalar_one()


def test_truncate_is_refused_on_postgresql(team: Engine) -> None:
    if team.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; its DELETE trigger covers DELETE FROM")
    before = count(team)
    assert before > 0
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), team.begin() as conn:
        conn.exec_driver_sql("TRUNCATE audit_events")
    assert count(team) == before


def test_a_store_with_its_protections_reports_none_missing(team: Engine) -> None:
    assert missing_protections(team) == []


def test_a_dropped_trigger_is_reported_by_every_command(team: Engine, db_url: str) -> None:
    name = ("audit_events_no_delete" if team.dialect.name == "sqlite"
            else "audit_events_append_only")
    with team.begin() as conn:
        conn.exec_driver_sql(f"DROP TRIGGER {name}" if team.dialect.name == "sqlite"
                             else f"DROP TRIGGER {name} ON audit_events")
    assert missing_protections(team) == [name]
    result = CliRunner().invoke(cli, ["--db", db_url, "--user", "lee", "--today",
                                      TODAY.isoformat(), "users", "list"])
    assert result.exit_code == 0
    assert f"WARNING: the audit trail is not protected: {name} is missing" in result.stderr
