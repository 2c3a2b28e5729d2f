"""Settings: command-line flags > environment (LOSSMIT_*) > a TOML file > defaults.

The TOML file is `$LOSSMIT_CONFIG`, else `config.toml` in the user config directory. Policies
(docs/RULES.md marks them *policy*) live here, never in code.
"""

import contextlib
import getpass
import os
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, TextIO

import platformdirs
from pydantic import AliasChoices, BaseModel, Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from lossmit_tui.domain.contact import StateCallLimit
from lossmit_tui.domain.trial import TrialPolicy
from lossmit_tui.domain.urgency import DEFAULT_WEIGHTS

APP_NAME = "lossmit"

# Policy: the default root-cause codes of a complaint (a setting, complaint_root_causes).
ROOT_CAUSES = ("payment_processing", "escrow", "fees", "payoff_quote", "loss_mitigation",
               "foreclosure_process", "servicing_transfer", "communication", "system_error",
               "third_party", "employee_error", "no_error")


# The databases, their backups, exports and the log hold borrowers' personal data: whatever
# the umask, only their owner may read them.
PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def data_dir() -> Path:
    """Where the default and demo databases live (per user, per platform): a folder only its
    owner may enter (0700), created so when missing and narrowed when it was made wider."""
    path = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    private_dir(path)
    return path


def private_dir(path: Path) -> None:
    """Create one of lossmit's own folders (the data or log folder, any missing parents
    as usual) accessible to its owner only, or narrow it to that when it exists."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o777 != PRIVATE_DIR:
        path.chmod(PRIVATE_DIR)


def create_private(path: Path) -> None:
    """Create `path` as an empty file only its owner may read and write (0600) unless it
    exists (an existing file is left as it is): a program that then opens it (SQLite) keeps
    that mode."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))


def open_private(path: Path) -> TextIO:
    """`path` opened for writing UTF-8 text from empty, readable by its owner only (0600)
    even when it existed with a wider mode. Newlines are written as given."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    try:
        if os.name == "posix":  # O_CREAT set no mode on a file that already existed
            os.fchmod(fd, PRIVATE_FILE)
        return open(fd, "w", newline="", encoding="utf-8")
    except BaseException:
        os.close(fd)
        raise


def log_path() -> Path:
    """Where the app writes what went wrong (a failed read or save, with its traceback)."""
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)) / "lossmit.log"


def config_path() -> Path:
    """The TOML settings file this process reads."""
    explicit = os.environ.get("LOSSMIT_CONFIG")
    if explicit:
        return Path(explicit)
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def letter_templates_dir(settings: "Settings") -> Path:
    """Where the servicer's own letter templates are looked for (they replace the shipped
    ones of the same name): the setting, else `letters` beside the settings file."""
    if settings.letter_templates_dir:
        return Path(settings.letter_templates_dir)
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "letters"


def default_db_url() -> str:
    return f"sqlite:///{data_dir() / 'lossmit.db'}"


def demo_db_url() -> str:
    """The demo's own database, never the real one."""
    return f"sqlite:///{data_dir() / 'demo.db'}"


class ViewSpec(BaseModel):
    """A queue view, as a lead writes it in the TOML file under [[views]]."""

    key: str = Field(pattern=r"^[0-9]$")
    name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    title: str
    # whose cases: the user's, the team's, unassigned ones, anyone's, or the user's reach
    # (a specialist's own, a lead's team's, an admin's every case)
    assignee: str = Field(default="me", pattern=r"^(me|team|unassigned|any|reach)$")
    leads_only: bool = False
    due_within_days: int | None = Field(default=None, ge=0)
    regulatory_within_days: int | None = Field(default=None, ge=0)
    sale_within_days: int | None = Field(default=None, ge=0)
    broken_promise: bool = False
    missing_documents: bool = False
    open_complaints: bool = False  # cases with an open complaint (docs/RULES.md section 9)
    stages: list[str] = Field(default_factory=list)
    # The order the view opens in (a queue sort: urgency, act_next, sale_date, ...); none:
    # the queue's usual order (next action first).
    sort: str | None = Field(default=None, pattern=r"^(act_next|loan_number|borrower_name|"
                             r"days_delinquent|sale_date|last_contact|urgency)$")
    empty: str = ""


GSE_INVESTORS = ("FNMA", "FHLMC")


