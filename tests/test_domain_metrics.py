"""The management metrics' definitions (lossmit_tui/domain/metrics.py) on small hand-built
histories: each boundary of each definition."""

from datetime import date

import pytest

from lossmit_tui.domain.calendar import BusinessCalendar
from lossmit_tui.domain.delinquency import Bucket
from lossmit_tui.domain.metrics import (
    Call,
    Deadline,
    Event,
    Item,
    Span,
    acknowledgment_timeliness,
    age_band,
    application_completion,
    became_thirty_plus,
    bucket_on,
    by_loan,
    contact_attempts_per_loan,
    cure_rate,
    days_delinquent_on,
    days_to_complete,
    deadline_compliance,
    decided_within_30,
    decision_turnaround,
    delinquent_loans,
    live_contact_by_day_36,
    month_end,
    notice_timeliness,
    open_item_aging,
    percentile,
    pipeline,
    productivity,
    promise_kept_rate,
    promise_to_pay_rate,
    redefault,
    right_party_contact_rate,
    roll_rate,
    stage_since,
    status_on,
    transition_to_60,
    trials_before_day_210,
    workout_mix,
)

MAY, JUNE = date(2026, 5, 1), date(2026, 6, 1)


def loan(case_id: int, *steps: tuple[date, date | None], stage: str = "outreach",
         workout: str | None = None, fc: str | None = None) -> list[Span]:
    """A loan's history from (valid_from, oldest unpaid due) steps, each open until the
    next one starts."""
    spans = []
    for n, (start, due) in enumerate(steps):
        end = steps[n + 1][0] if n + 1 < len(steps) else None
        spans.append(Span(case_id, start, end, due, stage, fc, None, workout))
    return spans


def test_status_on_reads_the_interval_covering_the_day_half_open() -> None:
    spans = loan(1, (date(2026, 1, 1), date(2026, 1, 1)), (date(2026, 3, 10), date(2026, 3, 1)))
    assert status_on(spans, date(2025, 12, 31)) is None  # before history starts
    assert status_on(spans, date(2026, 3, 9)) == spans[0]
    assert status_on(spans, date(2026, 3, 10)) == spans[1]  # valid_to is not included
    # two changes on one day: the empty interval covers nothing, the day's last status holds
    same_day = [Span(2, date(2026, 1, 1), date(2026, 2, 1), None, "new"),
                Span(2, date(2026, 2, 1), date(2026, 2, 1), None, "outreach"),
                Span(2, date(2026, 2, 1), None, None, "application")]
    found = status_on(same_day, date(2026, 2, 1))
    assert found is not None and found.stage == "application"


def test_days_delinquent_and_bucket_are_derived_from_history_on_the_day() -> None:
    spans = loan(1, (date(2026, 1, 1), date(2026, 1, 1)), (date(2026, 4, 20), date(2026, 2, 1)))
    assert days_delinquent_on(spans, date(2026, 1, 1)) == 0  # due today: not yet late
    assert days_delinquent_on(spans, date(2026, 1, 31)) == 30
    assert bucket_on(spans, date(2026, 1, 31)) == Bucket.CURRENT  # next due not yet passed
    assert bucket_on(spans, date(2026, 2, 1)) == Bucket.D30
    assert bucket_on(spans, date(2026, 4, 1)) == Bucket.D90
    assert bucket_on(spans, date(2026, 4, 20)) == Bucket.D60  # a payment moved the due date
    assert days_delinquent_on(spans, date(2025, 1, 1)) is None
    paid_off = [Span(3, date(2026, 1, 1), None, date(2026, 1, 1), "paid_off")]
    assert bucket_on(paid_off, date(2026, 3, 1)) is None  # out of the book


def test_month_end_handles_short_months() -> None:
    assert month_end(date(2026, 2, 14)) == date(2026, 2, 28)
    assert month_end(date(2028, 2, 1)) == date(2028, 2, 29)
    assert month_end(date(2026, 12, 1)) == date(2026, 12, 31)


