"""What an event starts (DOMAIN.md section 4 boundaries) and how old a document may be."""

from datetime import date, timedelta

import pytest

from lossmit_tui.domain.calendar import BusinessCalendar
from lossmit_tui.domain.documents import age_state
from lossmit_tui.domain.events import EventFacts, deadlines_started

CAL = BusinessCalendar()
ON = date(2026, 3, 2)  # a Monday


def started(kind: str, sale_in: int | None, completed_before_sale: int | None = None
            ) -> dict[str, date]:
    sale = None if sale_in is None else ON + timedelta(days=sale_in)
    completed = (None if completed_before_sale is None or sale is None
                 else sale - timedelta(days=completed_before_sale))
    return {d.rule: d.due_on for d in deadlines_started(EventFacts(kind, ON, sale, completed),
                                                        CAL)}


def test_the_worked_example_acknowledgment_skips_christmas_the_weekend_and_new_year() -> None:
    facts = EventFacts("application_received", date(2025, 12, 24), None, None)
    assert [d.due_on for d in deadlines_started(facts, CAL)] == [date(2026, 1, 2)]


@pytest.mark.parametrize(("sale_in", "applies"), [(None, True), (45, True), (44, False)])
def test_acknowledgment_needs_45_days_before_a_sale(sale_in: int | None, applies: bool) -> None:
    assert bool(started("application_received", sale_in)) is applies


@pytest.mark.parametrize(("sale_in", "applies"), [(None, True), (38, True), (37, False)])
def test_complete_application_clocks_need_more_than_37_days(sale_in: int | None,
                                                            applies: bool) -> None:
    clocks = started("application_complete", sale_in)
    assert (clocks == {"1024.41(c)(3)": date(2026, 3, 9),
                       "1024.41(c)(1)": ON + timedelta(days=30)}) is applies


@pytest.mark.parametrize(("completed_before_sale", "days"), [
    (None, 14), (90, 14), (89, 7), (37, 7)])
def test_offer_acceptance_window(completed_before_sale: int | None, days: int) -> None:
    sale_in = None if completed_before_sale is None else 30
    assert started("offer_sent", sale_in, completed_before_sale) == {
        "1024.41(e)": ON + timedelta(days=days)}


@pytest.mark.parametrize(("completed_before_sale", "applies"), [
    (None, True), (90, True), (89, False)])
def test_appeal_window_needs_completion_90_days_before_sale(completed_before_sale: int | None,
                                                           applies: bool) -> None:
    sale_in = None if completed_before_sale is None else 30
    assert bool(started("denied", sale_in, completed_before_sale)) is applies


def test_events_that_start_nothing() -> None:
    for kind in ("live_contact", "payment_received", "stage_changed", "offer_accepted"):
        assert started(kind, None) == {}


@pytest.mark.parametrize(("doc_type", "age", "expired", "expiring"), [
    ("pay_stubs", 74, False, False), ("pay_stubs", 75, False, True),
    ("bank_statements", 90, False, True), ("bank_statements", 91, True, False),
    ("form_710", 400, False, False),  # not an income document: it does not age
])
def test_income_documents_age_past_90_days(doc_type: str, age: int, expired: bool,
                                            expiring: bool) -> None:
    state = age_state(doc_type, ON - timedelta(days=age), ON)
    assert (state.expired, state.expiring) == (expired, expiring)
