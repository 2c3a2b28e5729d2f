"""Reassignment, roles and the audit trail, on SQLite and PostgreSQL."""

from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.engine import session_scope
from db.queries import AuditFilter, audit_trail, case_timeline
from db.tables import audit_events, cases, tasks, users
from lossmit_tui.config import load_settings
from lossmit_tui.services import reassign as service
from lossmit_tui.services.cases import update_case
from lossmit_tui.services.errors import InvalidInput, PermissionDenied
from lossmit_tui.services.importer import import_extract
from lossmit_tui.services.tasks import NewTask, add_task, complete_task
from lossmit_tui.services.users import add_user, set_active
from tests.conftest import TODAY
from tests.workspace import workspace

VACATION = service.Reason("vacation", "back on the 14th")


@pytest.fixture
def book(team: Engine, tmp_path: Path) -> Engine:
    """The North team (lee leads sam and ana), six of sam's delinquent cases (S1-S6), one of
    ana's (A1), one unassigned (U1), and the South team (sue leads, tom works T1)."""
    setup = workspace(team, "setup")
    add_user(setup, "sue", "Sue South", "lead", "South")
    add_user(setup, "tom", "Tom South", "specialist", "South")
    add_user(setup, "root", "Root Admin", "admin")
    lines = ["loan_number,borrower_name,investor,upb,next_due_date,property_state,assignee"]
    lines += [f"S{i},Borrower {i},FNMA,1000,2026-09-01,TX,sam" for i in range(1, 7)]
    lines += ["A1,Ann Lee,FNMA,1000,2026-09-01,TX,ana", "U1,Una Free,FNMA,1000,2026-09-01,TX,",
              "T1,Ted South,FNMA,1000,2026-09-01,TX,tom"]
    path = tmp_path / "book.csv"
    path.write_text("\n".join(lines) + "\n")
    assert import_extract(workspace(team, "root"), path).ok
    return team


