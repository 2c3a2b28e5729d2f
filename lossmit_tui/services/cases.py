"""Changes to a case: events (with the stage and the deadlines they drive) and edits to its
fields, each with its audit rows in the caller's transaction.

Edits carry the case version the person saw; if someone else saved the case since, the edit
is refused with who and when, and nothing is written.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session

from db.history import record_status
from db.models import AuditEvent, Case, CaseEvent, Document, Task, User, utcnow
from lossmit_tui.config import trial_policy
from lossmit_tui.domain.calendar import BusinessCalendar
from lossmit_tui.domain.delinquency import add_months
from lossmit_tui.domain.documents import return_by
from lossmit_tui.domain.enums import (
    CLOSED_STAGES,
    EventKind,
    Hardship,
    Occupancy,
    Role,
    Stage,
    TaskKind,
)
from lossmit_tui.domain.events import MANUAL_EVENT_KINDS, STAGE_AFTER
from lossmit_tui.domain.foreclosure import REFERRAL_BASES
from lossmit_tui.domain.regclock import (
    BANKRUPTCY_CHAPTERS,
    GOOD_FAITH_ATTEMPTS,
    PERFORMING,
    REJECTIONS,
    SALE_FIXED_AT,
    SHORT_TERM_MAX_ARREARS_MONTHS,
    SHORT_TERM_MAX_MONTHS,
    SHORT_TERM_OPTIONS,
    appeal_refusal,
    application_protection,
    pending_appeal,
)
from lossmit_tui.domain.trial import MAX_PAYMENT_CENTS, MAX_PAYMENTS, TrialPolicy
from lossmit_tui.domain.values import clean_multiline, clean_text, display_money, parse_phone
from lossmit_tui.services import audit
from lossmit_tui.services.access import require_case_access
from lossmit_tui.services.clock import load_facts, sync_clocks
from lossmit_tui.services.errors import Conflict, InvalidInput, NotFound
from lossmit_tui.services.extract import _state as extract_state
from lossmit_tui.services.extract import _zip as extract_zip
from lossmit_tui.services.extract import time_zone_for, zip_state_and_zone
from lossmit_tui.services.tasks import recompute_case
from lossmit_tui.services.trials import prepare_trial_event, sync_trial_tasks, write_trial_start
from lossmit_tui.services.users import require_user
from lossmit_tui.services.workspace import Workspace

cases_t, tasks_t, events_t = Case.__table__, Task.__table__, CaseEvent.__table__
audit_t = AuditEvent.__table__
MAX_REASON = 500
MAX_NOTE = 4000  # an offer's or a denial's full text


@dataclass(frozen=True)
class NewEvent:
    """An event as a person entered it, before validation."""

    kind: str
    occurred_on: date
    reason: str = ""  # required when the date is before today (back-dating)
    stage: str | None = None  # for stage_changed: the new stage
    note: str = ""
    # For offer_sent: the workout option offered and its terms (what it was, for the
    # loan's workout history once the borrower accepts it).
    offer: dict[str, Any] | None = None
    # Foreclosure milestones: counsel's firm and what the referral is for (fc_referral), and
    # the sale date (sale_scheduled; sale_postponed: the new one, or none).
    firm: str = ""
    basis: str = ""
    sale_date: date | None = None
    # appeal_decided: "upheld" (the denial stands) or "overturned".
    outcome: str = ""
    # Trial period plans (services/trials.py): a trial_payment's amount and the scheduled
    # payment it pays (default: the earliest unpaid); a failed_to_perform's payment; a
    # trial_started's payment amount, number of payments and first due date (default: the
    # accepted offer's terms, the first of next month).
    amount_cents: int | None = None
    payment: int | None = None
    payments: int | None = None
    first_due: date | None = None

    # For bankruptcy_filed: the chapter (7, 11, 12 or 13) and the court's case number.
    chapter: int | None = None
    case_number: str = ""
    # For application_received: sent by a claimed successor in interest not yet confirmed
    # (it counts from the confirmation day, 1024.38(b)(1)(vi)).
    from_successor: bool = False
    # For short_term_offered (1024.41(c)(2)(iii)): "repayment_plan" or "forbearance", the
    # months it runs, and the months of arrears a repayment plan repays.
    option: str = ""
    months: int | None = None
    arrears_months: int | None = None

    # For an event a mailed letter records (written_notice_sent, ...): the letter's id.
    letter_id: int | None = None


APPEAL_OUTCOMES = ("upheld", "overturned")
MAX_FIRM = 100


# A bankruptcy court's case number as the notice shows it: "26-10001", "2:26-bk-10001".
_CASE_NUMBER = re.compile(r"^[0-9A-Za-z][0-9A-Za-z:.\-]{2,39}$")


def parse_chapter(text: str) -> int | None:
    """A chapter as typed ("13", "chapter 13"), or None when it is not a number."""
    digits = clean_text(text).lower().removeprefix("chapter").strip()
    return int(digits) if digits.isdigit() else None


def _case_row(conn: Connection, case_id: int) -> sa.RowMapping:
    row = conn.execute(sa.select(cases_t).where(cases_t.c.id == case_id)).mappings().first()
    if row is None:
        raise NotFound("this case no longer exists")
    return row


def validate_event(event: NewEvent, today: date) -> list[str]:
    """Every problem with an event, as messages for the form (empty when it can be saved)."""
    problems = []
    kinds = [k.value for k in MANUAL_EVENT_KINDS]
    if event.kind not in kinds:
        problems.append(f"event kind {event.kind!r} must be one of: {', '.join(kinds)}")
    if event.occurred_on > today:
        problems.append(f"the date {event.occurred_on.isoformat()} is in the future")
    if event.occurred_on < today and not clean_text(event.reason):
        problems.append("a back-dated event needs a reason (why it is recorded late)")
    if len(event.reason) > MAX_REASON:
        problems.append(f"the reason is limited to {MAX_REASON} characters")
    if len(event.note) > MAX_NOTE:
        problems.append(f"the note is limited to {MAX_NOTE} characters")
    if event.kind == EventKind.STAGE_CHANGED:
        stages = [s.value for s in Stage]
        if event.stage not in stages:
            problems.append(f"the new stage must be one of: {', '.join(stages)}")
    elif event.stage is not None:
        problems.append("only a stage change takes a stage")
    if event.kind == EventKind.BANKRUPTCY_FILED:
        chapters = ", ".join(str(c) for c in BANKRUPTCY_CHAPTERS)
        if event.chapter not in BANKRUPTCY_CHAPTERS:
            problems.append(f"a bankruptcy filing needs its chapter: one of {chapters}")
        number = clean_text(event.case_number)
        if not number:
            problems.append("a bankruptcy filing needs the court's case number "
                            "(e.g. 26-10001)")
        elif not _CASE_NUMBER.match(number) or not any(c.isdigit() for c in number):
            problems.append(f"the bankruptcy case number {number!r} is not one: letters, "
                            "digits, '-', ':' and '.', 3 to 40 characters (e.g. 26-10001)")
    elif event.chapter is not None or clean_text(event.case_number):
        problems.append("only a bankruptcy filing takes a chapter and a case number")
    if event.from_successor and event.kind != EventKind.APPLICATION_RECEIVED:
        problems.append("only an application received can come from a successor in interest")
    return (problems + _milestone_problems(event) + _trial_field_problems(event)
            + _short_term_problems(event))


def _short_term_problems(event: NewEvent) -> list[str]:
    """A short-term option on an incomplete application must be one (1024.41(c)(2)(iii)):
    a repayment plan of at most 3 months of arrears over at most 6 months, or a forbearance
    of the payments due over at most 6 months."""
    if event.kind != EventKind.SHORT_TERM_OFFERED:
        if event.option or event.months is not None or event.arrears_months is not None:
            return ["only a short-term option offered takes an option, months and arrears"]
        return []
    problems = []
    if event.option not in SHORT_TERM_OPTIONS:
        problems.append("a short-term option is a repayment_plan or a forbearance")
    if event.months is None or not 1 <= event.months <= SHORT_TERM_MAX_MONTHS:
        problems.append(f"a short-term option runs 1 to {SHORT_TERM_MAX_MONTHS} months "
                        "(1024.41(c)(2)(iii)); a longer one needs a complete application")
    if event.option == "repayment_plan":
        if event.arrears_months is None or not 1 <= event.arrears_months \
                <= SHORT_TERM_MAX_ARREARS_MONTHS:
            problems.append(f"a short-term repayment plan repays 1 to "
                            f"{SHORT_TERM_MAX_ARREARS_MONTHS} months of arrears "
                            "(1024.41(c)(2)(iii)); more needs a complete application")
    elif event.arrears_months is not None:
        problems.append("only a repayment plan repays months of arrears")
    return problems


def _milestone_problems(event: NewEvent) -> list[str]:
    """What is wrong with the foreclosure and appeal details of an event."""
    problems = []
    firm = clean_text(event.firm)
    if firm and event.kind != EventKind.FC_REFERRAL:
        problems.append("only a referral to counsel names a firm")
    if len(firm) > MAX_FIRM:
        problems.append(f"the firm's name is limited to {MAX_FIRM} characters")
    if event.basis and event.kind != EventKind.FC_REFERRAL:
        problems.append("only a referral to counsel has a basis")
    if event.basis and event.basis not in REFERRAL_BASES:
        problems.append(f"the referral's basis must be one of: {', '.join(REFERRAL_BASES)}")
    if event.kind == EventKind.SALE_SCHEDULED and event.sale_date is None:
        problems.append("a scheduled sale needs its sale date")
    if event.sale_date is not None:
        if event.kind not in (EventKind.SALE_SCHEDULED, EventKind.SALE_POSTPONED):
            problems.append("only a scheduled or postponed sale takes a sale date")
        elif event.sale_date < event.occurred_on:
            problems.append(f"the sale date {event.sale_date.isoformat()} is before the day "
                            f"it was set ({event.occurred_on.isoformat()})")
    if event.kind == EventKind.APPEAL_DECIDED and event.outcome not in APPEAL_OUTCOMES:
        problems.append("an appeal decision is upheld (the denial stands) or overturned")
    elif event.outcome and event.kind != EventKind.APPEAL_DECIDED:
        problems.append("only an appeal decision has an outcome")
    return problems


def _trial_field_problems(event: NewEvent) -> list[str]:
    """The trial fields an event may carry, and their bounds."""
    problems = []
    takes = {"amount_cents": (EventKind.TRIAL_STARTED, EventKind.TRIAL_PAYMENT),
             "payment": (EventKind.TRIAL_PAYMENT, EventKind.FAILED_TO_PERFORM),
             "payments": (EventKind.TRIAL_STARTED,),
             "first_due": (EventKind.TRIAL_STARTED,)}
    for name, kinds in takes.items():
        if getattr(event, name) is not None and event.kind not in kinds:
            problems.append(f"only {' or '.join(kinds)} takes {name.replace('_', ' ')}")
    if event.kind == EventKind.TRIAL_PAYMENT and event.amount_cents is None:
        problems.append("a trial payment needs its amount")
    if event.amount_cents is not None and not 0 < event.amount_cents <= MAX_PAYMENT_CENTS:
        problems.append(f"the amount must be above zero and at most "
                        f"{display_money(MAX_PAYMENT_CENTS)}")
    if event.payment is not None and not 1 <= event.payment <= MAX_PAYMENTS:
        problems.append(f"the payment number must be 1 to {MAX_PAYMENTS}")
    if event.payments is not None and not 1 <= event.payments <= MAX_PAYMENTS:
        problems.append(f"a trial has 1 to {MAX_PAYMENTS} payments")
    return problems


def _record_event(session: Session, actor_name: str, case_id: int, event: NewEvent,
                 today: date, weights: Mapping[str, float],
                 calendar: BusinessCalendar | None = None,
                 trial: TrialPolicy | None = None,
                 attempts_needed: int = GOOD_FAITH_ATTEMPTS) -> CaseEvent:
    """Record an event on a case: the event row, the stage it leads to, the regulatory
    deadlines it starts and meets (through the clock), the case's next action, and the
    audit rows."""
    problems = validate_event(event, today)
    if problems:
        raise InvalidInput("; ".join(problems))
    calendar = calendar or BusinessCalendar()
    actor = require_user(session, actor_name)
    require_case_access(session, actor, case_id, "recording an event")
    conn = session.connection()
    case = _case_row(conn, case_id)
    if event.kind == EventKind.OFFER_SENT:
        name = (event.offer or {}).get("name")
        held = _same_offer_held(conn, case_id, name, today)
        if held:
            raise InvalidInput(held)
    if event.kind in (EventKind.APPEAL_RECEIVED, EventKind.APPEAL_DECIDED):
        refused = _appeal_refused(session, actor, case_id, event)
        if refused:
            raise InvalidInput(refused)
    if event.kind in (EventKind.SHORT_TERM_OFFERED, EventKind.DENIED,
                      EventKind.THIRD_PARTY_RECEIVED):
        refused = _application_refusal(conn, case_id, event, today)
        if refused:
            raise InvalidInput(refused)
    reason = clean_text(event.reason) or None
    payload: dict[str, Any] = {}
    if event.stage:
        payload["stage"] = event.stage
    if clean_multiline(event.note):
        payload["note"] = clean_multiline(event.note)
    if event.offer and event.kind == EventKind.OFFER_SENT:
        payload["offer"] = event.offer
    if event.kind == EventKind.FC_REFERRAL:
        payload["firm"] = clean_text(event.firm) or None
        payload["basis"] = event.basis or "delinquency"
    if event.kind in (EventKind.SALE_SCHEDULED, EventKind.SALE_POSTPONED):
        payload["sale_date"] = event.sale_date.isoformat() if event.sale_date else None
    if event.kind == EventKind.APPEAL_DECIDED:
        payload["outcome"] = event.outcome
    if event.kind == EventKind.COUNSEL_INSTRUCTED:  # what counsel was told to hold
        payload["hold"] = case["fc_hold"]
    if event.kind == EventKind.ACKNOWLEDGMENT_SENT:  # what it said was missing, and by when
        payload.update(_acknowledgment(conn, case, event.occurred_on))
    if event.kind == EventKind.BANKRUPTCY_FILED:
        payload["chapter"] = event.chapter
        payload["case_number"] = clean_text(event.case_number)
    if event.from_successor:
        payload["from_successor"] = True
    if event.kind == EventKind.SHORT_TERM_OFFERED:
        payload.update(option=event.option, months=event.months)
        if event.arrears_months is not None:
            payload["arrears_months"] = event.arrears_months
    if event.letter_id is not None:
        payload["letter_id"] = event.letter_id
    if event.kind in SALE_FIXED_AT:  # the sale date known then decides its clocks for good
        sale = case["fc_sale_date"]
        payload["sale_date"] = sale.isoformat() if sale else None
    trial = trial or TrialPolicy()
    trial_change = prepare_trial_event(conn, case, event, today, trial)
    payload.update(trial_change.payload)
    row = CaseEvent(case_id=case_id, kind=event.kind, occurred_on=event.occurred_on,
                    author_id=actor.id, reason=reason, payload=payload)
    session.add(row)
    session.flush()
    audit.record(session, actor, "case_event", row.id, "create",
                 after={"case": case["loan_number"], "kind": event.kind,
                        "occurred_on": event.occurred_on.isoformat(), "reason": reason,
                        **payload})
    if payload.get("missing"):  # chase what the acknowledgment asked for
        due = date.fromisoformat(payload["return_by"])
        title = (f"Missing documents due {due.isoformat()}: "
                 + ", ".join(m.replace("_", " ") for m in payload["missing"]))[:200]
        task = Task(case_id=case_id, kind=TaskKind.DOCUMENTS_DUE, title=title, due_on=due,
                    assignee_id=case["assignee_id"] or actor.id, status="open",
                    source="acknowledgment")
        session.add(task)
        session.flush()
        audit.record(session, actor, "task", task.id, "create",
                     after={"case": case["loan_number"], "kind": TaskKind.DOCUMENTS_DUE.value,
                            "title": title, "due_on": due.isoformat()})
    if event.kind == EventKind.SHORT_TERM_OFFERED and event.option == "forbearance":
        _forbearance_end_task(session, actor, case, event)
    if trial_change.start is not None:  # an acceptance that starts its offer's trial
        write_trial_start(session, actor, case, trial_change.start, event.occurred_on,
                          event.kind)

    changes: dict[str, Any] = {}
    new_stage = event.stage if event.kind == EventKind.STAGE_CHANGED else STAGE_AFTER.get(
        event.kind)
    if trial_change.start is not None:
        new_stage = Stage.TRIAL
    if new_stage and new_stage != case["stage"]:
        changes["stage"] = new_stage
        closing = Stage(new_stage) in CLOSED_STAGES
        if closing and case["closed_at"] is None:
            changes["closed_at"] = utcnow()
        elif not closing and case["closed_at"] is not None:
            changes["closed_at"] = None  # reopened
    if event.kind == EventKind.FC_REFERRAL and case["fc_referral_date"] != event.occurred_on:
        changes["fc_referral_date"] = event.occurred_on
    if (event.kind in (EventKind.SALE_SCHEDULED, EventKind.SALE_POSTPONED)
            and case["fc_sale_date"] != event.sale_date):
        changes["fc_sale_date"] = event.sale_date
    if (event.kind == EventKind.PAYMENT_RECEIVED and case["promise_due_on"] is not None
            and case["promise_kept_on"] is None):
        changes["promise_kept_on"] = event.occurred_on
    if changes:
        changes["updated_at"] = utcnow()
        conn.execute(cases_t.update().where(cases_t.c.id == case_id).values(
            version=cases_t.c.version + 1, **changes))
        shown = [k for k in ("stage", "promise_kept_on", "closed_at", "fc_referral_date",
                             "fc_sale_date") if k in changes]
        audit.record(session, actor, "case", case_id, "update",
                     before={k: _plain(case[k]) for k in shown},
                     after={"case": case["loan_number"], "by_event": event.kind}
                     | {k: _plain(changes[k]) for k in shown})

    # the stage, foreclosure, bankruptcy or workout status it moved, as history
    session.flush()
    record_status(conn, today, [case_id])
    if "fc_sale_date" in changes:
        from lossmit_tui.services.complaints import foreclosure_errors_on_sale

        foreclosure_errors_on_sale(session, actor, case_id, today)
    sync_clocks(session, actor, [case_id], today, calendar, actor.username,
                attempts_needed=attempts_needed)
    sync_trial_tasks(conn, actor, [case_id], today, trial, actor.username)
    recompute_case(conn, case_id, today, weights)
    return row


def _application_refusal(conn: Connection, case_id: int, event: NewEvent, today: date) -> str:
    """Why a short-term offer, a denial or third-party documents cannot be recorded, or "".

    A short-term option is offered on an incomplete application (1024.41(c)(2)(iii)): one
    must be received and not complete. A denial cannot be recorded while the decision waits
    for documents from a third party (1024.41(c)(4)(ii): never deny for their absence):
    record their arrival first. Their arrival needs a delay notice sent."""
    facts = load_facts(conn, [case_id])[case_id]
    kinds = [k for k, _ in facts.events]
    if event.kind == EventKind.SHORT_TERM_OFFERED:
        if EventKind.APPLICATION_RECEIVED not in kinds:
            return ("a short-term option is offered on an application received: record the "
                    "application first")
        protection = application_protection(facts, event.occurred_on)
        if protection is not None and protection.complete is not None:
            return (f"the application is complete ({protection.complete}): evaluate it and "
                    "record the offer (offer_sent), not a short-term option on an "
                    "incomplete application")
        return ""
    delays = sorted(d for k, d in facts.events if k == EventKind.THIRD_PARTY_DELAY_SENT)
    arrivals = sorted(d for k, d in facts.events if k == EventKind.THIRD_PARTY_RECEIVED)
    if event.kind == EventKind.THIRD_PARTY_RECEIVED:
        if not delays or delays[-1] > event.occurred_on:
            return ("no third-party documents are awaited: record the delay notice sent "
                    "(third_party_delay_sent) first")
        return ""
    waiting = delays and not any(a >= delays[-1] for a in arrivals)
    if waiting:
        return (f"the decision waits for documents from a third party (delay notice of "
                f"{delays[-1]}): an application is never denied for their absence "
                "(1024.41(c)(4)(ii)); record their arrival (third_party_received) first")
    return ""


def _forbearance_end_task(session: Session, actor: Any, case: sa.RowMapping,
                          event: NewEvent) -> None:
    """A short-term forbearance on an incomplete application: a task to reach the borrower
    two weeks before it ends, to complete the application (docs/RULES.md section 4)."""
    ends = add_months(event.occurred_on, event.months or 0)
    due = max(ends - timedelta(days=14), event.occurred_on + timedelta(days=1))
    title = (f"Contact before the forbearance offered {event.occurred_on} ends on {ends}: "
             "complete the application (1024.41(c)(2)(iii))")
    task = Task(case_id=case["id"], kind=TaskKind.CALLBACK, title=title, due_on=due,
                assignee_id=case["assignee_id"] or actor.id, status="open",
                source="short_term")
    session.add(task)
    session.flush()
    audit.record(session, actor, "task", task.id, "create",
                 after={"case": case["loan_number"], "kind": TaskKind.CALLBACK.value,
                        "title": title, "due_on": due.isoformat()})


def _acknowledgment(conn: Connection, case: sa.RowMapping, day: date) -> dict[str, Any]:
    """What an acknowledgment sent on `day` says (1024.41(b)(2)(i)(B)): the application is
    complete (nothing requested is outstanding), or the documents still missing and the
    date to return them by (`return_by`), with why that date."""
    docs = Document.__table__.c
    rows = conn.execute(sa.select(docs.doc_type, docs.status, docs.document_date,
                                  docs.received_on)
                        .where(docs.case_id == case["id"]).order_by(docs.id)).all()
    missing = sorted({r.doc_type for r in rows if r.status == "requested"})
    if not missing:
        return {"complete": True}
    current = tuple((r.doc_type, r.document_date or r.received_on) for r in rows
                    if r.status in ("received", "accepted")
                    and (r.document_date or r.received_on) is not None)
    due, why = return_by(day, oldest_unpaid_due=case["next_due_date"],
                         sale_date=case["fc_sale_date"], current_documents=current)
    return {"missing": missing, "return_by": due.isoformat(), "return_by_why": why}


# For the letters service: what an acknowledgment says, and recording an event inside a
# transaction it already holds (a mailed letter's event).
acknowledgment_content = _acknowledgment
record_event_in = _record_event


def _appeal_refused(session: Session, actor: Any, case_id: int, event: NewEvent) -> str:
    """Why this appeal or appeal decision cannot be recorded, or "" (1024.41(h)). An appeal
    needs a denial it may appeal (`appeal_refusal`); a decision needs an appeal awaiting one,
    and a decider not involved in the evaluation: not the person who recorded the denial or
    an offer on that application, nor a member of the team such a person leads."""
    conn = session.connection()
    facts = load_facts(conn, [case_id])[case_id]
    if event.kind == EventKind.APPEAL_RECEIVED:
        return appeal_refusal(facts, event.occurred_on)
    pending = pending_appeal(facts)
    if pending is None:
        return "there is no appeal awaiting a decision on this case"
    appeal, denied = pending
    if event.occurred_on < appeal:
        return (f"the decision ({event.occurred_on.isoformat()}) cannot come before the appeal "
                f"({appeal.isoformat()})")
    complete = max(d for k, d in facts.events if k == EventKind.APPLICATION_COMPLETE)
    users_t = User.__table__
    ev = events_t.c
    evaluators = conn.execute(
        sa.select(users_t.c.id, users_t.c.username, users_t.c.role, users_t.c.team)
        .join(events_t, ev.author_id == users_t.c.id)
        .where(ev.case_id == case_id, ev.occurred_on >= complete, ev.occurred_on <= denied,
               ev.kind.in_([EventKind.DENIED, EventKind.OFFER_SENT]))).all()
    for who in evaluators:
        if who.id == actor.id:
            return (f"{actor.username} evaluated this application (recorded its denial or "
                    "an offer): the appeal must be decided by someone not involved in the "
                    "evaluation (1024.41(h)(3))")
        if who.role == Role.LEAD and who.team and who.team == actor.team \
                and actor.role == Role.SPECIALIST:
            return (f"{who.username}, who evaluated this application, leads {actor.username}'s "
                    "team: the appeal must be decided by someone the evaluator does not "
                    "supervise (1024.41(h)(3))")
    return ""


_NO_OFFER = object()
# The borrower's answers to an offer (each answers the latest offer before it): taking it
# up (the clock's PERFORMING), or turning it down.
_ANSWERS = (*PERFORMING, *REJECTIONS, EventKind.FAILED_TO_PERFORM)


def _same_offer_held(conn: Connection, case_id: int, name: Any, today: date) -> str:
    """Why the same option may not be offered again now, or "": it was offered and the
    borrower's 14 days to answer are not over (no answer then counts as a rejection). Once
    answered, it may be offered again (a later delinquency, a new evaluation)."""
    ev = CaseEvent.__table__.c
    latest: dict[Any, tuple[date, str]] = {}  # option name -> (offered on, state)
    current: Any = _NO_OFFER
    for row in conn.execute(sa.select(ev.kind, ev.occurred_on, ev.payload).where(
            ev.case_id == case_id,
            ev.kind.in_([EventKind.OFFER_SENT, *_ANSWERS]))
            .order_by(ev.occurred_on, ev.id)):
        if row.kind == EventKind.OFFER_SENT:
            offer = (row.payload or {}).get("offer") or {}
            current = offer.get("name") if isinstance(offer, dict) else None
            latest[current] = (row.occurred_on, "open")
        elif current is not _NO_OFFER:
            latest[current] = (latest[current][0], "answered")
    if name not in latest:
        return ""
    offered, state = latest[name]
    what = f"the {str(name).replace('_', ' ')} offer" if name else "an offer"
    answer_by = offered + timedelta(days=14)
    if state == "open" and today <= answer_by:
        return (f"{what} of {offered.isoformat()} is still open: the borrower may answer "
                f"until {answer_by.isoformat()}; record the acceptance or rejection first")
    return ""



def _plain(value: Any) -> Any:
    """A value as the audit row keeps it (JSON: dates and times as ISO text)."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


