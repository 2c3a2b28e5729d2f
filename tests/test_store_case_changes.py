"""Events, field edits (with the optimistic lock), documents, task actions and missed
promises: each through its service, with its audit rows, all or nothing."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.engine import session_scope
from db.models import AuditEvent, Case, CaseClock, CaseEvent, Document, Task
from lossmit_tui.domain.calendar import BusinessCalendar
from lossmit_tui.domain.regclock import Clock, ClockState
from lossmit_tui.services.calls import NewCall, log_call
from lossmit_tui.services.cases import NewEvent, record_event, update_case
from lossmit_tui.services.clock import case_clocks, refresh_clocks
from lossmit_tui.services.documents import decide_document, receive_document, request_document
from lossmit_tui.services.errors import Conflict, InvalidInput
from lossmit_tui.services.promises import raise_missed_promises
from lossmit_tui.services.tasks import (
    NewTask,
    add_task,
    complete_task,
    reassign_task,
    snooze_task,
)

from .conftest import TODAY
from .workspace import workspace

cases_t, tasks_t, audit_t = Case.__table__, Task.__table__, AuditEvent.__table__


def event(engine: Engine, case_id: int, kind: str, on: date = TODAY, reason: str = "",
          stage: str | None = None, who: str = "sam") -> None:
    record_event(workspace(engine, who), case_id, NewEvent(kind, on, reason, stage))


def case_row(engine: Engine) -> sa.Row:  # type: ignore[type-arg]
    with engine.connect() as conn:
        return conn.execute(sa.select(cases_t)).one()


def clock_check(engine: Engine) -> tuple[date | None, bool]:
    """The case's next clock check: its day, and whether it is only a new window."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(CaseClock.__table__)).one()
    return row.check_on, row.window_only


def open_deadlines(engine: Engine, prefix: str = "1024.41") -> dict[str, date]:
    """Open regulatory deadlines (by default those of the application rules; the loan is
    delinquent, so its live-contact, notice and SPOC clocks run too)."""
    with engine.connect() as conn:
        return {r.source: r.due_on for r in conn.execute(sa.select(tasks_t).where(
            tasks_t.c.status == "open", tasks_t.c.kind == "regulatory_deadline"))
            if r.source.startswith(prefix)}


def counts(engine: Engine) -> tuple[int, ...]:
    with engine.connect() as conn:
        return tuple(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar()
                     for t in (CaseEvent.__table__, tasks_t, audit_t, Document.__table__))


def test_an_application_moves_the_stage_and_starts_and_meets_its_deadlines(one_case) -> None:
    engine, case_id = one_case
    received = date(2026, 11, 24)  # a Tuesday; Thanksgiving (26th) is not a business day
    event(engine, case_id, "application_received", received, reason="found in the mailroom")
    assert case_row(engine).stage == "application"
    assert open_deadlines(engine) == {"1024.41(b)(2)(i)(B)": date(2026, 12, 2)}
    # The loan is delinquent since Sep 1: its missed day-45 notice comes first; the missed
    # day-36 window is met, late, by the active application (comment 39(a)-6).
    assert case_row(engine).reg_due_on == date(2026, 10, 16)

    # the acknowledgment lists what is missing, so the notice of complete application is
    # owed once it comes in (1024.41(c)(3)(ii): not after one that said complete)
    stubs = request_document(workspace(engine, "sam"), case_id, "pay_stubs")
    event(engine, case_id, "acknowledgment_sent")
    receive_document(workspace(engine, "sam"), stubs.id or 0, TODAY, None)
    event(engine, case_id, "application_complete")
    assert case_row(engine).stage == "evaluation"
    assert open_deadlines(engine) == {"1024.41(c)(3)": date(2026, 12, 4),
                                      "1024.41(c)(1)": TODAY + timedelta(days=30)}
    event(engine, case_id, "complete_notice_sent")
    event(engine, case_id, "offer_sent")
    assert case_row(engine).stage == "offer"
    assert open_deadlines(engine) == {"1024.41(e)": TODAY + timedelta(days=14)}
    event(engine, case_id, "offer_accepted")
    assert open_deadlines(engine) == {}
    with engine.connect() as conn:
        met = conn.execute(sa.select(sa.func.count()).select_from(audit_t).where(
            audit_t.c.entity == "task", audit_t.c.action == "complete")).scalar()
    assert met == 5  # with the live-contact window the application met late (39(a)-6)
    assert case_row(engine).stage == "offer"


