"""Complaint clocks (docs/RULES.md section 9): every row at its boundaries — weekends,
holidays, the extension (refused after its deadline and for payoff, foreclosure and owner
errors), the foreclosure error's "before the sale", the 5-BD written correction, exempt
notices, the credit-reporting hold, the CFPB timeline and the servicer's own target."""

from dataclasses import replace
from datetime import date

from lossmit_tui.domain.calendar import BusinessCalendar
from lossmit_tui.domain.complaints import (
    ComplaintFacts,
    complaint_clocks,
    extension_refusal,
    foreclosure_error_lines,
    on_time,
)
from lossmit_tui.domain.regclock import Clock, ClockState, open_deadlines

CAL = BusinessCalendar()
D = date
MON = D(2026, 3, 2)  # a Monday with no holiday for six weeks


def error(category: str = "b2", received: date = MON, **kw: object) -> ComplaintFacts:
    return ComplaintFacts(1, received, "mail", "notice_of_error", category, **kw)  # type: ignore[arg-type]


def request(topic: str = "other", received: date = MON, **kw: object) -> ComplaintFacts:
    return ComplaintFacts(2, received, "mail", "request_for_information", None, topic, **kw)  # type: ignore[arg-type]


def one(facts: ComplaintFacts, citation: str, today: date = MON) -> Clock:
    found = [c for c in complaint_clocks(facts, today, CAL) if c.citation == citation]
    assert len(found) == 1, [c.citation for c in complaint_clocks(facts, today, CAL)]
    return found[0]


def test_acknowledgment_5bd_skips_christmas_weekend_and_new_year() -> None:
    # 1024.35(d): the worked example of section 4, Wednesday 24 December to Friday 2 January
    assert one(error(received=D(2025, 12, 24)), "1024.35(d)").due_on == D(2026, 1, 2)


def test_acknowledgment_skips_memorial_day() -> None:
    # 1024.36(c): Monday 18 May 2026, Memorial Day 25 May is not a business day
    assert one(request(received=D(2026, 5, 18)), "1024.36(c)").due_on == D(2026, 5, 26)


def test_received_on_a_saturday_counts_from_monday() -> None:
    # 1024.35(d): a Saturday receipt has the same deadline as the Friday before
    assert one(error(received=D(2026, 3, 7)), "1024.35(d)").due_on == D(2026, 3, 13)
    assert one(error(received=D(2026, 3, 6)), "1024.35(d)").due_on == D(2026, 3, 13)


def test_response_deadlines_by_kind() -> None:
    assert one(error("b6"), "1024.35(e)(3)(i)(A)").due_on == D(2026, 3, 11)  # payoff 7 BD
    assert one(error("b2"), "1024.35(e)(3)(i)(C)").due_on == D(2026, 4, 13)  # 30 BD
    assert one(error("b11"), "1024.35(e)(3)(i)(C)").due_on == D(2026, 4, 13)
    assert one(request("owner_identity"), "1024.36(d)(2)(i)(A)").due_on == D(2026, 3, 16)
    assert one(request(), "1024.36(d)(2)(i)(B)").due_on == D(2026, 4, 13)


def test_qualified_written_request_is_an_error_or_a_request_by_what_it_says() -> None:
    qwr = ComplaintFacts(3, MON, "mail", "qualified_written_request", "b5")
    assert one(qwr, "1024.35(d)").applies
    asks = ComplaintFacts(3, MON, "mail", "qualified_written_request", None, "other")
    assert one(asks, "1024.36(c)").applies


def test_foreclosure_error_due_before_the_sale_when_that_is_earlier() -> None:
    # 1024.35(e)(3)(i)(B): before the sale or 30 BD, whichever is earlier
    near = one(error("b10", sale_date=D(2026, 3, 20)), "1024.35(e)(3)(i)(B)")
    assert near.due_on == D(2026, 3, 19)
    assert any("before the sale on 2026-03-20" in n for n in near.notes)
    far = one(error("b9", sale_date=D(2026, 6, 1)), "1024.35(e)(3)(i)(B)")
    assert far.due_on == D(2026, 4, 13)
    none = one(error("b9"), "1024.35(e)(3)(i)(B)")
    assert none.due_on == D(2026, 4, 13)


def test_foreclosure_error_before_the_sale_at_the_30_bd_boundary() -> None:
    # 1024.35(e)(3)(i)(B): 30 BD from Monday 2 March is Monday 13 April
    assert one(error("b9", sale_date=D(2026, 4, 14)), "1024.35(e)(3)(i)(B)").due_on \
        == D(2026, 4, 13)  # the day before the sale is the 30th BD: the same day
    on_30th = one(error("b9", sale_date=D(2026, 4, 13)), "1024.35(e)(3)(i)(B)")
    assert on_30th.due_on == D(2026, 4, 12)  # a Sunday: before the sale, not a BD later
    assert any("before the sale on 2026-04-13" in n for n in on_30th.notes)
    # a sale date already past at receipt does not shorten the deadline
    past = one(error("b10", received=D(2026, 3, 2), sale_date=D(2026, 3, 2)),
               "1024.35(e)(3)(i)(B)")
    assert past.due_on == D(2026, 4, 13)
    # a b11 error ("any other") on a case with a sale is not a foreclosure error: 30 BD
    assert one(error("b11", sale_date=D(2026, 3, 20)), "1024.35(e)(3)(i)(C)").due_on \
        == D(2026, 4, 13)


