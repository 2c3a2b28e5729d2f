"""Complaints on a case (docs/RULES.md section 9): intake, assignment, each step with its
date (acknowledgment, extension, response, documents relied on, exemption and its notice),
the investigation and finding, and closure.

Every write is one transaction: the acting user is checked (active, may act on the case),
the complaint is updated at the version the person saw (a complaint someone else changed
meanwhile is a Conflict, nothing written), the audit row records it, and the case's
regulatory-deadline tasks are synced with the complaint's clocks. Bad input is refused with a
message naming the field, and nothing is stored. Letters are written by services/letters.py
from a complaint; mailing one records its step here (`record_letter_step`), in the mailing's
transaction, on the day it was mailed.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from db.models import Case, Complaint, Task, User, utcnow
from lossmit_tui.domain.complaints import (
    CATEGORIES,
    CLOCK_GROUPS,
    ERROR_EXEMPTIONS,
    EXEMPTIONS,
    FORECLOSURE,
    Channel,
    ComplaintType,
    Finding,
    Topic,
    asks_information,
    asserts_error,
    clock_outcomes,
    complaint_clocks,
    extension_refusal,
    top_root_causes,
)
from lossmit_tui.domain.enums import Role, TaskKind
from lossmit_tui.domain.regclock import Clock
from lossmit_tui.domain.values import clean_multiline, clean_text
from lossmit_tui.services import audit
from lossmit_tui.services.access import read_case, require_case_access
from lossmit_tui.services.clock import sync_clocks
from lossmit_tui.services.complaint_clocks import facts_of
from lossmit_tui.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lossmit_tui.services.tasks import recompute_case, tasks_of_cases
from lossmit_tui.services.users import require_user
from lossmit_tui.services.workspace import Workspace

cases_t, complaints_t, users_t = Case.__table__, Complaint.__table__, User.__table__
MAX_TEXT = 20_000  # the borrower's words
MAX_ASKED = 500
MAX_REASON = 500
MAX_CORRECTION = 1000
MAX_INVESTIGATION = 10_000
MAX_REMEDIATION_CENTS = 10**9  # $10 million: a typo guard


@dataclass(frozen=True)
class NewComplaint:
    """A complaint as a person entered it, before validation."""

    received_on: date
    channel: str
    type: str
    text: str
    category: str | None = None
    asked: str = ""
    topic: str | None = None
    at_designated: bool = True


def _choices(values: Any) -> str:
    return ", ".join(str(v) for v in values)


def validate_complaint(new: NewComplaint, today: date) -> list[str]:
    """Every problem with a complaint at intake, each naming its field (empty: it can be
    saved)."""
    problems = []
    if new.received_on > today:
        problems.append(f"received: {new.received_on} is in the future")
    if new.channel not in list(Channel):
        problems.append(f"channel: {new.channel!r} must be one of {_choices(Channel)}")
    if new.type not in list(ComplaintType):
        problems.append(f"type: {new.type!r} must be one of {_choices(ComplaintType)}")
    error = new.type == ComplaintType.NOTICE_OF_ERROR
    request = new.type == ComplaintType.REQUEST_FOR_INFORMATION
    if new.category is not None and new.category not in CATEGORIES:
        problems.append(f"category: {new.category!r} must be one of {_choices(CATEGORIES)} "
                        "(1024.35(b)(1)-(11))")
    if error and new.category is None:
        problems.append("category: a notice of error needs its covered category "
                        f"(1024.35(b)): one of {_choices(CATEGORIES)}")
    if new.category is not None and not (error or new.type == ComplaintType
                                          .QUALIFIED_WRITTEN_REQUEST):
        problems.append("category: only a notice of error (or a qualified written request "
                        "asserting one) has a covered category")
    if new.topic is not None and new.topic not in list(Topic):
        problems.append(f"topic: {new.topic!r} must be one of {_choices(Topic)}")
    if new.topic is not None and new.category is not None:
        problems.append("topic: a request's topic and an error's category do not go together")
    asked = clean_text(new.asked)
    if request and not asked:
        problems.append("asked: a request for information needs what was asked")
    if len(asked) > MAX_ASKED:
        problems.append(f"asked: at most {MAX_ASKED} characters")
    text = clean_multiline(new.text)
    if not text:
        problems.append("text: the borrower's words are needed (what they wrote or said)")
    if len(text) > MAX_TEXT:
        problems.append(f"text: at most {MAX_TEXT} characters")
    return problems


def _complaint(session: Session, complaint_id: int) -> Any:
    row = session.connection().execute(sa.select(complaints_t).where(
        complaints_t.c.id == complaint_id)).first()
    if row is None:
        raise NotFound(f"complaint {complaint_id} does not exist")
    return row


def _loan(session: Session, case_id: int) -> Any:
    case = session.connection().execute(sa.select(
        cases_t.c.id, cases_t.c.loan_number, cases_t.c.assignee_id, cases_t.c.fc_sale_date)
        .where(cases_t.c.id == case_id)).first()
    if case is None:
        raise NotFound("this case no longer exists")
    return case


def _count_open(session: Session, case_id: int) -> None:
    """Keep the case's count of open complaints (the Complaints view reads the cases with
    one through their index), in the transaction that opened or closed one."""
    session.connection().execute(cases_t.update().where(cases_t.c.id == case_id).values(
        open_complaints=sa.select(sa.func.count()).select_from(complaints_t).where(
            complaints_t.c.case_id == case_id, complaints_t.c.status == "open")
        .scalar_subquery()))


def _sync(session: Session, actor: User, case_id: int, ws: Workspace) -> None:
    sync_clocks(session, actor, [case_id], ws.today, ws.calendar, actor.username,
                attempts_needed=ws.settings.good_faith_attempts)
    _tasks_to_owners(session, actor, case_id)
    recompute_case(session.connection(), case_id, ws.today, ws.weights)


def _add_complaint(session: Session, ws: Workspace, case_id: int,
                   new: NewComplaint) -> Complaint:
    problems = validate_complaint(new, ws.today)
    if problems:
        raise InvalidInput("; ".join(problems))
    actor = require_user(session, ws.username)
    require_case_access(session, actor, case_id, "logging a complaint")
    case = _loan(session, case_id)
    designated = bool(clean_text(ws.settings.complaint_designated_address))
    row = Complaint(
        case_id=case_id, received_on=new.received_on, channel=new.channel,
        complaint_type=new.type, category=new.category,
        topic=new.topic or (Topic.OTHER.value if new.type == ComplaintType
                            .REQUEST_FOR_INFORMATION else None),
        asked=clean_text(new.asked) or None, borrower_text=clean_multiline(new.text),
        at_designated=new.at_designated, address_designated=designated,
        target_bd=ws.settings.complaint_target_business_days,
        owner_id=case.assignee_id or actor.id, status="open", created_by_id=actor.id)
    session.add(row)
    session.flush()
    _count_open(session, case_id)
    audit.record(session, actor, "complaint", row.id, "create", after={
        "case": case.loan_number, "received_on": new.received_on.isoformat(),
        "channel": new.channel, "type": new.type, "category": new.category,
        "topic": row.topic, "asked": row.asked, "at_designated": new.at_designated,
        "owner_id": row.owner_id})
    sale = case.fc_sale_date
    if new.category in FORECLOSURE and sale is not None and sale >= ws.today:
        _urgent_task(session, actor, case, row, sale, ws.today)
    _sync(session, actor, case_id, ws)
    return row


def _urgent_task(session: Session, actor: User, case: sa.Row[Any], complaint: Complaint,
                 sale: date, today: date) -> None:
    """A foreclosure error asserted with a sale scheduled: a task due today to check the
    1024.41 protections and tell counsel, before the sale (a new complaint has none yet)."""
    _insert_urgent(session, actor, case.id, case.loan_number, complaint.owner_id or actor.id,
                   int(complaint.id or 0), sale, today)


def _insert_urgent(session: Session, actor: User, case_id: int, loan: str,
                   assignee_id: int | None, complaint_id: int, sale: date,
                   today: date) -> None:
    """The urgent check itself, with its audit row."""
    title = (f"URGENT: foreclosure error asserted (complaint {complaint_id}); sale on "
             f"{sale}: check the 1024.41(f)/(g) protections and tell counsel")[:200]
    task = Task(case_id=case_id, kind=TaskKind.REVIEW, title=title, due_on=today,
                assignee_id=assignee_id, status="open", source=f"complaint {complaint_id}")
    session.add(task)
    session.flush()
    audit.record(session, actor, "task", task.id, "create", after={
        "case": loan, "kind": TaskKind.REVIEW.value, "title": title,
        "due_on": today.isoformat(), "urgent": True})


def foreclosure_errors_on_sales(session: Session, actor: User, case_ids: Iterable[int],
                                today: date) -> set[int]:
    """Inside the transaction that scheduled or moved these cases' sales (a case event, or an
    import's batch): each open complaint asserting a foreclosure error (1024.35(b)(9),
    (b)(10)) on a case whose sale is today or later gets its urgent task (one open at a
    time), as it would have had the sale been on the calendar when it was logged, given to
    the complaint's owner. Two queries for the whole set, whatever its size; a write only
    for a check raised. Returns the cases given one. The response deadline follows the sale
    through the clock sync that the caller runs for these cases."""
    ids = sorted(set(case_ids))
    if not ids:
        return set()
    tasks_t = Task.__table__
    conn = session.connection()
    c = complaints_t.c
    found = conn.execute(
        sa.select(c.id, c.case_id, c.owner_id, cases_t.c.loan_number, cases_t.c.assignee_id,
                  cases_t.c.fc_sale_date)
        .join(cases_t, cases_t.c.id == c.case_id)
        .where(c.case_id.in_(ids), c.status == "open", c.category.in_(FORECLOSURE),
               cases_t.c.fc_sale_date >= today)
        .order_by(c.id)).all()
    if not found:
        return set()
    sources = [f"complaint {r.id}" for r in found]
    checked = set(conn.execute(sa.select(tasks_t.c.source).where(
        tasks_t.c.case_id.in_(sorted({r.case_id for r in found})),
        tasks_t.c.source.in_(sources), tasks_t.c.status == "open")).scalars())
    raised: set[int] = set()
    for r, source in zip(found, sources, strict=True):
        if source in checked:
            continue  # one open check per complaint is enough
        _insert_urgent(session, actor, r.case_id, r.loan_number,
                       r.owner_id or r.assignee_id or actor.id, r.id, r.fc_sale_date, today)
        raised.add(r.case_id)
    return raised


def foreclosure_errors_on_sale(session: Session, actor: User, case_id: int,
                               today: date) -> None:
    """Inside the transaction that schedules or moves a case's sale (a case event):
    `foreclosure_errors_on_sales` for this one case; the complaints' tasks go to their
    owners."""
    if foreclosure_errors_on_sales(session, actor, [case_id], today):
        _tasks_to_owners(session, actor, case_id)


def _save(session: Session, actor: User, row: sa.Row[Any], expected_version: int,
          action: str, changes: dict[str, Any], ws: Workspace,
          note: dict[str, Any] | None = None) -> int:
    """Write `changes` to the complaint at the version the person saw, with its audit row,
    and sync the case's deadlines. Returns the new version."""
    if row.version != expected_version:
        raise Conflict(f"complaint {row.id} was changed by someone else since you opened it "
                       f"(version {row.version}, yours {expected_version}). Reload it; your "
                       "input is kept.")
    result = session.connection().execute(complaints_t.update().where(
        complaints_t.c.id == row.id, complaints_t.c.version == expected_version).values(
        version=expected_version + 1, updated_at=utcnow(), **changes))
    if result.rowcount != 1:
        raise Conflict(f"complaint {row.id} was changed by someone else just now. Reload "
                       "it; your input is kept.")
    case = _loan(session, row.case_id)
    audit.record(session, actor, "complaint", row.id, action,
                 before={k: _plain(getattr(row, k)) for k in changes},
                 after={"case": case.loan_number} | {k: _plain(v) for k, v in changes.items()}
                 | (note or {}))
    _sync(session, actor, row.case_id, ws)
    return expected_version + 1


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _open_for(session: Session, ws: Workspace, complaint_id: int,
              what: str) -> tuple[User, sa.Row[Any]]:
    """The acting user and the open complaint, after the access check (which locks the case)."""
    actor = require_user(session, ws.username)
    case_id = session.connection().execute(sa.select(complaints_t.c.case_id).where(
        complaints_t.c.id == complaint_id)).scalar()
    if case_id is None:
        raise NotFound(f"complaint {complaint_id} does not exist")
    require_case_access(session, actor, case_id, what)
    row = _complaint(session, complaint_id)
    if row.status != "open":
        raise InvalidInput(f"complaint {complaint_id} is closed ({row.closed_on})")
    return actor, row


