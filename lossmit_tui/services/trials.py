"""Trial period plans in the store (docs/RULES.md section 6, "Trial period plans").

A trial's schedule is kept in its `trial_started` event's payload; its payments are
`trial_payment` events (amount and scheduled payment), its end a `failed_to_perform` or a
`modification_effective` event. From those, `domain/trial.py` says where each payment
stands, and the tasks the trial needs are kept in step here (source `trial:<start>:<kind>`):

- in the transaction of every event on the case (`prepare_trial_event` before the event is
  written, `sync_trial_tasks` after), and
- by the daily pass for the cases in the `trial` stage whose trial time alone changes that
  day (`raise_trial_tasks`): each sync keeps the case's next such day (`trial_checks`), so
  the pass reads only those trials (and the ones never synced), through the trial cases'
  partial index, 500 at a time, tasks and audit rows written per batch.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session

from db.bulk import insert_with_ids, upsert
from db.engine import session_scope
from db.models import AuditEvent, Case, CaseEvent, Task, User, utcnow
from db.tables import OPEN_TRIALS, trial_checks
from lossmit_tui.config import trial_policy
from lossmit_tui.domain.enums import EventKind, Stage, TaskKind
from lossmit_tui.domain.trial import (
    TRIAL_OPTIONS,
    PaymentState,
    Received,
    Schedule,
    TrialPolicy,
    TrialStatus,
    TrialTaskKind,
    default_first_due,
    next_trial_change,
    payment_problems,
    schedule_problems,
    trial_payment_for,
    trial_status,
    trial_tasks,
)
from lossmit_tui.services.errors import InvalidInput
from lossmit_tui.services.tasks import recompute_cases, tasks_of_cases
from lossmit_tui.services.workspace import Workspace

cases_t, tasks_t, events_t = Case.__table__, Task.__table__, CaseEvent.__table__
audit_t = AuditEvent.__table__
BATCH = 500
SOURCE_PREFIX = "trial:"
TASK_KINDS = {TrialTaskKind.PAYMENT: TaskKind.TRIAL_PAYMENT,
              TrialTaskKind.FAILURE: TaskKind.FAILED_TO_PERFORM,
              TrialTaskKind.CONVERSION: TaskKind.REVIEW}
# The events a trial is read from (a stage change to `modified` converts it as well).
_READ = (EventKind.OFFER_SENT, EventKind.TRIAL_STARTED, EventKind.TRIAL_PAYMENT,
         EventKind.FAILED_TO_PERFORM, EventKind.MODIFICATION_EFFECTIVE, EventKind.STAGE_CHANGED)


@dataclass(frozen=True)
class CaseTrial:
    """A case's latest trial: its start, and (when it has a schedule) where it stands."""

    started_on: date
    status: TrialStatus | None  # None: a trial recorded without a schedule
    superseded: bool = False  # closed, and an offer sent since (a new trial may follow)


def _trials_from(rows: Iterable[Any], today: date, policy: TrialPolicy) -> CaseTrial | None:
    """The latest trial among one case's events (in date order)."""
    rows = list(rows)
    starts = [i for i, r in enumerate(rows) if r.kind == EventKind.TRIAL_STARTED]
    if not starts:
        return None
    at = starts[-1]
    start = rows[at]
    schedule = Schedule.from_payload(start.occurred_on, start.payload or {})
    if schedule is None:
        return CaseTrial(start.occurred_on, None)
    # Payments since the offer it answers (one made before the acceptance counts), or
    # since the trial before it ended.
    floor = max([i for i in starts if i < at] + [
        i for i, r in enumerate(rows[:at]) if r.kind == EventKind.OFFER_SENT], default=-1)
    received, failed, converted, offered = [], None, None, False
    for i, r in enumerate(rows):
        offered = offered or (i > at and r.kind == EventKind.OFFER_SENT)
        payload = r.payload or {}
        if i > floor and r.kind == EventKind.TRIAL_PAYMENT:
            number = payload.get("payment")
            received.append(Received(r.occurred_on, int(payload.get("amount_cents") or 0),
                                     number if isinstance(number, int) else None))
        elif i > at and r.kind == EventKind.FAILED_TO_PERFORM and failed is None:
            number = payload.get("payment")
            failed = (r.occurred_on, number if isinstance(number, int) else None)
        elif i > at and converted is None and (
                r.kind == EventKind.MODIFICATION_EFFECTIVE
                or (r.kind == EventKind.STAGE_CHANGED and payload.get("stage") == Stage.MODIFIED)):
            converted = r.occurred_on
    status = trial_status(schedule, received, today, policy, failed=failed,
                          converted_on=converted)
    return CaseTrial(start.occurred_on, status, offered and status.closed)


