"""Every investor's own workout rules (docs/RULES.md section 6): a rule set names its
investor(s), the dates it is in force, its source and version, and its options in the
investor's order, each an option type with its parameters.

No loan is evaluated by another investor's rules: `choose` finds the set in force for the
loan's investor on the evaluation date, or refuses (`NoRuleSet`) - never a default.

The option types (`OPTION_TYPES`) are the building blocks of the built-in FHA, VA and USDA
sets and of a servicer's own sets for portfolio and private-label loans (the rules file in
the config directory). Money is in integer cents, rates and percentages are Decimals, and
every function takes the evaluation date.

Where a published figure could not be confirmed from the primary text, the built-in set has
no figure (an incentive shows as "not set") or says so in its `unconfirmed` notes, and the
figure is a parameter the rules file can set.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from lossmit_tui.domain.amortization import payment_cents, principal_for_payment_cents
from lossmit_tui.domain.delinquency import add_months, days_delinquent
from lossmit_tui.domain.values import display_money
from lossmit_tui.domain.workout import (
    MODIFICATION,
    PARTIAL_CLAIM,
    Finances,
    Loan,
    OptionResult,
    WorkoutRules,
    _months_since,
    _repayment_plan,
    arrears_cents,
    evaluate,
    installments_past_due,
    loan_age_months,
)


class NoRuleSet(Exception):
    """No rule set is in force for the loan's investor on the evaluation date."""


