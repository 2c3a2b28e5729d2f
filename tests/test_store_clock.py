"""The regulatory tasks follow the clock: one open task per rule (its earliest open
deadline), met ones completed, ones that do not apply cancelled; syncing again changes
nothing."""

from collections import defaultdict
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.engine import session_scope
from db.models import AuditEvent, Case, Task
from lossmit_tui.domain.calendar import BusinessCalendar
from lossmit_tui.domain.regclock import regulatory_clocks
from lossmit_tui.domain.urgency import DEFAULT_WEIGHTS
from lossmit_tui.services.cases import NewEvent, record_event
from lossmit_tui.services.clock import load_facts, refresh_clocks, sync_clocks
from lossmit_tui.services.seed import seed

from .conftest import TODAY

W = DEFAULT_WEIGHTS
CAL = BusinessCalendar()
tasks_t, cases_t, audit_t = Task.__table__, Case.__table__, AuditEvent.__table__


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
    with session_scope(engine, write=True) as session:
        record_event(session, "sam", case_id, NewEvent("application_complete", TODAY),
                     TODAY, W)
    assert open_regulatory(engine)[case_id] == {("1024.41(c)(1)", TODAY + timedelta(days=30)),
                                                ("1024.41(c)(3)", date(2026, 12, 4))}
    with engine.connect() as conn:
        moved = conn.execute(sa.select(audit_t.c.before, audit_t.c.after).where(
            audit_t.c.action == "reschedule")).one()
    assert moved.before == {"due_on": "2026-12-02"} and moved.after["due_on"] == "2026-12-29"


def test_a_seeded_book_brought_up_to_date_matches_its_clocks(engine: Engine) -> None:
    seed(engine, 150, 5, TODAY)
    first = refresh_clocks(engine, TODAY, W, "admin", CAL, every_case=True)
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
    again = refresh_clocks(engine, TODAY, W, "admin", CAL, every_case=True)
    assert (again.added, again.moved, again.met, again.cancelled) == (0, 0, 0, 0)


def test_syncing_twice_changes_nothing(one_case) -> None:
    engine, case_id = one_case
    for kind in ("application_received", "application_complete", "denied"):
        with session_scope(engine, write=True) as session:
            record_event(session, "sam", case_id, NewEvent(kind, TODAY), TODAY, W)
    with session_scope(engine, write=True) as session:
        again = sync_clocks(session, None, [case_id], TODAY, CAL)
    assert (again.added, again.moved, again.met, again.cancelled) == (0, 0, 0, 0)
    assert not again.changed


def test_the_pass_counts_what_is_due_soon_and_missed(one_case) -> None:
    engine, _ = one_case
    result = refresh_clocks(engine, TODAY, W, "lee")
    assert result.missed == 3 and result.due_soon == 0  # day-36, day-45 and SPOC, all past
    soon = refresh_clocks(engine, date(2026, 10, 5), W, "lee")
    assert soon.missed == 0 and soon.due_soon == 1  # the day-36 clock, due Oct 7


def _case_state(engine: Engine) -> dict[int, tuple[object, ...]]:
    with engine.connect() as conn:
        return {r.id: tuple(r)[1:] for r in conn.execute(sa.select(
            cases_t.c.id, cases_t.c.next_action_on, cases_t.c.next_action_kind,
            cases_t.c.reg_due_on, cases_t.c.urgency, cases_t.c.clock_check_on,
            cases_t.c.clock_window_only, cases_t.c.clock_check_then)
            .where(cases_t.c.closed_at.is_(None)))}