# The fields a person edits on the case screen, with how each typed value is checked.
def _optional_text(limit: int) -> Any:
    def check(text: str) -> str | None:
        value = clean_text(text)
        if len(value) > limit:
            raise ValueError(f"is longer than {limit} characters")
        return value or None
    return check


def _phone(text: str) -> str | None:
    return parse_phone(text) if clean_text(text) else None


def _email(text: str) -> str | None:
    value = clean_text(text)
    if value and ("@" not in value or " " in value or len(value) > 254):
        raise ValueError(f"{value!r} is not an e-mail address")
    return value or None


def _choice(allowed: type[StrEnum]) -> Any:
    def check(text: str) -> str | None:
        value = clean_text(text)
        values = [m.value for m in allowed]
        if value and value not in values:
            raise ValueError(f"must be one of: {', '.join(values)}")
        return value or None
    return check


def _required_choice(allowed: type[StrEnum]) -> Any:
    def check(text: str) -> str:
        value = _choice(allowed)(text)
        if value is None:
            raise ValueError("is required")
        return str(value)
    return check


def _language(text: str) -> str:
    from lossmit_tui.domain.letters import LANGUAGES

    value = clean_text(text).lower()
    if value not in LANGUAGES:
        raise ValueError(f"must be one of: {', '.join(LANGUAGES)}")
    return value


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError("must be yes or no")


