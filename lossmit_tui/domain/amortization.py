"""Loan payment arithmetic for the workout options (docs/RULES.md section 6), in integer cents.

Rounding, stated once: rates are `Decimal` percentages (6.500 means 6.5% a year, charged
monthly at rate/12); a payment is computed exactly with `Decimal` and rounded half-up to the
cent; a principal solved from a payment likewise. An amortisation schedule pays each month's
interest rounded half-up to the cent, and its last payment takes whatever balance is left, so
the loan is paid to exactly zero.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

CENT = Decimal("0.01")


def _monthly(rate: Decimal) -> Decimal:
    return rate / Decimal(1200)


def _cents(amount: Decimal) -> int:
    return int((amount / 100).quantize(CENT, rounding=ROUND_HALF_UP) * 100)


def payment_cents(principal_cents: int, rate: Decimal, months: int) -> int:
    """The level monthly principal-and-interest payment that repays `principal_cents` over
    `months` at the annual `rate` (percent)."""
    if months <= 0:
        raise ValueError("the term must be at least one month")
    if principal_cents <= 0:
        return 0
    with localcontext() as ctx:
        ctx.prec = 40
        r = _monthly(rate)
        if r == 0:
            return _cents(Decimal(principal_cents) / months)
        return _cents(Decimal(principal_cents) * r / (1 - (1 + r) ** -months))


def principal_for_payment_cents(payment: int, rate: Decimal, months: int) -> int:
    """The principal a level payment of `payment` cents repays over `months` at `rate`."""
    if months <= 0:
        raise ValueError("the term must be at least one month")
    with localcontext() as ctx:
        ctx.prec = 40
        r = _monthly(rate)
        if r == 0:
            return payment * months
        return _cents(Decimal(payment) * (1 - (1 + r) ** -months) / r)


@dataclass(frozen=True)
class ScheduleRow:
    month: int
    payment_cents: int
    interest_cents: int
    principal_cents: int
    balance_cents: int


def schedule(principal_cents: int, rate: Decimal, months: int) -> list[ScheduleRow]:
    """Month by month: payment, interest, principal and the balance after it."""
    payment = payment_cents(principal_cents, rate, months)
    r = _monthly(rate)
    balance, rows = principal_cents, []
    for month in range(1, months + 1):
        interest = _cents(Decimal(balance) * r)
        due = payment if month < months else balance + interest
        principal = min(balance, due - interest)
        balance -= principal
        rows.append(ScheduleRow(month, principal + interest, interest, principal, balance))
        if balance == 0:
            break
    return rows
