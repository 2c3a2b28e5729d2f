"""`lossmit letters due` a page at a time (docs/RULES.md section 10): the most urgent owed
letters first (by due date, then case), --limit and --offset pages that join up to the whole
list, --count's totals by kind without the list, bad values refused naming the option; on
both stores."""

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from db.models import Case
from lossmit_tui.cli import app
from lossmit_tui.services.cases import NewEvent, record_event, update_case
from lossmit_tui.services.errors import UnknownUser
from lossmit_tui.services.importer import import_extract
from lossmit_tui.services.letters_due import Page, owed_counts, owed_letters

from .workspace import workspace

cases_t = Case.__table__
DAY = date(2026, 2, 12)
# Loan, owner, next due date. Imported in this order (the case ids), so that the order by
# case differs from the order by loan number within a due date.
LOANS = [("Z9", "sam", "2026-01-01"), ("A1", "sam", "2025-12-01"), ("M5", "", "2026-01-01"),
         ("B2", "ana", "2026-01-01"), ("C3", "sam", "2025-12-01"), ("D4", "sam", "2026-01-01")]


@pytest.fixture
def book(team: Engine, tmp_path: Path) -> Engine:
    """Six delinquent loans owing the written early-intervention notice on two due dates:
    four of sam's, one unassigned, one of ana's."""
    path = tmp_path / "book.csv"
    path.write_text("loan_number,borrower_name,investor,upb,next_due_date,property_address,"
                    "property_city,property_state,property_zip,assignee\n" + "".join(
                        f"{loan},Borrower {loan},FNMA,1000,{due},1 Oak Rd,Plano,TX,75023,"
                        f"{owner}\n" for loan, owner, due in LOANS), encoding="utf-8")
    assert import_extract(workspace(team, "lee", date(2026, 1, 20)), path).ok
    return team


def _ids(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(cases_t.c.loan_number, cases_t.c.id)).all())


@pytest.mark.store
def test_the_most_urgent_owed_letter_comes_first_then_by_case(book: Engine) -> None:
    owed = owed_letters(workspace(book, "sam", DAY))
    ids = _ids(book)
    # sam's own cases and the unassigned one; not ana's.
    assert sorted(o.loan_number for o in owed) == ["A1", "C3", "D4", "M5", "Z9"]
    assert {o.kind for o in owed} == {"early_intervention"}
    dues = sorted({o.due_on for o in owed})
    assert len(dues) == 2  # the December delinquencies' notice is due first
    assert [o.loan_number for o in owed] == ["A1", "C3", "Z9", "M5", "D4"]
    assert [(o.due_on, o.case_id) for o in owed] == sorted((o.due_on, o.case_id) for o in owed)
    assert [o.case_id for o in owed][:2] == [ids["A1"], ids["C3"]]
    lead = owed_letters(workspace(book, "lee", DAY))  # the team's, ana's included
    assert [o.loan_number for o in lead] == ["A1", "C3", "Z9", "M5", "B2", "D4"]


@pytest.mark.store
def test_pages_of_the_owed_letters_join_up_to_the_whole_list(book: Engine) -> None:
    ws = workspace(book, "lee", DAY)
    whole = owed_letters(ws)
    assert owed_letters(ws, page=Page(limit=2)) == whole[:2]
    assert owed_letters(ws, page=Page(limit=2, offset=2)) == whole[2:4]
    assert owed_letters(ws, page=Page(limit=50, offset=4)) == whole[4:]
    assert owed_letters(ws, page=Page(offset=5)) == whole[5:]
    assert owed_letters(ws, page=Page(limit=3, offset=6)) == []
    paged = [o for start in range(0, 6, 4) for o in owed_letters(ws, page=Page(4, start))]
    assert paged == whole


