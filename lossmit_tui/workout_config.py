"""The workout rules file (docs/RULES.md section 6): `workout_rules.toml` beside the settings
file (or `$LOSSMIT_WORKOUT_RULES`). It holds

- `[builtin.FHA.<option>]` (and VA, USDA) tables: parameters of a built-in rule set's
  option, e.g. a figure the built-in set leaves unset (`incentive = "3000.00"`) or the
  market rate its modification starts from (`rate = "6.25"`);
- `[[rule_sets]]`: a servicer's own rule sets (portfolio, private-label, or a new version
  of any investor's rules), each with `name`, `version`, `investors`, `effective_from`,
  optional `effective_to`, `source`, and `[[rule_sets.options]]` tables built from the
  option types of `domain.rulesets`.

Everything is validated when read: a problem is a ConfigError naming the file, the key and,
where it can be found, the line.
"""

import re
import tomllib
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from lossmit_tui.config import ConfigError, Settings, rule_set_for, workout_rules_path
from lossmit_tui.domain.flex import FlexRules
from lossmit_tui.domain.rulesets import (
    RuleSet,
    RuleSetError,
    builtin_rule_sets,
    choose,
    gse_rule_set,
    rule_set_from,
    with_parameters,
)
from lossmit_tui.domain.workout import WorkoutRules

_INDEX = re.compile(r"^(\w+)\[(\d+)\]$")


def line_of(text: str, where: str) -> int | None:
    """The line (1-based) of the key `where` ("rule_sets[1].options[0].rate",
    "builtin.FHA.fha_modification.rate") in the TOML `text`, when it can be found."""
    lines = text.splitlines()
    parts = where.split(".")
    start: int | None = None
    table: list[str] = []
    for depth, part in enumerate(parts):
        match = _INDEX.match(part)
        if match:  # the n-th [[table]] after the current position
            table.append(match[1])
            header = re.compile(rf"^\s*\[\[\s*{re.escape('.'.join(table))}\s*\]\]")
            hits = [n for n in range(start or 0, len(lines)) if header.match(lines[n])]
            if len(hits) <= int(match[2]):
                return None
            start = hits[int(match[2])]
        elif depth < len(parts) - 1:  # a [table] header, when written as one
            table.append(part)
            header = re.compile(rf"^\s*\[\s*{re.escape('.'.join(table))}\s*\]")
            start = next((n for n in range(start or 0, len(lines)) if header.match(lines[n])),
                         start)
        else:  # the key itself, before the next table header
            key = re.compile(rf"^\s*\"?{re.escape(part)}\"?\s*=")
            for n in range(start or 0, len(lines)):
                if n != start and lines[n].lstrip().startswith("["):
                    break
                if key.match(lines[n]):
                    return n + 1
            whole = re.compile(rf"^\s*\[\s*{re.escape('.'.join([*table, part]))}\s*\]")
            return next((n + 1 for n in range(len(lines)) if whole.match(lines[n])),
                        None if start is None else start + 1)
    return None if start is None else start + 1


def read_rules_file(path: Path) -> tuple[dict[str, dict[str, Any]], list[RuleSet]]:
    """The built-in sets' parameter changes ({investor: {option: {param: value}}}) and the
    servicer's own rule sets; ConfigError naming the file, key and line."""
    if not path.exists():
        return {}, []
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    try:
        unknown = sorted(set(data) - {"builtin", "rule_sets"})
        if unknown:
            raise RuleSetError(unknown[0], "unknown key; known: builtin, rule_sets")
        builtin = data.get("builtin", {})
        if not isinstance(builtin, dict):
            raise RuleSetError("builtin", "must be a table ([builtin.FHA.<option>])")
        sets = data.get("rule_sets", [])
        if not isinstance(sets, list):
            raise RuleSetError("rule_sets", "must be an array of tables ([[rule_sets]])")
        own = [rule_set_from(s if isinstance(s, dict) else {}, f"rule_sets[{n}]")
               for n, s in enumerate(sets)]
        names = {r.name for r in builtin_rule_sets()}
        for investor in builtin:
            if investor not in names:
                raise RuleSetError(f"builtin.{investor}", f"no built-in rule set {investor!r}; "
                                   f"built in: {', '.join(sorted(names))}")
    except RuleSetError as exc:
        line = line_of(text, exc.where)
        raise ConfigError(f"{path}{f', line {line}' if line else ''}: {exc.where}: "
                          f"{exc.problem}") from None
    return builtin, own


