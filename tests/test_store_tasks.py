from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.models import AuditEvent, Case, Task
from lossmit_tui.services.errors import InvalidInput, NotFound
from lossmit_tui.services.tasks import NewTask, add_task

from .conftest import TODAY
from .workspace import workspace


def case_row(engine: Engine, case_id: int):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(sa.select(Case.__table__).where(Case.__table__.c.id == case_id)).one()


def add(engine: Engine, case_id: int, new: NewTask) -> None:
    add_task(workspace(engine, "lee"), case_id, new)  # sam's lead: not the case's owner


def test_adding_tasks_moves_the_next_action_and_audits(current_case) -> None:
    engine, case_id = current_case
    before = case_row(engine, case_id)
    assert before.next_action_on is None
    add(engine, case_id, NewTask("callback", "Call back", TODAY + timedelta(days=3)))
    add(engine, case_id, NewTask("regulatory_deadline", "Decide", TODAY + timedelta(days=1)))
    after = case_row(engine, case_id)
    assert after.next_action_on == TODAY + timedelta(days=1)
    assert after.next_action_kind == "regulatory_deadline"
    assert after.reg_due_on == TODAY + timedelta(days=1)
    assert after.urgency > before.urgency and after.urgency_on == TODAY
    assert after.version == before.version  # derived fields never cause edit conflicts
    with engine.connect() as conn:
        tasks = conn.execute(sa.select(Task.__table__)).all()
        audits = conn.execute(sa.select(AuditEvent.__table__).where(
            AuditEvent.__table__.c.entity == "task")).all()
    assert {t.assignee_id for t in tasks} == {before.assignee_id}  # the case owner's
    assert [a.username for a in audits] == ["lee", "lee"]


@pytest.mark.parametrize(("new", "message"), [
    (NewTask("nap", "x", TODAY), "kind 'nap' must be one of"),
    (NewTask("callback", "  ", TODAY), "needs a title"),
    (NewTask("callback", "x", TODAY - timedelta(days=1)), "is in the past"),
])
def test_bad_tasks_are_refused_and_nothing_is_written(current_case, new: NewTask,
                                                      message: str) -> None:
    engine, case_id = current_case
    before = case_row(engine, case_id)
    with pytest.raises(InvalidInput, match=message):
        add(engine, case_id, new)
    assert case_row(engine, case_id) == before
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(Task.__table__)).scalar() == 0


def test_a_missing_case_is_reported(current_case) -> None:
    engine, _ = current_case
    with pytest.raises(NotFound):
        add(engine, 999, NewTask("callback", "x", TODAY))


def test_tracker_counts_stop_past_a_cap(one_case) -> None:  # type: ignore[no-untyped-def]
    from db.engine import read_scope
    from db.queries import tracker_counts

    engine, _ = one_case
    with read_scope(engine) as conn:
        exact = tracker_counts(conn, None, TODAY)
        capped = tracker_counts(conn, None, TODAY, cap=1)
    assert exact["overdue"] >= 2  # the delinquent case's missed deadlines
    assert capped == {name: min(n, 2) for name, n in exact.items()}


def test_financial_snapshots_are_saved_with_their_audit_row(one_case) -> None:  # type: ignore[no-untyped-def]
    from db.engine import read_scope
    from db.queries import case_financials
    from lossmit_tui.services.financials import parse_snapshot, save_financials

    engine, case_id = one_case
    snapshot, problems = parse_snapshot(
        {"income.wages.gross": "$5,200.00", "income.wages.net": "4,100",
         "expense.first_mortgage_piti": "1,797.14", "liquid_assets": "2500"}, TODAY, TODAY)
    assert not problems and snapshot is not None
    save_financials(workspace(engine, "sam"), case_id, snapshot)
    with read_scope(engine) as conn:
        saved = case_financials(conn, case_id)
        audited = conn.execute(sa.select(AuditEvent.__table__.c.after).where(
            AuditEvent.__table__.c.entity == "financials")).scalar_one()
    assert saved[0].author == "sam" and saved[0].liquid_assets_cents == 250_000
    assert audited["case"] == "A1" and audited["expenses"] == {"first_mortgage_piti": 179_714}
    with pytest.raises(NotFound):
        save_financials(workspace(engine, "sam"), 999_999, snapshot)