class WorkoutRuleSet(BaseModel):
    """A version of the Fannie Mae / Freddie Mac workout rules, in force from `effective`
    (to `until`, when given) for the listed investors (none listed: both GSEs; never any
    other investor - FHA, VA, USDA and servicer-defined sets live in the workout rules file,
    docs/RULES.md section 6): a rule change is a new entry here, not a code change.
    Evaluations use the latest set in force on their date."""

    name: str
    effective: date
    until: date | None = None
    version: str = ""
    source: str = ("Fannie Mae Servicing Guide D2-3.2 (D2-3.2-04 payment deferral, "
                   "D2-3.2-06 Flex Modification); Freddie Mac Guide 9206")
    investors: list[str] = Field(default_factory=list)
    modification_rate: Decimal = Field(default=Decimal("6.500"), gt=0, lt=25)
    target_reduction_pct: Decimal = Field(default=Decimal(20), gt=0, lt=100)
    forbearance_cap_pct: Decimal | None = Field(default=None, gt=0, le=100)
    # The legacy Flex housing expense-to-income target (a target, never a gate);
    # `hti_max_pct` is its older name, still read.
    hti_target_pct: Decimal | None = Field(
        default=None, gt=0, le=100,
        validation_alias=AliasChoices("hti_target_pct", "hti_max_pct"))
    plan_cap_pct: Decimal = Field(default=Decimal(150), ge=100)
    forbearance_step_months: int = Field(default=3, ge=1, le=12)
    # The Flex Modification's figures, each a published value by default (docs/RULES.md
    # section 6): the MTMLTV below which the note rate is kept (the rate threshold), the
    # MTMLTV principal forbearance never goes below (the forbearance floor: 80% in the
    # legacy Flex rules, 100% or 115% in other published versions), the modified term.
    rate_mtmltv_pct: Decimal = Field(default=Decimal(80), gt=0, le=200)
    forbearance_floor_mtmltv_pct: Decimal = Field(default=Decimal(80), gt=0, le=200)
    term_months: int = Field(default=480, ge=12, le=480)
    # "to_max": the term goes straight to term_months (legacy Flex); "monthly_steps": the
    # remaining term is extended a month at a time up to term_months, only until the target
    # is met (the current Flex Modification, Fannie Mae LL-2024-02).
    term_extension: Literal["to_max", "monthly_steps"] = "to_max"
    # An adjustable- or step-rate loan not yet at its final rate: "final" (the lesser of the
    # modification rate and its final or cap rate) or "as_fixed" (as a fixed-rate loan).
    not_final_rate_rule: Literal["final", "as_fixed"] = "final"
    # The caps: cumulative forbearance months, months deferred over a loan's life, prior
    # modifications a Flex Modification allows (fewer than 3: at most 2).
    forbearance_max_months: int = Field(default=12, ge=1, le=60)
    deferral_lifetime_months: int = Field(default=12, ge=1, le=60)
    flex_max_prior_mods: int = Field(default=2, ge=0, le=20)
    # Relocation assistance with a short sale and a deed-in-lieu, in dollars and cents.
    short_sale_relocation: Decimal = Field(default=Decimal("7500.00"), ge=0, le=1_000_000,
                                           decimal_places=2)
    deed_in_lieu_relocation: Decimal = Field(default=Decimal("7500.00"), ge=0,
                                             le=1_000_000, decimal_places=2)

    @field_validator("investors")
    @classmethod
    def _gse_only(cls, investors: list[str]) -> list[str]:
        other = [i for i in investors if i not in GSE_INVESTORS]
        if other:
            raise ValueError(f"{', '.join(other)} is not a GSE (FNMA, FHLMC); other "
                             "investors' rules live in the workout rules file")
        return investors


# docs/RULES.md section 6 gives the legacy Flex rules' figures (the 30% forbearance cap and the 40%
# housing-expense target); a servicer adds the current set with the date its investor set.
DEFAULT_RULE_SETS: list[dict[str, Any]] = [
    {"name": "legacy", "version": "Flex 2017", "effective": "2000-01-01",
     "forbearance_cap_pct": "30", "hti_target_pct": "40"},
]


class StateCallLimitSpec(BaseModel):
    """A state's limit on the calls a creditor initiates, as written under
    [[state_call_limits.XX]]: at most `max_calls` to a `number` of this kind in any `days`
    consecutive days, naming the `rule`."""

    number: Literal["personal", "work"]
    max_calls: int = Field(ge=0)
    days: int = Field(ge=1, le=366)
    rule: str = Field(min_length=3, max_length=120)


