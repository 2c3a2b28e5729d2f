from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lossmit_tui.domain.calendar import BusinessCalendar, resolve_due

STATUTORY = BusinessCalendar()
OBSERVED = BusinessCalendar(exclude_observed=True)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))


def test_domain_worked_example_acknowledgment_due() -> None:
    # Received Wednesday 2025-12-24: skip 25 Dec, the weekend and 1 Jan -> Friday 2 Jan.
    assert STATUTORY.add_business_days(date(2025, 12, 24), 5) == date(2026, 1, 2)


def test_observed_days_count_unless_the_policy_says_otherwise() -> None:
    friday = date(2026, 7, 3)  # Independence Day falls on a Saturday in 2026
    assert STATUTORY.is_business_day(friday)
    assert not OBSERVED.is_business_day(friday)
    assert STATUTORY.add_business_days(date(2026, 7, 2), 1) == friday
    assert OBSERVED.add_business_days(date(2026, 7, 2), 1) == date(2026, 7, 6)
    assert STATUTORY.holiday(date(2026, 11, 26)) == "Thanksgiving Day"


@given(days, st.integers(min_value=1, max_value=400))
def test_adding_business_days_lands_on_a_business_day(day: date, count: int) -> None:
    for calendar in (STATUTORY, OBSERVED):
        result = calendar.add_business_days(day, count)
        assert calendar.is_business_day(result) and result > day


@given(days, st.integers(min_value=0, max_value=300))
def test_adding_is_monotonic(day: date, count: int) -> None:
    assert STATUTORY.add_business_days(day, count) <= STATUTORY.add_business_days(day,
                                                                                  count + 1)


@given(days)
def test_zero_days_is_identity_on_a_business_day(day: date) -> None:
    result = STATUTORY.add_business_days(day, 0)
    if STATUTORY.is_business_day(day):
        assert result == day
    else:
        assert result > day and STATUTORY.is_business_day(result)


TODAY = date(2026, 11, 25)  # a Wednesday, the day before Thanksgiving


@pytest.mark.parametrize(("text", "expected"), [
    ("today", TODAY), ("tomorrow", TODAY + timedelta(days=1)), ("+3d", date(2026, 11, 28)),
    ("+1bd", date(2026, 11, 27)), ("+2bd", date(2026, 11, 30)), ("mon", date(2026, 11, 30)),
    ("next Monday", date(2026, 11, 30)), ("wed", date(2026, 12, 2)),
    ("2026-12-04", date(2026, 12, 4)), ("12/04/2026", date(2026, 12, 4)),
])
def test_due_date_shortcuts(text: str, expected: date) -> None:
    assert resolve_due(text, TODAY, STATUTORY) == expected


@pytest.mark.parametrize("text", ["soon", "+x", "2026-02-30", "mo"])
def test_due_date_shortcuts_reject_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        resolve_due(text, TODAY, STATUTORY)


def test_a_receipt_at_23_30_eastern_is_received_that_day_not_the_utc_date() -> None:
    """docs/RULES.md section 4, Dating (policy): received on the servicer's calendar day."""
    from datetime import UTC, datetime

    from lossmit_tui.domain.calendar import servicer_day

    eastern = "America/New_York"
    winter = datetime(2026, 1, 23, 4, 30, tzinfo=UTC)  # 23:30 EST on Jan 22
    summer = datetime(2026, 7, 23, 3, 30, tzinfo=UTC)  # 23:30 EDT on Jul 22
    assert servicer_day(winter, eastern) == date(2026, 1, 22)
    assert servicer_day(summer, eastern) == date(2026, 7, 22)
    assert servicer_day(datetime(2026, 1, 23, 5, 0, tzinfo=UTC), eastern) == date(2026, 1, 23)
    assert servicer_day(winter, "America/Los_Angeles") == date(2026, 1, 22)
