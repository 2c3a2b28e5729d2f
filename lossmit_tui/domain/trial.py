"""Trial period plans (docs/RULES.md section 6, "Trial period plans"): the payment schedule,
where each scheduled payment stands on a day, the tasks a trial needs, and the date its
modification takes effect.

Pure: the schedule and the payments come in as values, and `today` as an argument. The
store keeps the schedule in the `trial_started` event's payload (`Schedule.as_payload`).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from lossmit_tui.domain.delinquency import add_months
from lossmit_tui.domain.values import display_money

# The workout options whose acceptance starts a trial, with its number of payments (Fannie
# Mae Servicing Guide D2-3.2-07: a Flex Modification's trial is three monthly payments).
TRIAL_OPTIONS: dict[str, int] = {"flex_modification": 3}
MAX_PAYMENTS = 12
# No trial payment is larger: an amount above it is a typing error (cents).
MAX_PAYMENT_CENTS = 10_000_000


class PaymentState(StrEnum):
    PAID = "paid"  # received in full by the end of its grace
    DUE = "due"  # its due date is today or later
    IN_GRACE = "in_grace"  # past its due date, the grace not over
    MISSED = "missed"  # the grace is over and it was not received (or came late)


@dataclass(frozen=True)
class TrialPolicy:
    """The investor's settings (configuration): the grace after a due date (None: until the
    last day of the month in which it was due, as Fannie Mae allows), whether a first trial
    payment alone accepts the offer, and how many months after the last trial payment's
    month the modification takes effect (on the first of that month)."""

    grace_days: int | None = None
    payment_accepts_offer: bool = False
    effective_months_after: int = 1


@dataclass(frozen=True)
class Schedule:
    """A trial's payments: each of `amount_cents`, monthly from `first_due`."""

    started_on: date
    payments: int
    amount_cents: int
    first_due: date
    option: str | None = None  # the offer it came from ("flex_modification"), if any

    @property
    def due_dates(self) -> tuple[date, ...]:
        return tuple(add_months(self.first_due, n) for n in range(self.payments))

    def as_payload(self) -> dict[str, Any]:
        """The schedule as the trial_started event keeps it (JSON)."""
        return {"payments": self.payments, "amount_cents": self.amount_cents,
                "first_due": self.first_due.isoformat(),
                "due": [d.isoformat() for d in self.due_dates],
                **({"option": self.option} if self.option else {})}

    @classmethod
    def from_payload(cls, started_on: date, payload: Mapping[str, Any]) -> "Schedule | None":
        """The schedule a trial_started event keeps; None when it has none (a trial recorded
        before schedules were kept, or one whose terms were never entered)."""
        trial = payload.get("trial")
        if not isinstance(trial, Mapping):
            return None
        try:
            return cls(started_on, int(trial["payments"]), int(trial["amount_cents"]),
                       date.fromisoformat(str(trial["first_due"])),
                       str(trial["option"]) if trial.get("option") else None)
        except (KeyError, TypeError, ValueError):
            return None


