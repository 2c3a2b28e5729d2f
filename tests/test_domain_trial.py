"""Trial period plans (docs/RULES.md section 6, "Trial period plans"): the schedule, each
payment's state at the boundaries of its due date and grace, the tasks a trial needs, and
which trial payments may be recorded."""

from datetime import date

import pytest

from lossmit_tui.domain.trial import (
    PaymentState,
    Received,
    Schedule,
    TrialPolicy,
    TrialTaskKind,
    default_first_due,
    effective_date,
    grace_end,
    next_trial_change,
    payment_problems,
    schedule_problems,
    trial_payment_for,
    trial_status,
    trial_tasks,
)

D = date
FANNIE = TrialPolicy()  # grace to the end of the month it was due
FLEX = Schedule(D(2026, 12, 10), 3, 111_771, D(2027, 1, 1), "flex_modification")


def states(received: list[Received], today: date,
           policy: TrialPolicy = FANNIE) -> list[PaymentState]:
    return [p.state for p in trial_status(FLEX, received, today, policy).payments]


def test_schedule_is_monthly_from_the_first_due_date_default_the_first_of_next_month() -> None:
    """D2-3.2-07: three monthly payments; first due entered, else the 1st of next month."""
    assert FLEX.due_dates == (D(2027, 1, 1), D(2027, 2, 1), D(2027, 3, 1))
    assert default_first_due(D(2026, 12, 10)) == D(2027, 1, 1)
    assert default_first_due(D(2026, 11, 30)) == D(2026, 12, 1)
    late = Schedule(D(2027, 1, 5), 3, 100, D(2027, 1, 31))
    assert late.due_dates == (D(2027, 1, 31), D(2027, 2, 28), D(2027, 3, 31))


def test_schedule_round_trips_through_the_event_payload() -> None:
    payload = {"trial": FLEX.as_payload()}
    assert payload["trial"]["due"] == ["2027-01-01", "2027-02-01", "2027-03-01"]
    assert Schedule.from_payload(FLEX.started_on, payload) == FLEX
    assert Schedule.from_payload(FLEX.started_on, {}) is None  # a trial kept without one


def test_schedule_terms_are_bounded() -> None:
    assert schedule_problems(3, 111_771) == []
    assert schedule_problems(0, 111_771) == ["a trial has 1 to 12 payments, not 0"]
    assert schedule_problems(3, 0) == ["the trial payment must be above zero"]
    assert "check the amount" in schedule_problems(3, 10_000_001)[0]


def test_the_trial_payment_of_a_flex_offer_is_the_modified_p_and_i_plus_escrow() -> None:
    assert trial_payment_for({"name": "flex_modification", "pi_after": 111_771}, 0) == 111_771
    assert trial_payment_for({"pi_after": 111_771}, 35_000) == 146_771
    assert trial_payment_for({"name": "forbearance"}, 35_000) is None


def test_fannie_mae_grace_runs_to_the_last_day_of_the_month_it_was_due() -> None:
    """D2-3.2-07: a trial payment counts when received in the month it is due."""
    assert grace_end(D(2027, 2, 1), FANNIE) == D(2027, 2, 28)
    assert grace_end(D(2028, 2, 1), FANNIE) == D(2028, 2, 29)
    assert grace_end(D(2026, 12, 1), FANNIE) == D(2026, 12, 31)
    assert grace_end(D(2027, 2, 1), TrialPolicy(grace_days=15)) == D(2027, 2, 16)


def test_payment_states_at_the_due_day_the_last_grace_day_and_the_day_after() -> None:
    """Due through its due date; in grace after it to the grace's last day; missed after."""
    assert states([], D(2027, 1, 1))[0] is PaymentState.DUE
    assert states([], D(2027, 1, 2))[0] is PaymentState.IN_GRACE
    assert states([], D(2027, 1, 31))[0] is PaymentState.IN_GRACE
    assert states([], D(2027, 2, 1)) == [PaymentState.MISSED, PaymentState.DUE,
                                         PaymentState.DUE]
    policy = TrialPolicy(grace_days=15)
    assert states([], D(2027, 1, 16), policy)[0] is PaymentState.IN_GRACE
    assert states([], D(2027, 1, 17), policy)[0] is PaymentState.MISSED


