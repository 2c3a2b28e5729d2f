"""Reports for management: the store's history, calls, events and deadlines read for a span
of months and handed to the pure metrics (lossmit_tui/domain/metrics.py), one `Figure` per
metric, month and group.

Who sees what: a lead or an admin sees the whole book, by portfolio, team, specialist or
investor; a specialist sees the loans assigned to them only, as one group (their own). A
loan's group is where it stands now (its current owner, the owner's team, its investor):
the history keeps the loan's status, not who worked it then.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from db.tables import call_notes, case_events, cases, loan_status_history, tasks, users
from lossmit_tui.domain import metrics as m
from lossmit_tui.domain.delinquency import Bucket
from lossmit_tui.domain.enums import CallDirection, CallResult, EventKind, Role, TaskKind
from lossmit_tui.services.access import require_active
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
    "contact": "contact attempts per delinquent loan, right-party contact, promises",
    "applications": "acknowledgment timeliness, completion, days to complete, decisions, "
                    "trial conversion",
    "deadlines": "deadline compliance by regulatory clock",
    "pipeline": "open loans by stage, with their median days in it",
    "productivity": "per specialist: contacts per day, applications, decisions, touches, "
                    "caseload",
}
# How far back before the first month a report reads: the 12-month re-default cohort.
LOOKBACK_MONTHS = 13


@dataclass(frozen=True)
class Figure:
    """One metric's value for one month and group, with what it rests on. `unit`: "rate"
    (a share, 0 to 1), "per_loan", "days", "count" or "per_day"; `ids` are the loans behind
    the number (what a drill-down opens)."""

    report: str
    group: str
    month: date
    metric: str
    value: float | None
    unit: str
    numerator: int | None = None
    denominator: int | None = None
    ids: frozenset[int] = frozenset()

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


@dataclass
class _Data:
    histories: dict[int, list[m.Span]]
    calls: list[m.Call]
    events: list[m.Event]
    deadlines: list[m.Deadline]
    groups: dict[int, str]  # loan -> group
    owners: dict[int, int | None]  # loan -> current assignee
    open_loans: set[int]
    usernames: dict[int, str]


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


def _load(conn: Connection, actor_id: int | None, first: date, last: date, by: By) -> _Data:
    """Everything the metrics need for the months `first`..`last`, for the loans in scope
    (all, or `actor_id`'s own)."""
    start = m.prior_month(first, LOOKBACK_MONTHS)
    end = m.month_end(last)
    scope = [] if actor_id is None else [cases.c.assignee_id == actor_id]
    owned = (sa.select(cases.c.id, cases.c.assignee_id, cases.c.closed_at,
                       _group_column(by).label("grp"))
             .select_from(cases.outerjoin(users, users.c.id == cases.c.assignee_id))
             .where(*scope))
    groups, owners, open_loans = {}, {}, set()
    for r in conn.execute(owned):
        groups[r.id] = r.grp
        owners[r.id] = r.assignee_id
        if r.closed_at is None:
            open_loans.add(r.id)
    ids = sa.select(cases.c.id).where(*scope)
    h = loan_status_history
    spans = [m.Span(r.case_id, r.valid_from, r.valid_to, r.oldest_unpaid_due, r.stage,
                    r.fc_status, r.bankruptcy, r.workout, r.upb_cents)
             for r in conn.execute(sa.select(h).where(
                 h.c.valid_from <= end, sa.or_(h.c.valid_to.is_(None), h.c.valid_to > start),
                 *([h.c.case_id.in_(ids)] if scope else [])))]
    c = call_notes
    calls = [m.Call(r.case_id, r.author_id, r.called_at.date(),
                    r.result == CallResult.RPC.value, r.promise_date,
                    r.direction == CallDirection.OUTBOUND.value)
             for r in conn.execute(sa.select(
                 c.c.case_id, c.c.author_id, c.c.called_at, c.c.result, c.c.promise_date,
                 c.c.direction).where(
                 c.c.amends_id.is_(None), c.c.called_at >= _midnight(start),
                 c.c.called_at < _midnight(end + timedelta(days=1)),
                 *([c.c.case_id.in_(ids)] if scope else [])))]
    e = case_events
    kinds = [k.value for k in (
        EventKind.APPLICATION_RECEIVED, EventKind.APPLICATION_COMPLETE,
        EventKind.ACKNOWLEDGMENT_SENT, EventKind.OFFER_SENT, EventKind.DENIED,
        EventKind.TRIAL_STARTED, EventKind.PLAN_STARTED, EventKind.FAILED_TO_PERFORM,
        EventKind.MODIFICATION_EFFECTIVE, EventKind.PAYMENT_RECEIVED)]
    events = [m.Event(r.case_id, r.kind, r.occurred_on, r.author_id)
              for r in conn.execute(sa.select(
                  e.c.case_id, e.c.kind, e.c.occurred_on, e.c.author_id).where(
                  e.c.kind.in_(kinds), e.c.occurred_on >= start, e.c.occurred_on <= end,
                  *([e.c.case_id.in_(ids)] if scope else [])))]
    t = tasks
    deadlines = [m.Deadline(r.case_id, r.source, r.due_on,
                            r.completed_at.date() if r.status == "done" and r.completed_at
                            else None)
                 for r in conn.execute(sa.select(
                     t.c.case_id, t.c.source, t.c.due_on, t.c.status, t.c.completed_at).where(
                     t.c.kind == TaskKind.REGULATORY_DEADLINE.value,
                     t.c.due_on >= first, t.c.due_on <= end,
                     *([t.c.case_id.in_(ids)] if scope else [])))]
    usernames = {r.id: r.username for r in conn.execute(sa.select(users.c.id, users.c.username))}
    return _Data(m.by_loan(spans), calls, events, deadlines, groups, owners, open_loans,
                 usernames)


def _rate(report: str, group: str, month: date, metric: str, r: m.Ratio,
          unit: str = "rate") -> Figure:
    return Figure(report, group, month, metric, r.value, unit, r.numerator, r.denominator,
                  r.ids if unit == "rate" else r.base)


def _spread(report: str, group: str, month: date, metric: str, s: m.Spread) -> list[Figure]:
    return [Figure(report, group, month, f"{metric} median", s.median, "days", s.count, None,
                   s.ids),
            Figure(report, group, month, f"{metric} p90", s.p90, "days", s.count, None, s.ids)]


_ROLLS = ((Bucket.CURRENT, "roll current->30+"), (Bucket.D30, "roll 30->60+"),
          (Bucket.D60, "roll 60->90+"), (Bucket.D90, "roll 90->120+"))


@dataclass
class _Group:
    """One group's loans and what they did, picked out of the report's data once."""

    loans: set[int]
    histories: m.Book
    calls: list[m.Call]
    events: list[m.Event]
    deadlines: list[m.Deadline]


def _group(d: _Data, loans: set[int]) -> _Group:
    return _Group(loans, m.Book({i: s for i, s in d.histories.items() if i in loans}),
                  [c for c in d.calls if c.case_id in loans],
                  [e for e in d.events if e.case_id in loans],
                  [x for x in d.deadlines if x.case_id in loans])


def _figures(name: str, group: str, month: date, d: _Data, g: _Group,
             business_days: int, add_bd: Any) -> list[Figure]:
    """One report's figures for one group's loans in one month."""
    hist, calls, events, loans = g.histories, g.calls, g.events, g.loans
    out: list[Figure] = []
    if name in ("delinquency", "scorecard"):
        out += [_rate(name, group, month, label, m.roll_rate(hist, month, b))
                for b, label in _ROLLS]
        out.append(_rate(name, group, month, "cure rate (60+ three months before)",
                         m.cure_rate(hist, month)))
        out.append(_rate(name, group, month, "transition to 60+",
                         m.transition_to_60(hist, month)))
        out += [_rate(name, group, month, f"re-default {n} months after modification",
                      m.redefault(hist, month, n)) for n in (3, 6, 12)]
    if name in ("contact", "scorecard"):
        delinquent = m.delinquent_loans(hist, month)
        out.append(_rate(name, group, month, "contact attempts per delinquent loan",
                         m.contact_attempts_per_loan(calls, delinquent, month), "per_loan"))
        out.append(_rate(name, group, month, "right-party contact rate",
                         m.right_party_contact_rate(calls, delinquent, month)))
        out.append(_rate(name, group, month, "promise-to-pay rate",
                         m.promise_to_pay_rate(calls, month)))
        out.append(_rate(name, group, month, "promise-kept rate",
                         m.promise_kept_rate(calls, events, month)))
    if name in ("applications", "scorecard"):
        out.append(_rate(name, group, month, "acknowledgment within 5 business days",
                         m.acknowledgment_timeliness(events, month, add_bd)))
        out.append(_rate(name, group, month, "application completion rate",
                         m.application_completion(events, month)))
        out += _spread(name, group, month, "days to complete",
                       m.days_to_complete(events, month))
        out += _spread(name, group, month, "decision turnaround days",
                       m.decision_turnaround(events, month))
        out.append(_rate(name, group, month, "decisions within 30 days",
                         m.decided_within_30(events, month)))
        out.append(_rate(name, group, month, "trial-to-permanent conversion",
                         m.trial_conversion(events, month)))
    if name in ("deadlines", "scorecard"):
        by_clock = m.deadline_compliance(g.deadlines, month)
        if name == "scorecard":
            met = sum(r.numerator for r in by_clock.values())
            due = sum(r.denominator for r in by_clock.values())
            out.append(_rate(name, group, month, "deadlines met on time", m.Ratio(
                met, due, frozenset().union(*(r.ids for r in by_clock.values())),
                frozenset().union(*(r.base for r in by_clock.values())))))
        else:
            out += [_rate(name, group, month, f"deadlines met on time {clock}", r)
                    for clock, r in by_clock.items()]
    if name in ("pipeline", "scorecard"):
        stages = m.pipeline(hist, m.month_end(month))
        if name == "scorecard":
            out.append(Figure(name, group, month, "open loans in the pipeline",
                              sum(s.count for s in stages.values()), "count",
                              ids=frozenset().union(*(s.ids for s in stages.values()))))
        for stage, age in stages.items():
            if name == "pipeline":
                out.append(Figure(name, group, month, f"{stage} loans", age.count, "count",
                                  ids=age.ids))
                out.append(Figure(name, group, month, f"{stage} median days in stage",
                                  age.median_age, "days", age.count, ids=age.ids))
    if name == "productivity":
        caseload: dict[int, set[int]] = defaultdict(set)
        for loan in loans:
            owner = d.owners.get(loan)
            if owner is not None and loan in d.open_loans:
                caseload[owner].add(loan)
        people = m.productivity(calls, events, month, business_days,
                                {u: frozenset(v) for u, v in caseload.items()})
        for user, p in people.items():
            who = d.usernames.get(user, str(user))
            out += [Figure(name, who, month, "right-party contacts per day", p.rpc_per_day,
                           "per_day", ids=p.ids),
                    Figure(name, who, month, "applications completed",
                           p.applications_completed, "count", ids=p.ids),
                    Figure(name, who, month, "decisions", p.decisions, "count", ids=p.ids),
                    Figure(name, who, month, "touches per case", p.touches_per_case,
                           "per_loan", ids=p.ids),
                    Figure(name, who, month, "caseload", p.caseload, "count", ids=p.ids)]
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
    PermissionDenied). Unknown names and groupings are InvalidInput naming the field."""
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
        data = _load(session.connection(), own, min(months), max(months), by)
    calendar = ws.calendar
    members: dict[str, set[int]] = defaultdict(set)
    for loan, group in data.groups.items():
        members[group].add(loan)
    # productivity is per person already: one pass over the whole scope
    groups = ({"": _group(data, set(data.groups))} if name == "productivity" else
              {group: _group(data, members[group]) for group in sorted(members)})
    figures: list[Figure] = []
    for month in sorted(months):
        days = _business_days(month, calendar.is_business_day)
        for group, picked in groups.items():
            figures += _figures(name, group, month, data, picked, days,
                                calendar.add_business_days)
    return figures


def write_xlsx(figures: Iterable[Figure], path: Path) -> None:
    """The figures as a workbook: one sheet, a header row, the month a real date cell, the
    value and counts real number cells (a rate as a percentage)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    try:
        sheet = book.add_worksheet("report")
        bold = book.add_format({"bold": True})
        month_fmt = book.add_format({"num_format": "yyyy-mm"})
        pct = book.add_format({"num_format": "0.0%"})
        number = book.add_format({"num_format": "0.00"})
        sheet.write_row(0, 0, COLUMNS, bold)
        for n, f in enumerate(figures, start=1):
            sheet.write_string(n, 0, f.report)
            sheet.write_string(n, 1, f.group)
            sheet.write_datetime(n, 2, f.month, month_fmt)
            sheet.write_string(n, 3, f.metric)
            if f.value is None:
                sheet.write_blank(n, 4, None)
            else:
                sheet.write_number(n, 4, f.value, pct if f.unit == "rate" else number)
            sheet.write_string(n, 5, f.unit)
            for col, count in ((6, f.numerator), (7, f.denominator)):
                if count is None:
                    sheet.write_blank(n, col, None)
                else:
                    sheet.write_number(n, col, count)
        sheet.set_column(0, 1, 14)
        sheet.set_column(3, 3, 44)
    finally:
        book.close()
