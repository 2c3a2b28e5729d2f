"""Keep each case's regulatory-deadline tasks in step with its regulatory clock.

The clock (domain/regclock.py) is computed from the case's facts and events; its open,
binding deadlines are kept as tasks (source = the rule's citation), so the queue's next
action, the Regulatory view and the tracker read them like any other task. A sync, run in
the transaction of every change that can move a clock (an event, a call, an edit, an
import) and by the daily pass for the cases whose clocks move with time alone:

- adds a task for each open deadline that has none (or moves a stray open task of the same
  rule to it),
- completes the open tasks of a rule whose clock was met (naming the event),
- cancels the open tasks of a rule that does not apply to the case (saying why).

Every change has its audit row. Nothing else completes or snoozes a regulatory deadline.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from db.bulk import insert_with_ids, upsert
from db.engine import session_scope
from db.models import (
    AuditEvent,
    CallNote,
    Case,
    CaseClock,
    CaseEvent,
    Document,
    Task,
    User,
    utcnow,
)
from lossmit_tui.domain.calendar import BusinessCalendar
from lossmit_tui.domain.complaints import foreclosure_error_lines
from lossmit_tui.domain.contact import borrower_day
from lossmit_tui.domain.enums import CallDirection, CallResult, EventKind, Stage, TaskKind
from lossmit_tui.domain.foreclosure import (
    MILESTONES,
    REFERRAL_BASES,
    ForeclosureStatus,
    foreclosure_status,
    hold_clock,
    hold_since,
    next_hold_change,
)
from lossmit_tui.domain.regclock import (
    DUE_SOON_DAYS,
    GOOD_FAITH_ATTEMPTS,
    INSTALLMENT_BASIS,
    LIVE_CONTACT,
    SALE_FIXED_AT,
    CaseFacts,
    Clock,
    ClockState,
    deemed_rejection_day,
    next_time_change,
    open_deadlines,
    regulatory_clocks,
    standing,
)
from lossmit_tui.services import audit
from lossmit_tui.services.complaint_clocks import complaint_task_clocks, load_complaint_facts
from lossmit_tui.services.extract import borrower_zones
from lossmit_tui.services.tasks import tasks_of_cases
from lossmit_tui.services.workspace import Workspace

cases_t, tasks_t, audit_t = Case.__table__, Task.__table__, AuditEvent.__table__
events_t, notes_t, checks_t = CaseEvent.__table__, CallNote.__table__, CaseClock.__table__
BATCH = 500


# The events whose payload the clock reads: the sale date known then, a bankruptcy's chapter
# and case number, whether an application came from a claimed successor in interest.
_PAYLOAD_KINDS = frozenset({*SALE_FIXED_AT, EventKind.BANKRUPTCY_FILED, EventKind.FC_REFERRAL,
                            EventKind.ACKNOWLEDGMENT_SENT, EventKind.SHORT_TERM_OFFERED,
                            EventKind.SALE_SCHEDULED, EventKind.SALE_POSTPONED,
                            EventKind.STAGE_CHANGED})


def load_facts(conn: Connection, case_ids: Sequence[int], *,
               attempts_needed: int = GOOD_FAITH_ATTEMPTS) -> dict[int, CaseFacts]:
    """The clock facts of several cases, in four queries."""
    cases = conn.execute(sa.select(
        cases_t.c.id, cases_t.c.next_due_date, cases_t.c.occupancy, cases_t.c.fc_sale_date,
        cases_t.c.property_state, cases_t.c.property_tz, cases_t.c.fdcpa_covered,
        cases_t.c.cease_communication, cases_t.c.fc_referral_date, cases_t.c.fc_hold,
        cases_t.c.fc_hold_since)
        .where(cases_t.c.id.in_(case_ids))).all()
    zones = {r.id: borrower_zones(r.property_state, r.property_tz) for r in cases}
    events: dict[int, list[tuple[str, date]]] = defaultdict(list)
    for r in conn.execute(sa.select(events_t.c.case_id, events_t.c.kind,
                                    events_t.c.occurred_on)
                          .where(events_t.c.case_id.in_(case_ids))):
        events[r.case_id].append((r.kind, r.occurred_on))
    sale_known: dict[int, list[tuple[str, date, date | None]]] = defaultdict(list)
    referral: dict[int, tuple[date, str]] = {}  # the latest referral's day and basis
    filings: dict[int, list[tuple[date, int, str]]] = defaultdict(list)
    successor: dict[int, list[date]] = defaultdict(list)
    acks: dict[int, list[tuple[date, tuple[str, ...]]]] = defaultdict(list)
    short_term: dict[int, list[tuple[date, str, int]]] = defaultdict(list)
    cures: dict[int, list[date]] = defaultdict(list)
    sales: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    for fixed in conn.execute(sa.select(events_t.c.case_id, events_t.c.kind,
                                        events_t.c.occurred_on, events_t.c.payload)
                              .where(events_t.c.case_id.in_(case_ids),
                                     events_t.c.kind.in_(_PAYLOAD_KINDS))
                              .order_by(events_t.c.occurred_on, events_t.c.id)):
        payload = fixed.payload if isinstance(fixed.payload, dict) else {}
        if fixed.kind == EventKind.FC_REFERRAL:
            referral[fixed.case_id] = (fixed.occurred_on,
                                       REFERRAL_BASES.get(payload.get("basis") or "", ""))
            continue
        if fixed.kind == EventKind.BANKRUPTCY_FILED:
            filings[fixed.case_id].append((fixed.occurred_on, int(payload.get("chapter") or 0),
                                           str(payload.get("case_number") or "")))
            continue
        if fixed.kind == EventKind.ACKNOWLEDGMENT_SENT:
            if payload.get("complete") or payload.get("missing"):  # what it said
                acks[fixed.case_id].append(
                    (fixed.occurred_on, tuple(payload.get("missing") or ())))
            continue
        if fixed.kind == EventKind.SHORT_TERM_OFFERED:
            short_term[fixed.case_id].append((fixed.occurred_on, str(payload.get("option")),
                                              int(payload.get("months") or 0)))
            continue
        if fixed.kind == EventKind.STAGE_CHANGED:
            if payload.get("stage") == Stage.CURED:
                cures[fixed.case_id].append(fixed.occurred_on)
            continue
        if fixed.kind in (EventKind.SALE_SCHEDULED, EventKind.SALE_POSTPONED):
            sale = payload.get("sale_date")
            sales[fixed.case_id].append(
                (fixed.occurred_on, date.fromisoformat(sale) if sale else None))
            continue
        if fixed.kind == EventKind.APPLICATION_RECEIVED and payload.get("from_successor"):
            successor[fixed.case_id].append(fixed.occurred_on)
        if "sale_date" in payload:
            sale = fixed.payload["sale_date"]
            sale_known[fixed.case_id].append(
                (fixed.kind, fixed.occurred_on, date.fromisoformat(sale) if sale else None))
    for case_id, kind, day in ((c, k, d) for c, evs in events.items() for k, d in evs):
        if kind == EventKind.MODIFICATION_EFFECTIVE:  # a permanent workout brings it current
            cures[case_id].append(day)
    # The documents of the cases whose acknowledgment said what it asked for (what makes an
    # application facially complete, and what was asked for since).
    documents: dict[int, list[tuple[str, date | None, date | None]]] = defaultdict(list)
    if acks:
        docs_t = Document.__table__
        for d in conn.execute(sa.select(docs_t.c.case_id, docs_t.c.doc_type,
                                        docs_t.c.requested_on, docs_t.c.received_on)
                              .where(docs_t.c.case_id.in_(list(acks)))):
            documents[d.case_id].append((d.doc_type, d.requested_on, d.received_on))
    # Conversations (right-party calls either way) and good-faith attempts (outbound calls
    # of any result), on the borrower's own day. An amendment is not a call, but it corrects
    # one: the call counts as its latest note says (a "no answer" corrected to a
    # conversation is a conversation on the call's day).
    calls: dict[int, Any] = {}
    for n in conn.execute(sa.select(notes_t.c.id, notes_t.c.case_id, notes_t.c.called_at,
                                    notes_t.c.result, notes_t.c.direction,
                                    notes_t.c.amends_id).where(
            notes_t.c.case_id.in_(case_ids),
            sa.or_(notes_t.c.amends_id.is_not(None), notes_t.c.result == CallResult.RPC,
                   notes_t.c.direction == CallDirection.OUTBOUND))
            .order_by(notes_t.c.id)):
        calls[n.amends_id or n.id] = n
    contacts: dict[int, list[date]] = defaultdict(list)
    attempts: dict[int, list[date]] = defaultdict(list)
    for n in calls.values():
        called: datetime = n.called_at
        day = borrower_day(called if called.tzinfo else called.replace(tzinfo=UTC),
                           zones.get(n.case_id, ()))
        if n.result == CallResult.RPC:
            contacts[n.case_id].append(day)
        if n.direction == CallDirection.OUTBOUND:
            attempts[n.case_id].append(day)
    return {r.id: CaseFacts(r.next_due_date, r.occupancy == "owner", r.fc_sale_date,
                            tuple(events[r.id]), tuple(contacts[r.id]),
                            tuple(sale_known[r.id]),
                            bool(r.fdcpa_covered and r.cease_communication),
                            attempts=tuple(attempts[r.id]), attempts_needed=attempts_needed,
                            bankruptcy_filings=tuple(filings[r.id]),
                            successor_applications=tuple(successor[r.id]),
                            fc_exempt=referral.get(r.id, (None, ""))[1],
                            referred_on=r.fc_referral_date or referral.get(r.id, (None,))[0],
                            fc_hold=r.fc_hold, fc_hold_since=r.fc_hold_since,
                            acknowledgments=tuple(acks[r.id]),
                            documents=tuple(documents[r.id]),
                            short_term=tuple(short_term[r.id]), cures=tuple(cures[r.id]),
                            sales=tuple(sales[r.id]))
            for r in cases}


def all_clocks(facts: CaseFacts, today: date, calendar: BusinessCalendar
               ) -> tuple[list[Clock], ForeclosureStatus]:
    """A case's regulatory clocks with the deadline a barred sale raises, and its
    foreclosure status."""
    clocks = regulatory_clocks(facts, today, calendar)
    return _with_hold(facts, clocks, today)


def _with_counsel(facts: CaseFacts) -> bool:
    """Whether the case may have a hold for counsel (referred, a sale or a milestone on
    record, or a hold kept): else it has none, and the sync need not work out its status."""
    return bool(facts.referred_on or facts.sale_date or facts.fc_hold
                or any(k in MILESTONES for k, _ in facts.events))


def _with_hold(facts: CaseFacts, clocks: list[Clock], today: date
               ) -> tuple[list[Clock], ForeclosureStatus]:
    status = foreclosure_status(facts, clocks, today)
    hold = hold_clock(status, facts, today)
    if hold is not None:
        clocks = sorted([*clocks, hold], key=lambda c: (c.due_on or date.max, c.citation))
    return clocks, status


@dataclass
class SyncResult:
    added: int = 0
    moved: int = 0
    met: int = 0
    cancelled: int = 0
    changed: set[int] = field(default_factory=set)  # the cases synced whose tasks changed
    rolled: int = 0  # cases given their new live-contact window set-wise (also in `added`)
    visited: int = 0  # cases whose clocks were computed or rolled
    due_soon: int = 0  # open regulatory deadlines due today or within the horizon
    newly_missed: int = 0  # open regulatory deadlines whose day passed since the last pass
    missed_since: date | None = None  # that last pass's day

    def __iadd__(self, other: "SyncResult") -> "SyncResult":
        self.changed |= other.changed
        self.added += other.added
        self.moved += other.moved
        self.met += other.met
        self.cancelled += other.cancelled
        return self


def _title(clock: Clock) -> str:
    """A deadline task's title: the rule's, and what started the clock."""
    return f"{clock.rule.title} · {clock.basis}"[:200] if clock.basis else clock.rule.title


@dataclass
class _Plan:
    """The writes one batch needs: new tasks, and changes to open ones, with the audit
    rows that go with them."""

    inserts: list[dict[str, Any]] = field(default_factory=list)
    insert_audit: list[dict[str, Any]] = field(default_factory=list)  # after the insert
    updates: list[dict[str, Any]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)


def _plan_one(plan: _Plan, result: SyncResult, case: sa.Row,
              clocks: list[Clock], open_tasks: list[sa.Row],
              actor_id: int | None, now: datetime) -> None:
    """Plan the writes that bring one case's open regulatory tasks in step with its clocks.

    One task per rule: the earliest open deadline of each rule (`open_deadlines`)."""
    wanted = {(c.citation, c.due_on): c for c in open_deadlines(clocks).values()}
    have = {(t.source, t.due_on) for t in open_tasks}
    unmatched = [t for t in open_tasks if (t.source, t.due_on) not in wanted]
    if not unmatched and len(have) == len(wanted):
        return  # in step (most cases on most days)
    deadlines = [c for c in clocks if c.is_deadline]
    owner = case.assignee_id or actor_id
    before_count = len(plan.updates) + len(plan.inserts)

    def audit_row(task_id: int | None, action: str, before: dict[str, Any] | None,
                  after: dict[str, Any]) -> dict[str, Any]:
        return {"entity_id": None if task_id is None else str(task_id), "action": action,
                "before": before, "after": {"case": case.loan_number, **after}}

    for key, clock in wanted.items():
        if key in have:
            continue
        stray = next((t for t in unmatched if t.source == clock.citation), None)
        if stray is not None:  # the same duty with a date the clock no longer gives
            unmatched.remove(stray)
            plan.updates.append({"tid": stray.id, "due_on": clock.due_on,
                                 "title": _title(clock), "status": "open",
                                 "completed_at": None, "completed_by_id": None,
                                 "completion_note": None})
            plan.audit.append(audit_row(stray.id, "reschedule",
                                        {"due_on": stray.due_on.isoformat()},
                                        {"due_on": clock.due_on.isoformat(),  # type: ignore[union-attr]  # an open deadline has a date
                                         "rule": clock.citation, "basis": clock.basis}))
            result.moved += 1
            continue
        plan.inserts.append({"case_id": case.id, "kind": TaskKind.REGULATORY_DEADLINE.value,
                             "title": _title(clock), "due_on": clock.due_on,
                             "assignee_id": owner, "status": "open",
                             "source": clock.citation, "created_at": now})
        plan.insert_audit.append(audit_row(None, "create", None, {
            "kind": TaskKind.REGULATORY_DEADLINE.value, "title": _title(clock),
            "due_on": clock.due_on.isoformat(), "rule": clock.citation}))  # type: ignore[union-attr]  # an open deadline has a date
        result.added += 1

    by_rule: dict[str, list[Clock]] = defaultdict(list)
    for c in deadlines:
        by_rule[c.citation].append(c)
    for task in unmatched:
        rule_clocks = by_rule.get(task.source, [])
        met = next((c for c in rule_clocks if c.met_by and c.due_on == task.due_on),
                   next((c for c in rule_clocks if c.met_by), None))
        not_applying = next((c for c in rule_clocks if not c.applies), None)
        # a deadline that waits with no date (a decision held for third-party documents)
        held = next((c for c in clocks if c.citation == task.source and c.due_on is None
                     and c.applies and not c.met_by and c.notes), None)

        def close(status: str, action: str, note: str, said: dict[str, str],
                  task: sa.Row = task) -> None:
            plan.updates.append({"tid": task.id, "due_on": task.due_on, "title": task.title,
                                 "status": status, "completed_at": now,
                                 "completed_by_id": actor_id, "completion_note": note})
            plan.audit.append(audit_row(task.id, action, {"status": "open"},
                                        {"status": status, "rule": task.source, **said}))

        if met is not None:
            close("done", "complete", f"Met: {met.met_by}", {"met_by": met.met_by})
            result.met += 1
        elif not_applying is not None:
            close("cancelled", "cancel", f"Does not apply: {not_applying.why_not}",
                  {"why": not_applying.why_not})
            result.cancelled += 1
        elif held is not None:
            close("cancelled", "cancel", f"Held: {held.notes[0]}", {"why": held.notes[0]})
            result.cancelled += 1
    if len(plan.updates) + len(plan.inserts) > before_count:
        result.changed.add(case.id)


def _apply(conn: Connection, plan: _Plan, actor: User | None, actor_name: str,
           now: datetime) -> None:
    """Write a batch's plan: a handful of statements, whatever its size."""
    who = {"user_id": actor.id if actor else None,
           "username": actor.username if actor else actor_name, "entity": "task", "at": now}
    if plan.inserts:
        ids = insert_with_ids(conn, tasks_t, plan.inserts)
        for task_id, row in zip(ids, plan.insert_audit, strict=True):
            row["entity_id"] = str(task_id)
        plan.audit.extend(plan.insert_audit)
    if plan.updates:
        conn.execute(tasks_t.update().where(tasks_t.c.id == sa.bindparam("tid")).values(
            due_on=sa.bindparam("due_on"), title=sa.bindparam("title"),
            status=sa.bindparam("status"), completed_at=sa.bindparam("completed_at"),
            completed_by_id=sa.bindparam("completed_by_id"),
            completion_note=sa.bindparam("completion_note")), plan.updates)
    if plan.audit:
        conn.execute(audit_t.insert(), [{**who, **row} for row in plan.audit])