def test_a_late_application_close_to_a_sale_gets_no_acknowledgment_clock(one_case) -> None:
    engine, case_id = one_case
    with engine.begin() as conn:
        conn.execute(cases_t.update().values(fc_sale_date=TODAY + timedelta(days=44)))
    event(engine, case_id, "application_received")
    assert open_deadlines(engine) == {}
    with engine.begin() as conn:
        conn.execute(cases_t.update().values(fc_sale_date=TODAY + timedelta(days=60)))
    event(engine, case_id, "application_complete")  # 60 days before the sale: > 37
    event(engine, case_id, "offer_sent")  # complete 37-89 days before the sale: 7 days
    assert open_deadlines(engine)["1024.41(e)"] == TODAY + timedelta(days=7)


def test_an_accepted_option_bars_foreclosure_until_a_failure_to_perform(one_case) -> None:
    """Day 121 is Dec 31: on Jan 15 the first filing would be allowed, but the borrower is
    performing under the option they accepted, until the failure is recorded."""
    engine, case_id = one_case
    for kind in ("application_complete", "offer_sent", "offer_accepted"):
        event(engine, case_id, kind)

    def filing() -> Clock:
        with session_scope(engine) as session:
            found = case_clocks(session, case_id, date(2027, 1, 15), BusinessCalendar())
        return next(c for c in found if c.citation == "1024.41(f)(1)")

    assert filing().state is ClockState.BARRED
    assert "option accepted on 2026-11-29 being performed" in filing().notes[0]
    event(engine, case_id, "failed_to_perform", who="sam")
    assert filing().state is ClockState.ALLOWED
    with engine.connect() as conn:
        kinds = conn.execute(sa.select(CaseEvent.__table__.c.kind).order_by(
            CaseEvent.__table__.c.id)).scalars().all()
    assert kinds[-1] == "failed_to_perform"


def test_a_sale_scheduled_after_completion_leaves_the_evaluation_clock(one_case) -> None:
    """No sale when the application became complete: it counts as 90+ days before a sale
    for good, so a sale set later (even 20 days out) cancels nothing, and is barred."""
    engine, case_id = one_case
    event(engine, case_id, "application_complete")
    before = open_deadlines(engine)
    assert set(before) == {"1024.41(c)(3)", "1024.41(c)(1)"}
    with engine.begin() as conn:
        conn.execute(cases_t.update().values(fc_sale_date=TODAY + timedelta(days=20)))
    event(engine, case_id, "complete_notice_sent")  # any change syncs the clocks again
    # the evaluation clock stays; the sale, barred by the pending application, is to be
    # postponed (1024.41(g)), from today
    assert open_deadlines(engine) == {"1024.41(c)(1)": before["1024.41(c)(1)"],
                                      "1024.41(g)": TODAY}
    with engine.connect() as conn:
        kept = conn.execute(sa.select(audit_t.c.after).where(
            audit_t.c.entity == "case_event").order_by(audit_t.c.id)).scalars().first()
    assert kept["kind"] == "application_complete" and kept["sale_date"] is None


