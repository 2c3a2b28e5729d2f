"""Queue views: which configured views a user sees, and what each selects today."""

from dataclasses import replace
from datetime import date

from db.queries import ANYONE, UNASSIGNED, QueueFilter
from lossmit_tui.config import Settings, ViewSpec
from lossmit_tui.domain.delinquency import Bucket, add_months

LEAD_ROLES = ("lead", "admin")


def visible_views(settings: Settings, role: str) -> list[ViewSpec]:
    """The views a user with `role` may open, in key order (0 last, as on the keyboard)."""
    return sorted((v for v in settings.views if role in LEAD_ROLES or not v.leads_only),
                  key=lambda v: (v.key == "0", v.key))


def find_view(settings: Settings, role: str, name: str) -> ViewSpec | None:
    """A visible view by name or key."""
    return next((v for v in visible_views(settings, role) if name in (v.name, v.key)), None)


def view_filter(spec: ViewSpec, user_id: int, team_ids: tuple[int, ...],
                today: date, role: str = "specialist") -> QueueFilter:
    """What the view selects for this user (of `role`) today. A view of the user's own
    reach ("reach") is a specialist's own cases, a lead's team's, an admin's every case."""
    assignees: str | tuple[int, ...]
    if spec.assignee == "reach":
        assignees = (ANYONE if role == "admin" else (team_ids or (user_id,))
                     if role == "lead" else (user_id,))
    elif spec.assignee == "me":
        assignees = (user_id,)
    elif spec.assignee == "team":
        assignees = team_ids or (user_id,)
    elif spec.assignee == "unassigned":
        assignees = UNASSIGNED
    else:
        assignees = ANYONE
    return QueueFilter(
        assignees=assignees,
        due_by=None if spec.due_within_days is None
        else date.fromordinal(today.toordinal() + spec.due_within_days),
        regulatory_by=None if spec.regulatory_within_days is None
        else date.fromordinal(today.toordinal() + spec.regulatory_within_days),
        sale_from=today if spec.sale_within_days is not None else None,
        sale_by=None if spec.sale_within_days is None
        else date.fromordinal(today.toordinal() + spec.sale_within_days),
        broken_promise_before=today if spec.broken_promise else None,
        missing_documents=spec.missing_documents,
        open_complaints=spec.open_complaints,
        stages=tuple(spec.stages),
    )


def bucket_due_dates(bucket: Bucket, today: date) -> tuple[date, date]:
    """The oldest-unpaid due dates that put a loan in `bucket` today (inclusive range)."""
    missed = {Bucket.CURRENT: 0, Bucket.D30: 1, Bucket.D60: 2, Bucket.D90: 3}
    if bucket is Bucket.D120:
        return (date(1900, 1, 1), add_months(today, -4))
    n = missed[bucket]
    latest = add_months(today, -n)
    earliest = date.fromordinal(add_months(today, -(n + 1)).toordinal() + 1)
    return (earliest, latest if bucket is not Bucket.CURRENT else date(9999, 12, 31))


def with_filters(base: QueueFilter, *, search: str = "", stages: tuple[str, ...] = (),
                 investors: tuple[str, ...] = (), states: tuple[str, ...] = (),
                 buckets: tuple[Bucket, ...] = (), today: date) -> QueueFilter:
    """A view's filter narrowed by the user's search and filter bar."""
    return replace(base, search=search, stages=stages or base.stages, investors=investors,
                   states=states,
                   due_dates=tuple(bucket_due_dates(b, today) for b in buckets))