def _day(field: str, day: date, row: sa.Row[Any], today: date) -> None:
    if day > today:
        raise InvalidInput(f"{field}: {day} is in the future")
    if day < row.received_on:
        raise InvalidInput(f"{field}: {day} is before the complaint was received "
                           f"({row.received_on})")


STEPS = ("acknowledgment", "extension", "response", "documents_requested", "documents_sent",
         "exemption", "exemption_notice")


@dataclass(frozen=True)
class Step:
    """A step as a person entered it: which, on what day, and what it needs."""

    step: str
    day: date
    reason: str = ""  # an extension's reasons (they go in its notice)
    corrected: bool = False  # a response that corrected the error or gave the information
    exemption: str = ""  # for "exemption": duplicative, overbroad, untimely, ...
    letter: int | None = None  # the complaint letter whose mailing this step is


def _record_step(session: Session, ws: Workspace, complaint_id: int, expected_version: int,
                 step: Step) -> int:
    if step.step not in STEPS:
        raise InvalidInput(f"step: {step.step!r} must be one of {_choices(STEPS)}")
    actor, row = _open_for(session, ws, complaint_id, f"recording a complaint's {step.step}")
    _day(step.step, step.day, row, ws.today)
    changes: dict[str, Any]
    if step.step == "acknowledgment":
        changes = {"acknowledged_on": step.day}
    elif step.step == "extension":
        reason = clean_text(step.reason)
        if not reason:
            raise InvalidInput("reason: an extension notice must give its reasons "
                               "(1024.35(e)(3)(ii), 1024.36(d)(2)(ii))")
        if len(reason) > MAX_REASON:
            raise InvalidInput(f"reason: at most {MAX_REASON} characters")
        sale = _loan(session, row.case_id).fc_sale_date
        refused = extension_refusal(facts_of(row, sale), step.day, ws.calendar)
        if refused:
            raise InvalidInput(f"extension: {refused}")
        changes = {"extension_on": step.day, "extension_reason": reason}
    elif step.step == "response":
        changes = {"responded_on": step.day, "corrected": step.corrected}
    elif step.step == "documents_requested":
        if row.complaint_type not in (ComplaintType.NOTICE_OF_ERROR,
                                      ComplaintType.QUALIFIED_WRITTEN_REQUEST):
            raise InvalidInput("documents_requested: only a notice of error has the right to "
                               "the documents relied on (1024.35(e)(4))")
        changes = {"documents_requested_on": step.day}
    elif step.step == "documents_sent":
        if row.documents_requested_on is None:
            raise InvalidInput("documents_sent: record the borrower's request for the "
                               "documents first")
        changes = {"documents_sent_on": step.day}
    elif step.step == "exemption":
        allowed = (ERROR_EXEMPTIONS if row.complaint_type == ComplaintType.NOTICE_OF_ERROR
                   else tuple(EXEMPTIONS))
        if step.exemption not in allowed:
            raise InvalidInput(f"exemption: {step.exemption!r} must be one of "
                               f"{_choices(allowed)} (1024.35(g), 1024.36(f))")
        changes = {"exemption": step.exemption, "exemption_decided_on": step.day}
    else:
        if row.exemption is None:
            raise InvalidInput("exemption_notice: record the exemption decision first")
        changes = {"exemption_notice_on": step.day}
    return _save(session, actor, row, expected_version, step.step, changes, ws,
                 {"letter": step.letter} if step.letter else {})


