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
    "days_to_sale": 25.0,
    "broken_promise": 10.0,
    "days_since_rpc": 10.0,
    "stage": 5.0,
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


def terms(case: UrgencyInput, weights: Mapping[str, float] = DEFAULT_WEIGHTS) -> list[Term]:
    """The breakdown of a case's urgency: every term with its value, factor and weight."""
    out: list[Term] = []
    w = {**DEFAULT_WEIGHTS, **weights}

    if case.next_action_on is None:
        out.append(Term("next_action", "none", 0.0, w["next_action"]))
    else:
        days = (case.next_action_on - case.today).days
        out.append(Term("next_action", f"{days}d", _ramp(days, 0, 14), w["next_action"]))

    dd = case.days_delinquent
    out.append(Term("days_delinquent", f"{dd}d", min(dd, 180) / 180, w["days_delinquent"]))

    if case.sale_date is None:
        out.append(Term("days_to_sale", "no sale", 0.0, w["days_to_sale"]))
    else:
        to_sale = (case.sale_date - case.today).days
        factor = _ramp(to_sale, 30, 120) if to_sale >= 0 else 0.0
        out.append(Term("days_to_sale", f"{to_sale}d", factor, w["days_to_sale"]))

    broken = (
        case.promise_due_on is not None
        and case.promise_due_on < case.today
        and not case.promise_kept
    )
    out.append(Term("broken_promise", "yes" if broken else "no", float(broken),
                    w["broken_promise"]))

    if case.last_rpc_on is None:
        out.append(Term("days_since_rpc", "never", 1.0, w["days_since_rpc"]))
    else:
        since = max(0, (case.today - case.last_rpc_on).days)
        out.append(Term("days_since_rpc", f"{since}d", min(since, 60) / 60, w["days_since_rpc"]))

    out.append(Term("stage", case.stage, _STAGE_FACTOR.get(case.stage, 0.0), w["stage"]))
    return out


def score(case: UrgencyInput, weights: Mapping[str, float] = DEFAULT_WEIGHTS) -> float:
    """The urgency score: the sum of the points of every term, one decimal."""
    return round(sum(t.points for t in terms(case, weights)), 1)
