"""A case's workout evaluation, read from the store: the loan's facts, its latest financial
snapshot and the rule set in force for its investor on the date (`workout_config`), whose
options `domain.rulesets` evaluates. Shared by `lossmit evaluate` and the case screen's
evaluation view. An investor with no rule set in force is refused (CannotEvaluate), never
evaluated by another investor's rules."""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from db.queries import case_financials
from db.tables import case_events, cases
from lossmit_tui.config import Settings
from lossmit_tui.domain.rulesets import Facts, NoRuleSet, RuleSet
from lossmit_tui.domain.workout import (
    DEFERRAL,
    FAILED_TRIAL,
    MODIFICATION,
    PARTIAL_CLAIM,
    Finances,
    Loan,
    OptionResult,
    PriorWorkout,
    WorkoutRules,
    money_terms,
    summarise,
)
from lossmit_tui.workout_config import rules_in_force


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
            elif isinstance(name, str) and name != "flex_modification" \
                    and name.endswith("modification"):
                mods += 1  # an FHA, VA, USDA or servicer-defined modification
                workouts.append(PriorWorkout(MODIFICATION, day, disaster=disaster))
            elif name in ("partial_claim", "mortgage_recovery_advance"):
                claim = offered.get("claim_amount", 0)
                workouts.append(PriorWorkout(PARTIAL_CLAIM, day, disaster=disaster,
                                             cents=claim if isinstance(claim, int) else 0))
            elif name == "payment_deferral":
                workouts.append(PriorWorkout(DEFERRAL, day,
                                             int(offered.get("months_deferred", 0) or 0),
                                             disaster))
            elif isinstance(name, str) and name.endswith("forbearance"):
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
    rule_set: RuleSet | None = None  # None only for an evaluation built by hand
    investor: str = ""
    modification_rate: Decimal | None = None  # the rate given for this evaluation

    @property
    def rule_label(self) -> str:
        """Which rule set and version decided ("FHA HB 4000.1 / ML 2025-12")."""
        return self.rule_set.label if self.rule_set is not None else self.rules.name

    @property
    def rule_in_force(self) -> str:
        """When the deciding rule set is in force ("in force from 2025-10-01", or "... to
        2026-11-30" for one that ends); empty for an evaluation built by hand."""
        rs = self.rule_set
        if rs is None:
            return ""
        return (f"in force from {rs.effective_from.isoformat()}"
                + (f" to {rs.effective_to.isoformat()}" if rs.effective_to else ""))

    @property
    def is_gse(self) -> bool:
        return self.rule_set is None or any(o.name == "gse_waterfall"
                                            for o in self.rule_set.options)

    def as_json(self) -> dict[str, Any]:
        rs = self.rule_set
        rate = (self.rules.flex.modification_rate if self.is_gse else self.modification_rate)
        return {
            "loan_number": self.loan_number, "as_of": self.as_of.isoformat(),
            "investor": self.investor,
            "rule_set": rs.name if rs is not None else self.rules.name,
            "rule_set_version": rs.version if rs is not None else "",
            "rule_set_source": rs.source if rs is not None else "",
            "rule_set_effective_from": rs.effective_from.isoformat() if rs is not None else None,
            "rule_set_effective_to": (rs.effective_to.isoformat()
                                      if rs is not None and rs.effective_to else None),
            "rule_set_unconfirmed": list(rs.unconfirmed) if rs is not None else [],
            "modification_rate": f"{rate:.3f}" if rate is not None else None,
            "financials_taken_on": (self.financials_taken_on.isoformat()
                                    if self.financials_taken_on else None),
            "options": [{"name": r.name, "eligible": r.eligible, "reasons": r.reasons,
                         "terms": money_terms(r.terms),
                         **({"steps": [{"step": a, "figures": b} for a, b in r.steps]}
                            if r.steps else {})}
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
    try:
        rule_set, rules = rules_in_force(settings, case["investor"], as_of)
    except NoRuleSet as exc:
        raise CannotEvaluate(str(exc)) from None
    if modification_rate is not None:
        rules = replace(rules, flex=replace(rules.flex, modification_rate=modification_rate))
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
        history=(*history.workouts, *prior_workouts),
        owner_occupied=(None if not case["occupancy"] else case["occupancy"] == "owner"),
        rate_type=case["rate_type"] or "fixed",
        final_rate=(None if case["final_rate_milli"] is None
                    else Decimal(case["final_rate_milli"]) / 1000))
    options = rule_set.evaluate(Facts(facts, as_of, finances, plan_months, quality_contact,
                                      modification_rate))
    return Evaluation(case["loan_number"], case["borrower_name"], as_of, rules, finances,
                      snapshots[0].taken_on if snapshots else None, options, rule_set,
                      case["investor"], modification_rate)


def _rules_said(evaluation: Evaluation) -> str:
    """Which rule set decided, its dates and source, for the offer and denial texts."""
    rs = evaluation.rule_set
    if rs is None:
        return f"{evaluation.rule_label} rules"
    return f"{evaluation.rule_label} rules, {evaluation.rule_in_force}; {rs.source}"


def offer_terms(evaluation: Evaluation, option: OptionResult) -> dict[str, Any]:
    """What an `offer_sent` event keeps of an offered option: its name, its terms, and the
    rule set that decided it (name and version, and the day it took effect)."""
    offer: dict[str, Any] = {"name": option.name, **{
        k: v for k, v in option.terms.items() if isinstance(v, int | str | bool)}}
    if evaluation.rule_set is not None:
        offer["rule_set"] = evaluation.rule_label
        offer["rule_set_effective_from"] = evaluation.rule_set.effective_from.isoformat()
    return offer


def offer_summary(evaluation: Evaluation, option: OptionResult) -> str:
    """A plain-text summary of an offer, to copy into the letter."""
    title = option.name.replace("_", " ")
    lines = [f"Loan {evaluation.loan_number}, {evaluation.borrower_name}: {title} offered "
             f"on {evaluation.as_of.isoformat()} ({_rules_said(evaluation)})."]
    for key, value in money_terms(option.terms).items():
        lines.append(f"  {key.replace('_', ' ')}: {value}")
    if option.schedule:
        lines.append("  schedule: " + ", ".join(f"{d.isoformat()} {c / 100:,.2f}"
                                                for d, c in option.schedule))
    return "\n".join(lines)


def denial_reasons(evaluation: Evaluation) -> str:
    """Every option not available and why: the reasons a denial letter gives."""
    lines = [f"Loan {evaluation.loan_number}: options evaluated on "
             f"{evaluation.as_of.isoformat()} ({_rules_said(evaluation)})."]
    for option in evaluation.options:
        if not option.eligible:
            lines.append(f"  {option.name.replace('_', ' ')}: " + "; ".join(option.reasons))
    return "\n".join(lines)
