"""Follow-up tasks: add one, and keep the case's next action current with it."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session

from db.models import Case, Task, utcnow
from lossmit_tui.domain.enums import TaskKind
from lossmit_tui.domain.values import clean_text
from lossmit_tui.services import audit
from lossmit_tui.services.access import require_case_access
from lossmit_tui.services.errors import InvalidInput, NotFound
from lossmit_tui.services.urgency import NextAction, set_next_actions
from lossmit_tui.services.users import require_user
from lossmit_tui.services.workspace import Workspace

cases_t, tasks_t = Case.__table__, Task.__table__


@dataclass(frozen=True)
class NewTask:
    """A follow-up as a person entered it, before validation."""

    kind: str
    title: str
    due_on: date


def tasks_of_cases(conn: Connection, case_ids: Sequence[int],
                   *columns: sa.ColumnElement[Any],
                   source_prefix: str | None = None) -> list[sa.Row[Any]]:
    """These cases' tasks (every status; with `source_prefix`, only those whose source
    starts with it), read through the case index alone; callers keep the open ones, or a
    kind, in Python. Given `status = 'open'` as well, SQLite (which keeps no statistics
    unless ANALYZE runs) prefers the (status, due_on) index and walks every open task in the
    book: seconds per call at a million cases instead of milliseconds. No index leads with
    the source, so its test is made on the rows the case index finds."""
    query = (sa.select(tasks_t.c.case_id, tasks_t.c.status, tasks_t.c.kind, *columns)
             .where(tasks_t.c.case_id.in_(list(case_ids))))
    if source_prefix is not None:
        query = query.where(tasks_t.c.source.startswith(source_prefix, autoescape=True))
    return list(conn.execute(query))


def recompute_case(conn: Connection, case_id: int, today: date,
                   weights: Mapping[str, float]) -> None:
    """Set a case's next action and earliest regulatory deadline from its open tasks, and
    its urgency for today. Runs inside the caller's transaction."""
    recompute_cases(conn, [case_id], today, weights)


