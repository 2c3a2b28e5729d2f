"""Workout evaluation: every option, eligible or not and why, at each rule's boundary."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from lossmit_tui.domain.delinquency import add_months
from lossmit_tui.domain.workout import (
    DEFERRAL,
    FAILED_TRIAL,
    MODIFICATION,
    OPTIONS,
    Finances,
    Loan,
    PriorWorkout,
    WorkoutRules,
    arrears_cents,
    evaluate,
    installments_past_due,
    money_terms,
)

AS_OF = date(2026, 11, 29)
# The worked example's loan: 210,000 at 7.000% over 360 (P&I 1,397.14), now 205,000.00 owed;
# value 230,000; escrow 400.00 a month; a 30-year loan maturing 2049-03-01.
LOAN = Loan(upb_cents=20_500_000, note_rate=Decimal("7.000"), pi_cents=139_714,
            escrow_cents=40_000, next_due_date=date(2026, 9, 1),
            origination_date=date(2019, 3, 1), property_value_cents=23_000_000,
            hardship="income_reduction", hardship_resolved=True,
            maturity_date=date(2049, 3, 1))
FINANCES = Finances(gross_income_cents=900_000, net_income_cents=700_000,
                    expenses_cents=500_000, housing_cents=179_714)
# Can resume the full payment (100.00 a month to spare) but afford no repayment plan.
RESUMES = Finances(900_000, 700_000, 690_000, 179_714, liquid_assets_cents=0)


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


def deferral(loan: Loan, finances: Finances | None = RESUMES, as_of: date = AS_OF,
             quality_contact: bool | None = True):  # type: ignore[no-untyped-def]
    return option(evaluate(loan, as_of, finances, quality_contact=quality_contact),
                  "payment_deferral")


@pytest.mark.parametrize(("next_due", "as_of", "past_due", "eligible"), [
    (date(2027, 2, 1), date(2027, 3, 1), 1, False),
    # The 1 Jan and 1 Feb installments unpaid on 1 Mar: 2 past due, though 59 days late.
    (date(2027, 1, 1), date(2027, 3, 1), 2, True),
    # Jun to Nov unpaid on 29 Nov: 6 past due, though 181 days late.
    (date(2026, 6, 1), AS_OF, 6, True),
    (date(2026, 5, 1), AS_OF, 7, False)])
def test_payment_deferral_counts_2_to_6_monthly_payments_past_due_not_days(
        next_due: date, as_of: date, past_due: int, eligible: bool) -> None:
    # Fannie Mae Servicing Guide D2-3.2-04: 2 to 6 monthly payments past due.
    result = deferral(replace(LOAN, next_due_date=next_due), as_of=as_of)
    assert result.eligible is eligible, result.reasons
    if eligible:
        assert result.terms["months_deferred"] == past_due
    else:
        assert result.reasons == [f"{past_due} monthly payment(s) past due; a payment "
                                  "deferral needs 2 to 6 (D2-3.2-04)"]


@pytest.mark.parametrize(("maturity", "eligible"), [
    (add_months(AS_OF, 36), True), (add_months(AS_OF, 36) - timedelta(days=1), False),
    (None, False)])
def test_payment_deferral_is_not_offered_within_36_months_of_maturity(
        maturity: date | None, eligible: bool) -> None:
    # D2-3.2-04: the loan must be at least 36 months from its maturity date.
    result = deferral(replace(LOAN, maturity_date=maturity))
    assert result.eligible is eligible, result.reasons
    if maturity is None:
        assert result.reasons == ["the maturity date is not on record (a payment deferral "
                                  "needs the loan at least 36 months from maturity)"]
    elif not eligible:
        assert result.reasons == ["the loan matures on 2029-11-28, 35 months away; a payment "
                                  "deferral needs at least 36 (D2-3.2-04)"]


@pytest.mark.parametrize(("effective", "disaster", "eligible"), [
    (date(2025, 12, 1), False, False),  # 11 months before the evaluation
    (date(2025, 11, 29), False, True),  # 12 months before it
    (date(2026, 10, 1), True, True)])  # a disaster deferral is outside the look-back
def test_no_prior_deferral_effective_in_the_12_months_before_the_evaluation(
        effective: date, disaster: bool, eligible: bool) -> None:
    # D2-3.2-04: no prior deferral within 12 months; COVID-19 and disaster ones do not count.
    loan = replace(LOAN, history=(PriorWorkout(DEFERRAL, effective, 2, disaster),))
    result = deferral(loan)
    assert result.eligible is eligible, result.reasons
    if not eligible:
        assert result.reasons == [
            "a payment deferral took effect on 2025-12-01, 11 months ago (none allowed "
            "within 12; COVID-19 and disaster deferrals do not count)"]


def test_at_most_12_months_deferred_over_the_loans_life() -> None:
    # D2-3.2-04: 12 months deferred at most over the life of the loan; COVID-19 and
    # disaster deferrals do not count toward it.
    old = [PriorWorkout(DEFERRAL, date(2021, 1, 1), 6), PriorWorkout(DEFERRAL,
                                                                     date(2023, 1, 1), 4)]
    capped = deferral(replace(LOAN, history=tuple(old)))  # 3 past due, 2 months left
    assert capped.eligible
    assert capped.terms["months_deferred"] == 2
    assert capped.terms["lifetime_months_deferred_after"] == 12
    assert capped.terms["past_due_not_deferred"] == 179_714  # the third installment
    spent = replace(LOAN, history=(*old, PriorWorkout(DEFERRAL, date(2024, 6, 1), 2)))
    refused = deferral(spent)
    assert not refused.eligible
    assert refused.reasons == ["12 months already deferred over the loan's life; at most 12 "
                               "(COVID-19 and disaster deferrals do not count)"]
    covid = replace(LOAN, history=(*old, PriorWorkout(DEFERRAL, date(2021, 6, 1), 6,
                                                      disaster=True)))
    assert deferral(covid).terms["months_deferred"] == 2


@pytest.mark.parametrize(("prior", "why"), [
    (PriorWorkout(MODIFICATION, date(2026, 1, 15)), "a modification took effect on "
     "2026-01-15, 10 months ago"),
    (PriorWorkout(FAILED_TRIAL, date(2026, 1, 15)), "a trial plan failed on 2026-01-15, "
     "10 months ago")])
def test_no_modification_or_failed_trial_plan_in_the_prior_12_months(prior: PriorWorkout,
                                                                     why: str) -> None:
    # D2-3.2-04: no modification or failed trial plan within 12 months; COVID-19 and
    # disaster modifications do not count.
    refused = deferral(replace(LOAN, history=(prior,)))
    assert refused.reasons == [f"{why}; a payment deferral needs none within 12 (COVID-19 "
                               "and disaster modifications do not count)"]
    assert deferral(replace(LOAN, history=(replace(prior, disaster=True),))).eligible
    year_ago = replace(prior, effective_on=date(2025, 11, 29))
    assert deferral(replace(LOAN, history=(year_ago,))).eligible
    failed_flex = replace(LOAN, failed_flex_trial_on=date(2026, 1, 15))
    assert "a trial plan failed on 2026-01-15" in deferral(failed_flex).reasons[0]


def test_a_payment_deferral_needs_a_quality_right_party_contact() -> None:
    # D2-3.2-04: a quality right-party contact (QRPC) with the borrower.
    assert deferral(LOAN, quality_contact=False).reasons == [
        "no quality right-party contact (QRPC) with the borrower is on record; a payment "
        "deferral needs one"]
    unknown = deferral(LOAN, quality_contact=None)
    assert unknown.eligible
    assert unknown.terms["confirm_before_offering"] == ("a quality right-party contact "
                                                        "(QRPC) with the borrower")
    assert "confirm_before_offering" not in deferral(LOAN).terms


def test_a_payment_deferral_is_for_a_borrower_who_can_resume_but_not_reinstate_or_repay(
        ) -> None:
    # D2-3.2-04: the hardship resolved; able to resume the full payment; unable to reinstate
    # or to afford a repayment plan.
    assert "the hardship is not resolved" in deferral(
        replace(LOAN, hardship_resolved=False)).reasons[0]
    deficit = Finances(900_000, 700_000, 710_000, 179_714)
    assert deferral(LOAN, deficit).reasons == [
        "the budget shows a monthly deficit of 100.00: the full payment cannot be resumed"]
    savings = replace(RESUMES, liquid_assets_cents=539_142)  # the arrears, to the cent
    assert deferral(LOAN, savings).reasons == [
        "liquid assets of 5,391.42 cover the arrears of 5,391.42: the borrower can reinstate "
        "(a deferral is for one who cannot)"]
    assert not deferral(LOAN, replace(savings, liquid_assets_cents=539_141)).reasons
    assert deferral(LOAN, FINANCES).reasons == [
        "a 6-month repayment plan (2,695.71 a month) fits the budget (a deferral is for a "
        "borrower who cannot afford one)"]
    unknown = deferral(LOAN, None, quality_contact=None)
    assert unknown.eligible and unknown.terms["confirm_before_offering"] == (
        "a quality right-party contact (QRPC) with the borrower; that the borrower cannot "
        "reinstate or afford a repayment plan (no financial snapshot)")


def test_the_deferred_balance_is_past_due_pi_escrow_and_servicing_advances() -> None:
    # D2-3.2-04: past-due P&I, advanced escrow and third-party servicing advances move to a
    # non-interest-bearing balance due at the earliest of maturity, sale or transfer,
    # refinance or payoff.
    result = deferral(replace(LOAN, fees_cents=5_000))
    assert result.eligible
    assert money_terms(result.terms) == {
        "months_deferred": 3, "deferred_pi": "4191.42", "deferred_escrow_advances": "1200.00",
        "deferred_servicing_advances": "50.00", "deferred_balance": "5441.42",
        "deferred_balance_due": "non-interest-bearing; due at the earliest of maturity "
                                "(2049-03-01), sale or transfer, refinance or payoff",
        "payment_after": "1797.14", "lifetime_months_deferred_after": 3}


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
                       RESUMES, quality_contact=True)
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


def test_the_legacy_40_percent_housing_expense_ratio_is_a_target_not_a_gate() -> None:
    # Legacy Flex Modification (Fannie Mae D2-3.2-06): the 40% housing expense-to-income
    # ratio is a target reported with the offer; at 90+ days delinquent the streamlined
    # offer needs no financials.
    legacy = WorkoutRules(hti_target_pct=Decimal(40), name="legacy")
    loan = delinquent_days(90)
    rich = Finances(900_000, 700_000, 500_000, 179_714)
    poor = Finances(300_000, 250_000, 240_000, 179_714)
    within = option(evaluate(loan, AS_OF, rich, legacy), "flex_modification")
    assert within.eligible and within.terms["hti_target_pct"] == "40"
    above = option(evaluate(loan, AS_OF, poor, legacy), "flex_modification")
    assert above.eligible and not above.reasons
    assert above.terms["hti_after_pct"] == "50.59"
    assert dict(above.steps)["7. Housing expense"] == (
        "50.59% of gross income (above the 40% target; a target, not a condition)")
    streamlined = option(evaluate(loan, AS_OF, None, legacy), "flex_modification")
    assert streamlined.eligible and streamlined.terms["needs_full_application"] is False
    assert "hti_after_pct" not in streamlined.terms
    assert "the 40% target is not measured" in dict(streamlined.steps)["7. Housing expense"]
    early = option(evaluate(delinquent_days(89), AS_OF, None, legacy), "flex_modification")
    assert early.eligible and early.terms["needs_full_application"] is True


def test_the_20_percent_payment_reduction_is_a_target_not_a_condition() -> None:
    # Flex Modification (D2-3.2-06): a modification lowering P&I by less than 20% is still
    # offered, saying so. Worth 260,000, the 80% MTMLTV floor stops the forbearance early.
    result = option(evaluate(replace(delinquent_days(90), property_value_cents=26_000_000),
                             AS_OF), "flex_modification")
    assert result.eligible and result.terms["target_met"] is False
    reduction = Decimal(str(result.terms["reduction_pct"]))
    assert Decimal(0) < reduction < Decimal(20)
    assert result.terms["target_note"] == (f"P&I lowered {reduction}%, short of the 20% "
                                           "target: offered all the same")


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
    with pytest.raises(ConfigError, match="no workout rules for investor FNMA on 1999-12-31"):
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


def test_dti_is_debt_payments_over_gross_income_not_living_expenses() -> None:
    from decimal import Decimal

    from lossmit_tui.domain.workout import derived, summarise

    incomes = {"wages": {"gross": 600_000, "net": 450_000}}
    debts = {"first_mortgage_piti": 150_000, "hoa": 10_000, "other_mortgages": 20_000,
             "auto": 30_000, "credit_cards": 15_000, "student_loans": 12_000,
             "child_support": 8_000, "other": 5_000}
    living = {"food": 80_000, "utilities": 25_000}
    totals = summarise(incomes, debts | living)
    figures = derived(totals, arrears=0)
    assert figures.hti_pct == Decimal("26.67")  # 1,600.00 of 6,000.00
    assert figures.dti_pct == Decimal("41.67")  # 2,500.00 of debt payments, not 3,550.00
    assert figures.surplus_cents == 450_000 - 355_000  # food and utilities are spent
    # More food or utilities lowers the surplus and leaves the DTI alone.
    hungrier = derived(summarise(incomes, debts | {"food": 120_000, "utilities": 40_000}), 0)
    assert hungrier.dti_pct == figures.dti_pct
    assert hungrier.surplus_cents == figures.surplus_cents - 55_000