def test_roll_rates_count_loans_in_the_bucket_at_the_prior_month_end_only() -> None:
    # statuses on 31 May and 30 June; a bucket counts the later due dates passed unpaid
    histories = by_loan([
        # due 1 May: current on 31 May (1 June not yet passed), 30 on 30 June -> rolled
        *loan(1, (date(2026, 1, 1), date(2026, 5, 1))),
        # the same, but paid on 15 June (due 1 June then): current on 30 June -> not rolled
        *loan(2, (date(2026, 1, 1), date(2026, 5, 1)), (date(2026, 6, 15), date(2026, 6, 1))),
        # due 1 April: 30 on 31 May, 60 on 30 June -> rolled
        *loan(3, (date(2026, 1, 1), date(2026, 4, 1))),
        # due 1 April, one installment paid on 10 June: still 30 on 30 June -> not rolled
        *loan(4, (date(2026, 1, 1), date(2026, 4, 1)), (date(2026, 6, 10), date(2026, 5, 1))),
        # no status on 31 May (history starts in June): left out
        *loan(5, (date(2026, 6, 2), date(2026, 4, 1))),
    ])
    current = roll_rate(histories, JUNE, Bucket.CURRENT)
    assert (current.numerator, current.denominator) == (1, 2)
    assert current.ids == {1} and current.base == {1, 2}
    thirty = roll_rate(histories, JUNE, Bucket.D30)
    assert (thirty.numerator, thirty.denominator, thirty.ids) == (1, 2, {3})
    assert roll_rate(histories, JUNE, Bucket.D60).denominator == 0
    assert roll_rate(histories, JUNE, Bucket.D60).value is None
    with pytest.raises(ValueError):
        roll_rate(histories, JUNE, Bucket.D120)


def test_the_90_to_120_roll_and_liquidated_loans() -> None:
    histories = by_loan([
        *loan(1, (date(2026, 1, 1), date(2026, 2, 1))),  # 90 on 31 May, 120+ on 30 June
        # 90 on 31 May, paid off in June: not in the book at month end, left out
        Span(2, date(2026, 1, 1), date(2026, 6, 5), date(2026, 2, 1), "outreach"),
        Span(2, date(2026, 6, 5), None, date(2026, 2, 1), "paid_off"),
    ])
    rate = roll_rate(histories, JUNE, Bucket.D90)
    assert (rate.numerator, rate.denominator, rate.base) == (1, 1, {1})


def test_cure_rate_looks_three_month_ends_back() -> None:
    # three months before June: 31 March
    histories = by_loan([
        # due 1 Jan: 60 on 31 March; paid up to 1 July in June: current on 30 June
        *loan(1, (date(2025, 12, 1), date(2026, 1, 1)), (date(2026, 6, 1), date(2026, 7, 1))),
        # 60 on 31 March, still 60 on 30 June
        *loan(2, (date(2025, 12, 1), date(2026, 1, 1)), (date(2026, 6, 1), date(2026, 4, 1))),
        # due 1 Feb: only 30 on 31 March, not in the base though current in June
        *loan(3, (date(2025, 12, 1), date(2026, 2, 1)), (date(2026, 6, 1), date(2026, 7, 1))),
    ])
    rate = cure_rate(histories, JUNE)
    assert (rate.numerator, rate.denominator, rate.ids) == (1, 2, {1})


def test_transition_to_60_counts_current_and_30_at_the_prior_month_end() -> None:
    histories = by_loan([
        *loan(1, (date(2026, 1, 1), date(2026, 4, 1))),  # 30 -> 60
        *loan(2, (date(2026, 1, 1), date(2026, 5, 1))),  # current -> 30
        *loan(3, (date(2026, 1, 1), date(2026, 3, 1))),  # already 60: not in the base
    ])
    rate = transition_to_60(histories, JUNE)
    assert (rate.numerator, rate.denominator, rate.ids) == (1, 2, {1})


def test_redefault_takes_the_cohort_modified_that_many_months_before() -> None:
    # report June; 3 months after: modified in March (1 to 31 March)
    def modified(case_id: int, on: date, due_then: date, fc: str | None = None) -> list[Span]:
        return [Span(case_id, date(2025, 12, 1), on, date(2025, 10, 1), "trial", None, None,
                     "trial"),
                Span(case_id, on, None, due_then, "modified", fc, None, "modified")]
    histories = by_loan([
        *modified(1, date(2026, 3, 1), date(2026, 4, 1)),  # 60+ on 30 June: re-defaulted
        *modified(2, date(2026, 3, 31), date(2026, 6, 1)),  # 30 only: performing
        *modified(3, date(2026, 3, 15), date(2026, 6, 1), fc="referred"),  # in foreclosure
        *modified(4, date(2026, 4, 1), date(2026, 4, 1)),  # April: another cohort
        *modified(5, date(2026, 2, 28), date(2026, 4, 1)),  # February: another cohort
    ])
    rate = redefault(histories, JUNE, 3)
    assert (rate.numerator, rate.denominator, rate.ids) == (2, 3, {1, 3})
    assert redefault(histories, JUNE, 6).denominator == 0
    assert redefault(histories, date(2026, 7, 1), 3).base == {4}