def load_trials(conn: Connection, case_ids: Sequence[int], today: date,
                policy: TrialPolicy) -> dict[int, CaseTrial]:
    """The latest trial of each of these cases that has one (one query)."""
    by_case: dict[int, list[Any]] = defaultdict(list)
    for r in conn.execute(sa.select(events_t.c.case_id, events_t.c.kind,
                                    events_t.c.occurred_on, events_t.c.payload)
                          .where(events_t.c.case_id.in_(list(case_ids)),
                                 events_t.c.kind.in_(_READ))
                          .order_by(events_t.c.case_id, events_t.c.occurred_on, events_t.c.id)):
        by_case[r.case_id].append(r)
    found = {}
    for case_id, rows in by_case.items():
        trial = _trials_from(rows, today, policy)
        if trial is not None:
            found[case_id] = trial
    return found


def case_trial(conn: Connection, case_id: int, today: date,
               policy: TrialPolicy) -> CaseTrial | None:
    """A case's latest trial (for the case screen), or None."""
    return load_trials(conn, [case_id], today, policy).get(case_id)


# --- before an event is written ----------------------------------------------------------


@dataclass
class TrialChange:
    """What an event brings to its case's trial: fields for its own payload, and the
    `trial_started` payload of a trial it starts (an accepted offer that carries one)."""

    payload: dict[str, Any] = field(default_factory=dict)
    start: dict[str, Any] | None = None


def _latest_offer(conn: Connection, case_id: int) -> Mapping[str, Any] | None:
    payload = conn.execute(sa.select(events_t.c.payload).where(
        events_t.c.case_id == case_id, events_t.c.kind == EventKind.OFFER_SENT)
        .order_by(events_t.c.occurred_on.desc(), events_t.c.id.desc()).limit(1)).scalar()
    offer = (payload or {}).get("offer")
    return offer if isinstance(offer, Mapping) else None


def _schedule_for(conn: Connection, case: sa.RowMapping, event: Any, day: date,
                  today: date, need: bool) -> dict[str, Any] | None:
    """A new trial's schedule (the payload's "trial"), from the terms entered or else from
    the latest offer's option. None when neither gives one and `need` is false."""
    offer = _latest_offer(conn, case["id"])
    option = offer.get("name") if offer else None
    carries = option in TRIAL_OPTIONS
    payments = event.payments or (TRIAL_OPTIONS[str(option)] if carries else None)
    amount = event.amount_cents if event.kind == EventKind.TRIAL_STARTED else None
    if amount is None and carries and offer is not None:
        amount = trial_payment_for(offer, case["escrow_cents"])
    if payments is None or amount is None:
        if not need:
            return None
        raise InvalidInput("a trial needs its terms: the number of payments and the trial "
                           "payment (the latest offer does not give them)")
    problems = schedule_problems(payments, amount)
    if problems:
        raise InvalidInput("; ".join(problems))
    first_due = event.first_due or default_first_due(day)
    return Schedule(day, payments, amount, first_due,
                    str(option) if carries else None).as_payload()


