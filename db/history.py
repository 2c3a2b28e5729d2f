"""The delinquency status history's one writer: change-only intervals, set-wise.

A loan's tracked status is read from its case row and its events: the oldest unpaid due
date, the stage, the foreclosure status (referred, sale scheduled, sold), the bankruptcy
status (the latest bankruptcy event: filed, discharged, dismissed, reaffirmed), the workout
status (the latest workout event: short-term offer, trial, plan, failed, modified) and the
UPB. `record_status` compares it with each loan's open interval and, only where a value
changed, closes that interval on `day` and opens a new one from `day`; a loan with no
interval yet gets its first. No other history row is ever touched, so the status of any
loan on any past day can be read back (`status_on`). Intervals are half-open,
[valid_from, valid_to): a second change on the same day leaves an empty interval behind,
and the day's last status is the one that covers it.

The services call it in their own transaction after they change a loan (the import per
batch, an event that moves the stage or the foreclosure, the daily pass for anything
changed behind their back).
"""

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from db.tables import case_events, cases, loan_status_history
from lossmit_tui.domain.enums import EventKind, Stage

history_t = loan_status_history
BATCH = 2000

_BANKRUPTCY = {
    EventKind.BANKRUPTCY_FILED.value: "filed",
    EventKind.BANKRUPTCY_DISCHARGED.value: "discharged",
    EventKind.BANKRUPTCY_DISMISSED.value: "dismissed",
    EventKind.BANKRUPTCY_REAFFIRMED.value: "reaffirmed",
}
_WORKOUT = {
    EventKind.SHORT_TERM_OFFERED.value: "short_term",
    EventKind.TRIAL_STARTED.value: "trial",
    EventKind.PLAN_STARTED.value: "plan",
    EventKind.FAILED_TO_PERFORM.value: "failed",
    EventKind.MODIFICATION_EFFECTIVE.value: "modified",
}
TRACKED = ("oldest_unpaid_due", "stage", "fc_status", "bankruptcy", "workout", "upb_cents")


def _latest(kinds: dict[str, str], case: sa.FromClause) -> sa.ColumnElement[str | None]:
    """The status named by the case's latest event among `kinds` (None without one)."""
    e = case_events.alias()
    latest = (sa.select(e.c.kind).where(e.c.case_id == case.c.id, e.c.kind.in_(kinds))
              .order_by(e.c.occurred_on.desc(), e.c.id.desc()).limit(1)
              .correlate(case).scalar_subquery())
    return sa.case(*((latest == k, sa.literal(v)) for k, v in kinds.items()), else_=None)


def fc_status(case: sa.FromClause) -> sa.ColumnElement[str | None]:
    """Foreclosure status from the case row: sold, sale scheduled, referred, or None."""
    return sa.case((case.c.stage == Stage.FORECLOSED.value, sa.literal("sold")),
                   (case.c.fc_sale_date.is_not(None), sa.literal("sale_scheduled")),
                   (case.c.fc_referral_date.is_not(None), sa.literal("referred")),
                   else_=None)


def _status(case: sa.FromClause) -> dict[str, sa.ColumnElement[object]]:
    """Each tracked value as an expression over the case row `case` (correlated)."""
    workout = sa.case((case.c.stage == Stage.MODIFIED.value, sa.literal("modified")),
                      else_=_latest(_WORKOUT, case))
    return {"oldest_unpaid_due": case.c.next_due_date, "stage": case.c.stage,
            "fc_status": fc_status(case), "bankruptcy": _latest(_BANKRUPTCY, case),
            "workout": workout, "upb_cents": case.c.upb_cents}


def record_status(conn: Connection, day: date, case_ids: Iterable[int]) -> int:
    """Bring these loans' history up to their current status as of `day`, in the caller's
    transaction: for each loan whose open interval differs in a tracked value, close it on
    `day` and open one from `day`; give a loan without an interval its first. An unchanged
    loan writes nothing. Returns how many intervals were opened."""
    ids = sorted(set(case_ids))
    opened = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        c = cases.alias("c")
        now = _status(c)
        h = history_t
        differs = sa.or_(*(h.c[name].is_distinct_from(expr) for name, expr in now.items()))
        conn.execute(h.update().where(
            h.c.valid_to.is_(None), h.c.case_id.in_(chunk),
            sa.exists(sa.select(1).select_from(c).where(c.c.id == h.c.case_id, differs)))
            .values(valid_to=day))
        h2 = history_t.alias("h2")
        rows = sa.select(c.c.id, sa.literal(day, sa.Date), *now.values()).where(
            c.c.id.in_(chunk),
            ~sa.exists(sa.select(1).select_from(h2).where(h2.c.case_id == c.c.id,
                                                          h2.c.valid_to.is_(None))))
        opened += len(conn.execute(h.insert().from_select(
            ["case_id", "valid_from", *now.keys()], rows).returning(h.c.id)).all())
    return opened


def stale_loans(conn: Connection, after: int = 0, limit: int = BATCH) -> list[int]:
    """Up to `limit` loans (ids above `after`, in order) whose case row no longer matches
    their open interval in a column kept on the row (due date, stage, foreclosure dates,
    UPB), or that have no interval: the daily pass's catch-all, one index probe a loan."""
    c, h = cases, history_t
    joined = c.outerjoin(h, sa.and_(h.c.case_id == c.c.id, h.c.valid_to.is_(None)))
    return list(conn.execute(sa.select(c.c.id).select_from(joined).where(
        c.c.id > after,
        sa.or_(h.c.id.is_(None),
               h.c.oldest_unpaid_due.is_distinct_from(c.c.next_due_date),
               h.c.stage != c.c.stage, h.c.upb_cents != c.c.upb_cents,
               h.c.fc_status.is_distinct_from(fc_status(c))))
        .order_by(c.c.id).limit(limit)).scalars())


def status_on(conn: Connection, case_id: int, day: date) -> sa.Row[tuple[object, ...]] | None:
    """The loan's history interval covering `day`, or None before its history starts."""
    h = history_t
    return conn.execute(sa.select(h).where(
        h.c.case_id == case_id, h.c.valid_from <= day,
        sa.or_(h.c.valid_to.is_(None), h.c.valid_to > day))
        .order_by(h.c.valid_from.desc(), h.c.id.desc()).limit(1)).first()
