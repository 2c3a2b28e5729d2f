"""Read models for the screens and the CLI: plain dataclasses, built from indexed queries.

The queue is read as a window: `queue_window` returns the rows from one position of the
queue's order, using the partial indexes on open cases, never the whole caseload.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from db import search, tables
from db.engine import connection_of
from db.tables import cases as cases_t
from db.tables import tasks as tasks_t
from db.tables import users as users_t
from lossmit_tui.domain.events import event_words

if TYPE_CHECKING:
    from db.engine import Reader


@dataclass(frozen=True, slots=True)
class QueueRow:
    case_id: int
    loan_number: str
    borrower_name: str
    phone: str | None
    assignee: str | None
    stage: str
    investor: str
    property_state: str
    next_due_date: date
    fc_sale_date: date | None
    next_action_on: date | None
    next_action_kind: str | None
    urgency: int
    urgency_on: date | None
    last_contact_at: datetime | None
    last_rpc_at: datetime | None
    promise_due_on: date | None
    promise_kept_on: date | None
    missing_docs: int
    occupancy: str
    fdcpa_covered: bool
    cease_communication: bool
    attorney_represented: bool
    assignee_active: bool | None = None  # False: the owner was deactivated (needs a new one)
    fc_hold: str | None = None  # what foreclosure counsel must hold (domain/foreclosure.py)
    act_key: int | None = None  # the stored act-next key (lossmit_tui/domain/act_next.py)


_QUEUE_COLUMNS = (
    cases_t.c.id.label("case_id"), cases_t.c.loan_number, cases_t.c.borrower_name,
    cases_t.c.phone, users_t.c.username.label("assignee"), cases_t.c.stage,
    cases_t.c.investor, cases_t.c.property_state, cases_t.c.next_due_date,
    cases_t.c.fc_sale_date, cases_t.c.next_action_on, cases_t.c.next_action_kind,
    cases_t.c.urgency, cases_t.c.urgency_on, cases_t.c.last_contact_at, cases_t.c.last_rpc_at,
    cases_t.c.promise_due_on, cases_t.c.promise_kept_on, cases_t.c.missing_docs,
    cases_t.c.occupancy, cases_t.c.fdcpa_covered, cases_t.c.cease_communication,
    cases_t.c.attorney_represented, users_t.c.active.label("assignee_active"),
    cases_t.c.fc_hold, cases_t.c.act_key,
)

UNASSIGNED = "unassigned"
ANYONE = "any"


@dataclass(frozen=True)
class QueueFilter:
    """Which open cases a queue shows: a view's rules plus the user's search and filters.

    `assignees` is ANYONE, UNASSIGNED or a tuple of user ids. Dates are already resolved
    against today by the caller."""

    assignees: str | tuple[int, ...] = ANYONE
    due_by: date | None = None  # next action on or before
    regulatory_by: date | None = None  # a regulatory deadline on or before
    sale_by: date | None = None  # a sale date from today up to this day
    sale_from: date | None = None
    broken_promise_before: date | None = None  # promise date passed, not kept
    missing_documents: bool = False
    open_complaints: bool = False  # a complaint on the case is open (the Complaints view)
    stages: tuple[str, ...] = ()
    investors: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    due_dates: tuple[tuple[date, date], ...] = ()  # oldest-unpaid ranges (buckets)
    search: str = ""
    # The loans behind a report's figure (a drill-down from the reports screen): only these.
    case_ids: tuple[int, ...] = ()


class Sort(StrEnum):
    """The orders the queue offers; each has an index behind it on the full caseload."""

    ACT_NEXT = "act_next"
    LOAN = "loan_number"
    BORROWER = "borrower_name"
    DAYS_DELINQUENT = "days_delinquent"
    SALE = "sale_date"
    LAST_CONTACT = "last_contact"
    URGENCY = "urgency"
    STAGE = "stage"
    INVESTOR = "investor"
    ASSIGNEE = "assignee"


# Sorts with no index behind them: offered on views up to this size, where sorting the
# view takes milliseconds (a specialist's or a team's queue); larger views filter first.
UNINDEXED_SORTS = frozenset({Sort.STAGE, Sort.INVESTOR, Sort.ASSIGNEE})
UNINDEXED_SORT_LIMIT = 50_000


def _order(sort: Sort, descending: bool) -> list[sa.ColumnElement[Any]]:
    """ORDER BY terms; ACT_NEXT matches the ix_cases_act index exactly (the stored act-next
    key: lossmit_tui/domain/act_next.py)."""
    c = cases_t.c
    if sort is Sort.ACT_NEXT:
        if descending:
            return [c.act_key.desc(), c.urgency.asc(), c.loan_number.desc()]
        return [c.act_key, c.urgency.desc(), c.loan_number]
    if sort is Sort.LAST_CONTACT:
        # Never contacted first, then the longest ago; matches ix_cases_open_last_contact.
        terms = [c.last_contact_at.is_not(None), c.last_contact_at, c.loan_number]
        return [t.desc() for t in terms] if descending else terms
    assignee_name = (sa.select(users_t.c.username).where(users_t.c.id == c.assignee_id)
                     .scalar_subquery())
    column = {
        Sort.STAGE: c.stage, Sort.INVESTOR: c.investor, Sort.ASSIGNEE: assignee_name,
        Sort.LOAN: c.loan_number, Sort.BORROWER: c.borrower_name,
        # Most days delinquent = the earliest oldest-unpaid due date.
        Sort.DAYS_DELINQUENT: c.next_due_date, Sort.SALE: c.fc_sale_date,
        Sort.URGENCY: c.urgency,
    }[sort]
    # Urgency reads highest first; every other column lowest first. Reversing flips both
    # keys, so the reversed list is exactly the forward one backwards.
    flip = (sort is Sort.URGENCY) != descending
    return [column.desc() if flip else column.asc(),
            c.loan_number.desc() if descending else c.loan_number.asc()]


def filter_conditions(f: QueueFilter, dialect: str = "sqlite", walk_order: bool = False
                      ) -> list[sa.ColumnElement[bool]]:
    """The WHERE terms that select the open cases of a queue filter."""
    c = cases_t.c
    # `closed_at IS NULL` exactly as the partial indexes say it, so the planner uses them.
    where: list[sa.ColumnElement[bool]] = [c.closed_at.is_(None)]
    if f.assignees == UNASSIGNED:
        where.append(c.assignee_id.is_(None))
    elif isinstance(f.assignees, tuple):
        where.append(c.assignee_id.in_(f.assignees) if len(f.assignees) != 1
                     else c.assignee_id == f.assignees[0])
    if f.due_by is not None:
        where += [c.next_action_on.is_not(None), c.next_action_on <= f.due_by]
    if f.regulatory_by is not None:
        where.append(c.reg_due_on <= f.regulatory_by)
    if f.sale_by is not None:
        where.append(c.fc_sale_date <= f.sale_by)
    if f.sale_from is not None:
        where.append(c.fc_sale_date >= f.sale_from)
    if f.broken_promise_before is not None:
        where += [c.promise_due_on < f.broken_promise_before, c.promise_kept_on.is_(None)]
    if f.missing_documents:
        where.append(c.missing_docs > 0)
    if f.open_complaints:  # kept on the case: read through ix_cases_open_complaints_act
        # A literal 0, as the partial index says it: SQLite will not match a bound one.
        where.append(c.open_complaints > sa.literal_column("0"))
    if f.stages:
        where.append(c.stage.in_(f.stages))
    if f.investors:
        where.append(c.investor.in_(f.investors))
    if f.states:
        where.append(c.property_state.in_(f.states))
    if f.due_dates:
        where.append(sa.or_(*[c.next_due_date.between(a, b) for a, b in f.due_dates]))
    if f.case_ids:
        where.append(c.id.in_(f.case_ids))
    if f.search.strip():
        where.append(_search(f.search, dialect, walk_order))
    return where


def _search(text: str, dialect: str, walk_order: bool = False) -> sa.ColumnElement[bool]:
    """Loan number and phone by prefix; borrower names by word start (2 characters) or
    substring (3 or more), case-insensitive. On SQLite the names are looked up in the FTS5
    indexes; every part is an indexed lookup, combined into one id set. On PostgreSQL the
    parts are one condition on the case row (`… OR name ILIKE …`): the planner reads it
    through the loan-number, phone and trigram indexes at once (a BitmapOr) for a few
    matches, or walks the queue's order index testing each case when matches are plentiful;
    the same matches as the id set, without joining it back to a million cases."""
    c = cases_t.c
    term = " ".join(text.split())
    digits = "".join(ch for ch in term if ch.isdigit())
    loan = sa.and_(c.loan_number >= term, c.loan_number < term + "\uffff")
    phone = sa.and_(c.phone >= digits, c.phone < digits + ":") if len(digits) >= 3 else None
    if dialect != "sqlite":
        parts = [loan] + ([phone] if phone is not None else [])
        if len(term) >= 2:
            escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            patterns = [f"%{escaped}%"] if len(term) >= 3 else [f"{escaped}%", f"% {escaped}%"]
            parts += [column.ilike(pattern, escape="\\") for pattern in patterns
                      for column in (c.borrower_name, c.co_borrower_name)]
        return sa.or_(*parts)
    lookups: list[sa.Select] = [sa.select(c.id).where(loan)]
    if phone is not None:
        lookups.append(sa.select(c.id).where(phone))
    if len(term) >= 2:
        table = search.TRIGRAMS if len(term) >= 3 else search.WORDS
        phrase = search.fts_phrase(term, prefix=len(term) < 3)
        lookups.append(sa.select(sa.literal_column("rowid")).select_from(
            sa.table(table)).where(sa.literal_column(table).op("MATCH")(phrase)))
    matches = sa.union(*lookups) if len(lookups) > 1 else lookups[0]
    if walk_order:
        # SQLite's unary "+" keeps this test from driving the query, so the planner walks
        # the act-next index in order and checks each case against the matches.
        return sa.literal_column("+cases.id").in_(matches)
    return c.id.in_(matches)


def _base(f: QueueFilter, dialect: str, walk_order: bool = False
          ) -> sa.Select:
    return sa.select(cases_t.c.id).where(*filter_conditions(f, dialect, walk_order))


DENSE_MATCHES = 2000


def queue_window(session: Reader, f: QueueFilter, offset: int, limit: int,
                 sort: Sort = Sort.ACT_NEXT, descending: bool = False,
                 total: int | None = None, at_least: int | None = None) -> list[QueueRow]:
    """`limit` rows of the queue from position `offset`, in the queue's order.

    The window's ids are read from the index alone, then only those rows are fetched. Given
    the queue's exact `total`, a window past the middle is read from the far end of the index
    in the exact reverse order, so no read walks more than half the queue. `at_least` (a
    capped count) tells a search whether its matches are plentiful."""
    conn = connection_of(session)
    dialect = conn.dialect.name
    if total is not None and offset > total // 2:
        end = min(offset + limit, total)
        backwards = (_base(f, dialect).order_by(*_order(sort, not descending))
                     .offset(total - end).limit(end - offset))
        ids = [r[0] for r in conn.execute(backwards)][::-1]
    else:
        # Many search matches near the top of the order: walking the act-next index and
        # testing each case against the matches beats sorting every match.
        walk = (dialect == "sqlite" and bool(f.search) and f.assignees == ANYONE
                and sort is Sort.ACT_NEXT and not descending and offset <= DENSE_MATCHES
                and max(total or 0, at_least or 0) >= DENSE_MATCHES)
        ids_query = (_base(f, dialect, walk).order_by(*_order(sort, descending))
                     .offset(offset).limit(limit))
        ids = [r[0] for r in conn.execute(ids_query)]
    if not ids:
        return []
    rows = conn.execute(
        sa.select(*_QUEUE_COLUMNS)
        .select_from(cases_t.outerjoin(users_t, cases_t.c.assignee_id == users_t.c.id))
        .where(cases_t.c.id.in_(ids))
    ).mappings()
    by_id = {r["case_id"]: QueueRow(**r) for r in rows}
    return [by_id[i] for i in ids if i in by_id]


def queue_count(session: Reader, f: QueueFilter, cap: int | None = None) -> int:
    """How many open cases the filter selects; with `cap`, counting stops past it (a search
    that matches most of a million cases says "10,000+" instead of counting them all)."""
    conn = connection_of(session)
    where = filter_conditions(f, conn.dialect.name)
    if f.open_complaints and f.assignees == ANYONE:
        # The Complaints view over everyone: SQLite (no statistics unless ANALYZE runs)
        # would count through the narrower index of every open case (seconds at a million
        # cases). A range on the view's own partial index's first column (always true: an
        # act-next key is never negative) makes it count those 50,000 entries instead.
        where.append(cases_t.c.act_key >= 0)
    if cap is None:
        query = sa.select(sa.func.count()).select_from(cases_t).where(*where)
    else:
        capped = sa.select(sa.literal(1)).select_from(cases_t).where(*where).limit(cap + 1)
        query = sa.select(sa.func.count()).select_from(capped.subquery())
    return int(conn.execute(query).scalar_one())


def find_cases(session: Reader, text: str, scope: sa.ColumnElement[bool],
               limit: int) -> list[QueueRow]:
    """Cases (open or closed) whose loan number or phone starts with `text`, or whose
    borrower's name holds it, among those `scope` admits: open cases first, then by loan
    number, at most `limit`. The same indexed lookups as the queue's search."""
    conn = connection_of(session)
    if not text.strip():
        return []
    ids = (sa.select(cases_t.c.id).where(_search(text, conn.dialect.name), scope)
           .order_by(cases_t.c.closed_at.is_not(None), cases_t.c.loan_number).limit(limit))
    found = [r[0] for r in conn.execute(ids)]
    if not found:
        return []
    rows = conn.execute(
        sa.select(*_QUEUE_COLUMNS)
        .select_from(cases_t.outerjoin(users_t, cases_t.c.assignee_id == users_t.c.id))
        .where(cases_t.c.id.in_(found))).mappings()
    by_id = {r["case_id"]: QueueRow(**r) for r in rows}
    return [by_id[i] for i in found if i in by_id]


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
        """The rule behind a regulatory deadline (its citation), else None."""
        return self.source if self.kind == "regulatory_deadline" else None


