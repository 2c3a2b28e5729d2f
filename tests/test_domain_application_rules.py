"""The incomplete-application rules of docs/RULES.md section 4, at their boundaries: facially
complete applications (1024.41(c)(2)(iv)), the complete-application notice not owed after an
acknowledgment that said complete (1024.41(c)(3)(ii)), third-party documents holding the
decision (1024.41(c)(4)), short-term options on an incomplete application
(1024.41(c)(2)(iii)), duplicative applications (1024.41(i)) and the reasonable extra period
for trial payments made by the acceptance deadline (1024.41(e)(2)(ii))."""

from datetime import date, timedelta

from lossmit_tui.domain.calendar import BusinessCalendar
from lossmit_tui.domain.regclock import (
    ACCEPTANCE_EXTRA_DAYS,
    FACIAL_GRACE_DAYS,
    CaseFacts,
    Clock,
    ClockState,
    appeal_refusal,
    application_protection,
    deemed_rejection_day,
    duplicative_applications,
    facially_complete_on,
    regulatory_clocks,
)

CAL = BusinessCalendar()
D = date
D0 = D(2026, 1, 1)  # the oldest unpaid installment in every case below


def clocks(facts: CaseFacts, today: date) -> list[Clock]:
    return regulatory_clocks(facts, today, CAL)


def one(found: list[Clock], citation: str) -> Clock:
    matching = [c for c in found if c.citation == citation]
    assert len(matching) == 1, [c.citation for c in found]
    return matching[0]


def bars(facts: CaseFacts, today: date) -> tuple[ClockState, ClockState | None]:
    """(first filing, sale) on `today`: the sale None when no sale bar is shown."""
    found = clocks(facts, today)
    sale = [c for c in found if c.citation == "1024.41(g)" and c.rule.title.startswith("No")]
    return one(found, "1024.41(f)(1)").state, sale[0].state if sale else None


# --- facially complete (1024.41(c)(2)(iv)) ---------------------------------------------------

RECEIVED = D(2026, 5, 4)
ACKED = D(2026, 5, 6)


def facial_facts(*docs: tuple[str, date | None, date | None], missing: tuple[str, ...] =
                 ("pay_stubs", "form_4506c"), events: tuple[tuple[str, date], ...] = (),
                 sale: date | None = None) -> CaseFacts:
    return CaseFacts(D0, sale_date=sale,
                     events=(("application_received", RECEIVED),
                             ("acknowledgment_sent", ACKED), *events),
                     acknowledgments=((ACKED, missing),), documents=docs)


def test_facially_complete_when_the_last_listed_document_arrives() -> None:
    docs = (("pay_stubs", ACKED, D(2026, 5, 20)), ("form_4506c", ACKED, D(2026, 5, 27)))
    assert facially_complete_on(facial_facts(*docs)) == D(2026, 5, 27)
    assert facially_complete_on(facial_facts(docs[0])) is None  # one still missing


def test_an_acknowledgment_asking_for_nothing_is_facially_complete_on_receipt() -> None:
    assert facially_complete_on(facial_facts(missing=())) == RECEIVED


def test_a_facially_complete_application_bars_filing_and_sale_after_day_120() -> None:
    docs = (("pay_stubs", ACKED, D(2026, 5, 20)), ("form_4506c", ACKED, D(2026, 5, 27)))
    facts = facial_facts(*docs)
    # day 121 is 2026-05-02; before facial completeness nothing protects (only incomplete)
    assert bars(facts, D(2026, 5, 26)) == (ClockState.ALLOWED, None)
    state, sale = bars(facts, D(2026, 5, 27))
    assert (state, sale) == (ClockState.BARRED, ClockState.BARRED)
    notes = one(clocks(facts, D(2026, 5, 27)), "1024.41(f)(1)").notes
    assert "facially complete application of 2026-05-27 (1024.41(c)(2)(iv))" in notes[0]


def test_asking_for_more_keeps_the_protections_for_a_reasonable_period_only() -> None:
    docs = (("pay_stubs", ACKED, D(2026, 5, 20)), ("form_4506c", ACKED, D(2026, 5, 27)),
            ("bank_statements", D(2026, 6, 1), None))  # asked for later, not supplied
    facts = facial_facts(*docs)
    last = D(2026, 6, 1) + timedelta(days=FACIAL_GRACE_DAYS)
    assert bars(facts, last)[0] is ClockState.BARRED
    assert bars(facts, last + timedelta(days=1)) == (ClockState.ALLOWED, None)