def test_the_same_option_is_offered_once_until_the_borrower_answers(one_case) -> None:
    """Offering a repayment plan twice records one offer: the second is refused while the
    first waits for the borrower's answer (14 days); another option may be offered, and
    after an answer or the 14 days the plan may be offered again."""
    engine, case_id = one_case

    def offer(name: str, on: date = TODAY, reason: str = "") -> None:
        record_event(workspace(engine, "sam", max(on, TODAY)), case_id,
                     NewEvent("offer_sent", on, reason, offer={"name": name}))

    event(engine, case_id, "application_complete")
    offer("repayment_plan")
    with pytest.raises(InvalidInput, match=r"repayment plan offer of 2026-11-29 is still "
                                           r"open: the borrower may answer until 2026-12-13"):
        offer("repayment_plan")
    offer("forbearance")  # another option
    event(engine, case_id, "offer_rejected")  # answers the forbearance offer
    with pytest.raises(InvalidInput, match="still open"):
        offer("repayment_plan")
    offer("repayment_plan", TODAY + timedelta(days=15))  # no answer in 14 days: rejected
    with pytest.raises(InvalidInput, match="offer of 2026-12-14 is still open"):
        offer("repayment_plan", TODAY + timedelta(days=20))
    with engine.connect() as conn:
        offers = conn.execute(sa.select(sa.func.count()).select_from(CaseEvent.__table__)
                              .where(CaseEvent.__table__.c.kind == "offer_sent")).scalar()
    assert offers == 3


def test_a_cease_communication_notice_closes_the_live_contact_deadline(one_case) -> None:
    """The call editor refuses to call a borrower who asked a debt collector to stop; the
    clock agrees: the live-contact deadline is cancelled as exempt, never left to be missed."""
    engine, case_id = one_case
    assert "1024.39(a)" in open_deadlines(engine, "1024.39")
    with engine.begin() as conn:  # as the servicing extract says: a debt collector's loan
        conn.execute(cases_t.update().values(fdcpa_covered=True))
    version = case_row(engine).version
    update_case(workspace(engine, "sam"), case_id, version, {"cease_communication": True})
    assert "1024.39(a)" not in open_deadlines(engine, "1024.39")
    with engine.connect() as conn:
        note = conn.execute(sa.select(Task.__table__.c.completion_note).where(
            Task.__table__.c.source == "1024.39(a)",
            Task.__table__.c.status == "cancelled")).scalars().first()
    assert note is not None and "cease-communication" in note


def test_a_denial_opens_the_appeal_window_and_an_appeal_its_decision(one_case) -> None:
    engine, case_id = one_case
    event(engine, case_id, "application_complete")
    event(engine, case_id, "denied")
    assert case_row(engine).stage == "denied"
    # the decision went out before the complete-application notice was due: none is owed
    # (1024.41(c)(3)(ii)), and its task is closed as not applying
    assert open_deadlines(engine) == {"1024.41(h)": TODAY + timedelta(days=14)}
    event(engine, case_id, "appeal_received")
    assert case_row(engine).stage == "appeal"
    assert "1024.41(h)" not in open_deadlines(engine)
    assert open_deadlines(engine)["1024.41(h)(4)"] == TODAY + timedelta(days=30)
    # decided by sam's lead, who did not evaluate it (sam, who denied it, may not)
    record_event(workspace(engine, "lee"), case_id,
                 NewEvent("appeal_decided", TODAY, outcome="upheld"))
    assert "1024.41(h)(4)" not in open_deadlines(engine)


@pytest.mark.parametrize(("new", "message"), [
    (NewEvent("application_received", TODAY + timedelta(days=1)), "in the future"),
    (NewEvent("application_received", TODAY - timedelta(days=3)), "needs a reason"),
    (NewEvent("lunch", TODAY), "event kind 'lunch'"),
    (NewEvent("stage_changed", TODAY), "new stage must be one of"),
    (NewEvent("stage_changed", TODAY, stage="nowhere"), "new stage must be one of"),
    (NewEvent("offer_sent", TODAY, stage="offer"), "only a stage change takes a stage"),
])
def test_bad_events_are_refused_and_change_nothing(one_case, new: NewEvent,
                                                  message: str) -> None:
    engine, case_id = one_case
    before = counts(engine)
    with pytest.raises(InvalidInput, match=message):
        record_event(workspace(engine, "sam"), case_id, new)
    assert counts(engine) == before and case_row(engine).stage == "new"