# A complaint letter's step (domain/letters.py COMPLAINT_KINDS) as the step it records, and
# the complaint column that says it was already done.
_LETTER_STEPS: dict[str, tuple[str, bool, str]] = {
    "acknowledgment": ("acknowledgment", False, "acknowledged_on"),
    "response_corrected": ("response", True, "responded_on"),
    "response_no_error": ("response", False, "responded_on"),
    # the information given meets the 5-BD shortcut (1024.36(e)); "not available" does not
    "response_information": ("response", True, "responded_on"),
    "response_not_available": ("response", False, "responded_on"),
    "extension": ("extension", False, "extension_on"),
    "documents_sent": ("documents_sent", False, "documents_sent_on"),
    "exemption_notice": ("exemption_notice", False, "exemption_notice_on"),
}


def record_letter_step(session: Session, ws: Workspace, complaint_id: int, letter_step: str,
                       day: date, reason: str, letter_id: int) -> bool:
    """Inside the letter-mailing transaction: record the step a complaint letter stands for
    on the day it was mailed (the step that meets the complaint's clock), with the same
    checks as a step typed in (an extension after its deadline is refused, and so the
    mailing). A step already recorded keeps its first date (a second letter is a copy, not
    a later step): False, nothing changed."""
    name, corrected, column = _LETTER_STEPS[letter_step]
    row = _complaint(session, complaint_id)
    if row.status == "open" and getattr(row, column) is None:
        _record_step(session, ws, complaint_id, row.version,
                     Step(name, day, reason, corrected, letter=letter_id))
        return True
    return False