def prepare_trial_event(conn: Connection, case: sa.RowMapping, event: Any, today: date,
                        policy: TrialPolicy) -> TrialChange:
    """Check an event against the case's trial and say what it adds (InvalidInput when it
    cannot be recorded): a trial_started gets its schedule; an accepted offer whose option
    carries a trial starts it; a trial payment gets its scheduled payment (refused when
    short, too large, or the trial is over), and, when the investor lets a first trial
    payment accept the offer, one before any acceptance starts the trial; a failure to
    perform names the payment missed."""
    kind = event.kind
    if kind not in (EventKind.TRIAL_STARTED, EventKind.OFFER_ACCEPTED, EventKind.TRIAL_PAYMENT,
                    EventKind.FAILED_TO_PERFORM, EventKind.MODIFICATION_EFFECTIVE):
        return TrialChange()
    day = event.occurred_on
    if kind == EventKind.TRIAL_STARTED:
        return TrialChange({"trial": _schedule_for(conn, case, event, day, today, True)})
    current = case_trial(conn, case["id"], today, policy)
    if current is not None and current.superseded:
        current = None
    running = current is not None and (current.status is None or not current.status.closed)
    if kind == EventKind.OFFER_ACCEPTED:
        if running:
            return TrialChange()
        trial = _schedule_for(conn, case, event, day, today, False)
        return TrialChange(start={"trial": trial} if trial else None)
    status = current.status if current is not None else None
    if kind == EventKind.MODIFICATION_EFFECTIVE:
        if status is None or status.closed or not status.complete:
            what = ("no trial with a schedule is running" if status is None
                    or status.closed else
                    f"{status.next_step}; every trial payment must be in first")
            raise InvalidInput(f"the modification cannot take effect: {what}")
        return TrialChange({"trial_started": status.schedule.started_on.isoformat()})
    if kind == EventKind.FAILED_TO_PERFORM:
        if status is None or status.closed:
            return TrialChange()  # a plan's failure: nothing of a trial to check
        missed = status.first_missed()
        number = event.payment or (missed.number if missed else None)
        if number is not None and not 1 <= number <= len(status.payments):
            raise InvalidInput(f"the trial has payments 1 to {len(status.payments)}, "
                               f"not {number}")
        if number is not None and status.payments[number - 1].state is PaymentState.PAID:
            raise InvalidInput(f"payment {number} was received on "
                               f"{status.payments[number - 1].paid_on}: it was not missed")
        return TrialChange({"payment": number} if number else {})
    # a trial payment
    problems = payment_problems(status, event.amount_cents or 0, event.payment)
    if problems:
        raise InvalidInput("; ".join(problems))
    payload: dict[str, Any] = {"amount_cents": event.amount_cents}
    if status is not None:
        target = (status.payments[event.payment - 1] if event.payment
                  else status.next_unpaid())
        payload["payment"] = target.number if target else None
        payload["trial_started"] = status.schedule.started_on.isoformat()
        return TrialChange(payload)
    if policy.payment_accepts_offer and not running:
        trial = _schedule_for(conn, case, event, day, today, False)
        if trial is not None:  # the payment pays the earliest unpaid (a payment before it too)
            payload["trial_started"] = day.isoformat()
            return TrialChange(payload, start={"trial": trial,
                                               "accepted_by": "first trial payment"})
    return TrialChange(payload)


def write_trial_start(session: Session, actor: User, case: sa.RowMapping,
                      payload: dict[str, Any], day: date, cause: str) -> None:
    """Write the trial_started event an acceptance brings, with its audit row."""
    row = CaseEvent(case_id=case["id"], kind=EventKind.TRIAL_STARTED, occurred_on=day,
                    author_id=actor.id, reason=None, payload={**payload, "started_by": cause})
    session.add(row)
    session.flush()
    from lossmit_tui.services import audit

    audit.record(session, actor, "case_event", row.id, "create",
                 after={"case": case["loan_number"], "kind": EventKind.TRIAL_STARTED,
                        "occurred_on": day.isoformat(), "started_by": cause, **payload})