def test_a_payment_counts_when_received_by_the_last_grace_day_not_after() -> None:
    on_last_day = trial_status(FLEX, [Received(D(2027, 1, 31), 111_771)], D(2027, 3, 5),
                               FANNIE).payments[0]
    assert (on_last_day.state, on_last_day.paid_on) == (PaymentState.PAID, D(2027, 1, 31))
    late = trial_status(FLEX, [Received(D(2027, 2, 1), 111_771, 1)], D(2027, 3, 5),
                        FANNIE).payments[0]
    assert (late.state, late.paid_on) == (PaymentState.MISSED, D(2027, 2, 1))


def test_payments_without_a_number_pay_the_earliest_unpaid_one() -> None:
    """A payment made before the trial started (before the acceptance) counts as the first."""
    status = trial_status(FLEX, [Received(D(2026, 12, 5), 111_771),
                                 Received(D(2027, 1, 28), 111_771)], D(2027, 2, 10), FANNIE)
    assert [p.paid_on for p in status.payments] == [D(2026, 12, 5), D(2027, 1, 28), None]
    assert status.next_step == "payment 3 due 2027-03-01"


def test_next_step_says_where_the_trial_stands() -> None:
    paid = [Received(D(2027, 1, 2), 111_771, 1)]
    assert trial_status(FLEX, paid, D(2027, 2, 1), FANNIE).next_step == \
        "payment 2 due 2027-02-01"
    assert trial_status(FLEX, paid, D(2027, 2, 2), FANNIE).next_step == \
        "payment 2 in grace until 2027-02-28"
    assert trial_status(FLEX, paid, D(2027, 3, 1), FANNIE).next_step.startswith(
        "payment 2 missed (grace ended 2027-02-28)")
    failed = trial_status(FLEX, paid, D(2027, 3, 2), FANNIE, failed=(D(2027, 3, 2), 2))
    assert failed.next_step == "failed to perform on 2027-03-02 (payment 2): the trial is closed"
    every = [Received(D(2027, m, 1), 111_771, m) for m in (1, 2, 3)]
    done = trial_status(FLEX, every, D(2027, 3, 2), FANNIE)
    assert done.complete
    assert done.next_step == "convert by 2027-04-01 (the modification's effective date)"


def test_the_modification_takes_effect_the_first_of_the_month_after_the_last_payment() -> None:
    assert effective_date(FLEX, FANNIE) == D(2027, 4, 1)
    interim = TrialPolicy(effective_months_after=2)  # Freddie Mac's interim month
    assert effective_date(FLEX, interim) == D(2027, 5, 1)


def test_tasks_a_missed_payment_then_a_failure_to_perform_after_the_grace() -> None:
    paid = [Received(D(2027, 1, 2), 111_771, 1)]
    assert trial_tasks(trial_status(FLEX, paid, D(2027, 2, 1), FANNIE), D(2027, 2, 1)) == []
    in_grace = trial_tasks(trial_status(FLEX, paid, D(2027, 2, 2), FANNIE), D(2027, 2, 2))
    assert [(t.kind, t.title, t.due_on) for t in in_grace] == [
        (TrialTaskKind.PAYMENT,
         "trial payment 2 of 3 ($1,117.71) due 2027-02-01 not received", D(2027, 2, 2))]
    assert in_grace[0].key == "trial:2026-12-10:payment:2"
    on_last = trial_tasks(trial_status(FLEX, paid, D(2027, 2, 28), FANNIE), D(2027, 2, 28))
    assert [t.kind for t in on_last] == [TrialTaskKind.PAYMENT]
    after = trial_tasks(trial_status(FLEX, paid, D(2027, 3, 1), FANNIE), D(2027, 3, 1))
    assert [(t.kind, t.key) for t in after] == [
        (TrialTaskKind.FAILURE, "trial:2026-12-10:failure:2")]
    assert after[0].title.startswith("Failed to perform? trial payment 2 of 3 ($1,117.71) "
                                     "due 2027-02-01 not received by 2027-02-28")
    closed = trial_status(FLEX, paid, D(2027, 3, 2), FANNIE, failed=(D(2027, 3, 2), 2))
    assert trial_tasks(closed, D(2027, 3, 2)) == []


