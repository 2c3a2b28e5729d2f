"""Case-level authorization (issue 14): one rule for every write and every read of a whole
case. A user acts on their own cases and unassigned ones, a lead also on their team's, an
admin on every case; a deactivated user on none. A refusal changes nothing and is audited."""

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from db.tables import (
    audit_events,
    call_notes,
    case_clocks,
    case_events,
    cases,
    documents,
    drafts,
    financials,
    tasks,
    users,
)
from lossmit_tui.cli import app as cli
from lossmit_tui.services.calls import NewCall, log_call, save_draft
from lossmit_tui.services.cases import NewEvent, record_event, update_case
from lossmit_tui.services.documents import decide_document, receive_document, request_document
from lossmit_tui.services.errors import PermissionDenied
from lossmit_tui.services.exporter import export_cases
from lossmit_tui.services.financials import Snapshot, save_financials
from lossmit_tui.services.importer import import_extract
from lossmit_tui.services.reassign import Selection, preview
from lossmit_tui.services.servicing_file import case_file
from lossmit_tui.services.tasks import (
    NewTask,
    add_task,
    complete_task,
    reassign_task,
    snooze_task,
)
from lossmit_tui.services.users import add_user, set_active
from lossmit_tui.services.workout import evaluate

from .conftest import TODAY
from .workspace import workspace

pytestmark = pytest.mark.store

# A1 sam's and B1 ana's (team North, led by lee), T1 tom's (team South, led by lou), U1 no
# one's. All delinquent since September, so their regulatory clocks run.
EXTRACT = ("loan_number,borrower_name,investor,upb,next_due_date,property_state,note_rate,"
           "pi_payment,assignee\n"
           "A1,Ann Lee,FNMA,150000,2026-09-01,TX,6.5,1200,sam\n"
           "B1,Bob Ray,FNMA,150000,2026-09-01,TX,6.5,1200,ana\n"
           "T1,Tia Moss,FNMA,150000,2026-09-01,TX,6.5,1200,tom\n"
           "U1,Una Vale,FNMA,150000,2026-09-01,TX,6.5,1200,\n")


def case_id(engine: Engine, loan: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(cases.c.id).where(
            cases.c.loan_number == loan)).scalar_one())


@pytest.fixture
def book(team: Engine, tmp_path: Path) -> Engine:
    """The team's store (lee leads sam and ana on North) with a second team (lou leads tom
    on South), an admin (root) and four cases; each case has an open manual task, a document
    requested and one received (put there by root, the admin)."""
    setup = workspace(team, "setup")
    add_user(setup, "lou", "Lou Lead", "lead", "South")
    add_user(setup, "tom", "Tom Specialist", "specialist", "South")
    add_user(setup, "root", "Root Admin", "admin")
    path = tmp_path / "book.csv"
    path.write_text(EXTRACT)
    assert import_extract(workspace(team, "root"), path).ok
    root = workspace(team, "root")
    for loan in ("A1", "B1", "T1", "U1"):
        cid = case_id(team, loan)
        add_task(root, cid, NewTask("review", "Review the file", TODAY + timedelta(days=2)))
        request_document(root, cid, "pay_stubs")
        received = request_document(root, cid, "bank_statements")
        assert received.id is not None
        receive_document(root, received.id, TODAY, None)
    return team


def manual_task(engine: Engine, loan: str) -> tuple[int, str | None]:
    """The case's open manual task: its id and its assignee."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(tasks.c.id, users.c.username)
                           .select_from(tasks.outerjoin(users, tasks.c.assignee_id == users.c.id))
                           .where(tasks.c.case_id == case_id(engine, loan),
                                  tasks.c.source == "manual", tasks.c.status == "open")
                           .order_by(tasks.c.id)).first()
    assert row is not None
    return row.id, row.username


def document(engine: Engine, loan: str, status: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(documents.c.id).where(
            documents.c.case_id == case_id(engine, loan), documents.c.status == status)
            .order_by(documents.c.id)).scalars().first())


def version(engine: Engine, loan: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(cases.c.version).where(
            cases.c.loan_number == loan)).scalar_one())


# Every kind of write on a case, as `user` on `loan`. In this order one user can do all of
# them on one case (the snooze before the completion of the same task).
WRITES: dict[str, Callable[[Engine, str, str], Any]] = {
    "stage change": lambda e, u, loan: record_event(
        workspace(e, u), case_id(e, loan), NewEvent("stage_changed", TODAY, stage="paid_off")),
    "event": lambda e, u, loan: record_event(
        workspace(e, u), case_id(e, loan), NewEvent("written_notice_sent", TODAY)),
    "edit": lambda e, u, loan: update_case(
        workspace(e, u), case_id(e, loan), version(e, loan),
        {"phone": "2145550199", "cease_communication": True}),
    "add task": lambda e, u, loan: add_task(
        workspace(e, u), case_id(e, loan), NewTask("callback", "Call back", TODAY)),
    "snooze task": lambda e, u, loan: snooze_task(
        workspace(e, u), manual_task(e, loan)[0], TODAY + timedelta(days=5)),
    "reassign task": lambda e, u, loan: reassign_task(
        workspace(e, u), manual_task(e, loan)[0],
        "lee" if manual_task(e, loan)[1] != "lee" else "lou"),
    "complete task": lambda e, u, loan: complete_task(
        workspace(e, u), manual_task(e, loan)[0], "done"),
    "log call": lambda e, u, loan: log_call(
        workspace(e, u), case_id(e, loan), NewCall("inbound", "borrower", "right_party_contact",
                                                   body="Called about the payment")),
    "draft": lambda e, u, loan: save_draft(workspace(e, u), case_id(e, loan), {}, "typing"),
    "request document": lambda e, u, loan: request_document(
        workspace(e, u), case_id(e, loan), "tax_return"),
    "receive document": lambda e, u, loan: receive_document(
        workspace(e, u), document(e, loan, "requested"), TODAY, None),
    "decide document": lambda e, u, loan: decide_document(
        workspace(e, u), document(e, loan, "received"), True),
    "financials": lambda e, u, loan: save_financials(
        workspace(e, u), case_id(e, loan),
        Snapshot(TODAY, {"wages": {"gross": 500_000, "net": 400_000}}, {}, 0)),
}
# The stage change closes the case: last, when one user does everything on one case.
IN_ORDER = [k for k in WRITES if k != "stage change"] + ["stage change"]


def store_state(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Everything in the store but the audit trail, table by table."""
    state = {}
    with engine.connect() as conn:
        for table in (users, cases, case_clocks, tasks, call_notes, case_events, documents,
                      financials, drafts):
            state[table.name] = sorted((tuple(r) for r in conn.execute(sa.select(table))),
                                       key=repr)
    return state


