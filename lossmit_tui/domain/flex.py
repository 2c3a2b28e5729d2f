"""The Flex Modification waterfall (docs/RULES.md section 6), every intermediate figure kept.

Steps: capitalise the arrears; the mark-to-market LTV; the rate (the note rate below the
rate threshold, 80% MTMLTV, the unrounded ratio compared, else the lesser of the note rate
and the investor's modification rate; an adjustable- or step-rate loan not yet at its final
rate takes the lesser of the modification rate and its final or cap rate); the term (480
months); then principal forbearance (non-interest-bearing) until the P&I is at least the
target reduction lower, never taking the interest-bearing balance below the forbearance
floor (80%, 100% or 115% MTMLTV in different published versions) and, under rules with a
cap, never forbearing more than that share of the post-capitalisation UPB.
The rule values come in as `FlexRules` (configuration keyed by date and investor).
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from lossmit_tui.domain.amortization import payment_cents, principal_for_payment_cents
from lossmit_tui.domain.values import display_money


@dataclass(frozen=True)
class FlexRules:
    modification_rate: Decimal  # percent, e.g. 6.500
    term_months: int = 480
    target_reduction_pct: Decimal = Decimal(20)
    # The forbearance floor: principal forbearance never takes the interest-bearing balance
    # below this MTMLTV (80% in the legacy Flex rules; 100% and 115% in other versions).
    mtmltv_floor_pct: Decimal = Decimal(80)
    forbearance_cap_pct: Decimal | None = Decimal(30)  # legacy rules; None: no cap
    # The rate threshold: below this MTMLTV (unrounded) the note rate is kept.
    rate_mtmltv_pct: Decimal = Decimal(80)
    # An adjustable- or step-rate loan not yet at its final rate: "final" takes the lesser
    # of the modification rate and its final (step) or cap (adjustable) rate, whatever the
    # MTMLTV; "as_fixed" treats it as a fixed-rate loan at its current note rate.
    not_final_rate_rule: str = "final"
    # The term step: "to_max" (legacy Flex: straight to `term_months`) or "monthly_steps"
    # (Fannie Mae LL-2024-02: the remaining term extended a month at a time, at most to
    # `term_months`, only until the target is met; after the rate step meets it, none).
    term_rule: str = "to_max"


@dataclass(frozen=True)
class FlexInput:
    upb_cents: int
    arrears_cents: int
    property_value_cents: int
    note_rate: Decimal
    pi_before_cents: int  # the contractual P&I before the modification
    rate_type: str = "fixed"  # fixed, adjustable or step
    # The step-rate loan's final rate or the adjustable-rate loan's lifetime cap (None: a
    # fixed-rate loan, or not on record).
    final_rate: Decimal | None = None
    # The months left to maturity (the monthly-steps term starts from it; None: unknown).
    remaining_months: int | None = None

    @property
    def before_final_rate(self) -> bool:
        """An adjustable- or step-rate loan whose rate can still rise."""
        return (self.rate_type != "fixed" and self.final_rate is not None
                and self.final_rate > self.note_rate)


@dataclass
class FlexResult:
    post_cap_upb_cents: int
    mtmltv_pct: Decimal
    rate: Decimal
    term_months: int
    pi_after_term_cents: int
    forbearance_cents: int
    interest_bearing_cents: int
    pi_after_cents: int
    reduction_pct: Decimal
    target_met: bool
    steps: list[tuple[str, str]] = field(default_factory=list)


def _pct(part: Decimal | int, whole: Decimal | int) -> Decimal:
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _reduction(before: int, after: int) -> Decimal:
    return _pct(before - after, before)


def flex_modification(loan: FlexInput, rules: FlexRules) -> FlexResult:
    """Run the waterfall; `steps` lists each figure as it is reached, in words."""
    if loan.property_value_cents <= 0:
        raise ValueError("the property value must be above zero")
    if loan.pi_before_cents <= 0:
        raise ValueError("the P&I before the modification must be above zero")
    steps: list[tuple[str, str]] = []
    post_cap = loan.upb_cents + loan.arrears_cents
    steps.append(("1. Capitalise arrears",
                  f"{display_money(loan.upb_cents)} + {display_money(loan.arrears_cents)} = "
                  f"{display_money(post_cap)}"))
    mtmltv = _pct(post_cap, loan.property_value_cents)
    # The rate test compares the unrounded ratio: 79.996% is below 80%, though it shows as
    # 80.00%, and 80.004% is not.
    threshold = rules.rate_mtmltv_pct
    exact = Decimal(post_cap * 100) - threshold * loan.property_value_cents
    below_threshold = exact < 0
    side = ""
    if mtmltv == threshold and exact != 0:
        side = f" (unrounded, {'below' if below_threshold else 'above'} {threshold}%)"
    steps.append(("2. Mark-to-market LTV",
                  f"{display_money(post_cap)} / {display_money(loan.property_value_cents)} = "
                  f"{mtmltv}%{side}"))
    kind = "step-rate" if loan.rate_type == "step" else "adjustable-rate"
    final = "final rate" if loan.rate_type == "step" else "cap rate"
    if loan.before_final_rate and rules.not_final_rate_rule == "final" \
            and loan.final_rate is not None:
        rate = min(loan.final_rate, rules.modification_rate)
        why = (f"a {kind} loan not yet at its {final}: the lesser of the {final} "
               f"{loan.final_rate}% and the modification rate {rules.modification_rate}%")
    elif below_threshold:
        rate, why = loan.note_rate, f"MTMLTV below {threshold}%: the note rate"
    else:
        rate = min(loan.note_rate, rules.modification_rate)
        why = (f"MTMLTV {threshold}% or more: the lesser of the note rate "
               f"{loan.note_rate}% and the modification rate {rules.modification_rate}%")
    steps.append(("3. Rate", f"{rate:.3f}% ({why})"))
    target_pi = int((Decimal(loan.pi_before_cents) * (100 - rules.target_reduction_pct) / 100)
                    .quantize(Decimal(1), ROUND_HALF_UP))
    term, how = rules.term_months, ""
    if rules.term_rule == "monthly_steps":
        if loan.remaining_months is None or loan.remaining_months < 1:
            raise ValueError("the remaining term must be known for monthly term steps")
        start = term = min(loan.remaining_months, rules.term_months)
        while payment_cents(post_cap, rate, term) > target_pi and term < rules.term_months:
            term += 1
        how = (" (the remaining term: the target is met without extending it)"
               if term == start and payment_cents(post_cap, rate, term) <= target_pi else
               f" (the remaining {start} extended a month at a time "
               + ("until the target is met)" if payment_cents(post_cap, rate, term) <= target_pi
                  else f"to the {rules.term_months}-month limit)"))
    pi_term = payment_cents(post_cap, rate, term)
    steps.append(("4. Term", f"{term} months{how}: P&I {display_money(pi_term)} "
                             f"(−{_reduction(loan.pi_before_cents, pi_term)}% from "
                             f"{display_money(loan.pi_before_cents)})"))
    forbearance = 0
    if pi_term > target_pi:
        wanted = post_cap - principal_for_payment_cents(target_pi, rate, term)
        limits = [wanted]
        floor = int((Decimal(loan.property_value_cents) * rules.mtmltv_floor_pct / 100)
                    .quantize(Decimal(1), ROUND_HALF_UP))
        limits.append(max(0, post_cap - floor))
        if rules.forbearance_cap_pct is not None:
            limits.append(int((Decimal(post_cap) * rules.forbearance_cap_pct / 100)
                              .quantize(Decimal(1), ROUND_HALF_UP)))
        forbearance = max(0, min(limits))
        binding = ("the P&I target" if forbearance == wanted else
                   f"the {rules.mtmltv_floor_pct}% MTMLTV floor" if forbearance == limits[1]
                   else f"the {rules.forbearance_cap_pct}% cap")
        steps.append(("5. Forbear principal",
                      f"{display_money(forbearance)} non-interest-bearing (limited by "
                      f"{binding}; target P&I {display_money(target_pi)})"))
    else:
        steps.append(("5. Forbear principal", "none needed: the term alone meets the target"))
    interest_bearing = post_cap - forbearance
    pi_after = payment_cents(interest_bearing, rate, term)
    reduction = _reduction(loan.pi_before_cents, pi_after)
    steps.append(("6. New P&I", f"{display_money(interest_bearing)} at {rate:.3f}% over "
                                f"{term} months = {display_money(pi_after)} (−{reduction}%)"))
    return FlexResult(post_cap, mtmltv, rate, term, pi_term, forbearance, interest_bearing,
                      pi_after, reduction, reduction >= rules.target_reduction_pct, steps)
