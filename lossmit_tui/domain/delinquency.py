"""Delinquency: days delinquent and the MBA bucket (docs/RULES.md section 2)."""

import calendar
from datetime import date
from enum import StrEnum
from functools import lru_cache


class Bucket(StrEnum):
    CURRENT = "current"
    D30 = "30"
    D60 = "60"
    D90 = "90"
    D120 = "120+"


def days_delinquent(oldest_unpaid_due: date | None, today: date) -> int:
    """Calendar days from the oldest unpaid due date to today; 0 when not yet past due."""
    if oldest_unpaid_due is None:
        return 0
    return max(0, (today - oldest_unpaid_due).days)


@lru_cache(maxsize=1 << 16)  # the clocks ask for the same few hundred due dates all day
def add_months(day: date, months: int) -> date:
    """The same day-of-month `months` later, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def installments_missed(oldest_unpaid_due: date | None, today: date) -> int:
    """How many later due dates have passed with the oldest installment still unpaid."""
    if oldest_unpaid_due is None or today <= oldest_unpaid_due:
        return 0
    months = (today.year - oldest_unpaid_due.year) * 12 + today.month - oldest_unpaid_due.month
    if add_months(oldest_unpaid_due, months) > today:
        months -= 1
    return max(0, months)


def bucket(oldest_unpaid_due: date | None, today: date) -> Bucket:
    """MBA bucket: 30 once one installment is still unpaid at the next due date, and so on."""
    missed = installments_missed(oldest_unpaid_due, today)
    if missed <= 0:
        return Bucket.CURRENT
    return (Bucket.D30, Bucket.D60, Bucket.D90)[missed - 1] if missed <= 3 else Bucket.D120