# State law, not a preference (docs/RULES.md section 5): these always apply. The
# `state_call_limits` setting adds states or stricter limits; it cannot remove or loosen
# these (every limit is checked, so a looser one added beside them changes nothing).
STATUTORY_STATE_CALL_LIMITS: dict[str, list[dict[str, Any]]] = {
    # 940 CMR 7.04(1)(f): two creditor-initiated telephone communications (calls, texts,
    # recorded messages) in each seven-day period to the residence, cell or other personal
    # number; two in each 30-day period to any other number (a work number).
    "MA": [
        {"number": "personal", "max_calls": 2, "days": 7,
         "rule": "Massachusetts 940 CMR 7.04(1)(f)"},
        {"number": "work", "max_calls": 2, "days": 30,
         "rule": "Massachusetts 940 CMR 7.04(1)(f)"},
    ],
}


DEFAULT_VIEWS: list[dict[str, Any]] = [
    {"key": "1", "name": "mine", "title": "My queue",
     "empty": "No open cases are assigned to you. Press 7 for unassigned cases."},
    {"key": "2", "name": "due", "title": "Due today", "due_within_days": 0,
     "empty": "Nothing of yours is due today or overdue. Press 1 for your whole queue."},
    {"key": "3", "name": "regulatory", "title": "Regulatory", "regulatory_within_days": 5,
     "sort": "urgency", "empty": "No regulatory deadline of yours is due within 5 days or missed."},
    {"key": "4", "name": "sale", "title": "Sale soon", "sale_within_days": 60,
     "empty": "None of your cases has a foreclosure sale within 60 days."},
    {"key": "5", "name": "promises", "title": "Broken promises", "broken_promise": True,
     "empty": "No broken promises to pay on your cases."},
    {"key": "6", "name": "documents", "title": "Missing documents", "missing_documents": True,
     "empty": "None of your cases is waiting on documents."},
    {"key": "7", "name": "unassigned", "title": "Unassigned", "assignee": "unassigned",
     "empty": "Every open case has an owner."},
    {"key": "8", "name": "team", "title": "My team", "assignee": "team", "leads_only": True,
     "empty": "Your team has no open cases (is your team set? lossmit users list)."},
    {"key": "9", "name": "all", "title": "All open", "assignee": "any", "leads_only": True,
     "empty": "There are no open cases. Load the servicing extract: lossmit import FILE.csv"},
    {"key": "0", "name": "complaints", "title": "Complaints", "open_complaints": True,
     "assignee": "reach", "empty": "No case you look after has an open complaint."},
]


