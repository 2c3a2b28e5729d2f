"""Foreclosure status at its boundaries (docs/RULES.md, "Foreclosure coordination"): each test
names the rule it holds."""

from datetime import date, timedelta

from lossmit_tui.domain.calendar import BusinessCalendar
from lossmit_tui.domain.foreclosure import (
    ForeclosureStatus,
    foreclosure_status,
    hold_clock,
    next_hold_change,
)
from lossmit_tui.domain.regclock import COUNSEL_HOLD, CaseFacts, ClockState, regulatory_clocks

D0 = date(2026, 1, 1)  # the oldest unpaid installment: day 121 is 2026-05-02
CAL = BusinessCalendar()


def status(facts: CaseFacts, today: date) -> ForeclosureStatus:
    return foreclosure_status(facts, regulatory_clocks(facts, today, CAL), today)


def test_first_filing_waits_for_day_121_unless_due_on_sale() -> None:
    """1024.41(f)(1)(i): not before day 121; (ii): a due-on-sale foreclosure need not wait."""
    referred = CaseFacts(D0, events=(("fc_referral", date(2026, 3, 1)),))
    early = status(referred, date(2026, 5, 1))
    assert not early.filing.allowed and "not before 2026-05-02 (day 121)" in early.filing.why
    assert early.referral.allowed  # a referral is not a filing
    assert early.hold.startswith("do not make the first notice or filing: ")
    assert status(referred, date(2026, 5, 2)).filing.allowed
    assert status(referred, date(2026, 5, 2)).hold == ""
    due_on_sale = CaseFacts(D0, events=referred.events,
                            fc_exempt="a due-on-sale foreclosure (1024.41(f)(1)(ii))")
    exempt = status(due_on_sale, date(2026, 5, 1))
    assert exempt.filing.allowed and "do not apply to a due-on-sale" in exempt.filing.why


def test_a_performing_option_keeps_filing_and_sale_barred() -> None:
    """1024.41(f)(2)(iii), (g)(3): an accepted option being performed keeps both bars, until
    a failure to perform is recorded."""
    events = (("fc_referral", date(2026, 5, 10)), ("application_complete", date(2026, 5, 20)),
              ("offer_sent", date(2026, 6, 1)), ("offer_accepted", date(2026, 6, 5)))
    today = date(2026, 8, 1)
    performing = status(CaseFacts(D0, events=events), today)
    assert not performing.filing.allowed
    assert "option accepted on 2026-06-05 being performed" in performing.filing.why
    failed = status(CaseFacts(D0, events=(*events, ("failed_to_perform", date(2026, 7, 20)))),
                    today)
    assert failed.filing.allowed and failed.hold == ""


def test_a_scheduled_sale_barred_by_a_complete_application_is_to_be_postponed() -> None:
    """1024.41(g): complete more than 37 days before the sale: no sale while it is pending;
    the instruction is due the day the hold began and met by recording it."""
    sale = date(2026, 9, 30)
    events = (("fc_referral", date(2026, 5, 10)), ("fc_first_filing", date(2026, 5, 15)),
              ("sale_scheduled", date(2026, 7, 1)), ("application_complete", date(2026, 8, 1)))
    facts = CaseFacts(D0, sale_date=sale, events=events)
    today = date(2026, 8, 3)
    now = status(facts, today)
    assert not now.sale.allowed and now.hold.startswith("postpone the sale of 2026-09-30: ")
    clock = hold_clock(now, facts, today)
    assert clock is not None and clock.rule is COUNSEL_HOLD
    assert (clock.due_on, clock.state) == (today, ClockState.DUE_SOON)  # a new hold: today
    held = CaseFacts(D0, sale_date=sale, events=events, fc_hold=now.hold,
                     fc_hold_since=date(2026, 8, 1))
    later = hold_clock(status(held, today), held, today)
    assert later is not None and (later.due_on, later.state) == (date(2026, 8, 1),
                                                                ClockState.MISSED)
    told = CaseFacts(D0, sale_date=sale, events=(*events, ("counsel_instructed", today)),
                     fc_hold=now.hold, fc_hold_since=date(2026, 8, 1))
    met = hold_clock(status(told, today), told, today)
    assert met is not None and met.met_by == "counsel instructed on 2026-08-03 (late)"


def test_complete_37_days_or_fewer_before_the_sale_does_not_bar_it() -> None:
    """1024.41(g) protects an application complete more than 37 days before the sale."""
    sale = date(2026, 9, 30)
    events = (("fc_referral", date(2026, 5, 10)), ("fc_first_filing", date(2026, 5, 15)),
              ("application_complete", sale - timedelta(days=37)))
    now = status(CaseFacts(D0, sale_date=sale, events=events), date(2026, 8, 30))
    assert now.sale.allowed and "37 or fewer" in now.sale.why and now.hold == ""


def test_a_sale_held_ends_the_foreclosure() -> None:
    events = (("fc_referral", date(2026, 5, 10)), ("fc_first_filing", date(2026, 5, 15)),
              ("sale_held", date(2026, 9, 30)))
    done = status(CaseFacts(D0, events=events), date(2026, 10, 1))
    assert not done.with_counsel and done.sale.why == "sale held on 2026-09-30"


