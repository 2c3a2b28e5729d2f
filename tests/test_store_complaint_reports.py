"""The complaints report (services/reports.py, README "Reports for management") read from
the store: complaints with known days, clocks, findings and remediation
(tests/complaint_book.py) give the figures worked out by hand below, for a lead (the whole
book, by specialist) and a specialist (their own loans only); each figure's loans; and the
same numbers as `lossmit complaints report` over the same month. Both stores."""

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.tables import cases
from lossmit_tui.domain.complaints import CLOCK_GROUPS
from lossmit_tui.services.complaints import complaint_report
from lossmit_tui.services.importer import import_extract
from lossmit_tui.services.reports import By, Figure, figure_loans, run_report
from lossmit_tui.services.users import add_user

from .complaint_book import OCTOBER, SEPTEMBER, add_complaints
from .conftest import TODAY
from .workspace import workspace

HEADER = "loan_number,borrower_name,investor,upb,next_due_date,property_state,assignee\n"


@pytest.fixture
def book(team: Engine, tmp_path: Path) -> tuple[Engine, dict[str, int]]:
    """A1 and C1 are sam's, B1 ana's (C1 an FHA loan); the complaints of
    tests/complaint_book.py on them (A1 `mine`, B1 `theirs`, C1 `other`)."""
    path = tmp_path / "extract.csv"
    path.write_text(HEADER + "A1,Ann Lee,FNMA,1000,2026-11-01,TX,sam\n"
                             "B1,Bo Diaz,FNMA,2000,2026-11-01,TX,ana\n"
                             "C1,Cy Ong,FHA,3000,2026-11-01,TX,sam\n")
    assert import_extract(workspace(team, "lee", date(2026, 8, 3)), path).ok
    with team.connect() as conn:
        ids = {r.loan_number: r.id for r in conn.execute(
            sa.select(cases.c.loan_number, cases.c.id))}
    add_complaints(team, "lee", ids["A1"], ids["B1"], ids["C1"])
    add_user(workspace(team, "setup"), "ada", "Ada Admin", "admin", None)
    return team, ids


def figure(figures: list[Figure], metric: str, group: str = "portfolio",
           month: date = OCTOBER) -> Figure:
    return next(f for f in figures
                if f.metric == metric and f.group == group and f.month == month)


def counts(figures: list[Figure], metric: str, group: str = "portfolio",
           month: date = OCTOBER) -> tuple[float | None, int | None, int | None]:
    f = figure(figures, metric, group, month)
    return f.value, f.numerator, f.denominator


def test_the_months_figures_are_those_worked_out_by_hand(
        book: tuple[Engine, dict[str, int]]) -> None:
    engine, _ = book
    figures = run_report(workspace(engine, "lee"), "complaints", [SEPTEMBER, OCTOBER])
    # October: complaints 1 to 4; September: the one notice of error
    assert counts(figures, "complaints received") == (4, 4, None)
    assert counts(figures, "complaints received", month=SEPTEMBER) == (1, 1, None)
    assert figure(figures, "received: notice of error").value == 2
    assert figure(figures, "received: request for information").value == 1
    assert figure(figures, "received: general complaint").value == 1
    assert figure(figures, "received: qualified written request").value == 0
    assert figure(figures, "received: regulator complaint").value == 0
    # acknowledgment: 1 on time (complaint 1), 2 late (complaint 2), 3 never: 1 of 3
    assert counts(figures, "on time: acknowledgment") == (pytest.approx(1 / 3), 1, 3)
    # response: complaints 1 and 2 on time, 3 missed (7 BD, 23 October): 2 of 3
    assert counts(figures, "on time: response") == (pytest.approx(2 / 3), 2, 3)
    # the servicer's own target: complaint 4 answered by 18 November
    assert counts(figures, "on time: target") == (1.0, 1, 1)
    # nothing asked for documents, no exemption, no CFPB complaint: blank, not zero
    for duty in ("documents", "exemption_notice", "cfpb"):
        assert counts(figures, f"on time: {duty}") == (None, 0, 0)
    assert counts(figures, "errors found") == (2, 2, 4)
    remediation = figure(figures, "remediation total")
    assert (remediation.value, remediation.unit) == (12_500, "cents")  # $25.00 + $100.00
    # the top root causes: payment_processing twice, then the ties by name
    causes = [(f.metric, f.value) for f in figures
              if f.month == OCTOBER and f.metric.startswith("root cause: ")]
    assert causes == [("root cause: payment_processing", 2), ("root cause: communication", 1),
                      ("root cause: escrow", 1)]
    # September's notice of error: its acknowledgment (due 22 September) and its 30 BD
    # response (due 27 October) both missed; no finding yet
    assert counts(figures, "on time: acknowledgment", month=SEPTEMBER) == (0.0, 0, 1)
    assert counts(figures, "on time: response", month=SEPTEMBER) == (0.0, 0, 1)
    assert figure(figures, "errors found", month=SEPTEMBER).value == 0
    assert not [f for f in figures if f.month == SEPTEMBER and f.metric.startswith("root")]