def owner(engine: Engine, loan: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(sa.select(users.c.username).select_from(
            cases.outerjoin(users, cases.c.assignee_id == users.c.id))
            .where(cases.c.loan_number == loan)).scalar()


def case_id(engine: Engine, loan: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(cases.c.id).where(cases.c.loan_number == loan)).scalar_one()


def open_tasks_of(engine: Engine, loan: str) -> list[tuple[str, str | None, str]]:
    """(source, assignee, status) of a case's tasks."""
    with engine.connect() as conn:
        return sorted((r.source, r.username, r.status) for r in conn.execute(
            sa.select(tasks.c.source, users.c.username, tasks.c.status)
            .select_from(tasks.outerjoin(users, tasks.c.assignee_id == users.c.id))
            .where(tasks.c.case_id == case_id(engine, loan))))


def refusals(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        return [r.after | {"by": r.username} for r in conn.execute(
            sa.select(audit_events).where(audit_events.c.action == "refused"))]


def move(engine: Engine, actor: str, selection: service.Selection, to: list[str],
         spread: str = "least-loaded", contact_task: bool = True,
         **kw) -> service.Outcome:  # type: ignore[no-untyped-def]
    ws = workspace(engine, actor, settings=load_settings().model_copy(
        update={"reassign_contact_task": contact_task}))
    plan = service.preview(ws, selection, to, spread)
    return service.apply(ws, plan, VACATION, **kw)


def test_a_specialist_is_refused_and_the_attempt_is_audited(book: Engine) -> None:
    with pytest.raises(PermissionDenied, match="for leads and admins; sam is a specialist"):
        service.preview(workspace(book, "sam"), service.Selection(loan_numbers=("A1",)),
                        ["sam"], "round-robin")
    assert owner(book, "A1") == "ana"
    assert refusals(book) == [{"attempted": "reassigning cases", "by": "sam",
                               "message": "Reassigning cases is for leads and admins; sam is "
                                          "a specialist"}]
    with pytest.raises(PermissionDenied):
        service.undo_last(workspace(book, "ana"))
    assert [r["by"] for r in refusals(book)] == ["sam", "ana"]


def test_a_lead_keeps_to_their_own_team(book: Engine) -> None:
    with pytest.raises(PermissionDenied, match="cases owned by tom are another team's"):
        service.preview(workspace(book, "lee"), service.Selection(loan_numbers=("T1",)),
                        ["sam"], "round-robin")
    with pytest.raises(PermissionDenied, match="cannot give cases to tom"):
        service.preview(workspace(book, "lee"), service.Selection(loan_numbers=("A1",)),
                        ["tom"], "round-robin")
    assert len(refusals(book)) == 2
    # An admin may move anyone's case to anyone.
    assert move(book, "root", service.Selection(loan_numbers=("T1",)), ["sam"]).moved == 1
    assert owner(book, "T1") == "sam"


def test_the_preview_shows_loads_and_deadlines_changing_hands_and_changes_nothing(
        book: Engine) -> None:
    plan = service.preview(workspace(book, "lee"), service.Selection(from_user="sam"), ["ana"],
                           "least-loaded")
    assert [(x.username, x.before, x.after) for x in plan.loads] == [("ana", 1, 7),
                                                                     ("sam", 6, 0)]
    assert len(plan.moves) == 6
    # Delinquent since 2026-09-01: live contact (day 36, 7 Oct) and the written notice
    # and SPOC (day 45, 16 Oct) are missed by 29 Nov, and each case's are called out.
    assert {h.rule for h in plan.handovers} >= {"1024.39(a)", "1024.39(b)", "1024.40"}
    assert all(h.from_name == "sam" and h.to_name == "ana" for h in plan.handovers)
    assert owner(book, "S1") == "sam"


def test_a_batch_moves_cases_tasks_and_records_everything(book: Engine) -> None:
    before = open_tasks_of(book, "S1")
    done = move(book, "lee", service.Selection(loan_numbers=("S1", "S2")), ["ana"])
    assert done.moved == 2 and not done.conflicts
    assert owner(book, "S1") == owner(book, "S2") == "ana"
    after = open_tasks_of(book, "S1")
    # The deadlines moved with the case, and the new owner has an introduction task.
    assert [t for t in after if t[0] != "reassignment"] == [(s, "ana", st) for s, _, st in before]
    assert ("reassignment", "ana", "open") in after
    with session_scope(book) as session:
        timeline = case_timeline(session, case_id(book, "S1"))
        trail = audit_trail(session, AuditFilter(case_id=case_id(book, "S1"),
                                                 loan_number="S1"))
    assert any("reassigned" in i.text and "sam → ana" in i.text and "vacation" in i.text
               for i in timeline)
    moved = [r for r in trail if r.action == "reassign"]
    assert moved[0].before == {"assignee": "sam"}
    assert moved[0].after["assignee"] == "ana" and moved[0].after["batch"] == done.batch


def test_tasks_can_stay_with_their_assignee(book: Engine) -> None:
    before = open_tasks_of(book, "S3")
    move(book, "lee", service.Selection(loan_numbers=("S3",)), ["ana"], move_tasks=False,
         contact_task=False)
    assert owner(book, "S3") == "ana"
    assert open_tasks_of(book, "S3") == before


def test_spreading_round_robin_and_least_loaded(book: Engine) -> None:
    lee = workspace(book, "lee")
    plan = service.preview(lee, service.Selection(from_user="sam"), ["ana", "lee"],
                           "round-robin")
    assert sorted((x.username, x.after - x.before) for x in plan.loads) == [
        ("ana", 3), ("lee", 3), ("sam", -6)]
    plan = service.preview(lee, service.Selection(from_user="sam"), ["ana", "lee"],
                           "least-loaded")
    # ana starts with one case, lee with none: least-loaded evens them out at 4 and 3.
    assert sorted((x.username, x.after) for x in plan.loads) == [("ana", 4), ("lee", 3),
                                                                 ("sam", 0)]


def test_a_case_changed_after_the_preview_is_left_out_and_the_rest_move(book: Engine) -> None:
    plan = service.preview(workspace(book, "lee"), service.Selection(loan_numbers=("S1", "S2")),
                           ["ana"], "least-loaded")
    with book.connect() as conn:
        version = conn.execute(sa.select(cases.c.version).where(
            cases.c.loan_number == "S2")).scalar_one()
    update_case(workspace(book, "sam"), case_id(book, "S2"), version,
                {"hardship_reason": "illness"})
    done = service.apply(workspace(book, "lee"), plan, VACATION)
    assert done.moved == 1
    assert len(done.conflicts) == 1 and done.conflicts[0].startswith("S2 (changed by sam at ")
    assert owner(book, "S1") == "ana" and owner(book, "S2") == "sam"


def test_undo_puts_the_last_batch_back_and_is_audited(book: Engine) -> None:
    before = open_tasks_of(book, "S1")
    done = move(book, "lee", service.Selection(loan_numbers=("S1", "U1")), ["ana"])
    undone = service.undo_last(workspace(book, "lee"))
    assert (undone.batch, undone.moved) == (done.batch, 2)
    assert owner(book, "S1") == "sam" and owner(book, "U1") is None
    tasks_now = open_tasks_of(book, "S1")
    assert [t for t in tasks_now if t[0] != "reassignment"] == before
    assert ("reassignment", "ana", "cancelled") in tasks_now
    with session_scope(book) as session:
        trail = audit_trail(session, AuditFilter(action="undo"))
    assert [(r.entity, r.entity_id) for r in trail] == [("reassignment", done.batch)]
    with pytest.raises(InvalidInput, match="already undone"):
        service.undo_last(workspace(book, "lee"))


def test_undo_takes_back_the_tasks_the_receiver_added_since(book: Engine) -> None:
    """A call-back the receiver added after the move goes back with the case: left behind,
    it would sit with someone who may no longer complete it."""
    move(book, "lee", service.Selection(loan_numbers=("S1",)), ["ana"])
    added = add_task(workspace(book, "ana"), case_id(book, "S1"),
                     NewTask("callback", "call the borrower back", TODAY + timedelta(days=2)))
    service.undo_last(workspace(book, "lee"))
    assert owner(book, "S1") == "sam"
    assert ("call the borrower back", "sam", "open") in [
        (t.title, t.assignee, t.status) for t in titled_tasks(book, "S1")]
    complete_task(workspace(book, "sam"), added.id, "called back")
    with book.connect() as conn:
        undo_row = conn.execute(sa.select(audit_events.c.after).where(
            audit_events.c.action == "reassign_undo")).scalar_one()
    assert undo_row["tasks_moved"] >= 1


def titled_tasks(engine: Engine, loan: str) -> list[sa.Row]:
    with engine.connect() as conn:
        return conn.execute(
            sa.select(tasks.c.title, users.c.username.label("assignee"), tasks.c.status)
            .join(cases, cases.c.id == tasks.c.case_id)
            .outerjoin(users, users.c.id == tasks.c.assignee_id)
            .where(cases.c.loan_number == loan)).all()


def test_a_case_moved_again_and_again_keeps_one_open_introduction(book: Engine) -> None:
    for to in ("ana", "sam", "ana", "sam", "ana"):
        move(book, "lee", service.Selection(loan_numbers=("S1",)), [to])
    intros = [t for t in open_tasks_of(book, "S1") if t[0] == "reassignment"]
    assert [t for t in intros if t[2] == "open"] == [("reassignment", "ana", "open")]
    assert len([t for t in intros if t[2] == "cancelled"]) == 4
    # Undo of the last move: the case is sam's again, and so is the introduction it replaced.
    service.undo_last(workspace(book, "lee"))
    intros = [t for t in open_tasks_of(book, "S1") if t[0] == "reassignment"]
    assert [t for t in intros if t[2] == "open"] == [("reassignment", "sam", "open")]
    assert owner(book, "S1") == "sam"


def test_undo_is_refused_once_a_case_changed(book: Engine) -> None:
    move(book, "lee", service.Selection(loan_numbers=("S1", "S2")), ["ana"])
    with book.connect() as conn:
        version = conn.execute(sa.select(cases.c.version).where(
            cases.c.loan_number == "S1")).scalar_one()
    update_case(workspace(book, "ana"), case_id(book, "S1"), version,
                {"hardship_reason": "divorce"})
    with pytest.raises(InvalidInput, match=r"cannot undo: 1 of its 2 case\(s\) changed since "
                                           r"\(S1 \(changed by ana at "):
        service.undo_last(workspace(book, "lee"))
    assert owner(book, "S1") == owner(book, "S2") == "ana"


@pytest.mark.parametrize(("kind", "text", "error"), [
    ("holiday", "", "must be one of: vacation, departure, escalation, balancing, other"),
    ("other", "  ", "a reason of 'other' needs a few words"),
    ("", "", "must be one of"),
])
def test_a_reason_is_required_and_checked(kind: str, text: str, error: str) -> None:
    with pytest.raises(InvalidInput, match=error):
        service.parse_reason(kind, text)


def test_reason_words_may_follow_a_colon() -> None:
    assert service.parse_reason("Departure: last day Friday") == service.Reason(
        "departure", "last day Friday")


def test_receivers_must_be_active_people_who_work_cases(book: Engine) -> None:
    set_active(workspace(book, "root"), "ana", False)
    with pytest.raises(InvalidInput, match="ana is deactivated and cannot take cases"):
        service.preview(workspace(book, "lee"), service.Selection(loan_numbers=("S1",)),
                        ["ana"], "round-robin")
    with pytest.raises(InvalidInput, match="root is an admin"):
        service.preview(workspace(book, "root"), service.Selection(loan_numbers=("S1",)),
                        ["root"], "round-robin")
    with pytest.raises(InvalidInput, match="unknown loan number"):
        service.preview(workspace(book, "lee"), service.Selection(loan_numbers=("NOPE",)),
                        ["sam"], "round-robin")


def test_only_an_admin_deactivates_and_nothing_is_deleted(book: Engine) -> None:
    with pytest.raises(PermissionDenied, match="Deactivating users is for admins"):
        set_active(workspace(book, "lee"), "sam", False)
    assert refusals(book)[-1]["attempted"] == "deactivating users"
    set_active(workspace(book, "root"), "sam", False)
    assert owner(book, "S1") == "sam"  # still sam's, shown as needing reassignment
    with book.connect() as conn:
        assert conn.execute(sa.select(users.c.active).where(users.c.username == "sam")
                            ).scalar_one() is False


def test_once_an_admin_exists_only_admins_add_users(book: Engine) -> None:
    with pytest.raises(PermissionDenied, match="Adding users is for admins; lee is a lead"):
        add_user(workspace(book, "lee"), "new", "New Person", "specialist", "North")
    add_user(workspace(book, "root"), "new", "New Person", "specialist", "North")


def test_the_audit_table_refuses_updates_and_deletes(book: Engine) -> None:
    for statement in (audit_events.update().values(username="someone else"),
                      audit_events.delete()):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), \
                session_scope(book, write=True) as session:
            session.connection().execute(statement)
    with book.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(audit_events)
                            .where(audit_events.c.username == "someone else")).scalar() == 0


