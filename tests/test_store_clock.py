"""The regulatory tasks follow the clock: one open task per rule (its earliest open
deadline), met ones completed, ones that do not apply cancelled; syncing again changes
nothing."""

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.engine import session_scope
from db.models import AuditEvent, Case, CaseClock, Task
from lossmit_tui.domain.calendar import BusinessCalendar
from lossmit_tui.domain.regclock import ClockState, regulatory_clocks
from lossmit_tui.domain.urgency import DEFAULT_WEIGHTS
from lossmit_tui.services.calls import NewCall, log_call
from lossmit_tui.services.cases import NewEvent, record_event
from lossmit_tui.services.clock import case_clocks, load_facts, refresh_clocks, sync_clocks
from lossmit_tui.services.importer import import_extract
from lossmit_tui.services.seed import seed

from .conftest import TODAY
from .workspace import workspace

W = DEFAULT_WEIGHTS
CAL = BusinessCalendar()
tasks_t, cases_t, audit_t = Task.__table__, Case.__table__, AuditEvent.__table__
checks_t = CaseClock.__table__


def open_regulatory(engine: Engine) -> dict[int, set[tuple[str, date]]]:
    found: dict[int, set[tuple[str, date]]] = defaultdict(set)
    with engine.connect() as conn:
        for r in conn.execute(sa.select(tasks_t.c.case_id, tasks_t.c.source, tasks_t.c.due_on)
                              .where(tasks_t.c.status == "open",
                                     tasks_t.c.kind == "regulatory_deadline")):
            found[r.case_id].add((r.source, r.due_on))
    return found


def test_a_stray_deadline_is_moved_to_the_date_the_clock_gives(current_case) -> None:
    engine, case_id = current_case
    with session_scope(engine, write=True) as session:  # e.g. typed in by another system
        session.add(Task(case_id=case_id, kind="regulatory_deadline", title="Decide",
                         due_on=TODAY + timedelta(days=3), source="1024.41(c)(1)"))
    record_event(workspace(engine, "sam"), case_id, NewEvent("application_complete", TODAY))
    assert open_regulatory(engine)[case_id] == {("1024.41(c)(1)", TODAY + timedelta(days=30)),
                                                ("1024.41(c)(3)", date(2026, 12, 4))}
    with engine.connect() as conn:
        moved = conn.execute(sa.select(audit_t.c.before, audit_t.c.after).where(
            audit_t.c.action == "reschedule")).one()
    assert moved.before == {"due_on": "2026-12-02"} and moved.after["due_on"] == "2026-12-29"


def test_a_seeded_book_brought_up_to_date_matches_its_clocks(engine: Engine) -> None:
    seed(engine, 150, 5, TODAY)
    first = refresh_clocks(workspace(engine, "admin"), every_case=True)
    assert first.added > 0 and first.visited > 100
    tasks = open_regulatory(engine)
    with engine.connect() as conn:
        open_ids = conn.execute(sa.select(cases_t.c.id).where(
            cases_t.c.closed_at.is_(None))).scalars().all()
        facts = load_facts(conn, open_ids)
        earliest: dict[int, set[tuple[str, date]]] = defaultdict(set)
        for case_id in open_ids:
            seen: set[str] = set()
            for clock in regulatory_clocks(facts[case_id], TODAY, CAL):
                if clock.is_deadline and clock.is_open and clock.citation not in seen:
                    seen.add(clock.citation)
                    earliest[case_id].add((clock.citation, clock.due_on))
        # Every open deadline has its task; a seeded task of a rule the clock does not
        # give (yet) is left as it was.
        for case_id in open_ids:
            assert earliest[case_id] <= tasks[case_id], case_id
        mismatched = conn.execute(sa.select(sa.func.count()).select_from(cases_t).where(
            cases_t.c.closed_at.is_(None),
            cases_t.c.reg_due_on.is_distinct_from(
                sa.select(sa.func.min(tasks_t.c.due_on)).where(
                    tasks_t.c.case_id == cases_t.c.id, tasks_t.c.status == "open",
                    tasks_t.c.kind == "regulatory_deadline").scalar_subquery()))).scalar()
    assert mismatched == 0
    # Each new task's audit row names that task: its id, its case, its rule and its day.
    with engine.connect() as conn:
        created = conn.execute(sa.select(audit_t).where(
            audit_t.c.entity == "task", audit_t.c.action == "create",
            audit_t.c.entity_id.is_not(None))).all()
        by_id = {t.id: t for t in conn.execute(
            sa.select(tasks_t, cases_t.c.loan_number).join(cases_t))}
    assert len(created) == first.added
    for row in created:
        task = by_id[int(row.entity_id)]
        assert (row.after["case"], row.after["rule"], row.after["due_on"]) == (
            task.loan_number, task.source, task.due_on.isoformat()), row.entity_id
    again = refresh_clocks(workspace(engine, "admin"), every_case=True)
    assert (again.added, again.moved, again.met, again.cancelled) == (0, 0, 0, 0)