def test_the_months_new_windows_added_set_wise_are_what_the_clock_says(engine: Engine) -> None:
    """The first of the month on a book in step with its clocks: the cases whose only change
    is the new live-contact window get it set-wise, and then a per-case sync, a next-action
    recompute and the clock's own next change all find nothing left to do."""
    from lossmit_tui.services.seed import add_compliance_history
    from lossmit_tui.services.tasks import recompute_cases
    from lossmit_tui.services.urgency import refresh_stale

    seed(engine, 300, 7, TODAY)
    add_compliance_history(engine, 7, TODAY)
    refresh_clocks(engine, TODAY, W, "admin", CAL, every_case=True)  # in step on Nov 29
    december = date(2026, 12, 1)
    with engine.connect() as conn:
        window = set(conn.execute(sa.select(cases_t.c.id).where(
            cases_t.c.closed_at.is_(None), cases_t.c.clock_check_on == december,
            cases_t.c.clock_window_only.is_(True))).scalars())
        first_task = conn.execute(sa.select(sa.func.max(tasks_t.c.id))).scalar_one() + 1
    assert len(window) >= 30  # most of the book: reached in November, due again Dec 1
    refresh_stale(engine, december, W, "admin")  # `lossmit refresh` does urgency first
    before = open_regulatory(engine)
    result = refresh_clocks(engine, december, W, "admin", CAL)
    assert window <= result.changed
    after = open_regulatory(engine)
    for case_id in window:  # one new deadline each: Dec 1's window, due Jan 6
        assert after[case_id] - before[case_id] == {("1024.39(a)", date(2027, 1, 6))}
        assert before[case_id] <= after[case_id]
    with engine.connect() as conn:
        new = conn.execute(sa.select(tasks_t).where(tasks_t.c.id >= first_task,
                                                    tasks_t.c.case_id.in_(window))).all()
        audits = {r.entity_id: r for r in conn.execute(sa.select(audit_t).where(
            audit_t.c.entity == "task", audit_t.c.action == "create",
            audit_t.c.entity_id.in_([str(t.id) for t in new])))}
        loans = dict(conn.execute(sa.select(cases_t.c.id, cases_t.c.loan_number)).all())
    assert len(new) == len(window)
    for task in new:
        assert task.title == "Live contact (day 36) · installment due 2026-12-01"
        assert (task.status, task.kind, task.completed_at) == ("open", "regulatory_deadline",
                                                               None)
        row = audits[str(task.id)]
        assert (row.username, row.user_id, row.before) == ("admin", None, None)
        assert row.after == {"case": loans[task.case_id], "kind": "regulatory_deadline",
                             "title": task.title, "due_on": "2027-01-06",
                             "rule": "1024.39(a)"}
    state = _case_state(engine)
    open_ids = sorted(state)
    with session_scope(engine, write=True) as session:
        again = sync_clocks(session, None, open_ids, december, CAL)
        assert (again.added, again.moved, again.met, again.cancelled) == (0, 0, 0, 0)
        recompute_cases(session.connection(), open_ids, december, W)
    assert _case_state(engine) == state


def test_the_set_wise_pass_leaves_a_case_a_month_late_or_out_of_step_to_the_sync(
        engine: Engine) -> None:
    from lossmit_tui.services.clock import roll_windows
    from lossmit_tui.services.seed import add_compliance_history

    seed(engine, 120, 7, TODAY)
    add_compliance_history(engine, 7, TODAY)
    refresh_clocks(engine, TODAY, W, "admin", CAL, every_case=True)
    with engine.connect() as conn:
        window = conn.execute(sa.select(cases_t.c.id, cases_t.c.assignee_id).where(
            cases_t.c.closed_at.is_(None), cases_t.c.clock_window_only.is_(True))
            .order_by(cases_t.c.id)).all()
    odd = window[0].id
    with session_scope(engine, write=True) as session:  # a live-contact task from elsewhere
        session.add(Task(case_id=odd, kind="regulatory_deadline", title="Live contact",
                         due_on=date(2026, 12, 20), source="1024.39(a)"))
    with session_scope(engine, write=True) as session:
        conn = session.connection()
        # A month or more after the check day, more has fallen due: none is rolled.
        assert roll_windows(conn, date(2026, 12, 29), W, "admin") == []
        mine = roll_windows(conn, date(2026, 12, 1), W, "admin",
                            assignees=(window[1].assignee_id,))
        assert mine and {r.id for r in window if r.assignee_id == window[1].assignee_id} \
            - {odd} == set(mine)
        rest = roll_windows(conn, date(2026, 12, 1), W, "admin")
        assert odd not in mine + rest and len(mine + rest) == len(window) - 1
    result = refresh_clocks(engine, date(2026, 12, 1), W, "admin", CAL)
    assert odd in result.changed and result.moved >= 1  # the sync puts it right
    assert open_regulatory(engine)[odd] >= {("1024.39(a)", date(2027, 1, 6))}