def _borrower_name(text: str) -> str:
    value = clean_text(text)
    if not value:
        raise ValueError("is required (the borrower's name as on the loan)")
    if len(value) > 200:
        raise ValueError("is longer than 200 characters")
    return value


def _optional(parse: Any) -> Any:
    """An optional field checked by an importer parser when it is filled in."""
    def check(text: str) -> str | None:
        value = clean_text(text)
        return parse(value) if value else None
    return check


EDITABLE: dict[str, Any] = {
    "borrower_name": _borrower_name,
    "co_borrower_name": _optional_text(200),
    "phone": _phone,
    "phone2": _phone,
    "email": _email,
    "mailing_address": _optional_text(200),
    "mailing_city": _optional_text(100),
    "mailing_state": _optional(extract_state),
    "mailing_zip": _optional(extract_zip),
    "best_time": _optional_text(100),
    "hardship_reason": _choice(Hardship),
    "occupancy": _required_choice(Occupancy),
    "fdcpa_covered": _flag,
    "cease_communication": _flag,
    "attorney_represented": _flag,
    "preferred_language": _language,
}
FIELD_NAMES = {
    "borrower_name": "Borrower", "co_borrower_name": "Co-borrower", "phone": "Phone",
    "phone2": "Second phone", "email": "E-mail", "mailing_address": "Mailing address",
    "mailing_city": "Mailing city", "mailing_state": "Mailing state",
    "mailing_zip": "Mailing ZIP", "best_time": "Best time to call",
    "hardship_reason": "Hardship",
    "occupancy": "Occupancy", "fdcpa_covered": "FDCPA",
    "cease_communication": "Cease communication", "attorney_represented": "Attorney",
    "preferred_language": "Preferred language",
}
MAILING = ("mailing_address", "mailing_city", "mailing_state", "mailing_zip")