# --- keeping the tasks in step -----------------------------------------------------------


def _closing(source: str, trial: CaseTrial | None, stage: str) -> tuple[str, str]:
    """How an open trial task that is no longer wanted ends: (status, note)."""
    status = trial.status if trial is not None else None
    parts = source.split(":")
    kind, number = parts[2] if len(parts) > 2 else "", parts[3] if len(parts) > 3 else ""
    if status is not None and parts[1] == status.schedule.started_on.isoformat():
        if kind == TrialTaskKind.PAYMENT and number.isdigit():
            p = status.payments[int(number) - 1] if int(number) <= len(status.payments) \
                else None
            if p is not None and p.state is PaymentState.PAID:
                return "done", f"Received on {p.paid_on}"
            if p is not None and p.state is PaymentState.MISSED:
                return "cancelled", (f"The grace ended on {p.grace_end}: a failure to "
                                     "perform is to be recorded")
        if kind == TrialTaskKind.FAILURE and status.failed_on is not None:
            return "done", f"Failure to perform recorded on {status.failed_on}"
        if kind == TrialTaskKind.CONVERSION and status.converted_on is not None:
            return "done", f"Converted on {status.converted_on}"
        if status.failed_on is not None:
            return "cancelled", f"The trial failed on {status.failed_on}"
        if status.converted_on is not None:
            return "cancelled", f"The trial converted on {status.converted_on}"
    return "cancelled", f"The trial is no longer running (the case is in {stage})"


def sync_trial_tasks(conn: Connection, actor: User | None, case_ids: Sequence[int],
                     today: date, policy: TrialPolicy, actor_name: str = "system") -> set[int]:
    """Bring these cases' trial tasks in step with their trials, in the caller's
    transaction: add each task a trial needs that it never had (to the case's owner, else
    the actor), and close the open ones it no longer needs, saying why; one audit row per
    task. Returns the cases whose tasks changed (for their next action)."""
    now = utcnow()
    changed: set[int] = set()
    for start in range(0, len(case_ids), BATCH):
        chunk = list(case_ids[start:start + BATCH])
        cases = {r.id: r for r in conn.execute(sa.select(
            cases_t.c.id, cases_t.c.loan_number, cases_t.c.assignee_id, cases_t.c.stage,
            cases_t.c.closed_at).where(cases_t.c.id.in_(chunk)))}
        trials = load_trials(conn, chunk, today, policy)
        have: dict[int, dict[str, Any]] = defaultdict(dict)
        for t in tasks_of_cases(conn, chunk, tasks_t.c.id, tasks_t.c.source,
                                source_prefix=SOURCE_PREFIX):
            have[t.case_id][t.source] = t
        inserts: list[dict[str, Any]] = []
        insert_audit: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        audit_rows: list[dict[str, Any]] = []
        checks: list[dict[str, Any]] = []
        for case_id in chunk:
            case = cases.get(case_id)
            if case is None:
                continue
            trial = trials.get(case_id)
            status = trial.status if trial is not None else None
            running = case.closed_at is None and case.stage == Stage.TRIAL
            if running:  # a case out of the stage keeps no check: back in it, it is visited
                checks.append({"case_id": case_id, "check_on": next_trial_change(status)})
            wanted = trial_tasks(status, today) if running and status is not None else []
            keys = {w.key for w in wanted}
            for w in wanted:
                if w.key in have[case_id]:
                    continue
                kind = TASK_KINDS[w.kind].value
                inserts.append({"case_id": case_id, "kind": kind, "title": w.title,
                                "due_on": w.due_on, "status": "open", "source": w.key,
                                "assignee_id": case.assignee_id or (actor.id if actor else None),
                                "created_at": now})
                insert_audit.append({"action": "create", "before": None, "after": {
                    "case": case.loan_number, "kind": kind, "title": w.title,
                    "due_on": w.due_on.isoformat(), "source": w.key}})
                changed.add(case_id)
            for source, t in have[case_id].items():
                if t.status != "open" or source in keys:
                    continue
                ending, note = _closing(source, trial, case.stage)
                updates.append({"tid": t.id, "status": ending, "completed_at": now,
                                "completed_by_id": actor.id if actor else None,
                                "completion_note": note})
                audit_rows.append({"entity_id": str(t.id),
                                   "action": "complete" if ending == "done" else "cancel",
                                   "before": {"status": "open"},
                                   "after": {"case": case.loan_number, "status": ending,
                                             "note": note}})
                changed.add(case_id)
        who = {"user_id": actor.id if actor else None,
               "username": actor.username if actor else actor_name, "entity": "task",
               "at": now}
        if inserts:
            for task_id, row in zip(insert_with_ids(conn, tasks_t, inserts), insert_audit,
                                    strict=True):
                row["entity_id"] = str(task_id)
            audit_rows.extend(insert_audit)
        if updates:
            conn.execute(tasks_t.update().where(tasks_t.c.id == sa.bindparam("tid")).values(
                status=sa.bindparam("status"), completed_at=sa.bindparam("completed_at"),
                completed_by_id=sa.bindparam("completed_by_id"),
                completion_note=sa.bindparam("completion_note")), updates)
        if audit_rows:
            conn.execute(audit_t.insert(), [{**who, **row} for row in audit_rows])
        _save_trial_checks(conn, [c for c in chunk if c in cases], checks)
    return changed