def test_contact_attempts_and_rpc_rate_are_per_delinquent_loan() -> None:
    histories = by_loan([
        *loan(1, (date(2026, 1, 1), date(2026, 6, 1))),  # delinquent from 2 June
        *loan(2, (date(2026, 1, 1), date(2026, 7, 1))),  # current all June
        # delinquent in May, paid up on 1 June (due 1 July then)
        *loan(3, (date(2026, 1, 1), date(2026, 5, 1)), (date(2026, 6, 1), date(2026, 7, 1))),
    ])
    delinquent = delinquent_loans(histories, JUNE)
    assert delinquent == {1}
    assert delinquent_loans(histories, MAY) == {3}
    calls = [Call(1, 7, date(2026, 6, 3)), Call(1, 7, date(2026, 6, 4), rpc=True),
             Call(1, 7, date(2026, 5, 31)),  # May: not June's
             Call(2, 7, date(2026, 6, 5)),  # a current loan: not counted
             Call(1, 7, date(2026, 6, 6), rpc=True, outbound=False)]  # inbound: no attempt
    attempts = contact_attempts_per_loan(calls, delinquent, JUNE)
    assert (attempts.numerator, attempts.denominator, attempts.value) == (2, 1, 2.0)
    rpc = right_party_contact_rate(calls, delinquent, JUNE)
    assert (rpc.numerator, rpc.denominator) == (1, 1)
    assert right_party_contact_rate(calls[:1], delinquent, JUNE).value == 0.0


def test_promise_rates() -> None:
    calls = [Call(1, 7, date(2026, 6, 2), rpc=True, promise_on=date(2026, 6, 10)),
             Call(2, 7, date(2026, 6, 2), rpc=True, promise_on=date(2026, 6, 20)),
             Call(3, 7, date(2026, 6, 2), rpc=True),
             Call(4, 7, date(2026, 5, 20), rpc=True, promise_on=date(2026, 6, 5)),
             Call(5, 7, date(2026, 6, 25), rpc=True, promise_on=date(2026, 7, 2))]
    made = promise_to_pay_rate(calls, JUNE)
    assert (made.numerator, made.denominator) == (3, 4)  # 1, 2, 5 of 1, 2, 3, 5
    events = [Event(1, "payment_received", date(2026, 6, 10)),  # on the promised day: kept
              Event(2, "payment_received", date(2026, 6, 21)),  # a day late: broken
              Event(4, "payment_received", date(2026, 5, 19))]  # before the call: not it
    kept = promise_kept_rate(calls, events, JUNE)
    assert (kept.numerator, kept.denominator, kept.ids) == (1, 3, {1})


def test_acknowledgment_within_five_business_days() -> None:
    cal = BusinessCalendar()
    # received Thursday 4 June 2026: 5 business days later is Thursday 11 June
    events = [Event(1, "application_received", date(2026, 6, 4)),
              Event(1, "acknowledgment_sent", date(2026, 6, 11)),
              Event(2, "application_received", date(2026, 6, 4)),
              Event(2, "acknowledgment_sent", date(2026, 6, 12)),  # a day late
              Event(3, "application_received", date(2026, 6, 30)),  # not acknowledged
              Event(4, "application_received", date(2026, 5, 29))]  # May's
    rate = acknowledgment_timeliness(events, JUNE, cal.add_business_days)
    assert (rate.numerator, rate.denominator, rate.ids) == (1, 3, {1})


def test_application_completion_and_days_to_complete() -> None:
    events = [Event(1, "application_received", date(2026, 6, 1)),
              Event(1, "application_complete", date(2026, 6, 11)),  # 10 days
              Event(2, "application_received", date(2026, 6, 1)),
              Event(2, "application_complete", date(2026, 7, 1)),  # after June's end
              Event(3, "application_received", date(2026, 5, 1)),
              Event(3, "application_complete", date(2026, 6, 30))]  # 60 days, May's receipt
    rate = application_completion(events, JUNE)
    assert (rate.numerator, rate.denominator, rate.ids) == (1, 2, {1})
    days = days_to_complete(events, JUNE)
    assert (days.count, days.median, days.p90) == (2, 35, 60)


