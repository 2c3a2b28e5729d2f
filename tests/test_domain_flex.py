"""Payment arithmetic and the Flex Modification waterfall (docs/RULES.md section 6): the worked
example to the cent, the rule boundaries, and properties of amortisation."""

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lossmit_tui.domain.amortization import (
    payment_cents,
    principal_for_payment_cents,
    schedule,
)
from lossmit_tui.domain.flex import FlexInput, FlexRules, flex_modification

RULES = FlexRules(modification_rate=Decimal("6.500"))
EXAMPLE = FlexInput(upb_cents=205_000_00, arrears_cents=10_400_00,
                    property_value_cents=230_000_00, note_rate=Decimal("7.000"),
                    pi_before_cents=1_397_14)


def test_known_payments() -> None:
    assert payment_cents(210_000_00, Decimal("7.000"), 360) == 1_397_14
    assert payment_cents(215_400_00, Decimal("6.500"), 480) == 1_261_07
    assert payment_cents(100_000_00, Decimal("6.000"), 360) == 599_55
    assert payment_cents(12_000_00, Decimal(0), 12) == 1_000_00
    assert principal_for_payment_cents(1_117_71, Decimal("6.500"), 480) == 190_912_46


def test_the_worked_example_to_the_cent() -> None:
    result = flex_modification(EXAMPLE, RULES)
    assert result.post_cap_upb_cents == 215_400_00
    assert result.mtmltv_pct == Decimal("93.65")
    assert result.rate == Decimal("6.500") and result.term_months == 480
    assert result.pi_after_term_cents == 1_261_07
    assert result.forbearance_cents == 24_487_54
    assert result.interest_bearing_cents == 190_912_46
    assert result.pi_after_cents == 1_117_71
    assert result.reduction_pct == Decimal("20.00") and result.target_met
    text = "\n".join(f"{name}: {value}" for name, value in result.steps)
    assert "$205,000.00 + $10,400.00 = $215,400.00" in text
    assert "P&I $1,261.07 (−9.74% from $1,397.14)" in text
    assert "$24,487.54 non-interest-bearing (limited by the P&I target" in text


def test_below_80_percent_mtmltv_keeps_the_note_rate() -> None:
    below = flex_modification(FlexInput(183_977_00, 0, 230_000_00, Decimal("7.000"),
                                        1_397_14), RULES)
    at = flex_modification(FlexInput(184_000_00, 0, 230_000_00, Decimal("7.000"), 1_397_14),
                           RULES)
    assert below.mtmltv_pct == Decimal("79.99") and below.rate == Decimal("7.000")
    assert at.mtmltv_pct == Decimal("80.00") and at.rate == Decimal("6.500")
    # Below the floor already: nothing can be forborne.
    assert below.forbearance_cents == 0


@pytest.mark.parametrize(("owed", "rate", "side"), [(79_996_00, "7.000", "below"),
                                                     (80_004_00, "6.500", "above")])
def test_the_80_percent_mtmltv_rate_test_compares_the_unrounded_ratio(owed: int, rate: str,
                                                                      side: str) -> None:
    # Legacy Flex rate step (Fannie Mae D2-3.2-06): 79.996% and 80.004% both show as 80.00%,
    # but only the first is below 80% and keeps the note rate.
    result = flex_modification(FlexInput(owed, 0, 100_000_00, Decimal("7.000"), 700_00),
                               RULES)
    assert result.mtmltv_pct == Decimal("80.00")
    assert result.rate == Decimal(rate)
    assert dict(result.steps)["2. Mark-to-market LTV"].endswith(
        f"= 80.00% (unrounded, {side} 80%)")


def test_forbearance_never_takes_the_balance_below_80_percent_mtmltv() -> None:
    # Value low enough that the floor binds before the P&I target.
    loan = FlexInput(205_000_00, 10_400_00, 260_000_00, Decimal("7.000"), 1_397_14)
    result = flex_modification(loan, RULES)
    assert result.interest_bearing_cents >= 208_000_00  # 80% of 260,000
    assert result.forbearance_cents == 215_400_00 - 208_000_00
    assert not result.target_met
    assert "80% MTMLTV floor" in result.steps[4][1]


def test_the_legacy_cap_limits_forbearance_to_30_percent_of_the_capitalised_upb() -> None:
    # The cap binds only far above the floor: MTMLTV 128% here (value 250,000).
    loan = FlexInput(300_000_00, 20_000_00, 250_000_00, Decimal("9.000"), 1_500_00)
    capped = flex_modification(loan, RULES)
    assert capped.forbearance_cents == 96_000_00  # 30% of 320,000
    assert "30% cap" in capped.steps[4][1]
    uncapped = flex_modification(loan, FlexRules(Decimal("6.500"), forbearance_cap_pct=None))
    assert uncapped.forbearance_cents > 96_000_00 and uncapped.target_met


def test_no_forbearance_when_the_term_alone_is_enough() -> None:
    loan = FlexInput(150_000_00, 5_000_00, 250_000_00, Decimal("8.000"), 1_500_00)
    result = flex_modification(loan, RULES)
    assert result.forbearance_cents == 0 and result.target_met
    assert result.term_months == 480