@pytest.mark.store
def test_the_counts_by_kind_match_the_list_without_listing_it(book: Engine) -> None:
    ws = workspace(book, "sam", DAY)
    assert owed_counts(ws) == {"early_intervention": 5}
    assert owed_counts(workspace(book, "ana", DAY)) == {"early_intervention": 2}  # B2, M5
    ids = _ids(book)
    with book.begin() as conn:  # the loan is collected as a debt collector (1024.39(d))
        conn.execute(cases_t.update().where(cases_t.c.id == ids["C3"])
                     .values(fdcpa_covered=True))
        version = conn.execute(sa.select(cases_t.c.version).where(
            cases_t.c.id == ids["C3"])).scalar_one()
    update_case(ws, ids["C3"], version, {"cease_communication": True})
    counts = owed_counts(ws)
    assert counts == {"early_intervention": 4, "early_intervention_fdcpa": 1}
    owed = owed_letters(ws)
    assert {k: sum(o.kind == k for o in owed) for k in counts} == counts
    with pytest.raises(UnknownUser):
        owed_counts(workspace(book, "nobody", DAY))
    with pytest.raises(UnknownUser):
        owed_letters(workspace(book, "nobody", DAY), page=Page(limit=1))


@pytest.mark.store
def test_the_bankruptcy_version_is_listed_and_counted_under_its_own_kind(book: Engine) -> None:
    """1024.39(c): while a borrower is a debtor in bankruptcy the bankruptcy version is owed,
    even where the FDCPA version would otherwise be (1024.39(d))."""
    ws = workspace(book, "sam", DAY)
    ids = _ids(book)
    with book.begin() as conn:
        conn.execute(cases_t.update().where(cases_t.c.id == ids["C3"])
                     .values(fdcpa_covered=True))
        version = conn.execute(sa.select(cases_t.c.version).where(
            cases_t.c.id == ids["C3"])).scalar_one()
    update_case(ws, ids["C3"], version, {"cease_communication": True})
    for loan in ("C3", "D4"):
        record_event(ws, ids[loan], NewEvent("bankruptcy_filed", DAY, chapter=13,
                                             case_number=f"26-1000{loan[1]}"))
    owed = {o.loan_number: o.kind for o in owed_letters(ws)}
    assert owed == {"A1": "early_intervention", "C3": "early_intervention_bankruptcy",
                    "D4": "early_intervention_bankruptcy", "M5": "early_intervention",
                    "Z9": "early_intervention"}
    assert owed_counts(ws) == {"early_intervention": 3, "early_intervention_bankruptcy": 2}
    assert owed_counts(workspace(book, "ana", DAY)) == {"early_intervention": 2}
    one = owed_letters(ws, ids["D4"])
    assert [(o.loan_number, o.kind) for o in one] == [("D4", "early_intervention_bankruptcy")]


# --- the command ----------------------------------------------------------------------------

runner = CliRunner()


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def due(engine: Engine, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["letters", "due", *args, "--db", _url(engine), "--user", "lee",
                               "--today", DAY.isoformat()])


@pytest.mark.store
def test_letters_due_pages_with_limit_and_offset_in_every_format(book: Engine) -> None:
    whole = json.loads(due(book, "--format", "json").stdout)
    assert [d["loan_number"] for d in whole] == ["A1", "C3", "Z9", "M5", "B2", "D4"]
    assert list(whole[0]) == ["loan_number", "borrower_name", "assignee", "kind", "rule",
                              "due_on", "letter"]
    assert whole[0]["assignee"] == "sam" and whole[3]["assignee"] is None
    assert whole[0]["letter"] is None and whole[0]["rule"] == "1024.39(b)"
    page = json.loads(due(book, "--format", "json", "--limit", "2", "--offset", "3").stdout)
    assert page == whole[3:5]
    rows = list(csv.DictReader(io.StringIO(due(book, "--format", "csv", "--offset", "4")
                                           .stdout)))
    assert [(r["loan_number"], r["due_on"], r["assignee"], r["letter"]) for r in rows] == [
        (d["loan_number"], d["due_on"], d["assignee"] or "", "") for d in whole[4:]]
    assert json.loads(due(book, "--format", "json", "--offset", "6").stdout) == []

    table = due(book, "--limit", "2")
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["loan_number", "borrower_name", "assignee", "kind", "rule",
                                "due_on", "letter"]
    assert [line.split()[0] for line in lines[2:4]] == ["A1", "C3"]
    assert "Letters 1-2 shown; more are owed: --offset 2 for the next page" in lines[4]
    last = due(book, "--limit", "2", "--offset", "4").stdout.splitlines()
    assert [line.split()[0] for line in last[2:]] == ["B2", "D4"]  # no more: no page line
    assert due(book, "--offset", "6").stdout.strip() == "No letter is owed after the first 6."


