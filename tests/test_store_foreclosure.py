"""Foreclosure coordination and appeals through the services, on both stores: the milestones
move the case's referral and sale dates, a barred sale on the calendar raises the urgent
instruction to counsel and leads the Regulatory view, the daily hand-off lists every hold, and
an appeal is taken and decided only as 1024.41(h) allows."""

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.engine import session_scope
from db.models import AuditEvent, Case, CaseEvent, Task
from db.queries import Sort, queue_window
from lossmit_tui.services.cases import NewEvent, record_event
from lossmit_tui.services.errors import InvalidInput
from lossmit_tui.services.foreclosure import foreclosure_holds
from lossmit_tui.services.importer import import_extract
from lossmit_tui.views import view_filter, visible_views

from .conftest import TODAY
from .workspace import workspace

cases_t, tasks_t, audit_t = Case.__table__, Task.__table__, AuditEvent.__table__
events_t = CaseEvent.__table__
SALE = TODAY + timedelta(days=60)


def record(engine: Engine, case_id: int, kind: str, who: str = "sam", **details: object
           ) -> None:
    record_event(workspace(engine, who), case_id, NewEvent(kind, TODAY, **details))  # type: ignore[arg-type]


def hold_tasks(engine: Engine) -> list[sa.Row]:  # type: ignore[type-arg]
    with engine.connect() as conn:
        return conn.execute(sa.select(tasks_t.c.status, tasks_t.c.title, tasks_t.c.due_on,
                                      tasks_t.c.completion_note)
                            .where(tasks_t.c.source == "1024.41(g)")
                            .order_by(tasks_t.c.id)).all()


def case_row(engine: Engine) -> sa.Row:  # type: ignore[type-arg]
    with engine.connect() as conn:
        return conn.execute(sa.select(cases_t).where(cases_t.c.loan_number == "A1")).one()


def to_sale(engine: Engine, case_id: int) -> None:
    """A due-on-sale foreclosure (no 120-day wait) filed, with a sale 60 days out."""
    record(engine, case_id, "fc_referral", firm="Hale & Ode LLP", basis="due_on_sale")
    record(engine, case_id, "fc_first_filing")
    record(engine, case_id, "sale_scheduled", sale_date=SALE)


def regulatory_queue(engine: Engine, sort: Sort | None = None) -> list[str]:
    """sam's Regulatory view, in its own order (or `sort`)."""
    ws = workspace(engine, "sam")
    spec = next(v for v in visible_views(ws.settings, "specialist") if v.name == "regulatory")
    assert spec.sort == "urgency"
    with session_scope(engine) as session:
        rows = queue_window(session, view_filter(spec, ws.user.user_id or 0, (), TODAY), 0,
                            50, sort or Sort(spec.sort))
    return [r.loan_number for r in rows]


def test_milestones_move_the_cases_referral_and_sale_dates(one_case) -> None:
    engine, case_id = one_case
    to_sale(engine, case_id)
    row = case_row(engine)
    assert (row.fc_referral_date, row.fc_sale_date) == (TODAY, SALE)
    record(engine, case_id, "sale_postponed", sale_date=SALE + timedelta(days=30))
    assert case_row(engine).fc_sale_date == SALE + timedelta(days=30)
    record(engine, case_id, "sale_postponed")  # no new date yet
    assert case_row(engine).fc_sale_date is None
    assert case_row(engine).fc_hold is None  # nothing bars it: no hold


@pytest.mark.parametrize(("details", "message"), [
    ({"kind": "sale_scheduled"}, "a scheduled sale needs its sale date"),
    ({"kind": "sale_scheduled", "sale_date": TODAY - timedelta(days=1)},
     "is before the day it was set"),
    ({"kind": "fc_referral", "basis": "whim"}, "basis must be one of"),
    ({"kind": "fc_referral", "firm": "x" * 101}, "limited to 100 characters"),
    ({"kind": "denied", "firm": "Hale"}, "only a referral to counsel names a firm"),
    ({"kind": "appeal_decided"}, r"upheld \(the denial stands\) or overturned"),
])
def test_bad_milestones_are_refused_and_write_nothing(one_case, details: dict[str, object],
                                                      message: str) -> None:
    engine, case_id = one_case
    details = dict(details)
    kind = str(details.pop("kind"))
    with engine.connect() as conn:
        before = conn.execute(sa.select(sa.func.count()).select_from(audit_t)).scalar()
    with pytest.raises(InvalidInput, match=message):
        record(engine, case_id, kind, **details)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(audit_t)).scalar() == before


