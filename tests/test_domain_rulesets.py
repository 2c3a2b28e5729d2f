"""Every investor's own workout rules (docs/RULES.md section 6): the rule set chosen by
investor and date, and each option's eligibility boundaries and terms, each test naming its
rule and source."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from lossmit_tui.domain.rulesets import (
    Facts,
    Liquidation,
    NoRuleSet,
    RepaymentPlan,
    RuleSet,
    choose,
    fha_rule_set,
    gse_rule_set,
    usda_rule_set,
    va_rule_set,
)
from lossmit_tui.domain.workout import (
    MODIFICATION,
    PARTIAL_CLAIM,
    Finances,
    Loan,
    OptionResult,
    PriorWorkout,
    WorkoutRules,
)

AS_OF = date(2026, 11, 29)  # 89 days late: the 1 Sep, 1 Oct and 1 Nov installments unpaid
ARREARS = 3 * 179_714  # 5,391.42


def loan(**changes: object) -> Loan:
    base = Loan(upb_cents=20_500_000, note_rate=Decimal("7.000"), pi_cents=139_714,
                escrow_cents=40_000, next_due_date=date(2026, 9, 1),
                origination_date=date(2019, 3, 1), property_value_cents=23_000_000,
                maturity_date=date(2049, 3, 1), hardship="income_reduction",
                owner_occupied=True)
    return replace(base, **changes)  # type: ignore[arg-type]


def run(rule_set: RuleSet, name: str, facts_loan: Loan | None = None,
        as_of: date = AS_OF, **facts: object) -> OptionResult:
    options = rule_set.evaluate(Facts(facts_loan or loan(), as_of, **facts))  # type: ignore[arg-type]
    return next(o for o in options if o.name == name)


FHA, VA, USDA = fha_rule_set(), va_rule_set(), usda_rule_set()
GSE = gse_rule_set("legacy", "2017", WorkoutRules(), date(2000, 1, 1))
GSE_ONLY = {"payment_deferral", "flex_modification", "short_sale"}


# --- Choosing the rule set ---------------------------------------------------------------

def test_the_rule_set_is_chosen_by_investor_and_date() -> None:
    sets = [GSE, FHA, VA, USDA]
    assert choose(sets, "FHA", date(2025, 10, 1)) is FHA  # ML 2025-12: from 1 Oct 2025
    with pytest.raises(NoRuleSet, match="no workout rules for investor FHA on 2025-09-30: "
                       "add a rule set"):
        choose(sets, "FHA", date(2025, 9, 30))
    assert choose(sets, "USDA", date(2025, 2, 11)) is USDA  # 89 FR 66189: from 11 Feb 2025
    with pytest.raises(NoRuleSet):
        choose(sets, "USDA", date(2025, 2, 10))
    assert choose(sets, "FNMA", AS_OF) is GSE and choose(sets, "FHLMC", AS_OF) is GSE
    with pytest.raises(NoRuleSet, match="no workout rules for investor PLS on 2026-11-29: "
                       "add a rule set"):
        choose(sets, "PLS", AS_OF)


def test_a_rule_set_ends_on_its_last_day_and_the_latest_in_force_decides() -> None:
    old = RuleSet("P", "1", ("PORTFOLIO",), date(2025, 1, 1), "policy 1",
                  (RepaymentPlan(),), date(2026, 6, 30))
    new = replace(old, version="2", effective_from=date(2026, 3, 1), effective_to=None)
    assert choose([old], "PORTFOLIO", date(2026, 6, 30)) is old
    with pytest.raises(NoRuleSet):
        choose([old], "PORTFOLIO", date(2026, 7, 1))
    assert choose([old, new], "PORTFOLIO", date(2026, 6, 30)) is new


@pytest.mark.parametrize("rule_set", [FHA, VA, USDA], ids=["FHA", "VA", "USDA"])
def test_no_government_loan_is_offered_a_gse_only_option(rule_set: RuleSet) -> None:
    options = rule_set.evaluate(Facts(loan(), AS_OF, rate=Decimal("6.25")))
    assert not GSE_ONLY & {o.name for o in options}
    assert all(750_000 not in o.terms.values() for o in options)  # Fannie Mae's $7,500


# --- FHA: HUD Handbook 4000.1 III.A.2 (ML 2025-12) ---------------------------------------

def test_fha_options_come_in_the_handbooks_order() -> None:
    assert FHA.option_names == ["informal_forbearance", "formal_forbearance",
                                "repayment_plan", "partial_claim", "fha_modification",
                                "pre_foreclosure_sale", "deed_in_lieu"]
    assert "III.A.2" in FHA.source and "2025-12" in FHA.source and FHA.unconfirmed


def test_fha_forbearance_informal_up_to_3_months_formal_4_to_6() -> None:
    # HB 4000.1 III.A.2, forbearance plans.
    informal, formal = run(FHA, "informal_forbearance"), run(FHA, "formal_forbearance")
    assert (informal.terms["months_from"], informal.terms["months_up_to"]) == (1, 3)
    assert (formal.terms["months_from"], formal.terms["months_up_to"]) == (4, 6)
    refused = run(FHA, "informal_forbearance", loan(hardship=None))
    assert not refused.eligible and "no hardship is on record" in refused.reasons[0]


def test_fha_partial_claim_at_most_30_percent_of_the_upb_at_default() -> None:
    # HB 4000.1 III.A.2 standalone partial claim; 12 U.S.C. 1715u: 30% of the unpaid
    # principal balance as of the date of default, less earlier partial claims.
    cap = 6_150_000  # 30% of 205,000.00
    fits = loan(history=(PriorWorkout(PARTIAL_CLAIM, date(2020, 1, 1), cents=cap - ARREARS),))
    claim = run(FHA, "partial_claim", fits)
    assert claim.eligible and claim.terms["claim_amount"] == ARREARS
    assert claim.terms["claim_cap"] == cap and claim.terms["claim_available_after"] == 0
    over = loan(history=(PriorWorkout(PARTIAL_CLAIM, date(2020, 1, 1),
                                      cents=cap - ARREARS + 1),))
    refused = run(FHA, "partial_claim", over)
    assert not refused.eligible
    assert "arrears of 5,391.42 exceed the 5,391.41 available (30% of the unpaid principal " \
        "balance at default, 61,500.00, less earlier claims of 56,108.59" in refused.reasons[0]


def test_fha_permanent_options_once_in_24_months() -> None:
    # ML 2025-12: a permanent home retention option at most once every 24 months.
    recent = loan(history=(PriorWorkout(MODIFICATION, date(2024, 11, 30)),))  # 23 months
    assert any("none within 24" in r for r in run(FHA, "partial_claim", recent).reasons)
    old = loan(history=(PriorWorkout(MODIFICATION, date(2024, 11, 29)),))  # 24 months
    assert run(FHA, "partial_claim", old).eligible


def test_fha_partial_claim_owner_occupants_who_can_resume_the_payment() -> None:
    # HB 4000.1 III.A.2: owner-occupied; the borrower can resume the mortgage payment.
    rented = run(FHA, "partial_claim", loan(owner_occupied=False))
    assert any("not owner-occupied" in r for r in rented.reasons)
    short = Finances(500_000, 400_000, 400_001, 179_714)
    deficit = run(FHA, "partial_claim", finances=short)
    assert any("monthly deficit of 0.01" in r for r in deficit.reasons)
    assert run(FHA, "partial_claim", finances=replace(short, expenses_cents=400_000)).eligible


def test_fha_modification_targets_25_percent_with_the_partial_claim() -> None:
    # HB 4000.1 III.A.2 modification with partial claim: arrears to the claim, the market
    # rate over 360 months, principal deferred to the claim toward a 25% lower P&I.
    mod = run(FHA, "fha_modification", rate=Decimal("6.25"))
    assert mod.eligible and mod.terms["rate_pct"] == "6.250" and mod.terms["term_months"] == 360
    assert mod.terms["capitalised_upb"] == 20_500_000  # the arrears went to the claim
    assert Decimal(str(mod.terms["reduction_pct"])) >= 25
    assert abs(int(str(mod.terms["pi_after"])) - 104_786) <= 1  # 1,397.14 x 75%
    assert "target_note" not in mod.terms
    # With most of the cap used before, the claim cannot reach the target: still offered.
    used = loan(history=(PriorWorkout(PARTIAL_CLAIM, date(2020, 1, 1), cents=5_000_000),))
    capped = run(FHA, "fha_modification", used, rate=Decimal("6.25"))
    assert capped.eligible and capped.terms["partial_claim"] == 1_150_000
    assert "short of the 25% target: offered all the same" in str(capped.terms["target_note"])


def test_fha_modification_needs_a_market_rate() -> None:
    mod = run(FHA, "fha_modification")
    assert not mod.eligible and "no modification rate is set" in mod.reasons[0]


def test_fha_liquidation_incentives_are_not_invented() -> None:
    # HB 4000.1 III.A.2 pre-foreclosure sale / deed-in-lieu: the consideration amounts
    # were not confirmed, so the built-in set names none.
    for name in ("pre_foreclosure_sale", "deed_in_lieu"):
        option = run(FHA, name)
        assert option.eligible and "not set" in str(option.terms)
        assert "borrower_consideration_up_to" not in option.terms
    configured = replace(FHA, options=tuple(
        replace(o, incentive_cents=300_000) if isinstance(o, Liquidation) else o
        for o in FHA.options))
    assert run(configured, "pre_foreclosure_sale").terms == {
        "borrower_consideration_up_to": 300_000}


# --- VA: M26-4 chapter 5; 38 CFR 36.4315 -------------------------------------------------

def va_mod(the_loan: Loan | None = None, pmms: str = "6.06") -> OptionResult:
    resolved = replace(the_loan or loan(), hardship_resolved=True)
    return run(VA, "va_modification", resolved, rate=Decimal(pmms))


def test_va_modification_rate_is_pmms_to_the_eighth_plus_50_basis_points() -> None:
    # 38 CFR 36.4315(a)(8) (VA Circular 26-20-28): at most the Freddie Mac PMMS 30-year
    # rate rounded to the nearest 1/8% plus 0.50.
    assert va_mod(pmms="6.06").terms["rate_pct"] == "6.500"  # 6.000 + 0.50
    assert va_mod(pmms="6.07").terms["rate_pct"] == "6.625"  # 6.125 + 0.50


def test_va_modification_rate_rise_over_1_percent_needs_approval() -> None:
    # M26-4 5.06 / 38 CFR 36.4315: more than 1% above the existing rate needs VA's
    # prior approval.
    assert va_mod(pmms="7.500").eligible  # 8.000: exactly 1% above 7.000
    refused = va_mod(pmms="7.563")  # 7.625 + 0.50 = 8.125
    assert not refused.eligible and "needs the investor's prior approval" in refused.reasons[0]


def test_va_modification_after_12_payments_and_within_the_modification_limits() -> None:
    # 38 CFR 36.4315(a)(4): 12 monthly payments since closing; at most once in 3 years and
    # 3 times over the loan's life without approval; the cause of default resolved.
    young = va_mod(loan(origination_date=date(2025, 12, 30)))  # 10 months... 11 whole
    assert any("needs 12" in r for r in young.reasons)
    assert va_mod(loan(origination_date=date(2025, 11, 29))).eligible  # 12 months
    assert any("at most 3" in r for r in va_mod(loan(prior_modifications=3)).reasons)
    assert va_mod(loan(prior_modifications=2)).eligible
    recent = loan(history=(PriorWorkout(MODIFICATION, date(2023, 12, 1)),))  # 35 months
    assert any("none within 36" in r for r in va_mod(recent).reasons)
    unresolved = run(VA, "va_modification", rate=Decimal("6.06"))
    assert any("cause of the default resolved" in r for r in unresolved.reasons)


def test_va_relocation_assistance_is_a_setting() -> None:
    for name in ("compromise_sale", "deed_in_lieu"):
        option = run(VA, name)
        assert option.eligible and "relocation_assistance_note" in option.terms


# --- USDA: 7 CFR 3555.303-3555.304 (2025) -----------------------------------------------

def test_usda_repayment_agreement_is_3_months_or_less() -> None:
    # 7 CFR 3555.303(b)(1).
    budget = Finances(600_000, 500_000, 500_000 - 179_714, 179_714)  # 1,797.14 spare
    three = run(USDA, "repayment_agreement", finances=budget)
    assert three.eligible and three.terms["months"] == 3
    tight = replace(budget, expenses_cents=budget.expenses_cents + 1)
    refused = run(USDA, "repayment_agreement", finances=tight)
    assert not refused.eligible


def test_usda_special_forbearance_within_12_months_of_piti() -> None:
    # 7 CFR 3555.303(b)(2): the arrears no more than 12 months of PITI.
    assert run(USDA, "special_forbearance").terms["months_up_to"] == 9  # 3 already due
    eleven = loan(next_due_date=date(2026, 1, 1))  # 11 installments past due
    assert run(USDA, "special_forbearance", eleven).terms["months_up_to"] == 1
    twelve = loan(next_due_date=date(2025, 12, 1))
    assert not run(USDA, "special_forbearance", twelve).eligible


def test_usda_streamline_modification_from_90_days_and_a_10_percent_cut() -> None:
    # 7 CFR 3555.304(b)-(c): 90 days past due; at least 10% lower P&I; 40 years.
    day89 = run(USDA, "streamline_modification", rate=Decimal("6.0"))
    assert any("89 days delinquent; a streamline modification needs 90" in r
               for r in day89.reasons)
    day90 = run(USDA, "streamline_modification", as_of=date(2026, 11, 30), rate=Decimal("6.0"))
    assert day90.eligible and day90.terms["term_months"] == 480
    assert Decimal(str(day90.terms["reduction_pct"])) >= 10
    high = run(USDA, "streamline_modification", as_of=date(2026, 11, 30),
               rate=Decimal("7.0"))  # the lesser rate: the note rate, 480 months
    assert not high.eligible and "needs at least 10%" in high.reasons[0]


def test_usda_modification_needs_verified_income_and_55_percent_dti() -> None:
    # 7 CFR 3555.304(b)(1): total debt-to-income at most 55% after the servicing.
    none = run(USDA, "loan_modification", rate=Decimal("6.0"))
    assert any("needs verified income" in r for r in none.reasons)
    ok = Finances(1_000_000, 800_000, 400_000, 179_714)
    mod = run(USDA, "loan_modification", finances=ok, rate=Decimal("6.0"))
    assert mod.eligible and mod.terms["housing_target_pct"] == "31"
    heavy = replace(ok, expenses_cents=700_000)
    assert any("above 55%" in r for r in run(USDA, "loan_modification", finances=heavy,
                                              rate=Decimal("6.0")).reasons)


def test_usda_mortgage_recovery_advance_up_to_30_percent() -> None:
    # 7 CFR 3555.304 (75 FR 52429): up to 30% of the unpaid principal balance.
    mra = run(USDA, "mortgage_recovery_advance")
    assert mra.eligible and mra.terms["claim_cap"] == 6_150_000