@dataclass(frozen=True)
class FindingInput:
    """The investigation's outcome as a person entered it."""

    finding: str
    root_cause: str
    investigation: str = ""
    correction: str = ""
    effective_on: date | None = None
    remediation_cents: int = 0


# The findings that answer each kind of complaint: a notice of error is found in error or
# not (1024.35(e)(1)), a request for information answered or the information found not
# available (1024.36(d)(1)); any other complaint resolved, or an error found or not.
_FINDINGS = {"error": (Finding.ERROR_FOUND, Finding.NO_ERROR),
             "request": (Finding.INFORMATION_PROVIDED, Finding.INFORMATION_NOT_AVAILABLE),
             "other": (Finding.RESOLVED, Finding.ERROR_FOUND, Finding.NO_ERROR)}
_WHAT = {"error": "a notice of error", "request": "a request for information",
         "other": "a complaint"}


def _kind_of(row: sa.Row[Any]) -> str:
    """"error", "request" or "other": what the complaint is."""
    if asserts_error(row.complaint_type, row.category):
        return "error"
    return "request" if asks_information(row.complaint_type, row.category) else "other"


def _record_finding(session: Session, ws: Workspace, complaint_id: int,
                    expected_version: int, found: FindingInput) -> int:
    problems = []
    if found.finding not in list(Finding):
        problems.append(f"finding: {found.finding!r} must be one of {_choices(Finding)}")
    codes = ws.settings.complaint_root_causes
    if found.root_cause not in codes:
        problems.append(f"root_cause: {found.root_cause!r} must be one of {_choices(codes)}")
    correction = clean_text(found.correction)
    if found.finding == Finding.ERROR_FOUND and not correction:
        problems.append("correction: an error found needs the correction made")
    if found.finding == Finding.ERROR_FOUND and found.effective_on is None:
        problems.append("effective: an error found needs the correction's effective date")
    if correction and found.finding != Finding.ERROR_FOUND:
        problems.append("correction: only an error found has a correction")
    if len(correction) > MAX_CORRECTION:
        problems.append(f"correction: at most {MAX_CORRECTION} characters")
    investigation = clean_multiline(found.investigation)
    if len(investigation) > MAX_INVESTIGATION:
        problems.append(f"investigation: at most {MAX_INVESTIGATION} characters")
    if not 0 <= found.remediation_cents <= MAX_REMEDIATION_CENTS:
        problems.append("remediation: from $0 to $10,000,000")
    if problems:
        raise InvalidInput("; ".join(problems))
    actor, row = _open_for(session, ws, complaint_id, "recording a complaint's finding")
    fits = _FINDINGS[_kind_of(row)]
    if found.finding not in fits:
        raise InvalidInput(f"finding: {found.finding!r} does not answer {_WHAT[_kind_of(row)]}; "
                           f"use one of {', '.join(fits)}")
    return _save(session, actor, row, expected_version, "finding", {
        "finding": found.finding, "root_cause": found.root_cause,
        "investigation": investigation or None, "correction": correction or None,
        "correction_effective_on": found.effective_on,
        "remediation_cents": found.remediation_cents}, ws)


