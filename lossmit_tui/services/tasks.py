"""Follow-up tasks: add one, and keep the case's next action current with it."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session

from db.models import Case, Task, utcnow
from lossmit_tui.domain.enums import TaskKind
from lossmit_tui.domain.values import clean_text
from lossmit_tui.services import audit
from lossmit_tui.services.errors import InvalidInput, NotFound
from lossmit_tui.services.urgency import refresh_cases
from lossmit_tui.services.users import require_user

cases_t, tasks_t = Case.__table__, Task.__table__


@dataclass(frozen=True)
class NewTask:
    """A follow-up as a person entered it, before validation."""

    kind: str
    title: str
    due_on: date


def recompute_case(conn: Connection, case_id: int, today: date,
                   weights: Mapping[str, float]) -> None:
    """Set a case's next action and earliest regulatory deadline from its open tasks, and
    its urgency for today. Runs inside the caller's transaction."""
    open_tasks = (sa.select(tasks_t.c.due_on, tasks_t.c.kind)
                  .where(tasks_t.c.case_id == case_id, tasks_t.c.status == "open")
                  .order_by(tasks_t.c.due_on, tasks_t.c.id))
    first = conn.execute(open_tasks.limit(1)).first()
    regulatory = conn.execute(sa.select(sa.func.min(tasks_t.c.due_on)).where(
        tasks_t.c.case_id == case_id, tasks_t.c.status == "open",
        tasks_t.c.kind == TaskKind.REGULATORY_DEADLINE)).scalar()
    conn.execute(cases_t.update().where(cases_t.c.id == case_id).values(
        next_action_on=first.due_on if first else None,
        next_action_kind=first.kind if first else None,
        reg_due_on=regulatory, updated_at=utcnow()))
    refresh_cases(conn, [case_id], today, weights)


def add_task(session: Session, actor_name: str, case_id: int, new: NewTask, today: date,
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
