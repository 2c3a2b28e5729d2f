"""Urgency: a weighted sum of named terms, so any score can be explained term by term.

Each term maps a raw value (days, a flag) to a factor between 0 and 1; its points are
factor x weight. Weights come from configuration; these are the defaults.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from lossmit_tui.domain.enums import Stage

DEFAULT_WEIGHTS: Mapping[str, float] = {
    "next_action": 30.0,
    "days_delinquent": 20.0,
    "days_to_sale": 20.0,
    "broken_promise": 10.0,
    "days_since_rpc": 10.0,
    "missing_documents": 5.0,
    "stage": 5.0,
    # A sale on the calendar that the rules bar: counsel must be told to postpone it. Heavier
    # than every other term together, so such a case leads any queue ordered by urgency.
    "sale_hold": 100.0,
}

# How much each stage presses: a decision or acceptance window is running in the later ones.
_STAGE_FACTOR: Mapping[str, float] = {
    Stage.NEW: 0.6,
    Stage.OUTREACH: 0.5,
    Stage.APPLICATION: 0.7,
    Stage.EVALUATION: 1.0,
    Stage.OFFER: 0.8,
    Stage.DENIED: 0.6,
    Stage.APPEAL: 1.0,
    Stage.TRIAL: 0.4,
    Stage.PLAN: 0.2,
}


@dataclass(frozen=True, slots=True)
class UrgencyInput:
    """What the score reads from a case."""

    today: date
    next_action_on: date | None
    days_delinquent: int
    sale_date: date | None
    promise_due_on: date | None
    promise_kept: bool
    last_rpc_on: date | None
    stage: str
    missing_documents: int = 0
    sale_hold: bool = False  # counsel must postpone a scheduled sale (cases.fc_hold)


@dataclass(frozen=True, slots=True)
class Term:
    """One line of an urgency breakdown."""

    name: str
    value: str
    factor: float
    weight: float

    @property
    def points(self) -> float:
        return round(self.factor * self.weight, 1)


def _ramp(value: float, full_at: float, zero_at: float) -> float:
    """1 at or beyond `full_at`, 0 at or beyond `zero_at`, linear between."""
    if full_at == zero_at:
        return 1.0 if value <= full_at else 0.0
    position = (value - full_at) / (zero_at - full_at)
    return min(1.0, max(0.0, 1.0 - position))


def factors(case: UrgencyInput) -> dict[str, float]:
    """Each term's factor (0..1) for a case: the one place the rules live."""
    today = case.today
    if case.next_action_on is None:
        next_action = 0.0
    else:
        next_action = _ramp((case.next_action_on - today).days, 0, 14)
    if case.sale_date is None:
        sale = 0.0
    else:
        to_sale = (case.sale_date - today).days
        sale = _ramp(to_sale, 30, 120) if to_sale >= 0 else 0.0
    broken = (case.promise_due_on is not None and case.promise_due_on < today
              and not case.promise_kept)
    if case.last_rpc_on is None:
        since_rpc = 1.0
    else:
        since_rpc = min(max(0, (today - case.last_rpc_on).days), 60) / 60
    return {
        "next_action": next_action,
        "days_delinquent": min(case.days_delinquent, 180) / 180,
        "days_to_sale": sale,
        "broken_promise": 1.0 if broken else 0.0,
        "days_since_rpc": since_rpc,
        # Each document still outstanding holds the application back; four or more is full.
        "missing_documents": min(case.missing_documents, 4) / 4,
        "stage": _STAGE_FACTOR.get(case.stage, 0.0),
        "sale_hold": 1.0 if case.sale_hold else 0.0,
    }


def _labels(case: UrgencyInput) -> dict[str, str]:
    today = case.today
    return {
        "next_action": "none" if case.next_action_on is None
        else f"{(case.next_action_on - today).days}d",
        "days_delinquent": f"{case.days_delinquent}d",
        "days_to_sale": "no sale" if case.sale_date is None
        else f"{(case.sale_date - today).days}d",
        "broken_promise": "yes" if (case.promise_due_on is not None
                                    and case.promise_due_on < today
                                    and not case.promise_kept) else "no",
        "days_since_rpc": "never" if case.last_rpc_on is None
        else f"{max(0, (today - case.last_rpc_on).days)}d",
        "missing_documents": str(case.missing_documents),
        "stage": case.stage,
        "sale_hold": "postpone the sale" if case.sale_hold else "no",
    }


def terms(case: UrgencyInput, weights: Mapping[str, float] = DEFAULT_WEIGHTS) -> list[Term]:
    """The breakdown of a case's urgency: every term with its value, factor and weight."""
    w = {**DEFAULT_WEIGHTS, **weights}
    labels = _labels(case)
    return [Term(name, labels[name], factor, w[name]) for name, factor in factors(case).items()]


def score(case: UrgencyInput, weights: Mapping[str, float] = DEFAULT_WEIGHTS) -> float:
    """The urgency score: the sum of the points of every term, one decimal."""
    w = {**DEFAULT_WEIGHTS, **weights} if weights is not DEFAULT_WEIGHTS else weights
    return round(sum(round(f * w[name], 1) for name, f in factors(case).items()), 1)


def score_tenths(case: UrgencyInput, weights: Mapping[str, float] = DEFAULT_WEIGHTS) -> int:
    """The score as the integer of tenths the store keeps (and the queue orders by)."""
    return round(score(case, weights) * 10)