def _task_select() -> sa.Select:
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


def open_tasks(session: Reader, user_id: int | tuple[int, ...] | None, due: Due, today: date,
               limit: int | None = None,
               between: tuple[date, date | None] | None = None) -> list[TaskRow]:
    """Open tasks (of one assignee, several, or everyone's when `user_id` is None) by due
    date.

    overdue: due before today; today: due today or earlier; week: due by Sunday;
    all: every open task. `between` (first, last day; no last: no end) narrows them to
    those due in that range, and the overdue ones when it takes in today: what a calendar of
    those days shows, an overdue item standing on today."""
    query = (
        _task_select()
        .where(tasks_t.c.status == "open")
        .order_by(tasks_t.c.due_on, cases_t.c.loan_number, tasks_t.c.id)
    )
    if isinstance(user_id, tuple):
        query = query.where(tasks_t.c.assignee_id.in_(user_id))
    elif user_id is not None:
        query = query.where(tasks_t.c.assignee_id == user_id)
    if due is Due.OVERDUE:
        query = query.where(tasks_t.c.due_on < today)
    elif due is Due.TODAY:
        query = query.where(tasks_t.c.due_on <= today)
    elif due is Due.WEEK:
        query = query.where(tasks_t.c.due_on <= end_of_week(today))
    if between is not None:
        first, last = between
        if last is not None:
            query = query.where(tasks_t.c.due_on <= last)
        if not (first <= today and (last is None or today <= last)):
            # Not taking in today: no overdue item (they stand on today), only those due
            # in the range itself (none when it is all in the past).
            query = query.where(tasks_t.c.due_on >= max(first, today))
    if limit is not None:
        query = query.limit(limit)
    return [TaskRow(**m) for m in connection_of(session).execute(query).mappings()]


