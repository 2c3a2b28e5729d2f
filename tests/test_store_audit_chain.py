"""The audit trail's hash chain: every audit row is chained by the database as it is written,
and `lossmit audit --verify` shows a removed, altered or unchained row, and a chain rewritten
or cut short after a recorded head. Tampering here uses the owner's rights (dropping the
protecting triggers), as the attack the chain exists for would."""

import json
import re

import pytest
import sqlalchemy as sa
from click.testing import Result
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from db.audit_chain import verify
from db.migrate import upgrade
from lossmit_tui.cli import app as cli
from lossmit_tui.services.audit import verify_trail
from lossmit_tui.services.errors import PermissionDenied
from lossmit_tui.services.users import add_user, set_active

from .conftest import TODAY
from .workspace import workspace


def run(db_url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db_url, "--user", "lee", "--today",
                                    TODAY.isoformat(), *args])


def some_writes(engine: Engine) -> None:
    add_user(workspace(engine, "lee"), "ada", "Ada Admin", "admin", "North")
    ws = workspace(engine, "ada")
    for n in range(5):
        add_user(ws, f"u{n}", f"User {n}", "specialist", "North")
    set_active(ws, "u1", False)


def drop(engine: Engine, *names: str) -> None:
    """Drop protecting triggers, as someone with the owner's rights could."""
    with engine.begin() as conn:
        for name in names:
            table = "audit_chain" if name.startswith("audit_chain") else "audit_events"
            conn.exec_driver_sql(f"DROP TRIGGER {name}" if engine.dialect.name == "sqlite"
                                 else f"DROP TRIGGER {name} ON {table}")


def guards(engine: Engine, verb: str) -> list[str]:
    """The triggers refusing `verb` (UPDATE or DELETE) on the trail and its chain."""
    if engine.dialect.name == "sqlite":
        return [f"audit_events_no_{verb.lower()}", f"audit_chain_no_{verb.lower()}"]
    return ["audit_events_append_only", "audit_chain_append_only"]


def report(engine: Engine, head: tuple[int, str] | None = None):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return verify(conn, head)


def test_every_audit_row_is_chained_and_the_chain_verifies(team: Engine, db_url: str) -> None:
    some_writes(team)
    found = report(team)
    assert found.ok, found.problems
    assert found.rows == found.chained == found.head_seq and found.rows >= 9
    with team.connect() as conn:
        chain = conn.execute(sa.text("SELECT c.seq, c.event_id FROM audit_chain c "
                                     "ORDER BY c.seq")).all()
        ids = conn.execute(sa.text("SELECT id FROM audit_events ORDER BY id")).scalars().all()
    # one writer at a time here: chain order is id order
    assert [s for s, _ in chain] == list(range(1, len(ids) + 1))
    assert [e for _, e in chain] == ids
    result = run(db_url, "audit", "--verify")
    assert result.exit_code == 0, result.output
    assert f"Audit trail verified: {found.rows} row(s)" in result.stdout
    assert f"Head: {found.head_seq}:{found.head_hash}" in result.stdout


def test_a_removed_row_is_found(team: Engine, db_url: str) -> None:
    some_writes(team)
    drop(team, *guards(team, "DELETE"))
    with team.begin() as conn:
        victim = conn.execute(sa.text("SELECT id FROM audit_events WHERE action = 'deactivate'")
                              ).scalar_one()
        conn.execute(sa.text("DELETE FROM audit_events WHERE id = :id"), {"id": victim})
    found = report(team)
    assert not found.ok
    assert any(f"audit row {victim} " in p and "removed" in p for p in found.problems)
    result = run(db_url, "audit", "--verify")
    assert result.exit_code == 1
    assert "does NOT verify" in result.stderr and f"audit row {victim} " in result.stderr


def test_a_removed_chain_position_is_found(team: Engine) -> None:
    some_writes(team)
    drop(team, *guards(team, "DELETE"))
    with team.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_chain WHERE seq = 3"))
    found = report(team)
    assert any("chain position 3 is missing" in p for p in found.problems)
    assert any("not in the chain" in p for p in found.problems)  # its audit row is unchained