class RuleSetError(ValueError):
    """A rule set (as configured) is not usable: `where` is its key path
    ("rule_sets[0].options[1].rate"), the message says what is wrong."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where, self.problem = where, problem


@dataclass(frozen=True)
class Facts:
    """What an option is evaluated on: the loan, the date, the budget (None: no snapshot),
    the repayment plan length asked for, whether a quality right-party contact is on record
    (None: unknown), and a modification rate given for this evaluation (None: the rule set's
    own)."""

    loan: Loan
    as_of: date
    finances: Finances | None = None
    plan_months: int | None = None
    quality_contact: bool | None = None
    rate: Decimal | None = None


def _money(cents: int) -> str:
    return f"{cents / 100:,.2f}"


def _pct_of(cents: int, pct: Decimal) -> int:
    return int((Decimal(cents) * pct / 100).quantize(Decimal(1), ROUND_HALF_UP))


def _reduction(before: int, after: int) -> Decimal:
    if before <= 0:
        return Decimal(0)
    return (Decimal(before - after) * 100 / before).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _eighth(rate: Decimal) -> Decimal:
    """`rate` rounded to the nearest one-eighth of a percent."""
    return (rate * 8).quantize(Decimal(1), ROUND_HALF_UP) / 8


def _default_reasons(loan: Loan, as_of: date, what: str, min_days: int,
                     imminent_ok: bool) -> list[str]:
    days = days_delinquent(loan.next_due_date, as_of)
    if days >= max(min_days, 1) or (imminent_ok and loan.imminent_default):
        return []
    if days == 0:
        return [f"the loan is current{' and not in imminent default' if imminent_ok else ''} "
                f"({what} needs a default)"]
    return [f"{days} days delinquent; {what} needs {min_days}"
            + (" or imminent default" if imminent_ok else "")]


def _lookback_reasons(loan: Loan, as_of: date, what: str, months: int | None,
                      kinds: Sequence[str]) -> list[str]:
    if not months:
        return []
    days = [w.effective_on for w in loan.history if w.kind in kinds]
    last = max(days, default=None)
    since = _months_since(last, as_of)
    if last is None or since is None or since >= months:
        return []
    return [f"a permanent workout took effect on {last.isoformat()}, {since} months ago; "
            f"{what} needs none within {months}"]


@dataclass(frozen=True)
class GseWaterfall:
    """The Fannie Mae / Freddie Mac waterfall of `domain.workout.evaluate`: repayment plan,
    forbearance, payment deferral, Flex Modification, short sale, deed-in-lieu."""

    rules: WorkoutRules = field(default_factory=WorkoutRules)
    name: str = "gse_waterfall"
    source: str = "Fannie Mae Servicing Guide D2-3.2; Freddie Mac Guide 9206"

    def run(self, facts: Facts) -> list[OptionResult]:
        rules = self.rules
        if facts.rate is not None:
            rules = replace(rules, flex=replace(rules.flex, modification_rate=facts.rate))
        return evaluate(facts.loan, facts.as_of, facts.finances, rules, facts.plan_months,
                        facts.quality_contact)


@dataclass(frozen=True)
class RepaymentPlan:
    """Arrears spread over the plan term on top of the contractual payment: the shortest
    plan within the cap (when there is one) and the budget."""

    name: str = "repayment_plan"
    source: str = ""
    cap_pct: Decimal | None = Decimal(150)
    max_months: int = 12
    light_months: int = 6
    light_days: int = 90

    def run(self, facts: Facts) -> list[OptionResult]:
        rules = WorkoutRules(plan_cap_pct=self.cap_pct, plan_max_months=self.max_months,
                             plan_light_months=self.light_months,
                             plan_light_days=self.light_days)
        result = _repayment_plan(facts.loan, facts.as_of, rules, facts.finances,
                                 facts.plan_months)
        result.name = self.name
        if result.eligible and self.cap_pct is None and facts.finances is None:
            result.terms["confirm_before_offering"] = (
                "that the borrower can afford the plan payment (these rules set no cap and "
                "there is no financial snapshot)")
        return [result]


@dataclass(frozen=True)
class Forbearance:
    """Reduced or suspended payments for `min_months` to `max_months` months (at most
    `cumulative_months` over the loan's life; at most `max_pitI_months` monthly payments
    past due at its end, counting those already past due)."""

    name: str = "forbearance"
    source: str = ""
    min_months: int = 1
    max_months: int = 3
    cumulative_months: int | None = None
    max_piti_months: int | None = None
    min_days: int = 0

    def run(self, facts: Facts) -> list[OptionResult]:
        loan, result = facts.loan, OptionResult(self.name, False)
        title = self.name.replace("_", " ")
        if not loan.hardship:
            result.reasons.append(f"no hardship is on record ({title} needs one; "
                                  f"{self.source})")
        days = days_delinquent(loan.next_due_date, facts.as_of)
        if days < self.min_days:
            result.reasons.append(f"{days} days delinquent; {title} needs {self.min_days} "
                                  f"({self.source})")
        months = self.max_months
        if self.cumulative_months is not None:
            left = self.cumulative_months - loan.forbearance_months_used
            months = min(months, left)
            if left <= 0:
                result.reasons.append(f"{loan.forbearance_months_used} months of forbearance "
                                      f"already granted; at most {self.cumulative_months} "
                                      f"({self.source})")
        if self.max_piti_months is not None:
            past_due = installments_past_due(loan.next_due_date, facts.as_of)
            months = min(months, self.max_piti_months - past_due)
            if months < self.min_months:
                result.reasons.append(f"{past_due} monthly payments already past due; the "
                                      f"arrears at the end of a {title} may not exceed "
                                      f"{self.max_piti_months} months of PITI ({self.source})")
        if result.reasons:
            return [result]
        result.eligible = True
        result.terms = {"months_from": self.min_months, "months_up_to": months,
                        "suspended_payment": loan.pi_cents + loan.escrow_cents}
        return [result]


@dataclass(frozen=True)
class PartialClaim:
    """The arrears moved to a non-interest-bearing subordinate lien (an FHA partial claim,
    a USDA mortgage recovery advance): the borrower can resume the contractual payment,
    and the claim stays within `cap_pct` of the unpaid principal balance as of the default
    less earlier claims."""

    name: str = "partial_claim"
    source: str = ""
    cap_pct: Decimal = Decimal(30)
    min_days: int = 1
    owner_occupied: bool = True
    lookback_months: int | None = None

    def run(self, facts: Facts) -> list[OptionResult]:
        loan, as_of, result = facts.loan, facts.as_of, OptionResult(self.name, False)
        title = self.name.replace("_", " ")
        why = result.reasons
        why += _default_reasons(loan, as_of, f"a {title}", self.min_days, False)
        if self.owner_occupied and loan.owner_occupied is False:
            why.append(f"the property is not owner-occupied ({title}: owner-occupants only; "
                       f"{self.source})")
        why += _lookback_reasons(loan, as_of, f"a {title}", self.lookback_months,
                                 (MODIFICATION, PARTIAL_CLAIM))
        finances = facts.finances
        if finances is not None and finances.surplus_cents < 0:
            why.append(f"the budget shows a monthly deficit of "
                       f"{_money(-finances.surplus_cents)}: the contractual payment cannot be "
                       f"resumed ({title} is for a borrower who can resume it)")
        arrears = arrears_cents(loan, as_of)
        prior = sum(w.cents for w in loan.history if w.kind == PARTIAL_CLAIM)
        cap = _pct_of(loan.upb_cents, self.cap_pct)
        available = max(0, cap - prior)
        if arrears > available:
            why.append(f"arrears of {_money(arrears)} exceed the {_money(available)} "
                       f"available ({self.cap_pct}% of the unpaid principal balance at "
                       f"default, {_money(cap)}, less earlier claims of {_money(prior)}; "
                       f"{self.source})")
        if why:
            return [result]
        result.eligible = True
        result.terms = {
            "claim_amount": arrears, "claim_cap": cap, "earlier_claims": prior,
            "claim_available_after": available - arrears,
            "claim_due": ("non-interest-bearing subordinate lien; due at the earliest of "
                          "maturity, payoff, sale or transfer, or refinance"),
            "payment_after": loan.pi_cents + loan.escrow_cents,
        }
        if finances is None:
            result.terms["confirm_before_offering"] = ("that the borrower can resume the "
                                                       "contractual payment (no financial "
                                                       "snapshot)")
        return [result]


RATE_RULES = ("market", "lesser", "pmms_plus")


@dataclass(frozen=True)
class Modification:
    """A modification: capitalise the arrears (those a partial claim does not take, when the
    set combines one), set the rate by `rate_rule` - `market`: the rate given; `lesser`: the
    lesser of the note rate and the rate given; `pmms_plus`: the rate given (a survey rate)
    rounded to the nearest 1/8% plus `margin_pct` - re-amortise over `term_months`, then
    (with a partial claim) defer principal to the claim until the P&I is `target_pct` lower.
    `target_required`: a smaller reduction is no modification; otherwise the target is a
    target, said when missed."""

    name: str = "modification"
    source: str = ""
    rate: Decimal | None = None
    rate_rule: str = "market"
    margin_pct: Decimal = Decimal(0)
    max_rate_increase_pct: Decimal | None = None
    term_months: int = 360
    target_pct: Decimal | None = None
    target_required: bool = False
    must_lower_payment: bool = True
    partial_claim_cap_pct: Decimal | None = None
    min_days: int = 1
    imminent_default_ok: bool = True
    min_loan_age_months: int | None = None
    lookback_months: int | None = None
    max_prior_modifications: int | None = None
    owner_occupied: bool = False
    hardship_resolved: bool = False
    needs_financials: bool = False
    dti_max_pct: Decimal | None = None
    housing_target_pct: Decimal | None = None

    def _rate(self, facts: Facts) -> tuple[Decimal | None, str]:
        given = facts.rate if facts.rate is not None else self.rate
        note = facts.loan.note_rate
        if given is None:
            return None, ""
        if self.rate_rule == "lesser":
            return min(note, given), (f"the lesser of the note rate {note:.3f}% and "
                                      f"{given:.3f}%")
        if self.rate_rule == "pmms_plus":
            rate = _eighth(given) + self.margin_pct
            return rate, (f"the survey rate {given:.3f}% rounded to the nearest 1/8% "
                          f"({_eighth(given):.3f}%) plus {self.margin_pct:.2f}")
        return given, f"the market rate {given:.3f}%"

    def run(self, facts: Facts) -> list[OptionResult]:
        loan, as_of, result = facts.loan, facts.as_of, OptionResult(self.name, False)
        title, src = self.name.replace("_", " "), self.source
        why = result.reasons
        why += _default_reasons(loan, as_of, f"a {title}", self.min_days,
                                self.imminent_default_ok)
        age = loan_age_months(loan, as_of)
        if self.min_loan_age_months is not None:
            if age is None:
                why.append(f"the origination date is not on record ({title} needs "
                           f"{self.min_loan_age_months} monthly payments since closing; {src})")
            elif age < self.min_loan_age_months:
                why.append(f"the loan is {age} months old; a {title} needs "
                           f"{self.min_loan_age_months} ({src})")
        why += _lookback_reasons(loan, as_of, f"a {title}", self.lookback_months,
                                 (MODIFICATION, PARTIAL_CLAIM) if self.partial_claim_cap_pct
                                 else (MODIFICATION,))
        if self.max_prior_modifications is not None \
                and loan.prior_modifications >= self.max_prior_modifications:
            why.append(f"{loan.prior_modifications} prior modifications; at most "
                       f"{self.max_prior_modifications} without the investor's approval ({src})")
        if self.owner_occupied and loan.owner_occupied is False:
            why.append(f"the property is not owner-occupied ({title}: owner-occupants only; "
                       f"{src})")
        if self.hardship_resolved and not loan.hardship_resolved:
            why.append(f"the hardship is not recorded as resolved ({title} needs the cause of "
                       f"the default resolved; {src})")
        finances = facts.finances
        if self.needs_financials and (finances is None or finances.gross_income_cents <= 0):
            why.append(f"no financial snapshot with income: a {title} needs verified income "
                       f"({src})")
        rate, rate_why = self._rate(facts)
        if rate is None:
            why.append(f"no modification rate is set for this rule set (give it with "
                       f"--mod-rate or the rules file's `rate` for {self.name})")
        if why or rate is None:
            return [result]
        if self.max_rate_increase_pct is not None \
                and rate - loan.note_rate > self.max_rate_increase_pct:
            why.append(f"the rate {rate:.3f}% is more than {self.max_rate_increase_pct}% above "
                       f"the note rate {loan.note_rate:.3f}%: needs the investor's prior "
                       f"approval ({src})")
            return [result]
        steps: list[tuple[str, str]] = []
        arrears = arrears_cents(loan, as_of)
        available = 0
        if self.partial_claim_cap_pct is not None:
            prior = sum(w.cents for w in loan.history if w.kind == PARTIAL_CLAIM)
            available = max(0, _pct_of(loan.upb_cents, self.partial_claim_cap_pct) - prior)
        claim_arrears = min(arrears, available)
        capitalised = loan.upb_cents + arrears - claim_arrears
        steps.append(("1. Arrears", f"{display_money(arrears)}: "
                      + (f"{display_money(claim_arrears)} to the partial claim (available "
                         f"{display_money(available)}), " if self.partial_claim_cap_pct
                         is not None else "")
                      + f"{display_money(arrears - claim_arrears)} capitalised → "
                      f"{display_money(capitalised)}"))
        steps.append(("2. Rate", f"{rate:.3f}% ({rate_why})"))
        pi_term = payment_cents(capitalised, rate, self.term_months)
        steps.append(("3. Term", f"{self.term_months} months: P&I {display_money(pi_term)}"))
        deferred = 0
        target_pi = None
        if self.target_pct is not None:
            target_pi = _pct_of(loan.pi_cents, 100 - self.target_pct)
        room = available - claim_arrears
        if target_pi is not None and pi_term > target_pi and room > 0:
            wanted = capitalised - principal_for_payment_cents(target_pi, rate,
                                                               self.term_months)
            deferred = max(0, min(wanted, room))
            steps.append(("4. Principal deferral", f"{display_money(deferred)} to the partial "
                          f"claim (target P&I {display_money(target_pi)}; "
                          f"{'the claim cap binds' if deferred < wanted else 'target met'})"))
        interest_bearing = capitalised - deferred
        pi_after = payment_cents(interest_bearing, rate, self.term_months)
        reduction = _reduction(loan.pi_cents, pi_after)
        steps.append(("5. New P&I", f"{display_money(interest_bearing)} at {rate:.3f}% over "
                      f"{self.term_months} months = {display_money(pi_after)} "
                      f"({'−' if reduction >= 0 else '+'}{abs(reduction)}%)"))
        result.steps = steps
        if self.must_lower_payment and pi_after >= loan.pi_cents:
            why.append(f"the modification gives a P&I of {_money(pi_after)}, not below the "
                       f"current {_money(loan.pi_cents)} ({src})")
            return [result]
        met = self.target_pct is None or reduction >= self.target_pct
        if self.target_required and not met:
            why.append(f"the P&I falls {reduction}%; a {title} needs at least "
                       f"{self.target_pct}% ({src})")
            return [result]
        if finances is not None and finances.gross_income_cents > 0:
            housing = pi_after + loan.escrow_cents
            dti = (Decimal(finances.expenses_cents - finances.housing_cents + housing) * 100
                   / finances.gross_income_cents).quantize(Decimal("0.01"), ROUND_HALF_UP)
            if self.dti_max_pct is not None and dti > self.dti_max_pct:
                why.append(f"the total debt-to-income ratio after the modification is {dti}%, "
                           f"above {self.dti_max_pct}% ({src})")
                return [result]
        result.eligible = True
        result.terms = {
            "capitalised_upb": capitalised, "rate_pct": f"{rate:.3f}",
            "term_months": self.term_months, "pi_before": loan.pi_cents, "pi_after": pi_after,
            "reduction_pct": str(reduction),
        }
        if self.partial_claim_cap_pct is not None:
            result.terms["partial_claim"] = claim_arrears + deferred
            result.terms["principal_deferred"] = deferred
        if self.target_pct is not None:
            result.terms["target_pct"] = str(self.target_pct)
            if not met:
                result.terms["target_note"] = (f"P&I lowered {reduction}%, short of the "
                                               f"{self.target_pct}% target: offered all the "
                                               "same")
        if finances is not None and finances.gross_income_cents > 0 \
                and self.housing_target_pct is not None:
            hti = (Decimal(pi_after + loan.escrow_cents) * 100
                   / finances.gross_income_cents).quantize(Decimal("0.01"), ROUND_HALF_UP)
            result.terms["housing_ratio_pct"] = str(hti)
            result.terms["housing_target_pct"] = str(self.housing_target_pct)
        result.terms["first_payment_on"] = add_months(
            loan.next_due_date, installments_past_due(loan.next_due_date, as_of) + 1
        ).isoformat()
        return [result]


@dataclass(frozen=True)
class Liquidation:
    """A sale short of the debt or a deed in lieu of foreclosure, with the investor's own
    incentive to the borrower (`incentive_cents`; None: not set - the figure could not be
    confirmed and the rules file may set it)."""

    name: str = "short_sale"
    source: str = ""
    incentive_label: str = "relocation_assistance_up_to"
    incentive_cents: int | None = None
    min_days_before_sale: int | None = None

    def run(self, facts: Facts) -> list[OptionResult]:
        loan, result = facts.loan, OptionResult(self.name, False)
        title = self.name.replace("_", " ")
        if days_delinquent(loan.next_due_date, facts.as_of) <= 0 and not loan.imminent_default:
            result.reasons.append(f"the loan is current and not in imminent default ({title} "
                                  "needs a hardship default)")
        if self.min_days_before_sale is not None and loan.fc_sale_date is not None:
            days_to_sale = (loan.fc_sale_date - facts.as_of).days
            if days_to_sale < self.min_days_before_sale:
                result.reasons.append(f"the sale is {days_to_sale} days away; {title} must be "
                                      f"done {self.min_days_before_sale} days before it "
                                      f"({self.source})")
        if result.reasons:
            return [result]
        result.eligible = True
        if self.incentive_cents is not None:
            result.terms = {self.incentive_label: self.incentive_cents}
        else:
            result.terms = {self.incentive_label.removesuffix("_up_to") + "_note": (
                f"not set: the figure was not confirmed from {self.source}; the rules file "
                "sets it")}
        return [result]


OptionSpec = GseWaterfall | RepaymentPlan | Forbearance | PartialClaim | Modification \
    | Liquidation

OPTION_TYPES: dict[str, type[Any]] = {
    "repayment_plan": RepaymentPlan, "forbearance": Forbearance,
    "partial_claim": PartialClaim, "modification": Modification, "liquidation": Liquidation,
}


@dataclass(frozen=True)
class RuleSet:
    """One version of one investor's workout rules."""

    name: str
    version: str
    investors: tuple[str, ...]
    effective_from: date
    source: str
    options: tuple[OptionSpec, ...]
    effective_to: date | None = None  # the last day in force (None: until replaced)
    unconfirmed: tuple[str, ...] = ()

    def in_force(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None
                                               or day <= self.effective_to)

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"

    @property
    def option_names(self) -> list[str]:
        names: list[str] = []
        for option in self.options:
            if isinstance(option, GseWaterfall):
                names += ["repayment_plan", "forbearance", "payment_deferral",
                          "flex_modification", "short_sale", "deed_in_lieu"]
            else:
                names.append(option.name)
        return names

    def evaluate(self, facts: Facts) -> list[OptionResult]:
        """Every option of the set, in its order, for these facts."""
        results: list[OptionResult] = []
        for option in self.options:
            results += option.run(facts)
        return results


