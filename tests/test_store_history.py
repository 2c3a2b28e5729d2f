"""The delinquency status history (db/history.py): written as change-only intervals by every
path that changes a loan (the import, an event that moves the stage, the foreclosure or
the bankruptcy, the daily pass), never updated in place, readable for any past day. Both
stores."""

from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.history import status_on
from db.tables import cases, loan_status_history
from lossmit_tui.services.cases import NewEvent, record_event
from lossmit_tui.services.daily import record_history, run_daily_pass
from lossmit_tui.services.importer import import_extract

from .conftest import TODAY
from .workspace import workspace

HEADER = "loan_number,borrower_name,investor,upb,next_due_date,property_state,assignee\n"


def intervals(engine: Engine) -> list[sa.Row[tuple[object, ...]]]:
    h = loan_status_history
    with engine.connect() as conn:
        return list(conn.execute(sa.select(h).order_by(h.c.case_id, h.c.id)))


def load(engine: Engine, tmp_path: Path, rows: str, today: date = TODAY) -> None:
    path = tmp_path / "extract.csv"
    path.write_text(HEADER + rows)
    assert import_extract(workspace(engine, "lee", today), path).ok


def test_an_import_opens_one_interval_per_new_loan_and_an_unchanged_one_writes_nothing(
        team: Engine, tmp_path: Path) -> None:
    load(team, tmp_path, "A1,Ann Lee,FNMA,1000,2026-09-01,TX,sam\n"
                         "A2,Bo Diaz,FHA,2000,2026-12-01,TX,sam\n")
    first = intervals(team)
    assert [(r.oldest_unpaid_due, r.stage, r.upb_cents, r.valid_from, r.valid_to)
            for r in first] == [(date(2026, 9, 1), "new", 100_000, TODAY, None),
                                (date(2026, 12, 1), "new", 200_000, TODAY, None)]
    # the same file the next day: nothing changed, nothing written
    load(team, tmp_path, "A1,Ann Lee,FNMA,1000,2026-09-01,TX,sam\n"
                         "A2,Bo Diaz,FHA,2000,2026-12-01,TX,sam\n", TODAY + timedelta(days=1))
    assert intervals(team) == first
    # a phone number is not tracked: still nothing
    path = tmp_path / "phone.csv"
    path.write_text("loan_number,borrower_name,investor,upb,next_due_date,property_state,phone\n"
                    "A1,Ann Lee,FNMA,1000,2026-09-01,TX,5125550100\n")
    assert import_extract(workspace(team, "lee"), path).ok
    assert intervals(team) == first


def test_an_import_that_moves_the_due_date_closes_the_interval_and_opens_the_next(
        team: Engine, tmp_path: Path) -> None:
    load(team, tmp_path, "A1,Ann Lee,FNMA,1000,2026-09-01,TX,sam\n"
                         "A2,Bo Diaz,FHA,2000,2026-12-01,TX,sam\n")
    later = TODAY + timedelta(days=3)
    # A1 paid an installment; A2 is untouched
    load(team, tmp_path, "A1,Ann Lee,FNMA,990,2026-10-01,TX,sam\n"
                         "A2,Bo Diaz,FHA,2000,2026-12-01,TX,sam\n", later)
    rows = intervals(team)
    a1 = [r for r in rows if r.case_id == rows[0].case_id]
    assert [(r.valid_from, r.valid_to, r.oldest_unpaid_due, r.upb_cents) for r in a1] == [
        (TODAY, later, date(2026, 9, 1), 100_000), (later, None, date(2026, 10, 1), 99_000)]
    assert len(rows) == 3  # A2 kept its one interval
    with team.connect() as conn:  # read back: the day before the payment, and after
        before = status_on(conn, a1[0].case_id, later - timedelta(days=1))
        after = status_on(conn, a1[0].case_id, later)
        assert before is not None and before.oldest_unpaid_due == date(2026, 9, 1)
        assert after is not None and after.oldest_unpaid_due == date(2026, 10, 1)
        assert status_on(conn, a1[0].case_id, TODAY - timedelta(days=1)) is None