def test_a_barred_sale_raises_the_hold_and_leads_the_regulatory_view(one_case, tmp_path: Path
                                                                      ) -> None:
    """1024.41(g): a complete application more than 37 days before a scheduled sale bars the
    sale; counsel must be told to postpone it, today, and the case leads the Regulatory view
    over a year-old missed window. The instruction meets the deadline; the hold stays listed
    until the bar lifts (here: a denial with no appeal right, complete < 90 days before the
    sale), and its end is audited."""
    engine, case_id = one_case
    extract = tmp_path / "old.csv"
    extract.write_text("loan_number,borrower_name,investor,upb,next_due_date,property_state,"
                       "assignee\nB2,Bo Old,FNMA,1000,2025-09-01,TX,sam\n")
    assert import_extract(workspace(engine, "lee"), extract).ok
    to_sale(engine, case_id)
    # in the act-next order a year-old missed window no longer leads: the case with work
    # due within days comes first
    assert regulatory_queue(engine, Sort.ACT_NEXT)[0] == "A1"
    urgency = case_row(engine).urgency

    record(engine, case_id, "application_complete")
    row = case_row(engine)
    assert row.urgency >= urgency + 1000  # the sale hold's 100 points (tenths stored)
    assert row.fc_hold.startswith(f"postpone the sale of {SALE.isoformat()}: ")
    assert "awaiting a decision" in row.fc_hold and row.fc_hold.endswith("(1024.41(g))")
    assert row.fc_hold_since == TODAY
    [task] = hold_tasks(engine)
    assert task.status == "open" and task.due_on == TODAY
    assert task.title.startswith("Instruct counsel to postpone the sale · sale of "
                                 f"{SALE.isoformat()} barred since {TODAY.isoformat()}")
    assert regulatory_queue(engine)[:2] == ["A1", "B2"]
    # and in the act-next order too: a sale to postpone comes first of all
    assert regulatory_queue(engine, Sort.ACT_NEXT)[:2] == ["A1", "B2"]

    record(engine, case_id, "counsel_instructed")
    [task] = hold_tasks(engine)
    assert task.status == "done" and task.completion_note == (
        f"Met: counsel instructed on {TODAY.isoformat()}")
    assert case_row(engine).fc_hold_since == TODAY  # still held: counsel keeps holding
    [held] = foreclosure_holds(workspace(engine, "lee"))
    assert (held.loan_number, held.firm, held.sale_date, held.sale_hold) == (
        "A1", "Hale & Ode LLP", SALE, True)

    record(engine, case_id, "denied")  # complete 60 days before the sale: no appeal right
    assert case_row(engine).fc_hold is None
    assert foreclosure_holds(workspace(engine, "lee")) == []
    with engine.connect() as conn:
        actions = conn.execute(sa.select(audit_t.c.action).where(
            audit_t.c.entity == "case", audit_t.c.action.like("foreclosure_hold%"))
            .order_by(audit_t.c.id)).scalars().all()
    assert actions == ["foreclosure_hold", "foreclosure_hold_lifted"]


def test_a_hold_that_ends_before_counsel_is_told_cancels_its_task(one_case) -> None:
    engine, case_id = one_case
    to_sale(engine, case_id)
    record(engine, case_id, "application_complete")
    record(engine, case_id, "denied")
    [task] = hold_tasks(engine)
    assert task.status == "cancelled"
    assert "no longer barred" in task.completion_note


def test_the_holds_listing_follows_who_may_see_the_case(one_case) -> None:
    """A filing hold (day 121 not reached) is listed for the owner and the lead, not for
    another specialist; the listing is audited."""
    engine, case_id = one_case
    record(engine, case_id, "fc_referral", firm="Hale & Ode LLP")
    [held] = foreclosure_holds(workspace(engine, "sam"))
    assert held.instruction == "do not make the first notice or filing"
    assert "not before 2026-12-31 (day 121)" in held.why and not held.sale_hold
    assert [h.loan_number for h in foreclosure_holds(workspace(engine, "lee"))] == ["A1"]
    assert foreclosure_holds(workspace(engine, "ana")) == []
    with engine.connect() as conn:
        listed = conn.execute(sa.select(sa.func.count()).select_from(audit_t).where(
            audit_t.c.action == "list_holds")).scalar()
    assert listed == 3


def test_the_filing_hold_lifts_on_day_121_in_the_daily_pass(one_case) -> None:
    """Time alone lifts a 120-day hold: the daily pass of day 121 looks at the case again."""
    from lossmit_tui.services.clock import refresh_clocks

    engine, case_id = one_case
    record(engine, case_id, "fc_referral")
    assert case_row(engine).fc_hold is not None
    day_121 = TODAY + timedelta(days=32)  # 2026-09-01 + 121 days = 2026-12-31
    refresh_clocks(workspace(engine, "lee", day_121 - timedelta(days=1)))
    assert case_row(engine).fc_hold is not None
    refresh_clocks(workspace(engine, "lee", day_121))
    assert case_row(engine).fc_hold is None