def choose(rule_sets: Sequence[RuleSet], investor: str, day: date) -> RuleSet:
    """The rule set in force for `investor` on `day` (the latest to take effect), or
    NoRuleSet: never another investor's rules."""
    candidates = [r for r in rule_sets if investor in r.investors and r.in_force(day)]
    if not candidates:
        raise NoRuleSet(f"no workout rules for investor {investor} on {day.isoformat()}: "
                        "add a rule set")
    return max(candidates, key=lambda r: r.effective_from)


# --- The built-in government rule sets ------------------------------------------------

FHA_SOURCE = ("HUD Handbook 4000.1, section III.A.2 (Default Servicing: Loss Mitigation), "
              "as revised by Mortgagee Letter 2025-12 (new permanent loss mitigation options "
              "in force from 1 October 2025; FHA-HAMP ended 30 September 2025)")


def fha_rule_set() -> RuleSet:
    return RuleSet(
        name="FHA", version="HB 4000.1 / ML 2025-12", investors=("FHA",),
        effective_from=date(2025, 10, 1), source=FHA_SOURCE,
        options=(
            Forbearance("informal_forbearance", "HB 4000.1 III.A.2, forbearance plans: "
                        "informal, oral, 3 months or less", 1, 3),
            Forbearance("formal_forbearance", "HB 4000.1 III.A.2, forbearance plans: formal, "
                        "written, more than 3 and up to 6 months", 4, 6),
            RepaymentPlan("repayment_plan", "HB 4000.1 III.A.2, repayment plan", None, 12),
            PartialClaim("partial_claim", "HB 4000.1 III.A.2, standalone partial claim; "
                         "12 U.S.C. 1715u: at most 30% of the unpaid principal balance as "
                         "of the date of default, less earlier partial claims", Decimal(30),
                         lookback_months=24),
            Modification("fha_modification", "HB 4000.1 III.A.2, loan modification with "
                         "partial claim (ML 2025-12)", rate=None, rate_rule="market",
                         term_months=360, target_pct=Decimal(25),
                         partial_claim_cap_pct=Decimal(30), lookback_months=24,
                         owner_occupied=True),
            Liquidation("pre_foreclosure_sale", "HB 4000.1 III.A.2, pre-foreclosure sale",
                        "borrower_consideration_up_to"),
            Liquidation("deed_in_lieu", "HB 4000.1 III.A.2, deed-in-lieu of foreclosure",
                        "borrower_consideration_up_to"),
        ),
        unconfirmed=(
            "the subsection numbers of HB 4000.1 III.A.2 in the edition in force (the "
            "03/14/2016 edition numbered the home retention options III.A.2.k)",
            "HUD's market rate for the modification: give it with --mod-rate or the rules "
            "file",
            "the 25% P&I reduction target (published for the COVID-19 recovery options, "
            "ML 2022-07) as the target of the permanent options",
            "the repayment plan's longest term (12 months here)",
            "the pre-foreclosure sale and deed-in-lieu borrower consideration amounts "
            "(ML 2025-12 kept the amounts then in force; not set here)",
        ))