def audit_rows(engine: Engine) -> list[tuple[str, str, dict[str, Any] | None]]:
    with engine.connect() as conn:
        return [(r.username, r.action, r.after) for r in conn.execute(
            sa.select(audit_events).order_by(audit_events.c.id))]


def assert_refused(engine: Engine, user: str, attempt: Callable[[], Any],
                   message: str = "") -> dict[str, Any]:
    """`attempt` raises PermissionDenied (matching `message`), the store is unchanged, and
    exactly one audit row was added: the refusal, by `user`. Returns its `after`."""
    before, trail = store_state(engine), audit_rows(engine)
    with pytest.raises(PermissionDenied, match=message):
        attempt()
    assert store_state(engine) == before
    added = audit_rows(engine)[len(trail):]
    assert [(who, action) for who, action, _ in added] == [(user, "refused")]
    after = added[0][2]
    assert after is not None
    return after


@pytest.mark.parametrize("kind", list(WRITES))
def test_a_specialist_is_refused_on_another_specialists_case(book: Engine, kind: str) -> None:
    after = assert_refused(book, "sam", lambda: WRITES[kind](book, "sam", "B1"),
                           "sam may not act on loan B1, ana's case")
    assert after["case"] == "B1" and after["owner"] == "ana"


def test_a_specialist_is_refused_on_another_teams_case_too(book: Engine) -> None:
    for kind in ("stage change", "edit", "add task", "log call"):
        assert_refused(book, "sam", lambda k=kind: WRITES[k](book, "sam", "T1"),  # type: ignore[misc]
                       "sam may not act on loan T1, tom's case")


@pytest.mark.parametrize("loan", ["A1", "U1"])
def test_a_specialist_may_write_on_their_own_and_unassigned_cases(book: Engine,
                                                                   loan: str) -> None:
    for kind in IN_ORDER:
        WRITES[kind](book, "sam", loan)
    with book.connect() as conn:
        assert conn.execute(sa.select(cases.c.stage, cases.c.phone).where(
            cases.c.loan_number == loan)).one() == ("paid_off", "2145550199")
    assert not [r for r in audit_rows(book) if r[1] == "refused"]


def test_a_lead_may_write_on_the_teams_cases_and_not_on_another_teams(book: Engine) -> None:
    for loan in ("B1", "A1"):
        for kind in IN_ORDER:
            WRITES[kind](book, "lee", loan)
    for kind in WRITES:
        after = assert_refused(book, "lee", lambda k=kind: WRITES[k](book, "lee", "T1"),  # type: ignore[misc]
                               r"lee may not act on loan T1, tom's case on team South "
                               r"\(lee leads team North\)")
        assert after["owner"] == "tom"


def test_an_admin_may_write_on_every_case(book: Engine) -> None:
    for loan in ("A1", "B1", "T1", "U1"):
        for kind in IN_ORDER:
            WRITES[kind](book, "root", loan)
    assert not [r for r in audit_rows(book) if r[1] == "refused"]


@pytest.mark.parametrize("kind", list(WRITES))
def test_a_deactivated_user_may_write_nothing(book: Engine, kind: str) -> None:
    set_active(workspace(book, "root"), "ana", False)
    after = assert_refused(book, "ana", lambda: WRITES[kind](book, "ana", "B1"),
                           "ana is deactivated; .* is refused")
    assert after["case_id"] == case_id(book, "B1")


