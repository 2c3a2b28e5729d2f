"""Trial period plans in the store (docs/RULES.md section 6, "Trial period plans"): the
schedule a trial starts with, payments against it, the tasks the daily pass raises for a
missed payment and a passed grace, the failure to perform that lifts the foreclosure bar and
closes the trial, and the conversion task once every payment is in. On both stores."""

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.engine import session_scope
from db.models import AuditEvent, Case, CaseEvent, Task
from lossmit_tui.config import load_settings
from lossmit_tui.domain.calendar import BusinessCalendar
from lossmit_tui.domain.regclock import ClockState
from lossmit_tui.domain.trial import PaymentState, TrialPolicy
from lossmit_tui.services.cases import NewEvent, record_event
from lossmit_tui.services.clock import case_clocks
from lossmit_tui.services.daily import run_daily_pass
from lossmit_tui.services.errors import InvalidInput
from lossmit_tui.services.trials import case_trial, raise_trial_tasks

from .conftest import TODAY
from .workspace import workspace

cases_t, tasks_t, events_t = Case.__table__, Task.__table__, CaseEvent.__table__
FLEX_OFFER = {"name": "flex_modification", "pi_after": 111_771, "pi_before": 139_714}


def record(engine: Engine, case_id: int, kind: str, on: date = TODAY, today: date = TODAY,
           **fields: Any) -> None:
    reason = "recorded late" if on < today else ""
    record_event(workspace(engine, "sam", today), case_id,
                 NewEvent(kind, on, reason, **fields))


def trial_tasks(engine: Engine) -> list[tuple[str, str, str, date]]:
    with engine.connect() as conn:
        return [(r.kind, r.status, r.title, r.due_on) for r in conn.execute(
            sa.select(tasks_t).where(tasks_t.c.source.like("trial:%"))
            .order_by(tasks_t.c.id))]


def stage(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(conn.execute(sa.select(cases_t.c.stage)).scalar_one())


def status_on(engine: Engine, case_id: int, day: date) -> Any:
    with engine.connect() as conn:
        found = case_trial(conn, case_id, day, TrialPolicy())
    assert found is not None and found.status is not None
    return found.status


@pytest.fixture
def accepted(one_case: tuple[Engine, int]) -> tuple[Engine, int]:
    """A1 with a complete application, a Flex offer and its acceptance on TODAY (Nov 29)."""
    engine, case_id = one_case
    record(engine, case_id, "application_complete")
    record(engine, case_id, "offer_sent", offer=FLEX_OFFER)
    record(engine, case_id, "offer_accepted")
    return engine, case_id


def test_accepting_a_flex_offer_starts_its_trial_with_the_schedule(accepted) -> None:
    """D2-3.2-07: three monthly payments of the modified payment (escrow none on A1), the
    first due on the first of next month."""
    engine, _ = accepted
    assert stage(engine) == "trial"
    with engine.connect() as conn:
        start = conn.execute(sa.select(events_t).where(
            events_t.c.kind == "trial_started")).one()
    assert start.occurred_on == TODAY
    assert start.payload["trial"] == {
        "payments": 3, "amount_cents": 111_771, "first_due": "2026-12-01",
        "due": ["2026-12-01", "2027-01-01", "2027-02-01"], "option": "flex_modification"}
    assert start.payload["started_by"] == "offer_accepted"
    with engine.connect() as conn:
        audited = conn.execute(sa.select(AuditEvent.__table__.c.after).where(
            AuditEvent.__table__.c.entity == "case_event")).scalars().all()
    assert any(a["kind"] == "trial_started" for a in audited)


def test_a_trial_started_by_hand_takes_the_terms_entered(one_case) -> None:
    engine, case_id = one_case
    with pytest.raises(InvalidInput, match="a trial needs its terms"):
        record(engine, case_id, "trial_started")
    record(engine, case_id, "trial_started", amount_cents=90_000, payments=4,
           first_due=date(2027, 1, 15))
    status = status_on(engine, case_id, TODAY)
    assert [p.due_on for p in status.payments] == [
        date(2027, 1, 15), date(2027, 2, 15), date(2027, 3, 15), date(2027, 4, 15)]
    assert {p.amount_cents for p in status.payments} == {90_000}


def test_a_payment_is_applied_to_its_scheduled_payment(accepted) -> None:
    engine, case_id = accepted
    record(engine, case_id, "trial_payment", amount_cents=111_771)
    status = status_on(engine, case_id, TODAY)
    assert [p.state for p in status.payments] == [PaymentState.PAID, PaymentState.DUE,
                                                  PaymentState.DUE]
    with engine.connect() as conn:
        payload = conn.execute(sa.select(events_t.c.payload).where(
            events_t.c.kind == "trial_payment")).scalar_one()
    assert payload == {"amount_cents": 111_771, "payment": 1, "trial_started": "2026-11-29"}


def test_a_short_payment_is_refused_and_nothing_is_written(accepted) -> None:
    engine, case_id = accepted
    with engine.connect() as conn:
        before = conn.execute(sa.select(sa.func.count()).select_from(events_t)).scalar()
    with pytest.raises(InvalidInput, match=r"short of payment 1's \$1,117.71 by \$117.71"):
        record(engine, case_id, "trial_payment", amount_cents=100_000)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(events_t)).scalar() == before


