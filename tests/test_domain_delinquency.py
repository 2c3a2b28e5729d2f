from datetime import date

from lossmit_tui.domain.delinquency import (
    Bucket,
    add_months,
    bucket,
    days_delinquent,
    installments_missed,
)


def test_days_delinquent_counts_calendar_days_from_the_oldest_unpaid_due_date() -> None:
    due = date(2026, 1, 1)
    assert days_delinquent(due, date(2026, 1, 1)) == 0
    assert days_delinquent(due, date(2026, 2, 6)) == 36  # docs/RULES.md section 2: day 36 is 6 Feb
    assert days_delinquent(date(2026, 12, 1), date(2026, 11, 29)) == 0  # not yet due
    assert days_delinquent(None, date(2026, 11, 29)) == 0


def test_mba_bucket_moves_at_each_next_due_date() -> None:
    due = date(2026, 1, 1)
    assert bucket(due, date(2026, 1, 31)) is Bucket.CURRENT
    assert bucket(due, date(2026, 2, 1)) is Bucket.D30
    assert bucket(due, date(2026, 2, 28)) is Bucket.D30
    assert bucket(due, date(2026, 3, 1)) is Bucket.D60
    assert bucket(due, date(2026, 4, 1)) is Bucket.D90
    assert bucket(due, date(2026, 4, 30)) is Bucket.D90
    assert bucket(due, date(2026, 5, 1)) is Bucket.D120
    assert bucket(due, date(2027, 6, 1)) is Bucket.D120


def test_month_arithmetic_clamps_to_month_end() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2026, 11, 15), 2) == date(2027, 1, 15)
    assert add_months(date(2026, 3, 1), -3) == date(2025, 12, 1)
    # A 31st due date: the next due date in February is its last day.
    assert installments_missed(date(2026, 1, 31), date(2026, 2, 27)) == 0
    assert installments_missed(date(2026, 1, 31), date(2026, 2, 28)) == 1
