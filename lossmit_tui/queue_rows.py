"""Queue and task rows as the user sees them: the same figures for the CLI and the TUI."""

from datetime import date, datetime
from typing import Any

from db.queries import QueueRow, TaskRow, end_of_week
from lossmit_tui.domain import urgency
from lossmit_tui.domain.act_next import DUE_SOON_DAYS, MISSED_AFTER_DAYS, Band, place
from lossmit_tui.domain.delinquency import bucket, days_delinquent
from lossmit_tui.domain.foreclosure import is_sale_hold
from lossmit_tui.domain.values import display_text


def _day(moment: datetime | None) -> date | None:
    return moment.date() if moment else None


def urgency_input(row: QueueRow, today: date) -> urgency.UrgencyInput:
    """What the urgency score reads from a queue row."""
    return urgency.UrgencyInput(
        today=today,
        next_action_on=row.next_action_on,
        days_delinquent=days_delinquent(row.next_due_date, today),
        sale_date=row.fc_sale_date,
        promise_due_on=row.promise_due_on,
        promise_kept=row.promise_kept_on is not None,
        last_rpc_on=_day(row.last_rpc_at),
        stage=row.stage,
        missing_documents=row.missing_docs,
        sale_hold=is_sale_hold(row.fc_hold),
    )


def leading(row: QueueRow, today: date) -> tuple[str | None, date | None]:
    """What to show as the row's next thing and its day: what puts the case where it is in
    the act-next order. A sale the rules bar comes before any task ("sale_hold": counsel
    must postpone it); a sale within the act-next window ("sale") is shown when the case's
    next action is not itself work due now (a task due within the next days or missed only
    lately stays the row's next thing: it can still be done); otherwise the next action. A
    case placed by its sale then never shows only a deadline missed long ago."""
    found = place(urgency_input(row, today))
    if found.band is Band.SALE_HOLD:
        return "sale_hold", row.fc_sale_date
    action = row.next_action_on
    due_now = action is not None and (
        -MISSED_AFTER_DAYS <= (action - today).days <= DUE_SOON_DAYS)
    if found.band is Band.SALE_SOON and not due_now:
        return "sale", row.fc_sale_date
    return row.next_action_kind, action


def _text(value: str | None) -> str | None:
    """Stored text as it may be shown (see `display_text`); None stays None."""
    return None if value is None else display_text(value)


def queue_record(row: QueueRow, today: date) -> dict[str, Any]:
    """A queue row as plain values (dates as ISO text, text as it may be shown), the shape
    `lossmit queue` prints.

    `urgency` is the stored score the queue is ordered by (refreshed for today first)."""
    return {
        "loan_number": display_text(row.loan_number),
        "borrower_name": display_text(row.borrower_name),
        "assignee": _text(row.assignee),
        "stage": display_text(row.stage),
        "days_delinquent": days_delinquent(row.next_due_date, today),
        "bucket": bucket(row.next_due_date, today).value,
        "next_action_on": row.next_action_on.isoformat() if row.next_action_on else None,
        "next_action_kind": _text(row.next_action_kind),
        "urgency": row.urgency / 10,
        "investor": display_text(row.investor),
        "property_state": display_text(row.property_state),
        "sale_date": row.fc_sale_date.isoformat() if row.fc_sale_date else None,
    }


def relative_day(day: date | None, today: date) -> str:
    """`today`, `tomorrow`, `in 3d`, `2d late`: how far a date is from today."""
    if day is None:
        return ""
    delta = (day - today).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    return f"in {delta}d" if delta > 0 else f"{-delta}d late"


def days_ago(day: date | None, today: date) -> str:
    """`today`, `1d ago`, `12d ago`, or `never`: how long since something happened."""
    if day is None:
        return "never"
    delta = (today - day).days
    return "today" if delta <= 0 else f"{delta}d ago"


def task_bucket(due: date, today: date) -> str:
    """overdue, today, tomorrow, this_week or later."""
    delta = (due - today).days
    if delta < 0:
        return "overdue"
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    return "this_week" if due <= end_of_week(today) else "later"


def task_record(row: TaskRow, today: date) -> dict[str, Any]:
    """A task row as plain values (text as it may be shown), the shape `lossmit tasks`
    prints."""
    return {
        "loan_number": display_text(row.loan_number),
        "borrower_name": display_text(row.borrower_name),
        "kind": display_text(row.kind),
        "title": display_text(row.title),
        "due": row.due.isoformat(),
        "bucket": task_bucket(row.due, today),
        "rule": _text(row.rule),
        "status": display_text(row.status),
        "assignee": _text(row.assignee),
    }