def test_a_missed_payment_raises_a_task_then_a_failure_to_perform_task(accepted) -> None:
    """Payment 1 (due Dec 1) is paid; payment 2 (Jan 1) is not: the pass raises the payment
    task on Jan 2, and the failure-to-perform task on Feb 1, the day after the grace."""
    engine, case_id = accepted
    record(engine, case_id, "trial_payment", on=date(2026, 12, 1), today=date(2026, 12, 1),
           amount_cents=111_771)
    assert raise_trial_tasks(workspace(engine, "sam", date(2027, 1, 1))) == 0
    assert trial_tasks(engine) == []
    assert raise_trial_tasks(workspace(engine, "sam", date(2027, 1, 2))) == 1
    payment = ("trial_payment", "open",
               "trial payment 2 of 3 ($1,117.71) due 2027-01-01 not received", date(2027, 1, 2))
    assert trial_tasks(engine) == [payment]
    assert raise_trial_tasks(workspace(engine, "sam", date(2027, 1, 31))) == 0  # once
    assert raise_trial_tasks(workspace(engine, "sam", date(2027, 2, 1))) == 1
    found = trial_tasks(engine)
    assert found[0][:2] == ("trial_payment", "cancelled")
    assert found[1][:2] == ("failed_to_perform", "open")
    assert found[1][2].startswith("Failed to perform? trial payment 2 of 3 ($1,117.71) due "
                                  "2027-01-01 not received by 2027-01-31")
    with engine.connect() as conn:
        owner = conn.execute(sa.select(tasks_t.c.assignee_id).where(
            tasks_t.c.kind == "failed_to_perform")).scalar()
        assignee = conn.execute(sa.select(cases_t.c.assignee_id)).scalar()
        audited = conn.execute(sa.select(sa.func.count()).select_from(AuditEvent.__table__)
                               .where(AuditEvent.__table__.c.entity == "task",
                                      AuditEvent.__table__.c.username == "system")).scalar()
    assert owner == assignee  # the case's owner
    assert audited == 3  # the two tasks raised and the one cancelled


def test_failure_to_perform_lifts_the_bar_and_closes_the_trial(accepted) -> None:
    engine, case_id = accepted
    feb = date(2027, 2, 1)  # payment 1 (Dec) missed; Dec 31 its grace's last day
    assert raise_trial_tasks(workspace(engine, "sam", feb)) == 1

    def filing(day: date) -> ClockState:
        with session_scope(engine) as session:
            found = case_clocks(session, case_id, day, BusinessCalendar())
        return next(c for c in found if c.citation == "1024.41(f)(1)").state

    assert filing(feb) is ClockState.BARRED
    record(engine, case_id, "failed_to_perform", on=feb, today=feb)
    assert filing(feb) is ClockState.ALLOWED
    with engine.connect() as conn:
        payload = conn.execute(sa.select(events_t.c.payload).where(
            events_t.c.kind == "failed_to_perform")).scalar_one()
    assert payload == {"payment": 1}
    assert stage(engine) == "evaluation"
    assert {(k, s) for k, s, _, _ in trial_tasks(engine)} == {("failed_to_perform", "done")}
    status = status_on(engine, case_id, feb)
    assert status.next_step == "failed to perform on 2027-02-01 (payment 1): the trial is closed"
    with pytest.raises(InvalidInput, match="the trial failed on 2027-02-01"):
        record(engine, case_id, "trial_payment", on=feb, today=feb, amount_cents=111_771)
    assert raise_trial_tasks(workspace(engine, "sam", feb + timedelta(days=30))) == 0