def _assign(session: Session, ws: Workspace, complaint_id: int, expected_version: int,
            to_username: str) -> int:
    actor, row = _open_for(session, ws, complaint_id, "assigning a complaint")
    if actor.role not in (Role.LEAD, Role.ADMIN):
        raise PermissionDenied(
            f"Assigning a complaint is refused: {actor.username} is a {actor.role}; a lead "
            "or an admin reassigns complaints", actor_name=actor.username,
            attempted="assigning a complaint", detail={"complaint": complaint_id})
    to = require_user(session, to_username)
    if not to.active:
        raise InvalidInput(f"owner: {to.username} is deactivated and cannot take complaints")
    if to.id == row.owner_id:
        raise InvalidInput(f"owner: the complaint is already {to.username}'s")
    return _save(session, actor, row, expected_version, "assign", {"owner_id": to.id}, ws)


_COMPLAINT_SOURCE = re.compile(r"(?:^| )complaint (\d+)$")


def _tasks_to_owners(session: Session, actor: User, case_id: int) -> None:
    """Each complaint's open tasks (its deadlines, an urgent check) belong to the complaint's
    owner: the clock sync gives new ones to the case's owner, and a lead may have given the
    complaint to someone else. Each move has its audit row."""
    tasks_t = Task.__table__
    conn = session.connection()
    owners = dict(conn.execute(sa.select(complaints_t.c.id, complaints_t.c.owner_id).where(
        complaints_t.c.case_id == case_id)).all())
    if not owners:
        return
    loan = None
    for task in tasks_of_cases(conn, [case_id], tasks_t.c.id, tasks_t.c.source,
                               tasks_t.c.assignee_id):
        if task.status != "open" or "complaint " not in (task.source or ""):
            continue
        found = _COMPLAINT_SOURCE.search(task.source)
        owner = owners.get(int(found.group(1))) if found else None
        if owner is None or owner == task.assignee_id:
            continue
        conn.execute(tasks_t.update().where(tasks_t.c.id == task.id).values(assignee_id=owner))
        loan = loan or _loan(session, case_id).loan_number
        name = conn.execute(sa.select(users_t.c.username).where(users_t.c.id == owner)
                            ).scalar()
        audit.record(session, actor, "task", task.id, "reassign",
                     before={"assignee_id": task.assignee_id},
                     after={"case": loan, "assignee": name,
                            "why": "the complaint's owner takes its tasks"})


