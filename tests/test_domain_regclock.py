"""The regulatory clock: every row of docs/RULES.md section 4, its worked examples, the sale-date
boundaries (37, 45, 90 days), weekend holidays and year ends."""

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lossmit_tui.domain.calendar import BusinessCalendar
from lossmit_tui.domain.regclock import (
    CaseFacts,
    Clock,
    ClockState,
    TimeChange,
    next_deadline,
    next_time_change,
    open_deadlines,
    regulatory_clocks,
)

CAL = BusinessCalendar()
D = date


def clocks(facts: CaseFacts, today: date, calendar: BusinessCalendar = CAL) -> list[Clock]:
    return regulatory_clocks(facts, today, calendar)


def one(found: list[Clock], citation: str) -> Clock:
    matching = [c for c in found if c.citation == citation]
    assert len(matching) == 1, [c.citation for c in found]
    return matching[0]


def test_worked_example_delinquency_clocks() -> None:
    facts = CaseFacts(D(2026, 1, 1))
    found = clocks(facts, D(2026, 1, 20))
    assert one(found, "1024.39(a)").due_on == D(2026, 2, 6)
    assert one(found, "1024.39(b)").due_on == D(2026, 2, 15)
    assert one(found, "1024.40").due_on == D(2026, 2, 15)
    filing = one(found, "1024.41(f)(1)")
    assert (filing.due_on, filing.state) == (D(2026, 5, 2), ClockState.BARRED)
    assert one(clocks(facts, D(2026, 5, 1)), "1024.41(f)(1)").state is ClockState.BARRED
    assert one(clocks(facts, D(2026, 5, 2)), "1024.41(f)(1)").state is ClockState.ALLOWED


def test_worked_example_acknowledgment_skips_christmas_the_weekend_and_new_year() -> None:
    facts = CaseFacts(None, events=(("application_received", D(2025, 12, 24)),))
    assert one(clocks(facts, D(2025, 12, 24)), "1024.41(b)(2)(i)(B)").due_on == D(2026, 1, 2)


def test_states_pending_due_soon_met_missed_and_late() -> None:
    received = ("application_received", D(2026, 3, 2))  # Monday; due Monday 9th
    facts = CaseFacts(None, events=(received,))
    ack = "1024.41(b)(2)(i)(B)"
    assert one(clocks(facts, D(2026, 3, 2)), ack).state is ClockState.PENDING
    assert one(clocks(facts, D(2026, 3, 4)), ack).state is ClockState.DUE_SOON
    assert one(clocks(facts, D(2026, 3, 9)), ack).state is ClockState.DUE_SOON
    assert one(clocks(facts, D(2026, 3, 10)), ack).state is ClockState.MISSED
    met = CaseFacts(None, events=(received, ("acknowledgment_sent", D(2026, 3, 9))))
    clock = one(clocks(met, D(2026, 3, 20)), ack)
    assert clock.state is ClockState.MET
    assert clock.met_by == "acknowledgment sent on 2026-03-09"
    late = CaseFacts(None, events=(received, ("acknowledgment_sent", D(2026, 3, 11))))
    clock = one(clocks(late, D(2026, 3, 20)), ack)
    assert clock.state is ClockState.MISSED and clock.met_by.endswith("(late)")


def test_live_contact_recurs_for_each_later_installment_until_contact() -> None:
    facts = CaseFacts(D(2026, 1, 1), contacts=(D(2026, 1, 20),))
    found = [c for c in clocks(facts, D(2026, 3, 5)) if c.citation == "1024.39(a)"]
    by_basis = {c.basis: c for c in found}
    first = by_basis["installment due 2026-01-01"]
    assert first.state is ClockState.MET and "2026-01-20" in first.met_by
    # Feb 1's window (to Mar 9) and Mar 1's (to Apr 6) are open; the Jan 20 talk was
    # before those installments fell due, so it does not count for them.
    assert by_basis["installment due 2026-02-01"].due_on == D(2026, 3, 9)
    assert by_basis["installment due 2026-02-01"].state is ClockState.DUE_SOON
    assert by_basis["installment due 2026-03-01"].due_on == D(2026, 4, 6)
    talked = CaseFacts(D(2026, 1, 1), events=(("live_contact", D(2026, 3, 2)),))
    later = [c for c in clocks(talked, D(2026, 3, 5)) if c.citation == "1024.39(a)"]
    assert {c.basis: c.state for c in later}["installment due 2026-02-01"] is ClockState.MET


def test_written_notice_again_after_180_days_only() -> None:
    events = (("written_notice_sent", D(2026, 2, 10)),)
    facts = CaseFacts(D(2026, 1, 1), events=events)
    notices = [c for c in clocks(facts, D(2026, 9, 1)) if c.citation == "1024.39(b)"]
    assert notices[0].state is ClockState.MET
    # The next notice is due when the 180 days after Feb 10 end (Aug 9), the borrower being
    # 45+ days late then (1024.39(b)(1)); its clock starts with the installment whose day 45
    # is the first on or after Aug 9 (Jul 1).
    assert notices[1].due_on == D(2026, 8, 9) and notices[1].state is ClockState.MISSED
    early = [c for c in clocks(facts, D(2026, 6, 1)) if c.citation == "1024.39(b)"]
    assert len(early) == 1  # July's installment is not due yet