def test_a_stage_change_can_close_and_reopen_a_case(one_case) -> None:
    engine, case_id = one_case
    event(engine, case_id, "stage_changed", stage="cured")
    assert case_row(engine).closed_at is not None
    event(engine, case_id, "stage_changed", stage="outreach")
    row = case_row(engine)
    assert row.closed_at is None and row.stage == "outreach"
    with engine.connect() as conn:
        events = conn.execute(sa.select(CaseEvent.__table__.c.payload)).scalars().all()
    assert events == [{"stage": "cured"}, {"stage": "outreach"}]


def test_importing_a_delinquent_loan_starts_its_clocks(one_case) -> None:
    engine, _ = one_case  # next due 2026-09-01, imported 2026-11-29
    with engine.connect() as conn:
        tasks = conn.execute(sa.select(tasks_t.c.source, tasks_t.c.due_on, tasks_t.c.title)
                             .order_by(tasks_t.c.due_on, tasks_t.c.source)).all()
    # One task per rule: the earliest open window (the Nov 1 window, open to Dec 7, is met
    # by the same conversation that meets the missed Sep 1 one).
    assert [(t.source, t.due_on) for t in tasks] == [
        ("1024.39(a)", date(2026, 10, 7)), ("1024.39(b)", date(2026, 10, 16)),
        ("1024.40", date(2026, 10, 16))]
    assert tasks[0].title == "Live contact (day 36) · installment due 2026-09-01"
    assert case_row(engine).next_action_on == date(2026, 10, 7)
    # Until someone talks to the borrower, the missed Sep 1 window stays the one to act on:
    # no installment falling due changes the deadlines, so the daily pass has nothing to do.
    assert clock_check(engine) == (None, False)


def test_a_right_party_call_meets_the_live_contact_clock(one_case) -> None:
    engine, case_id = one_case
    log_call(workspace(engine, "sam", clock=lambda: datetime(2026, 11, 29, 16, tzinfo=UTC)),
             case_id, NewCall("outbound", "none", "no_answer"))
    assert "1024.39(a)" in open_deadlines(engine, "1024.39(a)")
    log_call(workspace(engine, "sam", clock=lambda: datetime(2026, 11, 29, 17, tzinfo=UTC)),
             case_id, NewCall("inbound", "borrower", "right_party_contact"))
    assert open_deadlines(engine, "1024.39(a)") == {}
    with engine.connect() as conn:
        notes = conn.execute(sa.select(tasks_t.c.due_on, tasks_t.c.completion_note).where(
            tasks_t.c.source == "1024.39(a)").order_by(tasks_t.c.due_on)).all()
    assert [n.completion_note for n in notes] == ["Met: live contact on 2026-11-29 (late)"]


def test_the_daily_pass_starts_the_clocks_of_a_new_installment(one_case) -> None:
    engine, case_id = one_case
    # the Nov 1 window is met
    log_call(workspace(engine, "sam", clock=lambda: datetime(2026, 11, 29, 17, tzinfo=UTC)),
             case_id, NewCall("inbound", "borrower", "right_party_contact"))
    assert open_deadlines(engine, "1024.39(a)") == {}
    assert clock_check(engine) == (date(2026, 12, 1), True)  # only its live-contact window
    assert refresh_clocks(workspace(engine, "sam")).added == 0  # nothing new before Dec 1
    december = date(2026, 12, 1)
    result = refresh_clocks(workspace(engine, "sam", december))
    assert (result.added, result.rolled, result.visited) == (1, 1, 1)
    assert open_deadlines(engine, "1024.39(a)") == {"1024.39(a)": date(2027, 1, 6)}
    # That window stays open until the next conversation: nothing more changes with time.
    assert clock_check(engine) == (None, False)
    assert case_row(engine).next_action_on == date(2026, 10, 16)  # the missed day-45 ones
    assert refresh_clocks(workspace(engine, "sam", december)).added == 0  # each case once a day
    with engine.connect() as conn:
        passes = conn.execute(sa.select(audit_t.c.after).where(
            audit_t.c.entity == "clock")).scalars().all()
    assert passes[-1]["cases"] == 1 and passes[-1]["added"] == 1