@pytest.mark.parametrize("bad", [FlexInput(1, 0, 0, Decimal(7), 1),
                                 FlexInput(1, 0, 1, Decimal(7), 0)])
def test_bad_inputs_are_refused(bad: FlexInput) -> None:
    with pytest.raises(ValueError):
        flex_modification(bad, RULES)


principals = st.integers(min_value=1_000_00, max_value=2_000_000_00)
rates = st.decimals(min_value=Decimal("0.125"), max_value=Decimal("12"), places=3)
terms = st.integers(min_value=1, max_value=480)


@given(principals, rates, terms)
def test_a_schedule_pays_the_loan_to_zero(principal: int, rate: Decimal, months: int) -> None:
    rows = schedule(principal, rate, months)
    assert rows[-1].balance_cents == 0 and len(rows) <= months
    assert sum(r.principal_cents for r in rows) == principal
    level = payment_cents(principal, rate, months)
    assert all(r.payment_cents == level for r in rows[:-1])
    # The level payment and each month's interest are rounded to the cent, so the last
    # payment absorbs up to a cent a month of drift (grown at the loan's rate at most).
    drift = months * (1 + rate / 1200) ** months
    assert abs(rows[-1].payment_cents - level) <= drift + 1


@given(principals, rates, st.integers(min_value=1, max_value=479))
def test_more_months_never_raise_the_payment(principal: int, rate: Decimal,
                                             months: int) -> None:
    assert payment_cents(principal, rate, months + 1) <= payment_cents(principal, rate, months)


@given(principals, rates, terms)
def test_principal_and_payment_are_inverse_within_the_rounding(principal: int, rate: Decimal,
                                                               months: int) -> None:
    payment = payment_cents(principal, rate, months)
    back = principal_for_payment_cents(payment, rate, months)
    assert abs(back - principal) <= months  # half a cent of payment per month at most


# Every published version's figures are settings (docs/RULES.md section 6). Loan A1 of
# test_catches_flex_target: 205,000.00 + 4,191.42 arrears = 209,191.42 at 7.000%, P&I
# 1,397.14; with the modification rate 6.500% and 480 months the P&I is 1,224.73 (-12.34%)
# and the 20% target (1,117.71) needs 18,278.96 forborne.
A1 = FlexInput(205_000_00, 4_191_42, 230_000_00, Decimal("7.000"), 1_397_14)
A1_AT_200K = FlexInput(205_000_00, 4_191_42, 200_000_00, Decimal("7.000"), 1_397_14)


@pytest.mark.parametrize(("floor", "forborne", "pi_after", "reduction"), [
    # 80% (legacy Flex): the floor of 160,000.00 leaves room for the target's 18,278.96.
    ("80", 18_278_96, 1_117_71, "20.00"),
    # 100% (HAMP's alternative, Supplemental Directive 09-01): nothing below 200,000.00
    # interest-bearing, so at most 9,191.42; 200,000.00 at 6.5% over 480 = 1,170.91.
    ("100", 9_191_42, 1_170_91, "16.19"),
    # 115%: 230,000.00 is above the whole balance, so nothing is forborne.
    ("115", 0, 1_224_73, "12.34"),
])
def test_the_forbearance_floor_of_each_published_version(floor: str, forborne: int,
                                                         pi_after: int,
                                                         reduction: str) -> None:
    # MTMLTV 104.60% (209,191.42 / 200,000.00): the rate threshold (80%) is the same in
    # each version; only the floor moves the outcome.
    result = flex_modification(A1_AT_200K, FlexRules(Decimal("6.500"),
                                                     mtmltv_floor_pct=Decimal(floor)))
    assert result.rate == Decimal("6.500")
    assert (result.forbearance_cents, result.pi_after_cents) == (forborne, pi_after)
    assert result.reduction_pct == Decimal(reduction)
    assert result.target_met is (floor == "80")
    if floor == "100":
        assert "limited by the 100% MTMLTV floor" in dict(result.steps)["5. Forbear principal"]


def test_the_rate_threshold_is_separate_from_the_forbearance_floor() -> None:
    # MTMLTV 90.95%: with the threshold at 95% the note rate 7.000% is kept (the floor stays
    # 80%): 7.000% over 480 months would need 29,330.82 forborne, the floor of 184,000.00
    # stops it at 25,191.42; 184,000.00 at 7% over 480 = 1,143.43 (-18.16%).
    result = flex_modification(A1, FlexRules(Decimal("6.500"), rate_mtmltv_pct=Decimal(95)))
    assert result.rate == Decimal("7.000")
    assert "MTMLTV below 95%: the note rate" in dict(result.steps)["3. Rate"]
    assert result.forbearance_cents == 25_191_42
    assert result.pi_after_cents == 1_143_43 and result.reduction_pct == Decimal("18.16")
    default = flex_modification(A1, RULES)
    assert default.rate == Decimal("6.500") and default.pi_after_cents == 1_117_71