def test_syncing_twice_changes_nothing(one_case) -> None:
    engine, case_id = one_case
    for kind in ("application_received", "application_complete", "denied"):
        record_event(workspace(engine, "sam"), case_id, NewEvent(kind, TODAY))
    with session_scope(engine, write=True) as session:
        again = sync_clocks(session, None, [case_id], TODAY, CAL)
    assert (again.added, again.moved, again.met, again.cancelled) == (0, 0, 0, 0)
    assert not again.changed


def test_the_pass_counts_what_is_due_soon_and_what_became_missed(one_case) -> None:
    engine, _ = one_case  # day-36 due Oct 7; day-45 written notice and SPOC due Oct 16
    first = refresh_clocks(workspace(engine, "lee", date(2026, 10, 5)))
    assert first.due_soon == 1 and first.newly_missed == 0  # the day-36 clock
    assert first.missed_since == date(2026, 10, 4)  # no pass before: the day before
    later = refresh_clocks(workspace(engine, "lee", date(2026, 10, 17)))
    # Since the Oct 5 pass, all three days passed without their events.
    assert (later.due_soon, later.newly_missed, later.missed_since) == (
        0, 3, date(2026, 10, 5))
    assert refresh_clocks(workspace(engine, "lee", date(2026, 10, 18))).newly_missed == 0


def _case_state(engine: Engine) -> dict[int, tuple[object, ...]]:
    with engine.connect() as conn:
        return {r.id: tuple(r)[1:] for r in conn.execute(sa.select(
            cases_t.c.id, cases_t.c.next_action_on, cases_t.c.next_action_kind,
            cases_t.c.reg_due_on, cases_t.c.urgency, checks_t.c.check_on,
            checks_t.c.window_only, checks_t.c.check_then)
            .join(checks_t, checks_t.c.case_id == cases_t.c.id, isouter=True)
            .where(cases_t.c.closed_at.is_(None)))}


