"""Log a call: the note, any promise to pay, the case's contact fields, an optional follow-up
and the audit rows, in one transaction. Notes are never edited or deleted.

An amendment corrects a note: it is a new note pointing at the call it corrects (the first
note of that call, even when a later amendment was the one chosen), keeping that call's
time. It is not a call: it moves no contact field and no call figure, and a promise it
leaves as it was is not promised again. The clock reads a call as its latest note says, so
correcting a call's result or direction (a "no answer" that was a conversation) moves the
clock as the call would have.

Drafts hold what a person has typed but not saved (one per user and case); saving the call
removes the draft. Drafts are private scratch space, not part of the record, so they are not
audited.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from db.models import CallNote, Case, Draft, utcnow
from lossmit_tui.domain.calendar import BusinessCalendar
from lossmit_tui.domain.enums import CallDirection, CallResult, NumberKind, Outcome, Party
from lossmit_tui.domain.qrpc import is_qrpc, qrpc_problems
from lossmit_tui.domain.regclock import GOOD_FAITH_ATTEMPTS
from lossmit_tui.domain.values import clean_multiline
from lossmit_tui.services import audit
from lossmit_tui.services.access import require_case_access
from lossmit_tui.services.clock import sync_clocks
from lossmit_tui.services.errors import InvalidInput, NotFound
from lossmit_tui.services.tasks import NewTask, add_task_in, recompute_case
from lossmit_tui.services.users import require_user
from lossmit_tui.services.workspace import Workspace

MAX_BODY = 20_000
cases_t = Case.__table__


@dataclass(frozen=True)
class NewCall:
    """A call as the editor collected it, before validation."""

    direction: str
    party: str
    result: str
    outcomes: tuple[str, ...] = ()
    promise_amount_cents: int | None = None
    promise_date: date | None = None
    body: str = ""
    follow_up: NewTask | None = None
    amends_id: int | None = None
    number: str = NumberKind.PERSONAL
    qrpc: dict[str, str] = field(default_factory=dict)  # QRPC attributes recorded (blank: not)

    @property
    def quality(self) -> dict[str, str]:
        """The QRPC attributes actually recorded (blank ones left out)."""
        return {k: v for k, v in self.qrpc.items() if v}


def _choice(value: str, allowed: type[StrEnum], what: str) -> str:
    values = [m.value for m in allowed]
    if value not in values:
        raise InvalidInput(f"{what} {value!r} must be one of: {', '.join(values)}")
    return value


def validate_call(call: NewCall, today: date, *,
                  amended_promise: tuple[int | None, date | None] | None = None) -> list[str]:
    """Every problem with a call, as messages for the editor (empty when it can be saved).
    For an amendment, `amended_promise` is the promise of the note it corrects: kept as it
    was, its date may since have passed."""
    problems: list[str] = []
    for value, allowed, what in ((call.direction, CallDirection, "direction"),
                                 (call.party, Party, "party"),
                                 (call.result, CallResult, "result"),
                                 (call.number, NumberKind, "number called")):
        try:
            _choice(value, allowed, what)
        except InvalidInput as exc:
            problems.append(str(exc))
    for code in call.outcomes:
        try:
            _choice(code, Outcome, "outcome")
        except InvalidInput as exc:
            problems.append(str(exc))
    if call.result == CallResult.RPC and call.party == Party.NONE:
        problems.append("a right-party contact needs the party reached")
    if Outcome.PROMISE_TO_PAY in call.outcomes:
        if not call.promise_amount_cents or call.promise_amount_cents <= 0:
            problems.append("a promise to pay needs an amount above zero")
        if call.promise_date is None:
            problems.append("a promise to pay needs the date it will be paid by")
        elif call.promise_date < today and amended_promise != (call.promise_amount_cents,
                                                                call.promise_date):
            problems.append(f"the promised date {call.promise_date.isoformat()} is in the past")
        if call.result != CallResult.RPC:
            problems.append("a promise to pay can only come from a right-party contact")
    elif call.promise_amount_cents or call.promise_date:
        problems.append("an amount or date was given but 'promise to pay' is not an outcome")
    if len(call.body) > MAX_BODY:
        problems.append(f"the note is longer than {MAX_BODY:,} characters")
    problems += qrpc_problems(call.qrpc, right_party=call.result == CallResult.RPC)
    if call.amends_id is not None and call.follow_up is not None:
        problems.append("an amendment corrects a note: add the follow-up as a task instead")
    return problems


def _log_call(session: Session, actor_name: str, case_id: int, call: NewCall, now: datetime,
             today: date, weights: Mapping[str, float],
             calendar: BusinessCalendar | None = None,
             attempts_needed: int = GOOD_FAITH_ATTEMPTS) -> CallNote:
    """Record a call on a case, all or nothing. Outbound calls to the borrower are refused
    on a case under a cease-communication request or with an attorney. An amendment
    (`call.amends_id`) is recorded as a correction, not a call (see the module's note)."""
    actor = require_user(session, actor_name)
    require_case_access(session, actor, case_id, "logging a call")
    amended = None
    if call.amends_id is not None:
        amended = session.get(CallNote, call.amends_id)
        if amended is None or amended.case_id != case_id:
            raise InvalidInput("the note being amended is not a note of this case")
    problems = validate_call(call, today, amended_promise=None if amended is None else (
        amended.promise_amount_cents, amended.promise_date))
    if problems:
        raise InvalidInput("; ".join(problems))
    conn = session.connection()
    case = conn.execute(sa.select(cases_t).where(cases_t.c.id == case_id)).mappings().first()
    if case is None:
        raise NotFound("this case no longer exists")
    direct = call.direction == CallDirection.OUTBOUND and call.party not in (
        Party.ATTORNEY, Party.COUNSELOR)
    if amended is None and direct and case["cease_communication"]:
        raise InvalidInput("the borrower asked us to cease communication: an outbound call "
                           "can only be to their attorney or a housing counselor")
    if amended is None and direct and case["attorney_represented"]:
        raise InvalidInput("the borrower is represented by an attorney: an outbound call can "
                           "only be to the attorney (log it with party 'attorney')")
    call_id = called_at = None
    if amended is not None:  # the call it corrects: its first note, and that call's time
        call_id = amended.amends_id or amended.id
        first = amended if call_id == amended.id else session.get(CallNote, call_id)
        called_at = first.called_at if first is not None else amended.called_at

    quality = call.quality
    note = CallNote(case_id=case_id, author_id=actor.id,  # type: ignore[arg-type]  # a stored user has an id
                    called_at=called_at or now, direction=call.direction, party=call.party,
                    result=call.result, outcome_codes=list(call.outcomes),
                    promise_amount_cents=call.promise_amount_cents,
                    promise_date=call.promise_date, body=clean_multiline(call.body),
                    amends_id=call_id, number_kind=call.number,
                    qrpc={k: clean_multiline(v) for k, v in quality.items()} or None,
                    qrpc_complete=is_qrpc(quality))
    session.add(note)
    session.flush()
    changes: dict[str, Any] = {}
    if amended is None:
        # An inbound call that reached nobody is not contact; every attempt we place is.
        if call.direction == CallDirection.OUTBOUND or call.result == CallResult.RPC:
            changes["last_contact_at"] = now
        if call.result == CallResult.RPC:
            changes["last_rpc_at"] = now
    promise = (call.promise_amount_cents, call.promise_date)
    if Outcome.PROMISE_TO_PAY in call.outcomes and (
            amended is None or promise != (amended.promise_amount_cents, amended.promise_date)):
        changes.update(promise_amount_cents=call.promise_amount_cents,
                       promise_due_on=call.promise_date, promise_kept_on=None)
    if changes:
        changes["updated_at"] = utcnow()
        conn.execute(cases_t.update().where(cases_t.c.id == case_id).values(**changes))
    corrected = amended is not None and (call.result, call.direction) != (
        amended.result, amended.direction)
    if corrected or (amended is None and (call.result == CallResult.RPC
                                          or call.direction == CallDirection.OUTBOUND)):
        # A conversation, or a good-faith attempt, meets live contact; a correction of
        # what the call was is read by the clock as the call (not as a new one).
        session.flush()
        sync_clocks(session, actor, [case_id], today, calendar or BusinessCalendar(),
                    actor.username, attempts_needed=attempts_needed)
    audit.record(session, actor, "call_note", note.id, "amend" if call_id else "create",
                 after={"case": case["loan_number"], "direction": call.direction,
                        "party": call.party, "result": call.result, "number": call.number,
                        "outcomes": list(call.outcomes), "amends": call_id,
                        "qrpc": note.qrpc, "qrpc_complete": note.qrpc_complete})
    if call.follow_up is not None:
        add_task_in(session, actor_name, case_id, call.follow_up, today, weights)
    else:
        recompute_case(conn, case_id, today, weights)
    _discard_draft(session, actor_name, case_id)
    return note


@dataclass
class DraftState:
    fields: dict[str, Any] = field(default_factory=dict)
    body: str = ""
    updated_at: datetime | None = None


def _save_draft(session: Session, actor_name: str, case_id: int, fields: dict[str, Any],
               body: str) -> None:
    """Keep what is typed (replacing this user's earlier draft for the case)."""
    actor = require_user(session, actor_name)
    require_case_access(session, actor, case_id, "keeping a call draft")
    draft = session.exec(select(Draft).where(Draft.user_id == actor.id,
                                             Draft.case_id == case_id)).first()
    if draft is None:
        draft = Draft(user_id=actor.id, case_id=case_id)  # type: ignore[arg-type]  # a stored user has an id
    draft.fields, draft.body, draft.updated_at = dict(fields), body, utcnow()
    session.add(draft)


def _load_draft(session: Session, actor_name: str, case_id: int) -> DraftState | None:
    """This user's unsaved draft for the case, if any (read by the call editor as it opens:
    refused for a case the user may not act on)."""
    actor = require_user(session, actor_name)
    require_case_access(session, actor, case_id, "opening a case for a call")
    draft = session.exec(select(Draft).where(Draft.user_id == actor.id,
                                             Draft.case_id == case_id)).first()
    if draft is None:
        return None
    return DraftState(dict(draft.fields), draft.body, draft.updated_at)


def _discard_draft(session: Session, actor_name: str, case_id: int) -> None:
    """Drop this user's draft for the case (after a save, or when they choose to)."""
    actor = require_user(session, actor_name)
    require_case_access(session, actor, case_id, "discarding a call draft")
    session.connection().execute(sa.delete(Draft.__table__).where(
        Draft.__table__.c.user_id == actor.id, Draft.__table__.c.case_id == case_id))


# --- the service entries: each takes the workspace and is one transaction -----


def log_call(ws: Workspace, case_id: int, call: NewCall) -> CallNote:
    """Record a call on a case, with its follow-up, in one transaction (see `_log_call`)."""
    with ws.write() as session:
        return _log_call(session, ws.username, case_id, call, ws.now(), ws.today, ws.weights,
                         ws.calendar, ws.settings.good_faith_attempts)


def save_draft(ws: Workspace, case_id: int, fields: dict[str, Any], body: str) -> None:
    """Keep what is typed (replacing this user's earlier draft for the case)."""
    with ws.write() as session:
        _save_draft(session, ws.username, case_id, fields, body)


def load_draft(ws: Workspace, case_id: int) -> DraftState | None:
    """This user's unsaved draft for the case, if any."""
    with ws.session() as session:
        return _load_draft(session, ws.username, case_id)


def discard_draft(ws: Workspace, case_id: int) -> None:
    """Drop this user's draft for the case."""
    with ws.write() as session:
        _discard_draft(session, ws.username, case_id)
