"""Workout evaluation: every option, eligible or not and why, at each rule's boundary."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from lossmit_tui.domain.workout import (
    OPTIONS,
    Finances,
    Loan,
    WorkoutRules,
    arrears_cents,
    evaluate,
    installments_past_due,
    money_terms,
)

AS_OF = date(2026, 11, 29)
# The worked example's loan: 210,000 at 7.000% over 360 (P&I 1,397.14), now 205,000.00 owed;
# value 230,000; escrow 400.00 a month.
LOAN = Loan(upb_cents=20_500_000, note_rate=Decimal("7.000"), pi_cents=139_714,
            escrow_cents=40_000, next_due_date=date(2026, 9, 1),
            origination_date=date(2019, 3, 1), property_value_cents=23_000_000,
            hardship="income_reduction", hardship_resolved=True)
FINANCES = Finances(gross_income_cents=900_000, net_income_cents=700_000,
                    expenses_cents=500_000, housing_cents=179_714)


def option(results, name: str):  # type: ignore[no-untyped-def]
    return next(r for r in results if r.name == name)


def delinquent_days(days: int) -> Loan:
    return replace(LOAN, next_due_date=AS_OF - timedelta(days=days))


def test_every_option_is_listed_in_order_with_reasons_when_not_eligible() -> None:
    results = evaluate(replace(LOAN, next_due_date=date(2026, 12, 1), hardship=None),
                       AS_OF, FINANCES)
    assert [r.name for r in results] == list(OPTIONS)
    for r in results:
        assert r.eligible or r.reasons, r.name
        assert not (r.eligible and r.reasons), r.name


def test_arrears_count_the_installments_past_due() -> None:
    assert installments_past_due(date(2026, 9, 1), AS_OF) == 3  # Sep, Oct, Nov
    assert installments_past_due(AS_OF, AS_OF) == 0  # due today is not yet past due
    assert arrears_cents(replace(LOAN, fees_cents=5_000), AS_OF) == 3 * 179_714 + 5_000


@pytest.mark.parametrize(("days", "eligible"), [(59, False), (60, True), (180, True),
                                               (181, False)])
def test_payment_deferral_needs_60_to_180_days(days: int, eligible: bool) -> None:
    result = option(evaluate(delinquent_days(days), AS_OF, FINANCES), "payment_deferral")
    assert result.eligible is eligible
    if not eligible:
        assert f"{days} days delinquent; a payment deferral needs 60-180" in result.reasons


@pytest.mark.parametrize(("days", "eligible"), [(59, False), (60, True)])
def test_flex_needs_60_days_unless_default_is_imminent(days: int, eligible: bool) -> None:
    loan = delinquent_days(days)
    assert option(evaluate(loan, AS_OF, FINANCES), "flex_modification").eligible is eligible
    imminent = replace(loan, imminent_default=True)
    assert option(evaluate(imminent, AS_OF, FINANCES), "flex_modification").eligible


@pytest.mark.parametrize(("originated", "age", "eligible"), [
    (date(2025, 11, 30), 11, False), (date(2025, 11, 29), 12, True)])
def test_deferral_and_flex_need_a_loan_12_months_old(originated: date, age: int,
                                                     eligible: bool) -> None:
    results = evaluate(replace(delinquent_days(90), origination_date=originated), AS_OF,
                       FINANCES)
    for name in ("payment_deferral", "flex_modification"):
        result = option(results, name)
        assert result.eligible is eligible, name
        if not eligible:
            assert any(f"the loan is {age} months old" in r for r in result.reasons)


def test_flex_reproduces_the_worked_example_to_the_cent() -> None:
    # Arrears of exactly 10,400.00, so the post-capitalisation UPB is 215,400.00.
    loan = replace(LOAN, escrow_cents=0, pi_cents=139_714, fees_cents=10_400_00 - 2 * 139_714,
                   next_due_date=AS_OF - timedelta(days=61))
    result = option(evaluate(loan, AS_OF), "flex_modification")
    assert result.eligible
    terms = money_terms(result.terms)
    assert terms["post_capitalisation_upb"] == "215400.00"
    assert terms["mtmltv_pct"] == "93.65"
    assert terms["rate_pct"] == "6.500"
    assert terms["term_months"] == 480
    assert terms["forbearance"] == "24487.54"
    assert terms["interest_bearing"] == "190912.46"
    assert terms["pi_after"] == "1117.71"
    assert terms["reduction_pct"] == "20.00"
    assert [s[0] for s in result.steps][:2] == ["1. Capitalise arrears", "2. Mark-to-market LTV"]


@pytest.mark.parametrize(("prior", "eligible"), [(2, True), (3, False)])
def test_flex_needs_fewer_than_three_prior_modifications(prior: int, eligible: bool) -> None:
    loan = replace(delinquent_days(90), prior_modifications=prior)
    assert option(evaluate(loan, AS_OF, FINANCES), "flex_modification").eligible is eligible


def test_a_failed_flex_trial_within_12_months_bars_flex() -> None:
    loan = replace(delinquent_days(90), failed_flex_trial_on=date(2026, 1, 15))
    result = option(evaluate(loan, AS_OF, FINANCES), "flex_modification")
    assert not result.eligible and "a Flex trial failed 10 months ago" in result.reasons[0]


def test_repayment_plan_takes_the_shortest_term_under_the_150_percent_cap() -> None:
    # Two installments behind: 3,594.28 of arrears; the cap allows 898.57 a month on top of
    # 1,797.14, so four months (898.57 each) is the shortest plan.
    loan = delinquent_days(45)
    result = option(evaluate(loan, AS_OF), "repayment_plan")
    assert result.eligible
    terms = money_terms(result.terms)
    assert terms["arrears"] == "3594.28"
    assert terms["months"] == 4
    assert terms["cap"] == "2695.71"
    assert terms["plan_payment"] == "2695.71"
    assert sum(p for _, p in result.schedule) == 4 * 179_714 + 359_428  # cures to the cent
    assert result.terms["needs_full_application"] is False


def test_repayment_plan_over_12_months_is_refused_with_the_figures() -> None:
    # Nine installments behind: 12 months would need 1,347.86 a month on top: above the cap.
    result = option(evaluate(delinquent_days(270), AS_OF), "repayment_plan")
    assert not result.eligible
    assert "above 150% of the contractual 1,797.14 (2,695.71)" in result.reasons[0]


def test_repayment_plan_must_fit_the_budget() -> None:
    tight = Finances(900_000, 700_000, 690_000, 179_714)  # 100.00 a month to spare
    result = option(evaluate(delinquent_days(45), AS_OF, tight), "repayment_plan")
    assert not result.eligible
    assert "surplus of 100.00 does not cover" in result.reasons[-1]


@pytest.mark.parametrize(("used", "eligible", "months"), [(0, True, 3), (10, True, 2),
                                                          (12, False, 0)])
def test_forbearance_in_steps_up_to_12_months(used: int, eligible: bool, months: int) -> None:
    result = option(evaluate(replace(LOAN, forbearance_months_used=used), AS_OF),
                    "forbearance")
    assert result.eligible is eligible
    if eligible:
        assert result.terms["months"] == months
    rules = WorkoutRules(forbearance_step_months=6)  # Freddie Mac steps
    assert option(evaluate(LOAN, AS_OF, rules=rules), "forbearance").terms["months"] == 6


def test_deed_in_lieu_needs_30_days_before_the_sale() -> None:
    for days, eligible in ((29, False), (30, True)):
        loan = replace(LOAN, fc_sale_date=AS_OF + timedelta(days=days))
        results = evaluate(loan, AS_OF)
        assert option(results, "deed_in_lieu").eligible is eligible
        assert option(results, "short_sale").eligible
    assert money_terms(option(evaluate(LOAN, AS_OF), "deed_in_lieu").terms) == {
        "relocation_assistance_up_to": "7500.00"}


def test_the_legacy_rules_cap_housing_expense_at_40_percent_of_gross_income() -> None:
    legacy = WorkoutRules(hti_max_pct=Decimal(40), name="legacy")
    loan = delinquent_days(90)
    # After the modification the payment is about 1,1xx.xx P&I + 400.00 escrow.
    rich = Finances(900_000, 700_000, 500_000, 179_714)
    poor = Finances(300_000, 250_000, 240_000, 179_714)
    assert option(evaluate(loan, AS_OF, rich, legacy), "flex_modification").eligible
    refused = option(evaluate(loan, AS_OF, poor, legacy), "flex_modification")
    assert not refused.eligible and refused.terms == {}
    assert "of gross income; the legacy rules allow 40%" in refused.reasons[0]
    unknown = option(evaluate(loan, AS_OF, None, legacy), "flex_modification")
    assert "40% housing-expense limit cannot be checked" in unknown.reasons[0]
    # The current rules (no limit) offer it on the same budget.
    assert option(evaluate(loan, AS_OF, poor), "flex_modification").eligible


def test_rule_sets_are_chosen_by_date_and_investor(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from lossmit_tui.config import ConfigError, load_settings, rule_set_for

    config = tmp_path / "config.toml"
    config.write_text('''
[[workout_rule_sets]]
name = "legacy"
effective = 2000-01-01
forbearance_cap_pct = 30
hti_max_pct = 40

[[workout_rule_sets]]
name = "current"
effective = 2026-07-01
modification_rate = 6.25

[[workout_rule_sets]]
name = "fhlmc-2026"
effective = 2026-03-01
investors = ["FHLMC"]
forbearance_step_months = 6
''')
    monkeypatch.setenv("LOSSMIT_CONFIG", str(config))
    settings = load_settings()
    assert rule_set_for(settings, "FNMA", date(2026, 6, 30)).name == "legacy"
    assert rule_set_for(settings, "FNMA", date(2026, 7, 1)).name == "current"
    assert rule_set_for(settings, "FNMA", date(2026, 7, 1)).modification_rate == Decimal("6.25")
    assert rule_set_for(settings, "FHLMC", date(2026, 7, 1)).name == "fhlmc-2026"
    assert rule_set_for(settings, "FHLMC", date(2026, 2, 1)).name == "legacy"
    with pytest.raises(ConfigError, match="no workout rule set is in force"):
        rule_set_for(settings, "FNMA", date(1999, 12, 31))


def test_a_repayment_plan_term_can_be_chosen_within_the_rules() -> None:
    loan = delinquent_days(45)  # 3,594.28 of arrears on a 1,797.14 payment
    six = option(evaluate(loan, AS_OF, plan_months=6), "repayment_plan")
    assert six.eligible and money_terms(six.terms)["plan_payment"] == "2396.19"
    assert len(six.schedule) == 6 and sum(c for _, c in six.schedule) == 6 * 179_714 + 359_428
    assert six.terms["cure_date"] == six.schedule[-1][0].isoformat()
    two = option(evaluate(loan, AS_OF, plan_months=2), "repayment_plan")
    assert not two.eligible and "over 2 months needs a plan payment of 3,594.28" in \
        two.reasons[0]
    long = option(evaluate(loan, AS_OF, plan_months=13), "repayment_plan")
    assert not long.eligible and "plans run 1 to 12 months" in long.reasons[0]
    # Seven months or more, or more than 90 days late, needs a full application.
    assert option(evaluate(loan, AS_OF, plan_months=7), "repayment_plan").terms[
        "needs_full_application"] is True