def test_a_loan_that_is_not_a_principal_residence_has_informational_clocks(one_case) -> None:
    engine, case_id = one_case
    update_case(workspace(engine, "sam"), case_id, case_row(engine).version,
                {"occupancy": "investment"})
    assert open_deadlines(engine, "1024") == {}
    with engine.connect() as conn:
        why = conn.execute(sa.select(tasks_t.c.completion_note).where(
            tasks_t.c.status == "cancelled")).scalars().all()
    assert len(why) == 3 and all("not a principal residence" in w for w in why)


def test_an_edit_saves_with_its_audit_row_and_a_stale_one_says_who_and_when(one_case) -> None:
    engine, case_id = one_case
    version = case_row(engine).version
    new_version = update_case(workspace(engine, "lee"), case_id, version,  # sam's lead
                              {"phone": "(512) 555-0100", "attorney_represented": True})
    row = case_row(engine)
    assert (row.phone, row.attorney_represented, row.version) == ("5125550100", True,
                                                                   new_version)
    with engine.connect() as conn:
        last = conn.execute(sa.select(audit_t).order_by(audit_t.c.id.desc()).limit(1)).one()
    assert last.before == {"phone": None, "attorney_represented": False}
    assert last.after["phone"] == "5125550100" and last.username == "lee"

    before = counts(engine)
    with pytest.raises(Conflict, match=r"lee changed this case at \d{4}-\d\d-\d\d \d\d:\d\d"):
        update_case(workspace(engine, "sam"), case_id, version, {"email": "ann@example.com"})
    assert counts(engine) == before and case_row(engine).email is None


@pytest.mark.parametrize(("values", "message"), [
    ({"phone": "12"}, "Phone '12' is not a 10-digit"),
    ({"email": "ann at example"}, "is not an e-mail address"),
    ({"occupancy": "castle"}, "Occupancy must be one of"),
    ({"hardship_reason": "boredom"}, "Hardship must be one of"),
    ({"upb_cents": 1}, "cannot be edited here"),
])
def test_bad_edits_are_refused(one_case, values: dict, message: str) -> None:  # type: ignore[type-arg]
    engine, case_id = one_case
    before = counts(engine), case_row(engine)
    with pytest.raises(InvalidInput, match=message):
        update_case(workspace(engine, "sam"), case_id, before[1].version, values)
    assert (counts(engine), case_row(engine)) == before


def test_documents_are_requested_once_and_refreshed_when_old(one_case) -> None:
    engine, case_id = one_case
    sam = workspace(engine, "sam")
    stubs = request_document(sam, case_id, "pay_stubs").id
    assert case_row(engine).missing_docs == 1
    with pytest.raises(InvalidInput, match="already requested on 2026-11-29"):
        request_document(sam, case_id, "pay_stubs")
    receive_document(sam, stubs, TODAY, TODAY - timedelta(days=80))
    assert case_row(engine).missing_docs == 0
    with pytest.raises(InvalidInput, match="received on 2026-11-29: a document already "
                                           "received is not requested again"):
        request_document(sam, case_id, "pay_stubs")
    decide_document(sam, stubs, True)
    later = TODAY + timedelta(days=11)  # the stubs are now 91 days old
    request_document(workspace(engine, "sam", later), case_id, "pay_stubs")
    with engine.connect() as conn:
        statuses = conn.execute(sa.select(Document.__table__.c.status)
                                .order_by(Document.__table__.c.id)).scalars().all()
        actions = conn.execute(sa.select(audit_t.c.action).where(
            audit_t.c.entity == "document").order_by(audit_t.c.id)).scalars().all()
    assert statuses == ["accepted", "requested"]
    # each refused re-request is on the record too (the request itself stored nothing)
    assert actions == ["request", "refused", "receive", "refused", "accept", "request"]