@dataclass(frozen=True, slots=True)
class UserRow:
    user_id: int
    username: str
    display_name: str
    role: str
    team: str | None
    active: bool


def list_users(session: Reader) -> list[UserRow]:
    """Every user, by team then username."""
    query = sa.select(
        users_t.c.id.label("user_id"), users_t.c.username, users_t.c.display_name,
        users_t.c.role, users_t.c.team, users_t.c.active,
    ).order_by(users_t.c.team.is_(None), users_t.c.team, users_t.c.username)
    return [UserRow(**m) for m in connection_of(session).execute(query).mappings()]


def user_row(session: Reader, username: str) -> UserRow:
    """The user with this username, read without the ORM; UnknownUser (saying how to add
    them) when there is none."""
    from lossmit_tui.domain.errors import UnknownUser

    query = sa.select(
        users_t.c.id.label("user_id"), users_t.c.username, users_t.c.display_name,
        users_t.c.role, users_t.c.team, users_t.c.active,
    ).where(users_t.c.username == username)
    found = connection_of(session).execute(query).mappings().first()
    if found is None:
        raise UnknownUser(username)
    return UserRow(**found)


def team_member_ids(session: Reader, team: str | None) -> tuple[int, ...]:
    """The ids of the active members of a team (empty for no team)."""
    if not team:
        return ()
    query = sa.select(users_t.c.id).where(users_t.c.team == team, users_t.c.active.is_(True))
    return tuple(r[0] for r in connection_of(session).execute(query.order_by(users_t.c.id)))