def _builtin_sets(path: Path, changes: dict[str, dict[str, Any]]) -> list[RuleSet]:
    text = path.read_text(encoding="utf-8") if changes else ""
    sets = []
    for rule_set in builtin_rule_sets():
        try:
            sets.append(with_parameters(rule_set, changes.get(rule_set.name, {}),
                                        f"builtin.{rule_set.name}"))
        except RuleSetError as exc:
            line = line_of(text, exc.where)
            raise ConfigError(f"{path}{f', line {line}' if line else ''}: {exc.where}: "
                              f"{exc.problem}") from None
    return sets


def gse_rules(settings: Settings, investor: str, day: date) -> tuple[WorkoutRules, RuleSet] | None:
    """The GSE rules in force for `investor` (a GSE) on `day`, or None."""
    try:
        chosen = rule_set_for(settings, investor, day)
    except ConfigError:
        return None
    rules = WorkoutRules(
        name=chosen.name, plan_cap_pct=chosen.plan_cap_pct,
        forbearance_step_months=chosen.forbearance_step_months,
        forbearance_max_months=chosen.forbearance_max_months,
        deferral_lifetime_months=chosen.deferral_lifetime_months,
        flex_max_prior_mods=chosen.flex_max_prior_mods,
        hti_target_pct=chosen.hti_target_pct,
        short_sale_relocation_cents=int(chosen.short_sale_relocation * 100),
        deed_relocation_cents=int(chosen.deed_in_lieu_relocation * 100),
        flex=FlexRules(chosen.modification_rate,
                       term_months=chosen.term_months, term_rule=chosen.term_extension,
                       target_reduction_pct=chosen.target_reduction_pct,
                       mtmltv_floor_pct=chosen.forbearance_floor_mtmltv_pct,
                       forbearance_cap_pct=chosen.forbearance_cap_pct,
                       rate_mtmltv_pct=chosen.rate_mtmltv_pct,
                       not_final_rate_rule=chosen.not_final_rate_rule))
    investors = tuple(chosen.investors) or ("FNMA", "FHLMC")
    return rules, gse_rule_set(chosen.name, chosen.version or str(chosen.effective), rules,
                               chosen.effective, chosen.until, investors, chosen.source)


def all_rule_sets(settings: Settings, investor: str, day: date,
                  path: Path | None = None) -> list[RuleSet]:
    """Every rule set that could apply: the GSE set of the settings in force, the built-in
    FHA, VA and USDA sets (with the rules file's changes), and the file's own sets."""
    path = path or workout_rules_path()
    changes, own = read_rules_file(path)
    gse = gse_rules(settings, investor, day)
    return [*([gse[1]] if gse else []), *_builtin_sets(path, changes), *own]


def rules_in_force(settings: Settings, investor: str, day: date,
                   path: Path | None = None) -> tuple[RuleSet, WorkoutRules]:
    """The rule set in force for `investor` on `day` (NoRuleSet when none is), with the
    GSE rules it wraps (a plain WorkoutRules named after the set for any other)."""
    chosen = choose(all_rule_sets(settings, investor, day, path), investor, day)
    gse = gse_rules(settings, investor, day)
    if gse is not None and gse[1].name == chosen.name and chosen.investors == gse[1].investors:
        return chosen, gse[0]
    return chosen, replace(WorkoutRules(), name=chosen.label)