def sync_clocks(session: Session, actor: User | None, case_ids: Iterable[int], today: date,
                calendar: BusinessCalendar, actor_name: str = "system", *,
                attempts_needed: int = GOOD_FAITH_ATTEMPTS) -> SyncResult:
    """Bring these cases' regulatory tasks in step with their clocks, in the caller's
    transaction, and note when each case's clocks next move with time alone."""
    session.flush()  # rows the caller added (an event, a call) are part of the facts
    conn = session.connection()
    ids = list(case_ids)
    total = SyncResult()
    now = utcnow()
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        facts = load_facts(conn, chunk, attempts_needed=attempts_needed)
        cases = {r.id: r for r in conn.execute(sa.select(
            cases_t.c.id, cases_t.c.loan_number, cases_t.c.assignee_id, cases_t.c.closed_at)
            .where(cases_t.c.id.in_(chunk)))}
        tasks: dict[int, list[sa.Row]] = defaultdict(list)
        for t in tasks_of_cases(conn, chunk, tasks_t.c.id, tasks_t.c.source,
                                tasks_t.c.due_on, tasks_t.c.title):
            if t.status == "open" and t.kind == TaskKind.REGULATORY_DEADLINE:
                tasks[t.case_id].append(t)
        plan = _Plan()
        checks, holds, deemed_rejections = [], [], []
        complaint_clocks = complaint_task_clocks(
            conn, chunk, today, calendar,
            open_tasks=[t.source for found in tasks.values() for t in found])
        for case_id in chunk:
            case = cases.get(case_id)
            if case is None:
                continue
            is_open = case.closed_at is None
            case_facts = facts[case_id]
            clocks: list[Clock] = []
            if is_open:
                clocks = regulatory_clocks(case_facts, today, calendar)
                deemed = deemed_rejection_day(case_facts, clocks)
                if deemed is not None and deemed <= today:  # the window closed unanswered
                    deemed_rejections.append((case, deemed))
                    case_facts = replace(case_facts, events=(
                        *case_facts.events, (EventKind.OFFER_DEEMED_REJECTED.value, deemed)))
                    clocks = regulatory_clocks(case_facts, today, calendar)
                    total.changed.add(case_id)
                hold, since = None, None
                if _with_counsel(case_facts):
                    clocks, status = _with_hold(case_facts, clocks, today)
                    hold, since = status.hold or None, hold_since(status, case_facts, today)
            else:
                hold, since = None, None
            # a complaint's clocks bind on any loan, open or closed (docs/RULES.md section 9)
            _plan_one(plan, total, case, [*clocks, *complaint_clocks.get(case_id, ())],
                      tasks[case_id], actor.id if actor else None, now)
            if (hold, since) != (case_facts.fc_hold, case_facts.fc_hold_since):
                holds.append({"cid": case_id, "loan": case.loan_number, "hold": hold,
                              "since": since, "was": case_facts.fc_hold})
                total.changed.add(case_id)
            checks.append(_check(case_id, case_facts, today,
                                 deemed_rejection_day(case_facts, clocks))
                          if is_open else
                          {"case_id": case_id, "check_on": None, "window_only": False,
                           "check_then": None})
        _deem_rejected(conn, deemed_rejections, actor, actor_name, now)
        _apply(conn, plan, actor, actor_name, now)
        _save_holds(conn, holds, actor, actor_name, now)
        _save_checks(conn, checks)
    return total