def _mailing_zone(clean: dict[str, Any], case: sa.RowMapping,
                  problems: dict[str, str]) -> None:
    """Settle the mailing address's state and time zone as the importer does for the
    property: the state from the ZIP when it is left blank, a ZIP of another state refused,
    the zone by ZIP, else the state's when it has only one (`mailing_tz`, which the calling
    rules use). No mailing address: no zone of its own (the property's applies)."""
    merged = {k: clean.get(k, case[k]) for k in MAILING}
    state, zip_code = merged["mailing_state"], merged["mailing_zip"]
    found = zip_state_and_zone(zip_code) if zip_code else None
    if zip_code and not state:
        if found is None:
            problems["mailing_state"] = (f"Mailing state is needed: ZIP {zip_code} is not "
                                         "one the ZIP code list knows")
            return
        state = clean["mailing_state"] = found[0]
    elif found is not None and state and found[0] != state:
        problems["mailing_zip"] = (f"Mailing ZIP {zip_code} is in {found[0]}, not {state}")
        return
    if any(merged[k] for k in ("mailing_address", "mailing_city")) and not state:
        problems["mailing_state"] = ("Mailing state is needed with a mailing address (it "
                                     "sets the borrower's time zone)")
        return
    clean["mailing_tz"] = time_zone_for(state, zip_code) if state else None