def test_a_360_month_term_version() -> None:
    # 209,191.42 at 6.5% over 360 = 1,322.23; the target would need 32,357.60 forborne, the
    # 80% floor stops it at 25,191.42: 184,000.00 over 360 = 1,163.01 (-16.76%).
    result = flex_modification(A1, FlexRules(Decimal("6.500"), term_months=360))
    assert (result.term_months, result.pi_after_term_cents) == (360, 1_322_23)
    assert result.forbearance_cents == 25_191_42 and result.pi_after_cents == 1_163_01
    assert not result.target_met


def test_a_smaller_forbearance_cap() -> None:
    # A 5% cap: 5% of 209,191.42 = 10,459.57 forborne; 198,731.85 over 480 = 1,163.49.
    result = flex_modification(A1, FlexRules(Decimal("6.500"), forbearance_cap_pct=Decimal(5)))
    assert result.forbearance_cents == 10_459_57 and result.pi_after_cents == 1_163_49
    assert "limited by the 5% cap" in dict(result.steps)["5. Forbear principal"]


# Adjustable- and step-rate loans not yet at their final rate (Fannie Mae D2-3.2-06 and
# Freddie Mac 9206.3 as summarised; unconfirmed from the Guide text): the lesser of the
# modification rate and the final (step) or cap (adjustable) rate, whatever the MTMLTV.
LOW_LTV_STEP = FlexInput(200_000_00, 0, 300_000_00, Decimal("5.000"), 1_073_64, "step",
                         Decimal("7.500"))


@pytest.mark.parametrize(("loan", "rule", "rate"), [
    (LOW_LTV_STEP, "final", "6.500"),  # MTMLTV 66.67%: a fixed loan would keep 5.000%
    (replace(LOW_LTV_STEP, final_rate=Decimal("6.000")), "final", "6.000"),
    (LOW_LTV_STEP, "as_fixed", "5.000"),
    (replace(LOW_LTV_STEP, rate_type="fixed"), "final", "5.000"),
    # An adjustable-rate loan already at its cap is treated as a fixed-rate one.
    (replace(LOW_LTV_STEP, rate_type="adjustable", final_rate=Decimal("5.000")), "final",
     "5.000"),
    # MTMLTV 100%: a fixed loan takes the lesser of 5% and 6.5%; an ARM below its 9% cap 6.5%.
    (FlexInput(300_000_00, 0, 300_000_00, Decimal("5.000"), 1_610_46, "adjustable",
               Decimal("9.000")), "final", "6.500"),
])
def test_a_loan_not_yet_at_its_final_rate(loan: FlexInput, rule: str, rate: str) -> None:
    result = flex_modification(loan, FlexRules(Decimal("6.500"), not_final_rate_rule=rule))
    assert result.rate == Decimal(rate)
    if loan.before_final_rate and rule == "final":
        assert "not yet at its" in dict(result.steps)["3. Rate"]


# The current Flex Modification (Fannie Mae LL-2024-02; the GSE's description: the steps
# apply "until the earlier of achieving the 20% payment reduction target or exhausting the
# steps", the remaining term extended in monthly increments up to 480 months): the setting
# term_extension = "monthly_steps". 150,000.00 at 7.000% (MTMLTV 60%: the note rate), 240
# months left, P&I before 1,400.00, so the target is 1,120.00.
STEPPED = FlexRules(Decimal("6.500"), term_rule="monthly_steps")
SHORT = FlexInput(150_000_00, 0, 250_000_00, Decimal("7.000"), 1_400_00, remaining_months=240)


def test_monthly_term_steps_stop_at_the_target() -> None:
    # 240 months: 1,162.95; 261: 1,120.55; 262: 1,118.73, the first at or below 1,120.00.
    result = flex_modification(SHORT, STEPPED)
    assert (result.term_months, result.pi_after_cents) == (262, 1_118_73)
    assert result.forbearance_cents == 0 and result.target_met
    assert "the remaining 240 extended a month at a time until the target is met" in \
        dict(result.steps)["4. Term"]
    # The legacy rules go straight to 480 months: 932.15.
    legacy = flex_modification(SHORT, RULES)
    assert (legacy.term_months, legacy.pi_after_cents) == (480, 932_15)


def test_monthly_term_steps_leave_the_term_when_the_rate_meets_the_target() -> None:
    result = flex_modification(replace(SHORT, pi_before_cents=1_500_00), STEPPED)
    assert (result.term_months, result.pi_after_cents) == (240, 1_162_95)  # -22.47%
    assert "without extending it" in dict(result.steps)["4. Term"]


def test_monthly_term_steps_then_forbearance_at_480() -> None:
    # A1: even 480 months (1,224.73) miss the target: forbearance as in the legacy rules.
    result = flex_modification(replace(A1, remaining_months=300), STEPPED)
    assert (result.term_months, result.forbearance_cents, result.pi_after_cents) == (
        480, 18_278_96, 1_117_71)
    assert "to the 480-month limit" in dict(result.steps)["4. Term"]
