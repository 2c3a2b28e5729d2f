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
from lossmit_tui.domain.values import article, plural

OPTIONS = ("repayment_plan", "forbearance", "payment_deferral", "flex_modification",
           "short_sale", "deed_in_lieu")


@dataclass(frozen=True)
class WorkoutRules:
    # The plan payment at most this share of the contractual payment (None: no cap; the
    # budget alone limits it).
    plan_cap_pct: Decimal | None = Decimal(150)
    plan_max_months: int = 12  # longer needs the investor's approval
    plan_light_months: int = 6  # up to this, and ...
    plan_light_days: int = 90  # ... up to this delinquent: no full application needed
    forbearance_step_months: int = 3  # Fannie Mae: steps of 3; Freddie Mac: up to 6
    forbearance_max_months: int = 12  # cumulative
    # Payment deferral (Fannie Mae Servicing Guide D2-3.2-04): monthly installments past
    # due, counted (not days); months deferred over the loan's life; the maturity horizon;
    # the look-backs for a prior deferral and for a modification or failed trial plan.
    deferral_min_past_due: int = 2
    deferral_max_past_due: int = 6
    deferral_lifetime_months: int = 12
    deferral_min_months_to_maturity: int = 36
    deferral_lookback_months: int = 12
    deferral_mod_lookback_months: int = 12
    min_loan_age_months: int = 12  # deferral and Flex Modification
    flex_min_days: int = 60
    flex_max_prior_mods: int = 2  # fewer than 3 prior modifications
    flex_trial_lookback_months: int = 12
    flex_streamlined_days: int = 90  # from here the streamlined offer needs no financials
    flex: FlexRules = field(default_factory=lambda: FlexRules(Decimal("6.500")))
    deed_min_days_before_sale: int = 30
    # Relocation assistance offered with a short sale and a deed-in-lieu: up to $7,500
    # each (Fannie Mae); settings of the rule set.
    short_sale_relocation_cents: int = 750_000
    deed_relocation_cents: int = 750_000
    # Legacy Flex rules: a housing expense of 40% of gross income is a target to report,
    # never an eligibility gate.
    hti_target_pct: Decimal | None = None
    name: str = "default"


@dataclass(frozen=True)
class Finances:
    """A financial snapshot's monthly totals (see `summarise`)."""

    gross_income_cents: int
    net_income_cents: int
    expenses_cents: int  # every line, the first mortgage's PITI included
    housing_cents: int  # the first mortgage's PITI (and HOA)
    liquid_assets_cents: int | None = None  # None: not recorded
    # The monthly debt payments (DEBT_LINES): housing and every other debt, not living
    # expenses such as food and utilities. None: not broken down (no DTI).
    debt_cents: int | None = None

    @property
    def surplus_cents(self) -> int:
        return self.net_income_cents - self.expenses_cents


def _line(value: object, part: str) -> int:
    """An income line is cents, or {"gross": cents, "net": cents}."""
    if isinstance(value, dict):
        return int(value.get(part, value.get("gross", 0)) or 0)
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else 0


def summarise(incomes: Mapping[str, object], expenses: Mapping[str, object],
              liquid_assets_cents: int | None = None) -> Finances:
    """A stored snapshot's monthly totals. The housing expense is the first mortgage's PITI
    line plus HOA dues; the debt payments are the DEBT_LINES (living expenses, food and
    utilities, count in the surplus only)."""
    return Finances(
        gross_income_cents=sum(_line(v, "gross") for v in incomes.values()),
        net_income_cents=sum(_line(v, "net") for v in incomes.values()),
        expenses_cents=sum(_line(v, "gross") for v in expenses.values()),
        housing_cents=sum(_line(expenses.get(k), "gross") for k in ("first_mortgage_piti",
                                                                    "hoa")),
        liquid_assets_cents=liquid_assets_cents,
        debt_cents=sum(_line(expenses.get(k), "gross") for k in DEBT_LINES))


DEFERRAL, MODIFICATION, FAILED_TRIAL = "payment_deferral", "modification", "failed_trial"
PARTIAL_CLAIM = "partial_claim"  # an FHA partial claim or a USDA mortgage recovery advance


