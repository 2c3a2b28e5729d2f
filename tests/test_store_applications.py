"""Incomplete applications through the services, on both stores: the acknowledgment's list
and the documents make an application facially complete (and bar the sale), a short-term
option on an incomplete application is checked and protects while performed, a denial waits
for third-party documents, and a call corrected to a conversation meets live contact."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.engine import session_scope
from db.models import AuditEvent, Case, Document, Task
from lossmit_tui.services.calls import NewCall, log_call
from lossmit_tui.services.cases import NewEvent, record_event
from lossmit_tui.services.clock import case_regulatory
from lossmit_tui.services.documents import receive_document, request_document
from lossmit_tui.services.errors import InvalidInput

from .conftest import TODAY
from .workspace import workspace

cases_t, tasks_t, audit_t, docs_t = (Case.__table__, Task.__table__, AuditEvent.__table__,
                                     Document.__table__)
SALE = TODAY + timedelta(days=100)


def record(engine: Engine, case_id: int, kind: str, **details: object) -> None:
    record_event(workspace(engine, "sam"), case_id, NewEvent(kind, TODAY, **details))  # type: ignore[arg-type]


def sale_bar(engine: Engine, case_id: int) -> tuple[str, tuple[str, ...]] | None:
    ws = workspace(engine, "sam")
    with session_scope(engine) as session:
        clocks, _, _ = case_regulatory(session, case_id, TODAY, ws.calendar)
    bar = [c for c in clocks if c.rule.title.startswith("No foreclosure")]
    return (bar[0].state.value, bar[0].notes) if bar else None


def counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                     for t in (Case.__table__, tasks_t, audit_t))  # type: ignore[return-value]


def test_documents_listed_by_the_acknowledgment_make_it_facially_complete(one_case) -> None:
    engine, case_id = one_case
    ws = workspace(engine, "sam")
    record(engine, case_id, "sale_scheduled", sale_date=SALE)
    stubs = request_document(ws, case_id, "pay_stubs")
    record(engine, case_id, "application_received")
    record(engine, case_id, "acknowledgment_sent")  # lists the pay stubs as missing
    assert sale_bar(engine, case_id) is None  # incomplete: nothing protects yet
    receive_document(ws, stubs.id or 0, TODAY, None)
    state, notes = sale_bar(engine, case_id) or ("", ())
    assert state == "barred"
    assert f"facially complete application of {TODAY} (1024.41(c)(2)(iv))" in notes[0]


def test_a_short_term_option_is_checked_and_protects_while_performed(one_case) -> None:
    engine, case_id = one_case
    record(engine, case_id, "sale_scheduled", sale_date=SALE)
    with pytest.raises(InvalidInput, match="record the application first"):
        record(engine, case_id, "short_term_offered", option="forbearance", months=3)
    record(engine, case_id, "application_received")
    before = counts(engine)
    for details, message in [
        ({"option": "forbearance", "months": 7}, "runs 1 to 6 months"),
        ({"option": "repayment_plan", "months": 6, "arrears_months": 4},
         "1 to 3 months of arrears"),
        ({"option": "deferral", "months": 3}, "repayment_plan or a forbearance"),
        ({"option": "forbearance", "months": 3, "arrears_months": 2},
         "only a repayment plan repays"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            record(engine, case_id, "short_term_offered", **details)
    assert counts(engine) == before  # nothing written
    record(engine, case_id, "short_term_offered", option="forbearance", months=3)
    with engine.connect() as conn:
        task = conn.execute(sa.select(tasks_t).where(tasks_t.c.source == "short_term")).one()
    assert task.due_on == date(2027, 2, 14)  # ends 2027-02-28, less two weeks
    assert "1024.41(c)(2)(iii)" in task.title
    assert sale_bar(engine, case_id) is None  # offered, not taken up: no bar
    record(engine, case_id, "offer_accepted")
    state, notes = sale_bar(engine, case_id) or ("", ())
    assert state == "barred" and "short-term forbearance" in notes[0]


def test_a_complete_application_refuses_a_short_term_offer(one_case) -> None:
    engine, case_id = one_case
    record(engine, case_id, "application_received")
    record(engine, case_id, "application_complete")
    with pytest.raises(InvalidInput, match="the application is complete"):
        record(engine, case_id, "short_term_offered", option="forbearance", months=3)


def test_no_denial_while_third_party_documents_are_awaited(one_case) -> None:
    engine, case_id = one_case
    record(engine, case_id, "application_received")
    record(engine, case_id, "application_complete")
    with pytest.raises(InvalidInput, match="record the delay notice sent"):
        record(engine, case_id, "third_party_received")
    record(engine, case_id, "third_party_delay_sent", note="Awaiting the HOA's payoff letter")
    before = counts(engine)
    with pytest.raises(InvalidInput, match=r"never denied for their absence \(1024.41\(c\)\(4\)"):
        record(engine, case_id, "denied")
    assert counts(engine) == before
    with engine.connect() as conn:  # the decision's deadline task is held (no due date)
        open_decide = conn.execute(sa.select(tasks_t.c.status).where(
            tasks_t.c.source == "1024.41(c)(1)", tasks_t.c.status == "open")).all()
    assert open_decide == []
    record(engine, case_id, "third_party_received")
    with engine.connect() as conn:
        due = conn.execute(sa.select(tasks_t.c.due_on).where(
            tasks_t.c.source == "1024.41(c)(1)", tasks_t.c.status == "open")).scalar_one()
    assert due == TODAY + timedelta(days=30)  # still the 30 days: later than 5 BD after
    record(engine, case_id, "denied")


def test_a_call_corrected_to_a_conversation_meets_live_contact(one_case) -> None:
    engine, case_id = one_case
    now = datetime(2026, 11, 29, 16, 0, tzinfo=UTC)
    ws = workspace(engine, "sam", clock=lambda: now)
    ws_calendar = ws.calendar

    def live_contact() -> str:
        with session_scope(engine) as session:
            clocks, _, _ = case_regulatory(session, case_id, TODAY, ws_calendar)
        return next(c.met_by for c in clocks if c.citation == "1024.39(a)"
                    and c.due_on is not None and c.due_on >= TODAY)

    log_call(ws, case_id, NewCall("inbound", "borrower", "no_answer", body="Line dropped."))
    assert live_contact() == ""
    with engine.connect() as conn:
        call_id = conn.execute(sa.text("select max(id) from call_notes")).scalar_one()
    log_call(ws, case_id, NewCall("inbound", "borrower", "right_party_contact",
                                  body="We spoke before the line dropped.",
                                  amends_id=call_id))
    assert live_contact().startswith("live contact on 2026-11-29")