VA_SOURCE = ("VA Servicer Handbook M26-4, chapter 5 (Loss Mitigation); 38 CFR 36.4301, "
             "36.4315, 36.4322")


def va_rule_set() -> RuleSet:
    return RuleSet(
        name="VA", version="M26-4 ch. 5", investors=("VA",),
        effective_from=date(2018, 2, 1), source=VA_SOURCE,
        options=(
            RepaymentPlan("repayment_plan", "M26-4 5.05; 38 CFR 36.4301", None, 18),
            Forbearance("special_forbearance", "M26-4 5.04; 38 CFR 36.4301", 1, 12),
            Modification("va_modification", "M26-4 5.06; 38 CFR 36.4315", rate=None,
                         rate_rule="pmms_plus", margin_pct=Decimal("0.50"),
                         max_rate_increase_pct=Decimal(1), term_months=360,
                         must_lower_payment=False, min_loan_age_months=12,
                         lookback_months=36, max_prior_modifications=3,
                         hardship_resolved=True),
            Liquidation("compromise_sale", "M26-4 5.09/5.12; 38 CFR 36.4322(e)",
                        "relocation_assistance_up_to"),
            Liquidation("deed_in_lieu", "M26-4 5.10/5.12; 38 CFR 36.4322(f)",
                        "relocation_assistance_up_to"),
        ),
        unconfirmed=(
            "the modification rate input: the Freddie Mac PMMS 30-year fixed rate as of the "
            "approval (give it with --mod-rate or the rules file)",
            "the modified term: 360 months here; VA's longer-term modification rules were "
            "not confirmed",
            "the 3-year and 3-lifetime modification limits (stated in 38 CFR 36.4815(b); "
            "the 36.4315 text was not seen)",
            "the special forbearance's longest term (12 months here) and the repayment "
            "plan's (18 months, M26-4 5.05(b)'s extended plans)",
            "the relocation assistance amount (M26-4 5.12; not set here)",
            "the VA Partial Claim Program of the revised chapter 5 (not modelled)",
        ))


