from datetime import date
from decimal import Decimal

import pytest

from lossmit_tui.domain.values import (
    clean_multiline,
    clean_text,
    display_money,
    format_money,
    format_rate,
    parse_bool,
    parse_date,
    parse_money,
    parse_phone,
    parse_rate,
    rate_to_milli,
)


@pytest.mark.parametrize(("text", "cents"), [
    ("1234.56", 123456), ("1,234.56", 123456), ("$1,234.56", 123456), ("0", 0),
    ("12", 1200), ("12.5", 1250), (" 205,000.00 ", 20500000), ("1,000,000", 100000000),
])
def test_money_accepts_the_extract_forms(text: str, cents: int) -> None:
    assert parse_money(text) == cents


@pytest.mark.parametrize(("text", "fragment"), [
    ("-5.00", "negative"), ("$-5", "negative"), ("12a", "not an amount"),
    ("1.234", "not an amount"), ("1,23.00", "not an amount"), ("", "not an amount"),
    ("99999999999999", "implausibly large"), ("12.", "not an amount"), (".5", "not an amount"),
    ("\u0661\u0662", "not an amount"), ("\u0661\u0662.50", "not an amount"),
])
def test_money_rejects_with_a_reason(text: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        parse_money(text)


def test_money_formats_round_trip() -> None:
    for cents in (0, 5, 99, 100, 123456, 20500000):
        assert parse_money(format_money(cents)) == cents
    assert display_money(123456789) == "$1,234,567.89"
    assert display_money(None) == ""


def test_rates_are_decimal_and_stored_in_thousandths() -> None:
    assert parse_rate("6.875") == Decimal("6.875")
    assert parse_rate("6.875%") == Decimal("6.875")
    assert rate_to_milli(Decimal("6.875")) == 6875
    assert format_rate(6875) == "6.875"
    assert format_rate(7000) == "7.000"
    for bad in ("-1", "6.8755", "abc", "35"):
        with pytest.raises(ValueError):
            parse_rate(bad)


def test_dates_in_both_forms_and_real_calendar_only() -> None:
    assert parse_date("2026-01-05") == date(2026, 1, 5)
    assert parse_date("01/05/2026") == date(2026, 1, 5)
    assert parse_date("1/5/2026") == date(2026, 1, 5)
    with pytest.raises(ValueError, match="not a real calendar date"):
        parse_date("2026-02-30")
    with pytest.raises(ValueError, match="not a date"):
        parse_date("05-01-2026")


def test_flags_and_phones() -> None:
    assert parse_bool("Yes") is True and parse_bool("0") is False
    with pytest.raises(ValueError):
        parse_bool("maybe")
    assert parse_phone("(512) 555-0142") == "5125550142"
    assert parse_phone("+1 512 555 0142") == "5125550142"
    for bad in ("555-0142", "012 555 0142", "phone"):
        with pytest.raises(ValueError):
            parse_phone(bad)


def test_clean_text_strips_control_characters_but_keeps_brackets() -> None:
    assert clean_text("\x1b[31mSmith\x1b[0m") == "[31mSmith[0m"
    assert clean_text("  Ana\tMaria \r\n Lopez ") == "Ana Maria Lopez"
    assert clean_text("[@click=app.quit]Smith[/]") == "[@click=app.quit]Smith[/]"
    assert clean_multiline("line one\r\nline\x07 two") == "line one\nline two"


@pytest.mark.parametrize(("parse", "text"), [
    (parse_phone, "\u0665\u0661\u0662\u0665\u0665\u0665\u0660\u0661\u0660\u0661"),
    (parse_rate, "\u0666.5"), (parse_date, "\u0662\u0660\u0662\u0666-01-01"),
    (parse_date, "01/0\u0662/2026"),
])
def test_digits_of_other_scripts_are_not_numbers(parse: object, text: str) -> None:
    """Arabic-Indic and other digits pass Python's isdigit() and int(): an extract cell of
    them is refused, never stored as a number."""
    with pytest.raises(ValueError, match="is not"):
        parse(text)  # type: ignore[operator]


def test_money_json_shows_every_amount_as_a_decimal_string() -> None:
    from lossmit_tui.domain.values import money_json
    from lossmit_tui.domain.workout import COUNT_TERMS

    record = {
        "upb_cents": 25012345, "promise_amount_cents": None, "version": 3,
        "incomes": {"wages": {"gross": 612500, "net": 480005}},
        "expenses": {"food": 90000, "utilities": 7},
        "liquid_assets_cents": -150,
        "payload": {"offer": {"name": "payment_deferral", "months_deferred": 4,
                              "payment_after": 111771, "eligible": True},
                    "trial": {"payments": 3, "amount_cents": 111771}},
        "rows": [{"escrow_cents": 0}],
    }
    assert money_json(record, COUNT_TERMS) == {
        "upb": "250123.45", "promise_amount": None, "version": 3,
        "incomes": {"wages": {"gross": "6125.00", "net": "4800.05"}},
        "expenses": {"food": "900.00", "utilities": "0.07"},
        "liquid_assets": "-1.50",
        "payload": {"offer": {"name": "payment_deferral", "months_deferred": 4,
                              "payment_after": "1117.71", "eligible": True},
                    "trial": {"payments": 3, "amount": "1117.71"}},
        "rows": [{"escrow": "0.00"}],
    }