def test_foreclosure_error_lines_for_the_foreclosure_status() -> None:
    near = error("b10", sale_date=D(2026, 3, 20))
    (line,) = foreclosure_error_lines([near, error("b2")], MON, CAL)
    assert "complaint 1, received 2026-03-02, asserts a foreclosure error (1024.35(b)(10)" \
        in line
    assert "respond by 2026-03-19, before the sale on 2026-03-20 [1024.35(e)(3)(i)(B)]" in line
    late = foreclosure_error_lines([error("b10", sale_date=D(2026, 3, 9))], MON, CAL)[0]
    assert "1024.35(f)(2)" in late
    answered = replace(near, responded_on=D(2026, 3, 5))
    assert "answered: response on 2026-03-05" in foreclosure_error_lines([answered], MON,
                                                                        CAL)[0]
    missed = foreclosure_error_lines([near], D(2026, 3, 20), CAL)[0]
    assert "MISSED: respond by 2026-03-19" in missed
    phone = ComplaintFacts(4, MON, "phone", "notice_of_error", "b9", sale_date=D(2026, 3, 20))
    assert "no Reg X response clock" in foreclosure_error_lines([phone], MON, CAL)[0]
    assert foreclosure_error_lines([replace(near, closed_on=MON)], MON, CAL) == ()


def test_foreclosure_error_seven_days_before_sale_needs_a_good_faith_answer() -> None:
    # 1024.35(f)(2): received 7 days before the sale
    late = one(error("b10", sale_date=D(2026, 3, 9)), "1024.35(e)(3)(i)(B)")
    assert late.due_on == D(2026, 3, 8)
    assert any("1024.35(f)(2)" in n for n in late.notes)
    eight = one(error("b10", sale_date=D(2026, 3, 10)), "1024.35(e)(3)(i)(B)")
    assert not any("1024.35(f)(2)" in n for n in eight.notes)


def test_extension_on_the_deadline_adds_15bd() -> None:
    # 1024.35(e)(3)(ii): the notice goes out by the deadline (13 April)
    facts = error("b2")
    assert extension_refusal(facts, D(2026, 4, 13), CAL) == ""
    extended = one(replace(facts, extension_on=D(2026, 4, 13)), "1024.35(e)(3)(i)(C)")
    assert extended.due_on == D(2026, 5, 4)
    assert any("1024.35(e)(3)(ii)" in n for n in extended.notes)


def test_extension_refused_after_its_deadline() -> None:
    # 1024.35(e)(3)(ii), 1024.36(d)(2)(ii): a day late is too late
    assert "too late" in extension_refusal(error("b2"), D(2026, 4, 14), CAL)
    assert "too late" in extension_refusal(request(), D(2026, 4, 14), CAL)
    late = one(replace(error("b2"), extension_on=D(2026, 4, 14)), "1024.35(e)(3)(i)(C)")
    assert late.due_on == D(2026, 4, 13)


def test_extension_never_for_payoff_foreclosure_or_owner() -> None:
    assert "payoff" in extension_refusal(error("b6"), MON, CAL)
    assert "foreclosure" in extension_refusal(error("b9"), MON, CAL)
    assert "owner" in extension_refusal(request("owner_identity"), MON, CAL)
    recorded = one(replace(error("b6"), extension_on=MON), "1024.35(e)(3)(i)(A)")
    assert recorded.due_on == D(2026, 3, 11)  # a refused extension moves nothing


def test_extension_only_once() -> None:
    facts = replace(error("b2"), extension_on=D(2026, 3, 10))
    assert "already extended" in extension_refusal(facts, D(2026, 3, 11), CAL)


def test_documents_relied_on_15bd_after_the_request() -> None:
    # 1024.35(e)(4)
    facts = error("b2", documents_requested_on=MON)
    clock = one(facts, "1024.35(e)(4)")
    assert clock.due_on == D(2026, 3, 23)
    sent = one(replace(facts, documents_sent_on=D(2026, 3, 23)), "1024.35(e)(4)")
    assert sent.state is ClockState.MET
    late = one(replace(facts, documents_sent_on=D(2026, 3, 24)), "1024.35(e)(4)",
               D(2026, 3, 25))
    assert late.state is ClockState.MISSED and "(late)" in late.met_by


def test_credit_reporting_hold_60_calendar_days() -> None:
    # 1024.35(i): barred through day 59, allowed from day 60
    assert one(error(), "1024.35(i)", D(2026, 4, 30)).state is ClockState.BARRED
    hold = one(error(), "1024.35(i)", D(2026, 5, 1))
    assert hold.due_on == D(2026, 5, 1) and hold.state is ClockState.ALLOWED
    assert "1024.35(i)" not in open_deadlines(complaint_clocks(error(), MON, CAL))