def test_a_notice_in_an_earlier_delinquency_puts_the_next_off_to_180_days() -> None:
    """Cured, then late again: the notice of Mar 1 covers 180 days (to Aug 28). Late from
    Jun 1, day 45 is Jul 16, inside the period: due Aug 28, the borrower being 45+ days
    late then. Late from Aug 1 instead: day 45 (Sep 15) is after the period: due then."""
    events = (("written_notice_sent", D(2026, 3, 1)),)
    soon = one(clocks(CaseFacts(D(2026, 6, 1), events=events), D(2026, 7, 20)), "1024.39(b)")
    assert soon.due_on == D(2026, 8, 28) and soon.state is ClockState.PENDING
    assert "180 days after the notice of 2026-03-01" in soon.basis
    later = one(clocks(CaseFacts(D(2026, 8, 1), events=events), D(2026, 8, 20)), "1024.39(b)")
    assert later.due_on == D(2026, 9, 15)


def test_spoc_is_met_by_its_event() -> None:
    facts = CaseFacts(D(2026, 1, 1), events=(("spoc_assigned", D(2026, 1, 5)),))
    assert one(clocks(facts, D(2026, 3, 1)), "1024.40").state is ClockState.MET
    assert one(clocks(CaseFacts(D(2026, 1, 1)), D(2026, 3, 1)),
               "1024.40").state is ClockState.MISSED


@pytest.mark.parametrize(("days_before_sale", "applies"), [(None, True), (46, True),
                                                           (45, True), (44, False)])
def test_acknowledgment_needs_45_days_before_the_sale(days_before_sale: int | None,
                                                      applies: bool) -> None:
    received = D(2026, 3, 2)
    sale = None if days_before_sale is None else received + timedelta(days=days_before_sale)
    facts = CaseFacts(None, sale_date=sale, events=(("application_received", received),))
    clock = one(clocks(facts, received), "1024.41(b)(2)(i)(B)")
    assert clock.applies is applies
    assert applies or "44 days before the sale" in clock.why_not


@pytest.mark.parametrize(("days_before_sale", "applies"), [(None, True), (38, True),
                                                           (37, False)])
def test_complete_application_clocks_need_more_than_37_days(days_before_sale: int | None,
                                                            applies: bool) -> None:
    complete = D(2026, 3, 2)
    sale = None if days_before_sale is None else complete + timedelta(days=days_before_sale)
    facts = CaseFacts(None, sale_date=sale, events=(("application_complete", complete),))
    found = clocks(facts, complete)
    notice, decide = one(found, "1024.41(c)(3)"), one(found, "1024.41(c)(1)")
    assert (notice.due_on, decide.due_on) == (D(2026, 3, 9), D(2026, 4, 1))
    assert notice.applies is applies and decide.applies is applies
    assert one(found, "1024.41(g)").applies is applies


@pytest.mark.parametrize(("days_before_sale", "window", "applies"), [
    (None, 14, True), (90, 14, True), (89, 7, True), (38, 7, True), (37, 14, False),
    (36, 14, False)])
def test_offer_acceptance_window_by_days_before_the_sale(
        days_before_sale: int | None, window: int, applies: bool) -> None:
    complete, offer = D(2026, 3, 2), D(2026, 3, 20)
    sale = None if days_before_sale is None else complete + timedelta(days=days_before_sale)
    facts = CaseFacts(None, sale_date=sale, events=(("application_complete", complete),
                                                    ("offer_sent", offer)))
    clock = one(clocks(facts, offer), "1024.41(e)")
    assert clock.due_on == offer + timedelta(days=window) and clock.applies is applies
    assert one(clocks(facts, offer), "1024.41(c)(1)").state is ClockState.MET


@pytest.mark.parametrize(("days_before_sale", "applies"), [(None, True), (90, True),
                                                           (89, False)])
def test_appeal_right_needs_completion_90_days_before_the_sale(
        days_before_sale: int | None, applies: bool) -> None:
    complete, denied = D(2026, 3, 2), D(2026, 3, 25)
    sale = None if days_before_sale is None else complete + timedelta(days=days_before_sale)
    facts = CaseFacts(None, sale_date=sale, events=(("application_complete", complete),
                                                    ("denied", denied)))
    clock = one(clocks(facts, denied), "1024.41(h)")
    assert clock.due_on == D(2026, 4, 8) and clock.applies is applies


def test_an_appeal_is_decided_within_30_days() -> None:
    events = (("application_complete", D(2026, 3, 2)), ("denied", D(2026, 3, 25)),
              ("appeal_received", D(2026, 4, 1)))
    found = clocks(CaseFacts(None, events=events), D(2026, 4, 2))
    assert one(found, "1024.41(h)").state is ClockState.MET
    assert one(found, "1024.41(h)(4)").due_on == D(2026, 5, 1)
    decided = clocks(CaseFacts(None, events=(*events, ("appeal_decided", D(2026, 4, 20)))),
                     D(2026, 4, 21))
    assert one(decided, "1024.41(h)(4)").state is ClockState.MET


