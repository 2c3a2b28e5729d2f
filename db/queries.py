"""Read models for the screens and the CLI: plain dataclasses, built from indexed queries.

The queue is read as a window: `queue_page` returns at most `limit` rows after a keyset
position, in the queue's order, using the partial indexes on open cases.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Session

from db.models import Case, Task, User

cases_t = Case.__table__
tasks_t = Task.__table__
users_t = User.__table__


class View(StrEnum):
    """The queue views this version knows (the queue issue adds configured ones)."""

    MINE = "mine"
    UNASSIGNED = "unassigned"
    ALL = "all"


VIEW_TITLES = {View.MINE: "My queue", View.UNASSIGNED: "Unassigned", View.ALL: "All open"}


@dataclass(frozen=True, slots=True)
class QueueRow:
    case_id: int
    loan_number: str
    borrower_name: str
    assignee: str | None
    stage: str
    investor: str
    property_state: str
    next_due_date: date
    fc_sale_date: date | None
    next_action_on: date | None
    next_action_kind: str | None
    last_contact_at: datetime | None
    last_rpc_at: datetime | None
    promise_due_on: date | None
    promise_kept_on: date | None
    occupancy: str
    fdcpa_covered: bool
    cease_communication: bool
    attorney_represented: bool

    @property
    def key(self) -> tuple[date | None, str]:
        """The keyset position of this row in the queue order."""
        return (self.next_action_on, self.loan_number)


_QUEUE_COLUMNS = (
    cases_t.c.id.label("case_id"), cases_t.c.loan_number, cases_t.c.borrower_name,
    users_t.c.username.label("assignee"), cases_t.c.stage, cases_t.c.investor,
    cases_t.c.property_state, cases_t.c.next_due_date, cases_t.c.fc_sale_date,
    cases_t.c.next_action_on, cases_t.c.next_action_kind, cases_t.c.last_contact_at,
    cases_t.c.last_rpc_at, cases_t.c.promise_due_on, cases_t.c.promise_kept_on,
    cases_t.c.occupancy, cases_t.c.fdcpa_covered, cases_t.c.cease_communication,
    cases_t.c.attorney_represented,
)


def _view_filter(view: View, user_id: int | None) -> list[sa.ColumnElement[bool]]:
    # `closed_at IS NULL` exactly as the partial indexes say it, so the planner uses them.
    where: list[sa.ColumnElement[bool]] = [cases_t.c.closed_at.is_(None)]
    if view is View.MINE:
        where.append(cases_t.c.assignee_id == user_id)
    elif view is View.UNASSIGNED:
        where.append(cases_t.c.assignee_id.is_(None))
    return where


def queue_page(
    session: Session,
    view: View,
    user_id: int | None,
    limit: int,
    after: tuple[date | None, str] | None = None,
) -> list[QueueRow]:
    """Up to `limit` queue rows after the keyset position `after`, in queue order:
    earliest next action first (cases with none last), then loan number."""
    base = sa.select(*_QUEUE_COLUMNS).select_from(
        cases_t.outerjoin(users_t, cases_t.c.assignee_id == users_t.c.id)
    ).where(*_view_filter(view, user_id))
    rows: list[QueueRow] = []
    after_date, after_loan = after if after else (None, None)
    # Two index-ordered segments, so NULL dates sort last on every database.
    if after is None or after_date is not None:
        dated = base.where(cases_t.c.next_action_on.is_not(None))
        if after is not None:
            dated = dated.where(sa.or_(
                cases_t.c.next_action_on > after_date,
                sa.and_(cases_t.c.next_action_on == after_date,
                        cases_t.c.loan_number > after_loan),
            ))
        dated = dated.order_by(cases_t.c.next_action_on, cases_t.c.loan_number).limit(limit)
        rows.extend(QueueRow(**m) for m in session.connection().execute(dated).mappings())
    if len(rows) < limit:
        undated = base.where(cases_t.c.next_action_on.is_(None))
        if after is not None and after_date is None:
            undated = undated.where(cases_t.c.loan_number > after_loan)
        undated = undated.order_by(cases_t.c.loan_number).limit(limit - len(rows))
        rows.extend(QueueRow(**m) for m in session.connection().execute(undated).mappings())
    return rows


def queue_count(session: Session, view: View, user_id: int | None) -> int:
    """How many open cases the view holds."""
    query = sa.select(sa.func.count()).select_from(cases_t).where(*_view_filter(view, user_id))
    return int(session.connection().execute(query).scalar_one())


@dataclass(frozen=True, slots=True)
class TaskRow:
    task_id: int
    case_id: int
    loan_number: str
    borrower_name: str
    kind: str
    title: str
    due: date
    source: str
    status: str
    assignee: str | None

    @property
    def rule(self) -> str | None:
        """The rule that made this task (a citation), or None for a manual one."""
        return None if self.source == "manual" else self.source


def _task_select() -> sa.Select:  # type: ignore[type-arg]
    """Task rows joined to their case and assignee, in TaskRow's shape."""
    return sa.select(
        tasks_t.c.id.label("task_id"), tasks_t.c.case_id, cases_t.c.loan_number,
        cases_t.c.borrower_name, tasks_t.c.kind, tasks_t.c.title,
        tasks_t.c.due_on.label("due"), tasks_t.c.source, tasks_t.c.status,
        users_t.c.username.label("assignee"),
    ).select_from(
        tasks_t.join(cases_t, tasks_t.c.case_id == cases_t.c.id)
        .outerjoin(users_t, tasks_t.c.assignee_id == users_t.c.id)
    )


