"""The act-next order: what can still be saved first, long-missed windows after it."""

from dataclasses import replace
from datetime import date, timedelta

from lossmit_tui.domain.act_next import (
    DUE_SOON_DAYS,
    MISSED_AFTER_DAYS,
    SALE_SOON_DAYS,
    Band,
    act_key,
    place,
    why_here,
)
from lossmit_tui.domain.urgency import UrgencyInput

TODAY = date(2026, 11, 29)
DAY = timedelta(days=1)
CALM = UrgencyInput(today=TODAY, next_action_on=None, days_delinquent=40, sale_date=None,
                    promise_due_on=None, promise_kept=False, last_rpc_on=None, stage="outreach")


def test_bands_in_order() -> None:
    held = replace(CALM, sale_date=TODAY + 7 * DAY, sale_hold=True,
                   next_action_on=TODAY - 512 * DAY)
    sale = replace(CALM, sale_date=TODAY + SALE_SOON_DAYS * DAY)
    promise = replace(CALM, promise_due_on=TODAY, next_action_on=TODAY - 400 * DAY)
    due = replace(CALM, next_action_on=TODAY + DUE_SOON_DAYS * DAY)
    late = replace(CALM, next_action_on=TODAY - MISSED_AFTER_DAYS * DAY)
    missed = replace(CALM, next_action_on=TODAY - (MISSED_AFTER_DAYS + 1) * DAY)
    later = replace(CALM, next_action_on=TODAY + (DUE_SOON_DAYS + 1) * DAY,
                    sale_date=TODAY + (SALE_SOON_DAYS + 1) * DAY)
    assert [place(c).band for c in (held, sale, promise, due, late, missed, later, CALM)] == [
        Band.SALE_HOLD, Band.SALE_SOON, Band.DUE_NOW, Band.DUE_NOW, Band.DUE_NOW, Band.MISSED,
        Band.LATER, Band.NOTHING]
    keys = [act_key(c) for c in (held, sale, promise, due, missed, later, CALM)]
    assert keys == sorted(keys)


def test_within_a_band() -> None:
    # due now: earliest first (a recent miss before today's work)
    assert act_key(replace(CALM, next_action_on=TODAY - 3 * DAY)) < act_key(
        replace(CALM, next_action_on=TODAY))
    # missed windows: the most recently missed first
    assert act_key(replace(CALM, next_action_on=TODAY - 40 * DAY)) < act_key(
        replace(CALM, next_action_on=TODAY - 512 * DAY))
    # sales: the soonest first
    assert act_key(replace(CALM, sale_date=TODAY + 3 * DAY)) < act_key(
        replace(CALM, sale_date=TODAY + 30 * DAY))


def test_a_kept_promise_or_a_past_sale_does_not_lead() -> None:
    assert place(replace(CALM, promise_due_on=TODAY, promise_kept=True)).band is Band.NOTHING
    assert place(replace(CALM, sale_date=TODAY - DAY, sale_hold=True)).band is Band.NOTHING


def test_why_says_which_and_how_late() -> None:
    missed = replace(CALM, next_action_on=TODAY - 512 * DAY)
    assert why_here(missed, "regulatory_deadline").startswith(
        "The regulatory deadline was missed 512 days ago (2025-07-05)")
    held = replace(missed, sale_date=TODAY + 7 * DAY, sale_hold=True)
    assert "counsel must postpone it" in why_here(held, None)
    assert "in 7 days (2026-12-06)" in why_here(held, None)
    due = replace(CALM, next_action_on=TODAY + 3 * DAY)
    assert why_here(due, "callback").startswith("The callback is due in 3 days (2026-12-02)")
    promise = replace(CALM, promise_due_on=TODAY, next_action_on=TODAY + 9 * DAY)
    assert why_here(promise, "callback").startswith("A promise to pay is due today")
    assert why_here(CALM, None).startswith("Nothing is scheduled")