@dataclass(frozen=True)
class PriorWorkout:
    """One workout in the loan's history: a payment deferral (with the months it deferred),
    a modification, or a failed trial plan, by its effective date. A COVID-19 or disaster
    deferral or modification (`disaster`) counts toward none of the payment deferral's caps
    and look-backs (Fannie Mae D2-3.2-04)."""

    kind: str  # DEFERRAL, MODIFICATION, FAILED_TRIAL or PARTIAL_CLAIM
    effective_on: date
    months: int = 0  # months deferred (a deferral)
    disaster: bool = False
    cents: int = 0  # the amount of a partial claim


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
    failed_flex_trial_on: date | None = None
    maturity_date: date | None = None
    history: tuple[PriorWorkout, ...] = ()
    forbearance_months_used: int = 0
    hardship: str | None = None
    hardship_resolved: bool = False
    imminent_default: bool = False
    owner_occupied: bool | None = None  # None: not recorded
    rate_type: str = "fixed"  # fixed, adjustable or step (enums.RateType)
    # A step-rate loan's final rate, an adjustable-rate loan's lifetime cap (None: not on
    # record, or a fixed-rate loan).
    final_rate: Decimal | None = None


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
    cap = (None if rules.plan_cap_pct is None else
           int((Decimal(contractual) * rules.plan_cap_pct / 100)
               .quantize(Decimal(1), ROUND_HALF_UP)))
    surplus = finances.surplus_cents if finances is not None else None

    def fits(term: int) -> list[str]:
        extra = -(-arrears // term)  # the arrears share, rounded up to the cent
        why = []
        if cap is not None and contractual + extra > cap:
            why.append(f"spreading arrears of {_money(arrears)} over {plural(term, 'month')} "
                       "needs a "
                       f"plan payment of {_money(contractual + extra)}, above "
                       f"{rules.plan_cap_pct}% of the contractual {_money(contractual)} "
                       f"({_money(cap)}) (repayment plan cap"
                       + ("; longer plans need investor approval)"
                          if term == rules.plan_max_months else ")"))
        if surplus is not None and surplus < extra:
            have = (f"the monthly surplus of {_money(surplus)}" if surplus >= 0 else
                    f"a monthly deficit of {_money(-surplus)}")
            why.append(f"{have} does not cover the {_money(extra)} a month {article(term)} "
                       f"{term}-month plan adds (repayment plan affordability)")
        return why

    if months is not None:
        if not 1 <= months <= rules.plan_max_months:
            result.reasons.append(f"a plan of {plural(months, 'month')}: plans run 1 to "
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
        **({"cap": cap} if cap is not None else {}), "first_payment_on": plan[0][0].isoformat(),
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


def _counted(loan: Loan, kind: str) -> list[PriorWorkout]:
    """The loan's prior workouts of `kind` that the deferral's caps and look-backs count:
    every one but the COVID-19 and disaster ones."""
    return [w for w in loan.history if w.kind == kind and not w.disaster]


def _latest(days: list[date]) -> date | None:
    return max(days, default=None)


def _deferral(loan: Loan, as_of: date, rules: WorkoutRules, finances: Finances | None,
              quality_contact: bool | None) -> OptionResult:
    """The payment deferral of Fannie Mae Servicing Guide D2-3.2-04."""
    result = OptionResult("payment_deferral", False)
    why = result.reasons
    past_due = installments_past_due(loan.next_due_date, as_of)
    if not rules.deferral_min_past_due <= past_due <= rules.deferral_max_past_due:
        why.append(f"{past_due} monthly payment(s) past due; a payment deferral needs "
                   f"{rules.deferral_min_past_due} to {rules.deferral_max_past_due} "
                   "(D2-3.2-04)")
    young = _too_young(loan, as_of, rules, "a payment deferral")
    if young:
        why.append(young)
    horizon = rules.deferral_min_months_to_maturity
    if loan.maturity_date is None:
        why.append("the maturity date is not on record (a payment deferral needs the loan "
                   f"at least {horizon} months from maturity)")
    else:
        to_maturity = _months_since(as_of, loan.maturity_date) or 0
        if to_maturity < horizon:
            why.append(f"the loan matures on {loan.maturity_date.isoformat()}, "
                       f"{max(0, to_maturity)} months away; a payment deferral needs at least "
                       f"{horizon} (D2-3.2-04)")
    deferrals = _counted(loan, DEFERRAL)
    last = _latest([w.effective_on for w in deferrals])
    since = _months_since(last, as_of)
    if last is not None and since is not None and since < rules.deferral_lookback_months:
        why.append(f"a payment deferral took effect on {last.isoformat()}, {since} months "
                   f"ago (none allowed within {rules.deferral_lookback_months}; COVID-19 and "
                   "disaster deferrals do not count)")
    used = sum(w.months for w in deferrals)
    left = rules.deferral_lifetime_months - used
    if left <= 0:
        why.append(f"{used} months already deferred over the loan's life; at most "
                   f"{rules.deferral_lifetime_months} (COVID-19 and disaster deferrals do not "
                   "count)")
    lookback = rules.deferral_mod_lookback_months
    for kind, what in ((MODIFICATION, "a modification took effect"),
                       (FAILED_TRIAL, "a trial plan failed")):
        days = [w.effective_on for w in _counted(loan, kind)]
        if kind == FAILED_TRIAL and loan.failed_flex_trial_on is not None:
            days.append(loan.failed_flex_trial_on)
        day = _latest(days)
        months = _months_since(day, as_of)
        if day is not None and months is not None and months < lookback:
            why.append(f"{what} on {day.isoformat()}, {plural(months, 'month')} ago; a payment "
                       f"deferral needs none within {lookback} (COVID-19 and disaster "
                       "modifications do not count)")
    if quality_contact is False:
        why.append("no quality right-party contact (QRPC) with the borrower is on record; "
                   "a payment deferral needs one")
    if not loan.hardship_resolved:
        why.append("the hardship is not resolved (a deferral needs the borrower able to "
                   "resume the full payment)")
    arrears = arrears_cents(loan, as_of)
    if finances is not None:
        if finances.surplus_cents < 0:
            why.append(f"the budget shows a monthly deficit of "
                       f"{_money(-finances.surplus_cents)}: the full payment cannot be "
                       "resumed")
        if finances.liquid_assets_cents is not None and arrears > 0 \
                and finances.liquid_assets_cents >= arrears:
            why.append(f"liquid assets of {_money(finances.liquid_assets_cents)} cover the "
                       f"arrears of {_money(arrears)}: the borrower can reinstate (a deferral "
                       "is for one who cannot)")
        plan = _repayment_plan(loan, as_of, rules, finances)
        payment = plan.terms.get("plan_payment")
        if plan.eligible and isinstance(payment, int):
            term = plan.terms["months"]
            why.append(f"{article(int(str(term)))} {term}-month repayment plan "
                       f"({_money(payment)} a month) fits the budget (a deferral is for a "
                       "borrower who cannot afford one)")
    if why:
        return result
    months = min(past_due, left)
    deferred_pi = months * loan.pi_cents
    deferred_escrow = months * loan.escrow_cents
    result.eligible = True
    result.terms = {
        "months_deferred": months,
        "deferred_pi": deferred_pi,
        "deferred_escrow_advances": deferred_escrow,
        "deferred_servicing_advances": loan.fees_cents,
        "deferred_balance": deferred_pi + deferred_escrow + loan.fees_cents,
        "deferred_balance_due": (
            "non-interest-bearing; due at the earliest of maturity ("
            + (loan.maturity_date.isoformat() if loan.maturity_date else "")
            + "), sale or transfer, refinance or payoff"),
        "payment_after": loan.pi_cents + loan.escrow_cents,
        "lifetime_months_deferred_after": used + months,
    }
    if months < past_due:
        result.terms["past_due_not_deferred"] = (past_due - months) * (loan.pi_cents
                                                                      + loan.escrow_cents)
    confirm = []
    if quality_contact is None:
        confirm.append("a quality right-party contact (QRPC) with the borrower")
    if finances is None:
        confirm.append("that the borrower cannot reinstate or afford a repayment plan "
                       "(no financial snapshot)")
    if confirm:
        result.terms["confirm_before_offering"] = "; ".join(confirm)
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
    remaining = (None if loan.maturity_date is None
                 else _months_since(as_of, loan.maturity_date))
    if rules.flex.term_rule == "monthly_steps" and (remaining is None or remaining < 1):
        result.reasons.append("the maturity date is not on record (the term is extended "
                              "month by month from the remaining term)")
    if loan.rate_type != "fixed" and loan.final_rate is None \
            and rules.flex.not_final_rate_rule == "final":
        kind = "a step-rate" if loan.rate_type == "step" else "an adjustable-rate"
        which = "final step rate" if loan.rate_type == "step" else "lifetime cap rate"
        result.reasons.append(f"{kind} loan with no {which} on record (the modification "
                              "rate of a loan not yet at its final rate needs it)")
    if result.reasons:
        return result, None
    flex = flex_modification(FlexInput(loan.upb_cents, arrears_cents(loan, as_of),
                                       loan.property_value_cents or 0, loan.note_rate,
                                       loan.pi_cents, loan.rate_type, loan.final_rate,
                                       remaining),
                             rules.flex)
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
    if loan.rate_type != "fixed":
        result.terms["rate_type"] = loan.rate_type
    result.terms["needs_full_application"] = days < rules.flex_streamlined_days
    target = rules.flex.target_reduction_pct
    if not flex.target_met:
        result.terms["target_note"] = (f"P&I lowered {flex.reduction_pct}%, short of the "
                                       f"{target}% target: offered all the same")
    # The housing expense-to-income ratio is reported against the target, never a gate: at
    # 90+ days delinquent the streamlined offer needs no financials at all.
    steps = list(flex.steps)
    if finances is not None and finances.gross_income_cents > 0:
        hti = (Decimal(flex.pi_after_cents + loan.escrow_cents) * 100
               / finances.gross_income_cents).quantize(Decimal("0.01"), ROUND_HALF_UP)
        result.terms["hti_after_pct"] = str(hti)
        if rules.hti_target_pct is not None:
            result.terms["hti_target_pct"] = str(rules.hti_target_pct)
            met = hti <= rules.hti_target_pct
            steps.append(("7. Housing expense", f"{hti}% of gross income ("
                          f"{'within' if met else 'above'} the {rules.hti_target_pct}% "
                          "target; a target, not a condition)"))
    elif rules.hti_target_pct is not None:
        result.terms["hti_target_pct"] = str(rules.hti_target_pct)
        steps.append(("7. Housing expense", "no financial snapshot with income: the "
                      f"{rules.hti_target_pct}% target is not measured (a target, not a "
                      "condition)"))
    result.steps = steps
    return result, flex


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
            option.terms = {"relocation_assistance_up_to": (
                rules.short_sale_relocation_cents if option is short
                else rules.deed_relocation_cents)}
    return [short, deed]


def evaluate(loan: Loan, as_of: date, finances: Finances | None = None,
             rules: WorkoutRules | None = None, plan_months: int | None = None,
             quality_contact: bool | None = None) -> list[OptionResult]:
    """Every option of docs/RULES.md section 6 for this loan on `as_of`, in OPTIONS order. The
    repayment plan is the shortest that fits, or `plan_months` long when that is asked.
    `quality_contact` is whether a quality right-party contact is on record (None: not
    known; the payment deferral then says it must be confirmed before offering)."""
    rules = rules or WorkoutRules()
    flex, _ = _flex(loan, as_of, rules, finances)
    return [_repayment_plan(loan, as_of, rules, finances, plan_months),
            _forbearance(loan, rules),
            _deferral(loan, as_of, rules, finances, quality_contact), flex,
            *_liquidation(loan, as_of, rules)]


# Terms that are counts, not cents.
COUNT_TERMS = frozenset({"months", "term_months", "months_deferred", "months_left_after",
                         "lifetime_months_deferred_after", "months_from", "months_up_to"})


def money_terms(terms: dict[str, object]) -> dict[str, object]:
    """Terms for print: amounts in cents as strings with two decimals ("1117.71")."""
    shown: dict[str, object] = {}
    for key, value in terms.items():
        if isinstance(value, int) and not isinstance(value, bool) and key not in COUNT_TERMS:
            shown[key] = f"{value / 100:.2f}"
        else:
            shown[key] = value
    return shown


INCOME_SOURCES = ("wages", "self_employment", "benefits", "rental", "other",
                  "non_borrower_household")
EXPENSE_LINES = ("first_mortgage_piti", "other_mortgages", "hoa", "auto", "credit_cards",
                 "student_loans", "child_support", "utilities", "food", "other")
# The lines that are debt payments, for the debt-to-income ratio: housing (the first
# mortgage's PITI and HOA dues), other mortgages, auto, credit cards, student loans, child
# support and other debts (the "other" line). Utilities and food are living expenses: they
# reduce the surplus, not the DTI.
DEBT_LINES = ("first_mortgage_piti", "hoa", "other_mortgages", "auto", "credit_cards",
              "student_loans", "child_support", "other")


@dataclass(frozen=True)
class Derived:
    """What a specialist reads off a budget: ratios in percent (None without income)."""

    hti_pct: Decimal | None  # housing expense to gross income
    dti_pct: Decimal | None  # monthly debt payments (DEBT_LINES) to gross income
    surplus_cents: int  # net income less every expense (negative: a deficit)
    arrears_cents: int
    months_to_cure: int | None  # arrears / surplus, rounded up; None without a surplus


def derived(finances: Finances, arrears: int) -> Derived:
    """The ratios, surplus and months to cure of a snapshot's totals: HTI is housing over
    gross income, DTI the debt payments over gross income, the surplus net income less every
    expense (living expenses included)."""
    def pct(part: int) -> Decimal | None:
        if finances.gross_income_cents <= 0:
            return None
        return (Decimal(part) * 100 / finances.gross_income_cents).quantize(
            Decimal("0.01"), ROUND_HALF_UP)

    surplus = finances.surplus_cents
    cure = None if surplus <= 0 else (0 if arrears <= 0 else -(-arrears // surplus))
    dti = None if finances.debt_cents is None else pct(finances.debt_cents)
    return Derived(pct(finances.housing_cents), dti, surplus, arrears, cure)