def _deem_rejected(conn: Connection, offers: list[tuple[sa.Row, date]], actor: User | None,
                   actor_name: str, now: datetime) -> None:
    """Record that these cases' offers were not answered by the end of their acceptance
    windows: an offer_deemed_rejected event on the day after each, with its audit row (two
    statements for the batch, not two per case)."""
    if not offers:
        return
    reason = "no answer by the end of the acceptance window: deemed rejected (1024.41(e))"
    kind = EventKind.OFFER_DEEMED_REJECTED.value
    ids = insert_with_ids(conn, events_t, [
        {"case_id": case.id, "kind": kind, "occurred_on": day,
         "author_id": actor.id if actor else None, "reason": reason, "payload": {},
         "created_at": now} for case, day in offers])
    conn.execute(audit_t.insert(), [
        {"at": now, "user_id": actor.id if actor else None,
         "username": actor.username if actor else actor_name, "entity": "case_event",
         "entity_id": str(event_id), "action": "create", "before": None,
         "after": {"case": case.loan_number, "kind": kind, "occurred_on": day.isoformat(),
                   "reason": reason}}
        for event_id, (case, day) in zip(ids, offers, strict=True)])


def _check(case_id: int, facts: CaseFacts, today: date,
           deemed: date | None = None) -> dict[str, Any]:
    """A case's clock check: the next day time alone changes its deadlines, may lift a
    foreclosure bar, or deems an unanswered offer rejected (`deemed`) — the earliest; a
    window-only change stays one only when it comes first."""
    change = next_time_change(facts, today)
    hold = next_hold_change(facts, today)
    if deemed is not None and deemed > today and (hold is None or deemed < hold):
        hold = deemed
    on, window_only, then = change.on, change.window_only, change.then
    if hold is not None and (on is None or hold <= on):
        on, window_only, then = hold, False, None
    elif hold is not None and window_only and (then is None or hold < then):
        then = hold
    return {"case_id": case_id, "check_on": on, "window_only": window_only,
            "check_then": then}


