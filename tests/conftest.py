"""Shared fixtures: an isolated environment, and a migrated store on every backend.

Store tests run on SQLite always and on PostgreSQL when LOSSMIT_TEST_PG holds a URL of a
database the tests may wipe (CI starts one; see .ci/run)."""

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.engine import make_engine, normalise_url, session_scope
from db.migrate import ensure_current
from lossmit_tui.services.users import add_user

TODAY = date(2026, 11, 29)  # a Sunday; pinned so every date-dependent figure is stable

PG_URL = os.environ.get("LOSSMIT_TEST_PG")


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own config, database and user never leak into a test."""
    for name in ("LOSSMIT_DB", "LOSSMIT_USER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LOSSMIT_CONFIG", str(tmp_path / "absent-config.toml"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))


def wipe_postgres(url: str) -> None:
    """Drop everything in the test database's public schema."""
    engine = sa.create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database URL, once per backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must run the store tests on PostgreSQL: LOSSMIT_TEST_PG is not set")
        pytest.skip("LOSSMIT_TEST_PG is not set (CI sets it to a throwaway PostgreSQL)")
    wipe_postgres(PG_URL)
    return PG_URL


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A store at the current schema, empty."""
    eng = make_engine(db_url)
    ensure_current(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def team(engine: Engine) -> Engine:
    """The store with a lead (lee) and two specialists (sam, ana)."""
    with session_scope(engine, write=True) as session:
        add_user(session, "setup", "lee", "Lee Lead", "lead", "North")
        add_user(session, "setup", "sam", "Sam Specialist", "specialist", "North")
        add_user(session, "setup", "ana", "Ana Specialist", "specialist", "North")
    return engine


def _import_one(engine: Engine, tmp_path: Path, next_due: str) -> tuple[Engine, int]:
    from db.models import Case
    from lossmit_tui.services.importer import import_extract

    path = tmp_path / "one.csv"
    path.write_text("loan_number,borrower_name,investor,upb,next_due_date,property_state,"
                    f"assignee\nA1,Ann Lee,FNMA,1000,{next_due},TX,sam\n")
    assert import_extract(engine, path, "lee", TODAY).ok
    with engine.connect() as conn:
        return engine, conn.execute(sa.select(Case.__table__.c.id)).scalar_one()


@pytest.fixture
def one_case(team: Engine, tmp_path: Path) -> tuple[Engine, int]:
    """The team's store with one case (loan A1, Ann Lee), assigned to sam, delinquent since
    2026-09-01 (so its regulatory clocks run)."""
    return _import_one(team, tmp_path, "2026-09-01")


@pytest.fixture
def current_case(team: Engine, tmp_path: Path) -> tuple[Engine, int]:
    """Loan A1 as in `one_case`, but paid up (next due 2026-12-01): no clocks, no tasks."""
    return _import_one(team, tmp_path, "2026-12-01")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"