@pytest.mark.store
def test_letters_due_count_gives_the_totals_by_kind(book: Engine) -> None:
    counted = json.loads(due(book, "--count", "--format", "json").stdout)
    assert counted == [{"kind": "early_intervention", "rule": "1024.39(b)", "owed": 6}]
    table = due(book, "--count").stdout.splitlines()
    assert table[2].split() == ["early_intervention", "1024.39(b)", "6"]
    assert table[3].split() == ["total", "6"]


@pytest.mark.parametrize(("args", "named", "said"), [
    (("--limit", "0"), "--limit", "greater than or equal to 1"),
    (("--limit", "many"), "--limit", "a valid integer"),
    (("--offset", "-1"), "--offset", "greater than or equal to 0"),
    (("--count", "--limit", "5"), "--count", "--limit"),
    (("--count", "--offset", "5"), "--count", "--offset"),
    (("--format", "xml"), "--format", "xml"),
])
def test_letters_due_refuses_a_bad_option_naming_it(sqlite_url: str, args: tuple[str, ...],
                                                    named: str, said: str) -> None:
    result = runner.invoke(app, ["letters", "due", *args, "--db", sqlite_url])
    assert result.exit_code == 2
    assert named in result.stderr and said in result.stderr


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_streamed_listing_prints_what_the_whole_listing_would(
        fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    """csv and json are printed as the rows are read: the same text as built at once, the
    stored text made as safe (control characters out, no spreadsheet formula)."""
    from lossmit_tui.cli.shared import emit, stream

    columns = ("loan_number", "borrower_name", "assignee", "due_on", "letter")
    rows = [("L1", "=HYPERLINK(\"x\")", None, "2026-02-15", None),
            ("L2", "Zoë \x1b[31mÅngström, \"Jr\"", "sam", "2026-02-16", 7)]
    printed = []
    for listed in (rows, []):
        emit([dict(zip(columns, r, strict=True)) for r in listed], columns, fmt)
        whole = capsys.readouterr().out
        stream(iter(listed), columns, fmt, text=("loan_number", "borrower_name", "assignee"))
        assert capsys.readouterr().out == whole
        printed.append(whole)
    assert "\x1b" not in printed[0] and "\\u001b" not in printed[0]
    assert ("Ångström" if fmt == "csv" else "\\u00c5ngstr\\u00f6m") in printed[0]


def test_a_page_is_read_in_the_due_date_index_order_without_sorting_the_book(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On SQLite the listing reads ix_tasks_letters_owed_due from its start (no sort of
    every owed letter before the first row); one case's, the index led by the case."""
    from db.engine import make_engine
    from db.migrate import ensure_current
    from lossmit_tui.services import letters_due
    from lossmit_tui.services.users import add_user

    engine = make_engine(f"sqlite:///{tmp_path / 'plan.db'}")
    ensure_current(engine)
    add_user(workspace(engine, "setup"), "sam", "Sam Specialist", "specialist", None)
    plans: list[str] = []
    real = letters_due._driver_rows

    def explained(conn, query):  # type: ignore[no-untyped-def]
        # The big read goes to the driver's own cursor: its plan, asked the same way.
        compiled = query.compile(dialect=conn.dialect)
        args = tuple(compiled.params[n] for n in compiled.positiontup or ())
        plans.append(" | ".join(row[3] for row in conn.connection.cursor().execute(
            "EXPLAIN QUERY PLAN " + str(compiled), args).fetchall()))
        return real(conn, query)

    monkeypatch.setattr(letters_due, "_driver_rows", explained)
    assert owed_letters(workspace(engine, "sam"), page=Page(limit=50)) == []
    assert owed_letters(workspace(engine, "sam"), 1) == []
    assert "SCAN tasks USING INDEX ix_tasks_letters_owed_due" in plans[0], plans
    assert "TEMP B-TREE" not in plans[0], plans
    assert "SEARCH tasks USING INDEX ix_tasks_letters_owed (case_id=?)" in plans[1], plans