def _close(session: Session, ws: Workspace, complaint_id: int, expected_version: int,
           day: date) -> int:
    actor, row = _open_for(session, ws, complaint_id, "closing a complaint")
    _day("closed", day, row, ws.today)
    problems = []
    if row.exemption is None:
        if row.responded_on is None:
            problems.append("response: record the response before closing")
        if row.finding is None:
            problems.append("finding: record the finding before closing")
        if row.root_cause is None:
            problems.append("root_cause: record the root cause before closing")
    elif row.exemption_notice_on is None:
        problems.append("exemption_notice: record the exemption notice before closing")
    if problems:
        raise InvalidInput("; ".join(problems))
    version = _save(session, actor, row, expected_version, "close",
                    {"status": "closed", "closed_on": day}, ws)
    _count_open(session, row.case_id)
    return version


# --- the service entries: each takes the workspace and is one transaction -----


def add_complaint(ws: Workspace, case_id: int, new: NewComplaint) -> Complaint:
    """Log a complaint on a case (owner: the case's specialist, else the one logging it)."""
    with ws.write() as session:
        return _add_complaint(session, ws, case_id, new)


def record_step(ws: Workspace, complaint_id: int, expected_version: int, step: Step) -> int:
    """Record the day a step happened; returns the complaint's new version."""
    with ws.write() as session:
        return _record_step(session, ws, complaint_id, expected_version, step)