def test_the_last_payment_raises_the_conversion_task_the_event_completes_it(accepted) -> None:
    engine, case_id = accepted
    for day in (date(2026, 12, 1), date(2027, 1, 4), date(2027, 2, 1)):
        record(engine, case_id, "trial_payment", on=day, today=day, amount_cents=111_771)
    assert trial_tasks(engine) == [(
        "review", "open", "Convert to the permanent modification (effective 2027-03-01): "
        "record modification_effective", date(2027, 3, 1))]
    with pytest.raises(InvalidInput, match="payment 2 was received on 2027-01-04"):
        record(engine, case_id, "failed_to_perform", on=date(2027, 2, 1),
               today=date(2027, 2, 1), payment=2)
    record(engine, case_id, "modification_effective", on=date(2027, 3, 1),
           today=date(2027, 3, 1))
    assert stage(engine) == "modified"
    assert [(k, s) for k, s, _, _ in trial_tasks(engine)] == [("review", "done")]


def test_the_conversion_waits_for_every_payment(accepted) -> None:
    engine, case_id = accepted
    with pytest.raises(InvalidInput, match="payment 1 due 2026-12-01; every trial payment"):
        record(engine, case_id, "modification_effective")


def test_a_first_payment_before_acceptance_accepts_when_the_investor_says_so(one_case) -> None:
    """1024.41(e)(2)(ii); whether the payment alone accepts is the investor's setting."""
    engine, case_id = one_case
    record(engine, case_id, "application_complete")
    record(engine, case_id, "offer_sent", offer=FLEX_OFFER)
    record(engine, case_id, "trial_payment", amount_cents=111_771)  # the setting is off
    assert stage(engine) == "offer"
    settings = load_settings(trial_payment_accepts_offer=True)
    record_event(workspace(engine, "sam", settings=settings), case_id,
                 NewEvent("trial_payment", TODAY, amount_cents=111_771))
    assert stage(engine) == "trial"
    status = status_on(engine, case_id, TODAY)
    # both payments since the offer count: the first two are paid
    assert [p.state for p in status.payments][:2] == [PaymentState.PAID, PaymentState.PAID]


def test_the_daily_pass_reads_only_the_trial_cases_of_the_users_own(accepted) -> None:
    engine, _ = accepted
    jan = date(2027, 1, 2)
    with engine.connect() as conn:
        sam = conn.execute(sa.select(cases_t.c.assignee_id)).scalar()
    assert raise_trial_tasks(workspace(engine, "ana", jan), assignees=(sam + 1000,)) == 0
    report = run_daily_pass(workspace(engine, "sam", jan), assignees=(sam,))
    assert report.trials == 1
    # Dec 1's payment is past its grace, Jan 1's in it
    assert [k for k, *_ in trial_tasks(engine)] == ["failed_to_perform", "trial_payment"]