def validate_edit(values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Typed values -> (clean values, problems by field name)."""
    clean: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name, value in values.items():
        check = EDITABLE.get(name)
        if check is None:
            problems[name] = "this field cannot be edited here"
            continue
        try:
            clean[name] = check(value)
        except ValueError as exc:
            problems[name] = f"{FIELD_NAMES.get(name, name)} {exc}"
    return clean, problems


def last_change(conn: Connection, case_id: int) -> tuple[str, datetime] | None:
    """Who last changed the case row, and when (from its audit rows)."""
    row = conn.execute(sa.select(audit_t.c.username, audit_t.c.at).where(
        audit_t.c.entity == "case", audit_t.c.entity_id == str(case_id))
        .order_by(audit_t.c.id.desc()).limit(1)).first()
    return (row.username, row.at) if row else None


def _update_case(session: Session, actor_name: str, case_id: int, expected_version: int,
                values: Mapping[str, Any], today: date, weights: Mapping[str, float],
                calendar: BusinessCalendar | None = None,
                attempts_needed: int = GOOD_FAITH_ATTEMPTS) -> int:
    """Save edits to a case's fields if nobody changed it since `expected_version`.
    Returns the new version. Raises Conflict (saying who and when) or InvalidInput."""
    clean, problems = validate_edit(values)
    if problems:
        raise InvalidInput("; ".join(problems.values()))
    actor = require_user(session, actor_name)
    require_case_access(session, actor, case_id, "editing a case")
    conn = session.connection()
    case = _case_row(conn, case_id)
    if case["version"] != expected_version:
        raise Conflict(conflict_message(conn, case_id))
    if set(MAILING) & clean.keys():
        _mailing_zone(clean, case, problems)
        if problems:
            raise InvalidInput("; ".join(problems.values()))
    changed = {k: v for k, v in clean.items() if case[k] != v}
    if not changed:
        return int(case["version"])
    result = conn.execute(cases_t.update().where(
        cases_t.c.id == case_id, cases_t.c.version == expected_version).values(
        version=expected_version + 1, updated_at=utcnow(), **changed))
    if result.rowcount != 1:  # changed between our read and the update
        raise Conflict(conflict_message(conn, case_id))
    audit.record(session, actor, "case", case_id, "update",
                 before={k: _plain(case[k]) for k in changed},
                 after={"case": case["loan_number"]} | {k: _plain(v)
                                                        for k, v in changed.items()})
    # the clocks bind only on a principal residence; an FDCPA cease-communication notice
    # exempts the live contact
    if {"occupancy", "cease_communication", "fdcpa_covered"} & changed.keys():
        sync_clocks(session, actor, [case_id], today, calendar or BusinessCalendar(),
                    actor.username, attempts_needed=attempts_needed)
    recompute_case(conn, case_id, today, weights)
    return expected_version + 1


def conflict_message(conn: Connection, case_id: int) -> str:
    who = last_change(conn, case_id)
    if who is None:
        return ("This case was changed by another process since you opened it. Reload to "
                "see the current values; your input is kept.")
    name, at = who
    return (f"{name} changed this case at {at.strftime('%Y-%m-%d %H:%M')} UTC, after you "
            "opened it. Reload to see their change; your input is kept.")


# --- the service entries: each takes the workspace and is one transaction -----


def record_event(ws: Workspace, case_id: int, event: NewEvent) -> CaseEvent:
    """Record an event on a case in one transaction (see `_record_event`)."""
    with ws.write() as session:
        return _record_event(session, ws.username, case_id, event, ws.today, ws.weights,
                             ws.calendar, trial_policy(ws.settings),
                             ws.settings.good_faith_attempts)


def update_case(ws: Workspace, case_id: int, expected_version: int,
                values: Mapping[str, Any]) -> int:
    """Edit a case's details at the version the user saw, in one transaction (see
    `_update_case`); returns the new version."""
    with ws.write() as session:
        return _update_case(session, ws.username, case_id, expected_version, values,
                            ws.today, ws.weights, ws.calendar,
                            ws.settings.good_faith_attempts)
