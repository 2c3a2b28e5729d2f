from datetime import UTC, datetime, timedelta

import pytest

from lossmit_tui.config import ConfigError, load_settings
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


# --- state limits: Massachusetts 940 CMR 7.04(1)(f), from the settings' statutory table ---

MA_LIMITS = load_settings().call_limits_for("MA")
BOSTON = ("America/New_York",)


def ma_check(attempts, number: str = "personal", limits=MA_LIMITS):  # type: ignore[no-untyped-def]
    return check_outbound_call(NOW, BOSTON, attempts, fdcpa_covered=False,
                               cease_communication=False, attorney_represented=False,
                               policy=ContactPolicy(frequency_all_loans=False),
                               number=number, state_limits=limits)


def calls(*days_ago: int, result: str = "no_answer", direction: str = "outbound",
          number: str = "personal") -> list[CallAttempt]:
    return [CallAttempt.of(NOW - timedelta(days=d), direction, result, number)
            for d in days_ago]


def test_massachusetts_allows_a_second_call_in_seven_days_and_warns_the_third() -> None:
    assert ma_check(calls(3)).warnings == ()  # this would be the 2nd: allowed
    third = ma_check(calls(3, 6))  # 6 days ago is inside the 7 days
    assert third.state_warnings == (
        "This would be call 3 to the borrower's personal number in 7 days: Massachusetts "
        "940 CMR 7.04(1)(f) allows at most 2 (live calls, texts, voicemails and unanswered "
        "calls all count).",)
    assert ma_check(calls(3, 7)).warnings == ()  # 7 days ago is outside: the 2nd again


def test_massachusetts_counts_voicemails_and_conversations_not_busy_lines() -> None:
    assert ma_check(calls(1, result="voicemail_left") + calls(2, result="right_party_contact")
                    ).state_warnings
    unreachable = (calls(1, result="busy") + calls(2, result="disconnected")
                   + calls(3, result="wrong_number"))
    assert ma_check(unreachable).state_warnings == ()


def test_massachusetts_work_number_two_in_thirty_days() -> None:
    work = calls(10, 29, number="work")
    assert "call 3 to the borrower's work number in 30 days" in ma_check(
        work, number="work").state_warnings[0]
    assert ma_check(calls(10, 30, number="work"), number="work").state_warnings == ()
    # the two numbers are counted apart: personal calls do not use up the work number's
    assert ma_check(calls(1, 2), number="work").state_warnings == ()
    assert ma_check(work, number="personal").state_warnings == ()


def test_inbound_calls_are_never_attempts() -> None:
    inbound = calls(0, 1, 2, 3, 4, 5, 6, 6, direction="inbound")
    assert ma_check(inbound).state_warnings == ()
    result = check(attempts=inbound)  # Reg F 1006.14(b)(2)(i) counts only calls placed
    assert result.attempts_last_7_days == 0 and result.warnings == ()
    # ...but a conversation the borrower started still starts the seven quiet days
    talked = calls(2, result="right_party_contact", direction="inbound")
    assert any("1006.14(b)(2)(ii)" in w for w in check(attempts=talked).warnings)


def test_the_state_window_is_the_borrowers_calendar_day() -> None:
    # 7 days ago at 23:30 in Boston is already the next UTC day (6 days ago in UTC): a
    # UTC count would see it inside the window; on the borrower's day it is outside.
    late = datetime(2026, 11, 24, 4, 30, tzinfo=UTC)  # Mon Nov 23 23:30 in Boston
    attempts = [*calls(1), CallAttempt.of(late, "outbound", "no_answer")]
    assert ma_check(attempts).state_warnings == ()
    later = datetime(2026, 11, 24, 5, 30, tzinfo=UTC)  # Tue Nov 24 00:30 in Boston: day 7
    assert ma_check([*calls(1), CallAttempt.of(later, "outbound", "no_answer")]
                    ).state_warnings


def test_the_statutory_limits_cannot_be_switched_off_by_settings() -> None:
    extra = load_settings(state_call_limits={
        "MA": [{"number": "personal", "max_calls": 9, "days": 7, "rule": "house rule"}],
        "NY": [{"number": "personal", "max_calls": 3, "days": 7, "rule": "house NY rule"}]})
    ma = extra.call_limits_for("MA")
    assert set(MA_LIMITS) <= set(ma)  # a looser entry is added beside the law, not instead
    assert ma_check(calls(1, 2), limits=ma).state_warnings  # still warned at the 3rd
    assert [limit.rule for limit in extra.call_limits_for("NY")] == ["house NY rule"]
    assert load_settings().call_limits_for("TX") == ()
    with pytest.raises(ConfigError, match="two-letter state code"):
        load_settings(state_call_limits={"Mass": []})


def test_the_first_allowed_day_after_a_conversation_is_the_eighth() -> None:
    """The conversation's day is day 1: after a talk on Monday the 30th, the next call is
    allowed on Monday the 7th, and the check says so with the attempts left."""
    from datetime import date

    from lossmit_tui.domain.contact import wait_after_call

    talk = CallAttempt(NOW, conversation=True)
    wait = wait_after_call(NOW, ("America/New_York",), (), talk, fdcpa_covered=True)
    assert wait is not None and wait.day == date(2026, 12, 7)
    assert "2026-11-30" in wait.why and "1006.14(b)(2)(ii)" in wait.why
    result = check(now=NOW + timedelta(days=2), attempts=(talk,))
    assert result.wait is not None and result.wait.day == date(2026, 12, 7)
    assert result.attempts_left == 6
    assert check(now=NOW + timedelta(days=7), attempts=(talk,)).wait == type(wait)(
        date(2026, 12, 7))  # the wait is over: today is allowed, no reason


def test_the_first_allowed_day_after_seven_attempts_waits_for_the_oldest_to_leave() -> None:
    from datetime import date

    from lossmit_tui.domain.contact import wait_after_call

    six = attempts_on(6, 5, 4, 3, 2, 1)  # Nov 24 .. Nov 29, one a day
    seventh = CallAttempt(NOW, conversation=False)
    wait = wait_after_call(NOW, ("America/New_York",), six, seventh, fdcpa_covered=True)
    assert wait is not None and wait.day == date(2026, 12, 1)  # Nov 24 has left the window
    assert "1006.14(b)(2)(i)" in wait.why
    assert check(attempts=six).attempts_left == 1
    assert check(attempts=(*six, seventh)).attempts_left == 0
    # Not an FDCPA loan, and the policy applies Reg F to covered loans only: no wait at all.
    covered_only = ContactPolicy(frequency_all_loans=False)
    assert wait_after_call(NOW, ("America/New_York",), six, seventh, fdcpa_covered=False,
                           policy=covered_only) is None
    assert check(attempts=six, fdcpa=False, policy=covered_only).attempts_left is None