def test_a_complete_application_bars_filing_and_sale_until_decided() -> None:
    d0 = D(2025, 10, 1)
    complete = D(2026, 3, 2)
    facts = CaseFacts(d0, sale_date=D(2026, 6, 30),
                      events=(("application_complete", complete),))
    found = clocks(facts, D(2026, 3, 10))
    filing, sale = one(found, "1024.41(f)(1)"), one(found, "1024.41(g)")
    assert filing.state is ClockState.BARRED and "awaiting a decision" in filing.notes[0]
    assert sale.state is ClockState.BARRED
    offered = CaseFacts(d0, sale_date=D(2026, 6, 30),
                        events=(("application_complete", complete),
                                ("offer_sent", D(2026, 3, 20))))
    assert one(clocks(offered, D(2026, 3, 25)), "1024.41(g)").state is ClockState.BARRED
    assert one(clocks(offered, D(2026, 4, 4)), "1024.41(g)").state is ClockState.ALLOWED
    assert one(clocks(offered, D(2026, 4, 4)), "1024.41(f)(1)").state is ClockState.ALLOWED


FAR_SALE = D(2026, 9, 30)  # 212 days after completion: every right applies


def _bars(events: tuple[tuple[str, date], ...], today: date,
          sale: date | None = FAR_SALE) -> tuple[ClockState, ClockState, str]:
    """First filing and sale for a case 150+ days late with a complete application."""
    found = clocks(CaseFacts(D(2025, 10, 1), sale_date=sale,
                             events=(("application_complete", D(2026, 3, 2)), *events)), today)
    filing, sale_clock = one(found, "1024.41(f)(1)"), one(found, "1024.41(g)")
    return filing.state, sale_clock.state, " ".join(filing.notes)


def test_an_accepted_option_keeps_the_bar_until_a_failure_to_perform() -> None:
    """1024.41(f)(2)(iii), (g)(3): performing under an accepted option is not a lifted bar."""
    accepted = (("offer_sent", D(2026, 3, 20)), ("offer_accepted", D(2026, 3, 25)))
    filing, sale, why = _bars(accepted, D(2026, 6, 1))
    assert (filing, sale) == (ClockState.BARRED, ClockState.BARRED)
    assert "option accepted on 2026-03-25 being performed" in why
    # a trial begun (or a trial payment made) accepts as well
    trial = (("offer_sent", D(2026, 3, 20)), ("trial_started", D(2026, 4, 1)))
    assert _bars(trial, D(2026, 6, 1))[:2] == (ClockState.BARRED, ClockState.BARRED)
    failed = (*accepted, ("failed_to_perform", D(2026, 5, 20)))
    assert _bars(failed, D(2026, 6, 1))[:2] == (ClockState.ALLOWED, ClockState.ALLOWED)
    rejected = (("offer_sent", D(2026, 3, 20)), ("offer_rejected", D(2026, 3, 22)))
    assert _bars(rejected, D(2026, 3, 23))[:2] == (ClockState.ALLOWED, ClockState.ALLOWED)


def test_a_modification_denied_with_another_offer_keeps_the_bar_through_the_appeal() -> None:
    """1024.41(f)(2)(i), comment 41(d)-3: a denied modification is appealable even when a
    repayment plan is offered; the bar stays in the appeal window and while it is pending,
    and the appeal extends acceptance of the offer to 14 days after its decision."""
    both = (("denied", D(2026, 3, 20)), ("offer_sent", D(2026, 3, 20)),
            ("offer_rejected", D(2026, 3, 24)))
    assert _bars(both, D(2026, 3, 30))[:2] == (ClockState.BARRED, ClockState.BARRED)
    assert "within its appeal window" in _bars(both, D(2026, 3, 30))[2]
    assert _bars(both, D(2026, 4, 4))[:2] == (ClockState.ALLOWED, ClockState.ALLOWED)
    appealed = (("denied", D(2026, 3, 20)), ("offer_sent", D(2026, 3, 20)),
                ("appeal_received", D(2026, 4, 1)))
    filing, _, why = _bars(appealed, D(2026, 4, 20))
    assert filing is ClockState.BARRED and "appeal of 2026-04-01 not yet decided" in why
    decided = (*appealed, ("appeal_decided", D(2026, 4, 25)))
    assert _bars(decided, D(2026, 5, 9))[0] is ClockState.BARRED  # offer open to May 9
    assert _bars(decided, D(2026, 5, 10))[0] is ClockState.ALLOWED
    window = one(clocks(CaseFacts(None, events=(("application_complete", D(2026, 3, 2)),
                                                *decided)), D(2026, 4, 26)), "1024.41(e)")
    assert window.due_on == D(2026, 5, 9) and "appeal decision" in window.basis