def test_events_that_move_stage_foreclosure_or_bankruptcy_write_history(
        one_case: tuple[Engine, int]) -> None:
    engine, case_id = one_case
    sam = workspace(engine, "sam")
    assert len(intervals(engine)) == 1
    record_event(sam, case_id, NewEvent("application_received", TODAY, reason="by mail"))
    record_event(sam, case_id, NewEvent("fc_referral", TODAY, reason="120 days",
                                        firm="Smith LLP", basis="delinquency"))
    record_event(sam, case_id, NewEvent("bankruptcy_filed", TODAY, reason="notice",
                                        chapter=13, case_number="26-10001"))
    rows = intervals(engine)
    assert [(r.stage, r.fc_status, r.bankruptcy) for r in rows] == [
        ("new", None, None), ("application", None, None), ("application", "referred", None),
        ("application", "referred", "filed")]
    # all on one day: the earlier ones are empty intervals, only the last one is open
    assert [r.valid_to for r in rows] == [TODAY, TODAY, TODAY, None]
    with engine.connect() as conn:
        now = status_on(conn, case_id, TODAY)
        assert now is not None and now.bankruptcy == "filed"


def test_an_event_that_changes_no_tracked_value_writes_nothing(
        one_case: tuple[Engine, int]) -> None:
    engine, case_id = one_case
    first = intervals(engine)
    record_event(workspace(engine, "sam"), case_id,
                 NewEvent("written_notice_sent", TODAY, reason="mailed"))
    assert intervals(engine) == first


def test_the_daily_pass_records_a_change_written_behind_its_back_once(
        one_case: tuple[Engine, int]) -> None:
    engine, case_id = one_case
    with engine.begin() as conn:  # a tool outside the services moved the loan
        conn.execute(cases.update().where(cases.c.id == case_id).values(
            next_due_date=date(2026, 10, 1)))
    tomorrow = TODAY + timedelta(days=1)
    assert run_daily_pass(workspace(engine, "lee", tomorrow)).history == 0  # not asked
    report = run_daily_pass(workspace(engine, "lee", tomorrow), check_history=True)
    assert report.history == 1
    rows = intervals(engine)
    assert [(r.valid_from, r.valid_to, r.oldest_unpaid_due) for r in rows] == [
        (TODAY, tomorrow, date(2026, 9, 1)), (tomorrow, None, date(2026, 10, 1))]
    assert record_history(workspace(engine, "lee", tomorrow)) == 0
    assert intervals(engine) == rows


def test_one_users_pass_never_runs_the_book_wide_history_check(
        one_case: tuple[Engine, int]) -> None:
    """The app runs the pass for its user at start: it must not read every loan of the book
    for the history catch-all, even when asked; the book-wide pass does when asked."""
    engine, case_id = one_case
    with engine.begin() as conn:
        conn.execute(cases.update().where(cases.c.id == case_id).values(
            next_due_date=date(2026, 10, 1)))
    tomorrow = TODAY + timedelta(days=1)
    sam = workspace(engine, "sam", tomorrow)
    assert run_daily_pass(sam, assignees=(sam.user.user_id or 0,),
                          check_history=True).history == 0
    assert run_daily_pass(workspace(engine, "lee", tomorrow), every_case=True).history == 1


def test_the_daily_pass_opens_the_first_interval_of_a_loan_without_history(
        one_case: tuple[Engine, int]) -> None:
    engine, case_id = one_case
    with engine.begin() as conn:  # a loan loaded before history began
        conn.execute(loan_status_history.delete())
    assert record_history(workspace(engine, "lee")) == 1
    assert [(r.case_id, r.valid_to) for r in intervals(engine)] == [(case_id, None)]