def test_supplied_later_the_protections_run_from_facially_complete() -> None:
    """The offer window and appeal right are judged on the facially complete day; the
    30-day decision runs from actual completion."""
    docs = (("pay_stubs", ACKED, D(2026, 5, 20)), ("form_4506c", ACKED, D(2026, 5, 27)),
            ("bank_statements", D(2026, 6, 1), D(2026, 6, 20)))
    sale_day = D(2026, 5, 27) + timedelta(days=90)  # exactly 90 days after facially complete
    facts = facial_facts(*docs, sale=sale_day,
                         events=(("application_complete", D(2026, 6, 22)),))
    protection = application_protection(facts, D(2026, 6, 22))
    assert protection is not None
    assert (protection.since, protection.complete, protection.before_sale) == (
        D(2026, 5, 27), D(2026, 6, 22), 90)
    found = clocks(facts, D(2026, 6, 22))
    assert one(found, "1024.41(c)(1)").due_on == D(2026, 7, 22)
    assert one(found, "1024.41(c)(3)").due_on == CAL.add_business_days(D(2026, 6, 22), 5)
    # denied: 90 days before the sale on the facially complete day gives the appeal right
    denied = facial_facts(*docs, sale=sale_day, events=(
        ("application_complete", D(2026, 6, 22)), ("denied", D(2026, 7, 1))))
    assert appeal_refusal(denied, D(2026, 7, 2)) == ""
    assert one(clocks(denied, D(2026, 7, 2)), "1024.41(h)").applies


# --- the complete-application notice (1024.41(c)(3)(ii)) ----------------------------------

def test_no_complete_notice_after_an_acknowledgment_that_said_complete() -> None:
    facts = facial_facts(missing=(), events=(("application_complete", D(2026, 5, 11)),))
    notice = one(clocks(facts, D(2026, 5, 11)), "1024.41(c)(3)")
    assert not notice.applies
    assert "said the application was complete" in notice.why_not
    assert "1024.41(c)(3)(ii)" in notice.why_not


def test_the_complete_notice_is_owed_when_more_was_asked_after_that_acknowledgment() -> None:
    facts = facial_facts(("bank_statements", D(2026, 5, 8), D(2026, 5, 10)), missing=(),
                         events=(("application_complete", D(2026, 5, 11)),))
    assert one(clocks(facts, D(2026, 5, 11)), "1024.41(c)(3)").applies


def test_the_complete_notice_is_owed_after_an_acknowledgment_listing_missing_items() -> None:
    facts = facial_facts(("pay_stubs", ACKED, D(2026, 5, 8)), ("form_4506c", ACKED, D(2026, 5, 8)),
                         events=(("application_complete", D(2026, 5, 11)),))
    assert one(clocks(facts, D(2026, 5, 11)), "1024.41(c)(3)").applies


# --- third-party documents (1024.41(c)(4)) -------------------------------------------------

COMPLETE = D(2026, 3, 2)


def third_party(*events: tuple[str, date]) -> CaseFacts:
    return CaseFacts(D0, events=(("application_received", D(2026, 2, 20)),
                                 ("application_complete", COMPLETE), *events))


def test_a_delay_notice_by_day_30_holds_the_decision_until_the_documents_arrive() -> None:
    facts = third_party(("third_party_delay_sent", COMPLETE + timedelta(days=30)))
    decide = one(clocks(facts, D(2026, 5, 1)), "1024.41(c)(1)")
    assert decide.due_on is None and decide.state is ClockState.PENDING
    assert "1024.41(c)(4)(ii)" in decide.notes[0]
    arrived = third_party(("third_party_delay_sent", D(2026, 3, 20)),
                          ("third_party_received", D(2026, 4, 10)))  # a Friday
    decide = one(clocks(arrived, D(2026, 4, 10)), "1024.41(c)(1)")
    assert decide.due_on == D(2026, 4, 17)  # 5 business days
    # the bar holds while the decision waits
    assert bars(facts, D(2026, 6, 1))[0] is ClockState.BARRED


def test_a_delay_notice_after_day_30_does_not_save_the_deadline() -> None:
    facts = third_party(("third_party_delay_sent", COMPLETE + timedelta(days=31)))
    decide = one(clocks(facts, D(2026, 5, 1)), "1024.41(c)(1)")
    assert (decide.due_on, decide.state) == (D(2026, 4, 1), ClockState.MISSED)


# --- short-term options on an incomplete application (1024.41(c)(2)(iii)) ------------------

def short_term(*events: tuple[str, date], months: int = 3) -> CaseFacts:
    offered = D(2026, 6, 1)
    return CaseFacts(D0, sale_date=D(2026, 9, 1),
                     events=(("application_received", D(2026, 5, 20)),
                             ("short_term_offered", offered), *events),
                     short_term=((offered, "forbearance", months),))


def test_a_short_term_option_performed_bars_filing_and_sale() -> None:
    accepted = short_term(("offer_accepted", D(2026, 6, 3)))
    assert bars(accepted, D(2026, 7, 1)) == (ClockState.BARRED, ClockState.BARRED)
    notes = one(clocks(accepted, D(2026, 7, 1)), "1024.41(f)(1)").notes
    assert "1024.41(c)(2)(iii)" in notes[0]
    # after its months, or once the borrower fails to perform, the bar lifts
    assert bars(accepted, D(2026, 9, 4)) == (ClockState.ALLOWED, None)
    failed = short_term(("offer_accepted", D(2026, 6, 3)), ("failed_to_perform", D(2026, 7, 2)))
    assert bars(failed, D(2026, 7, 2)) == (ClockState.ALLOWED, None)
    # offered but not taken up protects nothing
    assert bars(short_term(), D(2026, 7, 1)) == (ClockState.ALLOWED, None)