def _save_holds(conn: Connection, holds: list[dict[str, Any]], actor: User | None,
                actor_name: str, now: datetime) -> None:
    """Keep the cases' foreclosure holds (what counsel must hold, since when), with an audit
    row for each hold that begins, changes or ends."""
    if not holds:
        return
    conn.execute(cases_t.update().where(cases_t.c.id == sa.bindparam("cid")).values(
        fc_hold=sa.bindparam("hold"), fc_hold_since=sa.bindparam("since")), holds)
    who = {"user_id": actor.id if actor else None,
           "username": actor.username if actor else actor_name, "at": now}
    rows = [
        {**who, "entity": "case", "entity_id": str(h["cid"]),
         "action": "foreclosure_hold" if h["hold"] else "foreclosure_hold_lifted",
         "before": {"fc_hold": h["was"]},
         "after": {"case": h["loan"], "fc_hold": h["hold"],
                   "since": h["since"].isoformat() if h["since"] else None}}
        for h in holds if (h["hold"] or None) != (h["was"] or None)]
    if rows:
        conn.execute(audit_t.insert(), rows)


def _save_checks(conn: Connection, checks: list[dict[str, Any]]) -> None:
    """Insert or replace the cases' clock checks (one statement per batch)."""
    upsert(conn, checks_t, checks, "case_id")