@dataclass(frozen=True, slots=True)
class CaseDetail:
    """Every stored field of one case (the columns of `cases`), with its assignee's
    username and display name."""

    id: int
    loan_number: str
    borrower_name: str
    co_borrower_name: str | None
    phone: str | None
    email: str | None
    property_address: str | None
    property_city: str | None
    property_state: str
    property_zip: str | None
    property_tz: str | None
    occupancy: str
    investor: str
    upb_cents: int
    note_rate_milli: int | None
    pi_cents: int | None
    escrow_cents: int | None
    next_due_date: date
    origination_date: date | None
    maturity_date: date | None
    property_value_cents: int | None
    fc_referral_date: date | None
    fc_sale_date: date | None
    hardship_reason: str | None
    stage: str
    assignee_id: int | None
    fdcpa_covered: bool
    cease_communication: bool
    attorney_represented: bool
    ssn_last4: str | None
    last_contact_at: datetime | None
    last_rpc_at: datetime | None
    promise_amount_cents: int | None
    promise_due_on: date | None
    promise_kept_on: date | None
    next_action_on: date | None
    next_action_kind: str | None
    urgency: int
    urgency_on: date | None
    act_key: int  # the act-next order's key (lossmit_tui/domain/act_next.py)
    reg_due_on: date | None
    missing_docs: int
    open_complaints: int  # how many of its complaints are open
    version: int
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    fc_hold: str | None  # what foreclosure counsel must hold, why, and the rule
    fc_hold_since: date | None
    mailing_address: str | None
    mailing_city: str | None
    mailing_state: str | None
    mailing_zip: str | None
    mailing_tz: str | None  # resolved from the mailing state and ZIP when they are edited
    phone2: str | None
    best_time: str | None
    preferred_language: str  # the language of the borrower's letters ("en", "es")
    rate_type: str  # fixed, adjustable or step (enums.RateType)
    final_rate_milli: int | None  # a step-rate loan's final rate, an ARM's lifetime cap
    assignee: str | None  # the assignee's username
    assignee_name: str | None  # and display name


def case_detail(session: Reader, case_id: int) -> CaseDetail | None:
    """Every stored field of one case, with its assignee's username; None when it is gone."""
    query = (
        sa.select(cases_t, users_t.c.username.label("assignee"),
                  users_t.c.display_name.label("assignee_name"))
        .select_from(cases_t.outerjoin(users_t, cases_t.c.assignee_id == users_t.c.id))
        .where(cases_t.c.id == case_id)
    )
    row = connection_of(session).execute(query).mappings().first()
    return CaseDetail(**row) if row else None


def case_tasks(session: Reader, case_id: int) -> list[TaskRow]:
    """A case's tasks, open first, then by due date."""
    query = (
        _task_select()
        .where(tasks_t.c.case_id == case_id)
        .order_by(tasks_t.c.status != "open", tasks_t.c.due_on, tasks_t.c.id)
    )
    return [TaskRow(**m) for m in connection_of(session).execute(query).mappings()]


def latest_change(session: Reader) -> int:
    """A number that grows with every write: the newest audit row (every service write has
    one). Cheap to poll on SQLite and PostgreSQL alike."""
    query = sa.select(sa.func.max(tables.audit_events.c.id))
    return int(connection_of(session).execute(query).scalar() or 0)