def test_a_denial_with_no_appeal_right_lifts_the_bar_at_once() -> None:
    """Completed fewer than 90 days before the sale: no appeal, so no appeal window bar."""
    denied = (("denied", D(2026, 3, 20)),)
    assert _bars(denied, D(2026, 3, 21), sale=D(2026, 5, 20))[:2] == (
        ClockState.ALLOWED, ClockState.ALLOWED)
    assert _bars(denied, D(2026, 3, 21), sale=D(2026, 6, 1))[:2] == (
        ClockState.BARRED, ClockState.BARRED)


def test_days_before_a_sale_are_fixed_when_the_application_is_complete() -> None:
    """1024.41(b)(3): a sale scheduled after completion, 20 days out, does not take away the
    notice, the decision clock, the sale bar or the 14-day window; a sale known then, 30
    days out, keeps them off even once it is postponed."""
    complete = D(2026, 3, 2)
    events = (("application_complete", complete), ("offer_sent", D(2026, 3, 10)))
    unscheduled = CaseFacts(None, sale_date=D(2026, 3, 22), events=events,
                            sale_known=(("application_complete", complete, None),))
    found = clocks(unscheduled, D(2026, 3, 10))
    assert all(one(found, rule).applies for rule in ("1024.41(c)(3)", "1024.41(c)(1)",
                                                     "1024.41(g)", "1024.41(e)"))
    assert one(found, "1024.41(e)").due_on == D(2026, 3, 24)  # 14 days
    near = CaseFacts(None, sale_date=None, events=events,
                     sale_known=(("application_complete", complete, D(2026, 4, 1)),))
    found = clocks(near, D(2026, 3, 10))
    assert not one(found, "1024.41(c)(1)").applies
    assert "30 days before the sale" in one(found, "1024.41(c)(1)").why_not
    # an event recorded before the sale date was kept is judged on today's sale date
    legacy = CaseFacts(None, sale_date=D(2026, 4, 1), events=events)
    assert not one(clocks(legacy, D(2026, 3, 10)), "1024.41(c)(1)").applies


def test_no_complete_application_notice_once_the_decision_went_out() -> None:
    """1024.41(c)(3)(ii): a decision sent within the notice's 5 business days replaces it;
    one sent after the notice was due leaves the notice missed."""
    complete = D(2026, 3, 2)  # notice due Mar 9
    quick = CaseFacts(None, events=(("application_complete", complete),
                                    ("offer_sent", D(2026, 3, 6))))
    notice = one(clocks(quick, D(2026, 3, 20)), "1024.41(c)(3)")
    assert not notice.applies and "decision went out on 2026-03-06" in notice.why_not
    slow = CaseFacts(None, events=(("application_complete", complete),
                                   ("denied", D(2026, 3, 16))))
    notice = one(clocks(slow, D(2026, 3, 20)), "1024.41(c)(3)")
    assert notice.applies and notice.state is ClockState.MISSED


def test_a_cease_communication_notice_exempts_live_contact_and_spaces_the_notice() -> None:
    """1024.39(d): FDCPA-covered and a cease-communication notice: live contact is exempt,
    shown with its rule and never missed; the written notice comes again within 190 days
    of the last (Feb 10 + 190 = Aug 19), not 180."""
    events = (("written_notice_sent", D(2026, 2, 10)),)
    ceased = CaseFacts(D(2026, 1, 1), events=events, fdcpa_cease=True)
    found = clocks(ceased, D(2026, 9, 1))
    live = [c for c in found if c.citation == "1024.39(a)"]
    assert len(live) == 1 and not live[0].applies and "1024.39(d)(1)" in live[0].why_not
    assert "1024.39(a)" not in open_deadlines(found)
    notices = [c for c in found if c.citation == "1024.39(b)"]
    assert notices[1].due_on == D(2026, 8, 19)
    assert next_time_change(ceased, D(2026, 3, 5)).window_only is False


def test_not_a_principal_residence_is_informational() -> None:
    facts = CaseFacts(D(2026, 1, 1), principal_residence=False)
    found = clocks(facts, D(2026, 1, 20))
    assert found and all(not c.applies and "principal residence" in c.why_not for c in found)
    assert next_deadline(found) is None


def test_the_next_deadline_is_the_earliest_open_binding_one() -> None:
    facts = CaseFacts(D(2026, 1, 1), events=(("application_received", D(2026, 1, 12)),))
    found = clocks(facts, D(2026, 1, 13))
    first = next_deadline(found)
    assert first is not None and first.citation == "1024.41(b)(2)(i)(B)"
    assert first.due_on == D(2026, 1, 20)  # MLK day (Jan 19) is skipped


def test_weekend_holidays_follow_the_observed_day_policy() -> None:
    # July 4, 2026 is a Saturday, observed Friday July 3.
    received = D(2026, 6, 29)  # Monday
    facts = CaseFacts(None, events=(("application_received", received),))
    ack = "1024.41(b)(2)(i)(B)"
    assert one(clocks(facts, received), ack).due_on == D(2026, 7, 6)  # Friday counts
    strict = BusinessCalendar(exclude_observed=True)
    assert one(clocks(facts, received, strict), ack).due_on == D(2026, 7, 7)


