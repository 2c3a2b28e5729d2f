from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.engine import make_engine, session_scope
from db.migrate import ensure_current
from db.models import Case, Task, User
from db.queries import Due, open_tasks
from lossmit_tui.services import seed as seed_module
from lossmit_tui.services.errors import InvalidInput
from lossmit_tui.services.exporter import export_cases
from lossmit_tui.services.importer import import_extract
from lossmit_tui.services.promises import raise_missed_promises
from lossmit_tui.services.seed import seed
from lossmit_tui.services.users import require_user

from .conftest import TODAY
from .workspace import workspace


def dump(engine: Engine) -> dict[str, list[tuple]]:
    out = {}
    with engine.connect() as conn:
        for table in ("users", "cases", "tasks", "call_notes", "case_events", "documents"):
            out[table] = [tuple(r) for r in conn.execute(sa.text(
                f"SELECT * FROM {table} ORDER BY id"))]
    return out


def fresh(tmp_path, name: str) -> Engine:
    engine = make_engine(str(tmp_path / name))
    ensure_current(engine)
    return engine


def test_seed_is_deterministic_for_a_seed_and_a_day(tmp_path) -> None:
    a, b, c = fresh(tmp_path, "a.db"), fresh(tmp_path, "b.db"), fresh(tmp_path, "c.db")
    seed(a, 400, 42, TODAY)
    seed(b, 400, 42, TODAY)
    seed(c, 400, 43, TODAY)
    assert dump(a) == dump(b)
    assert dump(a)["cases"] != dump(c)["cases"]


def test_the_two_process_pipeline_yields_the_same_rows(tmp_path, monkeypatch) -> None:
    inline, piped = fresh(tmp_path, "inline.db"), fresh(tmp_path, "piped.db")
    seed(inline, 300, 5, TODAY)
    monkeypatch.setattr(seed_module, "PIPELINE_FROM", 100)
    monkeypatch.setattr(seed_module, "CHUNK", 64)
    seed(piped, 300, 5, TODAY)
    assert dump(inline) == dump(piped)


def test_seeded_caseload_is_realistic_and_consistent(engine: Engine) -> None:
    report = seed(engine, 600, 3, TODAY)
    assert report.cases == 600 and report.tasks >= 600
    cases, tasks = Case.__table__, Task.__table__
    with engine.connect() as conn:
        without_task = conn.execute(sa.select(sa.func.count()).select_from(cases).where(
            ~sa.exists().where(tasks.c.case_id == cases.c.id))).scalar()
        assert without_task == 0
        # The denormalised next action is the earliest open task of every open case.
        earliest = (sa.select(sa.func.min(tasks.c.due_on)).where(
            tasks.c.case_id == cases.c.id, tasks.c.status == "open").scalar_subquery())
        mismatched = conn.execute(sa.select(sa.func.count()).select_from(cases).where(
            cases.c.closed_at.is_(None), cases.c.next_action_on != earliest)).scalar()
        assert mismatched == 0
        buckets = {r[0] for r in conn.execute(sa.select(cases.c.next_due_date).distinct())}
        states = conn.execute(sa.select(sa.func.count(cases.c.property_state.distinct()))
                              ).scalar()
        investors = {r[0] for r in conn.execute(sa.select(cases.c.investor).distinct())}
        sales = conn.execute(sa.select(sa.func.count()).select_from(cases).where(
            cases.c.fc_sale_date.is_not(None))).scalar()
        roles = {r[0] for r in conn.execute(sa.select(User.__table__.c.role).distinct())}
    assert len(buckets) >= 8  # delinquency spread over many months
    assert states >= 30 and len(investors) == 7 and sales > 0
    assert roles == {"admin", "lead", "specialist"}
    # Missed promises already have their callback: the daily pass finds nothing to add.
    with engine.connect() as conn:
        missed = conn.execute(sa.select(sa.func.count()).select_from(tasks).where(
            tasks.c.source == "missed_promise")).scalar()
    assert missed > 0
    assert raise_missed_promises(workspace(engine, "seed")) == 0


def test_every_lapsed_promise_gets_its_callback_across_batches(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pass reads the lapsed promises a few at a time (here three): each case whose
    promise date passed unpaid gets exactly one callback, and a second pass adds none."""
    cases, tasks = Case.__table__, Task.__table__
    seed(engine, 400, 3, TODAY)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM tasks WHERE source = 'missed_promise'"))
        lapsed = conn.execute(sa.select(cases.c.id).where(
            cases.c.closed_at.is_(None), cases.c.promise_due_on < TODAY,
            cases.c.promise_kept_on.is_(None))).scalars().all()
    assert len(lapsed) > 6
    monkeypatch.setattr("lossmit_tui.services.promises.BATCH", 3)
    assert raise_missed_promises(workspace(engine, "seed")) == len(lapsed)
    with engine.connect() as conn:
        raised = conn.execute(sa.select(tasks.c.case_id).where(
            tasks.c.source == "missed_promise")).scalars().all()
    assert sorted(raised) == sorted(lapsed)
    assert raise_missed_promises(workspace(engine, "seed")) == 0


def test_a_seeded_books_extract_imports_back_unchanged(engine: Engine, tmp_path) -> None:
    """The seed's cases pass the import's own checks (a loan originated before its oldest
    unpaid installment, ZIPs in their states...): its export imports back changing nothing."""
    seed(engine, 3000, 1, TODAY)
    path = tmp_path / "book.csv"
    export_cases(workspace(engine, "admin"), path)
    report = import_extract(workspace(engine, "admin"), path, dry_run=True)
    assert report.problems[:3] == []
    assert report.unchanged == 3000 and not report.added and not report.updated


def test_seed_refuses_a_database_that_has_cases(engine: Engine) -> None:
    seed(engine, 10, 1, TODAY)
    with pytest.raises(InvalidInput, match="already holds 10 cases"):
        seed(engine, 10, 1, TODAY)


def test_task_windows(engine: Engine) -> None:
    report = seed(engine, 200, 4, TODAY)
    with session_scope(engine) as session:
        me = require_user(session, report.specialist)
        overdue = open_tasks(session, me.id, Due.OVERDUE, TODAY)
        by_today = open_tasks(session, me.id, Due.TODAY, TODAY)
        week = open_tasks(session, me.id, Due.WEEK, TODAY)
        everything = open_tasks(session, me.id, Due.ALL, TODAY)
    assert overdue and all(t.due < TODAY for t in overdue)
    assert all(t.due <= TODAY for t in by_today) and len(by_today) >= len(overdue)
    assert week
    assert all(t.due <= TODAY + timedelta(days=6 - TODAY.weekday()) for t in week)
    assert len(everything) >= len(week) and all(t.status == "open" for t in everything)
    assert [t.due for t in everything] == sorted(t.due for t in everything)
    assert {t.assignee for t in everything} == {me.username}
