"""Shared fixtures: an isolated environment, and a migrated store on every backend.

Store tests run on SQLite always and on PostgreSQL when LOSSMIT_TEST_PG holds a URL of a
database the tests may wipe (CI starts one; see .ci/run)."""

import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from db.engine import make_engine, normalise_url
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


def on_server(url: str, *statements: str) -> None:
    """Run `statements` on the PostgreSQL server of `url`, connected to its `postgres`
    database in autocommit (CREATE and DROP DATABASE run outside a transaction)."""
    server = sa.create_engine(normalise_url(make_url(url).set(database="postgres")
                                            .render_as_string(hide_password=False)),
                              isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        server.dispose()


def beside(url: str, name: str) -> str:
    """The URL of database `name` on the server of `url`."""
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def worker_database(url: str, worker: str) -> str:
    """The URL of this pytest-xdist worker's own database beside the one in `url`
    (`<dbname>_<worker>`), created on first use: workers running side by side would
    otherwise wipe each other's schema."""
    name = f"{make_url(url).database}_{worker}"
    engine = sa.create_engine(normalise_url(beside(url, "postgres")))
    with engine.connect() as conn:
        exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                              {"name": name}).first()
    engine.dispose()
    if not exists:
        on_server(url, f'CREATE DATABASE "{name}"')
    return beside(url, name)


@pytest.fixture(scope="session")
def pg_url() -> str | None:
    """The PostgreSQL database this process's tests may wipe: LOSSMIT_TEST_PG's own in a
    plain run, a database of its own per pytest-xdist worker (gw0, gw1, ...)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not PG_URL or not worker:
        return PG_URL
    return worker_database(PG_URL, worker)


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database URL, once per backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must run the store tests on PostgreSQL: LOSSMIT_TEST_PG is not set")
        pytest.skip("LOSSMIT_TEST_PG is not set (CI sets it to a throwaway PostgreSQL)")
    url = request.getfixturevalue("pg_url")
    if "engine" not in request.fixturenames:  # the engine fixture resets it its own way
        wipe_postgres(url)
    return url


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite store at the current schema, migrated once per process."""
    path = tmp_path_factory.mktemp("migrated") / "store.db"
    eng = make_engine(str(path))
    ensure_current(eng)
    eng.dispose()  # the last connection closed: the write-ahead log is in the file
    assert not path.with_name(f"{path.name}-wal").exists()
    return path


@pytest.fixture(scope="session")
def migrated_postgres(pg_url: str) -> str:
    """The name of a database beside this process's test database holding an empty store at
    the current schema, migrated once per process: the template of every test's store."""
    name = f"{make_url(pg_url).database}_migrated"
    on_server(pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    eng = make_engine(beside(pg_url, name))
    ensure_current(eng)
    eng.dispose()  # a template database takes no connections while it is copied
    return name


# What a test could change in a PostgreSQL store besides its rows: tables and their columns,
# privileges, triggers (and whether they are enabled), functions, policies and the revision.
_SCHEMA_FINGERPRINT = """
SELECT md5(coalesce(string_agg(x, ',' ORDER BY x), '')) FROM (
  SELECT 'c:' || c.relname || ':' || c.relkind::text || ':' || coalesce(c.relacl::text, '') || ':'
         || c.relrowsecurity::text AS x
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'
  UNION ALL
  SELECT 'a:' || a.attrelid::regclass || '.' || a.attname || ':' || a.atttypid::text || ':'
         || a.attnotnull::text
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = 'public' AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT 't:' || t.tgname || ':' || t.tgenabled::text FROM pg_trigger t
    JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = 'public' AND NOT t.tgisinternal
  UNION ALL
  SELECT 'f:' || p.proname || ':' || md5(p.prosrc) || ':' || coalesce(p.proacl::text, '')
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
  UNION ALL
  SELECT 'p:' || polname FROM pg_policy
  UNION ALL
  SELECT 's:' || coalesce(nspacl::text, '') FROM pg_namespace WHERE nspname = 'public'
) parts
"""


def _fingerprint(conn: sa.Connection) -> str:
    fingerprint = conn.exec_driver_sql(_SCHEMA_FINGERPRINT).scalar()
    revision = ""
    if conn.exec_driver_sql("SELECT to_regclass('alembic_version')").scalar() is not None:
        revision = ",".join(conn.exec_driver_sql("SELECT version_num FROM alembic_version")
                            .scalars())
    return f"{fingerprint}:{revision}"


_template_fingerprint: dict[str, str] = {}


def _reset_postgres(url: str, template: str) -> None:
    """Make the database at `url` an empty store at the current schema. When its schema is
    still the template's (the usual case), emptying the tables is enough and ten times faster
    than copying the template (the audit trail's TRUNCATE guard is a trigger: replica mode
    skips it for this one connection); a test that changed the schema gets a fresh copy."""
    if template not in _template_fingerprint:
        probe = sa.create_engine(normalise_url(beside(url, template)))
        with probe.connect() as conn:
            _template_fingerprint[template] = _fingerprint(conn)
        probe.dispose()
    eng = sa.create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as conn:
            if _fingerprint(conn) == _template_fingerprint[template]:
                tables = conn.exec_driver_sql(
                    "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'").scalars().all()
                conn.exec_driver_sql("SET session_replication_role = replica")
                # a connection left open by the last test would hold its locks: then copy
                conn.exec_driver_sql("SET lock_timeout = '2s'")
                conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
                return
    except sa.exc.OperationalError:
        pass
    finally:
        eng.dispose()
    database = make_url(url).database
    on_server(url, f'DROP DATABASE "{database}" WITH (FORCE)',
              f'CREATE DATABASE "{database}" TEMPLATE "{template}"')


@pytest.fixture
def engine(db_url: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A store at the current schema, empty: a copy of one migrated once per process
    (copying a file, or emptying the tables of an unchanged PostgreSQL schema, is much faster
    than migrating)."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        assert url.database
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), url.database)
    else:
        _reset_postgres(db_url, request.getfixturevalue("migrated_postgres"))
    eng = make_engine(db_url)
    ensure_current(eng)  # the copy is at the current schema: this only checks
    yield eng
    eng.dispose()


@pytest.fixture
def team(engine: Engine) -> Engine:
    """The store with a lead (lee) and two specialists (sam, ana)."""
    from .workspace import workspace

    setup = workspace(engine, "setup")
    add_user(setup, "lee", "Lee Lead", "lead", "North")
    add_user(setup, "sam", "Sam Specialist", "specialist", "North")
    add_user(setup, "ana", "Ana Specialist", "specialist", "North")
    return engine


def _import_one(engine: Engine, tmp_path: Path, next_due: str) -> tuple[Engine, int]:
    from db.models import Case
    from lossmit_tui.services.importer import import_extract

    from .workspace import workspace

    path = tmp_path / "one.csv"
    path.write_text("loan_number,borrower_name,investor,upb,next_due_date,property_state,"
                    f"assignee\nA1,Ann Lee,FNMA,1000,{next_due},TX,sam\n")
    assert import_extract(workspace(engine, "lee"), path).ok
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


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: two workers per core, at most eight. The interface tests spend much of
    their time waiting for the app to go idle, so a second worker per core fills it."""
    return max(2, min(8, 2 * (os.cpu_count() or 1)))


# Tests that take far longer than any other (the type check of the whole code runs mypy
# without a cache in a fresh clone: ~30 s of CPU). Handed out first, they run while the other
# workers take the short tests, instead of starting near the end and keeping one worker busy
# after the rest have finished.
_LONGEST_FIRST = ("test_static_checks.py",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.path.name not in _LONGEST_FIRST)