def test_a_deactivated_user_reads_no_whole_case_and_manages_nobody(book: Engine,
                                                                    tmp_path: Path) -> None:
    root = workspace(book, "root")
    set_active(root, "ana", False)
    ana = workspace(book, "ana")
    assert_refused(book, "ana", lambda: case_file(ana, "B1"), "ana is deactivated")
    assert_refused(book, "ana", lambda: evaluate(ana, loan_number="B1"), "ana is deactivated")
    assert_refused(book, "ana", lambda: export_cases(ana, tmp_path / "out.csv"),
                   "ana is deactivated; exporting cases is refused")
    assert not (tmp_path / "out.csv").exists()
    # A deactivated admin manages no one.
    add_user(root, "boss", "Boss Admin", "admin")
    boss = workspace(book, "boss")
    set_active(boss, "root", False)
    assert_refused(book, "root", lambda: add_user(workspace(book, "root"), "eve", "Eve",
                                                  "specialist"),
                   "root is deactivated; adding users is refused")
    assert_refused(book, "root", lambda: set_active(workspace(book, "root"), "sam", False),
                   "root is deactivated; deactivating users is refused")
    # A deactivated lead reassigns nothing.
    set_active(boss, "lee", False)
    assert_refused(book, "lee", lambda: preview(workspace(book, "lee"),
                                                Selection(loan_numbers=("B1",)), ["sam"],
                                                "round-robin"),
                   "lee is deactivated; reassigning cases is refused")


def test_whole_case_reads_follow_the_same_rule(book: Engine) -> None:
    sam = workspace(book, "sam")
    assert case_file(sam, "A1")["case"]["loan_number"] == "A1"
    assert evaluate(sam, loan_number="U1").loan_number == "U1"
    assert_refused(book, "sam", lambda: case_file(sam, "B1"),
                   "Exporting a case file is refused: sam may not act on loan B1")
    assert_refused(book, "sam", lambda: evaluate(sam, loan_number="B1"),
                   "Evaluating a case is refused: sam may not act on loan B1")
    assert evaluate(workspace(book, "lee"), case_id=case_id(book, "B1")).loan_number == "B1"
    assert_refused(book, "lee", lambda: evaluate(workspace(book, "lee"), loan_number="T1"),
                   "lee may not act on loan T1")


def exported(path: Path) -> list[str]:
    return [line.split(",")[0] for line in path.read_text().splitlines()[1:]]


def test_export_takes_only_the_cases_the_user_may_act_on(book: Engine, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    assert export_cases(workspace(book, "sam"), out) == 2
    assert exported(out) == ["A1", "U1"]
    assert export_cases(workspace(book, "lee"), out) == 3
    assert exported(out) == ["A1", "B1", "U1"]
    assert export_cases(workspace(book, "lou"), out) == 2
    assert exported(out) == ["T1", "U1"]
    assert export_cases(workspace(book, "root"), out) == 4
    assert exported(out) == ["A1", "B1", "T1", "U1"]
    # A caseload filter narrows what the user may see; it never widens it.
    assert export_cases(workspace(book, "sam"), out, assignee="ana") == 0
    assert export_cases(workspace(book, "lee"), out, assignee="ana") == 1
    assert exported(out) == ["B1"]


runner = CliRunner()


def test_the_cli_refuses_closing_another_specialists_case(book: Engine) -> None:
    url = book.url.render_as_string(hide_password=False)
    before = store_state(book)
    result = runner.invoke(cli, ["event", "B1", "stage_changed", "--stage", "paid_off",
                                 "--user", "sam", "--db", url, "--today", TODAY.isoformat()])
    assert result.exit_code == 1, result.output
    assert ("Error: Recording an event is refused: sam may not act on loan B1, ana's case"
            in result.stderr)
    assert store_state(book) == before
    assert audit_rows(book)[-1][:2] == ("sam", "refused")
    # The owner may.
    done = runner.invoke(cli, ["event", "B1", "stage_changed", "--stage", "paid_off",
                               "--user", "ana", "--db", url, "--today", TODAY.isoformat()])
    assert done.exit_code == 0, done.output


def test_the_cli_export_filters_by_assignee_and_refuses_the_deactivated(
        book: Engine, tmp_path: Path) -> None:
    url = book.url.render_as_string(hide_password=False)
    out = tmp_path / "out.csv"
    result = runner.invoke(cli, ["export", str(out), "--assignee", "ana", "--user", "lee",
                                 "--db", url])
    assert result.exit_code == 0, result.output
    assert exported(out) == ["B1"]
    result = runner.invoke(cli, ["export", str(out), "--user", "sam", "--db", url])
    assert result.exit_code == 0 and exported(out) == ["A1", "U1"]
    set_active(workspace(book, "root"), "sam", False)
    out.unlink()
    refused = runner.invoke(cli, ["export", str(out), "--user", "sam", "--db", url])
    assert refused.exit_code == 1
    assert "sam is deactivated; exporting cases is refused" in refused.stderr
    assert not out.exists()
    assert audit_rows(book)[-1][:2] == ("sam", "refused")
