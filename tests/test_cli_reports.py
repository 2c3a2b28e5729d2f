"""`lossmit report`: one report as a table, CSV, JSON or a workbook (read back: real number
and date cells), every report of a month into a folder, a specialist's narrower scope, and
bad input refused naming the option."""

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path

import pytest

from db.engine import make_engine
from db.migrate import ensure_current
from lossmit_tui.services.importer import import_extract
from lossmit_tui.services.reports import REPORTS
from lossmit_tui.services.users import add_user
from tests.test_cli import run

from .workspace import workspace

HEADER = "loan_number,borrower_name,investor,upb,next_due_date,property_state,assignee\n"


@pytest.fixture
def book(sqlite_url: str, tmp_path: Path) -> str:
    """The store of tests/test_store_reports.py's book: June's current->30+ roll is 1 of 2."""
    engine = make_engine(sqlite_url)
    ensure_current(engine)
    setup = workspace(engine, "setup")
    add_user(setup, "lee", "Lee Lead", "lead", "North")
    add_user(setup, "sam", "Sam Specialist", "specialist", "North")
    add_user(setup, "ana", "Ana Specialist", "specialist", "North")
    for day, rows in ((date(2026, 5, 15), "B1,Ann Lee,FNMA,1000,2026-05-01,TX,sam\n"
                                          "B2,Bo Diaz,FNMA,2000,2026-05-01,TX,ana\n"),
                      (date(2026, 6, 10), "B1,Ann Lee,FNMA,1000,2026-05-01,TX,sam\n"
                                          "B2,Bo Diaz,FNMA,1990,2026-06-01,TX,ana\n")):
        path = tmp_path / f"{day}.csv"
        path.write_text(HEADER + rows)
        assert import_extract(workspace(engine, "lee", day), path).ok
    engine.dispose()
    return sqlite_url


def report(url: str, *args: str, user: str = "lee"):  # type: ignore[no-untyped-def]
    return run("report", *args, "--db", url, "--user", user, "--today", "2026-07-15")


def test_table_csv_and_json_carry_the_figure_and_what_it_rests_on(book: str) -> None:
    table = report(book, "delinquency", "--month", "2026-06")
    assert table.exit_code == 0, table.output
    line = next(x for x in table.stdout.splitlines() if "roll current->30+" in x)
    assert line.split()[-4:] == ["0.5", "rate", "1", "2"]
    rows = list(csv.DictReader(io.StringIO(
        report(book, "delinquency", "--month", "2026-06", "--format", "csv").stdout)))
    roll = next(r for r in rows if r["metric"] == "roll current->30+")
    assert roll == {"report": "delinquency", "group": "portfolio", "month": "2026-06",
                    "metric": "roll current->30+", "value": "0.5", "unit": "rate",
                    "numerator": "1", "denominator": "2"}
    data = json.loads(report(book, "delinquency", "--month", "2026-06", "--format",
                             "json").stdout)
    assert any(r["metric"] == "roll current->30+" and r["value"] == 0.5 for r in data)


def test_the_default_month_is_the_last_whole_one(book: str) -> None:
    rows = json.loads(report(book, "delinquency", "--format", "json").stdout)
    assert {r["month"] for r in rows} == {"2026-06"}  # --today 2026-07-15


def test_a_span_of_months_gives_one_set_of_figures_a_month(book: str) -> None:
    rows = json.loads(report(book, "delinquency", "--from", "2026-05", "--to", "2026-06",
                             "--format", "json").stdout)
    assert sorted({r["month"] for r in rows}) == ["2026-05", "2026-06"]