def test_big_batches_cross_the_in_list_chunks(book: Engine, tmp_path: Path) -> None:
    lines = ["loan_number,borrower_name,investor,upb,next_due_date,property_state,assignee"]
    lines += [f"B{i:04},Big {i},FNMA,1000,{date(2026, 12, 1)},TX,sam" for i in range(1900)]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n")
    assert import_extract(workspace(book, "root"), path).ok
    done = move(book, "lee", service.Selection(from_user="sam"), ["ana", "lee"],
                "round-robin")
    assert done.moved == 1906
    assert service.undo_last(workspace(book, "lee")).moved == 1906
    assert owner(book, "B1899") == "sam"


def test_board_figures_match_the_book(book: Engine) -> None:
    from datetime import UTC, datetime

    from db.engine import read_scope
    from db.queries import board_members, team_board, user_row

    with read_scope(book) as conn:
        me = user_row(conn, "lee")
        members = board_members(conn, me.role, me.team)
        rows = {r.username: r for r in team_board(conn, members, TODAY,
                                                  datetime(2026, 11, 23, tzinfo=UTC),
                                                  datetime(2026, 11, 29, tzinfo=UTC))}
        sam_id = conn.execute(sa.select(users.c.id).where(users.c.username == "sam")).scalar()
        open_tasks = [r for r in conn.execute(sa.select(tasks.c.due_on, tasks.c.kind).where(
            tasks.c.assignee_id == sam_id, tasks.c.status == "open"))]
    assert set(rows) == {"lee", "sam", "ana"}  # the South team is not on North's board
    sam = rows["sam"]
    assert (sam.open_cases, sam.never_contacted) == (6, 6)
    assert sam.overdue == sum(t.due_on < TODAY for t in open_tasks) > 0
    assert sam.due_today == sum(t.due_on == TODAY for t in open_tasks)
    assert sam.regulatory_missed == sum(t.due_on < TODAY and t.kind == "regulatory_deadline"
                                        for t in open_tasks)
    assert sam.oldest_loan is not None and sam.oldest_loan.startswith("S")
    assert (rows["lee"].open_cases, rows["lee"].oldest_loan) == (0, None)
    assert rows["ana"].calls_week == 0 and rows["ana"].rpc_rate is None