def test_tasks_every_payment_in_raises_the_conversion_due_on_the_effective_date() -> None:
    every = [Received(D(2027, m, 1), 111_771, m) for m in (1, 2, 3)]
    tasks = trial_tasks(trial_status(FLEX, every, D(2027, 3, 1), FANNIE), D(2027, 3, 1))
    assert [(t.kind, t.due_on) for t in tasks] == [(TrialTaskKind.CONVERSION, D(2027, 4, 1))]
    converted = trial_status(FLEX, every, D(2027, 3, 20), FANNIE, converted_on=D(2027, 3, 20))
    assert trial_tasks(converted, D(2027, 3, 20)) == []


@pytest.mark.parametrize(("amount", "number", "problem"), [
    (111_771, None, ""),
    (223_542, 2, ""),  # up to twice the scheduled payment
    (111_770, None, "$1,117.70 is short of payment 2's $1,117.71 by $0.01: hold it as "
                    "unapplied funds and record the payment when the rest arrives "
                    "(by 2027-02-28)"),
    (223_543, None, "$2,235.43 is more than twice payment 2's $1,117.71"),
    (0, None, "the amount must be above zero"),
    (111_771, 1, "payment 1 was recorded on 2027-01-02"),
    (111_771, 4, "the trial has payments 1 to 3, not 4"),
])
def test_a_trial_payment_is_the_scheduled_amount_or_more_never_short(
        amount: int, number: int | None, problem: str) -> None:
    """Short payments are refused (held as unapplied funds until complete); overpayments
    beyond twice the payment are refused as typing errors."""
    status = trial_status(FLEX, [Received(D(2027, 1, 2), 111_771, 1)], D(2027, 2, 5), FANNIE)
    found = payment_problems(status, amount, number)
    assert (found[0] if found else "").startswith(problem) if problem else found == []


def test_no_payment_once_the_trial_is_closed_any_positive_one_before_it_starts() -> None:
    failed = trial_status(FLEX, [], D(2027, 2, 5), FANNIE, failed=(D(2027, 2, 5), 1))
    assert payment_problems(failed, 111_771, None) == [
        "the trial failed on 2027-02-05: it takes no more payments"]
    assert payment_problems(None, 5_000, None) == []
    assert payment_problems(None, 5_000, 2)[0].startswith("no trial with a schedule")


def test_time_changes_a_trials_tasks_the_day_after_a_due_date_and_after_a_grace() -> None:
    """The daily pass reads a trial again only on the day its tasks can change with no
    event: the day after an unpaid payment's due date (in its grace: a payment task) and
    the day after its grace (missed: a failure-to-perform task); with each day computed
    from the next one, every change of `trial_tasks` is met."""
    def change(received: list[Received], today: date) -> date | None:
        return next_trial_change(trial_status(FLEX, received, today, FANNIE))

    assert change([], D(2026, 12, 20)) == D(2027, 1, 2)  # before the first due date
    assert change([], D(2027, 1, 1)) == D(2027, 1, 2)  # on it: still due
    assert change([], D(2027, 1, 2)) == D(2027, 2, 1)  # in grace to Jan 31: missed Feb 1
    assert change([], D(2027, 1, 15)) == D(2027, 2, 1)
    assert change([], D(2027, 1, 31)) == D(2027, 2, 1)
    paid = [Received(D(2027, 1, 20), 111_771)]
    assert change(paid, D(2027, 1, 20)) == D(2027, 2, 2)  # the next payment's
    all_paid = [Received(D(2027, m, 1), 111_771) for m in (1, 2, 3)]
    assert change(all_paid, D(2027, 3, 1)) is None  # conversion waits on its event
    failed = trial_status(FLEX, [], D(2027, 2, 5), FANNIE, failed=(D(2027, 2, 3), 1))
    assert next_trial_change(failed) is None
    assert next_trial_change(None) is None
    # Walking the days: the tasks differ from the day before only on a change day.
    day, received, last = D(2026, 12, 11), paid, None
    while day <= D(2027, 5, 1):
        status = trial_status(FLEX, received, day, FANNIE)
        keys = {t.key for t in trial_tasks(status, day)}
        if last is not None and keys != last[1]:
            assert last[0] == day, day
        last = (next_trial_change(status), keys)
        day = day.fromordinal(day.toordinal() + 1)
