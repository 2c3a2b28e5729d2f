"""Every published GSE rule version is expressible in the settings (docs/RULES.md section 6):
the rate threshold apart from the forbearance floor, the modified term, the target, the caps
and the relocation amounts are settings of `workout_rule_sets`, today's published values by
default; a bad value is refused naming the key and the settings file; each alternative
moves the outcome."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from lossmit_tui.config import ConfigError, Settings, config_path, load_settings
from lossmit_tui.domain.workout import PriorWorkout, evaluate, money_terms
from lossmit_tui.workout_config import gse_rules

from .test_domain_workout import AS_OF, LOAN, option


def settings_with(lines: str) -> Settings:
    config_path().write_text('[[workout_rule_sets]]\nname = "servicer"\n'
                             f'effective = 2020-01-01\n{lines}\n')
    return load_settings()


def rules_of(settings: Settings):  # type: ignore[no-untyped-def]
    found = gse_rules(settings, "FNMA", AS_OF)
    assert found is not None
    return found[0]


def test_todays_published_values_are_the_defaults() -> None:
    rules = rules_of(Settings())
    flex = rules.flex
    assert (flex.rate_mtmltv_pct, flex.mtmltv_floor_pct) == (Decimal(80), Decimal(80))
    assert (flex.term_months, flex.target_reduction_pct) == (480, Decimal(20))
    assert flex.term_rule == "to_max"
    assert flex.forbearance_cap_pct == Decimal(30)  # the legacy set's cap
    assert flex.not_final_rate_rule == "final"
    assert (rules.forbearance_max_months, rules.deferral_lifetime_months,
            rules.flex_max_prior_mods) == (12, 12, 2)
    assert (rules.short_sale_relocation_cents, rules.deed_relocation_cents) == (
        7_500_00, 7_500_00)


def test_each_setting_reaches_the_rules() -> None:
    rules = rules_of(settings_with(
        'rate_mtmltv_pct = 95\nforbearance_floor_mtmltv_pct = 115\nterm_months = 360\n'
        'term_extension = "monthly_steps"\n'
        'target_reduction_pct = 25\nforbearance_cap_pct = 10\nnot_final_rate_rule = "as_fixed"'
        '\nforbearance_max_months = 6\ndeferral_lifetime_months = 18\nflex_max_prior_mods = 1'
        '\nshort_sale_relocation = "3000.00"\ndeed_in_lieu_relocation = "5000.50"'))
    flex = rules.flex
    assert (flex.rate_mtmltv_pct, flex.mtmltv_floor_pct) == (Decimal(95), Decimal(115))
    assert (flex.term_months, flex.target_reduction_pct) == (360, Decimal(25))
    assert flex.term_rule == "monthly_steps"
    assert (flex.forbearance_cap_pct, flex.not_final_rate_rule) == (Decimal(10), "as_fixed")
    assert (rules.forbearance_max_months, rules.deferral_lifetime_months,
            rules.flex_max_prior_mods) == (6, 18, 1)
    assert (rules.short_sale_relocation_cents, rules.deed_relocation_cents) == (
        3_000_00, 5_000_50)


@pytest.mark.parametrize(("key", "value"), [
    ("rate_mtmltv_pct", "0"), ("rate_mtmltv_pct", '"high"'), ("rate_mtmltv_pct", "250"),
    ("forbearance_floor_mtmltv_pct", "-5"), ("forbearance_floor_mtmltv_pct", "201"),
    ("term_months", "481"), ("term_months", "6"), ("term_months", '"forty years"'),
    ("target_reduction_pct", "0"), ("target_reduction_pct", "100"),
    ("forbearance_cap_pct", "0"), ("forbearance_cap_pct", "101"),
    ("not_final_rate_rule", '"cap"'), ("term_extension", '"yearly"'),
    ("forbearance_max_months", "0"), ("forbearance_max_months", "61"),
    ("deferral_lifetime_months", "0"), ("flex_max_prior_mods", "-1"),
    ("short_sale_relocation", '"-1.00"'), ("short_sale_relocation", '"7500.005"'),
    ("deed_in_lieu_relocation", '"lots"'), ("investors", '["FHA"]'),
])
def test_a_bad_value_is_refused_naming_the_key_and_the_file(key: str, value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_with(f"{key} = {value}")
    message = str(caught.value)
    assert str(config_path()) in message
    assert f"workout_rule_sets.0.{key}" in message


def test_the_forbearance_floor_setting_moves_the_flex_offer() -> None:
    # LOAN (test_domain_workout) worth 200,000.00: 3 x 1,797.14 arrears, 210,391.42 after
    # capitalisation (MTMLTV 105.20%). Under the 80% floor the 20% target is reached; under
    # 100% at most 10,391.42 may be forborne; under 115% nothing.
    loan = replace(LOAN, property_value_cents=200_000_00)
    offers = {}
    for floor in ("80", "100", "115"):
        rules = rules_of(settings_with(f"forbearance_floor_mtmltv_pct = {floor}"))
        flex = option(evaluate(loan, AS_OF, rules=rules), "flex_modification")
        offers[floor] = (flex.terms["forbearance"], flex.terms["target_met"])
    assert offers["80"][1] is True
    assert offers["100"] == (10_391_42, False)
    assert offers["115"] == (0, False)


def test_the_relocation_amounts_are_settings() -> None:
    rules = rules_of(settings_with('short_sale_relocation = "3000.00"\n'
                                   'deed_in_lieu_relocation = "0.00"'))
    results = evaluate(LOAN, AS_OF, rules=rules)
    assert money_terms(option(results, "short_sale").terms) == {
        "relocation_assistance_up_to": "3000.00"}
    assert money_terms(option(results, "deed_in_lieu").terms) == {
        "relocation_assistance_up_to": "0.00"}


def test_the_caps_are_settings() -> None:
    default = rules_of(Settings())  # before the settings file is written
    capped = rules_of(settings_with("forbearance_max_months = 6\ndeferral_lifetime_months = 3"
                                    "\nflex_max_prior_mods = 0"))
    # Six months of forbearance used: none left under a 6-month cap, 6 under the default 12.
    used = replace(LOAN, forbearance_months_used=6)
    assert option(evaluate(used, AS_OF, rules=default), "forbearance").eligible
    refused = option(evaluate(used, AS_OF, rules=capped), "forbearance")
    assert not refused.eligible and "at most 6 cumulative" in refused.reasons[0]
    # One prior modification: allowed under the default (fewer than 3), not under 0.
    modified = replace(LOAN, prior_modifications=1)
    assert option(evaluate(modified, AS_OF, rules=default), "flex_modification").eligible
    flex = option(evaluate(modified, AS_OF, rules=capped), "flex_modification")
    assert "a Flex Modification needs fewer than 1" in " ".join(flex.reasons)
    # Three months deferred before (not within the look-back): the 3-month lifetime cap is
    # used up.
    deferred = replace(LOAN, history=(PriorWorkout("payment_deferral", date(2024, 1, 1), 3),))
    deferral = option(evaluate(deferred, AS_OF, rules=capped), "payment_deferral")
    assert "3 months already deferred over the loan's life; at most 3" in " ".join(
        deferral.reasons)


def test_the_settings_file_can_hold_two_versions_by_date() -> None:
    # The legacy version (80% floor) until 2026-11-30, a 100% floor version from 2026-12-01.
    config_path().write_text(
        '[[workout_rule_sets]]\nname = "legacy"\nversion = "Flex 2017"\n'
        'effective = 2017-10-01\nuntil = 2026-11-30\nforbearance_cap_pct = 30\n'
        '[[workout_rule_sets]]\nname = "next"\nversion = "2026-12"\neffective = 2026-12-01\n'
        'forbearance_floor_mtmltv_pct = 100\n')
    settings = load_settings()
    before = gse_rules(settings, "FNMA", date(2026, 11, 30))
    after = gse_rules(settings, "FNMA", date(2026, 12, 1))
    assert before is not None and after is not None
    assert (before[1].version, before[0].flex.mtmltv_floor_pct) == ("Flex 2017", Decimal(80))
    assert (after[1].version, after[0].flex.mtmltv_floor_pct) == ("2026-12", Decimal(100))


def test_the_unconfirmed_step_rate_rule_is_said_with_the_rule_set() -> None:
    found = gse_rules(Settings(), "FNMA", AS_OF)
    assert found is not None
    assert any("not_final_rate_rule" in note and "9206.3" in note
               for note in found[1].unconfirmed)
    as_fixed = gse_rules(settings_with('not_final_rate_rule = "as_fixed"'), "FNMA", AS_OF)
    assert as_fixed is not None and as_fixed[1].unconfirmed == ()


def test_monthly_term_steps_from_the_settings_need_the_maturity_date() -> None:
    # The current Flex version (LL-2024-02) extends the remaining term: LOAN matures
    # 2049-03-01, 267 months after 2026-11-29; without a maturity date it cannot be offered.
    rules = rules_of(settings_with('term_extension = "monthly_steps"\n'
                                   'forbearance_floor_mtmltv_pct = 50'))
    flex = option(evaluate(LOAN, AS_OF, rules=rules), "flex_modification")
    assert flex.eligible and 267 <= int(str(flex.terms["term_months"])) <= 480
    unknown = option(evaluate(replace(LOAN, maturity_date=None), AS_OF, rules=rules),
                     "flex_modification")
    assert not unknown.eligible
    assert unknown.reasons == ["the maturity date is not on record (the term is extended "
                               "month by month from the remaining term)"]
