"""A seeded book tells one story: every summary the case row keeps is what its calls, events,
tasks and documents say, nothing is stamped after the moment it was written, and its export
imports back into an empty store."""

from collections import defaultdict
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.engine import make_engine
from db.migrate import ensure_current
from db.queries import case_timeline
from db.tables import call_notes, case_events, cases, documents, tasks, users
from lossmit_tui.domain.enums import CallResult
from lossmit_tui.domain.trial import Schedule
from lossmit_tui.services.exporter import export_cases
from lossmit_tui.services.importer import import_extract
from lossmit_tui.services.seed import add_compliance_history, seed, seed_moment
from lossmit_tui.services.users import add_user

from .conftest import TODAY
from .workspace import workspace


def aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def by_case(conn: sa.Connection, table: sa.Table) -> dict[int, list[Any]]:
    found: dict[int, list[Any]] = defaultdict(list)
    for row in conn.execute(sa.select(table).order_by(table.c.id)):
        found[row.case_id].append(row)
    return found


def test_every_summary_on_a_seeded_case_follows_from_its_history(engine: Engine) -> None:
    clock = datetime.combine(TODAY, time(9, 30), tzinfo=UTC)  # the demo, opened before noon
    seed(engine, 1500, 9, TODAY, clock=clock)
    add_compliance_history(engine, 9, TODAY, clock=clock)
    now = seed_moment(TODAY, clock)
    assert now == clock
    with engine.connect() as conn:
        notes, events = by_case(conn, call_notes), by_case(conn, case_events)
        open_tasks = by_case(conn, tasks.select().where(tasks.c.status == "open").subquery())
        docs = by_case(conn, documents)
        rows = list(conn.execute(sa.select(cases)))
        stamps = [aware(t) for (t,) in conn.execute(sa.select(tasks.c.created_at))] + [
            aware(t) for (t,) in conn.execute(sa.select(tasks.c.completed_at))
            if t is not None]
    checked = {"contact": 0, "rpc": 0, "promise": 0, "kept": 0, "trial": 0}
    for case in rows:
        mine = [n for n in notes[case.id] if n.amends_id is None]
        contacts = [aware(n.called_at) for n in mine
                    if n.direction == "outbound" or n.result == CallResult.RPC]
        rpcs = [aware(n.called_at) for n in mine if n.result == CallResult.RPC]
        assert aware(case.last_contact_at) == max(contacts, default=None), case.loan_number
        assert aware(case.last_rpc_at) == max(rpcs, default=None), case.loan_number
        checked["contact"] += bool(contacts)
        checked["rpc"] += bool(rpcs)
        promised = [n for n in mine if "promise_to_pay" in (n.outcome_codes or [])]
        if promised:
            last = max(promised, key=lambda n: aware(n.called_at))
            assert (case.promise_amount_cents, case.promise_due_on) == (
                last.promise_amount_cents, last.promise_date), case.loan_number
            assert aware(last.called_at).date() <= last.promise_date
            checked["promise"] += 1
            paid = [e.occurred_on for e in events[case.id] if e.kind == "payment_received"
                    and e.occurred_on >= aware(last.called_at).date()]
            assert case.promise_kept_on == min(paid, default=None), case.loan_number
            checked["kept"] += bool(paid)
        else:
            assert case.promise_amount_cents is None and case.promise_due_on is None
            assert case.promise_kept_on is None
        due = [t.due_on for t in open_tasks[case.id]]
        assert case.next_action_on == min(due, default=None), case.loan_number
        if due:
            assert case.next_action_kind in {t.kind for t in open_tasks[case.id]
                                             if t.due_on == case.next_action_on}
        deadlines = [t.due_on for t in open_tasks[case.id] if t.kind == "regulatory_deadline"]
        assert case.reg_due_on == min(deadlines, default=None), case.loan_number
        assert case.missing_docs == sum(d.status == "requested" for d in docs[case.id])
        for note in notes[case.id]:
            assert aware(note.called_at) <= now and aware(note.created_at) <= now
            if note.direction == "outbound":
                said = (note.body or "").lower()
                assert "called in" not in said and "returned our call" not in said, note.body
        for event in events[case.id]:
            assert event.occurred_on <= TODAY and aware(event.created_at) <= now
        if case.stage == "trial" and case.closed_at is None:
            started = [e for e in events[case.id] if e.kind == "trial_started"]
            assert started, case.loan_number
            schedule = Schedule.from_payload(started[-1].occurred_on, started[-1].payload)
            assert schedule is not None and schedule.amount_cents > 0, case.loan_number
            checked["trial"] += 1
    assert all(stamp is not None and stamp <= now for stamp in stamps)
    assert min(checked.values()) > 5, checked  # every invariant was exercised
    # What the case screen's timeline shows is never in the future either, and a seeded
    # event stands at a time of its day, not at midnight below that day's other entries.
    with engine.connect() as conn:
        for case in rows[:200]:
            for item in case_timeline(conn, case.id):
                assert item.at <= now, (case.loan_number, item)
                if item.kind == "event":
                    assert item.at.time() != time(0, 0), (case.loan_number, item)


def test_a_seeded_books_export_imports_into_an_empty_store(engine: Engine,
                                                            tmp_path: Path) -> None:
    seed(engine, 3000, 4, TODAY)
    extract = tmp_path / "book.csv"
    assert export_cases(workspace(engine, "admin"), extract) == 3000
    empty = make_engine(str(tmp_path / "empty.db"))
    ensure_current(empty)
    with engine.connect() as conn:
        people = list(conn.execute(sa.select(users.c.username, users.c.display_name,
                                             users.c.role, users.c.team)
                                   .order_by(users.c.role != "admin", users.c.id)))
    for person in people:  # the team first: an extract names its assignees
        add_user(workspace(empty, "admin"), person.username, person.display_name,
                 person.role, person.team)
    report = import_extract(workspace(empty, "admin"), extract)
    assert report.problems == [], report.problems[:5]
    assert len(report.added) == 3000
    with empty.connect() as conn:
        loaded = conn.execute(sa.select(sa.func.count()).select_from(cases)).scalar_one()
        bad = conn.execute(sa.select(sa.func.count()).select_from(cases).where(
            cases.c.next_due_date < cases.c.origination_date)).scalar_one()
    assert (loaded, bad) == (3000, 0)


def test_seed_moment_is_noon_on_the_day_unless_the_clock_is_earlier() -> None:
    day = date(2026, 11, 29)
    assert seed_moment(day) == datetime(2026, 11, 29, 12, tzinfo=UTC)
    early = datetime(2026, 11, 29, 8, 5, tzinfo=UTC)
    assert seed_moment(day, early) == early
    assert seed_moment(day, datetime(2026, 12, 3, tzinfo=UTC)) == seed_moment(day)