def test_a_deactivated_owners_cases_are_marked_in_the_queue(book: Engine) -> None:
    from db.queries import QueueFilter, queue_window
    from lossmit_tui.widgets.queue_table import COLUMNS

    set_active(workspace(book, "root"), "sam", False)
    with session_scope(book) as session:
        rows = {r.loan_number: r for r in queue_window(session, QueueFilter(), 0, 50)}
    shown = next(c for c in COLUMNS if c.key == "assignee").value
    assert shown(rows["S1"], TODAY) == "!sam"
    assert shown(rows["A1"], TODAY) == "ana"
    assert shown(rows["U1"], TODAY) == "—"


def test_task_lookups_for_given_cases_search_the_case_index(book: Engine) -> None:
    """SQLite keeps no statistics, so a query on tasks naming both its cases and
    `status = 'open'` is planned on the (status, due_on) index and walks every open task of
    the book (seconds a write at 1,000,000 cases). Every task query of a task added and
    completed, a call, an event, the case screen's reads, a reassignment and its undo, and
    the daily pass must search by case (or by task id)."""
    if book.dialect.name != "sqlite":
        pytest.skip("the planner's choice without statistics is SQLite's")
    from sqlalchemy import event

    from db.queries import case_detail, case_tasks
    from lossmit_tui.services.calls import NewCall, log_call
    from lossmit_tui.services.cases import NewEvent, record_event
    from lossmit_tui.services.clock import refresh_clocks

    seen: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if (statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE"))
                and "tasks" in statement and "case_id" in statement.split("WHERE", 1)[-1]):
            seen.append((statement, parameters))

    event.listen(book, "before_cursor_execute", keep)
    try:
        sam = workspace(book, "sam")
        task = add_task(sam, case_id(book, "S1"),
                        NewTask("callback", "Call back", TODAY + timedelta(days=2)))
        complete_task(sam, task.id, "called")
        log_call(sam, case_id(book, "S2"), NewCall("outbound", "borrower",
                                                    "right_party_contact", body="spoke"))
        record_event(sam, case_id(book, "S2"), NewEvent("written_notice_sent", TODAY, ""))
        with session_scope(book) as session:
            case_detail(session, case_id(book, "S2"))
            case_tasks(session, case_id(book, "S2"))
            case_timeline(session, case_id(book, "S2"))
        move(book, "lee", service.Selection(loan_numbers=("S1", "S2", "S3")), ["ana"])
        service.undo_last(workspace(book, "lee"))
        refresh_clocks(workspace(book, "lee", TODAY + timedelta(days=3)))
    finally:
        event.remove(book, "before_cursor_execute", keep)
    assert seen
    with book.connect() as conn:
        plans = {statement: " / ".join(r[3] for r in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + statement, parameters).all())
            for statement, parameters in seen}
    walking = {s: p for s, p in plans.items() if "ix_tasks_status_due (status=?)" in p}
    assert not walking, walking