def test_year_end_calendar_days_and_business_days() -> None:
    facts = CaseFacts(D(2026, 12, 1), events=(("application_complete", D(2026, 12, 28)),))
    found = clocks(facts, D(2026, 12, 28))
    assert one(found, "1024.41(c)(3)").due_on == D(2027, 1, 5)  # skips Jan 1
    assert one(found, "1024.41(c)(1)").due_on == D(2027, 1, 27)
    assert one(found, "1024.39(a)").due_on == D(2027, 1, 6)


def test_a_missed_live_contact_window_stays_missed_until_the_conversation() -> None:
    # Jan 1 is unpaid; a talk on Jan 20 meets its window. Feb 1's window (to Mar 9) passes
    # with no talk: in April it is still the one to act on, missed, not moved to Apr 6.
    facts = CaseFacts(D(2026, 1, 1), contacts=(D(2026, 1, 20),))
    april = open_deadlines(clocks(facts, D(2026, 4, 10)))["1024.39(a)"]
    assert (april.due_on, april.state) == (D(2026, 3, 9), ClockState.MISSED)
    assert april.basis == "installment due 2026-02-01"
    talked = CaseFacts(D(2026, 1, 1), contacts=(D(2026, 1, 20), D(2026, 4, 12)))
    after = [c for c in clocks(talked, D(2026, 4, 12)) if c.citation == "1024.39(a)"]
    assert {c.basis: c.met_by for c in after}["installment due 2026-02-01"] == (
        "live contact on 2026-04-12 (late)")
    assert "1024.39(a)" not in open_deadlines(after)  # every window so far is met
    assert next_time_change(talked, D(2026, 4, 12)).on == D(2026, 5, 1)


def test_time_changes_nothing_for_an_investment_property_or_a_current_loan() -> None:
    assert next_time_change(CaseFacts(D(2026, 1, 1), principal_residence=False),
                            D(2026, 3, 1)).on is None
    assert next_time_change(CaseFacts(None), D(2026, 3, 1)).on is None
    assert next_time_change(CaseFacts(D(2026, 3, 1)), D(2026, 3, 1)).on == D(2026, 3, 2)
    # Never reached: the first window stays the one to act on, whatever falls due.
    assert next_time_change(CaseFacts(D(2026, 1, 1)), D(2026, 3, 5)).on is None


def test_the_monthly_change_is_only_the_new_window() -> None:
    talked = CaseFacts(D(2026, 9, 1), contacts=(D(2026, 11, 29),))
    change = next_time_change(talked, D(2026, 11, 29))
    assert change.on == D(2026, 12, 1) and change.window_only and change.then is None
    noticed = CaseFacts(D(2026, 9, 1), contacts=(D(2026, 11, 29),),
                        events=(("written_notice_sent", D(2026, 10, 10)),))
    change = next_time_change(noticed, D(2026, 11, 29))
    # The next notice's clock starts with the installment whose day 45 is 180 days after
    # Oct 10 (Apr 8): Mar 1 + 45 = Apr 15.
    assert (change.on, change.window_only, change.then) == (D(2026, 12, 1), True, D(2027, 3, 1))
    # The same day also restarts the notice (Jul 15 + 180 = Jan 11, and Dec 1 + 45 = Jan 15
    # is the first day 45 on or after it): not a window-only change.
    both = CaseFacts(D(2026, 6, 1), contacts=(D(2026, 11, 20),),
                     events=(("written_notice_sent", D(2026, 7, 15)),))
    change = next_time_change(both, D(2026, 11, 29))
    assert (change.on, change.window_only) == (D(2026, 12, 1), False)
    assert _deadlines_on(both, D(2026, 12, 1)) - _deadlines_on(both, D(2026, 11, 30)) == {
        ("1024.39(a)", D(2027, 1, 6)), ("1024.39(b)", D(2027, 1, 11))}


def _deadlines_on(facts: CaseFacts, day: date) -> set[tuple[str, date | None]]:
    return {(c.citation, c.due_on) for c in open_deadlines(clocks(facts, day)).values()}


_kinds = st.sampled_from(["written_notice_sent", "written_notice_sent", "live_contact",
                          "spoc_assigned", "application_received", "application_complete",
                          "offer_sent", "denied", "appeal_received", "appeal_decided",
                          "offer_accepted", "acknowledgment_sent", "complete_notice_sent",
                          "offer_rejected", "no_option_notice_sent", "payment_received",
                          "bankruptcy_discharged", "bankruptcy_dismissed",
                          "bankruptcy_reaffirmed", "successor_confirmed"])
_offset = st.integers(min_value=-20, max_value=560)  # days from the first unpaid due date


