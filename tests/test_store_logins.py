"""Who you are on a shared PostgreSQL store: your own database login, not a flag. Two people's
logins (an admin's and a specialist's) are created by the app's own command; each is only
themselves, holds only the privileges the app needs, and every audit row they write carries
their login in the hash chain. On SQLite the operating system's login is the identity."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import Result
from sqlalchemy.engine import Engine, make_url
from typer.testing import CliRunner

from db.audit_chain import verify
from db.engine import make_engine
from lossmit_tui.cli import app as cli
from lossmit_tui.services.errors import InvalidInput, WrongIdentity
from lossmit_tui.services.importer import import_extract
from lossmit_tui.services.users import add_user, set_active
from lossmit_tui.services.workspace import identify

from .conftest import TODAY, on_server
from .test_store_access import IN_ORDER, WRITES
from .workspace import workspace


def as_login(url: str, login: str) -> str:
    return make_url(url).set(username=login, password="not-checked-here").render_as_string(
        hide_password=False)


@dataclass
class Logins:
    owner: Engine
    url: str
    admin: str
    specialist: str
    admin_engine: Engine
    specialist_engine: Engine


@pytest.fixture
def logins(team: Engine, db_url: str, tmp_path: Path) -> Iterator[Logins]:
    if team.dialect.name != "postgresql":
        pytest.skip("database logins are PostgreSQL's; SQLite's identity is the OS login")
    tag = uuid.uuid4().hex[:8]  # roles are server-wide; test databases run side by side
    admin, specialist = f"ada_{tag}", f"sid_{tag}"
    # The owner sets the store up: its first admin, with a login.
    add_user(workspace(team, "setup"), admin, "Ada Admin", "admin", "North",
             login=True, password="first")
    admin_engine = make_engine(as_login(db_url, admin))
    # The admin, on their own login, adds a specialist with theirs (the app's command).
    result = CliRunner().invoke(cli, [
        "--db", as_login(db_url, admin), "--today", TODAY.isoformat(), "users", "add",
        specialist, "--name", "Sid Specialist", "--role", "specialist", "--team", "North",
        "--login", "--password-stdin"], input="second\n")
    assert result.exit_code == 0, result.output
    assert f"connects as the database login {specialist}" in result.stdout
    path = tmp_path / "cases.csv"
    path.write_text("loan_number,borrower_name,investor,upb,next_due_date,property_state,"
                    f"assignee\nS1,Sue Lee,FNMA,1000,2026-09-01,TX,{specialist}\n"
                    "S2,Sam Roe,FNMA,1000,2026-09-01,TX,sam\n")
    assert import_extract(workspace(admin_engine, admin), path).ok
    specialist_engine = make_engine(as_login(db_url, specialist))
    yield Logins(team, db_url, admin, specialist, admin_engine, specialist_engine)
    admin_engine.dispose()
    specialist_engine.dispose()
    team.dispose()
    on_server(db_url, f'DROP ROLE IF EXISTS "{admin}"', f'DROP ROLE IF EXISTS "{specialist}"')


def cli_as(url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", url, "--today", TODAY.isoformat(), *args])


def test_the_login_is_who_you_are_and_naming_someone_else_is_refused(logins: Logins) -> None:
    assert identify(logins.specialist_engine, None, "root") == logins.specialist
    assert identify(logins.specialist_engine, logins.specialist, "root") == logins.specialist
    with pytest.raises(WrongIdentity, match=f"connected to the database as {logins.specialist}"):
        identify(logins.specialist_engine, "lee", "root")
    with pytest.raises(WrongIdentity):
        identify(logins.specialist_engine, logins.admin, "root")  # not even upwards
    spec_url = as_login(logins.url, logins.specialist)
    refused = cli_as(spec_url, "--user", logins.admin, "users", "add", "eve", "--name", "Eve",
                     "--role", "admin")
    assert refused.exit_code == 1
    assert f"you can act only as {logins.specialist}, not {logins.admin}" in refused.stderr
    mine = cli_as(spec_url, "queue", "--format", "csv")
    assert mine.exit_code == 0, mine.output
    assert "S1" in mine.stdout and "S2" not in mine.stdout  # their own queue
    # The owner's login sets the store up and may act as anyone (like the SQLite file's
    # owner); a login that is no lossmit user is refused.
    assert identify(logins.owner, "lee", "root") == "lee"
    stray = f"stray_{uuid.uuid4().hex[:8]}"
    on_server(logins.url, f'CREATE ROLE "{stray}" LOGIN IN ROLE lossmit_app')
    try:
        stray_engine = make_engine(as_login(logins.url, stray))
        with pytest.raises(WrongIdentity, match=f"login {stray} is not a lossmit user"):
            identify(stray_engine, "lee", "root")
        stray_engine.dispose()
    finally:
        on_server(logins.url, f'DROP ROLE "{stray}"')


def test_a_specialist_login_does_the_whole_job_and_the_chain_names_it(logins: Logins) -> None:
    engine = logins.specialist_engine
    for kind in IN_ORDER:
        WRITES[kind](engine, logins.specialist, "S1")
    with engine.connect() as conn:
        report = verify(conn)
        logins_of_rows = conn.execute(sa.text(
            "SELECT DISTINCT c.db_login FROM audit_chain c JOIN audit_events e "
            "ON e.id = c.event_id WHERE e.username = :me"), {"me": logins.specialist}
        ).scalars().all()
    assert report.ok, report.problems
    assert logins_of_rows == [logins.specialist]


ATTACKS = {
    "truncate the trail": "TRUNCATE audit_events",
    "delete from the trail": "DELETE FROM audit_events",
    "rewrite the trail": "UPDATE audit_events SET username = 'nobody'",
    "forge a chain row": "INSERT INTO audit_chain (seq, event_id, hash) VALUES (999999, 1, 'x')",
    "empty the cases": "TRUNCATE cases CASCADE",
    "create a table": "CREATE TABLE evil (x integer)",
    "drop a trigger": "DROP TRIGGER audit_events_chain ON audit_events",
    "disable triggers": "ALTER TABLE audit_events DISABLE TRIGGER ALL",
    "make yourself admin": "UPDATE users SET role = 'admin'",
    "add a user": "INSERT INTO users (username, display_name, role, active) "
                  "VALUES ('eve', 'Eve', 'admin', true)",
    "create a login": "SELECT lossmit_create_login('eve', 'pw', true)",
    "change migrations": "DELETE FROM alembic_version",
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_specialist_login_may_not(logins: Logins, attack: str) -> None:
    with pytest.raises(sa.exc.ProgrammingError, match=r"permission denied|must be owner"), \
            logins.specialist_engine.begin() as conn:
        conn.exec_driver_sql(ATTACKS[attack])


def test_an_audit_row_forged_in_another_name_is_found(logins: Logins) -> None:
    """The login may add audit rows (the app does, for it); one in someone else's name shows."""
    with logins.specialist_engine.begin() as conn:
        forged = conn.execute(sa.text(
            "INSERT INTO audit_events (at, username, entity, action) VALUES "
            "(CURRENT_TIMESTAMP, 'lee', 'case', 'update') RETURNING id")).scalar_one()
    with logins.owner.connect() as conn:
        report = verify(conn)
    assert [p for p in report.problems if "says" in p] == [
        f"audit row {forged} (chain position {forged}) says lee did it, but the database "
        f"login {logins.specialist} wrote it"]