def case_clocks(session: Session, case_id: int, today: date,
                calendar: BusinessCalendar, *,
                attempts_needed: int = GOOD_FAITH_ATTEMPTS) -> list[Clock]:
    """A case's clocks as of today (for the case screen)."""
    return case_regulatory(session, case_id, today, calendar,
                           attempts_needed=attempts_needed)[0]


def case_regulatory(session: Session, case_id: int, today: date,
                    calendar: BusinessCalendar, *,
                    attempts_needed: int = GOOD_FAITH_ATTEMPTS
                    ) -> tuple[list[Clock], list[str], ForeclosureStatus | None]:
    """A case's clocks as of today, the standing facts they rest on (a bankruptcy, a
    confirmed successor in interest, military service) and its foreclosure status, for the
    case screen."""
    conn = session.connection()
    facts = load_facts(conn, [case_id], attempts_needed=attempts_needed).get(case_id)
    if facts is None:
        return [], [], None
    clocks, status = all_clocks(facts, today, calendar)
    complaints = load_complaint_facts(conn, [case_id], open_only=True).get(case_id, [])
    status = replace(status, complaints=foreclosure_error_lines(complaints, today, calendar))
    return clocks, standing(facts, today), status


ROLL_BATCH = 250_000
_roll_meta = sa.MetaData()
_roll_t = sa.Table(  # the cases one set-wise step works on
    "clock_roll", _roll_meta, sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("assignee_id", sa.Integer), sa.Column("installment", sa.Date),
    sa.Column("due_on", sa.Date), prefixes=["TEMPORARY"])