def test_document_dates_are_checked(one_case) -> None:
    engine, case_id = one_case
    sam = workspace(engine, "sam")
    doc = request_document(sam, case_id, "form_710").id
    for received, dated, message in ((TODAY + timedelta(days=1), None, "in the future"),
                                     (TODAY - timedelta(days=1), None, "before the request"),
                                     (TODAY, TODAY + timedelta(days=1), "own date is after")):
        with pytest.raises(InvalidInput, match=message):
            receive_document(sam, doc, received, dated)
    with pytest.raises(InvalidInput, match="only a received document"):
        decide_document(sam, doc, False)
    with pytest.raises(InvalidInput, match="document type 'selfie'"):
        request_document(sam, case_id, "selfie")


def test_task_complete_snooze_and_reassign(current_case) -> None:
    engine, case_id = current_case
    sam = workspace(engine, "sam")
    first = add_task(sam, case_id, NewTask("callback", "Call", TODAY)).id
    second = add_task(sam, case_id, NewTask("review", "Review", TODAY + timedelta(days=3))).id
    complete_task(sam, first, "  Left a message  ")
    assert case_row(engine).next_action_on == TODAY + timedelta(days=3)
    snooze_task(sam, second, TODAY + timedelta(days=8))
    reassign_task(sam, second, "ana")
    assert case_row(engine).next_action_on == TODAY + timedelta(days=8)
    with engine.connect() as conn:
        tasks = {t.id: t for t in conn.execute(sa.select(tasks_t))}
        actions = conn.execute(sa.select(audit_t.c.action).where(
            audit_t.c.entity == "task").order_by(audit_t.c.id)).scalars().all()
    assert tasks[first].status == "done" and tasks[first].completion_note == "Left a message"
    assert tasks[second].due_on == TODAY + timedelta(days=8)
    assert actions == ["create", "create", "complete", "snooze", "reassign"]
    for call, message in (
        (lambda: complete_task(sam, first, ""), "already done"),
        (lambda: snooze_task(sam, second, TODAY - timedelta(days=1)), "in the past"),
        (lambda: reassign_task(sam, second, "ana"), "already ana's"),
        (lambda: reassign_task(sam, second, "nobody"), "Unknown user"),
    ):
        with pytest.raises(Exception, match=message):
            call()


def test_a_snooze_never_moves_a_task_earlier(current_case) -> None:
    """A task due in ten days snoozed to the day after tomorrow is refused with both dates
    named, and nothing changes: not its date, not the case's next action, no audit row."""
    engine, case_id = current_case
    sam = workspace(engine, "sam")
    task = add_task(sam, case_id, NewTask("review", "Review", TODAY + timedelta(days=10))).id
    with pytest.raises(InvalidInput, match=(
            r"2026-12-01 is before the task's due date 2026-12-09.*never earlier")):
        snooze_task(sam, task, TODAY + timedelta(days=2))
    with engine.connect() as conn:
        due = conn.execute(sa.select(tasks_t.c.due_on).where(tasks_t.c.id == task)).scalar()
        snoozes = conn.execute(sa.select(sa.func.count()).select_from(audit_t).where(
            audit_t.c.action == "snooze")).scalar()
    assert due == TODAY + timedelta(days=10) and snoozes == 0
    assert case_row(engine).next_action_on == TODAY + timedelta(days=10)
    snooze_task(sam, task, TODAY + timedelta(days=11))  # later is still fine


