"""The management reports read from the store (services/reports.py): a small book whose
history was written by imports on different days gives exactly the figures the metrics'
definitions say, for a lead (the whole book, by group) and a specialist (their own only).
Both stores."""

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from lossmit_tui.services.errors import InvalidInput, PermissionDenied
from lossmit_tui.services.importer import import_extract
from lossmit_tui.services.reports import By, run_report

from .workspace import workspace

JUNE = date(2026, 6, 1)
HEADER = "loan_number,borrower_name,investor,upb,next_due_date,property_state,assignee\n"


def load(engine: Engine, tmp_path: Path, day: date, rows: str) -> None:
    path = tmp_path / f"extract-{day}.csv"
    path.write_text(HEADER + rows)
    assert import_extract(workspace(engine, "lee", day), path).ok


@pytest.fixture
def book(team: Engine, tmp_path: Path) -> Engine:
    """Three loans loaded on 15 May 2026 (all current on 31 May: their due dates have not
    been missed by a later one). B1 (sam's) pays nothing; B2 (ana's) pays June's installment
    on 10 June; B3 (sam's, an FHA loan) was two installments behind and stays so."""
    load(team, tmp_path, date(2026, 5, 15),
         "B1,Ann Lee,FNMA,1000,2026-05-01,TX,sam\n"
         "B2,Bo Diaz,FNMA,2000,2026-05-01,TX,ana\n"
         "B3,Cy Ong,FHA,3000,2026-04-01,TX,sam\n")
    load(team, tmp_path, date(2026, 6, 10),
         "B1,Ann Lee,FNMA,1000,2026-05-01,TX,sam\n"
         "B2,Bo Diaz,FNMA,1990,2026-06-01,TX,ana\n"
         "B3,Cy Ong,FHA,3000,2026-04-01,TX,sam\n")
    return team


def figure(figures: list, metric: str, group: str = "portfolio"):  # type: ignore[no-untyped-def,type-arg]
    return next(f for f in figures if f.metric == metric and f.group == group)


def test_roll_rates_come_from_the_history_the_imports_wrote(book: Engine) -> None:
    figures = run_report(workspace(book, "lee"), "delinquency", [JUNE])
    roll = figure(figures, "roll current->30+")
    # On 31 May B1 and B2 are current and B3 is 30; on 30 June B1 missed June 1: 30.
    assert (roll.numerator, roll.denominator, roll.value) == (1, 2, 0.5)
    thirty = figure(figures, "roll 30->60+")
    assert (thirty.numerator, thirty.denominator) == (1, 1)
    assert roll.month == JUNE and roll.unit == "rate"
    # the loans behind the number: B1 only
    assert len(roll.ids) == 1


def test_a_lead_sees_the_book_by_investor_and_by_user(book: Engine) -> None:
    lee = workspace(book, "lee")
    by_investor = run_report(lee, "delinquency", [JUNE], By.INVESTOR)
    assert {f.group for f in by_investor} == {"FHA", "FNMA"}
    assert figure(by_investor, "roll current->30+", "FNMA").denominator == 2
    by_user = run_report(lee, "delinquency", [JUNE], "user")
    assert {f.group for f in by_user} == {"sam", "ana"}


def test_a_specialist_sees_their_own_loans_only(book: Engine) -> None:
    sam = workspace(book, "sam")
    figures = run_report(sam, "delinquency", [JUNE], By.USER)
    assert {f.group for f in figures} == {"sam"}
    roll = figure(figures, "roll current->30+", "sam")
    assert (roll.numerator, roll.denominator) == (1, 1)  # B1; B2 is ana's
    with pytest.raises(PermissionDenied, match="use --by user"):
        run_report(sam, "delinquency", [JUNE], By.PORTFOLIO)


def test_bad_names_and_groupings_are_refused_naming_the_field(book: Engine) -> None:
    lee = workspace(book, "lee")
    with pytest.raises(InvalidInput, match="report: 'rolls' is not a report"):
        run_report(lee, "rolls", [JUNE])
    with pytest.raises(InvalidInput, match="--by: 'desk' is not a grouping"):
        run_report(lee, "delinquency", [JUNE], "desk")


def test_pipeline_and_productivity(book: Engine) -> None:
    lee = workspace(book, "lee")
    stages = run_report(lee, "pipeline", [JUNE])
    new = figure(stages, "new loans")
    assert new.value == 3
    # every loan entered "new" on 15 May: 46 days by 30 June
    assert figure(stages, "new median days in stage").value == 46
    people = run_report(lee, "productivity", [JUNE])
    assert figure(people, "caseload", "sam").value == 2
    assert figure(people, "caseload", "ana").value == 1