def test_a_short_term_option_gets_its_written_notice_in_5_business_days() -> None:
    notice = one(clocks(short_term(), D(2026, 6, 1)), "1024.41(c)(2)(iii)")
    assert notice.due_on == D(2026, 6, 8)
    sent = one(clocks(short_term(("short_term_notice_sent", D(2026, 6, 5))), D(2026, 6, 9)),
               "1024.41(c)(2)(iii)")
    assert sent.state is ClockState.MET
    turned_down = one(clocks(short_term(("offer_rejected", D(2026, 6, 2))), D(2026, 6, 9)),
                      "1024.41(c)(2)(iii)")
    assert not turned_down.applies


# --- duplicative applications (1024.41(i)) -------------------------------------------------

FIRST = (("application_received", D(2026, 2, 2)), ("application_complete", D(2026, 2, 10)),
         ("denied", D(2026, 3, 5)))


def test_a_new_application_after_an_evaluated_one_while_delinquent_is_duplicative() -> None:
    facts = CaseFacts(D0, events=(*FIRST, ("application_received", D(2026, 6, 1)),
                                  ("application_complete", D(2026, 6, 10))))
    assert duplicative_applications(facts) == [(D(2026, 6, 1), D(2026, 2, 10))]
    found = clocks(facts, D(2026, 6, 10))
    ack = [c for c in found if c.citation == "1024.41(b)(2)(i)(B)"
           and c.basis == "application received 2026-06-01"]
    assert ack and not ack[0].applies and "duplicative (1024.41(i))" in ack[0].why_not
    # no new decision clock, and no bar: the first application's denial stands
    assert one(found, "1024.41(c)(1)").basis == "application complete 2026-02-10"
    assert bars(facts, D(2026, 6, 10))[0] is ClockState.ALLOWED


def test_a_cure_between_makes_the_next_application_new() -> None:
    facts = CaseFacts(D0, events=(*FIRST, ("application_received", D(2026, 6, 1)),
                                  ("application_complete", D(2026, 6, 10))),
                      cures=(D(2026, 4, 1),))
    assert duplicative_applications(facts) == []
    assert bars(facts, D(2026, 6, 10))[0] is ClockState.BARRED


def test_a_new_delinquency_makes_the_next_application_new() -> None:
    """The borrower was current since (the oldest unpaid installment came after the first
    application was completed): not delinquent at all times since."""
    facts = CaseFacts(D(2026, 5, 1), events=(*FIRST, ("application_received", D(2026, 6, 1))))
    assert duplicative_applications(facts) == []


def test_an_application_never_evaluated_does_not_make_the_next_duplicative() -> None:
    facts = CaseFacts(D0, events=(("application_received", D(2026, 2, 2)),
                                  ("application_complete", D(2026, 2, 10)),
                                  ("application_received", D(2026, 3, 1))))
    assert duplicative_applications(facts) == []


# --- trial payments by the acceptance deadline (1024.41(e)(2)(ii)) -------------------------

OFFERED = D(2026, 4, 1)


def offer(*events: tuple[str, date]) -> CaseFacts:
    return CaseFacts(D0, events=(("application_received", D(2026, 2, 20)),
                                 ("application_complete", D(2026, 3, 2)),
                                 ("offer_sent", OFFERED), *events))


def test_a_trial_payment_by_the_deadline_gets_a_reasonable_extra_period() -> None:
    due = OFFERED + timedelta(days=14)
    paid = offer(("trial_payment", due))
    window = one(clocks(paid, due + timedelta(days=1)), "1024.41(e)")
    assert window.due_on == due + timedelta(days=ACCEPTANCE_EXTRA_DAYS)
    assert "1024.41(e)(2)(ii)" in window.basis
    assert deemed_rejection_day(paid, clocks(paid, due)) == \
        due + timedelta(days=ACCEPTANCE_EXTRA_DAYS + 1)
    # the bar holds through the extra period (an option being performed)
    assert bars(paid, due + timedelta(days=10))[0] is ClockState.BARRED


def test_a_trial_payment_after_the_deadline_gets_no_extra_period() -> None:
    due = OFFERED + timedelta(days=14)
    late = offer(("trial_payment", due + timedelta(days=1)))
    window = one(clocks(late, due + timedelta(days=1)), "1024.41(e)")
    assert window.due_on == due
    assert deemed_rejection_day(late, clocks(late, due)) == due + timedelta(days=1)


def test_a_trial_started_meets_the_acceptance_window() -> None:
    """A first trial payment accepts the offer where the investor says so: the trial it
    starts answers the offer."""
    started = offer(("trial_started", OFFERED + timedelta(days=5)))
    assert one(clocks(started, OFFERED + timedelta(days=6)), "1024.41(e)").state is ClockState.MET