def test_percentile_is_nearest_rank() -> None:
    values = list(range(1, 11))  # 1..10
    assert percentile(values, 90) == 9
    assert percentile(values, 100) == 10
    assert percentile([5.0], 90) == 5.0
    assert percentile([], 90) is None


def test_decision_turnaround_and_share_within_30_days() -> None:
    events = [Event(1, "application_complete", date(2026, 5, 5)),
              Event(1, "offer_sent", date(2026, 6, 4)),  # 30 days: within
              Event(2, "application_complete", date(2026, 5, 5)),
              Event(2, "denied", date(2026, 6, 5)),  # 31 days: late
              Event(3, "offer_sent", date(2026, 6, 5))]  # no complete application: left out
    turnaround = decision_turnaround(events, JUNE)
    assert (turnaround.count, turnaround.median) == (2, 30.5)
    within = decided_within_30(events, JUNE)
    assert (within.numerator, within.denominator, within.ids) == (1, 2, {1})


def test_trial_conversion_counts_trials_that_ended_in_the_month() -> None:
    from lossmit_tui.domain.metrics import trial_conversion

    events = [Event(1, "trial_started", date(2026, 3, 1)),
              Event(1, "modification_effective", date(2026, 6, 1)),
              Event(2, "trial_started", date(2026, 3, 1)),
              Event(2, "failed_to_perform", date(2026, 6, 20)),
              Event(3, "plan_started", date(2026, 3, 1)),
              Event(3, "failed_to_perform", date(2026, 6, 20)),  # a plan, not a trial
              Event(4, "trial_started", date(2026, 3, 1)),
              Event(4, "modification_effective", date(2026, 7, 1))]  # July's
    rate = trial_conversion(events, JUNE)
    assert (rate.numerator, rate.denominator, rate.ids) == (1, 2, {1})


def test_deadline_compliance_is_per_clock_met_on_or_before_the_day() -> None:
    deadlines = [Deadline(1, "1024.39(a)", date(2026, 6, 6), date(2026, 6, 6)),  # on the day
                 Deadline(2, "1024.39(a)", date(2026, 6, 6), date(2026, 6, 7)),  # late
                 Deadline(3, "1024.39(a)", date(2026, 6, 6), None),  # missed
                 Deadline(4, "1024.39(b)", date(2026, 6, 15), date(2026, 6, 1)),
                 Deadline(5, "1024.39(b)", date(2026, 7, 1), None)]  # July's
    by_clock = deadline_compliance(deadlines, JUNE)
    assert list(by_clock) == ["1024.39(a)", "1024.39(b)"]
    assert (by_clock["1024.39(a)"].numerator, by_clock["1024.39(a)"].denominator) == (1, 3)
    assert by_clock["1024.39(b)"].value == 1.0


def test_pipeline_by_stage_with_median_age_from_history() -> None:
    day = date(2026, 6, 30)
    histories = by_loan([
        Span(1, date(2026, 6, 1), date(2026, 6, 10), None, "new"),
        # outreach since 10 June across two intervals (a due date change in between)
        Span(1, date(2026, 6, 10), date(2026, 6, 20), date(2026, 5, 1), "outreach"),
        Span(1, date(2026, 6, 20), None, date(2026, 6, 1), "outreach"),
        Span(2, date(2026, 6, 20), None, date(2026, 6, 1), "outreach"),
        Span(3, date(2026, 6, 1), None, date(2026, 6, 1), "cured"),  # closed: left out
    ])
    assert stage_since(histories[1], day) == date(2026, 6, 10)
    stages = pipeline(histories, day)
    assert list(stages) == ["outreach"]
    assert (stages["outreach"].count, stages["outreach"].median_age) == (2, 15)


def test_productivity_per_specialist() -> None:
    calls = [Call(1, 7, date(2026, 6, 2), rpc=True), Call(1, 7, date(2026, 6, 3)),
             Call(2, 8, date(2026, 6, 2), rpc=True), Call(1, 7, date(2026, 5, 2), rpc=True)]
    events = [Event(1, "application_complete", date(2026, 6, 5), 7),
              Event(1, "offer_sent", date(2026, 6, 25), 7),
              Event(2, "denied", date(2026, 6, 25), 8)]
    result = productivity(calls, events, JUNE, 22,
                          {7: frozenset({1, 3}), 8: frozenset({2})})
    seven = result[7]
    assert seven.rpc_per_day == 1 / 22
    assert (seven.applications_completed, seven.decisions, seven.caseload) == (1, 1, 2)
    assert seven.touches_per_case == 1.0  # two June calls over two loans
    assert result[8].decisions == 1 and result[8].applications_completed == 0