def test_written_correction_within_5bd_meets_acknowledgment_and_response() -> None:
    # 1024.35(f)(1): corrected and told in writing on the 5th BD (9 March)
    facts = error("b2", responded_on=D(2026, 3, 9), corrected=True)
    assert one(facts, "1024.35(d)").state is ClockState.MET
    assert one(facts, "1024.35(e)(3)(i)(C)").state is ClockState.MET
    # on the 6th BD the acknowledgment was missed
    late = error("b2", responded_on=D(2026, 3, 10), corrected=True)
    assert one(late, "1024.35(d)", D(2026, 3, 10)).state is ClockState.MISSED
    # a "no error" answer is a response, not the correction shortcut
    said_no = error("b2", responded_on=D(2026, 3, 9), corrected=False)
    assert one(said_no, "1024.35(d)", D(2026, 3, 10)).state is ClockState.MISSED


def test_information_sent_within_5bd_meets_the_request_clocks() -> None:
    # 1024.36(e)
    facts = request("owner_identity", responded_on=D(2026, 3, 6), corrected=True)
    assert one(facts, "1024.36(c)").state is ClockState.MET
    assert one(facts, "1024.36(d)(2)(i)(A)").state is ClockState.MET


def test_states_pending_due_soon_met_missed() -> None:
    facts = error("b2")
    ack = "1024.35(d)"  # due 9 March
    assert one(facts, ack, D(2026, 3, 2)).state is ClockState.PENDING  # 7 days out
    assert one(facts, ack, D(2026, 3, 4)).state is ClockState.DUE_SOON
    assert one(facts, ack, D(2026, 3, 9)).state is ClockState.DUE_SOON
    assert one(facts, ack, D(2026, 3, 10)).state is ClockState.MISSED
    done = one(replace(facts, acknowledged_on=D(2026, 3, 9)), ack, D(2026, 3, 10))
    assert done.state is ClockState.MET and on_time(done) is True


def test_duplicative_notice_exempt_with_its_notice_in_5bd() -> None:
    # 1024.35(g): no acknowledgment, response or credit hold; the notice 5 BD after deciding
    facts = error("b2", exemption="duplicative", exemption_decided_on=D(2026, 3, 4))
    for cite in ("1024.35(d)", "1024.35(e)(3)(i)(C)", "1024.35(i)"):
        clock = one(facts, cite)
        assert not clock.applies and "duplicative" in clock.why_not
    notice = one(facts, "1024.35(g)(2)")
    assert notice.due_on == D(2026, 3, 11)
    sent = one(replace(facts, exemption_notice_on=D(2026, 3, 11)), "1024.35(g)(2)")
    assert sent.state is ClockState.MET


def test_untimely_request_notice_over_thanksgiving() -> None:
    # 1024.36(f)(2): decided Wednesday 25 November 2026; Thanksgiving 26 November
    facts = request(received=D(2026, 11, 20), exemption="untimely",
                    exemption_decided_on=D(2026, 11, 25))
    assert one(facts, "1024.36(f)(2)", D(2026, 11, 25)).due_on == D(2026, 12, 3)


def test_cfpb_portal_15_and_60_calendar_days() -> None:
    facts = ComplaintFacts(4, MON, "cfpb_portal", "regulator_complaint")
    assert one(facts, "CFPB 15-day").due_on == D(2026, 3, 17)
    assert one(facts, "CFPB 60-day").due_on == D(2026, 5, 1)


def test_phone_complaint_has_no_regx_clock_but_the_servicer_target() -> None:
    facts = ComplaintFacts(5, MON, "phone", "notice_of_error", "b2", target_bd=10)
    ack = one(facts, "1024.35(d)")
    assert not ack.applies and "written" in ack.why_not
    assert one(facts, "policy").due_on == D(2026, 3, 16)
    assert set(open_deadlines(complaint_clocks(facts, MON, CAL))) == {"policy"}


def test_notice_sent_elsewhere_when_an_address_is_designated() -> None:
    # 1024.35(c): with a designated address, a notice sent elsewhere starts no Reg X clock
    facts = error("b2", designated_address=True, at_designated=False)
    assert not one(facts, "1024.35(d)").applies
    assert one(facts, "policy").applies
    # without a designated address any office counts (comment 35(c)-1)
    assert one(error("b2", designated_address=False, at_designated=False),
               "1024.35(d)").applies


def test_closed_complaint_binds_nothing_more() -> None:
    facts = error("b2", responded_on=D(2026, 3, 20), closed_on=D(2026, 3, 20))
    clocks = complaint_clocks(facts, D(2026, 3, 21), CAL)
    assert open_deadlines(clocks) == {}
    ack = one(facts, "1024.35(d)", D(2026, 3, 21))
    assert not ack.applies and "closed" in ack.why_not