def test_deactivating_a_user_disables_their_login(logins: Logins) -> None:
    def can_login() -> bool:
        with logins.owner.connect() as conn:
            return bool(conn.execute(sa.text("SELECT rolcanlogin FROM pg_roles WHERE rolname "
                                             "= :r"), {"r": logins.specialist}).scalar_one())

    assert can_login()
    set_active(workspace(logins.admin_engine, logins.admin), logins.specialist, False)
    assert not can_login()
    set_active(workspace(logins.admin_engine, logins.admin), logins.specialist, True)
    assert can_login()


def test_an_existing_user_is_given_a_login_of_their_own(logins: Logins) -> None:
    """A user added before the store moved to logins (or by an import) gets one from an
    admin; a specialist may not give logins, and the password never reaches the audit."""
    newcomer = f"nia_{uuid.uuid4().hex[:8]}"
    add_user(workspace(logins.admin_engine, logins.admin), newcomer, "Nia Newcomer",
             "specialist", "North")
    try:
        refused = cli_as(as_login(logins.url, logins.specialist), "users", "login", newcomer,
                         "--password-stdin")
        assert refused.exit_code == 1 and "is for admins" in refused.output
        given = CliRunner().invoke(cli, [
            "--db", as_login(logins.url, logins.admin), "--today", TODAY.isoformat(), "users",
            "login", newcomer, "--password-stdin"], input="s3cret-one\n")
        assert given.exit_code == 0, given.output
        assert f"{newcomer} connects as the database login {newcomer}" in given.stdout
        own = make_engine(as_login(logins.url, newcomer))
        try:
            assert identify(own, None, "someone-else") == newcomer
        finally:
            own.dispose()
        again = CliRunner().invoke(cli, [
            "--db", as_login(logins.url, logins.admin), "--today", TODAY.isoformat(), "users",
            "login", newcomer, "--password-stdin"], input="s3cret-two\n")
        assert again.exit_code == 0, again.output
        with logins.owner.connect() as conn:
            has_password = conn.execute(sa.text(
                "SELECT rolpassword IS NOT NULL FROM pg_authid WHERE rolname = :r"),
                {"r": newcomer}).scalar_one()
            trail = conn.execute(sa.text(
                "SELECT action, after::text FROM audit_events WHERE entity = 'user' "
                "AND action LIKE 'login%' ORDER BY id")).all()
        assert has_password
        assert [row.action for row in trail] == ["login_create", "login_password"]
        assert not any("s3cret" in row.after for row in trail)
    finally:
        on_server(logins.url, f'DROP ROLE IF EXISTS "{newcomer}"')


def test_a_login_may_not_take_over_an_existing_role(logins: Logins) -> None:
    """The login function touches lossmit logins only: not the owner, not other roles."""
    with pytest.raises(sa.exc.DBAPIError, match="exists and is not a lossmit login"):
        add_user(workspace(logins.admin_engine, logins.admin), "postgres", "Owner", "admin",
                 login=True, password="takeover")


def test_on_sqlite_the_os_login_or_user_is_the_identity(team: Engine) -> None:
    if team.dialect.name != "sqlite":
        pytest.skip("SQLite's identity")
    assert identify(team, None, "sam") == "sam"
    assert identify(team, "lee", "sam") == "lee"
    with pytest.raises(InvalidInput, match="database logins are for PostgreSQL"):
        add_user(workspace(team, "lee"), "eve", "Eve", "specialist", login=True, password="x")