def _days_after(day: sa.ColumnElement[date], days: int,
                dialect: str) -> sa.ColumnElement[date]:
    if dialect == "sqlite":  # dates are ISO text
        return sa.func.date(day, f"+{days} days", type_=sa.Date)
    return sa.type_coerce(day + sa.literal(days), sa.Date)


@dataclass
class Rolled:
    """What one set-wise step did."""

    cases: int = 0
    forward: list[int] = field(default_factory=list)  # next action or regulatory date moved


def roll_windows(conn: Connection, today: date, weights: Mapping[str, float],
                 actor_name: str, assignees: tuple[int, ...] | None = None,
                 limit: int = ROLL_BATCH) -> Rolled:
    """The monthly change most delinquent loans see, set-wise. For up to `limit` open cases
    whose clock-check day has come and whose change that day is only the new installment's
    live-contact window (`TimeChange.window_only`, worked out by their last sync):

    - add that window's deadline task (due 36 days after the installment), to the case's
      owner, all created at one timestamp;
    - record one audit row for the step: the rule, the number of tasks, that timestamp and
      their id range (the tasks themselves carry the rule and the installment);
    - bring next action and the regulatory date forward where the new deadline is earlier
      than every open task (on a tie the older task stays first), with those cases' urgency;
    - move the check to the change after this one.

    The result is the per-case sync's (a test holds the two equal). A case is left to the
    per-case sync when the day is a month or more past its check (more has fallen due)."""
    dialect = conn.dialect.name
    _roll_t.create(conn, checkfirst=True)
    conn.execute(_roll_t.delete())
    installment = checks_t.c.check_on
    chosen = (sa.select(checks_t.c.case_id, cases_t.c.assignee_id, installment,
                        _days_after(installment, 36, dialect))
              .join(cases_t, cases_t.c.id == checks_t.c.case_id)
              .where(checks_t.c.check_on <= today,
                     checks_t.c.check_on > today - timedelta(days=28),
                     checks_t.c.window_only.is_(True), cases_t.c.closed_at.is_(None),
                     *([cases_t.c.assignee_id.in_(assignees)] if assignees is not None
                       else []))
              .limit(limit))
    conn.execute(_roll_t.insert().from_select(
        ["id", "assignee_id", "installment", "due_on"], chosen))
    count = conn.execute(sa.select(sa.func.count()).select_from(_roll_t)).scalar_one()
    if not count:
        return Rolled()
    return _roll(conn, count, today, weights, actor_name)