USDA_SOURCE = ("7 CFR part 3555 subpart G (Servicing Non-Performing Loans), 3555.303 and "
               "3555.304 as amended effective 11 February 2025 (89 FR 66189); HB-1-3555 "
               "chapter 18")


def usda_rule_set() -> RuleSet:
    return RuleSet(
        name="USDA", version="7 CFR 3555 (2025)", investors=("USDA",),
        effective_from=date(2025, 2, 11), source=USDA_SOURCE,
        options=(
            RepaymentPlan("repayment_agreement", "7 CFR 3555.303(b)(1): 3 months or less",
                          None, 3, 3, 10_000),
            Forbearance("special_forbearance", "7 CFR 3555.303(b)(2): arrears not over 12 "
                        "months of PITI", 1, 12, max_piti_months=12),
            PartialClaim("mortgage_recovery_advance", "7 CFR 3555.304: up to 30% of the "
                         "unpaid principal balance", Decimal(30)),
            Modification("loan_modification", "7 CFR 3555.304 (special servicing): total "
                         "debt-to-income at most 55%, mortgage payment to income toward 31%",
                         rate=None, rate_rule="lesser", term_months=480,
                         owner_occupied=True, needs_financials=True,
                         dti_max_pct=Decimal(55), housing_target_pct=Decimal(31)),
            Modification("streamline_modification", "7 CFR 3555.304(b)-(c): 90 days past "
                         "due, at least a 10% P&I reduction, 40-year term", rate=None,
                         rate_rule="lesser", term_months=480, target_pct=Decimal(10),
                         target_required=True, min_days=90, imminent_default_ok=False,
                         owner_occupied=True),
            Liquidation("pre_foreclosure_sale", "7 CFR 3555.305 (liquidation)",
                        "borrower_incentive_up_to"),
            Liquidation("deed_in_lieu", "7 CFR 3555.305 (liquidation)",
                        "borrower_incentive_up_to"),
        ),
        unconfirmed=(
            "the Agency's maximum allowable interest rate for a modification: give it with "
            "--mod-rate or the rules file",
            "the mortgage recovery advance cap: 30% is the 2010 rule's figure (75 FR 52429); "
            "the 2025 rule's MRA changes were not read in full",
            "the 31% / 55% ratios come from the special servicing text before the 2025 rule",
            "the liquidation section number and any borrower incentive (not set here)",
        ))


