"""Reports for management: the store's history, calls, events and deadlines read for a span
of months and handed to the pure metrics (lossmit_tui/domain/metrics.py), one `Figure` per
metric, month and group.

Who sees what: a lead or an admin sees the whole book, by portfolio, team, specialist or
investor; a specialist sees the loans assigned to them only, as one group (their own). A
loan's group is where it stands now (its current owner, the owner's team, its investor):
the history keeps the loan's status, not who worked it then.
"""

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from db.tables import (
    call_notes,
    case_events,
    cases,
    complaints,
    loan_status_history,
    tasks,
    users,
)
from lossmit_tui.domain import metrics as m
from lossmit_tui.domain.complaints import (
    CLOCK_GROUPS,
    ComplaintType,
    Finding,
    clock_outcomes,
    top_root_causes,
)
from lossmit_tui.domain.enums import (
    CLOSED_STAGES,
    CallDirection,
    CallResult,
    EventKind,
    Role,
    Stage,
    TaskKind,
)
from lossmit_tui.services.access import require_active
from lossmit_tui.services.complaint_clocks import facts_of
from lossmit_tui.services.errors import InvalidInput, PermissionDenied
from lossmit_tui.services.users import require_user
from lossmit_tui.services.workspace import Workspace


class By(StrEnum):
    PORTFOLIO = "portfolio"
    TEAM = "team"
    USER = "user"
    INVESTOR = "investor"


# Each report: its name, what it holds (for `lossmit report --help` and the README).
REPORTS: dict[str, str] = {
    "scorecard": "the headline figure of every metric",
    "delinquency": "roll rates, cure rate, transition to 60+, re-default after modification",
    "contact": "contact attempts per delinquent loan, right-party contact, promises, live "
               "and quality right-party contact by day 36",
    "applications": "acknowledgment timeliness, completion, days to complete, decisions, "
                    "trial conversion",
    "deadlines": "deadline compliance by regulatory clock, written-notice timeliness, open "
                 "tasks and open deadlines by age",
    "workouts": "workouts started by type and their mix, trial starts before day 210",
    "pipeline": "open loans by stage, with their median days in it",
    "productivity": "per specialist: contacts per day, applications, decisions, touches, "
                    "caseload",
    "complaints": "complaints received by type, on time per clock, errors found, remediation "
                  "total, top root causes",
}
# How far back before the first month a report reads: the 12-month re-default cohort.
LOOKBACK_MONTHS = 13


@dataclass(frozen=True)
class Figure:
    """One metric's value for one month and group, with what it rests on. `unit`: "rate"
    (a share, 0 to 1), "per_loan", "days", "count", "per_day" or "cents" (money); `ids` are
    the loans behind the number (what a drill-down opens), read again from the store on
    demand."""

    report: str
    group: str
    month: date
    metric: str
    value: float | None
    unit: str
    numerator: int | None = None
    denominator: int | None = None
    source: "_Source | None" = field(default=None, compare=False, repr=False)

    @property
    def ids(self) -> frozenset[int]:
        """The loans behind the number (what a drill-down opens), read from the store when
        asked: the figure's own query, for its month and group."""
        return frozenset() if self.source is None else _drill(self.source)

    def row(self) -> dict[str, Any]:
        """The figure as an output row (no loan ids)."""
        return {"report": self.report, "group": self.group, "month": self.month,
                "metric": self.metric, "value": self.value, "unit": self.unit,
                "numerator": self.numerator, "denominator": self.denominator}


COLUMNS = ["report", "group", "month", "metric", "value", "unit", "numerator", "denominator"]


def parse_month(text: str, field: str = "--month") -> date:
    """YYYY-MM as the month's first day; InvalidInput naming the field otherwise."""
    try:
        year, month = text.strip().split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError(text)
        return date(int(year), int(month), 1)
    except ValueError:
        raise InvalidInput(
            f"{field}: {text!r} is not a month; use YYYY-MM, like 2026-06") from None


def months_between(first: date, last: date) -> list[date]:
    """Every month from `first` to `last`, both included (first days)."""
    if last < first:
        raise InvalidInput("--to: the last month is before the first (--from)")
    out, month = [], first.replace(day=1)
    while month <= last:
        out.append(month)
        month = m.add_months(month, 1)
    if len(out) > 36:
        raise InvalidInput("--from/--to: at most 36 months in one report")
    return out


def _group_column(by: By) -> sa.ColumnElement[Any]:
    if by == By.INVESTOR:
        return cases.c.investor
    if by == By.USER:
        return sa.func.coalesce(users.c.username, "(unassigned)")
    if by == By.TEAM:
        return sa.func.coalesce(users.c.team, "(no team)")
    return sa.literal("portfolio")


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


# --- the store's side: each figure a grouped count in SQL, its loans the same query ------
#
# A family of figures shares one query per month: its rows (one per loan, call or
# deadline) carry a condition per figure; the totals are the conditions' counts grouped by
# the report's group column, and a drill-down is the same query's case ids where the
# figure's condition holds in the group. The day-by-day definitions are the pure functions
# of domain/metrics.py; tests/test_store_report_parity.py runs both over the same histories.
# The few figures over small sets (the month's applications, promises, modifications) read
# just those rows and apply the pure functions themselves.

h = loan_status_history
_LIQUIDATED = sorted(s.value for s in m.LIQUIDATED)
_CLOSED = sorted(s.value for s in CLOSED_STAGES)
_APP_KINDS = [k.value for k in (
    EventKind.APPLICATION_RECEIVED, EventKind.APPLICATION_COMPLETE,
    EventKind.ACKNOWLEDGMENT_SENT, EventKind.OFFER_SENT, EventKind.DENIED,
    EventKind.TRIAL_STARTED, EventKind.PLAN_STARTED, EventKind.FAILED_TO_PERFORM,
    EventKind.MODIFICATION_EFFECTIVE)]
# the events that close an application figure in their month (what makes a loan count)
_APP_ENDS = [k.value for k in (
    EventKind.APPLICATION_RECEIVED, EventKind.APPLICATION_COMPLETE, EventKind.OFFER_SENT,
    EventKind.DENIED, EventKind.FAILED_TO_PERFORM, EventKind.MODIFICATION_EFFECTIVE)]
_DECISIONS = sorted(k.value for k in m.DECISIONS)
# SQLite has no statistics to choose by (db/engine.py): each query names its index.
# the open intervals and the closed ones by end day (partial, so that the history writer's
# "the open interval of these loans" keeps its unique index)
_OPEN = "INDEXED BY ix_loan_status_history_open_status"
_CLOSED_SINCE = "INDEXED BY ix_loan_status_history_closed"
_CASE_STAGE = "INDEXED BY ix_loan_status_history_case_stage"
_CALLED = "INDEXED BY ix_call_notes_called"
_KIND_DAY = "INDEXED BY ix_case_events_day_kind"
_CASE_DAY = "INDEXED BY ix_case_events_case_occurred"


@dataclass(frozen=True)
class _Scope:
    """Whose loans (all, or `own`'s) and what groups them."""

    ws: Workspace = field(compare=False)
    own: int | None
    by: By

    def loans_of_scope(self, column: sa.ColumnElement[int]) -> list[sa.ColumnElement[bool]]:
        """A filter on a case id column keeping the scope's loans (nothing for the book)."""
        if self.own is None:
            return []
        return [column.in_(sa.select(cases.c.id).where(cases.c.assignee_id == self.own))]


def _grouped(scope: _Scope, rows: sa.Subquery) -> tuple[sa.FromClause, sa.ColumnElement[Any],
                                                        list[sa.ColumnElement[bool]]]:
    """`rows` (already kept to the scope's loans) with each row's group, read from its
    case (and owner) by the case id: the from clause, the group expression and a filter
    (none). A correlated lookup, not a join: SQLite without statistics may otherwise walk
    every case and search the rows for each."""
    if scope.by == By.PORTFOLIO:
        return rows, sa.literal("portfolio"), []
    source: sa.FromClause = cases
    if scope.by in (By.USER, By.TEAM):
        source = cases.outerjoin(users, users.c.id == cases.c.assignee_id)
    grp = (sa.select(_group_column(scope.by)).select_from(source)
           .where(cases.c.id == rows.c.case_id).correlate(rows).scalar_subquery())
    return rows, grp, []


def _thresholds(day: date) -> list[date]:
    """For k = 1..4: the latest oldest-unpaid due date with at least k later due dates
    passed by `day` (the largest x with add_months(x, k) <= day: add_months only grows with
    x, so "k installments missed" is "due date on or before it")."""
    out = []
    for k in range(1, 5):
        x = m.add_months(day, -k)
        while m.add_months(x + timedelta(days=1), k) <= day:
            x += timedelta(days=1)
        while m.add_months(x, k) > day:
            x -= timedelta(days=1)
        out.append(x)
    return out


