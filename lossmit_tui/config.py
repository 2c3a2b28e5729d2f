"""Settings: command-line flags > environment (LOSSMIT_*) > a TOML file > defaults.

The TOML file is `$LOSSMIT_CONFIG`, else `config.toml` in the user config directory. Policies
(DOMAIN.md marks them *policy*) live here, never in code.
"""

import getpass
import os
from datetime import date
from pathlib import Path
from typing import Any

import pendulum
import platformdirs
from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from lossmit_tui.domain.urgency import DEFAULT_WEIGHTS

APP_NAME = "lossmit"


def data_dir() -> Path:
    """Where the default and demo databases live (per user, per platform)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_path() -> Path:
    """The TOML settings file this process reads."""
    explicit = os.environ.get("LOSSMIT_CONFIG")
    if explicit:
        return Path(explicit)
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def default_db_url() -> str:
    return f"sqlite:///{data_dir() / 'lossmit.db'}"


def demo_db_url() -> str:
    """The demo's own database, never the real one."""
    return f"sqlite:///{data_dir() / 'demo.db'}"


class Settings(BaseSettings):
    """Every setting, typed. Build once with `load_settings` and hand it down."""

    model_config = SettingsConfigDict(env_prefix="LOSSMIT_", extra="ignore")

    db: str | None = Field(default=None, description="database URL or SQLite file path")
    user: str | None = Field(default=None, description="username of the person at the keyboard")
    # Policy (DOMAIN.md section 4): count a weekday on which a weekend holiday is observed
    # as a business day unless this is true.
    exclude_observed_holidays: bool = False
    # Policy (DOMAIN.md section 5): calling hours at the borrower's location.
    calling_hours_start: int = 8
    calling_hours_end: int = 21
    # Policy (DOMAIN.md section 5): apply Reg F call frequency to every loan, not only FDCPA.
    call_frequency_all_loans: bool = True
    urgency_weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS))

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


def load_settings(**flags: Any) -> Settings:
    """Settings with the given command-line flags on top (None means "not given")."""
    return Settings(**{k: v for k, v in flags.items() if v is not None})


def local_today() -> date:
    """Today's date where the user is (the default when no --today is given)."""
    return pendulum.today().date()