def test_by_specialist_and_a_specialists_own(book: tuple[Engine, dict[str, int]]) -> None:
    engine, _ = book
    by_user = run_report(workspace(engine, "lee"), "complaints", [OCTOBER], By.USER)
    assert {f.group for f in by_user} == {"sam", "ana"}
    # sam: complaints 1, 2 (A1) and 4 (C1); ana: complaint 3 (B1)
    assert figure(by_user, "complaints received", "sam").value == 3
    assert counts(by_user, "on time: acknowledgment", "sam") == (0.5, 1, 2)
    assert counts(by_user, "on time: response", "sam") == (1.0, 2, 2)
    assert figure(by_user, "remediation total", "sam").value == 2_500
    assert figure(by_user, "complaints received", "ana").value == 1
    assert counts(by_user, "on time: acknowledgment", "ana") == (0.0, 0, 1)
    assert figure(by_user, "remediation total", "ana").value == 10_000
    assert [f.metric for f in by_user if f.group == "sam" and f.metric.startswith("root")] == [
        "root cause: communication", "root cause: escrow", "root cause: payment_processing"]
    by_investor = run_report(workspace(engine, "lee"), "complaints", [OCTOBER], By.INVESTOR)
    assert figure(by_investor, "complaints received", "FHA").value == 1
    assert figure(by_investor, "complaints received", "FNMA").value == 3
    # sam sees his own loans only, as one group, and nothing of ana's
    own = run_report(workspace(engine, "sam"), "complaints", [OCTOBER], By.USER)
    assert {f.group for f in own} == {"sam"}
    assert [f.row() for f in own] == [f.row() for f in by_user if f.group == "sam"]


def test_each_figures_loans(book: tuple[Engine, dict[str, int]]) -> None:
    engine, ids = book
    a1, b1, c1 = ids["A1"], ids["B1"], ids["C1"]
    figures = run_report(workspace(engine, "lee"), "complaints", [OCTOBER])
    expected = {
        "complaints received": (a1, b1, c1),
        "received: notice of error": (a1, b1),
        "received: general complaint": (c1,),
        "received: regulator complaint": (),
        "on time: acknowledgment": (a1,),  # the complaints with the duty met on time
        "on time: response": (a1,),
        "on time: target": (c1,),
        "errors found": (a1, b1),
        "remediation total": (a1, b1),
        "root cause: payment_processing": (a1, b1),
        "root cause: escrow": (a1,),
    }
    for metric, loans in expected.items():
        assert figure_loans(figure(figures, metric)) == tuple(sorted(loans)), metric
    by_user = run_report(workspace(engine, "lee"), "complaints", [OCTOBER], By.USER)
    assert figure_loans(figure(by_user, "errors found", "ana")) == (b1,)
    assert figure_loans(figure(by_user, "on time: response", "sam")) == (a1,)


def test_the_same_numbers_as_the_complaints_report(
        book: tuple[Engine, dict[str, int]]) -> None:
    """The Reports screen's complaints figures and `lossmit complaints report` over the
    same month: one definition (domain/complaints.py `clock_outcomes`, `top_root_causes`)."""
    engine, _ = book
    for month, end in ((SEPTEMBER, date(2026, 9, 30)), (OCTOBER, date(2026, 10, 31))):
        for user in ("lee", "ada"):  # a lead (their team) and an admin (every case)
            ws = workspace(engine, user)
            figures = run_report(ws, "complaints", [month])
            (whole,) = complaint_report(ws, month, end)
            assert figure(figures, "complaints received", month=month).value == whole["received"]
            assert figure(figures, "errors found", month=month).value == whole["errors_found"]
            assert (figure(figures, "remediation total", month=month).value
                    == whole["remediation_cents"])
            for duty in CLOCK_GROUPS:
                f = figure(figures, f"on time: {duty}", month=month)
                shown = whole[f"on_time_{duty}"]
                assert shown == (f"{f.numerator}/{f.denominator}" if f.denominator else "-") \
                    or shown.startswith(f"{f.numerator}/{f.denominator} ("), duty
            causes = ", ".join(f"{f.metric.removeprefix('root cause: ')} ({f.value:.0f})"
                               for f in figures if f.metric.startswith("root cause: "))
            assert causes == (whole["top_root_causes"] if whole["top_root_causes"] != "-"
                              else "")
            for row in complaint_report(ws, month, end, "type"):
                assert figure(figures, f"received: {row['group'].replace('_', ' ')}",
                              month=month).value == row["received"]


def test_the_months_complaints_are_read_by_the_day_received(team: Engine) -> None:
    """The report reads a month's complaints through the index by day received (SQLite
    names it; the 1,000,000-case book must not read every complaint)."""
    with team.connect() as conn:
        if conn.dialect.name != "sqlite":
            pytest.skip("SQLite's plan")
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT case_id FROM complaints INDEXED BY "
            "ix_complaints_received WHERE received_on >= '2026-10-01' AND "
            "received_on <= '2026-10-31'"))
    assert "USING" in plan and "ix_complaints_received" in plan


def test_today_decides_the_clocks_still_running(book: tuple[Engine, dict[str, int]]) -> None:
    """A clock is counted once decided: read on 12 October, complaint 1's acknowledgment
    (met 5 October) is decided, complaint 2's (due 13 October) and 3's (due 21 October) are
    still running; on TODAY all three are."""
    engine, _ = book
    early = run_report(workspace(engine, "lee", date(2026, 10, 12)), "complaints", [OCTOBER])
    assert counts(early, "on time: acknowledgment") == (1.0, 1, 1)
    late = run_report(workspace(engine, "lee", TODAY), "complaints", [OCTOBER])
    assert counts(late, "on time: acknowledgment")[1:] == (1, 3)