def recompute_cases(conn: Connection, case_ids: Iterable[int], today: date,
                    weights: Mapping[str, float]) -> None:
    """`recompute_case` for many cases at once (a few statements per 500 cases)."""
    ids = sorted(set(case_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        open_tasks: dict[int, list[tuple[date, int, str]]] = {cid: [] for cid in chunk}
        for r in tasks_of_cases(conn, chunk, tasks_t.c.due_on, tasks_t.c.id):
            if r.status == "open":
                open_tasks[r.case_id].append((r.due_on, r.id, r.kind))
        set_next_actions(conn, {cid: next_action(found) for cid, found in open_tasks.items()},
                         today, weights, utcnow())


def next_action(open_tasks: Iterable[tuple[date, int, str]]) -> NextAction:
    """A case's next action from its open tasks (due date, id, kind): the earliest task
    (the first made on a tie), its kind, and the earliest regulatory deadline."""
    ordered = sorted(open_tasks)
    first = ordered[0] if ordered else None
    regulatory = next((due for due, _, kind in ordered if kind == TaskKind.REGULATORY_DEADLINE),
                      None)
    return (first[0] if first else None, first[2] if first else None, regulatory)


def add_task_in(session: Session, actor_name: str, case_id: int, new: NewTask, today: date,
                weights: Mapping[str, float]) -> Task:
    """Add a follow-up task to a case (assigned to the case's owner, else to the actor)."""
    kinds = [k.value for k in TaskKind]
    if new.kind not in kinds:
        raise InvalidInput(f"kind {new.kind!r} must be one of: {', '.join(kinds)}")
    title = clean_text(new.title)
    if not title:
        raise InvalidInput("the task needs a title (what is to be done)")
    if len(title) > 200:
        raise InvalidInput("the title is longer than 200 characters")
    if new.due_on < today:
        raise InvalidInput(f"the due date {new.due_on.isoformat()} is in the past")
    actor = require_user(session, actor_name)
    require_case_access(session, actor, case_id, "adding a task")
    conn = session.connection()
    case = conn.execute(sa.select(cases_t.c.id, cases_t.c.assignee_id, cases_t.c.loan_number)
                        .where(cases_t.c.id == case_id)).first()
    if case is None:
        raise NotFound("this case no longer exists")
    task = Task(case_id=case_id, kind=new.kind, title=title, due_on=new.due_on,
                assignee_id=case.assignee_id or actor.id, status="open", source="manual")
    session.add(task)
    session.flush()
    recompute_case(conn, case_id, today, weights)
    audit.record(session, actor, "task", task.id, "create",
                 after={"case": case.loan_number, "kind": new.kind, "title": title,
                        "due_on": new.due_on.isoformat()})
    return task


def _open_task(session: Session, task_id: int) -> tuple[Task, str]:
    """The open task, locked with its case (the case first: the order every case write and
    a reassignment lock in), read after the locks so that a task another writer completed
    meanwhile shows as done instead of being completed twice."""
    conn = session.connection()
    case_id = conn.execute(sa.select(Task.__table__.c.case_id).where(
        Task.__table__.c.id == task_id)).scalar()
    if case_id is None:
        raise NotFound("this task no longer exists")
    loan = conn.execute(sa.select(cases_t.c.loan_number).where(cases_t.c.id == case_id)
                        .with_for_update()).scalar()
    task = session.get(Task, task_id, with_for_update=True, populate_existing=True)
    if task is None:
        raise NotFound("this task no longer exists")
    if task.status != "open":
        raise InvalidInput(f"this task is already {task.status}")
    return task, str(loan)


def _met_by(rule: str) -> str:
    """The events that meet a regulatory deadline, for the refusal message."""
    from lossmit_tui.domain.regclock import BY_CITATION

    known = BY_CITATION.get(rule)
    kinds = [kind.replace("_", " ") for kind in known.met_by] if known else []
    return " or ".join(kinds) if kinds else "the event the rule requires"


def _complete_task(session: Session, actor_name: str, task_id: int, note: str, today: date,
                  weights: Mapping[str, float]) -> Task:
    """Mark a task done, with an optional note of what was done. A regulatory deadline is
    met only by its event, never ticked off by hand."""
    actor = require_user(session, actor_name)
    task, loan = _open_task(session, task_id)
    require_case_access(session, actor, task.case_id, "completing a task")
    if task.kind == TaskKind.REGULATORY_DEADLINE:
        raise InvalidInput(f"a regulatory deadline ({task.source}) is met by recording its "
                           f"event ({_met_by(task.source)}), not completed by hand")
    text = clean_text(note)
    if len(text) > 500:
        raise InvalidInput("the note is longer than 500 characters")
    task.status, task.completed_at, task.completed_by_id = "done", utcnow(), actor.id
    task.completion_note = text or None
    session.add(task)
    session.flush()
    audit.record(session, actor, "task", task.id, "complete", before={"status": "open"},
                 after={"case": loan, "status": "done", "note": text or None})
    recompute_case(session.connection(), task.case_id, today, weights)
    return task


def _snooze_task(session: Session, actor_name: str, task_id: int, due_on: date, today: date,
                weights: Mapping[str, float]) -> Task:
    """Move a task to a later date (never earlier than it is due). Regulatory deadlines
    cannot be moved."""
    actor = require_user(session, actor_name)
    task, loan = _open_task(session, task_id)
    require_case_access(session, actor, task.case_id, "snoozing a task")
    if task.kind == TaskKind.REGULATORY_DEADLINE:
        raise InvalidInput(f"a regulatory deadline ({task.source}) cannot be snoozed: it is "
                           f"met by recording its event ({_met_by(task.source)})")
    if due_on < today:
        raise InvalidInput(f"the new date {due_on.isoformat()} is in the past")
    if due_on == task.due_on:
        raise InvalidInput(f"the task is already due on {due_on.isoformat()}")
    if due_on < task.due_on:
        raise InvalidInput(
            f"the new date {due_on.isoformat()} is before the task's due date "
            f"{task.due_on.isoformat()}: snoozing moves a task later, never earlier (to act "
            "sooner, add a follow-up for that day)")
    before = task.due_on
    task.due_on, task.snoozed_at = due_on, utcnow()
    session.add(task)
    session.flush()
    audit.record(session, actor, "task", task.id, "snooze",
                 before={"due_on": before.isoformat()},
                 after={"case": loan, "due_on": due_on.isoformat()})
    recompute_case(session.connection(), task.case_id, today, weights)
    return task


def _reassign_task(session: Session, actor_name: str, task_id: int, to_username: str) -> Task:
    """Give a task to another active user."""
    actor = require_user(session, actor_name)
    task, loan = _open_task(session, task_id)
    require_case_access(session, actor, task.case_id, "reassigning a task")
    to = require_user(session, to_username)
    if not to.active:
        raise InvalidInput(f"{to.username} is deactivated and cannot take tasks")
    if to.id == task.assignee_id:
        raise InvalidInput(f"the task is already {to.username}'s")
    users_t = to.__table__
    before = session.connection().execute(sa.select(users_t.c.username).where(
        users_t.c.id == task.assignee_id)).scalar() if task.assignee_id else None
    task.assignee_id = to.id
    session.add(task)
    audit.record(session, actor, "task", task.id, "reassign", before={"assignee": before},
                 after={"case": loan, "assignee": to.username})
    return task


# --- the service entries: each takes the workspace and is one transaction -----


def add_task(ws: Workspace, case_id: int, new: NewTask) -> Task:
    """Add a follow-up task to a case, in one transaction (see `add_task_in`)."""
    with ws.write() as session:
        return add_task_in(session, ws.username, case_id, new, ws.today, ws.weights)


def complete_task(ws: Workspace, task_id: int, note: str) -> Task:
    """Complete a task, in one transaction (see `_complete_task`)."""
    with ws.write() as session:
        return _complete_task(session, ws.username, task_id, note, ws.today, ws.weights)


def snooze_task(ws: Workspace, task_id: int, due_on: date) -> Task:
    """Move a task to a later day, in one transaction (see `_snooze_task`)."""
    with ws.write() as session:
        return _snooze_task(session, ws.username, task_id, due_on, ws.today, ws.weights)


def reassign_task(ws: Workspace, task_id: int, to_username: str) -> Task:
    """Give a task to someone else, in one transaction (see `_reassign_task`)."""
    with ws.write() as session:
        return _reassign_task(session, ws.username, task_id, to_username)