def complaint_owners(engine: Engine) -> dict[int, tuple[str, int]]:
    with engine.connect() as conn:
        return {r.id: (r.username, r.version) for r in conn.execute(sa.text(
            "SELECT c.id, u.username, c.version FROM complaints c "
            "JOIN users u ON u.id = c.owner_id ORDER BY c.id"))}


def complaint_task_owners(engine: Engine, complaint_id: int) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(sa.text(
            "SELECT u.username FROM tasks t JOIN users u ON u.id = t.assignee_id "
            "WHERE t.status = 'open' AND t.source LIKE :s"),
            {"s": f"% complaint {complaint_id}"}).scalars())


def test_open_complaints_move_with_the_case_and_one_given_to_someone_else_stays(
        book: Engine) -> None:
    from lossmit_tui.services.complaints import (
        FindingInput,
        NewComplaint,
        Step,
        add_complaint,
        assign_complaint,
        close_complaint,
        record_finding,
        record_step,
    )

    sam = workspace(book, "sam")
    s1 = case_id(book, "S1")

    def log() -> int:
        row = add_complaint(sam, s1, NewComplaint(date(2026, 11, 23), "mail", "notice_of_error",
                                                  "fee charged twice", "b5"))
        assert row.id is not None
        return row.id

    mine, given, closed = log(), log(), log()
    assign_complaint(workspace(book, "lee"), given, 1, "lee")
    version = record_step(sam, closed, 1, Step("response", TODAY))
    version = record_finding(sam, closed, version, FindingInput("no_error", "no_error"))
    close_complaint(sam, closed, version, TODAY)
    assert complaint_owners(book) == {mine: ("sam", 1), given: ("lee", 2),
                                      closed: ("sam", 4)}

    done = move(book, "lee", service.Selection(loan_numbers=("S1",)), ["ana"],
                move_tasks=False)
    # the open complaint sam held moves (versioned), with its deadline tasks; the one a
    # lead gave to someone else stays; a closed one is history and keeps its owner
    assert complaint_owners(book) == {mine: ("ana", 2), given: ("lee", 2),
                                      closed: ("sam", 4)}
    assert complaint_task_owners(book, mine) == {"ana"}
    assert complaint_task_owners(book, given) == {"lee"}
    with book.connect() as conn:
        trail = conn.execute(sa.select(audit_events.c.entity_id, audit_events.c.before,
                                       audit_events.c.after).where(
            audit_events.c.entity == "complaint", audit_events.c.action == "assign")
            .order_by(audit_events.c.id)).all()
    last = trail[-1]  # one row for the move (the first is the lead's own assignment)
    assert len(trail) == 2
    assert (last.entity_id, last.before["owner"], last.after["owner"],
            last.after["batch"]) == (str(mine), "sam", "ana", done.batch)
    assert last.after["why"] == "the case was reassigned"

    service.undo_last(workspace(book, "lee"))
    assert complaint_owners(book) == {mine: ("sam", 3), given: ("lee", 2),
                                      closed: ("sam", 4)}
    assert complaint_task_owners(book, mine) == {"sam"}