def record_finding(ws: Workspace, complaint_id: int, expected_version: int,
                   found: FindingInput) -> int:
    """Record the investigation, finding, correction, remediation and root cause."""
    with ws.write() as session:
        return _record_finding(session, ws, complaint_id, expected_version, found)


def assign_complaint(ws: Workspace, complaint_id: int, expected_version: int,
                     to_username: str) -> int:
    """Give a complaint to another active user (leads and admins only)."""
    with ws.write() as session:
        return _assign(session, ws, complaint_id, expected_version, to_username)


def close_complaint(ws: Workspace, complaint_id: int, expected_version: int,
                    day: date) -> int:
    """Close a complaint answered (or found exempt and told so)."""
    with ws.write() as session:
        return _close(session, ws, complaint_id, expected_version, day)


@dataclass(frozen=True)
class ComplaintView:
    """A complaint as the case screen and the CLI show it, with its clocks today."""

    id: int
    case_id: int
    loan_number: str
    received_on: date
    channel: str
    type: str
    category: str | None
    topic: str | None
    asked: str | None
    text: str
    owner: str | None
    status: str
    finding: str | None
    root_cause: str | None
    remediation_cents: int
    correction: str | None
    correction_effective_on: date | None
    version: int
    steps: dict[str, date | None]
    clocks: tuple[Clock, ...]

    @property
    def next_clock(self) -> Clock | None:
        """The earliest clock still to be done."""
        open_ = [c for c in self.clocks if c.is_open and c.due_on is not None
                 and c.is_deadline]
        return min(open_, key=lambda c: c.due_on or date.max) if open_ else None


_STEP_DATES = ("acknowledged_on", "extension_on", "responded_on", "documents_requested_on",
               "documents_sent_on", "exemption_decided_on", "exemption_notice_on", "closed_on")


def _views(conn: sa.Connection, where: sa.ColumnElement[bool], ws: Workspace,
           limit: int | None = None) -> list[ComplaintView]:
    c = complaints_t.c
    query = (sa.select(complaints_t, cases_t.c.loan_number, cases_t.c.fc_sale_date,
                       users_t.c.username.label("owner"))
             .join(cases_t, cases_t.c.id == c.case_id)
             .outerjoin(users_t, users_t.c.id == c.owner_id)
             .where(where).order_by(c.received_on, c.id))
    if limit is not None:
        query = query.limit(limit)
    return [ComplaintView(
        r.id, r.case_id, r.loan_number, r.received_on, r.channel, r.complaint_type,
        r.category, r.topic, r.asked, r.borrower_text, r.owner, r.status, r.finding,
        r.root_cause, r.remediation_cents, r.correction, r.correction_effective_on,
        r.version, {k: getattr(r, k) for k in _STEP_DATES},
        tuple(complaint_clocks(facts_of(r, r.fc_sale_date), ws.today, ws.calendar)))
        for r in conn.execute(query)]


def case_complaints(ws: Workspace, case_id: int) -> list[ComplaintView]:
    """A case's complaints, oldest first, for someone who may see the case."""
    with read_case(ws, case_id, "reading a case's complaints") as session:
        return _views(session.connection(), complaints_t.c.case_id == case_id, ws)