def test_a_book_remembers_buckets_and_gives_the_same_figures_as_plain_histories() -> None:
    from lossmit_tui.domain.metrics import Book

    plain = by_loan([
        *loan(1, (date(2026, 1, 1), date(2026, 5, 1))),
        *loan(2, (date(2026, 1, 1), date(2026, 4, 1)), (date(2026, 6, 10), date(2026, 5, 1))),
        Span(3, date(2025, 12, 1), date(2026, 3, 5), date(2025, 10, 1), "trial", None, None,
             "trial"),
        Span(3, date(2026, 3, 5), None, date(2026, 4, 1), "modified", None, None, "modified"),
    ])
    book = Book(plain)
    for start in (Bucket.CURRENT, Bucket.D30):
        assert roll_rate(book, JUNE, start) == roll_rate(plain, JUNE, start)
    assert transition_to_60(book, JUNE) == transition_to_60(plain, JUNE)
    assert redefault(book, JUNE, 3) == redefault(plain, JUNE, 3)
    assert redefault(book, JUNE, 3).base == {3}
    assert book.buckets(date(2026, 6, 30)) is book.buckets(date(2026, 6, 30))  # remembered


def test_became_thirty_plus_in_the_month_and_not_the_month_before() -> None:
    histories = by_loan([
        # due 1 May: day 30 on 31 May, so 30+ in May, not newly in June
        *loan(1, (date(2026, 1, 1), date(2026, 5, 1))),
        # due 2 May: day 29 on 31 May, day 30 on 1 June: became 30+ in June
        *loan(2, (date(2026, 1, 1), date(2026, 5, 2))),
        # due 1 June: day 29 on 30 June: not yet
        *loan(3, (date(2026, 1, 1), date(2026, 6, 1))),
        # due 31 May: day 30 on 30 June, the month's last day
        *loan(4, (date(2026, 1, 1), date(2026, 5, 31))),
        # 30+ in April, paid up in May (due 1 June), 30+ again? no: day 29 on 30 June
        *loan(5, (date(2026, 1, 1), date(2026, 3, 1)), (date(2026, 5, 10), date(2026, 6, 1))),
        # due 10 May, paid on 9 June (day 30) then current: 30+ on 9 June, not on the 10th
        *loan(6, (date(2026, 1, 1), date(2026, 5, 10)), (date(2026, 6, 10), date(2026, 7, 10))),
        # due 10 May but paid on 9 June, the status ending the day before day 30
        *loan(7, (date(2026, 1, 1), date(2026, 5, 10)), (date(2026, 6, 9), date(2026, 7, 10))),
        # a liquidated loan is out of the book
        *loan(8, (date(2026, 1, 1), date(2026, 5, 10)), stage="paid_off"),
    ])
    became = became_thirty_plus(histories, JUNE)
    assert became == {2: date(2026, 5, 2), 4: date(2026, 5, 31), 6: date(2026, 5, 10)}
    assert set(became_thirty_plus(histories, MAY)) == {1}


def test_live_contact_and_quality_contact_by_day_36() -> None:
    became = {1: date(2026, 5, 2), 2: date(2026, 5, 2), 3: date(2026, 5, 2),
              4: date(2026, 5, 2), 5: date(2026, 5, 2)}
    calls = [
        Call(1, 7, date(2026, 6, 7), rpc=True),  # day 36: in time
        Call(2, 7, date(2026, 6, 8), rpc=True, quality=True),  # day 37: late
        Call(3, 7, date(2026, 5, 2), rpc=True, quality=True),  # day 0: counts
        Call(4, 7, date(2026, 5, 1), rpc=True, quality=True),  # before the due date: not
        Call(5, 7, date(2026, 6, 1)),  # no right party
        Call(9, 7, date(2026, 6, 1), rpc=True, quality=True),  # not in the cohort
        Call(5, 7, date(2026, 6, 1), rpc=False, quality=True),  # not a right-party contact
    ]
    live = live_contact_by_day_36(calls, became)
    assert (live.numerator, live.denominator, live.ids) == (2, 5, {1, 3})
    quality = live_contact_by_day_36(calls, became, quality=True)
    assert (quality.numerator, quality.denominator, quality.ids) == (1, 5, {3})
    assert live_contact_by_day_36(calls, {}).value is None