def gse_rule_set(name: str, version: str, rules: WorkoutRules, effective_from: date,
                 effective_to: date | None = None,
                 investors: tuple[str, ...] = ("FNMA", "FHLMC"),
                 source: str = "Fannie Mae Servicing Guide D2-3.2 (D2-3.2-04 payment "
                 "deferral, D2-3.2-06 Flex Modification); Freddie Mac Guide 9206") -> RuleSet:
    unconfirmed: tuple[str, ...] = ()
    if rules.flex.not_final_rate_rule == "final":
        unconfirmed = (
            "the Flex rate step for an adjustable- or step-rate loan not yet at its final "
            "rate (the lesser of the modification rate and its final or cap rate, D2-3.2-06 "
            "and Freddie Mac 9206.3 as the GSEs' 2017 Flex announcement summarised them; "
            "the Guide text was not read): the setting not_final_rate_rule",)
    return RuleSet(name, version, investors, effective_from, source, (GseWaterfall(rules),),
                   effective_to, unconfirmed)


def builtin_rule_sets() -> list[RuleSet]:
    return [fha_rule_set(), va_rule_set(), usda_rule_set()]


# --- Parsing a configured rule set -------------------------------------------------------

def _cents(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError("is not an amount")
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount (write e.g. \"3000.00\")") from None
    if amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"{value!r} is not an amount in dollars and cents")
    return int(amount * 100)


