"""Workout evaluation (docs/RULES.md section 6): every option, eligible or not, and why.

`evaluate` takes the loan, its delinquency and history, the borrower's financial snapshot and
the evaluation date, and returns one `OptionResult` per option in `OPTIONS` order. An option
that is not available lists every reason, each naming the rule it comes from: that text is
what a denial letter must give (1024.41(d)). An available option carries its proposed terms,
money in integer cents until it is shown.

The figures of the rules live in `WorkoutRules` (configuration, keyed by investor and date);
the defaults are those of docs/RULES.md section 6.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from lossmit_tui.domain.delinquency import add_months, days_delinquent
from lossmit_tui.domain.flex import FlexInput, FlexResult, FlexRules, flex_modification

OPTIONS = ("repayment_plan", "forbearance", "payment_deferral", "flex_modification",
           "short_sale", "deed_in_lieu")


@dataclass(frozen=True)
class WorkoutRules:
    plan_cap_pct: Decimal = Decimal(150)  # plan payment at most this share of contractual
    plan_max_months: int = 12  # longer needs the investor's approval
    plan_light_months: int = 6  # up to this, and ...
    plan_light_days: int = 90  # ... up to this delinquent: no full application needed
    forbearance_step_months: int = 3  # Fannie Mae: steps of 3; Freddie Mac: up to 6
    forbearance_max_months: int = 12  # cumulative
    deferral_min_days: int = 60
    deferral_max_days: int = 180
    deferral_max_months: int = 6
    min_loan_age_months: int = 12  # deferral and Flex Modification
    deferral_lookback_months: int = 12
    flex_min_days: int = 60
    flex_max_prior_mods: int = 2  # fewer than 3 prior modifications
    flex_trial_lookback_months: int = 12
    flex: FlexRules = field(default_factory=lambda: FlexRules(Decimal("6.500")))
    deed_min_days_before_sale: int = 30
    relocation_cents: int = 750_000  # up to $7,500 (Fannie Mae)
    hti_max_pct: Decimal | None = None  # legacy Flex rules: housing expense ≤ 40% of gross
    name: str = "default"


@dataclass(frozen=True)
class Finances:
    """A financial snapshot's monthly totals (see `summarise`)."""

    gross_income_cents: int
    net_income_cents: int
    expenses_cents: int  # every line, the first mortgage's PITI included
    housing_cents: int  # the first mortgage's PITI (and HOA)

    @property
    def surplus_cents(self) -> int:
        return self.net_income_cents - self.expenses_cents


def _line(value: object, part: str) -> int:
    """An income line is cents, or {"gross": cents, "net": cents}."""
    if isinstance(value, dict):
        return int(value.get(part, value.get("gross", 0)) or 0)
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else 0


def summarise(incomes: Mapping[str, object], expenses: Mapping[str, object]) -> Finances:
    """A stored snapshot's monthly totals. The housing expense is the first mortgage's PITI
    line plus HOA dues."""
    return Finances(
        gross_income_cents=sum(_line(v, "gross") for v in incomes.values()),
        net_income_cents=sum(_line(v, "net") for v in incomes.values()),
        expenses_cents=sum(_line(v, "gross") for v in expenses.values()),
        housing_cents=sum(_line(expenses.get(k), "gross") for k in ("first_mortgage_piti",
                                                                    "hoa")))


@dataclass(frozen=True)
class Loan:
    upb_cents: int
    note_rate: Decimal
    pi_cents: int
    escrow_cents: int
    next_due_date: date  # the oldest unpaid due date
    origination_date: date | None
    property_value_cents: int | None
    fc_sale_date: date | None = None
    fees_cents: int = 0
    prior_modifications: int = 0
    last_deferral_on: date | None = None
    failed_flex_trial_on: date | None = None
    forbearance_months_used: int = 0
    hardship: str | None = None
    hardship_resolved: bool = False
    imminent_default: bool = False


@dataclass
class OptionResult:
    name: str
    eligible: bool
    reasons: list[str] = field(default_factory=list)
    terms: dict[str, object] = field(default_factory=dict)  # money in cents
    steps: list[tuple[str, str]] = field(default_factory=list)
    schedule: list[tuple[date, int]] = field(default_factory=list)  # repayment plan


def installments_past_due(next_due: date, as_of: date) -> int:
    """How many monthly installments are past due (due before `as_of`, unpaid)."""
    count = 0
    while add_months(next_due, count) < as_of:
        count += 1
    return count