def test_a_regulatory_deadline_is_met_by_its_event_only(one_case) -> None:
    engine, case_id = one_case
    event(engine, case_id, "application_complete")
    with engine.connect() as conn:
        deadline = conn.execute(sa.select(tasks_t.c.id).where(
            tasks_t.c.source == "1024.41(c)(1)")).scalar_one()
    with pytest.raises(InvalidInput, match=r"cannot be snoozed.*offer sent or denied"):
        snooze_task(workspace(engine, "sam"), deadline, TODAY + timedelta(days=40))
    with pytest.raises(InvalidInput, match="met by recording its event"):
        complete_task(workspace(engine, "sam"), deadline, "")


def test_a_missed_promise_raises_one_task_until_paid(current_case) -> None:
    engine, case_id = current_case
    with engine.begin() as conn:
        conn.execute(cases_t.update().values(promise_amount_cents=120_000,
                                             promise_due_on=TODAY - timedelta(days=2)))
    assert raise_missed_promises(workspace(engine, "sam")) == 1
    assert raise_missed_promises(workspace(engine, "sam")) == 0  # once per promise
    with engine.connect() as conn:
        task = conn.execute(sa.select(tasks_t)).one()
    assert task.title == "Missed promise to pay $1,200.00 due 2026-11-27: call the borrower"
    assert (task.kind, task.due_on, task.source) == ("callback", TODAY, "missed_promise")
    assert case_row(engine).next_action_on == TODAY
    event(engine, case_id, "payment_received")
    assert case_row(engine).promise_kept_on == TODAY
    with engine.begin() as conn:  # a new promise, also missed
        conn.execute(cases_t.update().values(promise_due_on=TODAY - timedelta(days=1),
                                             promise_kept_on=None))
    assert raise_missed_promises(workspace(engine, "sam")) == 1


def test_edit_details_corrects_the_name_and_keeps_the_borrowers_own_contact(
        current_case) -> None:
    """A name correction, a second phone, the best time, the language, the FDCPA flag and a
    mailing address are saved and audited; the mailing ZIP gives the state and the time zone
    the calling rules use (as the importer resolves the property's); a ZIP of another state
    or an address without a state is refused naming the field, and nothing is stored."""
    import json

    engine, case_id = current_case
    sam = workspace(engine, "sam")
    for values, message in (
        ({"mailing_state": "CA", "mailing_zip": "75201"}, "Mailing ZIP 75201 is in TX, not CA"),
        ({"mailing_address": "1 Elm St"}, "Mailing state is needed"),
        ({"borrower_name": "  "}, "Borrower is required"),
        ({"phone2": "12"}, "Second phone"),
    ):
        with pytest.raises(InvalidInput, match=message):
            update_case(sam, case_id, case_row(engine).version, values)
    assert case_row(engine).version == 1
    update_case(sam, case_id, 1, {
        "borrower_name": "Anne Lee", "phone2": "(310) 555-0199", "best_time": "after 6 pm",
        "preferred_language": "es", "fdcpa_covered": True, "mailing_address": "9 Palm Dr",
        "mailing_city": "Beverly Hills", "mailing_zip": "90210"})
    case = case_row(engine)
    assert (case.borrower_name, case.phone2, case.best_time, case.preferred_language,
            case.fdcpa_covered) == ("Anne Lee", "3105550199", "after 6 pm", "es", True)
    assert (case.mailing_state, case.mailing_tz) == ("CA", "America/Los_Angeles")
    assert case.property_tz != case.mailing_tz  # the property stays where it is
    with engine.connect() as conn:
        after = conn.execute(sa.select(audit_t.c.after).where(
            audit_t.c.entity == "case", audit_t.c.action == "update")).scalars().all()
    saved = after[-1] if isinstance(after[-1], dict) else json.loads(after[-1])
    assert saved["borrower_name"] == "Anne Lee"
    assert saved["mailing_tz"] == "America/Los_Angeles" and saved["fdcpa_covered"] is True