def test_an_appeal_is_decided_by_someone_not_involved(one_case) -> None:
    """1024.41(h)(3): the specialist who denied may not decide the appeal; their lead may.
    The decision is final: no second appeal of the denial (1024.41(h)(4))."""
    engine, case_id = one_case
    record(engine, case_id, "application_complete")
    record(engine, case_id, "denied")
    record(engine, case_id, "appeal_received")
    with pytest.raises(InvalidInput, match=r"sam evaluated this application .* not involved "
                                           r"in the evaluation \(1024.41\(h\)\(3\)\)"):
        record(engine, case_id, "appeal_decided", outcome="upheld")
    with pytest.raises(InvalidInput, match=r"already appealed on 2026-11-29"):
        record(engine, case_id, "appeal_received", who="lee")
    record(engine, case_id, "appeal_decided", who="lee", outcome="overturned")
    with pytest.raises(InvalidInput, match="no appeal awaiting a decision"):
        record(engine, case_id, "appeal_decided", who="lee", outcome="upheld")
    with pytest.raises(InvalidInput, match=r"decided on 2026-11-29; the appeal decision is "
                                           r"final"):
        record(engine, case_id, "appeal_received", who="lee")


def test_an_appeal_needs_a_denial_the_right_and_the_14_days(one_case) -> None:
    engine, case_id = one_case
    with pytest.raises(InvalidInput, match="no denial of a complete application"):
        record(engine, case_id, "appeal_received")
    record_event(workspace(engine, "sam"), case_id, NewEvent(
        "application_complete", TODAY - timedelta(days=20), "found in the mailroom"))
    record_event(workspace(engine, "sam"), case_id, NewEvent(
        "denied", TODAY - timedelta(days=15), "letter mailed then"))
    with pytest.raises(InvalidInput, match=r"ended on 2026-11-28 \(1024.41\(h\)\(2\)\)"):
        record(engine, case_id, "appeal_received")
    record_event(workspace(engine, "sam"), case_id, NewEvent(
        "appeal_received", TODAY - timedelta(days=1), "scanned late"))  # day 14: in time


def test_an_unanswered_offer_is_deemed_rejected_and_lifts_the_bar(one_case) -> None:
    """1024.41(e): no answer by the end of the acceptance window: the daily pass records
    the offer as deemed rejected on the day after (policy), with its audit row; the bar the
    offer kept lifts, the window's deadline is met, and the option may be offered again."""
    from lossmit_tui.services.clock import refresh_clocks

    engine, case_id = one_case
    ws = workspace(engine, "sam")
    record(engine, case_id, "fc_referral", basis="due_on_sale")  # no 120 days to wait
    record_event(ws, case_id, NewEvent("application_complete", TODAY - timedelta(days=12),
                                       "entered from the file"))
    record_event(ws, case_id, NewEvent("offer_sent", TODAY - timedelta(days=10),
                                       "entered from the file", offer={"name": "forbearance"}))
    assert "within its acceptance window" in case_row(engine).fc_hold  # it keeps the bar
    day_after = TODAY + timedelta(days=5)  # the window ran to TODAY + 4
    refresh_clocks(workspace(engine, "lee", TODAY + timedelta(days=4)))
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM case_events WHERE kind = "
                                    "'offer_deemed_rejected'")).scalar() == 0
    refresh_clocks(workspace(engine, "lee", day_after))
    with engine.connect() as conn:
        deemed = conn.execute(sa.text(
            "SELECT occurred_on, reason FROM case_events WHERE kind = 'offer_deemed_rejected'"
        )).all()
        event_id = conn.execute(sa.text("SELECT id FROM case_events WHERE kind = "
                                        "'offer_deemed_rejected'")).scalar()
        audited = conn.execute(sa.select(sa.func.count()).select_from(audit_t).where(
            audit_t.c.entity == "case_event", audit_t.c.action == "create",
            audit_t.c.entity_id == str(event_id))).scalar()
        window = conn.execute(sa.select(tasks_t.c.status, tasks_t.c.completion_note).where(
            tasks_t.c.source == "1024.41(e)")).one()
    assert [(str(d), r.split(":")[0]) for d, r in deemed] == [
        (str(day_after), "no answer by the end of the acceptance window")]
    assert audited == 1
    assert window.status == "done" and "deemed rejected on" in window.completion_note
    assert case_row(engine).fc_hold is None  # the bar lifted
    refresh_clocks(workspace(engine, "lee", day_after))  # once only
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM case_events WHERE kind = "
                                    "'offer_deemed_rejected'")).scalar() == 1
    record(engine, case_id, "offer_sent", offer={"name": "forbearance"})  # may be offered again


