"""The workout rules file: servicer-defined rule sets for portfolio and private-label loans,
figures of the built-in sets, and clear errors naming the file, key and line."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from lossmit_tui.config import ConfigError, Settings
from lossmit_tui.domain.rulesets import Liquidation, Modification, NoRuleSet, RepaymentPlan
from lossmit_tui.workout_config import rules_in_force

PORTFOLIO = '''
# The servicer's credit policy for loans it holds.
[[rule_sets]]
name = "Portfolio"
version = "2026-1"
investors = ["PORTFOLIO", "PLS"]
effective_from = 2026-01-01
effective_to = 2026-12-31
source = "Servicer credit policy 7.2"

[[rule_sets.options]]
type = "repayment_plan"
name = "repayment_plan"
max_months = 9
cap_pct = "175"

[[rule_sets.options]]
type = "modification"
name = "portfolio_modification"
rate = "5.5"
rate_rule = "lesser"
term_months = 420
target_pct = "15"

[[rule_sets.options]]
type = "liquidation"
name = "short_sale"
incentive = "2500.00"
'''


def rules_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "workout_rules.toml"
    path.write_text(text)
    return path


def test_a_portfolio_rule_set_from_the_file(tmp_path: Path) -> None:
    path = rules_file(tmp_path, PORTFOLIO)
    chosen, _ = rules_in_force(Settings(), "PLS", date(2026, 12, 31), path)
    assert (chosen.name, chosen.version, chosen.source) == ("Portfolio", "2026-1",
                                                            "Servicer credit policy 7.2")
    assert chosen.option_names == ["repayment_plan", "portfolio_modification", "short_sale"]
    plan, mod, sale = chosen.options
    assert isinstance(plan, RepaymentPlan) and (plan.max_months, plan.cap_pct) == (
        9, Decimal(175))
    assert isinstance(mod, Modification) and (mod.rate, mod.term_months, mod.target_pct) == (
        Decimal("5.5"), 420, Decimal(15))
    assert isinstance(sale, Liquidation) and sale.incentive_cents == 250_000
    with pytest.raises(NoRuleSet, match="no workout rules for investor PLS on 2027-01-01"):
        rules_in_force(Settings(), "PLS", date(2027, 1, 1), path)
    # The file's own sets never reach another investor's loans.
    fnma, _ = rules_in_force(Settings(), "FNMA", date(2026, 6, 1), path)
    assert fnma.name == "legacy"


def test_no_file_means_no_portfolio_rules(tmp_path: Path) -> None:
    with pytest.raises(NoRuleSet, match="no workout rules for investor PORTFOLIO on "
                       "2026-11-29: add a rule set"):
        rules_in_force(Settings(), "PORTFOLIO", date(2026, 11, 29), tmp_path / "none.toml")


def test_a_built_in_figure_is_set_in_the_file(tmp_path: Path) -> None:
    path = rules_file(tmp_path, '''
[builtin.FHA.pre_foreclosure_sale]
incentive = "3000.00"

[builtin.FHA.fha_modification]
rate = "6.25"
''')
    fha, _ = rules_in_force(Settings(), "FHA", date(2026, 11, 29), path)
    by_name = {o.name: o for o in fha.options}
    sale, mod = by_name["pre_foreclosure_sale"], by_name["fha_modification"]
    assert isinstance(sale, Liquidation) and sale.incentive_cents == 300_000
    assert isinstance(mod, Modification) and mod.rate == Decimal("6.25")


@pytest.mark.parametrize(("text", "where"), [
    (PORTFOLIO.replace('rate = "5.5"', 'rate = "five"'),
     "line 20: rule_sets[0].options[1].rate: 'five' is not a number"),
    (PORTFOLIO.replace('type = "liquidation"', 'type = "sale"'),
     "line 26: rule_sets[0].options[2].type: 'sale' is not an option type"),
    (PORTFOLIO.replace("max_months = 9", "max_months = 900"),
     "line 14: rule_sets[0].options[0].max_months: 900 is outside 1 to 480"),
    (PORTFOLIO.replace("max_months = 9", "months = 9"),
     "line 14: rule_sets[0].options[0].months: not a parameter of a repayment_plan option"),
    (PORTFOLIO.replace("effective_to = 2026-12-31", "effective_to = 2025-12-31"),
     "line 8: rule_sets[0].effective_to: 2025-12-31 is before effective_from 2026-01-01"),
    (PORTFOLIO.replace('source = "Servicer credit policy 7.2"\n', ""),
     "line 3: rule_sets[0].source: missing"),
    (PORTFOLIO.replace('incentive = "2500.00"', 'incentive = "2500.001"'),
     "line 28: rule_sets[0].options[2].incentive: '2500.001' is not an amount in dollars"),
    ('[builtin.FHA.flex_modification]\nrate = "6"\n',
     "line 1: builtin.FHA.flex_modification: FHA has no option 'flex_modification'"),
    ('[builtin.FHA.fha_modification]\nrate = "40"\n',
     "line 2: builtin.FHA.fha_modification.rate: 40 is outside 0.001 to 25"),
    ("[[rule_sets]\nname = 1\n", "is not valid TOML"),
])
def test_a_bad_rules_file_names_the_file_key_and_line(tmp_path: Path, text: str,
                                                      where: str) -> None:
    path = rules_file(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        rules_in_force(Settings(), "PORTFOLIO", date(2026, 11, 29), path)
    assert str(caught.value).startswith(str(path))
    assert where in str(caught.value)