class Settings(BaseSettings):
    """Every setting, typed. Build once with `load_settings` and hand it down."""

    model_config = SettingsConfigDict(env_prefix="LOSSMIT_", extra="ignore")

    db: str | None = Field(default=None, description="database URL or SQLite file path")
    user: str | None = Field(default=None, description="username of the person at the keyboard")
    # Policy (docs/RULES.md section 4): count a weekday on which a weekend holiday is observed
    # as a business day unless this is true.
    exclude_observed_holidays: bool = False
    # Policy (docs/RULES.md section 5): calling hours at the borrower's location.
    calling_hours_start: int = 8
    calling_hours_end: int = 21
    # Policy (docs/RULES.md section 5): apply Reg F call frequency to every loan, not only FDCPA.
    call_frequency_all_loans: bool = True
    # Policy (docs/RULES.md section 4, comment 39(a)-3): outbound call attempts on different
    # borrower-local days within a live-contact window that are good-faith efforts.
    good_faith_attempts: int = Field(default=2, ge=1, le=10)
    # Policy (docs/RULES.md section 4): a document or application is received on the
    # servicer's calendar day in this time zone.
    servicer_timezone: str = "America/New_York"
    # State calling limits beyond STATUTORY_STATE_CALL_LIMITS, by two-letter state code
    # (docs/RULES.md section 5); they add to the statutory ones, never replace them.
    state_call_limits: dict[str, list[StateCallLimitSpec]] = Field(default_factory=dict)
    urgency_weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    # Policy: the open cases one specialist is expected to carry (the team board's load bar).
    case_capacity: int = Field(default=250, ge=1)
    # Policy (Reg X 1024.40 continuity of contact): a reassigned case gets a task for its new
    # owner to introduce themselves to the borrower, due this many business days later.
    reassign_contact_task: bool = True
    reassign_contact_business_days: int = Field(default=2, ge=0, le=30)
    # Policy: `lossmit reassign` asks before moving more cases than this at once (--yes
    # skips the question; --dry-run never asks).
    reassign_confirm_above: int = Field(default=25, ge=0)
    # Policy (docs/RULES.md section 6, trial period plans): the days after a trial payment's
    # due date it may still arrive (unset: until the last day of the month it was due, as
    # Fannie Mae allows); whether a first trial payment alone accepts the offer; and how
    # many months after the last trial payment's month the modification takes effect (on
    # the first of that month; Freddie Mac allows an interim month: 2).
    trial_grace_days: int | None = Field(default=None, ge=0, le=60)
    trial_payment_accepts_offer: bool = False
    trial_effective_months_after: int = Field(default=1, ge=1, le=3)
    # Policy (docs/RULES.md section 9): the root causes a closed complaint is coded with
    # (management reports group by them), the servicer's own answer target in business days
    # for what Reg X gives no clock (a phone call, a general complaint, a notice sent
    # elsewhere), and the address designated for notices of error and requests for
    # information (1024.35(c), 1024.36(b)); empty: none designated, any office counts.
    complaint_root_causes: list[str] = Field(default_factory=lambda: list(ROOT_CAUSES))
    complaint_target_business_days: int = Field(default=15, ge=1, le=60)
    complaint_designated_address: str = ""
    workout_rule_sets: list[WorkoutRuleSet] = Field(
        default_factory=lambda: [WorkoutRuleSet(**r) for r in DEFAULT_RULE_SETS])
    views: list[ViewSpec] = Field(
        default_factory=lambda: [ViewSpec(**v) for v in DEFAULT_VIEWS])
    # Letters (docs/RULES.md section 10): what every letter prints about the servicer (a letter
    # is refused, naming the setting, while one is unset), each SPOC's direct phone by
    # username, the housing-counselor list and HUD's number (1024.39(b)(2)(v)), and a folder
    # of the servicer's own templates (default: `letters` in the user config directory).
    servicer_name: str | None = Field(default=None, max_length=200)
    servicer_address: str | None = Field(default=None, max_length=400)
    servicer_phone: str | None = Field(default=None, max_length=40)
    spoc_phones: dict[str, str] = Field(default_factory=dict)
    housing_counselor_url: str = "https://www.consumerfinance.gov/find-a-housing-counselor/"
    hud_phone: str = "(800) 569-4287"
    letter_templates_dir: str | None = None
    # The [keymap] table: binding id -> key(s), e.g. `"queue.search" = "ctrl+f"` (the app
    # checks every id against its bindings when it starts).
    keymap: dict[str, str] = Field(default_factory=dict)

    @field_validator("views")
    @classmethod
    def _distinct_views(cls, views: list[ViewSpec]) -> list[ViewSpec]:
        for attr in ("key", "name"):
            values = [getattr(v, attr) for v in views]
            repeated = sorted({x for x in values if values.count(x) > 1})
            if repeated:
                raise ValueError(f"views: {attr} {', '.join(repeated)} is used twice")
        return views

    @field_validator("complaint_root_causes")
    @classmethod
    def _root_cause_codes(cls, codes: list[str]) -> list[str]:
        import re

        bad = [c for c in codes if not re.fullmatch(r"[a-z][a-z0-9_]{0,63}", c)]
        if bad or not codes:
            raise ValueError("complaint_root_causes: lower-case codes (letters, digits, _), "
                             f"at least one; not {', '.join(map(repr, bad)) or 'empty'}")
        return codes

    @field_validator("servicer_timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{zone!r} is not a time zone name (e.g. America/New_York)"
                             ) from None
        return zone
    @field_validator("state_call_limits")
    @classmethod
    def _state_codes(cls, limits: dict[str, list[StateCallLimitSpec]]
                     ) -> dict[str, list[StateCallLimitSpec]]:
        bad = sorted(k for k in limits if len(k) != 2 or not k.isalpha() or not k.isupper())
        if bad:
            raise ValueError(f"state_call_limits: {', '.join(bad)} is not a two-letter state "
                             "code in capitals (e.g. MA)")
        return limits

    def call_limits_for(self, state: str | None) -> tuple[StateCallLimit, ...]:
        """Every calling limit of the borrower's state: the statutory ones, then the
        servicer's own additions from the settings file."""
        if not state:
            return ()
        code = state.upper()
        specs = [StateCallLimitSpec(**d) for d in STATUTORY_STATE_CALL_LIMITS.get(code, [])]
        specs += self.state_call_limits.get(code, [])
        return tuple(StateCallLimit(s.number, s.max_calls, s.days, s.rule) for s in specs)

    @field_validator("urgency_weights")
    @classmethod
    def _known_terms(cls, weights: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(weights) - set(DEFAULT_WEIGHTS))
        if unknown:
            raise ValueError(f"urgency_weights: unknown term(s) {', '.join(unknown)}; "
                             f"known: {', '.join(DEFAULT_WEIGHTS)}")
        return {**DEFAULT_WEIGHTS, **weights}

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=config_path()),
        )

    @property
    def db_url(self) -> str:
        return self.db or default_db_url()

    @property
    def username(self) -> str:
        return self.user or getpass.getuser()