@contextmanager
def _bulk_settings(conn: Connection) -> Iterator[None]:
    """On SQLite, while the steps write, then back as they were:

    - a 500 MB page cache on this connection (the default, 2 MB, makes each of the tasks
      table's indexes re-read its pages), and the step's list of cases and its sort held in
      memory rather than in temporary files;
    - the file read through memory mapping (up to 2 GB; each page read is otherwise a
      system call);
    - no foreign-key look-ups: every row a step inserts takes its case and owner from the
      cases it has just read in the same write transaction, so the look-ups (a read of the
      wide case row per task) could not fail, and they doubled the step's time.

    Set outside any transaction (SQLite ignores a foreign-key pragma inside one, and
    shrinking the cache drops its pages, so it stays large from one step to the next)."""
    if conn.dialect.name != "sqlite":
        yield
        return
    # On the driver's connection, which runs each pragma on its own: SQLAlchemy would open a
    # transaction first.
    raw = conn.connection.dbapi_connection
    assert raw is not None
    settings = {name: raw.execute(f"PRAGMA {name}").fetchone()[0]
                for name in ("cache_size", "mmap_size", "foreign_keys", "temp_store")}
    for statement in ("cache_size=-500000", "mmap_size=2147418112", "foreign_keys=OFF",
                      "temp_store=MEMORY"):
        raw.execute(f"PRAGMA {statement}")
    try:
        yield
    finally:
        conn.rollback()
        for name, value in settings.items():
            raw.execute(f"PRAGMA {name}={int(value)}")


def _roll(conn: Connection, count: int, today: date, weights: Mapping[str, float],
          actor_name: str) -> Rolled:
    from lossmit_tui.services.urgency import refresh_cases

    r = _roll_t.c
    now = utcnow()
    after_last = conn.execute(sa.select(sa.func.max(tasks_t.c.id))).scalar() or 0
    # `_title` of that window's clock, whose basis is the installment's date.
    title = sa.literal(f"{LIVE_CONTACT.title} · {INSTALLMENT_BASIS}", sa.String) + sa.cast(
        r.installment, sa.String)
    # In owner order, so each owner's index entries go in together.
    conn.execute(tasks_t.insert().from_select(
        ["case_id", "kind", "title", "due_on", "assignee_id", "status", "source",
         "created_at"],
        sa.select(r.id, sa.literal(TaskKind.REGULATORY_DEADLINE.value, sa.String), title,
                  r.due_on, r.assignee_id, sa.literal("open", sa.String),
                  sa.literal(LIVE_CONTACT.citation, sa.String),
                  sa.literal(now, tasks_t.c.created_at.type))
        .order_by(r.assignee_id, r.id)))
    first, last = conn.execute(sa.select(sa.func.min(tasks_t.c.id), sa.func.max(tasks_t.c.id))
                               .where(tasks_t.c.id > after_last)).one()
    conn.execute(audit_t.insert().values(
        at=now, user_id=None, username=actor_name, entity="task", entity_id=None,
        action="create", before=None, after={
            "rule": LIVE_CONTACT.citation, "title": LIVE_CONTACT.title,
            "as_of": today.isoformat(), "tasks": count, "task_ids": [first, last],
            "why": "an installment fell due with every earlier live-contact window met"}))
    case = cases_t.c
    earlier = sa.or_(case.next_action_on.is_(None), case.next_action_on > r.due_on,
                     case.reg_due_on.is_(None), case.reg_due_on > r.due_on)
    forward = conn.execute(sa.select(r.id).join(cases_t, case.id == r.id).where(earlier)
                           ).scalars().all()
    if forward:
        moved = sa.select(r.due_on).where(r.id == case.id).scalar_subquery()
        # the step's cases by a semi-join on its table, not a list of ids: a step is up to
        # 250,000 cases and PostgreSQL takes at most 65,535 parameters a statement
        rows = case.id.in_(sa.select(r.id))
        conn.execute(cases_t.update().where(rows, sa.or_(
            case.next_action_on.is_(None), case.next_action_on > moved)).values(
            next_action_on=moved, next_action_kind=TaskKind.REGULATORY_DEADLINE.value,
            updated_at=now))
        conn.execute(cases_t.update().where(rows, sa.or_(
            case.reg_due_on.is_(None), case.reg_due_on > moved)).values(
            reg_due_on=moved, updated_at=now))
        refresh_cases(conn, forward, today, weights)
    conn.execute(checks_t.update().where(checks_t.c.case_id.in_(sa.select(r.id))).values(
        check_on=checks_t.c.check_then, check_then=None, window_only=False))
    return Rolled(count, list(forward))


