"""Early intervention (docs/RULES.md section 4, 12 CFR 1024.39) through the services, on
both stores: good-faith call attempts meet a live-contact window; a bankruptcy, a no-option
notice, military service and a successor in interest are recorded facts the clock reads."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.engine import session_scope
from db.models import AuditEvent, CallNote, Case, CaseEvent, Task
from lossmit_tui.config import load_settings
from lossmit_tui.services.calls import NewCall, log_call
from lossmit_tui.services.cases import NewEvent, record_event
from lossmit_tui.services.clock import case_clocks, case_regulatory, load_facts
from lossmit_tui.services.documents import receive_document, request_document
from lossmit_tui.services.errors import InvalidInput
from lossmit_tui.services.importer import import_extract

from .workspace import workspace

cases_t, tasks_t, audit_t = Case.__table__, Task.__table__, AuditEvent.__table__
JAN_20 = date(2026, 1, 20)


@pytest.fixture
def jan_case(team: Engine, tmp_path: Path) -> tuple[Engine, int]:
    """Loan W1 in Texas (Central time), installment due 2026-01-01 unpaid: live contact by
    2026-02-06, the written notice by 2026-02-15."""
    path = tmp_path / "case.csv"
    path.write_text("loan_number,borrower_name,investor,upb,next_due_date,property_state,"
                    "property_zip,assignee\nW1,Wes Tern,FNMA,1000,2026-01-01,TX,75001,sam\n")
    assert import_extract(workspace(team, "lee", JAN_20), path).ok
    with team.connect() as conn:
        return team, conn.execute(sa.select(cases_t.c.id)).scalar_one()


def live_contact_tasks(engine: Engine) -> list[sa.Row]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(tasks_t).where(
            tasks_t.c.source == "1024.39(a)").order_by(tasks_t.c.id)))


def call(engine: Engine, case_id: int, at: datetime, direction: str = "outbound",
         result: str = "no_answer", needed: int | None = None) -> None:
    settings = load_settings(**({} if needed is None else {"good_faith_attempts": needed}))
    log_call(workspace(engine, "sam", at.date(), clock=lambda: at, settings=settings),
             case_id, NewCall(direction, "borrower" if result == "right_party_contact"
                              else "none", result, body="Called."))


def test_two_attempts_on_different_borrower_days_meet_the_window(jan_case) -> None:
    """Comment 39(a)-3 (policy: 2 attempts on different days): an inbound call is no
    attempt; two attempts the same borrower-local day are one; the second day meets it.
    00:30 UTC on Jan 23 is still Jan 22 in Texas."""
    engine, case_id = jan_case
    assert [t.status for t in live_contact_tasks(engine)] == ["open"]
    call(engine, case_id, datetime(2026, 1, 22, 15, 0, tzinfo=UTC))
    call(engine, case_id, datetime(2026, 1, 23, 0, 30, tzinfo=UTC))  # Jan 22, Central
    call(engine, case_id, datetime(2026, 1, 26, 15, 0, tzinfo=UTC), direction="inbound")
    assert [t.status for t in live_contact_tasks(engine)] == ["open"]
    call(engine, case_id, datetime(2026, 1, 27, 15, 0, tzinfo=UTC))
    task = live_contact_tasks(engine)[0]
    assert task.status == "done"
    assert task.completion_note == (
        "Met: good-faith efforts: attempts on 2026-01-22 and 2026-01-27")
    with engine.connect() as conn:
        audited = conn.execute(sa.select(audit_t.c.after).where(
            audit_t.c.entity == "task", audit_t.c.action == "complete")).scalars().all()
    assert any("good-faith efforts" in (a or {}).get("met_by", "") for a in audited)


def test_the_number_of_attempts_is_a_setting(jan_case) -> None:
    engine, case_id = jan_case
    for day in (22, 23):
        call(engine, case_id, datetime(2026, 1, day, 15, 0, tzinfo=UTC), needed=3)
    assert [t.status for t in live_contact_tasks(engine)] == ["open"]
    call(engine, case_id, datetime(2026, 1, 24, 15, 0, tzinfo=UTC), needed=3)
    assert live_contact_tasks(engine)[0].status == "done"


def test_an_amended_note_is_no_attempt(jan_case) -> None:
    engine, case_id = jan_case
    call(engine, case_id, datetime(2026, 1, 22, 15, 0, tzinfo=UTC))
    with engine.connect() as conn:
        first = conn.execute(sa.select(CallNote.__table__.c.id)).scalar_one()
    at = datetime(2026, 1, 27, 15, 0, tzinfo=UTC)
    log_call(workspace(engine, "sam", at.date(), clock=lambda: at), case_id,
             NewCall("outbound", "none", "no_answer", body="Correction.", amends_id=first))
    with session_scope(engine) as session:
        facts = load_facts(session.connection(), [case_id])[case_id]
    assert facts.attempts == (date(2026, 1, 22),)


def event(engine: Engine, case_id: int, kind: str, on: date, **extra: object) -> None:
    record_event(workspace(engine, "sam", on), case_id, NewEvent(kind, on, **extra))  # type: ignore[arg-type]


def test_a_bankruptcy_cancels_live_contact_and_owes_the_notice_45_days_after(
        jan_case) -> None:
    """1024.39(c)(1): filed Feb 2, while delinquent: live contact exempt (the open task is
    cancelled saying why), the written notice due Mar 19 (45 days after the petition)."""
    engine, case_id = jan_case
    event(engine, case_id, "bankruptcy_filed", date(2026, 2, 2), chapter=13,
          case_number=" 26-10001 ")
    task = live_contact_tasks(engine)[0]
    assert task.status == "cancelled" and "debtor in bankruptcy" in task.completion_note
    assert "1024.39(c)(1)(i)" in task.completion_note
    with engine.connect() as conn:
        notice = conn.execute(sa.select(tasks_t.c.due_on).where(
            tasks_t.c.source == "1024.39(b)", tasks_t.c.status == "open")).scalar_one()
        payload = conn.execute(sa.select(CaseEvent.__table__.c.payload).where(
            CaseEvent.__table__.c.kind == "bankruptcy_filed")).scalar_one()
    assert notice == date(2026, 3, 19)
    assert payload == {"chapter": 13, "case_number": "26-10001"}
    with session_scope(engine) as session:
        clocks, standing, _ = case_regulatory(session, case_id, date(2026, 2, 2),
                                           workspace(engine, "sam").calendar)
        facts = load_facts(session.connection(), [case_id])[case_id]
    assert facts.bankruptcy is not None and facts.bankruptcy.chapter == 13
    assert standing == ["Bankruptcy: a borrower is a debtor in chapter 13 case 26-10001 "
                        "filed 2026-02-02 (1024.39(c))"]
    assert any(not c.applies and c.citation == "1024.39(a)" for c in clocks)


@pytest.mark.parametrize(("chapter", "number", "problem"), [
    (None, "26-10001", "needs its chapter: one of 7, 11, 12, 13"),
    (9, "26-10001", "needs its chapter"),
    (13, "", "needs the court's case number"),
    (13, "[@click=app.quit]", "is not one"),
])
def test_a_bankruptcy_filing_without_a_good_chapter_or_case_number_is_refused(
        jan_case, chapter: int | None, number: str, problem: str) -> None:
    engine, case_id = jan_case
    with engine.connect() as conn:
        before = conn.execute(sa.select(sa.func.count()).select_from(audit_t)).scalar()
    with pytest.raises(InvalidInput, match=problem.replace("(", r"\(").replace(")", r"\)")):
        event(engine, case_id, "bankruptcy_filed", date(2026, 2, 2), chapter=chapter,
              case_number=number)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(audit_t)).scalar() \
            == before
        assert not conn.execute(sa.select(CaseEvent.__table__.c.id)).all()


def test_only_a_filing_takes_a_chapter(jan_case) -> None:
    engine, case_id = jan_case
    with pytest.raises(InvalidInput, match="only a bankruptcy filing takes a chapter"):
        event(engine, case_id, "bankruptcy_dismissed", date(2026, 2, 2), chapter=7)


def test_a_no_option_notice_meets_live_contact(jan_case) -> None:
    """Comment 39(a)-6."""
    engine, case_id = jan_case
    event(engine, case_id, "no_option_notice_sent", date(2026, 1, 30))
    task = live_contact_tasks(engine)[0]
    assert task.status == "done" and "no loss-mitigation option" in task.completion_note


def test_military_service_and_a_successor_are_recorded_facts(jan_case) -> None:
    """SCRA service is exposed for the foreclosure side; a successor's application counts
    from the confirmation day (1024.38(b)(1)(vi)); a confirmed successor shows on the case."""
    engine, case_id = jan_case
    event(engine, case_id, "active_duty_started", date(2026, 1, 21))
    event(engine, case_id, "application_received", date(2026, 1, 22), from_successor=True,
          reason="from the late borrower's daughter")
    with engine.connect() as conn:
        assert not conn.execute(sa.select(tasks_t.c.id).where(
            tasks_t.c.source == "1024.41(b)(2)(i)(B)")).all()
    event(engine, case_id, "successor_confirmed", date(2026, 2, 2))
    with engine.connect() as conn:
        ack = conn.execute(sa.select(tasks_t.c.due_on).where(
            tasks_t.c.source == "1024.41(b)(2)(i)(B)")).scalar_one()
    assert ack == date(2026, 2, 9)  # 5 business days after the confirmation
    with session_scope(engine) as session:
        facts = load_facts(session.connection(), [case_id])[case_id]
        clocks = case_clocks(session, case_id, date(2026, 2, 2),
                             workspace(engine, "sam").calendar)
        standing = case_regulatory(session, case_id, date(2026, 2, 2),
                                   workspace(engine, "sam").calendar)[1]
    assert (facts.active_duty_since, facts.active_duty_until) == (date(2026, 1, 21), None)
    assert facts.successors_confirmed == (date(2026, 2, 2),)
    assert any("Successor in interest confirmed 2026-02-02" in line for line in standing)
    assert any("active duty from 2026-01-21" in line for line in standing)
    assert clocks


def test_a_document_received_at_23_30_eastern_is_dated_that_day(jan_case) -> None:
    """docs/RULES.md section 4, Dating: received on the servicer's calendar day
    (`servicer_timezone`, America/New_York by default), never the UTC date."""
    engine, case_id = jan_case
    at = datetime(2026, 1, 23, 4, 30, tzinfo=UTC)  # 23:30 Eastern on Jan 22
    ws = workspace(engine, "sam", date(2026, 1, 22), clock=lambda: at)
    doc = request_document(ws, case_id, "pay_stubs")
    assert receive_document(ws, doc.id, None, None).received_on == date(2026, 1, 22)  # type: ignore[arg-type]
    pacific = load_settings(servicer_timezone="America/Los_Angeles")
    later = datetime(2026, 1, 23, 8, 30, tzinfo=UTC)  # 00:30 Pacific on Jan 23
    ws = workspace(engine, "sam", date(2026, 1, 23), clock=lambda: later, settings=pacific)
    doc = request_document(ws, case_id, "bank_statements")
    assert receive_document(ws, doc.id, None, None).received_on == date(2026, 1, 23)  # type: ignore[arg-type]


def test_the_servicer_time_zone_must_be_a_zone() -> None:
    from lossmit_tui.config import ConfigError

    with pytest.raises(ConfigError, match=r"servicer_timezone: .*not a time zone name"):
        load_settings(servicer_timezone="Eastern")