def writes_touch_case(session: Reader, after: int, case_id: int, loan_number: str) -> bool:
    """Whether a write recorded after audit row `after` may change what a case screen
    shows: a row of this case (the case itself, or anything naming its loan: every call,
    event, task, document and financials row does), or a row naming no case at all (an
    import, a daily pass, a user change), which could touch any case. Rows of other cases
    are the rest: on a busy team, most writes."""
    a = tables.audit_events.c
    named = a.after["case"].as_string()
    found = connection_of(session).execute(sa.select(a.id).where(
        a.id > after,
        sa.or_(sa.and_(a.entity == "case", a.entity_id == str(case_id)),
               named == loan_number, named.is_(None))).limit(1)).first()
    return found is not None


def usernames(session: Reader) -> dict[str, int]:
    """username -> user id, for filters typed by name."""
    return {r.username: r.id for r in connection_of(session).execute(
        sa.select(users_t.c.username, users_t.c.id))}


@dataclass(frozen=True)
class UserContext:
    """What the queue needs to know about the person at the keyboard."""

    user_id: int
    role: str
    team_ids: tuple[int, ...]
    users: dict[str, int]
    change: int


def user_context(session: Reader, user_id: int, role: str, team: str | None) -> UserContext:
    """The user's team, every username (for filters) and the current change number."""
    return UserContext(user_id, role, team_member_ids(session, team), usernames(session),
                       latest_change(session))


@dataclass(frozen=True, slots=True)
class RecentCall:
    """A call as the contact rules count it: when, which way, how it ended, which number."""

    at: datetime
    direction: str
    result: str
    number: str = "personal"


def recent_calls(session: Reader, case_id: int, since: datetime) -> list[RecentCall]:
    """A case's calls since a moment, newest first: inbound ones too (a conversation counts
    for Reg F), never an amendment of a note (a correction is not a call)."""
    notes = tables.call_notes
    query = (sa.select(notes.c.called_at, notes.c.direction, notes.c.result,
                       notes.c.number_kind)
             .where(notes.c.case_id == case_id, notes.c.called_at >= since,
                    notes.c.amends_id.is_(None))
             .order_by(notes.c.called_at.desc()))
    return [RecentCall(_aware(r.called_at), r.direction, r.result, r.number_kind)
            for r in connection_of(session).execute(query)]


@dataclass(frozen=True, slots=True)
class NoteView:
    """One call note as the amend form shows it and starts from."""

    id: int
    case_id: int
    called_at: datetime
    author: str | None
    direction: str
    party: str
    result: str
    number: str
    outcomes: tuple[str, ...]
    promise_amount_cents: int | None
    promise_date: date | None
    body: str
    amends_id: int | None
    qrpc: dict[str, str]


def call_note(session: Reader, case_id: int, note_id: int) -> NoteView | None:
    """A note of a case (None when it is not one of this case's)."""
    notes = tables.call_notes
    r = connection_of(session).execute(
        sa.select(notes, users_t.c.username).select_from(
            notes.outerjoin(users_t, notes.c.author_id == users_t.c.id))
        .where(notes.c.id == note_id, notes.c.case_id == case_id)).first()
    if r is None:
        return None
    return NoteView(r.id, r.case_id, _aware(r.called_at), r.username, r.direction, r.party,
                    r.result, r.number_kind, tuple(r.outcome_codes or ()),
                    r.promise_amount_cents, r.promise_date, r.body, r.amends_id,
                    {str(k): str(v) for k, v in (r.qrpc or {}).items()})


def qrpc_text(values: dict[str, str], complete: bool) -> str:
    """The quality-contact attributes of a note in one line, for the timeline."""
    order = ("hardship", "duration", "occupancy", "ability", "options", "commitment")
    shown = [values[k].replace("_", " ") for k in order if values.get(k)]
    if values.get("options_reason"):
        shown.append(f"({values['options_reason']})")
    return ("QRPC: " if complete else "quality contact (incomplete): ") + " · ".join(shown)


@dataclass(frozen=True, slots=True)
class TimelineItem:
    at: datetime
    kind: str  # call, event, task
    text: str
    author: str | None
    seq: int = 0  # the row's id: among equal times, the later record first
    timed: bool = True  # False: an event known by its day only (back-dated)


# Among records of the same moment (one transaction), what caused the others comes first:
# the event, then the tasks it raised (the list is newest first, so they show above it).
_KIND_ORDER = {"event": 0, "call": 1, "task": 2}


def _event_moment(occurred_on: date, created_at: datetime, zone: tzinfo) -> tuple[datetime,
                                                                                   bool]:
    """When an event happened, as best known: the moment it was recorded when that was on
    its day (in `zone`), else the start of its day (a back-dated event has no time)."""
    recorded = _aware(created_at)
    if recorded.astimezone(zone).date() == occurred_on:
        return recorded, True
    return datetime.combine(occurred_on, time.min, zone).astimezone(UTC), False