def arrears_cents(loan: Loan, as_of: date) -> int:
    """Past-due installments (P&I and escrow) plus fees."""
    return installments_past_due(loan.next_due_date, as_of) * (loan.pi_cents
                                                                + loan.escrow_cents) \
        + loan.fees_cents


def _months_since(day: date | None, as_of: date) -> int | None:
    """Whole months from `day` to `as_of` (None for no day)."""
    if day is None:
        return None
    months = (as_of.year - day.year) * 12 + as_of.month - day.month
    return months - (1 if as_of.day < day.day else 0)


def loan_age_months(loan: Loan, as_of: date) -> int | None:
    return _months_since(loan.origination_date, as_of)


def _too_young(loan: Loan, as_of: date, rules: WorkoutRules, option: str) -> str | None:
    """Why the loan is not old enough for `option`, or None."""
    age = loan_age_months(loan, as_of)
    if age is None:
        return ("the origination date is not on record (the loan must be at least "
                f"{rules.min_loan_age_months} months old)")
    if age < rules.min_loan_age_months:
        return f"the loan is {age} months old; {option} needs {rules.min_loan_age_months}"
    return None


def _money(cents: int) -> str:
    return f"{cents / 100:,.2f}"


def _repayment_plan(loan: Loan, as_of: date, rules: WorkoutRules,
                    finances: Finances | None, months: int | None = None) -> OptionResult:
    """The shortest plan within the cap (and the budget), or the term asked for."""
    result = OptionResult("repayment_plan", False)
    arrears = arrears_cents(loan, as_of)
    contractual = loan.pi_cents + loan.escrow_cents
    if arrears <= 0:
        result.reasons.append("nothing is past due: there are no arrears to repay "
                              "(repayment plan)")
        return result
    cap = int((Decimal(contractual) * rules.plan_cap_pct / 100)
              .quantize(Decimal(1), ROUND_HALF_UP))
    surplus = finances.surplus_cents if finances is not None else None

    def fits(term: int) -> list[str]:
        extra = -(-arrears // term)  # the arrears share, rounded up to the cent
        why = []
        if contractual + extra > cap:
            why.append(f"spreading arrears of {_money(arrears)} over {term} months needs a "
                       f"plan payment of {_money(contractual + extra)}, above "
                       f"{rules.plan_cap_pct}% of the contractual {_money(contractual)} "
                       f"({_money(cap)}) (repayment plan cap"
                       + ("; longer plans need investor approval)"
                          if term == rules.plan_max_months else ")"))
        if surplus is not None and surplus < extra:
            have = (f"the monthly surplus of {_money(surplus)}" if surplus >= 0 else
                    f"a monthly deficit of {_money(-surplus)}")
            why.append(f"{have} does not cover the {_money(extra)} a month a {term}-month "
                       "plan adds (repayment plan affordability)")
        return why

    if months is not None:
        if not 1 <= months <= rules.plan_max_months:
            result.reasons.append(f"a plan of {months} months: plans run 1 to "
                                  f"{rules.plan_max_months} months (longer ones need "
                                  "investor approval)")
            return result
        result.reasons = fits(months)
    else:
        months = next((t for t in range(1, rules.plan_max_months + 1) if not fits(t)), None)
        if months is None:
            result.reasons = fits(rules.plan_max_months)
    if result.reasons or months is None:
        return result
    extra = -(-arrears // months)
    result.eligible = True
    days = days_delinquent(loan.next_due_date, as_of)
    light = months <= rules.plan_light_months and days <= rules.plan_light_days
    start = add_months(loan.next_due_date, installments_past_due(loan.next_due_date, as_of))
    plan: list[tuple[date, int]] = []
    left = arrears
    for n in range(months):
        share = min(extra, left)
        left -= share
        plan.append((add_months(start, n), contractual + share))
    result.schedule = plan
    result.terms = {
        "arrears": arrears, "months": months, "plan_payment": contractual + extra,
        "last_payment": plan[-1][1], "contractual_payment": contractual,
        "cap": cap, "first_payment_on": plan[0][0].isoformat(),
        "cure_date": plan[-1][0].isoformat(),
        "needs_full_application": not light,
    }
    return result


def _forbearance(loan: Loan, rules: WorkoutRules) -> OptionResult:
    result = OptionResult("forbearance", False)
    if not loan.hardship:
        result.reasons.append("no hardship is on record (forbearance needs one)")
    left = rules.forbearance_max_months - loan.forbearance_months_used
    if left <= 0:
        result.reasons.append(f"{loan.forbearance_months_used} months of forbearance already "
                              f"granted; at most {rules.forbearance_max_months} cumulative")
    if result.reasons:
        return result
    result.eligible = True
    result.terms = {"months": min(rules.forbearance_step_months, left),
                    "months_left_after": left - min(rules.forbearance_step_months, left),
                    "suspended_payment": loan.pi_cents + loan.escrow_cents}
    return result


def _deferral(loan: Loan, as_of: date, rules: WorkoutRules,
              finances: Finances | None) -> OptionResult:
    result = OptionResult("payment_deferral", False)
    days = days_delinquent(loan.next_due_date, as_of)
    if not rules.deferral_min_days <= days <= rules.deferral_max_days:
        result.reasons.append(f"{days} days delinquent; a payment deferral needs "
                              f"{rules.deferral_min_days}-{rules.deferral_max_days}")
    young = _too_young(loan, as_of, rules, "a payment deferral")
    if young:
        result.reasons.append(young)
    since = _months_since(loan.last_deferral_on, as_of)
    if since is not None and since < rules.deferral_lookback_months:
        result.reasons.append(f"a deferral was granted {since} months ago "
                              f"(none allowed within {rules.deferral_lookback_months})")
    if not loan.hardship_resolved:
        result.reasons.append("the hardship is not resolved (a deferral needs the borrower "
                              "able to resume the full payment)")
    if finances is not None and finances.surplus_cents < 0:
        result.reasons.append(f"the budget shows a monthly deficit of "
                              f"{_money(-finances.surplus_cents)}: the full payment cannot "
                              "be resumed")
    if result.reasons:
        return result
    months = min(installments_past_due(loan.next_due_date, as_of), rules.deferral_max_months)
    result.eligible = True
    result.terms = {"months_deferred": months, "deferred_balance": months * loan.pi_cents,
                    "payment_after": loan.pi_cents + loan.escrow_cents,
                    "escrow_to_repay": months * loan.escrow_cents + loan.fees_cents}
    return result


def _flex(loan: Loan, as_of: date, rules: WorkoutRules,
          finances: Finances | None) -> tuple[OptionResult, FlexResult | None]:
    result = OptionResult("flex_modification", False)
    days = days_delinquent(loan.next_due_date, as_of)
    if days < rules.flex_min_days and not loan.imminent_default:
        result.reasons.append(f"{days} days delinquent and not in imminent default; a Flex "
                              f"Modification needs {rules.flex_min_days} days")
    young = _too_young(loan, as_of, rules, "a Flex Modification")
    if young:
        result.reasons.append(young)
    if loan.prior_modifications > rules.flex_max_prior_mods:
        result.reasons.append(f"{loan.prior_modifications} prior modifications; a Flex "
                              f"Modification needs fewer than {rules.flex_max_prior_mods + 1}")
    since = _months_since(loan.failed_flex_trial_on, as_of)
    if since is not None and since < rules.flex_trial_lookback_months:
        result.reasons.append(f"a Flex trial failed {since} months ago (none within "
                              f"{rules.flex_trial_lookback_months})")
    if not loan.property_value_cents:
        result.reasons.append("no property value on record (the MTMLTV needs one)")
    if result.reasons:
        return result, None
    flex = flex_modification(FlexInput(loan.upb_cents, arrears_cents(loan, as_of),
                                       loan.property_value_cents or 0, loan.note_rate,
                                       loan.pi_cents), rules.flex)
    result.steps = flex.steps
    if flex.pi_after_cents >= loan.pi_cents:
        result.reasons.append(f"the waterfall gives a P&I of {_money(flex.pi_after_cents)}, "
                              f"not below the current {_money(loan.pi_cents)}")
        return result, flex
    result.eligible = True
    result.terms = {
        "post_capitalisation_upb": flex.post_cap_upb_cents, "mtmltv_pct": str(flex.mtmltv_pct),
        "rate_pct": f"{flex.rate:.3f}", "term_months": flex.term_months,
        "forbearance": flex.forbearance_cents, "interest_bearing": flex.interest_bearing_cents,
        "pi_before": loan.pi_cents, "pi_after": flex.pi_after_cents,
        "reduction_pct": str(flex.reduction_pct), "target_met": flex.target_met,
    }
    hti = None
    if finances is not None and finances.gross_income_cents > 0:
        hti = (Decimal(flex.pi_after_cents + loan.escrow_cents) * 100
               / finances.gross_income_cents).quantize(Decimal("0.01"), ROUND_HALF_UP)
        result.terms["hti_after_pct"] = str(hti)
    if rules.hti_max_pct is not None:
        if hti is None:
            result.reasons.append(f"no financial snapshot with income: the {rules.name} rules' "
                                  f"{rules.hti_max_pct}% housing-expense limit cannot be "
                                  "checked")
        elif hti > rules.hti_max_pct:
            result.reasons.append(f"housing expense after the modification is {hti}% of gross "
                                  f"income; the {rules.name} rules allow "
                                  f"{rules.hti_max_pct}%")
        if result.reasons:
            result.eligible, result.terms = False, {}
    return result, flex


def rules_from(name: str, modification_rate: Decimal, *, target_reduction_pct: Decimal,
               forbearance_cap_pct: Decimal | None, hti_max_pct: Decimal | None,
               plan_cap_pct: Decimal, forbearance_step_months: int) -> WorkoutRules:
    """The rules of a configured rule set."""
    return WorkoutRules(
        name=name, plan_cap_pct=plan_cap_pct, forbearance_step_months=forbearance_step_months,
        hti_max_pct=hti_max_pct,
        flex=FlexRules(modification_rate, target_reduction_pct=target_reduction_pct,
                       forbearance_cap_pct=forbearance_cap_pct))


def _liquidation(loan: Loan, as_of: date, rules: WorkoutRules) -> list[OptionResult]:
    short, deed = OptionResult("short_sale", False), OptionResult("deed_in_lieu", False)
    delinquent = days_delinquent(loan.next_due_date, as_of) > 0
    for option in (short, deed):
        if not delinquent and not loan.imminent_default:
            option.reasons.append("the loan is current and not in imminent default "
                                  "(liquidation options need a hardship default)")
    if loan.fc_sale_date is not None:
        days_to_sale = (loan.fc_sale_date - as_of).days
        if days_to_sale < rules.deed_min_days_before_sale:
            deed.reasons.append(f"the sale is {days_to_sale} days away; the executed deed must "
                                f"be in {rules.deed_min_days_before_sale} days before it")
    for option in (short, deed):
        if not option.reasons:
            option.eligible = True
            option.terms = {"relocation_assistance_up_to": rules.relocation_cents}
    return [short, deed]


def evaluate(loan: Loan, as_of: date, finances: Finances | None = None,
             rules: WorkoutRules | None = None, plan_months: int | None = None
             ) -> list[OptionResult]:
    """Every option of docs/RULES.md section 6 for this loan on `as_of`, in OPTIONS order. The
    repayment plan is the shortest that fits, or `plan_months` long when that is asked."""
    rules = rules or WorkoutRules()
    flex, _ = _flex(loan, as_of, rules, finances)
    return [_repayment_plan(loan, as_of, rules, finances, plan_months),
            _forbearance(loan, rules),
            _deferral(loan, as_of, rules, finances), flex, *_liquidation(loan, as_of, rules)]


def money_terms(terms: dict[str, object]) -> dict[str, object]:
    """Terms for print: amounts in cents as strings with two decimals ("1117.71")."""
    shown: dict[str, object] = {}
    for key, value in terms.items():
        if isinstance(value, int) and not isinstance(value, bool) and key not in (
                "months", "term_months", "months_deferred", "months_left_after"):
            shown[key] = f"{value / 100:.2f}"
        else:
            shown[key] = value
    return shown


INCOME_SOURCES = ("wages", "self_employment", "benefits", "rental", "other",
                  "non_borrower_household")
EXPENSE_LINES = ("first_mortgage_piti", "other_mortgages", "hoa", "auto", "credit_cards",
                 "student_loans", "child_support", "utilities", "food", "other")


@dataclass(frozen=True)
class Derived:
    """What a specialist reads off a budget: ratios in percent (None without income)."""

    hti_pct: Decimal | None  # housing expense to gross income
    dti_pct: Decimal | None  # every expense to gross income
    surplus_cents: int  # net income less every expense (negative: a deficit)
    arrears_cents: int
    months_to_cure: int | None  # arrears / surplus, rounded up; None without a surplus


def derived(finances: Finances, arrears: int) -> Derived:
    def pct(part: int) -> Decimal | None:
        if finances.gross_income_cents <= 0:
            return None
        return (Decimal(part) * 100 / finances.gross_income_cents).quantize(
            Decimal("0.01"), ROUND_HALF_UP)

    surplus = finances.surplus_cents
    cure = None if surplus <= 0 else (0 if arrears <= 0 else -(-arrears // surplus))
    return Derived(pct(finances.housing_cents), pct(finances.expenses_cents), surplus,
                   arrears, cure)