def test_the_workbook_has_real_number_and_date_cells(book: str, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "delinquency.xlsx"
    result = report(book, "delinquency", "--month", "2026-06", "--format", "xlsx", "-o",
                    str(path))
    assert result.exit_code == 0, result.output
    sheet = load_workbook(path).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("report", "group", "month", "metric", "value", "unit", "numerator",
                       "denominator")
    roll = next(r for r in rows if r[3] == "roll current->30+")
    assert roll[2] == datetime(2026, 6, 1)  # a date cell, not text
    assert roll[4] == 0.5 and isinstance(roll[6], int | float) and roll[7] == 2
    cell = next(c for c in sheet["E"] if c.value == 0.5)
    assert cell.number_format == "0.0%"


def test_all_reports_of_a_month_into_a_folder(book: str, tmp_path: Path) -> None:
    out = tmp_path / "pack"
    result = report(book, "--all", "--month", "2026-06", "--out", str(out), "--format",
                    "xlsx")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{name}-2026-06.xlsx" for name in REPORTS)


def test_a_specialist_gets_their_own_figures_and_is_refused_the_book(book: str) -> None:
    own = json.loads(report(book, "delinquency", "--month", "2026-06", "--by", "user",
                            "--format", "json", user="sam").stdout)
    assert {r["group"] for r in own} == {"sam"}
    refused = report(book, "delinquency", "--month", "2026-06", user="sam")
    assert refused.exit_code == 1
    assert "use --by user" in refused.output


@pytest.mark.parametrize(("args", "said"), [
    (("delinquency", "--month", "2026-13"), "--month: '2026-13' is not a month"),
    (("delinquency", "--from", "2026-06", "--to", "2026-01"), "--to: the last month"),
    (("nonsense", "--month", "2026-06"), "'nonsense' is not a report"),
    (("delinquency", "--by", "desk"), "--by: 'desk' is not a grouping"),
    (("delinquency", "--format", "xlsx"), "give -o FILE"),
    (("--all", "--month", "2026-06"), "give --out"),
])
def test_bad_input_is_refused_naming_the_option(book: str, args: tuple[str, ...],
                                                said: str) -> None:
    result = report(book, *args)
    assert result.exit_code != 0
    assert said in result.output


def test_the_early_intervention_workout_and_aging_figures_are_in_their_reports(
        book: str) -> None:
    rows = list(csv.DictReader(io.StringIO(
        report(book, "contact", "--month", "2026-05", "--format", "csv").stdout)))
    live = next(r for r in rows if r["metric"] == "live contact by day 36")
    # both loans' 1 May installments were unpaid on 31 May (day 30), neither was called
    assert (live["value"], live["numerator"], live["denominator"]) == ("0.0", "0", "2")
    assert any(r["metric"] == "quality right-party contact by day 36" for r in rows)
    workouts = report(book, "workouts", "--month", "2026-06")
    assert workouts.exit_code == 0, workouts.output
    assert "workouts started" in workouts.stdout
    assert "trial starts before day 210" in workouts.stdout
    deadlines = report(book, "deadlines", "--month", "2026-06", "--format", "csv").stdout
    metrics = [r["metric"] for r in csv.DictReader(io.StringIO(deadlines))]
    assert "written notices by day 45" in metrics
    assert [x for x in metrics if x.startswith("open tasks ")] == [
        "open tasks 0-7 days", "open tasks 8-30 days", "open tasks 31-60 days",
        "open tasks 61-90 days", "open tasks over 90 days"]


@pytest.fixture
def complained(sqlite_url: str, tmp_path: Path) -> str:
    """A1 and C1 (sam's) and B1 (ana's) with the complaints of tests/complaint_book.py."""
    import sqlalchemy as sa

    from db.tables import cases

    from .complaint_book import add_complaints

    engine = make_engine(sqlite_url)
    ensure_current(engine)
    setup = workspace(engine, "setup")
    add_user(setup, "lee", "Lee Lead", "lead", "North")
    add_user(setup, "sam", "Sam Specialist", "specialist", "North")
    add_user(setup, "ana", "Ana Specialist", "specialist", "North")
    path = tmp_path / "extract.csv"
    path.write_text(HEADER + "A1,Ann Lee,FNMA,1000,2026-11-01,TX,sam\n"
                             "B1,Bo Diaz,FNMA,2000,2026-11-01,TX,ana\n"
                             "C1,Cy Ong,FHA,3000,2026-11-01,TX,sam\n")
    assert import_extract(workspace(engine, "lee", date(2026, 8, 3)), path).ok
    with engine.connect() as conn:
        ids = {r.loan_number: r.id for r in conn.execute(
            sa.select(cases.c.loan_number, cases.c.id))}
    add_complaints(engine, "lee", ids["A1"], ids["B1"], ids["C1"])
    engine.dispose()
    return sqlite_url


def test_the_complaints_report_in_every_format(complained: str, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    def complaints(*args: str, user: str = "lee"):  # type: ignore[no-untyped-def]
        return run("report", "complaints", "--month", "2026-10", *args, "--db", complained,
                   "--user", user, "--today", "2026-11-29")

    table = complaints()
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    # money as a person reads it in the table: $25.00 + $100.00
    assert next(x for x in lines if "remediation total" in x).split()[-2:] == [
        "$125.00", "cents"]
    assert next(x for x in lines if "on time: acknowledgment" in x).split()[-3:] == [
        "rate", "1", "3"]
    rows = list(csv.DictReader(io.StringIO(complaints("--format", "csv").stdout)))
    by_metric = {r["metric"]: r for r in rows}
    assert by_metric["remediation total"]["value"] == "12500"  # cents, a number
    assert (by_metric["complaints received"]["value"], by_metric["errors found"]["value"]) == (
        "4", "2")
    assert by_metric["on time: response"]["numerator"] == "2"
    assert [r["metric"] for r in rows if r["metric"].startswith("root cause")] == [
        "root cause: payment_processing", "root cause: communication", "root cause: escrow"]
    data = json.loads(complaints("--format", "json", "--by", "user").stdout)
    assert {r["group"] for r in data} == {"sam", "ana"}
    assert next(r for r in data if r["group"] == "ana"
                and r["metric"] == "remediation total")["value"] == 10_000
    own = json.loads(complaints("--format", "json", "--by", "user", user="ana").stdout)
    assert {r["group"] for r in own} == {"ana"}
    path = tmp_path / "complaints.xlsx"
    assert complaints("--format", "xlsx", "-o", str(path)).exit_code == 0
    sheet = load_workbook(path).active
    assert sheet is not None
    money = next(r for r in sheet.iter_rows() if r[3].value == "remediation total")
    assert (money[4].value, money[4].number_format, money[5].value) == (
        125.0, "$#,##0.00", "dollars")
