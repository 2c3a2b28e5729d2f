"""CSV cells that a spreadsheet would run as formulas are neutralised, and read back as typed."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lossmit_tui.domain.values import csv_cell, csv_value


@pytest.mark.parametrize(("value", "cell"), [
    ("=HYPERLINK(\"http://x\",\"Ann\")", "'=HYPERLINK(\"http://x\",\"Ann\")"),
    ("+1 555 0100", "'+1 555 0100"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\tcmd", "'\tcmd"),
    ("\rcmd", "'\rcmd"),
    ("'quoted", "''quoted"),
    ("Ann Lee", "Ann Lee"),
    ("", ""),
    ("a=b", "a=b"),
])
def test_a_cell_that_could_start_a_formula_gets_one_quote(value: str, cell: str) -> None:
    assert csv_cell(value) == cell
    assert csv_value(cell) == value


@given(st.text())
def test_every_value_survives_the_round_trip(value: str) -> None:
    assert csv_value(csv_cell(value)) == value
    assert not csv_cell(value).startswith(("=", "+", "-", "@", "\t", "\r"))