class Due(StrEnum):
    OVERDUE = "overdue"
    TODAY = "today"
    WEEK = "week"
    ALL = "all"


def end_of_week(today: date) -> date:
    """The Sunday that ends today's week (Monday-first weeks)."""
    return today + timedelta(days=6 - today.weekday())


def open_tasks(session: Session, user_id: int | None, due: Due, today: date,
               limit: int | None = None) -> list[TaskRow]:
    """Open tasks (of one assignee, or everyone's when `user_id` is None) by due date.

    overdue: due before today; today: due today or earlier; week: due by Sunday;
    all: every open task."""
    query = (
        _task_select()
        .where(tasks_t.c.status == "open")
        .order_by(tasks_t.c.due_on, cases_t.c.loan_number, tasks_t.c.id)
    )
    if user_id is not None:
        query = query.where(tasks_t.c.assignee_id == user_id)
    if due is Due.OVERDUE:
        query = query.where(tasks_t.c.due_on < today)
    elif due is Due.TODAY:
        query = query.where(tasks_t.c.due_on <= today)
    elif due is Due.WEEK:
        query = query.where(tasks_t.c.due_on <= end_of_week(today))
    if limit is not None:
        query = query.limit(limit)
    return [TaskRow(**m) for m in session.connection().execute(query).mappings()]


@dataclass(frozen=True, slots=True)
class UserRow:
    user_id: int
    username: str
    display_name: str
    role: str
    team: str | None
    active: bool


def list_users(session: Session) -> list[UserRow]:
    """Every user, by team then username."""
    query = sa.select(
        users_t.c.id.label("user_id"), users_t.c.username, users_t.c.display_name,
        users_t.c.role, users_t.c.team, users_t.c.active,
    ).order_by(users_t.c.team.is_(None), users_t.c.team, users_t.c.username)
    return [UserRow(**m) for m in session.connection().execute(query).mappings()]


def case_detail(session: Session, case_id: int) -> dict[str, object] | None:
    """Every stored field of one case, with its assignee's username."""
    query = (
        sa.select(cases_t, users_t.c.username.label("assignee"),
                  users_t.c.display_name.label("assignee_name"))
        .select_from(cases_t.outerjoin(users_t, cases_t.c.assignee_id == users_t.c.id))
        .where(cases_t.c.id == case_id)
    )
    row = session.connection().execute(query).mappings().first()
    return dict(row) if row else None


def case_tasks(session: Session, case_id: int) -> list[TaskRow]:
    """A case's tasks, open first, then by due date."""
    query = (
        _task_select()
        .where(tasks_t.c.case_id == case_id)
        .order_by(tasks_t.c.status != "open", tasks_t.c.due_on, tasks_t.c.id)
    )
    return [TaskRow(**m) for m in session.connection().execute(query).mappings()]