def refresh_clocks(ws: Workspace, *, every_case: bool = False,
                   assignees: tuple[int, ...] | None = None,
                   horizon: int = DUE_SOON_DAYS) -> SyncResult:
    """The daily pass.

    1. Start the clocks time alone has started: add the month's new live-contact windows
       set-wise (`roll_windows`), then sync every other open case whose deadlines time has
       changed since the last pass (delinquency began, a notice is due again), or with
       `every_case` every open case (a book loaded without its clocks); `assignees` limits
       it to those users' cases (the app does the user's own at start; `lossmit refresh`
       does the whole book).
    2. Count the deadlines that are now due soon (within `horizon` days) and those whose day
       passed since the last pass: they became missed (their cases' urgency, which orders
       the queue, is brought to today by the urgency pass).

    Each batch commits on its own; one audit row records the pass."""
    engine, today, weights, actor_name = ws.engine, ws.today, ws.weights, ws.username
    calendar, attempts_needed = ws.calendar, ws.settings.good_faith_attempts
    total, visited = SyncResult(), 0
    with engine.connect() as bulk, _bulk_settings(bulk):
        bulk.execution_options(sqlite_immediate=True)  # write transactions
        while not every_case:  # the month's new live-contact windows, set-wise
            with bulk.begin():
                rolled = roll_windows(bulk, today, weights, actor_name, assignees)
            if not rolled.cases:
                break
            total.added += rolled.cases
            total.rolled += rolled.cases
            visited += rolled.cases
        _sync_the_rest(engine, today, weights, actor_name, calendar, total, every_case,
                       assignees, attempts_needed)
        with bulk.begin():  # on the warm connection
            since = _last_pass(bulk) or today - timedelta(days=1)
            missed, soon = _count_deadlines(bulk, since, today, horizon, assignees)
    total.visited += visited
    total.newly_missed, total.due_soon, total.missed_since = missed, soon, since
    if total.visited or since < today:
        with session_scope(engine, write=True) as session:
            audit.record(session, None, "clock", None, "refresh", actor_name=actor_name,
                         after={"as_of": today.isoformat(), "cases": total.visited,
                                "added": total.added, "rolled": total.rolled,
                                "moved": total.moved, "met": total.met,
                                "cancelled": total.cancelled, "due_soon": total.due_soon,
                                "newly_missed": total.newly_missed,
                                "missed_since": since.isoformat()})
    return total


def _count_deadlines(conn: Connection, since: date, today: date, horizon: int,
                     assignees: tuple[int, ...] | None) -> tuple[int, int]:
    """The open deadlines whose day passed since the last pass (missed) and those due within
    `horizon` days (soon): exactly the partial index's condition, so the counts are one short
    range of the index, fast however many deadlines are overdue. SQLite's planner, with no
    statistics, prefers the wider (status, due_on) index and then reads every row it finds
    for its kind (1.8 s against 0.07-0.1 s at 1,000,000 cases), so there the book-wide count
    names its index; one user's count uses the user's own."""
    due = tasks_t.c.due_on
    counted = sa.select(sa.func.count().filter(due < today),
                        sa.func.count().filter(due >= today)).where(
        sa.text("status = 'open' AND kind = 'regulatory_deadline'"),
        due >= min(since, today), due <= today + timedelta(days=horizon))
    if assignees is not None:
        counted = counted.where(tasks_t.c.assignee_id.in_(assignees))
    else:  # rendered by the store's SQLite compiler (db/engine.py); other stores ignore it
        counted = counted.with_hint(tasks_t, "INDEXED BY ix_tasks_open_deadline_due", "sqlite")
    missed, soon = conn.execute(counted).one()
    return missed, soon


def _sync_the_rest(engine: Engine, today: date, weights: Mapping[str, float],
                   actor_name: str, calendar: BusinessCalendar, total: SyncResult,
                   every_case: bool, assignees: tuple[int, ...] | None,
                   attempts_needed: int = GOOD_FAITH_ATTEMPTS) -> None:
    """Sync case by case, 500 per transaction: every open case whose check day has come
    (or every open case), adding what it did to `total`."""
    from lossmit_tui.services.tasks import recompute_cases

    after = 0
    mine = [] if assignees is None else [cases_t.c.assignee_id.in_(assignees)]
    while True:
        with session_scope(engine, write=True) as session:
            conn = session.connection()
            if every_case:
                ids = conn.execute(sa.select(cases_t.c.id).where(
                    cases_t.c.closed_at.is_(None), cases_t.c.id > after, *mine)
                    .order_by(cases_t.c.id).limit(BATCH)).scalars().all()
                after = ids[-1] if ids else after
            else:
                ids = conn.execute(sa.select(checks_t.c.case_id)
                                   .join(cases_t, cases_t.c.id == checks_t.c.case_id)
                                   .where(checks_t.c.check_on <= today, *mine)
                                   .limit(BATCH)).scalars().all()
            if not ids:
                break
            result = sync_clocks(session, None, ids, today, calendar, actor_name,
                                 attempts_needed=attempts_needed)
            total += result
            total.visited += len(ids)
            recompute_cases(conn, result.changed, today, weights)


def _last_pass(conn: Connection) -> date | None:
    """The day of the last clock pass (kept in its audit row)."""
    day = audit.last_after(conn, "clock", "refresh").get("as_of")
    return date.fromisoformat(day) if day else None


__all__ = ["ClockState", "SyncResult", "case_clocks", "case_regulatory", "load_facts",
           "refresh_clocks", "roll_windows", "sync_clocks"]