# 200 examples in all, in four tests of 50 (delinquent or not, a principal residence or not:
# the same cases the two booleans drew from), so that the workers share them.
@pytest.mark.parametrize("delinquent", [True, False], ids=["delinquent", "current"])
@pytest.mark.parametrize("owner", [True, False], ids=["residence", "investment"])
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.dates(min_value=D(2025, 1, 1), max_value=D(2027, 3, 28))
       .map(lambda d: d.replace(day=min(d.day, 28))),
       elapsed=st.integers(min_value=-40, max_value=600),
       sale=st.one_of(st.none(), _offset),
       contacts=st.lists(_offset, max_size=3),
       events=st.lists(st.tuples(_kinds, _offset), max_size=4),
       attempts=st.lists(_offset, max_size=4), filings=st.lists(_offset, max_size=2),
       successor=st.lists(_offset, max_size=1))
def test_next_time_change_is_the_next_day_the_open_deadlines_differ(
        base: date, delinquent: bool, elapsed: int, owner: bool, sale: int | None,
        contacts: list[int], events: list[tuple[str, int]], attempts: list[int],
        filings: list[int], successor: list[int]) -> None:
    """Day by day for 14 months: nothing changes before `on`; on `on` with `window_only`,
    only that installment's live-contact window is added, and nothing else changes before
    `then`. (Facts dated after today are left out: they cannot be known yet.) The facts
    include good-faith attempts, no-option notices, bankruptcies with their endings and
    payments, and successors' applications (1024.39(a), (c), 1024.38)."""
    today = base + timedelta(days=elapsed)
    dated = [(k, base + timedelta(days=d)) for k, d in events]
    talks = [base + timedelta(days=c) for c in contacts]
    def known(days: list[int]) -> tuple[date, ...]:
        return tuple(d for d in (base + timedelta(days=x) for x in days) if d <= today)

    facts = CaseFacts(base if delinquent else None, owner,
                      None if sale is None else base + timedelta(days=sale),
                      tuple((k, d) for k, d in dated if d <= today),
                      tuple(d for d in talks if d <= today), attempts=known(attempts),
                      bankruptcy_filings=tuple((d, 13, f"26-{n}") for n, d in
                                               enumerate(known(filings))),
                      successor_applications=tuple(
                          d for k, d in dated if k == "application_received" and d <= today
                          and successor))
    change = next_time_change(facts, today)
    before = _deadlines_on(facts, today)
    end = today + timedelta(days=425)
    day = today + timedelta(days=1)
    while day <= end and (change.on is None or day < change.on):
        assert _deadlines_on(facts, day) == before, day
        day += timedelta(days=1)
    if change.on is None or change.on > end:
        return
    assert change.on > today
    if not change.window_only:
        return
    added = before | {("1024.39(a)", change.on + timedelta(days=36))}
    assert _deadlines_on(facts, change.on) == added
    stop = min(change.then or end, end)
    day = change.on + timedelta(days=1)
    while day < stop:
        assert _deadlines_on(facts, day) == added, day
        day += timedelta(days=1)
    if change.then is not None and change.then <= end:
        assert _deadlines_on(facts, change.then) != added


def _live(facts: CaseFacts, today: date) -> dict[str, Clock]:
    return {c.basis: c for c in clocks(facts, today) if c.citation == "1024.39(a)"}


JAN = "installment due 2026-01-01"
JAN_1 = D(2026, 1, 1)


def test_good_faith_efforts_meet_the_window_with_two_attempts_on_different_days() -> None:
    """Comment 39(a)-3 (policy: 2 attempts on different days): one attempt, or two on the
    same day, leave the window open; a second day by day 36 meets it, and an attempt meets
    every open window it falls within (39(a)-1.i.B)."""
    one_try = CaseFacts(D(2026, 1, 1), attempts=(D(2026, 1, 5), D(2026, 1, 5)))
    assert _live(one_try, D(2026, 1, 20))[JAN].met_by == ""
    both = CaseFacts(D(2026, 1, 1), attempts=(D(2026, 1, 5), D(2026, 2, 6)))
    clock = _live(both, D(2026, 2, 7))[JAN]
    assert clock.state is ClockState.MET
    assert clock.met_by == "good-faith efforts: attempts on 2026-01-05 and 2026-02-06"
    late = CaseFacts(D(2026, 1, 1), attempts=(D(2026, 1, 5), D(2026, 2, 7)))
    assert _live(late, D(2026, 2, 8))[JAN].state is ClockState.MISSED
    three = CaseFacts(D(2026, 1, 1), attempts=(D(2026, 1, 5), D(2026, 2, 2)),
                      attempts_needed=3)
    assert _live(three, D(2026, 2, 3))[JAN].met_by == ""
    # Feb 2 and Feb 3 fall within both the January window (to Feb 6) and February's
    spanning = CaseFacts(D(2026, 1, 1), attempts=(D(2026, 2, 2), D(2026, 2, 3)))
    windows = _live(spanning, D(2026, 2, 4))
    assert all(c.state is ClockState.MET for c in windows.values()) and len(windows) == 2
    assert "1024.39(a)" not in open_deadlines(clocks(spanning, D(2026, 2, 4)))