class ConfigError(Exception):
    """The settings file or environment holds something unusable; says where and what."""


def load_settings(**flags: Any) -> Settings:
    """Settings with the given command-line flags on top (None means "not given").

    Raises ConfigError naming the file and every wrong setting."""
    import tomllib

    from pydantic import ValidationError

    try:
        return Settings(**{k: v for k, v in flags.items() if v is not None})
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{config_path()} is not valid TOML: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors())
        raise ConfigError(f"settings in {config_path()} (or LOSSMIT_* variables) are not "
                          f"usable: {problems}") from None


# The demo's servicer (fictional; 555-01xx numbers are reserved for fiction), so that a new
# user can generate and read a letter in the demo without writing a settings file.
DEMO_SERVICER = {"servicer_name": "Bluebonnet Home Loans (demo)",
                 "servicer_address": "PO Box 4100, Austin, TX 78701",
                 "servicer_phone": "(800) 555-0100"}


def demo_settings(settings: Settings, usernames: Sequence[str]) -> Settings:
    """The settings the demo runs with: the fictional servicer's name, address and phone
    where the settings leave them unset, and a direct line for each demo user without
    one. What the settings file says is kept (a servicer trying the demo sees their own
    letterhead)."""
    update: dict[str, Any] = {k: v for k, v in DEMO_SERVICER.items()
                              if not getattr(settings, k)}
    phones = dict(settings.spoc_phones)
    for n, name in enumerate(usernames):
        phones.setdefault(name, f"512555{101 + n % 99:04d}")
    update["spoc_phones"] = phones
    return settings.model_copy(update=update)


def trial_policy(settings: Settings) -> TrialPolicy:
    """The trial period plan settings as the domain takes them."""
    return TrialPolicy(settings.trial_grace_days, settings.trial_payment_accepts_offer,
                       settings.trial_effective_months_after)


def local_today() -> date:
    """Today's date where the user is (the default when no --today is given)."""
    import pendulum  # only when no --today is given

    return pendulum.today().date()


def workout_rules_path() -> Path:
    """The workout rules file (FHA, VA and USDA figures, servicer-defined rule sets):
    `$LOSSMIT_WORKOUT_RULES`, else `workout_rules.toml` beside the settings file."""
    explicit = os.environ.get("LOSSMIT_WORKOUT_RULES")
    if explicit:
        return Path(explicit)
    return config_path().parent / "workout_rules.toml"


def rule_set_for(settings: Settings, investor: str, day: date) -> WorkoutRuleSet:
    """The GSE rule set in force for `investor` (FNMA or FHLMC) on `day`: the investor's own
    latest one, else the latest one for both; ConfigError when none is in force - and always
    for any other investor (the GSE rules are never another investor's)."""
    started = [r for r in settings.workout_rule_sets
               if r.effective <= day and (r.until is None or day <= r.until)]
    own = [r for r in started if investor in r.investors]
    general = [r for r in started if not r.investors] if investor in GSE_INVESTORS else []
    chosen = max(own or general, key=lambda r: r.effective, default=None)
    if chosen is None:
        raise ConfigError(f"no workout rules for investor {investor} on {day.isoformat()}: "
                          "add a rule set")
    return chosen
