"""The Flex Modification target a user actually gets comes from the settings
(`WorkoutRuleSet.target_reduction_pct`, 20% unless configured; docs/RULES.md section 6) and
flows through `rule_set_for` and `workout_config.gse_rules` into the waterfall: checked end
to end on a stored loan, with the default settings and with a configured target.

The loan (loan A1, FNMA): 205,000.00 owed at 7.000%, P&I 1,397.14, no escrow, worth
230,000.00, originated 2019-03-01, unpaid since 2026-09-01, so on 2026-11-29 three
installments (Sep, Oct, Nov) are past due. Worked by hand (monthly rate 6.5%/12, 480
months, every amount rounded half-up to the cent):

    arrears              3 x 1,397.14             =   4,191.42
    post-capitalisation  205,000.00 + 4,191.42    = 209,191.42
    MTMLTV               209,191.42 / 230,000.00  = 90.95%  (80% or more: rate 6.500%)
    P&I at 480 months    1,224.73 (-12.34%): above either target, so principal is forborne
    80% floor            184,000.00: at most 25,191.42 may be forborne
    30% cap (legacy)     62,757.43

    target 20%: P&I 1,397.14 x 0.80 = 1,117.71, which repays 190,912.46;
                forborne 209,191.42 - 190,912.46 = 18,278.96; new P&I 1,117.71 (-20.00%)
    target 15%: P&I 1,397.14 x 0.85 = 1,187.57, which repays 202,845.02;
                forborne 209,191.42 - 202,845.02 = 6,346.40; new P&I 1,187.57 (-15.00%)
    target 25%: P&I 1,397.14 x 0.75 = 1,047.86 would need 30,209.81 forborne; the floor
                stops it at 25,191.42; 184,000.00 at 6.5% = P&I 1,077.24 (-22.90%), target
                not met

Gross income 5,000.00 a month: housing expense after is 22.35% / 23.75% / 21.54% (within
the legacy 40% target)."""

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from db.engine import read_scope
from db.models import Case, Financials
from lossmit_tui.config import Settings, load_settings, rule_set_for
from lossmit_tui.domain.workout import money_terms
from lossmit_tui.evaluation import evaluate_case

from .conftest import TODAY

DEFAULT_TERMS = {
    "post_capitalisation_upb": "209191.42", "mtmltv_pct": "90.95", "rate_pct": "6.500",
    "term_months": 480, "forbearance": "18278.96", "interest_bearing": "190912.46",
    "pi_before": "1397.14", "pi_after": "1117.71", "reduction_pct": "20.00",
    "target_met": True, "hti_after_pct": "22.35", "hti_target_pct": "40",
    "needs_full_application": True,  # 89 days delinquent: below the streamlined 90
}
CONFIGURED_TERMS = {
    "15": {**DEFAULT_TERMS, "forbearance": "6346.40", "interest_bearing": "202845.02",
           "pi_after": "1187.57", "reduction_pct": "15.00", "hti_after_pct": "23.75"},
    "25": {**DEFAULT_TERMS, "forbearance": "25191.42", "interest_bearing": "184000.00",
           "pi_after": "1077.24", "reduction_pct": "22.90", "target_met": False,
           "target_note": "P&I lowered 22.90%, short of the 25% target: offered all the same",
           "hti_after_pct": "21.54"},
}


@pytest.fixture
def flex_loan(one_case) -> tuple[Engine, int]:
    """Loan A1 with the figures above and a financial snapshot of 2026-11-20."""
    engine, case_id = one_case
    with engine.begin() as conn:
        conn.execute(Case.__table__.update().where(Case.__table__.c.id == case_id).values(
            upb_cents=205_000_00, note_rate_milli=7000, pi_cents=1_397_14, escrow_cents=0,
            property_value_cents=230_000_00, origination_date=date(2019, 3, 1),
            hardship_reason="income_reduction", next_due_date=date(2026, 9, 1)))
        conn.execute(Financials.__table__.insert().values(
            case_id=case_id, taken_on=date(2026, 11, 20), author_id=None,
            incomes={"wages": {"gross": 5_000_00, "net": 4_000_00}},
            expenses={"first_mortgage_piti": 1_397_14, "food": 600_00},
            liquid_assets_cents=0, created_at=datetime(2026, 11, 20, 15, tzinfo=UTC)))
    return engine, case_id


def flex_terms(engine: Engine, settings: Settings) -> dict[str, object]:
    with read_scope(engine) as conn:
        evaluation = evaluate_case(conn, settings, loan_number="A1", as_of=TODAY)
    flex = next(o for o in evaluation.options if o.name == "flex_modification")
    assert flex.eligible, flex.reasons
    return money_terms(flex.terms)


