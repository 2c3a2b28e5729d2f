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