def default_first_due(today: date) -> date:
    """The first trial payment's due date when none is entered: the first of next month."""
    return date(today.year + today.month // 12, today.month % 12 + 1, 1)


def schedule_problems(payments: int, amount_cents: int) -> list[str]:
    """What is wrong with a trial's terms (empty when they can be kept)."""
    problems = []
    if not 1 <= payments <= MAX_PAYMENTS:
        problems.append(f"a trial has 1 to {MAX_PAYMENTS} payments, not {payments}")
    if amount_cents <= 0:
        problems.append("the trial payment must be above zero")
    elif amount_cents > MAX_PAYMENT_CENTS:
        problems.append(f"a trial payment of {display_money(amount_cents)} is above "
                        f"{display_money(MAX_PAYMENT_CENTS)}: check the amount")
    return problems


def trial_payment_for(offer: Mapping[str, Any], escrow_cents: int | None) -> int | None:
    """The trial payment an offer implies: its modified P&I plus the escrow (the trial
    payment is the estimated modified payment, escrow included); None when the offer has no
    modified payment."""
    pi_after = offer.get("pi_after")
    if not isinstance(pi_after, int) or isinstance(pi_after, bool) or pi_after <= 0:
        return None
    return pi_after + (escrow_cents or 0)


def grace_end(due_on: date, policy: TrialPolicy) -> date:
    """The last day a payment due on `due_on` still counts: `grace_days` later, or by default
    the last day of its month (Fannie Mae Servicing Guide D2-3.2-07)."""
    if policy.grace_days is not None:
        return due_on + timedelta(days=policy.grace_days)
    return add_months(due_on.replace(day=1), 1) - timedelta(days=1)


def effective_date(schedule: Schedule, policy: TrialPolicy) -> date:
    """The day the permanent modification takes effect: the first of the month
    `effective_months_after` months after the last trial payment's due date."""
    last = schedule.due_dates[-1]
    return add_months(last.replace(day=1), policy.effective_months_after)


@dataclass(frozen=True)
class Received:
    """A trial payment as recorded: its day, amount and the scheduled payment it was for
    (None: the earliest not yet paid, e.g. a payment made before the trial started)."""

    on: date
    amount_cents: int
    number: int | None = None


@dataclass(frozen=True)
class PaymentStatus:
    number: int
    due_on: date
    amount_cents: int
    grace_end: date
    state: PaymentState
    paid_on: date | None = None  # the day it was received (late ones too)

    @property
    def label(self) -> str:
        return f"payment {self.number}"


@dataclass(frozen=True)
class TrialStatus:
    """Where a trial stands on a day: each scheduled payment, and how the trial ended."""

    schedule: Schedule
    payments: tuple[PaymentStatus, ...]
    today: date
    effective_on: date
    failed_on: date | None = None  # the failed_to_perform event's day
    failed_payment: int | None = None
    converted_on: date | None = None  # the modification_effective event's day
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def closed(self) -> bool:
        return self.failed_on is not None or self.converted_on is not None

    @property
    def complete(self) -> bool:
        """Every scheduled payment received in time."""
        return all(p.state is PaymentState.PAID for p in self.payments)

    def next_unpaid(self) -> PaymentStatus | None:
        return next((p for p in self.payments if p.state is not PaymentState.PAID), None)

    def first_missed(self) -> PaymentStatus | None:
        return next((p for p in self.payments if p.state is PaymentState.MISSED), None)

    def of(self, number: int) -> str:
        """"trial payment 2 of 3 ($1,117.71) due 2027-02-01"."""
        p = self.payments[number - 1]
        return (f"trial payment {p.number} of {len(self.payments)} "
                f"({display_money(p.amount_cents)}) due {p.due_on.isoformat()}")

    @property
    def next_step(self) -> str:
        """What comes next, in words, for the case screen."""
        if self.converted_on is not None:
            return f"converted to the permanent modification on {self.converted_on}"
        if self.failed_on is not None:
            which = f" (payment {self.failed_payment})" if self.failed_payment else ""
            return f"failed to perform on {self.failed_on}{which}: the trial is closed"
        missed = self.first_missed()
        if missed is not None:
            return (f"payment {missed.number} missed (grace ended {missed.grace_end}): "
                    "record failed_to_perform")
        unpaid = self.next_unpaid()
        if unpaid is None:
            return f"convert by {self.effective_on} (the modification's effective date)"
        if unpaid.state is PaymentState.IN_GRACE:
            return f"payment {unpaid.number} in grace until {unpaid.grace_end}"
        return f"payment {unpaid.number} due {unpaid.due_on}"


def trial_status(schedule: Schedule, received: Iterable[Received], today: date,
                 policy: TrialPolicy, *, failed: tuple[date, int | None] | None = None,
                 converted_on: date | None = None) -> TrialStatus:
    """Each scheduled payment on `today`: paid (received in full by the end of its grace),
    due (today or later), in grace (past due, grace not over) or missed (grace over, not
    received in time). A payment naming its number pays that one; one without pays the
    earliest not yet paid. `failed` is the failure-to-perform event (day, payment)."""
    dues = schedule.due_dates
    paid_on: dict[int, date] = {}
    notes: list[str] = []
    for r in sorted(received, key=lambda r: r.on):
        number = r.number
        if number is None:
            number = next((n for n in range(1, len(dues) + 1) if n not in paid_on), None)
        if number is None or not 1 <= number <= len(dues) or number in paid_on:
            notes.append(f"a payment of {display_money(r.amount_cents)} on {r.on} is not "
                         "applied to the schedule")
            continue
        paid_on[number] = r.on
    rows = []
    for n, due in enumerate(dues, start=1):
        end = grace_end(due, policy)
        on = paid_on.get(n)
        if on is not None and on <= end:
            state = PaymentState.PAID
        elif today <= due:
            state = PaymentState.DUE
        elif today <= end:
            state = PaymentState.IN_GRACE
        else:
            state = PaymentState.MISSED
        rows.append(PaymentStatus(n, due, schedule.amount_cents, end, state, on))
    return TrialStatus(schedule, tuple(rows), today, effective_date(schedule, policy),
                       failed[0] if failed else None, failed[1] if failed else None,
                       converted_on, tuple(notes))


class TrialTaskKind(StrEnum):
    PAYMENT = "payment"  # a scheduled payment not received by its due date
    FAILURE = "failure"  # the grace passed: record failed_to_perform
    CONVERSION = "conversion"  # every payment in: convert to the permanent modification


@dataclass(frozen=True)
class TrialTask:
    """A task a trial needs now. `key` tells it apart from the trial's other tasks (the
    store keeps it with the task, so one is raised once)."""

    kind: TrialTaskKind
    key: str
    title: str
    due_on: date


def task_key(schedule: Schedule, kind: TrialTaskKind, number: int | None = None) -> str:
    """The task's source: the trial (its start day), the kind and the payment."""
    tail = f":{number}" if number is not None else ""
    return f"trial:{schedule.started_on.isoformat()}:{kind.value}{tail}"


def trial_tasks(status: TrialStatus, today: date) -> list[TrialTask]:
    """The tasks the trial needs on `today` (none once it is closed): a payment task for
    each payment past its due date, in its grace and not received; a failure-to-perform
    task for each payment whose grace passed without it; a conversion task, due on the
    effective date, when every payment is in."""
    if status.closed:
        return []
    schedule = status.schedule
    tasks = []
    for p in status.payments:
        if p.state is PaymentState.IN_GRACE:
            tasks.append(TrialTask(
                TrialTaskKind.PAYMENT, task_key(schedule, TrialTaskKind.PAYMENT, p.number),
                f"{status.of(p.number)} not received", today))
        if p.state is PaymentState.MISSED:
            late = f" (came {p.paid_on})" if p.paid_on else ""
            tasks.append(TrialTask(
                TrialTaskKind.FAILURE, task_key(schedule, TrialTaskKind.FAILURE, p.number),
                f"Failed to perform? {status.of(p.number)} not received by "
                f"{p.grace_end}{late}: record failed_to_perform", today))
    if status.complete:
        tasks.append(TrialTask(
            TrialTaskKind.CONVERSION, task_key(schedule, TrialTaskKind.CONVERSION),
            f"Convert to the permanent modification (effective {status.effective_on}): "
            "record modification_effective", status.effective_on))
    return tasks


def next_trial_change(status: TrialStatus | None) -> date | None:
    """The next day on which time alone, with no new event, changes the tasks a trial needs
    (`trial_tasks`): the day after an unpaid payment's due date (it enters its grace: a
    payment task) and the day after its grace ends (it is missed: a failure-to-perform task
    instead). None when no day will: no trial, a closed one, or every payment received in
    time (what comes next then waits on an event)."""
    if status is None or status.closed:
        return None
    today, days = status.today, []
    for p in status.payments:
        if p.state is PaymentState.PAID:
            continue
        if today <= p.due_on:
            days.append(p.due_on + timedelta(days=1))
        elif today <= p.grace_end:
            days.append(p.grace_end + timedelta(days=1))
    return min(days, default=None)


def payment_problems(status: TrialStatus | None, amount_cents: int,
                     number: int | None) -> list[str]:
    """Why a trial payment cannot be recorded (empty when it can). With no trial running it
    is any positive amount up to the bound (a payment before the offer is accepted). Under a
    schedule: the payment must exist and be unpaid, at least the scheduled amount (a short
    payment is not a trial payment: the funds wait as unapplied until the rest arrives, and
    the payment is recorded on the day it is complete) and at most twice it."""
    if amount_cents <= 0:
        return ["the amount must be above zero"]
    if amount_cents > MAX_PAYMENT_CENTS:
        return [f"{display_money(amount_cents)} is above "
                f"{display_money(MAX_PAYMENT_CENTS)}: check the amount"]
    if status is None:
        return [] if number is None else ["no trial with a schedule is running: leave out "
                                          "the payment number"]
    if status.failed_on is not None:
        return [f"the trial failed on {status.failed_on}: it takes no more payments"]
    if status.converted_on is not None:
        return [f"the trial was converted on {status.converted_on}: it takes no more "
                "payments"]
    count = len(status.payments)
    if number is not None and not 1 <= number <= count:
        return [f"the trial has payments 1 to {count}, not {number}"]
    target = status.payments[number - 1] if number is not None else status.next_unpaid()
    if target is None:
        return [f"all {count} trial payments are already recorded"]
    if target.paid_on is not None:
        return [f"payment {target.number} was recorded on {target.paid_on}"]
    scheduled = target.amount_cents
    if amount_cents < scheduled:
        return [f"{display_money(amount_cents)} is short of payment {target.number}'s "
                f"{display_money(scheduled)} by {display_money(scheduled - amount_cents)}: "
                f"hold it as unapplied funds and record the payment when the rest arrives "
                f"(by {target.grace_end})"]
    if amount_cents > 2 * scheduled:
        return [f"{display_money(amount_cents)} is more than twice payment "
                f"{target.number}'s {display_money(scheduled)}: record each month's "
                "payment on its own"]
    return []
