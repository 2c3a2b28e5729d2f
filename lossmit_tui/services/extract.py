"""The servicing extract's columns: how each is parsed on import and written on export.

One table drives both directions, so `import(export(db))` changes nothing by construction.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from typing import Any

from lossmit_tui.domain.enums import Hardship, Investor, Occupancy, RateType
from lossmit_tui.domain.values import (
    clean_text,
    format_money,
    format_rate,
    parse_bool,
    parse_date,
    parse_money,
    parse_phone,
    parse_rate,
    rate_to_milli,
)

_LOAN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")
_ZIP = re.compile(r"^\d{5}(-\d{4})?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _loan_number(text: str) -> str:
    raw = text.strip()
    if not _LOAN.match(raw):
        raise ValueError(f"{raw!r} is not a loan number (letters, digits and '-', at most 32)")
    return raw


def _name(text: str) -> str:
    value = clean_text(text)
    if not value:
        raise ValueError("is empty")
    if len(value) > 200:
        raise ValueError("is longer than 200 characters")
    return value


def _short_text(limit: int) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = clean_text(text)
        if len(value) > limit:
            raise ValueError(f"is longer than {limit} characters")
        return value

    return parse


def _email(text: str) -> str:
    value = text.strip()
    if not _EMAIL.match(value) or len(value) > 254:
        raise ValueError(f"{value!r} is not an e-mail address")
    return value


@cache
def _states() -> dict[str, list[str]]:
    """USPS code -> IANA time zones, from the `us` package (states, DC and territories)."""
    import us

    return {s.abbr: list(s.time_zones) for s in us.states.STATES_AND_TERRITORIES}


def _state(text: str) -> str:
    code = text.strip().upper()
    if code not in _states():
        raise ValueError(f"{text.strip()!r} is not a USPS state code (e.g. TX, NY, DC, PR)")
    return code


def _zip(text: str) -> str:
    value = text.strip()
    if not _ZIP.match(value):
        raise ValueError(f"{value!r} is not a ZIP code (12345 or 12345-6789)")
    return value


def _choice(enum: type[StrEnum], upper: bool = False) -> Callable[[str], str]:
    values = [m.value for m in enum]

    def parse(text: str) -> str:
        raw = text.strip()
        value = raw.upper() if upper else raw.lower().replace(" ", "_").replace("-", "_")
        if value not in values:
            raise ValueError(f"{raw!r} is not one of: {' '.join(values)}")
        return value

    return parse


def _rate(text: str) -> int:
    return rate_to_milli(parse_rate(text))


def _iso(value: date) -> str:
    return value.isoformat()


@dataclass(frozen=True)
class Column:
    """One CSV column: its case field, how to parse a cell, how to write the value back."""

    name: str
    field: str
    parse: Callable[[str], Any]
    write: Callable[[Any], str] = str
    required: bool = False
    default: Any = None  # the value of an empty optional cell
    # Its values repeat across a book (codes, dates, places): the importer parses each
    # distinct cell text once. Only for parsers whose result is immutable.
    repeats: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("loan_number", "loan_number", _loan_number, required=True),
    Column("borrower_name", "borrower_name", _name, required=True),
    Column("co_borrower_name", "co_borrower_name", _name),
    Column("phone", "phone", parse_phone),
    Column("email", "email", _email),
    Column("property_address", "property_address", _short_text(200)),
    Column("property_city", "property_city", _short_text(100), repeats=True),
    Column("property_state", "property_state", _state, required=True, repeats=True),
    Column("property_zip", "property_zip", _zip, repeats=True),
    Column("occupancy", "occupancy", _choice(Occupancy), default=Occupancy.OWNER.value,
           repeats=True),
    Column("investor", "investor", _choice(Investor, upper=True), required=True,
           repeats=True),
    Column("upb", "upb_cents", parse_money, format_money, required=True),
    Column("note_rate", "note_rate_milli", _rate, format_rate, repeats=True),
    Column("rate_type", "rate_type", _choice(RateType), default=RateType.FIXED.value,
           repeats=True),
    # A step-rate loan's final step rate, an adjustable-rate loan's lifetime cap.
    Column("final_rate", "final_rate_milli", _rate, format_rate, repeats=True),
    Column("pi_payment", "pi_cents", parse_money, format_money),
    Column("escrow_payment", "escrow_cents", parse_money, format_money),
    Column("next_due_date", "next_due_date", parse_date, _iso, required=True, repeats=True),
    Column("origination_date", "origination_date", parse_date, _iso, repeats=True),
    Column("maturity_date", "maturity_date", parse_date, _iso, repeats=True),
    Column("property_value", "property_value_cents", parse_money, format_money),
    Column("assignee", "assignee_id", str.strip),  # resolved to a user id by the importer
    Column("foreclosure_sale_date", "fc_sale_date", parse_date, _iso, repeats=True),
    Column("hardship_reason", "hardship_reason", _choice(Hardship), repeats=True),
    Column("fdcpa_covered", "fdcpa_covered", parse_bool,
           lambda v: "true" if v else "false", default=False, repeats=True),
)
BY_NAME = {c.name: c for c in COLUMNS}
HEADER = [c.name for c in COLUMNS]
REQUIRED = [c.name for c in COLUMNS if c.required]


@cache
def _zip_table() -> dict[str, tuple[str, str]]:
    """ZIP -> (state, IANA time zone) from the `zipcodes` package (loads once, ~0.3 s)."""
    import zipcodes

    return {z["zip_code"]: (z["state"], z["timezone"]) for z in zipcodes.list_all()}


def zip_state_and_zone(zip_code: str) -> tuple[str, str] | None:
    """The state and time zone of a ZIP code, or None for a ZIP the dataset does not know."""
    return _zip_table().get(zip_code[:5])


def borrower_zones(state: str, stored_zone: str | None) -> tuple[str, ...]:
    """The zones the borrower may be in: the case's resolved zone, else every zone of the
    state (two for a split state with no ZIP on file)."""
    if stored_zone:
        return (stored_zone,)
    return tuple(_states().get(state, []))


def time_zone_for(state: str, zip_code: str | None) -> str | None:
    """The property's time zone: by ZIP when known, else the state's if it has only one."""
    if zip_code:
        found = zip_state_and_zone(zip_code)
        if found and found[1]:
            return found[1]
    zones = _states().get(state, [])
    return zones[0] if len(zones) == 1 else None