def test_a_window_met_by_attempts_opens_the_next_one_like_a_conversation() -> None:
    tried = CaseFacts(D(2026, 1, 1), attempts=(D(2026, 1, 5), D(2026, 1, 9)))
    change = next_time_change(tried, D(2026, 1, 20))
    assert (change.on, change.window_only) == (D(2026, 2, 1), True)
    assert open_deadlines(clocks(tried, D(2026, 2, 1)))["1024.39(a)"].due_on == D(2026, 3, 9)


def test_an_active_application_or_a_no_option_notice_meets_live_contact() -> None:
    """Comment 39(a)-6: while an application or evaluation is active, and after a notice
    that no option is available, the live-contact windows are met."""
    active = CaseFacts(D(2026, 1, 1), events=(("application_received", D(2026, 1, 20)),))
    clock = _live(active, D(2026, 3, 5))
    assert clock[JAN].met_by == "an active loss-mitigation application (since 2026-01-20)"
    assert all(c.state is ClockState.MET for c in clock.values())
    assert next_time_change(active, D(2026, 3, 5)).on is None  # active until decided
    # denied on Feb 10: February's window is met (active on its first day), March's opens
    denied = CaseFacts(D(2026, 1, 1), events=(("application_received", D(2026, 1, 20)),
                                              ("denied", D(2026, 2, 10))))
    found = _live(denied, D(2026, 3, 5))
    assert found["installment due 2026-02-01"].state is ClockState.MET
    assert found["installment due 2026-03-01"].met_by == ""
    # an offer unanswered for 14 days (Feb 8) is deemed rejected: the application is no
    # longer active, and the next installment's window after that (Mar 1) opens
    offered = CaseFacts(D(2026, 1, 1), events=(("application_received", D(2026, 1, 20)),
                                               ("offer_sent", D(2026, 1, 25))))
    assert "1024.39(a)" not in open_deadlines(clocks(offered, D(2026, 2, 28)))
    assert open_deadlines(clocks(offered, D(2026, 3, 1)))["1024.39(a)"].due_on == D(2026, 4, 6)
    assert next_time_change(offered, D(2026, 1, 26)) == TimeChange(D(2026, 3, 1), True)
    notice = CaseFacts(D(2026, 1, 1), events=(("no_option_notice_sent", D(2026, 1, 30)),))
    found = _live(notice, D(2026, 4, 2))
    assert found[JAN].met_by.startswith("the notice of 2026-01-30 that no loss-mitigation")
    assert "1024.39(a)" not in open_deadlines(clocks(notice, D(2026, 4, 2)))
    # a notice after the window's deadline does not rescue it
    too_late = CaseFacts(D(2026, 1, 1), events=(("no_option_notice_sent", D(2026, 2, 7)),))
    assert _live(too_late, D(2026, 2, 8))[JAN].state is ClockState.MISSED


def _bk(filed: date, *events: tuple[str, date], d0: date = JAN_1,
        cease: bool = False) -> CaseFacts:
    return CaseFacts(d0, events=events, fdcpa_cease=cease,
                     bankruptcy_filings=((filed, 13, "26-10001"),))


def _notices(facts: CaseFacts, today: date) -> list[Clock]:
    return [c for c in clocks(facts, today) if c.citation == "1024.39(b)"]


def test_in_bankruptcy_live_contact_is_exempt_and_never_missed() -> None:
    """1024.39(c)(1)(i): while a borrower is a debtor, live contact is not required."""
    facts = _bk(D(2026, 1, 20))
    live = [c for c in clocks(facts, D(2026, 4, 1)) if c.citation == "1024.39(a)"]
    assert len(live) == 1 and not live[0].applies
    assert "debtor in bankruptcy" in live[0].why_not and "1024.39(c)(1)(i)" in live[0].why_not
    assert "1024.39(a)" not in open_deadlines(clocks(facts, D(2026, 4, 1)))
    # a window whose deadline passed before the petition stays missed
    before = _live(_bk(D(2026, 2, 10)), D(2026, 4, 1))
    assert before[JAN].state is ClockState.MISSED and before[JAN].applies


def test_in_bankruptcy_the_notice_is_due_45_days_after_the_petition_once_per_case() -> None:
    """1024.39(c)(1)(iii): delinquent at filing: by the 45th day after the petition, whatever
    was sent in the 180 days before; delinquent after filing: the 45th day of delinquency."""
    sent = ("written_notice_sent", D(2026, 2, 10))
    facts = _bk(D(2026, 3, 2), sent)
    found = _notices(facts, D(2026, 3, 3))
    assert [(c.due_on, c.state) for c in found] == [
        (D(2026, 2, 15), ClockState.MET), (D(2026, 4, 16), ClockState.PENDING)]
    assert "bankruptcy chapter 13 case 26-10001" in found[1].basis
    again = _bk(D(2026, 3, 2), sent, ("written_notice_sent", D(2026, 4, 1)))
    assert _notices(again, D(2026, 12, 1))[-1].state is ClockState.MET
    assert len(_notices(again, D(2026, 12, 1))) == 2  # once per case: no 180-day repeat
    after = _bk(D(2025, 12, 1))  # filed while current; delinquent from Jan 1
    assert [c.due_on for c in _notices(after, D(2026, 1, 10))] == [D(2026, 2, 15)]


