"""A database that refuses a read or a write ends a command in one line and exit status 1: no
traceback, and none of the statement's values (a borrower's name, a loan number) in the
message. Engines hide SQL parameters from their errors (and so from the log).

SQLite: the store opened read-only (a `mode=ro` URI: the tests run as root, where a file's
mode does not stop writes). PostgreSQL: a login that may read the tables but write none."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from db.engine import make_engine
from lossmit_tui.services.importer import import_extract
from lossmit_tui.services.users import add_user

from .conftest import TODAY
from .workspace import workspace

LOAN, NAME = "7000123456", "Zelda Quixote"


@pytest.fixture
def restricted(team: Engine, tmp_path: Path) -> Iterator[str]:
    """The team's store with loan LOAN (NAME), and a URL on it that may read but not write:
    on PostgreSQL the database login of the case's owner (a lossmit user, so the login is
    who they are), left with SELECT only."""
    url = make_url(team.url.render_as_string(hide_password=False))
    owner = "sam" if url.get_backend_name() == "sqlite" else f"lossmit_reader_{os.getpid()}"
    if owner != "sam":
        add_user(workspace(team, "lee"), owner, "Read Only", "specialist", "North")
    path = tmp_path / "one.csv"
    path.write_text("loan_number,borrower_name,investor,upb,next_due_date,property_state,"
                    f"assignee\n{LOAN},{NAME},FNMA,1000,2026-09-01,TX,{owner}\n")
    assert import_extract(workspace(team, "lee"), path).ok
    if url.get_backend_name() == "sqlite":
        team.dispose()
        yield f"sqlite:///file:{url.database}?mode=ro&uri=true"
        return
    role = owner
    with team.begin() as conn:
        conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
        conn.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN')
        conn.exec_driver_sql(f'GRANT CONNECT ON DATABASE "{url.database}" TO "{role}"')
        conn.exec_driver_sql(f'GRANT USAGE ON SCHEMA public TO "{role}"')
        conn.exec_driver_sql(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"')
    yield url.set(username=role, password=None).render_as_string(hide_password=False)
    with team.begin() as conn:
        conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
        conn.exec_driver_sql(f'DROP ROLE "{role}"')


def test_a_refused_write_is_one_line_without_personal_data(restricted: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "lossmit_tui", "event", LOAN, "live_contact", "--note", NAME,
         "--db", restricted, "--today", TODAY.isoformat(),
         *(["--user", "sam"] if restricted.startswith("sqlite") else [])],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
    assert "could not be read or written" in lines[0], lines[0]
    assert "Traceback" not in done.stderr and not done.stdout
    assert LOAN not in done.stderr and NAME not in done.stderr


def test_engines_keep_statement_values_out_of_their_errors(db_url: str) -> None:
    engine = make_engine(db_url)
    with pytest.raises(sa.exc.DBAPIError) as caught, engine.connect() as conn:
        conn.execute(sa.text("INSERT INTO no_such_table (name) VALUES (:name)"),
                     {"name": NAME})
    engine.dispose()
    assert NAME not in str(caught.value) and "hidden" in str(caught.value)