def _decimal(low: Decimal, high: Decimal) -> Callable[[object], Decimal]:
    def parse(value: object) -> Decimal:
        if isinstance(value, bool):
            raise ValueError("is not a number")
        try:
            number = Decimal(str(value).strip().rstrip("%"))
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a number (write e.g. \"6.5\")") from None
        if not low <= number <= high:
            raise ValueError(f"{number} is outside {low} to {high}")
        return number
    return parse


def _int(low: int, high: int) -> Callable[[object], int]:
    def parse(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{value!r} is not a whole number")
        if not low <= value <= high:
            raise ValueError(f"{value} is outside {low} to {high}")
        return value
    return parse


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{value!r} is not true or false")
    return value


def _text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty text")
    return value.strip()


def _name(value: object) -> str:
    text = _text(value)
    if not text.replace("_", "").isalnum() or not text.islower():
        raise ValueError(f"{text!r} must be lower-case letters, digits and _ (e.g. "
                         "portfolio_modification)")
    return text


def _rate_rule(value: object) -> str:
    text = _text(value)
    if text not in RATE_RULES:
        raise ValueError(f"{text!r} is not one of {', '.join(RATE_RULES)}")
    return text


_PCT = _decimal(Decimal(0), Decimal(100))
_RATE = _decimal(Decimal("0.001"), Decimal(25))
_MONTHS = _int(1, 480)
_DAYS = _int(0, 3650)


def _optional(parse: Callable[[object], Any]) -> Callable[[object], Any]:
    return lambda value: None if value in ("none", "") else parse(value)


PARAMETERS: dict[str, Callable[[object], Any]] = {
    "name": _name, "source": _text, "cap_pct": _optional(_decimal(Decimal(100), Decimal(1000))),
    "max_months": _MONTHS,
    "min_months": _MONTHS, "light_months": _MONTHS, "light_days": _DAYS,
    "cumulative_months": _optional(_MONTHS), "max_piti_months": _optional(_MONTHS),
    "min_days": _DAYS, "owner_occupied": _bool, "lookback_months": _optional(_MONTHS),
    "rate": _optional(_RATE), "rate_rule": _rate_rule, "margin_pct": _decimal(Decimal(0),
                                                                            Decimal(5)),
    "max_rate_increase_pct": _optional(_PCT), "term_months": _MONTHS,
    "target_pct": _optional(_PCT), "target_required": _bool, "must_lower_payment": _bool,
    "partial_claim_cap_pct": _optional(_PCT), "imminent_default_ok": _bool,
    "min_loan_age_months": _optional(_int(0, 480)),
    "max_prior_modifications": _optional(_int(0, 20)), "hardship_resolved": _bool,
    "needs_financials": _bool, "dti_max_pct": _optional(_PCT),
    "housing_target_pct": _optional(_PCT), "incentive_label": _name,
    "incentive": _optional(_cents), "min_days_before_sale": _optional(_DAYS),
}
_RENAMED = {"incentive": "incentive_cents"}


def option_from(data: Mapping[str, Any], where: str,
                base: OptionSpec | None = None) -> OptionSpec:
    """An option from its configured table: `type` (one of OPTION_TYPES) and its
    parameters; with `base`, the table changes that option's parameters instead."""
    kind = data.get("type")
    if base is None:
        if kind not in OPTION_TYPES:
            raise RuleSetError(f"{where}.type", f"{kind!r} is not an option type; one of "
                               f"{', '.join(OPTION_TYPES)}")
        cls = OPTION_TYPES[str(kind)]
    else:
        cls = type(base)
    known = {f.name for f in fields(cls)}
    values: dict[str, Any] = {}
    for key, raw in data.items():
        if key == "type":
            continue
        attr = _RENAMED.get(key, key)
        if attr not in known or key not in PARAMETERS:
            allowed = sorted(k for k in PARAMETERS if _RENAMED.get(k, k) in known)
            raise RuleSetError(f"{where}.{key}", f"not a parameter of a {kind or cls.__name__} "
                               f"option; known: {', '.join(allowed)}")
        try:
            values[attr] = PARAMETERS[key](raw)
        except ValueError as exc:
            raise RuleSetError(f"{where}.{key}", str(exc)) from None
    if base is not None:
        return replace(base, **values)
    if "name" not in values:
        raise RuleSetError(f"{where}.name", "missing: every option needs a name "
                           "(e.g. repayment_plan)")
    option: OptionSpec = cls(**values)
    if isinstance(option, Forbearance) and option.min_months > option.max_months:
        raise RuleSetError(f"{where}.min_months", f"{option.min_months} is above max_months "
                           f"{option.max_months}")
    return option


def _day(value: object, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise RuleSetError(where, f"{value!r} is not a date (YYYY-MM-DD)") from None


def rule_set_from(data: Mapping[str, Any], where: str) -> RuleSet:
    """A servicer's rule set from its configured table (see docs/RULES.md section 6)."""
    allowed = {"name", "version", "investors", "effective_from", "effective_to", "source",
               "options"}
    for key in data:
        if key not in allowed:
            raise RuleSetError(f"{where}.{key}",
                               f"unknown key; known: {', '.join(sorted(allowed))}")
    for key in ("name", "version", "investors", "effective_from", "source", "options"):
        if key not in data:
            raise RuleSetError(f"{where}.{key}", "missing")
    try:
        name, version, source = (_text(data["name"]), _text(data["version"]),
                                 _text(data["source"]))
    except ValueError as exc:
        raise RuleSetError(where, f"name, version and source {exc}") from None
    investors = data["investors"]
    if not isinstance(investors, list) or not investors \
            or not all(isinstance(i, str) and i.strip() for i in investors):
        raise RuleSetError(f"{where}.investors", "must be a list of investor codes, e.g. "
                           "[\"PORTFOLIO\"]")
    start = _day(data["effective_from"], f"{where}.effective_from")
    end = (_day(data["effective_to"], f"{where}.effective_to") if "effective_to" in data
           else None)
    if end is not None and end < start:
        raise RuleSetError(f"{where}.effective_to", f"{end.isoformat()} is before "
                           f"effective_from {start.isoformat()}")
    options = data["options"]
    if not isinstance(options, list) or not options:
        raise RuleSetError(f"{where}.options", "a rule set needs at least one option "
                           "([[rule_sets.options]])")
    specs = tuple(option_from(o if isinstance(o, Mapping) else {}, f"{where}.options[{n}]")
                  for n, o in enumerate(options))
    names = [s.name for s in specs]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise RuleSetError(f"{where}.options", f"option {', '.join(repeated)} appears twice")
    return RuleSet(name, version, tuple(i.strip().upper() for i in investors), start, source,
                   specs, end)


def with_parameters(rule_set: RuleSet, changes: Mapping[str, Any], where: str) -> RuleSet:
    """A built-in set with some options' parameters set ({option name: {parameter:
    value}}), e.g. a figure the built-in set leaves unset."""
    by_name = {o.name: o for o in rule_set.options}
    options = list(rule_set.options)
    for option_name, params in changes.items():
        if option_name not in by_name or isinstance(by_name[option_name], GseWaterfall):
            raise RuleSetError(f"{where}.{option_name}", f"{rule_set.name} has no option "
                               f"{option_name!r}; its options: "
                               f"{', '.join(rule_set.option_names)}")
        if not isinstance(params, Mapping):
            raise RuleSetError(f"{where}.{option_name}", "must be a table of parameters")
        if "type" in params or "name" in params:
            raise RuleSetError(f"{where}.{option_name}", "a built-in option's type and name "
                               "cannot change")
        changed = option_from(params, f"{where}.{option_name}", by_name[option_name])
        options[options.index(by_name[option_name])] = changed
    return replace(rule_set, options=tuple(options))