def test_in_bankruptcy_no_notice_when_no_option_or_a_cease_notice() -> None:
    """1024.39(c)(1)(ii)."""
    none = _bk(D(2026, 3, 2), ("no_option_notice_sent", D(2026, 3, 5)))
    clock = _notices(none, D(2026, 3, 6))[-1]
    assert not clock.applies and "no loss-mitigation option" in clock.why_not
    ceased = _notices(_bk(D(2026, 3, 2), cease=True), D(2026, 3, 6))[-1]
    assert not ceased.applies and "cease-communication" in ceased.why_not


def test_after_a_dismissal_compliance_resumes_after_the_next_due_date() -> None:
    """1024.39(c)(2): filed Feb 1, dismissed Apr 10; the next due date is May 1: live
    contact by Jun 6 and the notice by Jun 15 (the case's own, due Mar 18, was missed)."""
    facts = _bk(D(2026, 2, 1), ("bankruptcy_dismissed", D(2026, 4, 10)))
    assert next_time_change(facts, D(2026, 4, 11)).on == D(2026, 5, 1)
    deadlines = open_deadlines(clocks(facts, D(2026, 5, 1)))
    assert deadlines["1024.39(a)"].due_on == D(2026, 6, 6)
    assert deadlines["1024.39(b)"].due_on == D(2026, 3, 18)
    owed = [c.due_on for c in _notices(facts, D(2026, 5, 1))]
    assert D(2026, 6, 15) in owed
    assert _live(facts, D(2026, 4, 30)).keys() == {JAN}  # still exempt, shown once


def test_after_a_discharge_live_contact_never_resumes_and_the_notice_only_after_a_payment(
        ) -> None:
    """1024.39(c)(2): after a discharge, no live contact; the notice again only if a payment
    was received since the case began."""
    discharged = _bk(D(2026, 2, 1), ("written_notice_sent", D(2026, 3, 10)),
                     ("bankruptcy_discharged", D(2026, 6, 20)))
    later = clocks(discharged, D(2026, 12, 1))
    assert "1024.39(a)" not in open_deadlines(later)
    live = [c for c in later if c.citation == "1024.39(a)"]
    assert all(not c.applies for c in live) and "does not resume" in live[-1].why_not
    assert [c.due_on for c in _notices(discharged, D(2026, 12, 1))][-1] == D(2026, 3, 18)
    assert "no payment" in _notices(discharged, D(2026, 12, 1))[-1].notes[0]
    assert next_time_change(discharged, D(2026, 7, 1)).on is None
    paid = _bk(D(2026, 2, 1), ("written_notice_sent", D(2026, 3, 10)),
               ("payment_received", D(2026, 5, 5)), ("bankruptcy_discharged", D(2026, 6, 20)))
    assert next_time_change(paid, D(2026, 6, 21)).on == D(2026, 7, 1)
    # Jul 1 + 45 = Aug 15, but the notice of Mar 10 holds it to Sep 6 (180 days)
    assert _notices(paid, D(2026, 7, 1))[-1].due_on == D(2026, 9, 6)
    assert "1024.39(a)" not in open_deadlines(clocks(paid, D(2026, 7, 1)))


def test_bankruptcy_and_military_service_are_facts_the_foreclosure_side_can_read() -> None:
    facts = CaseFacts(D(2026, 1, 1), events=(
        ("bankruptcy_reaffirmed", D(2026, 4, 1)), ("active_duty_started", D(2026, 2, 1)),
        ("active_duty_ended", D(2026, 3, 15))),
        bankruptcy_filings=((D(2026, 2, 10), 7, "26-555"),))
    case = facts.bankruptcy
    assert case is not None and (case.filed_on, case.chapter, case.ended_how,
                                 case.ended_on) == (D(2026, 2, 10), 7, "reaffirmed",
                                                    D(2026, 4, 1))
    assert (facts.active_duty_since, facts.active_duty_until) == (D(2026, 2, 1),
                                                                  D(2026, 3, 15))
    assert CaseFacts(None).bankruptcy is None and CaseFacts(None).active_duty_since is None


def test_a_successors_application_counts_from_the_confirmation_day() -> None:
    """1024.38(b)(1)(vi), 1024.30(d): an application from a claimed successor starts no
    clock until confirmation, then is treated as received that day."""
    received = ("application_received", D(2026, 3, 2))
    waiting = CaseFacts(None, events=(received,), successor_applications=(D(2026, 3, 2),))
    assert not [c for c in clocks(waiting, D(2026, 3, 3)) if c.citation.startswith("1024.41")]
    confirmed = CaseFacts(None, events=(received, ("successor_confirmed", D(2026, 3, 16))),
                          successor_applications=(D(2026, 3, 2),))
    ack = one(clocks(confirmed, D(2026, 3, 16)), "1024.41(b)(2)(i)(B)")
    assert ack.due_on == D(2026, 3, 23) and ack.basis == "application received 2026-03-16"