def _rank(day: date, due: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
    """The MBA bucket on `day` of an oldest unpaid due date, as 0 (current) to 4 (120+):
    domain/delinquency.py `bucket`, as date comparisons."""
    t1, t2, t3, t4 = _thresholds(day)
    return sa.case((due.is_(None), 0), (due <= t4, 4), (due <= t3, 3), (due <= t2, 2),
                   (due <= t1, 1), else_=0)


def _covers(day: date) -> sa.ColumnElement[bool]:
    return sa.and_(h.c.valid_from <= day, sa.or_(h.c.valid_to.is_(None), h.c.valid_to > day))


def _day_before(conn: Connection, column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    return _days_after(conn, column, -1)


def _days_after(conn: Connection, column: sa.ColumnElement[Any],
                days: int) -> sa.ColumnElement[Any]:
    """A date column moved by `days` (negative: back)."""
    if conn.dialect.name == "sqlite":
        return sa.func.date(column, f"{days:+d} day")
    return column + sa.literal_column(str(int(days)))


def _utc_day(conn: Connection, column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """A stored UTC timestamp's date."""
    if conn.dialect.name == "sqlite":
        return sa.func.substr(column, 1, 10)
    return sa.cast(sa.func.timezone("UTC", column), sa.Date)


def _flag(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.sum(sa.case((condition, 1), else_=0))


def _status_rows(conn: Connection, scope: _Scope, month: date) -> sa.Subquery:
    """One row per loan with a status in the book at the month's end, the prior month's
    end or three months before (r1, r0, r3: the bucket rank then, NULL when the loan had
    no status or was liquidated; `status_on` reads the one interval covering the day)."""
    d1, d0, d3 = (m.month_end(m.prior_month(month, n)) for n in (0, 1, 3))
    in_book = h.c.stage.not_in(_LIQUIDATED)

    def rank_on(day: date) -> sa.ColumnElement[Any]:
        return sa.func.max(sa.case((sa.and_(_covers(day), in_book),
                                    _rank(day, h.c.oldest_unpaid_due)), else_=None))

    return (sa.select(h.c.case_id.label("case_id"), rank_on(d3).label("r3"),
                      rank_on(d0).label("r0"), rank_on(d1).label("r1"))
            .where(h.c.valid_from <= d1, sa.or_(h.c.valid_to.is_(None), h.c.valid_to > d3),
                   *scope.loans_of_scope(h.c.case_id))
            .group_by(h.c.case_id)
            .with_hint(h, "INDEXED BY ix_loan_status_history_case_from", "sqlite")
            .subquery("status"))


def _delinquent_rows(conn: Connection, scope: _Scope, month: date) -> sa.Subquery:
    """The loans delinquent in the month (`delinquent_in_month`): an interval in the book
    overlapping the month, not empty, whose oldest unpaid due date is before the last day
    it covers in the month."""
    first, last = month, m.month_end(month)
    common = [h.c.valid_from <= last, h.c.stage.not_in(_LIQUIDATED),
              h.c.oldest_unpaid_due.is_not(None), h.c.oldest_unpaid_due < last,
              *scope.loans_of_scope(h.c.case_id)]
    still_open = (sa.select(h.c.case_id.label("case_id"))
                  .where(h.c.valid_to.is_(None), *common).with_hint(h, _OPEN, "sqlite"))
    closed = (sa.select(h.c.case_id.label("case_id"))
              .where(h.c.valid_to > first, h.c.valid_to > h.c.valid_from,
                     h.c.oldest_unpaid_due < _day_before(conn, h.c.valid_to), *common)
              .with_hint(h, _CLOSED_SINCE, "sqlite"))
    return sa.union(still_open, closed).subquery("delinquent")


def _month_calls(scope: _Scope, month: date) -> sa.Subquery:
    """The month's calls (never amendments) per loan: outbound attempts, right-party
    contacts, right-party contacts that took a promise."""
    c = call_notes
    rpc = c.c.result == CallResult.RPC.value
    return (sa.select(c.c.case_id.label("case_id"),
                      _flag(c.c.direction == CallDirection.OUTBOUND.value).label("attempts"),
                      _flag(rpc).label("rpcs"),
                      _flag(sa.and_(rpc, c.c.promise_date.is_not(None))).label("promises"))
            .where(c.c.amends_id.is_(None), c.c.called_at >= _midnight(month),
                   c.c.called_at < _midnight(m.add_months(month, 1)),
                   *scope.loans_of_scope(c.c.case_id))
            .group_by(c.c.case_id).with_hint(c, _CALLED, "sqlite").subquery("calls"))


def _contact_rows(conn: Connection, scope: _Scope, month: date) -> sa.Subquery:
    d = _delinquent_rows(conn, scope, month)
    c = _month_calls(scope, month)
    return (sa.select(d.c.case_id, sa.func.coalesce(c.c.attempts, 0).label("attempts"),
                      sa.func.coalesce(c.c.rpcs, 0).label("rpcs"))
            .select_from(d.outerjoin(c, c.c.case_id == d.c.case_id)).subquery("contact"))


def _deadline_rows(conn: Connection, scope: _Scope, month: date) -> sa.Subquery:
    """The regulatory deadlines due in the month, each met (done on or before its day, the
    completion's UTC date) or not."""
    t = tasks
    met = sa.and_(t.c.status == "done", t.c.completed_at.is_not(None),
                  _utc_day(conn, t.c.completed_at) <= t.c.due_on)
    return (sa.select(t.c.case_id.label("case_id"), t.c.source.label("clock"),
                      sa.case((met, 1), else_=0).label("met"))
            .where(t.c.kind == TaskKind.REGULATORY_DEADLINE.value, t.c.due_on >= month,
                   t.c.due_on <= m.month_end(month), *scope.loans_of_scope(t.c.case_id))
            .subquery("deadlines"))


def _pipeline_rows(conn: Connection, scope: _Scope, month: date) -> sa.Subquery:
    """The loans open (stage not closed) at the month's end, with their stage."""
    day = m.month_end(month)
    columns = (h.c.case_id.label("case_id"), h.c.stage.label("stage"),
               h.c.valid_from.label("valid_from"))
    common = [h.c.valid_from <= day, h.c.stage.not_in(_CLOSED),
              *scope.loans_of_scope(h.c.case_id)]
    return sa.union_all(
        sa.select(*columns).where(h.c.valid_to.is_(None), *common)
        .with_hint(h, _OPEN, "sqlite"),
        sa.select(*columns).where(h.c.valid_to > day, *common)
        .with_hint(h, _CLOSED_SINCE, "sqlite")).subquery("pipeline")


_ROLL_NAMES = {0: "roll current->30+", 1: "roll 30->60+", 2: "roll 60->90+",
               3: "roll 90->120+"}


def _status_figures() -> dict[str, tuple[Any, Any]]:
    """Each delinquency-flow figure's (numerator, denominator) conditions over the status
    rows (`_flow` in domain/metrics.py): the loan in the book at both month ends."""
    def spec(was: Any, became: Any) -> tuple[Any, Any]:
        def base(s: sa.Subquery) -> sa.ColumnElement[bool]:
            return sa.and_(s.c.r1.is_not(None), was(s))

        def num(s: sa.Subquery) -> sa.ColumnElement[bool]:
            return sa.and_(base(s), became(s))
        return num, base

    out = {label: spec(lambda s, b=b: s.c.r0 == b, lambda s, b=b: s.c.r1 > b)
           for b, label in _ROLL_NAMES.items()}
    out[_CURE] = spec(lambda s: s.c.r3 >= 2, lambda s: s.c.r1 == 0)
    out[_TRANSITION] = spec(lambda s: s.c.r0 <= 1, lambda s: s.c.r1 >= 2)
    return out


_CURE = "cure rate (60+ three months before)"
_TRANSITION = "transition to 60+"
_ATTEMPTS = "contact attempts per delinquent loan"
_RPC = "right-party contact rate"
_PTP = "promise-to-pay rate"
_KEPT = "promise-kept rate"
_DEADLINES = "deadlines met on time"
_PIPELINE = "open loans in the pipeline"


def _redefault_name(n: int) -> str:
    return f"re-default {n} months after modification"


@dataclass(frozen=True)
class _Source:
    """What a figure's loans are read back with: its scope, month, group, the family of
    figures it belongs to and its key in it."""

    scope: _Scope
    month: date
    group: str
    family: str
    key: str


def _drill(source: _Source) -> frozenset[int]:
    with source.scope.ws.read() as conn:
        return frozenset(_FAMILY_LOANS[source.family](conn, source))


# Totals: group -> key -> (numerator, denominator) or a value, per family and month.

def _sql_totals(conn: Connection, scope: _Scope, rows: sa.Subquery,
                columns: dict[str, sa.ColumnElement[Any]],
                extra: Sequence[sa.ColumnElement[Any]] = ()) -> dict[tuple[Any, ...],
                                                                     dict[str, int]]:
    joined, grp, where = _grouped(scope, rows)
    query = (sa.select(grp.label("grp"), *extra, *(c.label(k) for k, c in columns.items()))
             .select_from(joined).where(*where).group_by(sa.literal_column("grp"), *extra))
    out: dict[tuple[Any, ...], dict[str, int]] = {}
    for r in conn.execute(query):
        key = tuple(r[: 1 + len(extra)])
        out[key] = {k: int(r._mapping[k] or 0) for k in columns}
    return out


def _sql_loans(conn: Connection, source: _Source, rows: sa.Subquery,
               condition: sa.ColumnElement[bool]) -> set[int]:
    joined, grp, where = _grouped(source.scope, rows)
    if source.scope.by != By.PORTFOLIO:
        where.append(grp == source.group)
    return set(conn.execute(sa.select(rows.c.case_id).distinct().select_from(joined)
                            .where(*where, condition)).scalars())


def _status_totals(conn: Connection, scope: _Scope, month: date) -> dict[str, dict[str, Any]]:
    rows = _status_rows(conn, scope, month)
    columns = {}
    for label, (num, den) in _status_figures().items():
        columns[label + "|n"] = _flag(num(rows))
        columns[label + "|d"] = _flag(den(rows))
    found = _sql_totals(conn, scope, rows, columns)
    return {g: {label: (v[label + "|n"], v[label + "|d"]) for label in _status_figures()}
            for (g,), v in found.items()}


def _status_loans(conn: Connection, source: _Source) -> set[int]:
    rows = _status_rows(conn, source.scope, source.month)
    num, _ = _status_figures()[source.key]
    return _sql_loans(conn, source, rows, num(rows))


def _contact_totals(conn: Connection, scope: _Scope, month: date) -> dict[str, dict[str, Any]]:
    rows = _contact_rows(conn, scope, month)
    found = _sql_totals(conn, scope, rows, {
        "loans": sa.func.count(), "attempts": sa.func.sum(rows.c.attempts),
        "reached": _flag(rows.c.rpcs > 0)})
    calls = _month_calls(scope, month)
    made = _sql_totals(conn, scope, calls, {"rpcs": sa.func.sum(calls.c.rpcs),
                                             "promises": sa.func.sum(calls.c.promises)})
    out: dict[str, dict[str, Any]] = defaultdict(dict)
    for (g,), v in found.items():
        out[g][_ATTEMPTS] = (v["attempts"], v["loans"])
        out[g][_RPC] = (v["reached"], v["loans"])
    for (g,), v in made.items():
        out[g][_PTP] = (v["promises"], v["rpcs"])
    return out


def _contact_loans(conn: Connection, source: _Source) -> set[int]:
    if source.key == _PTP:
        calls = _month_calls(source.scope, source.month)
        return _sql_loans(conn, source, calls, calls.c.promises > 0)
    rows = _contact_rows(conn, source.scope, source.month)
    # attempts per loan opens the delinquent loans (the figure's base)
    return _sql_loans(conn, source, rows,
                      rows.c.rpcs > 0 if source.key == _RPC else sa.true())


def _deadline_totals(conn: Connection, scope: _Scope,
                     month: date) -> dict[str, dict[str, Any]]:
    rows = _deadline_rows(conn, scope, month)
    found = _sql_totals(conn, scope, rows, {"met": sa.func.sum(rows.c.met),
                                             "due": sa.func.count()}, [rows.c.clock])
    out: dict[str, dict[str, Any]] = defaultdict(dict)
    for (g, clock), v in sorted(found.items()):
        out[g][clock] = (v["met"], v["due"])
    return out


def _deadline_loans(conn: Connection, source: _Source) -> set[int]:
    rows = _deadline_rows(conn, source.scope, source.month)
    condition = rows.c.met == 1
    if source.key:
        condition = sa.and_(condition, rows.c.clock == source.key)
    return _sql_loans(conn, source, rows, condition)


def _stage_since(conn: Connection, rows: sa.Subquery) -> sa.ColumnElement[Any]:
    """The day a loan entered the stage of its interval in `rows` (`stage_since`): the
    earliest start after the latest earlier interval with another stage (the loan's first
    start when there is none). Each is one seek in the loan's intervals by start: the
    bound is worked out once per loan, not per interval."""
    other, same, first = h.alias("other"), h.alias("same"), h.alias("first")
    left = (sa.select(sa.func.max(other.c.valid_from))
            .where(other.c.case_id == rows.c.case_id, other.c.valid_from < rows.c.valid_from,
                   other.c.stage != rows.c.stage).correlate_except(other)
            .with_hint(other, _CASE_STAGE, "sqlite").scalar_subquery())
    after = (sa.select(sa.func.min(same.c.valid_from))
             .where(same.c.case_id == rows.c.case_id, same.c.valid_from > left,
                    same.c.valid_from <= rows.c.valid_from)
             .correlate_except(same).with_hint(same, _CASE_STAGE, "sqlite").scalar_subquery())
    earliest = (sa.select(sa.func.min(first.c.valid_from))
                .where(first.c.case_id == rows.c.case_id,
                       first.c.valid_from <= rows.c.valid_from)
                .correlate_except(first).with_hint(first, _CASE_STAGE, "sqlite")
                .scalar_subquery())
    return sa.func.coalesce(after, earliest)


def _pipeline_totals(conn: Connection, scope: _Scope, month: date,
                     ages: bool) -> dict[str, dict[str, Any]]:
    """Per group: the open loans' count (key ""), and with `ages` each stage's count and
    median days in it (the durations read, the median taken by the pure definition's
    rule)."""
    rows = _pipeline_rows(conn, scope, month)
    out: dict[str, dict[str, Any]] = defaultdict(dict)
    if not ages:
        for (g,), v in _sql_totals(conn, scope, rows, {"n": sa.func.count()}).items():
            out[g][""] = v["n"]
        return out
    joined, grp, where = _grouped(scope, rows)
    found: dict[str, dict[str, list[date]]] = defaultdict(lambda: defaultdict(list))
    for g, stage, since in conn.execute(sa.select(grp, rows.c.stage, _stage_since(conn, rows))
                                        .select_from(joined).where(*where)):
        found[g][stage].append(since)
    day = m.month_end(month)
    order = [s.value for s in Stage]
    for g, stages in found.items():
        out[g][""] = sum(len(v) for v in stages.values())
        for stage in sorted(stages, key=order.index):
            days = [(day - _as_date(s)).days for s in stages[stage]]
            out[g][stage] = m.StageAge(len(days), statistics.median(days))
    return out


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _pipeline_loans(conn: Connection, source: _Source) -> set[int]:
    rows = _pipeline_rows(conn, source.scope, source.month)
    return _sql_loans(conn, source, rows,
                      rows.c.stage == source.key if source.key else sa.true())


# The small sets: read the rows and apply the pure definitions.

def _loan_groups(conn: Connection, scope: _Scope, ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(ids))
    out: dict[int, str] = {}
    for start in range(0, len(ids), 5000):
        chunk = sa.select(cases.c.id.label("case_id")).where(
            cases.c.id.in_(ids[start:start + 5000]),
            *([] if scope.own is None else [cases.c.assignee_id == scope.own])).subquery()
        joined, grp, where = _grouped(scope, chunk)
        out.update((r[0], r[1]) for r in conn.execute(
            sa.select(chunk.c.case_id, grp).select_from(joined).where(*where)))
    return out


def _split(items: Iterable[Any], groups: dict[int, str]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    for item in items:
        group = groups.get(item.case_id)
        if group is not None:
            out[group].append(item)
    return out


def _receipt_rows(conn: Connection, scope: _Scope, month: date) -> sa.Subquery:
    """The applications received in the month, each acknowledged on time (an
    acknowledgment on or after the receipt and within 5 business days, the business day
    worked out per receipt day of the month) and complete by the month's end (an
    application_complete on or after the receipt)."""
    e, later = case_events, case_events.alias("later")
    start, end = m.prior_month(month, LOOKBACK_MONTHS), m.month_end(month)
    add_bd = scope.ws.calendar.add_business_days
    days = [month + timedelta(days=n) for n in range((end - month).days + 1)]
    by = sa.case(*((e.c.occurred_on == day,
                    sa.literal(add_bd(day, m.ACKNOWLEDGMENT_BUSINESS_DAYS), sa.Date))
                   for day in days), else_=None)

    def answered(kind: EventKind, until: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
        found = (sa.select(later.c.id).where(
            later.c.case_id == e.c.case_id, later.c.kind == kind.value,
            later.c.occurred_on >= e.c.occurred_on, later.c.occurred_on <= until,
            later.c.occurred_on >= start, later.c.occurred_on <= end)
            .with_hint(later, _CASE_DAY, "sqlite").correlate_except(later).exists())
        return sa.case((found, 1), else_=0)
    return (sa.select(e.c.case_id.label("case_id"),
                      answered(EventKind.ACKNOWLEDGMENT_SENT, by).label("acknowledged"),
                      answered(EventKind.APPLICATION_COMPLETE,
                               sa.literal(end, sa.Date)).label("complete"))
            .where(e.c.kind == EventKind.APPLICATION_RECEIVED.value, e.c.occurred_on >= month,
                   e.c.occurred_on <= end, *scope.loans_of_scope(e.c.case_id))
            .with_hint(e, _KIND_DAY, "sqlite").subquery("receipts"))


def _durations(conn: Connection, scope: _Scope, month: date, ends: Sequence[str],
               starts: str) -> dict[str, list[tuple[int, int]]]:
    """Per group, (loan, days) for each event of `ends` in the month: the days since the
    loan's latest `starts` event on or before it (`_since_latest`; an end with none is
    left out). Only the durations are read."""
    e, before = case_events, case_events.alias("before")
    start, end = m.prior_month(month, LOOKBACK_MONTHS), m.month_end(month)
    latest = (sa.select(sa.func.max(before.c.occurred_on))
              .where(before.c.case_id == e.c.case_id, before.c.kind == starts,
                     before.c.occurred_on <= e.c.occurred_on, before.c.occurred_on >= start)
              .correlate_except(before).with_hint(before, _CASE_DAY, "sqlite")
              .scalar_subquery())
    rows = (sa.select(e.c.case_id.label("case_id"), e.c.occurred_on.label("day"),
                      latest.label("since"))
            .where(e.c.kind.in_(ends), e.c.occurred_on >= month, e.c.occurred_on <= end,
                   *scope.loans_of_scope(e.c.case_id))
            .with_hint(e, _KIND_DAY, "sqlite").subquery("ends"))
    joined, grp, where = _grouped(scope, rows)
    out: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for g, case_id, day, since in conn.execute(
            sa.select(grp, rows.c.case_id, rows.c.day, rows.c.since).select_from(joined)
            .where(*where, rows.c.since.is_not(None))):
        out[g].append((case_id, (_as_date(day) - _as_date(since)).days))
    return out


def _trial_events(conn: Connection, scope: _Scope, month: date) -> list[m.Event]:
    """For the loans with a trial ending (a modification or a failure to perform) in the
    month: their trial and plan starts and endings from the look-back's start on."""
    e = case_events
    start, end = m.prior_month(month, LOOKBACK_MONTHS), m.month_end(month)
    endings = [EventKind.MODIFICATION_EFFECTIVE.value, EventKind.FAILED_TO_PERFORM.value]
    loans = (sa.select(e.c.case_id).where(e.c.kind.in_(endings), e.c.occurred_on >= month,
                                          e.c.occurred_on <= end,
                                          *scope.loans_of_scope(e.c.case_id))
             .with_hint(e, _KIND_DAY, "sqlite"))
    kinds = [*endings, EventKind.TRIAL_STARTED.value, EventKind.PLAN_STARTED.value]
    return [m.Event(r.case_id, r.kind, r.occurred_on, r.author_id)
            for r in conn.execute(sa.select(e.c.case_id, e.c.kind, e.c.occurred_on,
                                            e.c.author_id).where(
                e.c.case_id.in_(loans), e.c.kind.in_(kinds), e.c.occurred_on >= start,
                e.c.occurred_on <= end).order_by(e.c.occurred_on, e.c.id))]


_ACK = "acknowledgment within 5 business days"
_COMPLETION = "application completion rate"
_TO_COMPLETE = "days to complete"
_TURNAROUND = "decision turnaround days"
_WITHIN_30 = "decisions within 30 days"
_TRIALS = "trial-to-permanent conversion"


def _application_totals(conn: Connection, scope: _Scope, month: date
                        ) -> dict[str, dict[str, Any]]:
    """Per group: acknowledgment timeliness and completion as counts of the month's
    receipts, the days to complete and the decision turnaround as spreads of the durations
    read, the decisions within 30 days from the same durations and the trial conversion
    from the trial endings' loans' events (the pure definitions)."""
    out: dict[str, dict[str, Any]] = defaultdict(dict)
    receipts = _receipt_rows(conn, scope, month)
    for (g,), v in _sql_totals(conn, scope, receipts, {
            "received": sa.func.count(), "acknowledged": sa.func.sum(receipts.c.acknowledged),
            "complete": sa.func.sum(receipts.c.complete)}).items():
        out[g][_ACK] = m.Ratio(v["acknowledged"], v["received"])
        out[g][_COMPLETION] = m.Ratio(v["complete"], v["received"])
    for g, pairs in _durations(conn, scope, month, [EventKind.APPLICATION_COMPLETE.value],
                               EventKind.APPLICATION_RECEIVED.value).items():
        out[g][_TO_COMPLETE] = m.spread(pairs)
    for g, pairs in _durations(conn, scope, month, _DECISIONS,
                               EventKind.APPLICATION_COMPLETE.value).items():
        out[g][_TURNAROUND] = m.spread(pairs)
        within = [i for i, d in pairs if d <= m.DECISION_DAYS]
        out[g][_WITHIN_30] = m.Ratio(len(within), len(pairs), frozenset(within),
                                     frozenset(i for i, _ in pairs))
    events = _trial_events(conn, scope, month)
    groups = _loan_groups(conn, scope, (e.case_id for e in events))
    for g, mine in _split(events, groups).items():
        out[g][_TRIALS] = m.trial_conversion(mine, month)
    return out


def _application_loans(conn: Connection, source: _Source) -> set[int]:
    if source.key in (_ACK, _COMPLETION):
        rows = _receipt_rows(conn, source.scope, source.month)
        flag = rows.c.acknowledged if source.key == _ACK else rows.c.complete
        return _sql_loans(conn, source, rows, flag == 1)
    totals = _application_totals(conn, source.scope, source.month).get(source.group, {})
    return set(totals[source.key].ids) if source.key in totals else set()


def _promise_data(conn: Connection, scope: _Scope, month: date
                  ) -> tuple[list[m.Call], list[m.Event]]:
    """The promises to pay falling due in the month (taken by a call in the look-back)
    and the payments on their loans."""
    c, e = call_notes, case_events
    start = m.prior_month(month, LOOKBACK_MONTHS)
    calls = [m.Call(r.case_id, r.author_id, r.called_at.date(), True, r.promise_date)
             for r in conn.execute(sa.select(c.c.case_id, c.c.author_id, c.c.called_at,
                                             c.c.promise_date).where(
                 c.c.amends_id.is_(None), c.c.promise_date >= month,
                 c.c.promise_date <= m.month_end(month), c.c.called_at >= _midnight(start),
                 c.c.called_at < _midnight(m.add_months(month, 1)),
                 *scope.loans_of_scope(c.c.case_id)))]
    ids = sorted({x.case_id for x in calls})
    payments = []
    for first in range(0, len(ids), 5000):
        payments += [m.Event(r.case_id, r.kind, r.occurred_on)
                     for r in conn.execute(sa.select(e.c.case_id, e.c.kind, e.c.occurred_on)
                                           .where(e.c.case_id.in_(ids[first:first + 5000]),
                                                  e.c.kind == EventKind.PAYMENT_RECEIVED.value,
                                                  e.c.occurred_on >= start,
                                                  e.c.occurred_on <= m.month_end(month)))]
    return calls, payments


def _promise_totals(conn: Connection, scope: _Scope, month: date) -> dict[str, dict[str, Any]]:
    calls, payments = _promise_data(conn, scope, month)
    groups = _loan_groups(conn, scope, (c.case_id for c in calls))
    paid = _split(payments, groups)
    return {g: {_KEPT: m.promise_kept_rate(mine, paid.get(g, []), month)}
            for g, mine in _split(calls, groups).items()}


def _promise_loans(conn: Connection, source: _Source) -> set[int]:
    found = _promise_totals(conn, source.scope, source.month).get(source.group, {})
    return set(found[_KEPT].ids) if _KEPT in found else set()


def _modified_spans(conn: Connection, scope: _Scope, month: date, months: int) -> list[m.Span]:
    """The history up to the month's end of the loans with an interval whose workout status
    "modified" starts in the cohort month (`months` before): every loan whose latest
    modification can have taken effect then."""
    cohort = m.prior_month(month, months)
    end = m.month_end(month)
    loans = sa.select(h.c.case_id).where(
        h.c.workout == "modified", h.c.valid_from >= cohort,
        h.c.valid_from <= m.month_end(cohort), *scope.loans_of_scope(h.c.case_id)).with_hint(
        h, "INDEXED BY ix_loan_status_history_workout", "sqlite")
    return [m.Span(r.case_id, r.valid_from, r.valid_to, r.oldest_unpaid_due, r.stage,
                   r.fc_status, r.bankruptcy, r.workout, r.upb_cents)
            for r in conn.execute(sa.select(h).where(h.c.case_id.in_(loans),
                                                     h.c.valid_from <= end)
                                  .order_by(h.c.case_id, h.c.valid_from, h.c.id)
                                  .with_hint(h, "INDEXED BY ix_loan_status_history_case_from",
                                             "sqlite"))]


def _redefault_totals(conn: Connection, scope: _Scope, month: date
                      ) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = defaultdict(dict)
    for n in (3, 6, 12):
        spans = _modified_spans(conn, scope, month, n)
        groups = _loan_groups(conn, scope, (s.case_id for s in spans))
        for g, mine in _split(spans, groups).items():
            out[g][_redefault_name(n)] = m.redefault(m.by_loan(mine), month, n)
    return out


def _redefault_loans(conn: Connection, source: _Source) -> set[int]:
    found = _redefault_totals(conn, source.scope, source.month).get(source.group, {})
    return set(found[source.key].ids) if source.key in found else set()


def _productivity_totals(conn: Connection, scope: _Scope, month: date
                         ) -> dict[int, dict[str, int]]:
    """Per user with a caseload (open loans in scope assigned to them): the caseload, and
    their calls, right-party contacts, applications completed and decisions in the month on
    the scope's loans."""
    own = [] if scope.own is None else [cases.c.assignee_id == scope.own]
    out: dict[int, dict[str, int]] = {
        user: {"caseload": n, "calls": 0, "rpcs": 0, "completed": 0, "decisions": 0}
        for user, n in conn.execute(sa.select(cases.c.assignee_id, sa.func.count())
                                    .where(cases.c.closed_at.is_(None),
                                           cases.c.assignee_id.is_not(None), *own)
                                    .group_by(cases.c.assignee_id))}
    c, e = call_notes, case_events
    for user, calls, rpcs in conn.execute(
            sa.select(c.c.author_id, sa.func.count(),
                      _flag(c.c.result == CallResult.RPC.value))
            .where(c.c.amends_id.is_(None), c.c.called_at >= _midnight(month),
                   c.c.called_at < _midnight(m.add_months(month, 1)),
                   *scope.loans_of_scope(c.c.case_id))
            .group_by(c.c.author_id).with_hint(c, _CALLED, "sqlite")):
        if user in out:
            out[user].update(calls=int(calls), rpcs=int(rpcs or 0))
    for user, done, decided in conn.execute(
            sa.select(e.c.author_id,
                      _flag(e.c.kind == EventKind.APPLICATION_COMPLETE.value),
                      _flag(e.c.kind.in_(_DECISIONS)))
            .where(e.c.kind.in_([EventKind.APPLICATION_COMPLETE.value, *_DECISIONS]),
                   e.c.occurred_on >= month, e.c.occurred_on <= m.month_end(month),
                   *scope.loans_of_scope(e.c.case_id))
            .group_by(e.c.author_id).with_hint(e, _KIND_DAY, "sqlite")):
        if user in out:
            out[user].update(completed=int(done or 0), decisions=int(decided or 0))
    return out


def _productivity_loans(conn: Connection, source: _Source) -> set[int]:
    own = [] if source.scope.own is None else [cases.c.assignee_id == source.scope.own]
    return set(conn.execute(sa.select(cases.c.id).where(
        cases.c.closed_at.is_(None), cases.c.assignee_id == int(source.key), *own)).scalars())


# --- early intervention, workouts, open items -------------------------------------------

_LIVE_36 = "live contact by day 36"
_QUALITY_36 = "quality right-party contact by day 36"
_NOTICES = "written notices by day 45"
_WORKOUTS = "workouts started"
_TRIALS_210 = "trial starts before day 210"
_CASE_FROM = "INDEXED BY ix_loan_status_history_case_from"
_CASE_CALLED = "INDEXED BY ix_call_notes_case_called"
_AMENDS = "INDEXED BY ix_call_notes_amends"


def _workout_name(label: str) -> str:
    return f"{_WORKOUTS}: {label}"


def _mix_name(label: str) -> str:
    return f"workout mix: {label}"


def _aging_name(deadlines: bool, band: str) -> str:
    return f"open {'deadlines' if deadlines else 'tasks'} {band}"


def _thirty_plus(conn: Connection, rows: Any, month: date) -> sa.ColumnElement[bool]:
    """An interval of `rows` in the book, 30+ days delinquent on the last day it covers in
    the month (`_thirty_plus_due` in domain/metrics.py), as date comparisons."""
    first, last = month, m.month_end(month)
    due = rows.c.oldest_unpaid_due
    return sa.and_(
        rows.c.valid_from <= last, rows.c.stage.not_in(_LIQUIDATED), due.is_not(None),
        due <= last - timedelta(days=m.THIRTY_DAYS),
        sa.or_(rows.c.valid_to.is_(None), sa.and_(
            rows.c.valid_to > first, rows.c.valid_to > rows.c.valid_from,
            due <= _days_after(conn, rows.c.valid_to, -(m.THIRTY_DAYS + 1)))))


def _became_rows(conn: Connection, scope: _Scope, month: date) -> sa.Subquery:
    """The loans that became 30+ days delinquent in the month (`became_thirty_plus`), with
    the episode's oldest unpaid due date: the intervals overlapping the month or the one
    before (the open ones and those closed since), grouped by loan."""
    before, last = m.prior_month(month), m.month_end(month)
    columns = (h.c.case_id, h.c.valid_from, h.c.valid_to, h.c.oldest_unpaid_due, h.c.stage)
    common = [h.c.valid_from <= last, *scope.loans_of_scope(h.c.case_id)]
    spans = sa.union_all(
        sa.select(*columns).where(h.c.valid_to.is_(None), *common)
        .with_hint(h, _OPEN, "sqlite"),
        sa.select(*columns).where(h.c.valid_to > before, *common)
        .with_hint(h, _CLOSED_SINCE, "sqlite")).subquery("spans")
    due = sa.func.min(sa.case((_thirty_plus(conn, spans, month), spans.c.oldest_unpaid_due),
                              else_=None))
    earlier = sa.func.max(sa.case((_thirty_plus(conn, spans, before), 1), else_=0))
    return (sa.select(spans.c.case_id.label("case_id"), due.label("due"))
            .group_by(spans.c.case_id).having(sa.and_(due.is_not(None), earlier == 0))
            .subquery("became"))


def _early_rows(conn: Connection, scope: _Scope, month: date) -> sa.Subquery:
    """The loans that became 30+ in the month, each with whether a right-party contact, and
    a quality one, was made from its oldest unpaid due date to day 36 (a call's quality is
    its latest note's: the call's own, or its latest amendment's)."""
    b = _became_rows(conn, scope, month)
    c, a = call_notes.alias("c"), call_notes.alias("a")
    latest = (sa.select(a.c.qrpc_complete).where(a.c.amends_id == c.c.id)
              .order_by(a.c.id.desc()).limit(1).correlate_except(a)
              .with_hint(a, _AMENDS, "sqlite").scalar_subquery())
    day = _utc_day(conn, c.c.called_at)

    def reached(quality: bool) -> sa.ColumnElement[int]:
        found = (sa.select(c.c.id).where(
            c.c.case_id == b.c.case_id, c.c.amends_id.is_(None),
            c.c.result == CallResult.RPC.value, day >= b.c.due,
            day <= _days_after(conn, b.c.due, m.LIVE_CONTACT_DAY),
            *([sa.func.coalesce(latest, c.c.qrpc_complete) == sa.true()] if quality else []))
            .correlate_except(c).with_hint(c, _CASE_CALLED, "sqlite").exists())
        return sa.case((found, 1), else_=0)
    return (sa.select(b.c.case_id, reached(False).label("live"),
                      reached(True).label("quality")).subquery("early"))


def _early_totals(conn: Connection, scope: _Scope, month: date) -> dict[str, dict[str, Any]]:
    rows = _early_rows(conn, scope, month)
    found = _sql_totals(conn, scope, rows, {"loans": sa.func.count(),
                                             "live": sa.func.sum(rows.c.live),
                                             "quality": sa.func.sum(rows.c.quality)})
    return {g: {_LIVE_36: (v["live"], v["loans"]), _QUALITY_36: (v["quality"], v["loans"])}
            for (g,), v in found.items()}


def _early_loans(conn: Connection, source: _Source) -> set[int]:
    rows = _early_rows(conn, source.scope, source.month)
    flag = rows.c.live if source.key == _LIVE_36 else rows.c.quality
    return _sql_loans(conn, source, rows, flag == 1)


def _notice_rows(conn: Connection, scope: _Scope, month: date) -> sa.Subquery:
    """The written-notice deadlines (1024.39(b)) due in the month and not cancelled, each
    met when a written notice was sent on the loan on or before its day and at most 45 days
    before it."""
    t, e = tasks, case_events
    sent = (sa.select(e.c.id).where(
        e.c.case_id == t.c.case_id, e.c.kind == EventKind.WRITTEN_NOTICE_SENT.value,
        e.c.occurred_on <= t.c.due_on,
        e.c.occurred_on >= _days_after(conn, t.c.due_on, -m.WRITTEN_NOTICE_DAY))
        .correlate_except(e).with_hint(e, _CASE_DAY, "sqlite").exists())
    return (sa.select(t.c.case_id.label("case_id"), sa.case((sent, 1), else_=0).label("met"))
            .where(t.c.kind == TaskKind.REGULATORY_DEADLINE.value,
                   t.c.source == m.WRITTEN_NOTICE_CLOCK, t.c.status != "cancelled",
                   t.c.due_on >= month,
                   t.c.due_on <= m.month_end(month), *scope.loans_of_scope(t.c.case_id))
            .subquery("notices"))


def _notice_totals(conn: Connection, scope: _Scope, month: date) -> dict[str, dict[str, Any]]:
    rows = _notice_rows(conn, scope, month)
    found = _sql_totals(conn, scope, rows, {"met": sa.func.sum(rows.c.met),
                                             "due": sa.func.count()})
    return {g: {_NOTICES: (v["met"], v["due"])} for (g,), v in found.items()}


def _notice_loans(conn: Connection, source: _Source) -> set[int]:
    rows = _notice_rows(conn, source.scope, source.month)
    return _sql_loans(conn, source, rows, rows.c.met == 1)


def _workout_rows(scope: _Scope, month: date) -> sa.Subquery:
    """The workouts started in the month: one row per starting event, with its kind."""
    e = case_events
    return (sa.select(e.c.case_id.label("case_id"), e.c.kind.label("kind"))
            .where(e.c.kind.in_([str(k) for k in m.WORKOUT_STARTS]), e.c.occurred_on >= month,
                   e.c.occurred_on <= m.month_end(month), *scope.loans_of_scope(e.c.case_id))
            .with_hint(e, _KIND_DAY, "sqlite").subquery("workouts"))


def _trial_rows(conn: Connection, scope: _Scope, month: date) -> sa.Subquery:
    """The trials started in the month on loans with a status that day (`status_on`: the
    latest-starting interval covering it), each early when fewer than 210 days delinquent
    then (no oldest unpaid due date, or one less than 210 days before)."""
    e, s = case_events, h.alias("s")
    covering = [s.c.case_id == e.c.case_id, s.c.valid_from <= e.c.occurred_on,
                sa.or_(s.c.valid_to.is_(None), s.c.valid_to > e.c.occurred_on)]
    status = (sa.select(s.c.id).where(*covering).order_by(s.c.valid_from.desc(), s.c.id.desc())
              .limit(1).correlate_except(s).with_hint(s, _CASE_FROM, "sqlite")
              .scalar_subquery())
    rows = (sa.select(e.c.case_id.label("case_id"), e.c.occurred_on.label("day"),
                      status.label("status_id"))
            .where(e.c.kind == EventKind.TRIAL_STARTED.value, e.c.occurred_on >= month,
                   e.c.occurred_on <= m.month_end(month), *scope.loans_of_scope(e.c.case_id))
            .with_hint(e, _KIND_DAY, "sqlite").subquery("trials"))
    due = (sa.select(h.c.oldest_unpaid_due).where(h.c.id == rows.c.status_id)
           .correlate_except(h).scalar_subquery())
    early = sa.or_(due.is_(None), due > _days_after(conn, rows.c.day, -m.TRIAL_BEFORE_DAY))
    return (sa.select(rows.c.case_id, sa.case((early, 1), else_=0).label("early"))
            .where(rows.c.status_id.is_not(None)).subquery("early_trials"))


def _workout_totals(conn: Connection, scope: _Scope, month: date
                    ) -> dict[str, dict[str, Any]]:
    """Per group: each workout type's count and the total (key ""), and the trials started
    before day 210 with the trials counted."""
    rows = _workout_rows(scope, month)
    out: dict[str, dict[str, Any]] = defaultdict(dict)
    for (g, kind), v in _sql_totals(conn, scope, rows, {"n": sa.func.count()},
                                    [rows.c.kind]).items():
        out[g][kind] = v["n"]
        out[g][""] = out[g].get("", 0) + v["n"]
    trials = _trial_rows(conn, scope, month)
    for (g,), v in _sql_totals(conn, scope, trials, {"n": sa.func.count(),
                                                     "early": sa.func.sum(trials.c.early)}
                               ).items():
        out[g][_TRIALS_210] = (v["early"], v["n"])
    return out


def _workout_loans(conn: Connection, source: _Source) -> set[int]:
    if source.key == _TRIALS_210:
        rows = _trial_rows(conn, source.scope, source.month)
        return _sql_loans(conn, source, rows, rows.c.early == 1)
    found = _workout_rows(source.scope, source.month)
    return _sql_loans(conn, source, found, found.c.kind == source.key if source.key
                      else sa.true())


def _aging_rows(conn: Connection, scope: _Scope, month: date) -> sa.Subquery:
    """The tasks open at the month's end (created by then, and still open or closed after
    it), each with its age band's number (the `AGE_BANDS` index, by the UTC day created)
    and whether it is a regulatory deadline."""
    t, end = tasks, m.month_end(month)
    after = _midnight(end + timedelta(days=1))
    band = sa.case(*((t.c.created_at >= _midnight(end - timedelta(days=high)), n)
                     for n, (_, _, high) in enumerate(m.AGE_BANDS) if high is not None),
                   else_=len(m.AGE_BANDS) - 1)
    return (sa.select(t.c.case_id.label("case_id"), band.label("band"),
                      sa.case((t.c.kind == TaskKind.REGULATORY_DEADLINE.value, 1),
                              else_=0).label("deadline"))
            .where(t.c.created_at < after,
                   sa.or_(sa.and_(t.c.completed_at.is_(None), t.c.status == "open"),
                          t.c.completed_at >= after),
                   *scope.loans_of_scope(t.c.case_id))
            .subquery("aging"))


def _aging_totals(conn: Connection, scope: _Scope, month: date) -> dict[str, dict[str, Any]]:
    """Per group: (count, all open) for each band, of the tasks and of the deadlines."""
    rows = _aging_rows(conn, scope, month)
    found = _sql_totals(conn, scope, rows, {
        **{f"t{n}": _flag(rows.c.band == n) for n in range(len(m.AGE_BANDS))},
        **{f"d{n}": _flag(sa.and_(rows.c.band == n, rows.c.deadline == 1))
           for n in range(len(m.AGE_BANDS))},
        "tasks": sa.func.count(), "deadlines": sa.func.sum(rows.c.deadline)})
    out: dict[str, dict[str, Any]] = defaultdict(dict)
    for (g,), v in found.items():
        for n, (band, _, _) in enumerate(m.AGE_BANDS):
            out[g][_aging_name(False, band)] = (v[f"t{n}"], v["tasks"])
            out[g][_aging_name(True, band)] = (v[f"d{n}"], v["deadlines"])
    return out


def _aging_loans(conn: Connection, source: _Source) -> set[int]:
    rows = _aging_rows(conn, source.scope, source.month)
    for n, (band, _, _) in enumerate(m.AGE_BANDS):
        for deadlines in (False, True):
            if source.key == _aging_name(deadlines, band):
                return _sql_loans(conn, source, rows, sa.and_(
                    rows.c.band == n, rows.c.deadline == 1 if deadlines else sa.true()))
    return set()


# --- complaints --------------------------------------------------------------------------
#
# The complaints received in the month (the day received, on the servicer's calendar), by
# the loan's group: their count by type, the errors found, the remediation and the root
# causes are grouped counts; on time per duty reads the month's complaints and applies the
# one definition `lossmit complaints report` uses (domain/complaints.py `clock_outcomes`,
# as of today: a clock still running is decided later, and the figure settles then).

_RECEIVED = "complaints received"
_ERRORS = "errors found"
_REMEDIATION = "remediation total"
_BY_RECEIPT = "INDEXED BY ix_complaints_received"


def _received_name(kind: str) -> str:
    """The figure of one complaint type, in words ("received: notice of error")."""
    return f"received: {kind.replace('_', ' ')}"


def _on_time_name(duty: str) -> str:
    return f"on time: {duty}"


def _cause_name(cause: str) -> str:
    return f"root cause: {cause}"


def _complaint_rows(scope: _Scope, month: date) -> sa.Subquery:
    """The complaints received in the month on the scope's loans, one row each."""
    c = complaints.c
    return (sa.select(c.case_id.label("case_id"), c.complaint_type.label("kind"),
                      c.root_cause.label("cause"), c.finding.label("finding"),
                      c.remediation_cents.label("cents"))
            .where(c.received_on >= month, c.received_on <= m.month_end(month),
                   *scope.loans_of_scope(c.case_id))
            .with_hint(complaints, _BY_RECEIPT, "sqlite").subquery("complaints"))


def _complaint_totals(conn: Connection, scope: _Scope, month: date
                      ) -> dict[str, dict[str, Any]]:
    """Per group: the complaints received (key _RECEIVED) and by type, the errors found,
    the remediation in cents, each root cause's count (key `_cause_name`), and per duty
    (met on time, decided)."""
    rows = _complaint_rows(scope, month)
    out: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    for (g, kind, cause), v in _sql_totals(conn, scope, rows, {
            "n": sa.func.count(),
            "errors": _flag(rows.c.finding == Finding.ERROR_FOUND.value),
            "cents": sa.func.sum(rows.c.cents)}, [rows.c.kind, rows.c.cause]).items():
        mine = out[g]
        mine[_RECEIVED] += v["n"]
        mine[_received_name(kind)] += v["n"]
        mine[_ERRORS] += v["errors"]
        mine[_REMEDIATION] += v["cents"]
        if cause:
            mine[_cause_name(cause)] += v["n"]
    for g, duties in _clock_totals(conn, scope, month).items():
        for duty, ratio in duties.items():
            out[g][_on_time_name(duty)] = ratio
    return out


def _clock_totals(conn: Connection, scope: _Scope, month: date
                  ) -> dict[str, dict[str, m.Ratio]]:
    """Per group and duty: the month's complaints' clocks met on time of those decided
    (`clock_outcomes`), with the loans of each (the met ones', the decided ones')."""
    c = complaints.c
    found = conn.execute(
        sa.select(complaints, cases.c.fc_sale_date).join(cases, cases.c.id == c.case_id)
        .where(c.received_on >= month, c.received_on <= m.month_end(month),
               *scope.loans_of_scope(c.case_id))
        .with_hint(complaints, _BY_RECEIPT, "sqlite")).all()
    groups = _loan_groups(conn, scope, (r.case_id for r in found))
    met: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    counts: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    decided: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for r in found:
        g = groups.get(r.case_id)
        if g is None:
            continue
        for duty, kept in clock_outcomes(facts_of(r, r.fc_sale_date), scope.ws.today,
                                         scope.ws.calendar):
            counts[g][duty][0] += kept
            counts[g][duty][1] += 1
            decided[g][duty].add(r.case_id)
            if kept:
                met[g][duty].add(r.case_id)
    return {g: {duty: m.Ratio(n, d, frozenset(met[g][duty]), frozenset(decided[g][duty]))
                for duty, (n, d) in duties.items()}
            for g, duties in counts.items()}


def _complaint_loans(conn: Connection, source: _Source) -> set[int]:
    """A complaint figure's loans: those with a complaint received in the month that the
    figure counts (of that type, an error found, remediation paid, that root cause; for on
    time, a clock of the duty met by its date)."""
    if source.key.startswith(_on_time_name("")):
        duty = source.key.removeprefix(_on_time_name(""))
        ratio = _clock_totals(conn, source.scope, source.month).get(source.group, {}).get(duty)
        return set(ratio.ids) if ratio is not None else set()
    rows = _complaint_rows(source.scope, source.month)
    condition: sa.ColumnElement[bool] = sa.true()
    if source.key == _ERRORS:
        condition = rows.c.finding == Finding.ERROR_FOUND.value
    elif source.key == _REMEDIATION:
        condition = rows.c.cents > 0
    elif source.key.startswith(_received_name("")):
        condition = rows.c.kind == source.key.removeprefix(_received_name("")).replace(" ", "_")
    elif source.key.startswith(_cause_name("")):
        condition = rows.c.cause == source.key.removeprefix(_cause_name(""))
    return _sql_loans(conn, source, rows, condition)


def _complaint_figures(name: str, group: str, month: date, mine: dict[str, Any],
                       src: Callable[[str, str, str], _Source]) -> list[Figure]:
    """The complaints report's figures of one group and month: the complaints received and
    each type's count (of them), on time per duty (met by the date, of those decided), the
    errors found (of the complaints), the remediation in cents, and the top root causes
    (`top_root_causes`: each one's count, of the complaints)."""
    received = mine.get(_RECEIVED, 0)
    out = [Figure(name, group, month, _RECEIVED, received, "count", received, None,
                  source=src(group, "complaints", _RECEIVED))]
    for kind in ComplaintType:
        label = _received_name(kind.value)
        n = mine.get(label, 0)
        out.append(Figure(name, group, month, label, n, "count", n, received,
                          source=src(group, "complaints", label)))
    for duty in CLOCK_GROUPS:
        label = _on_time_name(duty)
        r = mine.get(label, m.Ratio(0, 0))
        out.append(_ratio_figure(name, group, month, label, (r.numerator, r.denominator),
                                 src(group, "complaints", label)))
    errors = mine.get(_ERRORS, 0)
    out.append(Figure(name, group, month, _ERRORS, errors, "count", errors, received,
                      source=src(group, "complaints", _ERRORS)))
    out.append(Figure(name, group, month, _REMEDIATION, mine.get(_REMEDIATION, 0), "cents",
                      source=src(group, "complaints", _REMEDIATION)))
    causes = {k.removeprefix(_cause_name("")): v for k, v in mine.items()
              if k.startswith(_cause_name(""))}
    for cause, n in top_root_causes(causes):
        label = _cause_name(cause)
        out.append(Figure(name, group, month, label, n, "count", n, received,
                          source=src(group, "complaints", label)))
    return out


_FAMILY_LOANS = {"status": _status_loans, "contact": _contact_loans, "kept": _promise_loans,
                 "applications": _application_loans, "deadlines": _deadline_loans,
                 "pipeline": _pipeline_loans, "redefault": _redefault_loans,
                 "productivity": _productivity_loans, "early": _early_loans,
                 "notices": _notice_loans, "workouts": _workout_loans,
                 "aging": _aging_loans, "complaints": _complaint_loans}


def _groups(conn: Connection, scope: _Scope) -> list[str]:
    """The report's groups: those of the loans in scope."""
    where = [] if scope.own is None else [cases.c.assignee_id == scope.own]
    if scope.by == By.PORTFOLIO:
        found = conn.execute(sa.select(cases.c.id).where(*where).limit(1)).first()
        return ["portfolio"] if found else []
    joined: sa.FromClause = cases
    if scope.by in (By.USER, By.TEAM):
        joined = cases.outerjoin(users, users.c.id == cases.c.assignee_id)
    grp = _group_column(scope.by)
    return sorted(conn.execute(sa.select(grp).select_from(joined).where(*where)
                               .group_by(grp)).scalars())


def _ratio_figure(report: str, group: str, month: date, metric: str,
                  pair: tuple[int, int], source: _Source, unit: str = "rate") -> Figure:
    num, den = pair
    return Figure(report, group, month, metric, num / den if den else None, unit, num, den,
                  source=source)


def _month_figures(conn: Connection, name: str, scope: _Scope, month: date,
                   groups: list[str], business_days: int) -> list[Figure]:
    """One report's figures for one month, group by group."""
    def src(group: str, family: str, key: str) -> _Source:
        return _Source(scope, month, group, family, key)

    wants = {"delinquency": ("status", "redefault")}.get(name, ())
    everything = name == "scorecard"
    status = (_status_totals(conn, scope, month)
              if everything or name == "delinquency" else {})
    redefaults = (_redefault_totals(conn, scope, month)
                  if everything or "redefault" in wants else {})
    contact = _contact_totals(conn, scope, month) if everything or name == "contact" else {}
    kept = _promise_totals(conn, scope, month) if everything or name == "contact" else {}
    apps = (_application_totals(conn, scope, month)
            if everything or name == "applications" else {})
    deadlines = (_deadline_totals(conn, scope, month)
                 if everything or name == "deadlines" else {})
    stages = (_pipeline_totals(conn, scope, month, ages=name == "pipeline")
              if everything or name == "pipeline" else {})
    early = _early_totals(conn, scope, month) if everything or name == "contact" else {}
    notices = (_notice_totals(conn, scope, month)
               if everything or name == "deadlines" else {})
    aging = _aging_totals(conn, scope, month) if everything or name == "deadlines" else {}
    workouts = (_workout_totals(conn, scope, month)
                if everything or name == "workouts" else {})
    complained = _complaint_totals(conn, scope, month) if name == "complaints" else {}
    zero = (0, 0)
    out: list[Figure] = []
    if name == "productivity":
        usernames = {r[0]: r[1] for r in conn.execute(sa.select(users.c.id, users.c.username))}
        for user, p in sorted(_productivity_totals(conn, scope, month).items()):
            who = usernames.get(user, str(user))
            source = src("", "productivity", str(user))
            caseload = p["caseload"]
            out += [Figure(name, who, month, "right-party contacts per day",
                           p["rpcs"] / business_days if business_days else None, "per_day",
                           source=source),
                    Figure(name, who, month, "applications completed", p["completed"],
                           "count", source=source),
                    Figure(name, who, month, "decisions", p["decisions"], "count",
                           source=source),
                    Figure(name, who, month, "touches per case",
                           p["calls"] / caseload if caseload else None, "per_loan",
                           source=source),
                    Figure(name, who, month, "caseload", caseload, "count", source=source)]
        return out
    for g in groups:
        if name == "complaints":
            out += _complaint_figures(name, g, month, complained.get(g, {}), src)
        if name in ("delinquency", "scorecard"):
            mine = status.get(g, {})
            for label in (*_ROLL_NAMES.values(), _CURE, _TRANSITION):
                out.append(_ratio_figure(name, g, month, label, mine.get(label, zero),
                                         src(g, "status", label)))
            for n in (3, 6, 12):
                label = _redefault_name(n)
                r = redefaults.get(g, {}).get(label, m.Ratio(0, 0))
                out.append(_ratio_figure(name, g, month, label, (r.numerator, r.denominator),
                                         src(g, "redefault", label)))
        if name in ("contact", "scorecard"):
            mine = contact.get(g, {})
            out.append(_ratio_figure(name, g, month, _ATTEMPTS, mine.get(_ATTEMPTS, zero),
                                     src(g, "contact", _ATTEMPTS), "per_loan"))
            out.append(_ratio_figure(name, g, month, _RPC, mine.get(_RPC, zero),
                                     src(g, "contact", _RPC)))
            out.append(_ratio_figure(name, g, month, _PTP, mine.get(_PTP, zero),
                                     src(g, "contact", _PTP)))
            r = kept.get(g, {}).get(_KEPT, m.Ratio(0, 0))
            out.append(_ratio_figure(name, g, month, _KEPT, (r.numerator, r.denominator),
                                     src(g, "kept", _KEPT)))
            for label in (_LIVE_36, _QUALITY_36):
                out.append(_ratio_figure(name, g, month, label,
                                         early.get(g, {}).get(label, zero),
                                         src(g, "early", label)))
        if name in ("applications", "scorecard"):
            mine = apps.get(g, {})
            for label in ("acknowledgment within 5 business days",
                          "application completion rate"):
                r = mine.get(label, m.Ratio(0, 0))
                out.append(_ratio_figure(name, g, month, label, (r.numerator, r.denominator),
                                         src(g, "applications", label)))
            for label in ("days to complete", "decision turnaround days"):
                s = mine.get(label, m.Spread(0, None, None))
                out += [Figure(name, g, month, f"{label} median", s.median, "days", s.count,
                               None, source=src(g, "applications", label)),
                        Figure(name, g, month, f"{label} p90", s.p90, "days", s.count, None,
                               source=src(g, "applications", label))]
            for label in ("decisions within 30 days", "trial-to-permanent conversion"):
                r = mine.get(label, m.Ratio(0, 0))
                out.append(_ratio_figure(name, g, month, label, (r.numerator, r.denominator),
                                         src(g, "applications", label)))
        if name in ("deadlines", "scorecard"):
            by_clock = deadlines.get(g, {})
            if name == "scorecard":
                pair = (sum(n for n, _ in by_clock.values()),
                        sum(d for _, d in by_clock.values()))
                out.append(_ratio_figure(name, g, month, _DEADLINES, pair,
                                         src(g, "deadlines", "")))
            else:
                out += [_ratio_figure(name, g, month, f"{_DEADLINES} {clock}", pair,
                                      src(g, "deadlines", clock))
                        for clock, pair in by_clock.items()]
            out.append(_ratio_figure(name, g, month, _NOTICES,
                                     notices.get(g, {}).get(_NOTICES, zero),
                                     src(g, "notices", _NOTICES)))
            bands = [band for band, _, _ in m.AGE_BANDS]
            for only_deadlines in (False, True):
                for band in (bands if name == "deadlines" else bands[-1:]):
                    label = _aging_name(only_deadlines, band)
                    num, den = aging.get(g, {}).get(label, zero)
                    out.append(Figure(name, g, month, label, num, "count", num, den,
                                      source=src(g, "aging", label)))
        if name in ("workouts", "scorecard"):
            mine = workouts.get(g, {})
            total = mine.get("", 0)
            out.append(Figure(name, g, month, _WORKOUTS, total, "count",
                              source=src(g, "workouts", "")))
            if name == "workouts":
                for kind, label in m.WORKOUT_STARTS.items():
                    n = mine.get(str(kind), 0)
                    if not n:
                        continue  # a type with none started is left out, as in the mix
                    out.append(Figure(name, g, month, _workout_name(label), n, "count",
                                      source=src(g, "workouts", str(kind))))
                    out.append(_ratio_figure(name, g, month, _mix_name(label), (n, total),
                                             src(g, "workouts", str(kind))))
            out.append(_ratio_figure(name, g, month, _TRIALS_210,
                                     mine.get(_TRIALS_210, zero),
                                     src(g, "workouts", _TRIALS_210)))
        if name in ("pipeline", "scorecard"):
            mine = stages.get(g, {})
            if name == "scorecard":
                out.append(Figure(name, g, month, _PIPELINE, mine.get("", 0), "count",
                                  source=src(g, "pipeline", "")))
            else:
                for stage, age in mine.items():
                    if not stage:
                        continue
                    source = src(g, "pipeline", stage)
                    out.append(Figure(name, g, month, f"{stage} loans", age.count, "count",
                                      source=source))
                    out.append(Figure(name, g, month, f"{stage} median days in stage",
                                      age.median_age, "days", age.count, source=source))
    return out


def _business_days(month: date, is_business_day: Any) -> int:
    day, count = month, 0
    while day <= m.month_end(month):
        count += bool(is_business_day(day))
        day += timedelta(days=1)
    return count


def run_report(ws: Workspace, name: str, months: Sequence[date],
               by: By | str = By.PORTFOLIO) -> list[Figure]:
    """Report `name` for `months` by `by`, as the workspace's user may see it: a lead or an
    admin the whole book, a specialist their own loans (by anything but their own user:
    PermissionDenied). Unknown names and groupings are InvalidInput naming the field. Each
    figure's `ids` (the loans behind it) are read when asked for."""
    if name not in REPORTS:
        raise InvalidInput(f"report: {name!r} is not a report; the reports are "
                           + ", ".join(REPORTS))
    try:
        by = By(by)
    except ValueError:
        raise InvalidInput(f"--by: {by!r} is not a grouping; use portfolio, team, user or "
                           "investor") from None
    if not months:
        raise InvalidInput("--month: give a month (YYYY-MM)")
    with ws.session() as session:
        actor = require_user(session, ws.username)
        require_active(actor, "reading reports")
        own: int | None = None
        if actor.role not in (Role.LEAD, Role.ADMIN):
            if by != By.USER:
                raise PermissionDenied(
                    f"{actor.username} is a specialist: reports by {by} are for leads; "
                    "use --by user for your own figures", actor_name=actor.username,
                    attempted=f"reading the {name} report by {by}")
            own = actor.id
        conn = session.connection()
        scope = _Scope(ws, own, by)
        groups = _groups(conn, scope)
        figures: list[Figure] = []
        for month in sorted(set(months)):
            days = _business_days(month, ws.calendar.is_business_day)
            figures += _month_figures(conn, name, scope, month, groups, days)
    return figures


def figure_loans(figure: Figure) -> tuple[int, ...]:
    """The loans behind a figure, in id order: its own query run again (what the reports
    screen's Enter opens)."""
    return tuple(sorted(figure.ids))


def write_xlsx(figures: Iterable[Figure], path: Path) -> None:
    """The figures as a workbook: one sheet, a header row, the month a real date cell, the
    value and counts real number cells (a rate as a percentage; money, kept in cents, as a
    currency cell in dollars, its unit "dollars")."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    try:
        sheet = book.add_worksheet("report")
        bold = book.add_format({"bold": True})
        month_fmt = book.add_format({"num_format": "yyyy-mm"})
        pct = book.add_format({"num_format": "0.0%"})
        number = book.add_format({"num_format": "0.00"})
        money = book.add_format({"num_format": "$#,##0.00"})
        sheet.write_row(0, 0, COLUMNS, bold)
        for n, f in enumerate(figures, start=1):
            sheet.write_string(n, 0, f.report)
            sheet.write_string(n, 1, f.group)
            sheet.write_datetime(n, 2, f.month, month_fmt)
            sheet.write_string(n, 3, f.metric)
            if f.value is None:
                sheet.write_blank(n, 4, None)
            elif f.unit == "cents":
                sheet.write_number(n, 4, f.value / 100, money)
            else:
                sheet.write_number(n, 4, f.value, pct if f.unit == "rate" else number)
            sheet.write_string(n, 5, "dollars" if f.unit == "cents" else f.unit)
            for col, count in ((6, f.numerator), (7, f.denominator)):
                if count is None:
                    sheet.write_blank(n, col, None)
                else:
                    sheet.write_number(n, col, count)
        sheet.set_column(0, 1, 14)
        sheet.set_column(3, 3, 44)
    finally:
        book.close()