def test_the_months_new_windows_added_set_wise_are_what_the_clock_says(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first of the month on a book in step with its clocks: the cases whose only change
    is the new live-contact window get it set-wise, and then a per-case sync, a next-action
    recompute and the clock's own next change all find nothing left to do."""
    from lossmit_tui.services.seed import add_compliance_history
    from lossmit_tui.services.tasks import recompute_cases
    from lossmit_tui.services.urgency import refresh_stale

    seed(engine, 300, 7, TODAY)
    add_compliance_history(engine, 7, TODAY)
    refresh_clocks(workspace(engine, "admin"), every_case=True)  # in step on Nov 29
    december = date(2026, 12, 1)
    with engine.connect() as conn:
        window = set(conn.execute(sa.select(checks_t.c.case_id).where(
            checks_t.c.check_on == december, checks_t.c.window_only.is_(True))).scalars())
        first_task = conn.execute(sa.select(sa.func.max(tasks_t.c.id))).scalar_one() + 1
    assert len(window) >= 30  # most of the book: reached in November, due again Dec 1
    refresh_stale(workspace(engine, "admin", december))  # `lossmit refresh` does urgency first
    before = open_regulatory(engine)
    # No statement that changes cases may carry one parameter per case of the step: a step
    # is up to 250,000 cases and PostgreSQL takes at most 65,535 parameters.
    widest: list[int] = [0]

    def count(conn: object, cursor: object, statement: str, parameters: object,
              context: object, executemany: bool) -> None:
        if statement.lstrip().upper().startswith("UPDATE CASES"):
            one_set = parameters[0] if executemany else parameters  # type: ignore[index]
            widest[0] = max(widest[0], len(one_set))  # type: ignore[arg-type]

    sa.event.listen(engine, "before_cursor_execute", count)
    monkeypatch.setattr("lossmit_tui.services.urgency.BATCH", 10)
    try:
        result = refresh_clocks(workspace(engine, "admin", december))
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert 0 < widest[0] <= 12, widest
    assert result.rolled == len(window) and not (window & result.changed)
    after = open_regulatory(engine)
    for case_id in window:  # one new deadline each: Dec 1's window, due Jan 6
        assert after[case_id] - before[case_id] == {("1024.39(a)", date(2027, 1, 6))}
        assert before[case_id] <= after[case_id]
    with engine.connect() as conn:
        new = conn.execute(sa.select(tasks_t).where(tasks_t.c.id >= first_task,
                                                    tasks_t.c.case_id.in_(window))).all()
        step = conn.execute(sa.select(audit_t).where(
            audit_t.c.entity == "task", audit_t.c.action == "create",
            audit_t.c.entity_id.is_(None))).all()
    assert len(new) == len(window) and len({t.case_id for t in new}) == len(window)
    for task in new:
        assert task.title == "Live contact (day 36) · installment due 2026-12-01"
        assert (task.status, task.kind, task.completed_at) == ("open", "regulatory_deadline",
                                                               None)
    # One audit row for the step names the rule, the count, and the tasks by id range and
    # by their creation time.
    assert len(step) == 1
    row = step[0]
    assert (row.username, row.user_id, row.after["tasks"]) == ("admin", None, len(window))
    assert row.after["task_ids"] == [min(t.id for t in new), max(t.id for t in new)]
    assert {t.created_at for t in new} == {row.at}
    state = _case_state(engine)
    open_ids = sorted(state)
    with session_scope(engine, write=True) as session:
        again = sync_clocks(session, None, open_ids, december, CAL)
        assert (again.added, again.moved, again.met, again.cancelled) == (0, 0, 0, 0)
        recompute_cases(session.connection(), open_ids, december, W)
    assert _case_state(engine) == state


def test_the_set_wise_step_leaves_a_case_a_month_late_to_the_sync(engine: Engine) -> None:
    from lossmit_tui.services.clock import roll_windows
    from lossmit_tui.services.seed import add_compliance_history

    seed(engine, 120, 7, TODAY)
    add_compliance_history(engine, 7, TODAY)
    refresh_clocks(workspace(engine, "admin"), every_case=True)
    with engine.connect() as conn:
        # the cases whose December installment opens a window (one whose application is
        # active on Dec 1 has that window met: its next one opens later, 1024.39(a)-6)
        window = conn.execute(sa.select(checks_t.c.case_id, cases_t.c.assignee_id)
                              .join(cases_t, cases_t.c.id == checks_t.c.case_id)
                              .where(checks_t.c.window_only.is_(True),
                                     checks_t.c.check_on == date(2026, 12, 1))
                              .order_by(checks_t.c.case_id)).all()
    owner = window[0].assignee_id
    theirs = {r.case_id for r in window if r.assignee_id == owner}
    with session_scope(engine, write=True) as session:
        conn = session.connection()
        # A month or more after the check day, more has fallen due: none is rolled.
        assert roll_windows(conn, date(2026, 12, 29), W, "admin").cases == 0
        assert roll_windows(conn, date(2026, 12, 1), W, "admin",
                            assignees=(owner,)).cases == len(theirs)
    before = open_regulatory(engine)
    late = refresh_clocks(workspace(engine, "admin", date(2026, 12, 29)))
    assert late.rolled == 0 and late.visited >= len(window) - len(theirs)
    after = open_regulatory(engine)
    for r in window:  # the sync gave the others the same Dec 1 window
        assert after[r.case_id] - before[r.case_id] == (
            set() if r.case_id in theirs else {("1024.39(a)", date(2027, 1, 6))})


@pytest.mark.parametrize(("state", "zip_code", "utc_time", "late"), [
    ("CA", "90012", datetime(2026, 2, 7, 1, 30, tzinfo=UTC), False),  # 17:30 Feb 6 Pacific
    ("NY", "10001", datetime(2026, 2, 7, 1, 30, tzinfo=UTC), False),  # 20:30 Feb 6 Eastern
    ("NY", "10001", datetime(2026, 2, 7, 5, 30, tzinfo=UTC), True),  # 00:30 Feb 7 Eastern
    ("TN", None, datetime(2026, 2, 7, 5, 30, tzinfo=UTC), True),  # Feb 7 in Eastern TN
])
def test_a_conversation_counts_on_the_borrowers_own_day(
        team: Engine, tmp_path: Path, state: str, zip_code: str | None, utc_time: datetime,
        late: bool) -> None:
    """Installment due Jan 1: live contact by Feb 6 (day 36), on the borrower's calendar.
    The UTC date of every call above is Feb 7."""
    path = tmp_path / "case.csv"
    path.write_text("loan_number,borrower_name,investor,upb,next_due_date,property_state,"
                    f"property_zip,assignee\nW1,Wes Tern,FNMA,1000,2026-01-01,{state},"
                    f"{zip_code or ''},sam\n")
    assert import_extract(workspace(team, "lee", date(2026, 1, 20)), path).ok
    with team.connect() as conn:
        case_id = conn.execute(sa.select(cases_t.c.id)).scalar_one()
    log_call(workspace(team, "sam", date(2026, 2, 6), clock=lambda: utc_time), case_id,
             NewCall("outbound", "borrower", "right_party_contact", ("hardship_discussed",),
                     body="Talked through the options."))
    with session_scope(team) as session:
        found = case_clocks(session, case_id, date(2026, 2, 10), CAL)
    window = next(c for c in found if c.citation == "1024.39(a)"
                  and c.basis == "installment due 2026-01-01")
    local_day = "2026-02-07" if late else "2026-02-06"
    assert window.met_by == f"live contact on {local_day}" + (" (late)" if late else "")
    assert window.state is (ClockState.MISSED if late else ClockState.MET)
