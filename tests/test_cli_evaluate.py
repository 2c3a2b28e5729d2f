"""`lossmit evaluate`: every option as JSON for scripts, and clear refusals."""

import json
import re

from lossmit_tui.domain.workout import OPTIONS
from tests.test_cli import DAY, run, seeded, specialist  # noqa: F401  (fixture)

MONEY = re.compile(r"^-?\d+\.\d\d$")


def a_loan(url: str) -> str:
    rows = json.loads(run("queue", "--format", "json", "--db", url, "--user",
                          specialist(url), "--today", DAY).stdout)
    return rows[0]["loan_number"]


def test_evaluate_prints_every_option_as_json(seeded: str) -> None:  # noqa: F811
    loan = a_loan(seeded)
    result = run("evaluate", loan, "--format", "json", "--db", seeded, "--user",
                 specialist(seeded), "--today", DAY)
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["loan_number"] == loan and answer["as_of"] == DAY
    assert [o["name"] for o in answer["options"]] == list(OPTIONS)
    for o in answer["options"]:
        assert isinstance(o["eligible"], bool) and isinstance(o["reasons"], list)
        assert o["eligible"] or o["reasons"]
        for key, value in o["terms"].items():
            if isinstance(value, str) and key not in ("first_payment_on", "cure_date"):
                assert MONEY.match(value) or key.endswith("_pct"), (key, value)
    flex = next(o for o in answer["options"] if o["name"] == "flex_modification")
    if flex["eligible"]:
        assert flex["steps"][0]["step"] == "1. Capitalise arrears"
        assert float(flex["terms"]["pi_after"]) < float(flex["terms"]["pi_before"])
    else:
        assert flex["reasons"]


def test_evaluate_as_of_and_mod_rate(seeded: str) -> None:  # noqa: F811
    loan = a_loan(seeded)
    early = json.loads(run("evaluate", loan, "--format", "json", "--as-of", "2026-01-01",
                           "--db", seeded, "--user", specialist(seeded), "--today", DAY).stdout)
    assert early["as_of"] == "2026-01-01"
    table = run("evaluate", loan, "--mod-rate", "5.25%", "--db", seeded, "--user",
                specialist(seeded), "--today", DAY)
    assert table.exit_code == 0 and table.stdout.startswith(f"Loan {loan} as of {DAY}")
    assert "flex modification" in table.stdout


def test_evaluate_refuses_bad_input(seeded: str) -> None:  # noqa: F811
    unknown = run("evaluate", "NOPE", "--db", seeded, "--user", specialist(seeded))
    assert unknown.exit_code == 1 and "no case with loan number 'NOPE'" in unknown.stderr
    loan = a_loan(seeded)
    for rate in ("abc", "40"):
        bad = run("evaluate", loan, "--mod-rate", rate, "--db", seeded, "--user",
                  specialist(seeded))
        assert bad.exit_code == 2 and "--mod-rate" in bad.output


def test_evaluate_takes_the_workout_history(seeded: str) -> None:  # noqa: F811
    loan = a_loan(seeded)
    answer = json.loads(run("evaluate", loan, "--format", "json", "--prior-modifications",
                            "3", "--forbearance-months-used", "12", "--failed-flex-trial",
                            "2026-06-01", "--db", seeded, "--user", specialist(seeded),
                            "--today", DAY).stdout)
    by_name = {o["name"]: o for o in answer["options"]}
    assert not by_name["forbearance"]["eligible"]
    assert any("12 months of forbearance already granted" in r
               for r in by_name["forbearance"]["reasons"])
    flex = by_name["flex_modification"]
    assert not flex["eligible"]
    assert any("3 prior modifications" in r for r in flex["reasons"])
    assert any("a Flex trial failed 5 months ago" in r for r in flex["reasons"])


def test_evaluate_refuses_another_specialists_loan(seeded: str) -> None:  # noqa: F811
    me = specialist(seeded)
    lead = next(u["username"] for u in json.loads(
        run("users", "list", "--format", "json", "--db", seeded).stdout) if u["role"] == "lead")
    book = json.loads(run("queue", "--view", "all", "--limit", "1000", "--format", "json",
                          "--db", seeded, "--user", lead, "--today", DAY).stdout)
    theirs = next(r for r in book if r["assignee"] not in (me, None, ""))
    refused = run("evaluate", theirs["loan_number"], "--db", seeded, "--user", me)
    assert refused.exit_code == 1 and refused.stdout == ""
    assert (f"Error: Evaluating a case is refused: {me} may not act on loan "
            f"{theirs['loan_number']}, {theirs['assignee']}'s case") in refused.stderr


def test_evaluate_takes_prior_workouts_and_the_quality_contact(seeded: str) -> None:  # noqa: F811
    # Payment deferral (D2-3.2-04): a quality right-party contact; no deferral effective in
    # the 12 months before; a COVID-19 or disaster one does not count.
    loan = a_loan(seeded)

    def deferral(*extra: str) -> dict:  # type: ignore[type-arg]
        answer = json.loads(run("evaluate", loan, "--format", "json", *extra, "--db", seeded,
                                "--user", specialist(seeded), "--today", DAY).stdout)
        return next(o for o in answer["options"] if o["name"] == "payment_deferral")

    assert "no quality right-party contact (QRPC) with the borrower is on record; a " \
        "payment deferral needs one" in deferral("--no-quality-contact")["reasons"]
    assert not any("QRPC" in r for r in deferral("--quality-contact")["reasons"])
    recent = deferral("--prior-workout", "deferral:2026-10-01:2")["reasons"]
    assert any(r.startswith("a payment deferral took effect on 2026-10-01") for r in recent)
    covid = deferral("--prior-workout", "deferral:2026-10-01:2:covid")["reasons"]
    assert not any("took effect" in r for r in covid)
    for bad, why in (("deferral:2026-10-01", "write it as deferral:YYYY-MM-DD:MONTHS"),
                     ("deferral:2026-10-01:13", "a deferral defers 1 to 12 months"),
                     ("loan:2026-10-01", "the kind must be one of"),
                     ("modification:2026-13-01", "is not a date")):
        refused = run("evaluate", loan, "--prior-workout", bad, "--db", seeded, "--user",
                      specialist(seeded), "--today", DAY)
        assert refused.exit_code == 2 and why in refused.output, refused.output


