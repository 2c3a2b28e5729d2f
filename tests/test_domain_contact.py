from datetime import UTC, datetime, timedelta

import pytest

from lossmit_tui.domain.contact import CallAttempt, ContactPolicy, check_outbound_call

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # Monday 10:00 in New York
DEFAULT = ContactPolicy()


def check(now=NOW, zones=("America/New_York",), attempts=(), fdcpa=True,  # type: ignore[no-untyped-def]
          cease=False, attorney=False, policy=DEFAULT):
    return check_outbound_call(now, zones, attempts, fdcpa_covered=fdcpa,
                               cease_communication=cease, attorney_represented=attorney,
                               policy=policy)


def test_a_call_in_hours_is_clean() -> None:
    result = check()
    assert result.warnings == () and result.blocked is None
    assert result.local_times[0][1].hour == 10


@pytest.mark.parametrize(("utc", "warned"), [
    ("12:59", True),   # 07:59 New York
    ("13:00", False),  # 08:00
    ("02:00", False),  # 21:00 the evening before: still allowed
    ("02:01", True),   # 21:01
])
def test_calling_hours_at_the_borrowers_location(utc: str, warned: bool) -> None:
    hour, minute = map(int, utc.split(":"))
    now = NOW.replace(hour=hour, minute=minute)
    result = check(now=now)
    assert bool(result.warnings) is warned
    if warned:
        assert "for the borrower" in result.warnings[0]


def test_a_two_zone_state_without_a_zip_checks_both_zones() -> None:
    # Texas: Central and (El Paso) Mountain. 14:30 UTC is 08:30 Central, 07:30 Mountain.
    now = NOW.replace(hour=14, minute=30)
    result = check(now=now, zones=("America/Chicago", "America/Denver"))
    assert len(result.local_times) == 2
    assert len(result.warnings) == 1 and "America/Denver" in result.warnings[0]
    later = check(now=now + timedelta(hours=1), zones=("America/Chicago", "America/Denver"))
    assert later.warnings == ()


def test_unknown_zone_is_a_warning_to_check() -> None:
    assert "time zone is unknown" in check(zones=()).warnings[0]


def test_policy_hours_come_from_configuration() -> None:
    strict = ContactPolicy(calling_hours_start=9, calling_hours_end=20)
    assert check(now=NOW.replace(hour=13, minute=30), policy=strict).warnings  # 08:30


def attempts_on(*days_ago: int, conversation: bool = False) -> tuple[CallAttempt, ...]:
    return tuple(CallAttempt(NOW - timedelta(days=d), conversation) for d in days_ago)


def test_the_eighth_attempt_in_seven_days_is_warned() -> None:
    seven = attempts_on(0, 1, 2, 3, 4, 5, 6)
    result = check(attempts=seven)
    assert result.attempts_last_7_days == 7
    assert any("attempt 8 in 7 days" in w for w in result.warnings)
    six = attempts_on(0, 1, 2, 3, 4, 6, 7)  # the one 7 days ago is outside the window
    assert check(attempts=six).attempts_last_7_days == 6
    assert not check(attempts=six).warnings


def test_a_call_within_seven_days_after_a_conversation_is_warned() -> None:
    talked = attempts_on(6, conversation=True)  # day 1 was 6 days ago: today is day 7
    assert any("1006.14(b)(2)(ii)" in w for w in check(attempts=talked).warnings)
    longer = attempts_on(7, conversation=True)  # today is day 8: allowed again
    assert not check(attempts=longer).warnings
    same_day = attempts_on(0, conversation=True)
    assert check(attempts=same_day).warnings


def test_days_are_the_borrowers_calendar_days() -> None:
    # Conversation at 07:00 on Monday Nov 30 in Los Angeles: days 1-7 are Nov 30 - Dec 6.
    talk = CallAttempt(datetime(2026, 11, 30, 15, 0, tzinfo=UTC), True)
    # 03:00 UTC on Dec 7 is 19:00 on Dec 6 there: day 7, still inside the period (in UTC it
    # would already be Dec 7, day 8).
    evening = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
    result = check(now=evening, zones=("America/Los_Angeles",), attempts=(talk,))
    assert [w for w in result.warnings if "1006.14(b)(2)(ii)" in w] == [
        "You spoke with the borrower on 2026-11-30: a call before 2026-12-07 is presumed "
        "to violate Reg F 1006.14(b)(2)(ii)."]
    next_morning = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)  # 09:00 Dec 7 there: day 8
    assert not check(now=next_morning, zones=("America/Los_Angeles",),
                     attempts=(talk,)).warnings


def test_frequency_only_for_fdcpa_loans_when_the_policy_says_so() -> None:
    narrow = ContactPolicy(frequency_all_loans=False)
    seven = attempts_on(0, 1, 2, 3, 4, 5, 6)
    assert not check(attempts=seven, fdcpa=False, policy=narrow).warnings
    assert check(attempts=seven, fdcpa=True, policy=narrow).warnings


def test_cease_and_attorney_block_direct_calls() -> None:
    assert "cease communication" in check(cease=True).blocked
    assert "attorney" in check(attorney=True).blocked
    with pytest.raises(ValueError):
        check(now=NOW.replace(tzinfo=None))