def case_timeline(session: Reader, case_id: int, zone: tzinfo = UTC) -> list[TimelineItem]:
    """Calls, events and task changes of a case in one list, newest first, by the moment
    each happened. An event recorded on its own day sits at the time it was recorded; a
    back-dated one, known by its day only, at the start of that day in `zone` (the zone
    the list is shown in), below everything else of that day."""
    notes, events = tables.call_notes, tables.case_events
    conn = connection_of(session)
    items: list[TimelineItem] = []
    for r in conn.execute(
        sa.select(notes, users_t.c.username).select_from(
            notes.outerjoin(users_t, notes.c.author_id == users_t.c.id))
        .where(notes.c.case_id == case_id)
    ):
        head = f"{r.direction} call, {r.party.replace('_', ' ')}: {r.result.replace('_', ' ')}"
        if r.outcome_codes:
            head += " · " + ", ".join(o.replace("_", " ") for o in r.outcome_codes)
        if r.promise_amount_cents:
            head += f" · promise {r.promise_amount_cents / 100:,.2f} by {r.promise_date}"
        if r.number_kind != "personal":
            head += f" · {r.number_kind} number"
        if r.amends_id:
            head = f"amends note #{r.amends_id} · " + head
        if r.qrpc_complete:
            head = "QRPC · " + head
        text = f"#{r.id} {head}"
        if r.qrpc:
            text += "\n" + qrpc_text(r.qrpc, bool(r.qrpc_complete))
        text += f"\n{r.body}" if r.body else ""
        items.append(TimelineItem(_aware(r.called_at), "call", text, r.username, r.id))
    for r in conn.execute(
        sa.select(events, users_t.c.username).select_from(
            events.outerjoin(users_t, events.c.author_id == users_t.c.id))
        .where(events.c.case_id == case_id)
    ):
        text = event_words(r.kind)
        if r.kind == "reassigned":
            text += (f" {r.payload.get('from') or 'unassigned'} → {r.payload.get('to')}"
                     f" · {r.payload.get('reason')}")
        if r.payload.get("stage"):
            text += f" → {r.payload['stage'].replace('_', ' ')}"
        if r.reason:
            text += f" (back-dated: {r.reason})"
        if r.payload.get("note"):
            text += f"\n{r.payload['note']}"
        at, timed = _event_moment(r.occurred_on, r.created_at, zone)
        items.append(TimelineItem(at, "event", text, r.username, r.id, timed))
    for r in conn.execute(sa.select(tasks_t).where(tasks_t.c.case_id == case_id)):
        label = f"{r.kind.replace('_', ' ')}: {r.title} (due {r.due_on})"
        items.append(TimelineItem(_aware(r.created_at), "task", f"task added · {label}", None,
                                  r.id))
        if r.completed_at is not None:
            done = f"task {r.status} · {label}"
            if r.completion_note:
                done += f"\n{r.completion_note}"
            items.append(TimelineItem(_aware(r.completed_at), "task", done, None, r.id))
    return sorted(items, key=lambda i: (i.at, _KIND_ORDER[i.kind], i.seq), reverse=True)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class AuditRow:
    at: datetime
    username: str
    entity: str
    entity_id: str | None
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    audit_id: int = 0


def case_audit(session: Reader, case_id: int, loan_number: str) -> list[AuditRow]:
    """Who changed what on a case, newest first: the case row itself, and the notes and
    tasks recorded against its loan number."""
    return audit_trail(session, AuditFilter(case_id=case_id, loan_number=loan_number))


@dataclass(frozen=True, slots=True)
class DocRow:
    doc_id: int
    doc_type: str
    status: str
    requested_on: date | None
    received_on: date | None
    decided_on: date | None
    document_date: date | None


def case_documents(session: Reader, case_id: int) -> list[DocRow]:
    """A case's document checklist, in the order requested."""
    docs = tables.documents
    query = (sa.select(docs.c.id.label("doc_id"), docs.c.doc_type, docs.c.status,
                       docs.c.requested_on, docs.c.received_on, docs.c.decided_on,
                       docs.c.document_date)
             .where(docs.c.case_id == case_id).order_by(docs.c.id))
    return [DocRow(**m) for m in connection_of(session).execute(query).mappings()]


@dataclass(frozen=True, slots=True)
class FinancialsRow:
    taken_on: date
    author: str | None
    incomes: dict[str, Any]
    expenses: dict[str, Any]
    liquid_assets_cents: int


def case_financials(session: Reader, case_id: int) -> list[FinancialsRow]:
    """A case's saved financial snapshots, newest first."""
    fin = tables.financials
    query = (sa.select(fin.c.taken_on, users_t.c.username.label("author"), fin.c.incomes,
                       fin.c.expenses, fin.c.liquid_assets_cents)
             .select_from(fin.outerjoin(users_t, fin.c.author_id == users_t.c.id))
             .where(fin.c.case_id == case_id).order_by(fin.c.taken_on.desc(), fin.c.id.desc()))
    return [FinancialsRow(**m) for m in connection_of(session).execute(query).mappings()]


# --- the due-date tracker -------------------------------------------------------------------

BUCKETS = ("overdue", "today", "tomorrow", "this_week", "later")


def bucket_ranges(today: date) -> dict[str, tuple[date | None, date | None]]:
    """Each tracker bucket as an inclusive due-date range (None: open-ended). The same
    buckets as `task_bucket`: tomorrow wins over "this week", which ends on Sunday."""
    tomorrow = today + timedelta(days=1)
    week_end = end_of_week(today)
    return {
        "overdue": (None, today - timedelta(days=1)),
        "today": (today, today),
        "tomorrow": (tomorrow, tomorrow),
        "this_week": (today + timedelta(days=2), week_end),  # empty from Saturday on
        "later": (max(week_end, tomorrow) + timedelta(days=1), None),
    }