def _save_trial_checks(conn: Connection, case_ids: list[int],
                       checks: list[dict[str, Any]]) -> None:
    """Keep these cases' trial checks: the running trials' next day (`checks`, upserted);
    the others keep none (back in the stage, a case is visited). Two statements a batch."""
    running = {c["case_id"] for c in checks}
    gone = [c for c in case_ids if c not in running]
    if gone:
        conn.execute(trial_checks.delete().where(trial_checks.c.case_id.in_(gone)))
    upsert(conn, trial_checks, checks, "case_id")


def raise_trial_tasks(ws: Workspace, assignees: tuple[int, ...] | None = None, *,
                      every_case: bool = False) -> int:
    """The daily pass's step: for every open case in the trial stage (of `assignees` only
    when given) whose trial time alone changes today (its check day has come, or it has
    none: never synced), or with `every_case` for every one (after a change of the trial
    policy's grace), add the tasks its trial needs today and close those it no longer needs.
    Reads the trial cases through their partial index by id, 500 at a time, one write
    transaction per batch. Returns how many cases' trial tasks changed."""
    policy, after, touched = trial_policy(ws.settings), 0, 0
    due = [] if every_case else [sa.or_(trial_checks.c.case_id.is_(None),
                                        trial_checks.c.check_on <= ws.today)]
    while True:
        with session_scope(ws.engine, write=True) as session:
            conn = session.connection()
            # the index's own terms, and its name for SQLite: with a bound stage, or without
            # statistics, SQLite may walk every case by id instead (seconds at 1,000,000)
            ids = list(conn.execute(
                sa.select(cases_t.c.id)
                .select_from(cases_t.outerjoin(trial_checks,
                                               trial_checks.c.case_id == cases_t.c.id))
                .where(sa.text(OPEN_TRIALS), cases_t.c.id > after, *due,
                       *([cases_t.c.assignee_id.in_(assignees)] if assignees is not None
                         else []))
                .with_hint(cases_t, "INDEXED BY ix_cases_trial", "sqlite")
                .order_by(cases_t.c.id).limit(BATCH)).scalars())
            if not ids:
                return touched
            after = ids[-1]
            changed = sync_trial_tasks(conn, None, ids, ws.today, policy)
            if changed:
                recompute_cases(conn, changed, ws.today, ws.weights)
            touched += len(changed)