def complaint(ws: Workspace, complaint_id: int) -> ComplaintView:
    """One complaint, for someone who may see its case."""
    with ws.read() as conn:
        case_id = conn.execute(sa.select(complaints_t.c.case_id).where(
            complaints_t.c.id == complaint_id)).scalar()
    if case_id is None:
        raise NotFound(f"complaint {complaint_id} does not exist")
    with read_case(ws, case_id, "reading a complaint") as session:
        return _views(session.connection(), complaints_t.c.id == complaint_id, ws)[0]


def open_complaints(ws: Workspace, limit: int = 500) -> list[ComplaintView]:
    """The open complaints of the cases the user may act on, oldest received first."""
    from lossmit_tui.services.access import case_scope

    with ws.session() as session:
        actor = require_user(session, ws.username)
        return _views(session.connection(), sa.and_(
            complaints_t.c.status == "open", case_scope(actor, cases_t)), ws, limit)


__all__ = ["ComplaintView", "FindingInput", "NewComplaint", "Step", "add_complaint",
           "assign_complaint", "case_complaints", "close_complaint", "complaint",
           "complaint_report",
           "open_complaints", "record_finding", "record_step", "validate_complaint"]


REPORT_BY = ("type", "category", "root_cause", "user")


def complaint_report(ws: Workspace, start: date, end: date,
                     by: str | None = None) -> list[dict[str, Any]]:
    """Complaints received from `start` to `end` (inclusive) on the cases the user may act
    on, in one row per group (`by` type, category, root_cause or user; none: one row):
    volume, closed, errors found, remediation total, on time per clock (met by its date /
    met or missed; a clock still running is not counted; a complaint closed without a step
    still counts that step as missed), and the top root causes."""
    if by is not None and by not in REPORT_BY:
        raise InvalidInput(f"by: {by!r} must be one of {_choices(REPORT_BY)}")
    if end < start:
        raise InvalidInput(f"to: {end} is before from ({start})")
    from lossmit_tui.services.access import case_scope

    c = complaints_t.c
    with ws.session() as session:
        actor = require_user(session, ws.username)
        rows = session.connection().execute(
            sa.select(complaints_t, cases_t.c.fc_sale_date, users_t.c.username.label("owner"))
            .join(cases_t, cases_t.c.id == c.case_id)
            .outerjoin(users_t, users_t.c.id == c.owner_id)
            .where(c.received_on >= start, c.received_on <= end, case_scope(actor, cases_t))
            .order_by(c.id).with_hint(complaints_t, "INDEXED BY ix_complaints_received",
                                      "sqlite")).all()
    groups: dict[str, dict[str, Any]] = {}
    causes: dict[str, dict[str, int]] = {}
    for r in rows:
        key = {"type": r.complaint_type, "category": r.category or "-",
               "root_cause": r.root_cause or "-", "user": r.owner or "-"}.get(by or "", "all")
        g = groups.setdefault(key, {"group": key, "received": 0, "closed": 0,
                                    "errors_found": 0, "remediation_cents": 0,
                                    **{f"on_time_{n}": [0, 0] for n in CLOCK_GROUPS}})
        g["received"] += 1
        g["closed"] += r.status == "closed"
        g["errors_found"] += r.finding == Finding.ERROR_FOUND
        g["remediation_cents"] += r.remediation_cents
        if r.root_cause:
            counts = causes.setdefault(key, {})
            counts[r.root_cause] = counts.get(r.root_cause, 0) + 1
        for name, kept in clock_outcomes(facts_of(r, r.fc_sale_date), ws.today, ws.calendar):
            g[f"on_time_{name}"][0] += kept
            g[f"on_time_{name}"][1] += 1
    out = []
    for key, g in sorted(groups.items()):
        for name in CLOCK_GROUPS:
            met, counted = g[f"on_time_{name}"]
            g[f"on_time_{name}"] = (f"{met}/{counted} ({100 * met // counted}%)"
                                    if counted else "-")
        top = top_root_causes(causes.get(key, {}))
        g["top_root_causes"] = ", ".join(f"{k} ({n})" for k, n in top) or "-"
        out.append(g)
    return out