def _assigned(assignees: tuple[int, ...] | None) -> list[sa.ColumnElement[bool]]:
    if assignees is None:
        return []
    if len(assignees) == 1:
        return [tasks_t.c.assignee_id == assignees[0]]
    return [tasks_t.c.assignee_id.in_(assignees)]


def tracker_counts(session: Reader, assignees: tuple[int, ...] | None, today: date,
                   cap: int | None = None) -> dict[str, int]:
    """Open tasks (deadlines included) per bucket, for one or more assignees or everyone:
    one range count per bucket on the (assignee,) status, due-date index. With `cap`, a
    bucket stops counting past it (cap + 1 means "more than cap"): counting every entry of
    a million-task bucket takes a tenth of a second, the first 50,000 a few milliseconds."""
    conn = connection_of(session)
    counts: dict[str, int] = {}
    for name, (start, end) in bucket_ranges(today).items():
        if start is not None and end is not None and start > end:
            counts[name] = 0
            continue
        where = [tasks_t.c.status == "open", *_assigned(assignees)]
        if start is not None:
            where.append(tasks_t.c.due_on >= start)
        if end is not None:
            where.append(tasks_t.c.due_on <= end)
        query = sa.select(tasks_t.c.id).where(*where)
        if cap is not None:
            query = query.limit(cap + 1)
        counts[name] = int(conn.execute(
            sa.select(sa.func.count()).select_from(query.subquery())).scalar_one())
    return counts


def tracker_items(session: Reader, assignees: tuple[int, ...] | None,
                  start: date | None, end: date | None, limit: int) -> list[TaskRow]:
    """Open tasks due in [start, end] (either end open), earliest first, at most `limit`."""
    status: sa.ColumnElement[str] = tasks_t.c.status
    if assignees is not None and len(assignees) > 1:
        # A team: seek each member's tasks on the assignee index and sort the few thousand.
        # Left to itself the planner walks the whole book in due order on the status index
        # and filters (1.7 s at a million tasks); `status || ''` keeps it off that index.
        status = status.concat("")
    where = [status == "open", *_assigned(assignees)]
    if start is not None:
        where.append(tasks_t.c.due_on >= start)
    if end is not None:
        where.append(tasks_t.c.due_on <= end)
    # The page's ids first, from the index alone; then the joins for those rows only.
    page = (sa.select(tasks_t.c.id).where(*where)
            .order_by(tasks_t.c.due_on, tasks_t.c.id).limit(limit)).scalar_subquery()
    query = (_task_select().where(tasks_t.c.id.in_(page))
             .order_by(tasks_t.c.due_on, tasks_t.c.id))
    return [TaskRow(**m) for m in connection_of(session).execute(query).mappings()]


def tracker_month(session: Reader, assignees: tuple[int, ...] | None, first: date,
                  last: date) -> dict[date, int]:
    """Open tasks due on each day from `first` to `last`."""
    query = (sa.select(tasks_t.c.due_on, sa.func.count())
             .where(tasks_t.c.status == "open", *_assigned(assignees),
                    tasks_t.c.due_on >= first, tasks_t.c.due_on <= last)
             .group_by(tasks_t.c.due_on))
    return {r[0]: int(r[1]) for r in connection_of(session).execute(query)}


# --- team leads: the board and the audit trail ------------------------------------------------


@dataclass(frozen=True, slots=True)
class BoardRow:
    user_id: int
    username: str
    display_name: str
    role: str
    active: bool
    open_cases: int
    due_today: int
    overdue: int
    regulatory_soon: int  # regulatory deadlines due today .. today + 5
    regulatory_missed: int
    calls_today: int
    calls_week: int
    rpc_week: int
    never_contacted: int  # open cases with no contact on record
    oldest_contact_at: datetime | None  # the longest-untouched contacted case's last contact
    oldest_loan: str | None  # that case (or a never-contacted one)

    @property
    def rpc_rate(self) -> float | None:
        return self.rpc_week / self.calls_week if self.calls_week else None


def board_members(session: Reader, role: str, team: str | None) -> list[UserRow]:
    """Whose rows a lead's board shows: their team (specialists and leads, deactivated ones
    too, since their cases need a new owner). An admin sees every team."""
    query = sa.select(
        users_t.c.id.label("user_id"), users_t.c.username, users_t.c.display_name,
        users_t.c.role, users_t.c.team, users_t.c.active,
    ).where(users_t.c.role != "admin").order_by(users_t.c.username)
    if role != "admin":
        query = query.where(users_t.c.team == team) if team else query.where(sa.false())
    return [UserRow(**m) for m in connection_of(session).execute(query).mappings()]


def _by_person(conn: sa.Connection, key: sa.ColumnElement[Any],
               *figures: sa.ColumnElement[Any], where: list[sa.ColumnElement[bool]],
               ids: list[int]) -> dict[int, tuple[int, ...]]:
    """Figures per person, one grouped query over an index range per person."""
    rows = conn.execute(sa.select(key, *figures).where(key.in_(ids), *where).group_by(key))
    return {r[0]: tuple(int(v or 0) for v in r[1:]) for r in rows}