def test_the_daily_pass_looks_again_when_time_may_lift_a_bar() -> None:
    """Day 121, and the day after an acceptance or appeal window, may lift a bar."""
    referred = CaseFacts(D0, events=(("fc_referral", date(2026, 3, 1)),
                                     ("offer_sent", date(2026, 5, 20))))
    assert next_hold_change(referred, date(2026, 3, 2)) == date(2026, 5, 2)
    assert next_hold_change(referred, date(2026, 5, 2)) == date(2026, 6, 4)
    assert next_hold_change(CaseFacts(D0), date(2026, 3, 2)) is None  # not with counsel


def test_a_pending_bankruptcy_stays_filing_and_sale() -> None:
    """11 U.S.C. 362(a): while a borrower is a debtor, no filing and no sale, past day 121
    too; the discharge ends the stay."""
    events = (("fc_referral", date(2026, 5, 10)), ("bankruptcy_filed", date(2026, 6, 1)))
    facts = CaseFacts(D0, events=events, bankruptcy_filings=((date(2026, 6, 1), 13,
                                                              "26-10001"),))
    stayed = status(facts, date(2026, 7, 1))
    assert not stayed.filing.allowed and stayed.filing.rule == "11 U.S.C. 362(a)"
    assert "chapter 13 case 26-10001" in stayed.filing.why
    assert stayed.hold.startswith("do not make the first notice or filing: automatic stay")
    discharged = CaseFacts(D0, events=(*events, ("bankruptcy_discharged", date(2026, 9, 1))),
                           bankruptcy_filings=facts.bankruptcy_filings)
    assert status(discharged, date(2026, 9, 1)).filing.allowed


def test_military_service_bars_a_sale_for_a_year_after() -> None:
    """50 U.S.C. 3953(c): no sale without a court order during service and for a year after;
    the daily pass looks again the day the year ends."""
    events = (("fc_referral", date(2026, 5, 10)), ("fc_first_filing", date(2026, 5, 15)),
              ("active_duty_started", date(2026, 6, 1)), ("active_duty_ended", date(2026, 8, 1)))
    facts = CaseFacts(D0, sale_date=date(2027, 9, 1), events=events)
    serving = status(facts, date(2027, 8, 1))  # 365 days after the service ended
    assert not serving.sale.allowed and serving.sale.rule == "50 U.S.C. 3953(c)"
    assert serving.hold.startswith("postpone the sale of 2027-09-01: a borrower in military "
                                   "service until 2026-08-01")
    assert status(facts, date(2027, 8, 2)).sale.allowed
    assert next_hold_change(facts, date(2027, 7, 1)) == date(2027, 8, 2)


def test_a_sale_date_from_the_extract_puts_the_case_with_counsel() -> None:
    """A sale scheduled on record (the servicing extract) needs a first filing before it: a
    complete application more than 37 days before that sale makes counsel postpone it, with
    no milestone events recorded."""
    sale = date(2026, 12, 30)
    facts = CaseFacts(D0, sale_date=sale, events=(("application_complete", date(2026, 11, 1)),))
    now = status(facts, date(2026, 11, 2))
    assert now.with_counsel and now.filed and now.filing.why == "made (a sale is scheduled)"
    assert now.hold.startswith("postpone the sale of 2026-12-30: ")


def test_the_return_by_date_of_an_incomplete_application() -> None:
    """1024.41(b)(2)(i)(B), comments 41(b)(2)(ii)-1 to -3: 30 days after the notice, moved
    to the earliest milestone ahead, never fewer than 7 days after the notice."""
    from lossmit_tui.domain.documents import return_by

    notice = date(2026, 3, 2)
    thirty = (date(2026, 4, 1), "30 days after the notice")
    assert return_by(notice, oldest_unpaid_due=None, sale_date=None) == thirty
    # day 120 of a delinquency from 2026-01-01 is 2026-05-01: after the 30 days
    assert return_by(notice, oldest_unpaid_due=D0, sale_date=None) == thirty
    # from 2025-12-01 it is 2026-03-31: before them
    assert return_by(notice, oldest_unpaid_due=date(2025, 12, 1), sale_date=None) == (
        date(2026, 3, 31), "the 120th day of delinquency (the earliest milestone ahead)")
    # pay stubs dated 2025-12-10 go stale on 2026-03-10
    assert return_by(notice, oldest_unpaid_due=None, sale_date=None,
                     current_documents=(("pay_stubs", date(2025, 12, 10)),)) == (
        date(2026, 3, 10), "the pay stubs go stale (the earliest milestone ahead)")
    # 38 days before a sale on 2026-04-10 is 2026-03-03 (90 days before it has passed):
    # sooner than 7 days after the notice, so 7 days
    assert return_by(notice, oldest_unpaid_due=None, sale_date=date(2026, 4, 10)) == (
        date(2026, 3, 9), "never fewer than 7 days after the notice")