def test_written_notice_timeliness_by_its_deadline() -> None:
    deadlines = [Deadline(1, "1024.39(b)", date(2026, 6, 15), None),
                 Deadline(2, "1024.39(b)", date(2026, 6, 15), None),
                 Deadline(3, "1024.39(b)", date(2026, 6, 15), None),
                 Deadline(4, "1024.39(b)", date(2026, 6, 30), None),
                 Deadline(5, "1024.39(b)", date(2026, 7, 1), None),  # July's
                 Deadline(6, "1024.39(a)", date(2026, 6, 15), None),  # another clock
                 Deadline(7, "1024.39(b)", date(2026, 6, 15), None, cancelled=True)]
    events = [Event(1, "written_notice_sent", date(2026, 6, 15)),  # on the day
              Event(2, "written_notice_sent", date(2026, 6, 16)),  # a day late
              Event(3, "written_notice_sent", date(2026, 5, 1)),  # 45 days before: counts
              Event(4, "written_notice_sent", date(2026, 5, 15)),  # 46 days before: not
              Event(5, "written_notice_sent", date(2026, 6, 20)),
              Event(6, "written_notice_sent", date(2026, 6, 1)),
              Event(7, "written_notice_sent", date(2026, 6, 1))]  # its deadline cancelled
    r = notice_timeliness(deadlines, events, JUNE)
    assert (r.numerator, r.denominator, r.ids, r.base) == (2, 4, {1, 3}, {1, 2, 3, 4})


def test_workout_mix_and_trials_before_day_210() -> None:
    events = [Event(1, "trial_started", date(2026, 6, 1)),
              Event(2, "trial_started", date(2026, 6, 30)),
              Event(3, "plan_started", date(2026, 6, 10)),
              Event(4, "modification_effective", date(2026, 6, 10)),
              Event(5, "trial_started", date(2026, 5, 31)),  # May's
              Event(6, "offer_sent", date(2026, 6, 10)),  # not a start
              Event(7, "trial_started", date(2026, 6, 5))]  # no status that day
    mix = workout_mix(events, JUNE)
    assert {k: (r.numerator, r.denominator) for k, r in mix.items()} == {
        "trial": (3, 5), "repayment plan": (1, 5), "permanent modification": (1, 5)}
    assert mix["trial"].ids == {1, 2, 7}
    histories = by_loan([
        # due 3 November 2025: 1 June is day 210, not before it
        *loan(1, (date(2025, 1, 1), date(2025, 11, 3))),
        # due 3 December 2025: 30 June is day 209
        *loan(2, (date(2025, 1, 1), date(2025, 12, 3))),
        *loan(7, (date(2026, 6, 6), date(2026, 1, 1))),
    ])
    early = trials_before_day_210(histories, events, JUNE)
    assert (early.numerator, early.denominator, early.ids) == (1, 2, {2})


def test_open_item_aging_at_the_month_end_by_band() -> None:
    end = date(2026, 6, 30)
    items = [Item(1, end, None),  # 0 days
             Item(2, date(2026, 6, 23), None),  # 7 days
             Item(3, date(2026, 6, 22), None, deadline=True),  # 8 days
             Item(4, date(2026, 5, 31), date(2026, 7, 1), deadline=True),  # 30, closed later
             Item(5, date(2026, 5, 30), None),  # 31 days
             Item(6, date(2026, 4, 1), None),  # 90 days
             Item(7, date(2026, 3, 31), None, deadline=True),  # 91 days
             Item(8, date(2026, 1, 1), end),  # closed on the month's end: not open
             Item(9, date(2026, 7, 1), None)]  # created after it
    every = open_item_aging(items, JUNE)
    assert {k: r.ids for k, r in every.items()} == {
        "0-7 days": {1, 2}, "8-30 days": {3, 4}, "31-60 days": {5}, "61-90 days": {6},
        "over 90 days": {7}}
    assert {r.denominator for r in every.values()} == {7}
    deadlines = open_item_aging(items, JUNE, deadlines=True)
    assert {k: r.numerator for k, r in deadlines.items()} == {
        "0-7 days": 0, "8-30 days": 2, "31-60 days": 0, "61-90 days": 0, "over 90 days": 1}
    with pytest.raises(ValueError):
        age_band(-1)
