"""A case's workout evaluation, read from the store: the loan's facts, its latest financial
snapshot and the rule set in force, handed to `domain.workout.evaluate`. Shared by
`lossmit evaluate` and the case screen's evaluation view."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from db.queries import case_financials
from db.tables import case_events, cases
from lossmit_tui.config import Settings, rule_set_for
from lossmit_tui.domain.workout import (
    DEFERRAL,
    FAILED_TRIAL,
    MODIFICATION,
    Finances,
    Loan,
    OptionResult,
    PriorWorkout,
    WorkoutRules,
    evaluate,
    money_terms,
    rules_from,
    summarise,
)


class CannotEvaluate(Exception):
    """The case lacks what an evaluation needs; the message says what."""


@dataclass(frozen=True)
class History:
    """A loan's workout history as this store recorded it: the options the borrower accepted
    (an `offer_accepted` event takes the option of the last `offer_sent` before it), dated
    by the acceptance. An accepted Flex Modification is a modification until a
    `failed_to_perform` event ends its trial: then it is a failed trial plan instead. An
    offer whose terms carry `"disaster": true` was a COVID-19 or disaster workout."""

    prior_modifications: int = 0
    forbearance_months_used: int = 0
    workouts: tuple[PriorWorkout, ...] = ()

    @property
    def last_deferral_on(self) -> date | None:
        return max((w.effective_on for w in self.workouts if w.kind == DEFERRAL),
                   default=None)

    @property
    def failed_flex_trial_on(self) -> date | None:
        return max((w.effective_on for w in self.workouts if w.kind == FAILED_TRIAL),
                   default=None)


def workout_history(conn: Connection, case_id: int) -> History:
    rows = conn.execute(sa.select(case_events.c.kind, case_events.c.occurred_on,
                                  case_events.c.payload)
                        .where(case_events.c.case_id == case_id,
                               case_events.c.kind.in_(("offer_sent", "offer_accepted",
                                                       "failed_to_perform")))
                        .order_by(case_events.c.occurred_on, case_events.c.id))
    offered: dict[str, Any] | None = None
    in_trial: PriorWorkout | None = None  # the accepted Flex Modification, until it fails
    mods, forbearance = 0, 0
    workouts: list[PriorWorkout] = []
    for kind, day, payload in rows:
        if kind == "offer_sent":
            offered = (payload or {}).get("offer")
        elif kind == "failed_to_perform":
            if in_trial is not None:
                workouts.remove(in_trial)
                mods -= 1
                workouts.append(PriorWorkout(FAILED_TRIAL, day, disaster=in_trial.disaster))
                in_trial = None
        elif offered:
            name, disaster = offered.get("name"), offered.get("disaster") is True
            if name == "flex_modification":
                mods += 1
                in_trial = PriorWorkout(MODIFICATION, day, disaster=disaster)
                workouts.append(in_trial)
            elif name == "payment_deferral":
                workouts.append(PriorWorkout(DEFERRAL, day,
                                             int(offered.get("months_deferred", 0) or 0),
                                             disaster))
            elif name == "forbearance":
                forbearance += int(offered.get("months", 0) or 0)
            offered = None
    return History(mods, forbearance, tuple(workouts))


@dataclass
class Evaluation:
    loan_number: str
    borrower_name: str
    as_of: date
    rules: WorkoutRules
    finances: Finances | None
    financials_taken_on: date | None
    options: list[OptionResult] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "loan_number": self.loan_number, "as_of": self.as_of.isoformat(),
            "rule_set": self.rules.name,
            "modification_rate": f"{self.rules.flex.modification_rate:.3f}",
            "financials_taken_on": (self.financials_taken_on.isoformat()
                                    if self.financials_taken_on else None),
            "options": [{"name": r.name, "eligible": r.eligible, "reasons": r.reasons,
                         "terms": money_terms(r.terms),
                         **({"steps": [{"step": a, "figures": b} for a, b in r.steps]}
                            if r.name == "flex_modification" else {})}
                        for r in self.options]}


def evaluate_case(conn: Connection, settings: Settings, *, loan_number: str | None = None,
                  case_id: int | None = None, as_of: date,
                  modification_rate: Decimal | None = None, hardship_resolved: bool = False,
                  imminent_default: bool = False, prior_modifications: int = 0,
                  plan_months: int | None = None, forbearance_months_used: int = 0,
                  prior_workouts: Sequence[PriorWorkout] = (),
                  failed_flex_trial_on: date | None = None,
                  quality_contact: bool | None = None) -> Evaluation:
    """Evaluate one case (by loan number or id) as of a date. `prior_workouts` are those
    the store has no record of (given on the command line), added to its history."""
    where = (cases.c.loan_number == (loan_number or "").strip() if case_id is None
             else cases.c.id == case_id)
    case = conn.execute(sa.select(cases).where(where)).mappings().first()
    if case is None:
        raise CannotEvaluate(f"no case with loan number {loan_number!r}" if case_id is None
                             else "this case no longer exists")
    missing = [name for name, key in (("note rate", "note_rate_milli"), ("P&I", "pi_cents"))
               if case[key] is None]
    if missing:
        raise CannotEvaluate(f"loan {case['loan_number']} has no {' or '.join(missing)} on "
                             "record; load them with the servicing extract first")
    chosen = rule_set_for(settings, case["investor"], as_of)
    rules = rules_from(chosen.name, modification_rate or chosen.modification_rate,
                       target_reduction_pct=chosen.target_reduction_pct,
                       forbearance_cap_pct=chosen.forbearance_cap_pct,
                       hti_target_pct=chosen.hti_target_pct, plan_cap_pct=chosen.plan_cap_pct,
                       forbearance_step_months=chosen.forbearance_step_months)
    snapshots = [s for s in case_financials(conn, case["id"]) if s.taken_on <= as_of]
    history = workout_history(conn, case["id"])
    finances = (summarise(snapshots[0].incomes, snapshots[0].expenses,
                          snapshots[0].liquid_assets_cents) if snapshots else None)
    facts = Loan(
        upb_cents=case["upb_cents"], note_rate=Decimal(case["note_rate_milli"]) / 1000,
        pi_cents=case["pi_cents"], escrow_cents=case["escrow_cents"] or 0,
        next_due_date=case["next_due_date"], origination_date=case["origination_date"],
        property_value_cents=case["property_value_cents"], fc_sale_date=case["fc_sale_date"],
        prior_modifications=max(prior_modifications, history.prior_modifications),
        hardship=case["hardship_reason"], hardship_resolved=hardship_resolved,
        imminent_default=imminent_default,
        forbearance_months_used=max(forbearance_months_used,
                                    history.forbearance_months_used),
        failed_flex_trial_on=max((d for d in (failed_flex_trial_on,
                                              history.failed_flex_trial_on) if d),
                                 default=None),
        maturity_date=case["maturity_date"],
        history=(*history.workouts, *prior_workouts))
    return Evaluation(case["loan_number"], case["borrower_name"], as_of, rules, finances,
                      snapshots[0].taken_on if snapshots else None,
                      evaluate(facts, as_of, finances, rules, plan_months, quality_contact))


def offer_summary(evaluation: Evaluation, option: OptionResult) -> str:
    """A plain-text summary of an offer, to copy into the letter."""
    title = option.name.replace("_", " ")
    lines = [f"Loan {evaluation.loan_number}, {evaluation.borrower_name}: {title} offered "
             f"on {evaluation.as_of.isoformat()} ({evaluation.rules.name} rules)."]
    for key, value in money_terms(option.terms).items():
        lines.append(f"  {key.replace('_', ' ')}: {value}")
    if option.schedule:
        lines.append("  schedule: " + ", ".join(f"{d.isoformat()} {c / 100:,.2f}"
                                                for d, c in option.schedule))
    return "\n".join(lines)


def denial_reasons(evaluation: Evaluation) -> str:
    """Every option not available and why: the reasons a denial letter gives."""
    lines = [f"Loan {evaluation.loan_number}: options evaluated on "
             f"{evaluation.as_of.isoformat()} ({evaluation.rules.name} rules)."]
    for option in evaluation.options:
        if not option.eligible:
            lines.append(f"  {option.name.replace('_', ' ')}: " + "; ".join(option.reasons))
    return "\n".join(lines)