def open_case_counts(session: Reader, user_ids: list[int]) -> dict[int, int]:
    """Open cases per user (0 for none): one grouped query over their index ranges."""
    found = _by_person(connection_of(session), cases_t.c.assignee_id, sa.func.count(),
                       where=[cases_t.c.closed_at.is_(None)], ids=user_ids) if user_ids else {}
    return {uid: found.get(uid, (0,))[0] for uid in user_ids}


def team_board(session: Reader, members: list[UserRow], today: date,
               week_start: datetime, day_start: datetime) -> list[BoardRow]:
    """One row of workload figures per member. Five grouped queries, each reading index
    ranges of the members only (open cases by owner and last contact, open tasks by owner and
    date, calls by author and time), and one look-up per member for the longest-untouched
    case."""
    conn = connection_of(session)
    notes = tables.call_notes
    ids = [m.user_id for m in members]
    if not ids:
        return []
    one = sa.literal(1)
    open_cases = _by_person(
        conn, cases_t.c.assignee_id, sa.func.count(),
        sa.func.sum(sa.case((cases_t.c.last_contact_at.is_(None), one), else_=0)),
        where=[cases_t.c.closed_at.is_(None)], ids=ids)
    due = _by_person(
        conn, tasks_t.c.assignee_id,
        sa.func.sum(sa.case((tasks_t.c.due_on == today, one), else_=0)),
        sa.func.sum(sa.case((tasks_t.c.due_on < today, one), else_=0)),
        where=[tasks_t.c.status == "open", tasks_t.c.due_on <= today], ids=ids)
    deadlines = _by_person(
        conn, tasks_t.c.assignee_id,
        sa.func.sum(sa.case((tasks_t.c.due_on >= today, one), else_=0)),
        sa.func.sum(sa.case((tasks_t.c.due_on < today, one), else_=0)),
        where=[tasks_t.c.status == "open", tasks_t.c.kind == "regulatory_deadline",
               tasks_t.c.due_on <= today + timedelta(days=5)], ids=ids)
    calls = _by_person(
        conn, notes.c.author_id, sa.func.count(),
        sa.func.sum(sa.case((notes.c.result == "right_party_contact", one), else_=0)),
        sa.func.sum(sa.case((notes.c.called_at >= day_start, one), else_=0)),
        # attempts only: calls we placed, never an inbound call or an amendment of a note
        where=[notes.c.called_at >= week_start, notes.c.direction == "outbound",
               notes.c.amends_id.is_(None)], ids=ids)
    rows = []
    for m in members:
        count, never = open_cases.get(m.user_id, (0, 0))
        oldest = None
        oldest_loan = None
        if count:
            found = conn.execute(
                sa.select(cases_t.c.loan_number, cases_t.c.last_contact_at)
                .where(cases_t.c.assignee_id == m.user_id, cases_t.c.closed_at.is_(None))
                .order_by(cases_t.c.last_contact_at.nulls_first()).limit(1)).first()
            if found is not None:
                oldest_loan, oldest = found[0], found[1]
        week, rpc, today_calls = calls.get(m.user_id, (0, 0, 0))
        due_today, overdue = due.get(m.user_id, (0, 0))
        soon, missed = deadlines.get(m.user_id, (0, 0))
        rows.append(BoardRow(
            m.user_id, m.username, m.display_name, m.role, m.active, open_cases=count,
            due_today=due_today, overdue=overdue, regulatory_soon=soon,
            regulatory_missed=missed, calls_today=today_calls, calls_week=week,
            rpc_week=rpc, never_contacted=never,
            oldest_contact_at=_aware(oldest) if oldest else None, oldest_loan=oldest_loan))
    return rows


@dataclass(frozen=True)
class AuditFilter:
    """What `lossmit audit` and the audit screen narrow the trail to."""

    case_id: int | None = None
    loan_number: str | None = None
    username: str | None = None
    since: date | None = None
    action: str | None = None

    def describe(self) -> str:
        parts = [f"case={self.loan_number}" if self.loan_number else "",
                 f"user={self.username}" if self.username else "",
                 f"since={self.since.isoformat()}" if self.since else "",
                 f"action={self.action}" if self.action else ""]
        return " ".join(p for p in parts if p)


def audit_trail(session: Reader, f: AuditFilter, limit: int | None = None,
                before_id: int | None = None) -> list[AuditRow]:
    """Audit rows, newest first, narrowed by `f`; `before_id` pages further back."""
    audit_t = tables.audit_events
    query = sa.select(audit_t).order_by(audit_t.c.id.desc())
    if f.case_id is not None or f.loan_number is not None:
        query = query.where(sa.or_(
            sa.and_(audit_t.c.entity == "case", audit_t.c.entity_id == str(f.case_id)),
            audit_t.c.after["case"].as_string() == (f.loan_number or ""),
        ))
    if f.username:
        query = query.where(audit_t.c.username == f.username)
    if f.since:
        query = query.where(audit_t.c.at >= datetime.combine(f.since, datetime.min.time(), UTC))
    if f.action:
        query = query.where(audit_t.c.action == f.action)
    if before_id is not None:
        query = query.where(audit_t.c.id < before_id)
    if limit is not None:
        query = query.limit(limit)
    return [AuditRow(_aware(r.at), r.username, r.entity, r.entity_id, r.action, r.before,
                     r.after, r.id) for r in connection_of(session).execute(query)]