def test_the_trial_step_reads_the_trial_cases_through_their_index(accepted) -> None:
    """The daily pass's trial step runs every day over the whole book: on SQLite, with no
    statistics, a stage given as a bound value walked every case by id (9.5-12 s at
    1,000,000 cases with no trial among them). Its read must search the trial cases'
    partial index, and still find the trial."""
    engine, _ = accepted
    if engine.dialect.name != "sqlite":
        pytest.skip("the planner's choice without statistics is SQLite's")
    from sqlalchemy import event

    plans: list[str] = []

    def keep(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if (statement.lstrip().upper().startswith("SELECT") and "stage" in statement
                and "ORDER BY cases.id" in statement):
            raw = conn.connection.dbapi_connection
            plans.append(" ".join(row[-1] for row in raw.execute(
                f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        assert raise_trial_tasks(workspace(engine, "sam", date(2027, 1, 2))) == 1
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert plans
    assert all("ix_cases_trial" in plan for plan in plans), plans


def test_the_daily_pass_reads_a_trial_only_on_the_days_time_changes_it(
        accepted, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each sync keeps the trial's next change day (the day after an unpaid payment's due
    date, the day after its grace): the pass reads the trial on that day and not before; a
    trial never synced is read; `every_case` (lossmit refresh --all-clocks) reads them all."""
    from db.tables import trial_checks
    from lossmit_tui.services import trials as service

    engine, case_id = accepted
    read: list[list[int]] = []
    real = service.sync_trial_tasks

    def spy(conn, actor, ids, today, policy, actor_name="system"):  # type: ignore[no-untyped-def]
        read.append(list(ids))
        return real(conn, actor, ids, today, policy, actor_name)

    monkeypatch.setattr(service, "sync_trial_tasks", spy)

    def check_on() -> date | None:
        with engine.connect() as conn:
            return conn.execute(sa.select(trial_checks.c.check_on).where(
                trial_checks.c.case_id == case_id)).scalar_one()

    assert check_on() == date(2026, 12, 2)  # payment 1 due Dec 1: in grace from Dec 2
    assert raise_trial_tasks(workspace(engine, "sam", date(2026, 12, 1))) == 0
    assert read == []  # not read: nothing changes before Dec 2
    assert raise_trial_tasks(workspace(engine, "sam", date(2026, 12, 2))) == 1
    assert read == [[case_id]]
    assert [k for k, *_ in trial_tasks(engine)] == ["trial_payment"]
    assert check_on() == date(2027, 1, 1)  # grace to Dec 31: missed on Jan 1
    read.clear()
    assert raise_trial_tasks(workspace(engine, "sam", date(2026, 12, 20))) == 0
    assert read == []
    assert raise_trial_tasks(workspace(engine, "sam", date(2026, 12, 20)),
                             every_case=True) == 0
    assert read == [[case_id]]  # read, nothing to change
    with engine.begin() as conn:  # a trial never synced (a book loaded with its trials)
        conn.execute(trial_checks.delete())
    read.clear()
    assert raise_trial_tasks(workspace(engine, "sam", date(2026, 12, 21))) == 0
    assert read == [[case_id]]
    assert check_on() == date(2027, 1, 1)
    read.clear()
    assert raise_trial_tasks(workspace(engine, "sam", date(2027, 1, 1))) == 1
    assert read == [[case_id]]
    assert [k for k, *_ in trial_tasks(engine)] == ["trial_payment", "failed_to_perform"]


def test_trial_payments_from_a_file_all_or_nothing(accepted) -> None:
    """The payment system's file records each payment as one entered on the case; a file
    with any refused row records nothing and names every refused line."""
    from lossmit_tui.services.trial_payments import import_trial_payments

    engine, case_id = accepted
    later = date(2026, 12, 3)
    ws = workspace(engine, "sam", later)
    with engine.connect() as conn:
        before = conn.execute(sa.select(sa.func.count()).select_from(events_t)).scalar_one()
    bad = ("loan_number,paid_on,amount\n"
           "A1,2026-12-01,1117.71\n"
           "A1,2026-12-02,50.00\n"  # short of the scheduled payment
           "ZZ9,2026-12-02,1117.71\n")
    with pytest.raises(InvalidInput) as refused:
        import_trial_payments(ws, bad, "payments.csv")
    text = str(refused.value)
    assert text.startswith("nothing was recorded")
    assert "line 3 (loan A1)" in text and "line 4: no case has loan number 'ZZ9'" in text
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(events_t)
                            ).scalar_one() == before
    for broken, message in [("loan,paid_on,amount\n", "missing: loan_number"),
                            ("loan_number,paid_on,amount\nA1,12/01/2026,1117.71\n",
                             "line 2: paid_on '12/01/2026' is not a date"),
                            ("loan_number,paid_on,amount\nA1,2026-12-01,lots\n",
                             "line 2: amount")]:
        with pytest.raises(InvalidInput, match=message):
            import_trial_payments(ws, broken, "payments.csv")
    good = "loan_number,paid_on,amount,payment\nA1,2026-12-01,1117.71,1\n"
    assert import_trial_payments(ws, good, "payments.csv") == 1
    status = status_on(engine, case_id, later)
    assert status.payments[0].state is PaymentState.PAID
    assert status.payments[0].paid_on == date(2026, 12, 1)