def loan_of(url: str, investor: str) -> str:
    """A seeded loan of `investor` the specialist may act on."""
    rows = json.loads(run("queue", "--format", "json", "--limit", "1000", "--db", url,
                          "--user", specialist(url), "--today", DAY).stdout)
    return next(r["loan_number"] for r in rows if r["investor"] == investor)


def test_an_fha_loan_is_never_offered_the_gse_options(seeded: str) -> None:  # noqa: F811
    # No loan is evaluated by another investor's rules: an FHA loan gets HUD Handbook
    # 4000.1's options, never Fannie Mae's Flex Modification, payment deferral or $7,500.
    loan = loan_of(seeded, "FHA")
    result = run("evaluate", loan, "--format", "json", "--db", seeded, "--user",
                 specialist(seeded), "--today", DAY)
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    names = [o["name"] for o in answer["options"]]
    assert "flex_modification" not in names and "payment_deferral" not in names
    assert "7500.00" not in result.stdout
    assert answer["rule_set"].startswith("FHA")
    table = run("evaluate", loan, "--db", seeded, "--user", specialist(seeded), "--today", DAY)
    assert "relocation assistance up to: 7500.00" not in table.stdout
    assert "flex modification" not in table.stdout


def test_an_investor_without_rules_is_refused_with_exit_1(seeded: str) -> None:  # noqa: F811
    loan = loan_of(seeded, "PLS")
    refused = run("evaluate", loan, "--format", "json", "--db", seeded, "--user",
                  specialist(seeded), "--today", DAY)
    assert refused.exit_code == 1 and refused.stdout == ""
    assert f"Error: no workout rules for investor PLS on {DAY}: add a rule set" \
        in refused.stderr


def test_the_json_names_the_rule_set_that_decided(seeded: str) -> None:  # noqa: F811
    loan = loan_of(seeded, "VA")
    answer = json.loads(run("evaluate", loan, "--format", "json", "--mod-rate", "6.06",
                            "--db", seeded, "--user", specialist(seeded), "--today",
                            DAY).stdout)
    assert answer["investor"] == "VA"
    assert (answer["rule_set"], answer["rule_set_version"]) == ("VA", "M26-4 ch. 5")
    assert "M26-4, chapter 5" in answer["rule_set_source"]
    assert answer["rule_set_effective_from"] == "2018-02-01"
    assert answer["rule_set_unconfirmed"] and answer["modification_rate"] == "6.060"
    assert [o["name"] for o in answer["options"]] == [
        "repayment_plan", "special_forbearance", "va_modification", "compromise_sale",
        "deed_in_lieu"]
    gse = json.loads(run("evaluate", loan_of(seeded, "FNMA"), "--format", "json", "--db",
                         seeded, "--user", specialist(seeded), "--today", DAY).stdout)
    assert gse["rule_set"] == "legacy" and "D2-3.2" in gse["rule_set_source"]
    assert (gse["rule_set_version"], gse["rule_set_effective_from"],
            gse["rule_set_effective_to"]) == ("Flex 2017", "2000-01-01", None)
    assert any("not_final_rate_rule" in note for note in gse["rule_set_unconfirmed"])


def test_a_portfolio_loan_by_the_servicers_own_rule_set(seeded: str, tmp_path,  # noqa: F811
                                                        monkeypatch) -> None:  # type: ignore[no-untyped-def]
    rules = tmp_path / "rules.toml"
    rules.write_text('''
[[rule_sets]]
name = "Portfolio"
version = "2026-1"
investors = ["PORTFOLIO"]
effective_from = 2026-01-01
source = "Servicer credit policy 7.2"

[[rule_sets.options]]
type = "modification"
name = "portfolio_modification"
rate = "5.0"
term_months = 480

[[rule_sets.options]]
type = "liquidation"
name = "short_sale"
incentive = "2500.00"
''')
    monkeypatch.setenv("LOSSMIT_WORKOUT_RULES", str(rules))
    loan = loan_of(seeded, "PORTFOLIO")
    result = run("evaluate", loan, "--db", seeded, "--user", specialist(seeded), "--today", DAY)
    assert result.exit_code == 0, result.output
    assert "Portfolio 2026-1 rules (PORTFOLIO)" in result.stdout
    assert "Source: Servicer credit policy 7.2 (in force from 2026-01-01)" in result.stdout
    assert "portfolio modification" in result.stdout
    assert "relocation assistance up to: 2500.00" in result.stdout
    rules.write_text(rules.read_text().replace('term_months = 480', 'term_months = "long"'))
    broken = run("evaluate", loan, "--db", seeded, "--user", specialist(seeded), "--today", DAY)
    assert broken.exit_code == 1
    assert (f"{rules}, line 13: rule_sets[0].options[0].term_months: 'long' is not a whole "
            "number") in broken.stderr