def test_an_altered_row_is_found(team: Engine) -> None:
    some_writes(team)
    drop(team, *guards(team, "UPDATE"))
    with team.begin() as conn:
        victim = conn.execute(sa.text("SELECT id FROM audit_events WHERE entity = 'user' "
                                      "ORDER BY id LIMIT 1")).scalar_one()
        conn.execute(sa.text("UPDATE audit_events SET username = 'someone_else' "
                             "WHERE id = :id"), {"id": victim})
    found = report(team)
    assert [p for p in found.problems if "altered" in p] == [
        f"audit row {victim} (chain position {victim}) was altered, or the chain before it was"]


def test_a_row_written_with_the_chain_trigger_off_is_found(team: Engine) -> None:
    drop(team, "audit_events_chain")
    with team.begin() as conn:
        conn.execute(sa.text("INSERT INTO audit_events (at, username, entity, action) "
                             "VALUES (CURRENT_TIMESTAMP, 'ghost', 'user', 'create')"))
    found = report(team)
    assert any(re.search(r"1 audit row\(s\) are not in the chain .*ids \d+$", p)
               for p in found.problems), found.problems


def test_a_recorded_head_catches_a_chain_cut_short(team: Engine, db_url: str) -> None:
    """Removing the newest rows and their chain positions leaves a chain that is consistent
    in itself; the head recorded before shows it."""
    some_writes(team)
    head = report(team)
    assert head.head_seq is not None and head.head_hash is not None
    recorded = f"{head.head_seq}:{head.head_hash}"
    assert run(db_url, "audit", "--verify", "--head", recorded).exit_code == 0
    drop(team, *guards(team, "DELETE"))
    with team.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_events WHERE id = :id"), {"id": head.head_seq})
        conn.execute(sa.text("DELETE FROM audit_chain WHERE seq = :s"), {"s": head.head_seq})
    assert report(team).ok  # consistent in itself...
    result = run(db_url, "audit", "--verify", "--head", recorded)
    assert result.exit_code == 1  # ...but the recorded head is gone
    assert "the recorded head" in result.stderr and "is not in the chain" in result.stderr


@pytest.mark.parametrize(("head", "message"), [
    ("12", "expected POSITION:HASH"), ("x:" + "a" * 64, "expected POSITION:HASH"),
    ("3:" + "g" * 64, "expected POSITION:HASH")])
def test_a_malformed_head_is_a_usage_error(team: Engine, db_url: str, head: str,
                                           message: str) -> None:
    result = run(db_url, "audit", "--verify", "--head", head)
    assert result.exit_code == 2 and message in result.output


def test_verifying_is_for_leads_and_admins_and_a_refusal_is_recorded(team: Engine) -> None:
    with pytest.raises(PermissionDenied, match="for leads and admins; sam is a specialist"):
        verify_trail(workspace(team, "sam"))
    with team.connect() as conn:
        refused = conn.execute(sa.text("SELECT after FROM audit_events WHERE action = "
                                       "'refused'")).scalars().all()
    assert len(refused) == 1 and "verifying the audit trail" in str(refused[0])
    assert verify_trail(workspace(team, "lee")).ok


def test_existing_rows_are_chained_by_the_upgrade(db_url: str) -> None:
    from db.engine import make_engine

    engine = make_engine(db_url)
    upgrade(engine, "0013")
    with engine.begin() as conn:
        for n in range(3):
            conn.execute(sa.text("INSERT INTO audit_events (at, username, entity, action, after)"
                                 " VALUES (CURRENT_TIMESTAMP, :u, 'user', 'create', :a)"),
                         {"u": f"old{n}", "a": json.dumps({"n": n})})
    upgrade(engine)
    found = report(engine)
    assert found.ok and found.rows == found.chained == 3
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO audit_events (at, username, entity, action) "
                             "VALUES (CURRENT_TIMESTAMP, 'new', 'user', 'create')"))
    found = report(engine)
    assert found.ok and found.chained == 4
    engine.dispose()