def test_the_default_rule_set_targets_a_20_percent_reduction() -> None:
    chosen = rule_set_for(Settings(), "FNMA", TODAY)
    assert chosen.name == "legacy"
    assert chosen.target_reduction_pct == Decimal(20)


def test_the_default_settings_evaluate_flex_with_the_20_percent_target(flex_loan) -> None:
    engine, _ = flex_loan
    assert flex_terms(engine, load_settings()) == DEFAULT_TERMS


@pytest.mark.parametrize("target", ["15", "25"])
def test_a_configured_target_is_honoured(flex_loan, tmp_path: Path, target: str) -> None:
    engine, _ = flex_loan
    Path(os.environ["LOSSMIT_CONFIG"]).write_text(
        '[[workout_rule_sets]]\nname = "servicer"\neffective = 2020-01-01\n'
        f'target_reduction_pct = {target}\nforbearance_cap_pct = 30\nhti_max_pct = 40\n')
    settings = load_settings()
    assert rule_set_for(settings, "FNMA", TODAY).target_reduction_pct == Decimal(target)
    assert flex_terms(engine, settings) == CONFIGURED_TERMS[target]


def evaluate_command(db_url: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-m", "lossmit_tui", "evaluate", "A1", "--format", "json", "--db",
         db_url, "--user", "sam", "--today", TODAY.isoformat()],
        capture_output=True, text=True, env=os.environ.copy(), timeout=120)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    flex = next(o for o in answer["options"] if o["name"] == "flex_modification")
    assert flex["eligible"], flex["reasons"]
    steps = {s["step"]: s["figures"] for s in flex["steps"]}
    return {"rule_set": answer["rule_set"], "terms": flex["terms"],
            "forbear": steps["5. Forbear principal"]}


def test_lossmit_evaluate_uses_the_default_and_the_configured_target(flex_loan,
                                                                    db_url: str) -> None:
    default = evaluate_command(db_url)
    assert default["rule_set"] == "legacy"
    assert default["terms"] == DEFAULT_TERMS
    assert default["forbear"] == ("$18,278.96 non-interest-bearing (limited by the P&I "
                                  "target; target P&I $1,117.71)")
    Path(os.environ["LOSSMIT_CONFIG"]).write_text(
        '[[workout_rule_sets]]\nname = "servicer"\neffective = 2020-01-01\n'
        'target_reduction_pct = 15\nforbearance_cap_pct = 30\nhti_max_pct = 40\n')
    configured = evaluate_command(db_url)
    assert configured["rule_set"] == "servicer"
    assert configured["terms"] == CONFIGURED_TERMS["15"]
    assert configured["forbear"] == ("$6,346.40 non-interest-bearing (limited by the P&I "
                                     "target; target P&I $1,187.57)")


@pytest.mark.parametrize(("rate_type", "final", "rate"), [
    ("fixed", None, "5.000"),  # MTMLTV 90.95%: the lesser of 5.000% and 6.500%
    ("step", 6000, "6.000"),  # not yet at its 6% final rate: the lesser of 6% and 6.5%
    ("adjustable", 9000, "6.500"),  # below its 9% cap: the lesser of 9% and 6.5%
])
def test_a_stored_loans_rate_type_reaches_the_flex_rate(flex_loan, rate_type: str,
                                                        final: int | None, rate: str) -> None:
    engine, case_id = flex_loan
    with engine.begin() as conn:
        conn.execute(Case.__table__.update().where(Case.__table__.c.id == case_id).values(
            note_rate_milli=5000, rate_type=rate_type, final_rate_milli=final))
    with read_scope(engine) as conn:
        evaluation = evaluate_case(conn, load_settings(), loan_number="A1", as_of=TODAY)
    flex = next(o for o in evaluation.options if o.name == "flex_modification")
    assert flex.terms["rate_pct"] == rate
    assert flex.terms.get("rate_type", "fixed") == rate_type


def test_a_step_rate_loan_without_its_final_rate_is_not_offered_flex(flex_loan) -> None:
    engine, case_id = flex_loan
    with engine.begin() as conn:
        conn.execute(Case.__table__.update().where(Case.__table__.c.id == case_id).values(
            rate_type="step", final_rate_milli=None))
    with read_scope(engine) as conn:
        evaluation = evaluate_case(conn, load_settings(), loan_number="A1", as_of=TODAY)
    flex = next(o for o in evaluation.options if o.name == "flex_modification")
    assert not flex.eligible
    assert flex.reasons == ["a step-rate loan with no final step rate on record (the "
                            "modification rate of a loan not yet at its final rate needs it)"]