def test_offers_deemed_rejected_together_each_get_their_own_event_and_audit_row(
        team, tmp_path: Path) -> None:
    """Three unanswered offers whose windows close on the same day are deemed rejected in
    one pass: one event per case, each audit row naming its own loan and event."""
    from lossmit_tui.services.clock import refresh_clocks

    path = tmp_path / "three.csv"
    path.write_text("loan_number,borrower_name,investor,upb,next_due_date,property_state,"
                    "assignee\n" + "".join(f"B{n},Borrower {n},FNMA,1000,2026-09-01,TX,sam\n"
                                           for n in (1, 2, 3)))
    assert import_extract(workspace(team, "lee"), path).ok
    with team.connect() as conn:
        ids = dict(conn.execute(sa.select(cases_t.c.loan_number, cases_t.c.id)).all())
    ws = workspace(team, "sam")
    for loan in ("B1", "B3"):  # B2 has no offer out: nothing to deem
        record_event(ws, ids[loan], NewEvent("application_complete", TODAY - timedelta(days=12),
                                             "from the file"))
        record_event(ws, ids[loan], NewEvent("offer_sent", TODAY - timedelta(days=10),
                                             "from the file", offer={"name": "forbearance"}))
    refresh_clocks(workspace(team, "lee", TODAY + timedelta(days=5)))
    with team.connect() as conn:
        events = conn.execute(sa.select(events_t.c.id, events_t.c.case_id).where(
            events_t.c.kind == "offer_deemed_rejected").order_by(events_t.c.case_id)).all()
        audited = {int(r.entity_id): r.after["case"] for r in conn.execute(
            sa.select(audit_t.c.entity_id, audit_t.c.after).where(
                audit_t.c.entity == "case_event", audit_t.c.action == "create",
                audit_t.c.entity_id.in_([str(e.id) for e in events])))}
    assert [e.case_id for e in events] == [ids["B1"], ids["B3"]]
    by_case = {v: k for k, v in ids.items()}
    assert audited == {e.id: by_case[e.case_id] for e in events}


def test_a_trial_started_in_the_window_is_not_a_deemed_rejection(one_case) -> None:
    """A trial begun within the window is an answer (1024.41(e)(2)(ii)): nothing deemed."""
    from lossmit_tui.services.clock import refresh_clocks

    engine, case_id = one_case
    ws = workspace(engine, "sam")
    record_event(ws, case_id, NewEvent("application_complete", TODAY - timedelta(days=12),
                                       "from the file"))
    record_event(ws, case_id, NewEvent("offer_sent", TODAY - timedelta(days=10),
                                       "from the file", offer={"name": "forbearance"}))
    record_event(ws, case_id, NewEvent("trial_started", TODAY - timedelta(days=5),
                                       "from the file", amount_cents=100_000, payments=3,
                                       first_due=TODAY + timedelta(days=2)))
    refresh_clocks(workspace(engine, "lee", TODAY + timedelta(days=20)))
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM case_events WHERE kind = "
                                    "'offer_deemed_rejected'")).scalar() == 0


def test_an_acknowledgment_lists_what_is_missing_and_the_return_by_date(one_case) -> None:
    """1024.41(b)(2)(i)(B): the acknowledgment records the documents still requested and the
    date to return them by, and a task chases them; with nothing outstanding it says the
    application is complete."""
    from lossmit_tui.services.documents import receive_document, request_document

    engine, case_id = one_case
    ws = workspace(engine, "sam")
    record(engine, case_id, "application_received")
    asked = [request_document(ws, case_id, doc).id for doc in ("pay_stubs", "form_4506c")]
    record(engine, case_id, "acknowledgment_sent")
    with engine.connect() as conn:
        payload = conn.execute(sa.text("SELECT payload FROM case_events WHERE kind = "
                                       "'acknowledgment_sent'")).scalar()
        task = conn.execute(sa.select(tasks_t.c.title, tasks_t.c.due_on).where(
            tasks_t.c.kind == "documents_due", tasks_t.c.source == "acknowledgment")).one()
    said = payload if isinstance(payload, dict) else json.loads(payload)
    # 30 days after the notice (2026-12-29) comes before the 120th day (2026-12-30)
    assert said == {"missing": ["form_4506c", "pay_stubs"], "return_by": "2026-12-29",
                    "return_by_why": "30 days after the notice"}
    assert task.due_on == date(2026, 12, 29)
    assert task.title == "Missing documents due 2026-12-29: form 4506c, pay stubs"
    for doc_id in asked:  # everything arrives; a later acknowledgment says complete
        receive_document(ws, doc_id, TODAY, TODAY)
    record(engine, case_id, "acknowledgment_sent")
    with engine.connect() as conn:
        said = conn.execute(sa.text("SELECT payload FROM case_events WHERE kind = "
                                    "'acknowledgment_sent' ORDER BY id DESC")).scalar()
    assert (said if isinstance(said, dict) else json.loads(said)) == {
        "complete": True}
