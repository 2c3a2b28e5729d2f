import csv
import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.models import AuditEvent, Case
from lossmit_tui.services.errors import UnknownUser
from lossmit_tui.services.exporter import export_cases
from lossmit_tui.services.extract import HEADER
from lossmit_tui.services.importer import import_extract
from lossmit_tui.services.urgency import refresh_cases

from .workspace import workspace

HEAD = ("loan_number,borrower_name,investor,upb,next_due_date,property_state,property_zip,"
        "note_rate,assignee,phone,fdcpa_covered")
GOOD = (
    HEAD + "\n"
    "1001,Ann Lee,FNMA,\"$205,000.00\",2026-09-01,TX,77002,6.875%,sam,(713) 555-0101,yes\n"
    "1002,Bo Diaz,fha,99000,10/01/2026,NY,,7,,,\n"
    "1003,\"Cruz, Maria\",VA,1500.5,2026-08-01,CA,94103,,ana,,false\n"
)


def write(tmp_path: Path, text: str | bytes, name: str = "extract.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def snapshot(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            sa.select(Case.__table__).order_by(Case.__table__.c.loan_number))]


def audit_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(AuditEvent.__table__)).scalar()


def test_valid_import_adds_every_case_with_parsed_values(team: Engine, tmp_path: Path) -> None:
    report = import_extract(workspace(team, "lee"), write(tmp_path, GOOD))
    assert report.ok, report.problems
    assert sorted(report.added) == ["1001", "1002", "1003"]
    with team.connect() as conn:
        rows = {r.loan_number: r for r in conn.execute(sa.select(Case.__table__))}
    ann = rows["1001"]
    assert ann.upb_cents == 20_500_000 and ann.note_rate_milli == 6875
    assert ann.phone == "7135550101" and ann.fdcpa_covered
    assert ann.property_tz == "America/Chicago" and ann.stage == "new"
    assert rows["1002"].investor == "FHA" and str(rows["1002"].next_due_date) == "2026-10-01"
    assert rows["1002"].property_tz == "America/New_York"  # one-zone state, no ZIP
    assert rows["1003"].borrower_name == "Cruz, Maria" and rows["1003"].upb_cents == 150050
    with team.connect() as conn:
        entry = conn.execute(sa.select(AuditEvent.__table__)
                             .where(AuditEvent.__table__.c.entity == "import")).one()
    assert entry.username == "lee"
    assert entry.after["added"] == 3 and entry.after["file"].endswith("extract.csv")


def test_update_import_changes_what_differs_and_lists_missing_loans(
    team: Engine, tmp_path: Path
) -> None:
    import_extract(workspace(team, "lee"), write(tmp_path, GOOD))
    update = (HEAD + "\n"
              "1001,Ann Lee,FNMA,\"$204,100.00\",2026-10-01,TX,77002,6.875%,sam,(713) 555-0101,"
              "yes\n"
              "1002,Bo Diaz,fha,99000,10/01/2026,NY,,7,,,\n"
              "1004,Dee Fox,PLS,1000,2026-07-01,FL,,,,,\n")
    report = import_extract(workspace(team, "lee"), write(tmp_path, update, "day2.csv"))
    assert report.ok, report.problems
    assert report.added == ["1004"] and report.updated == ["1001"] and report.unchanged == 1
    assert report.missing == ["1003"]  # listed, never closed or deleted
    with team.connect() as conn:
        rows = {r.loan_number: r for r in conn.execute(sa.select(Case.__table__))}
    assert rows["1001"].upb_cents == 20_410_000 and rows["1001"].version == 2
    assert rows["1002"].version == 1
    assert rows["1003"].closed_at is None


def urgency_after_recompute(engine: Engine) -> dict[str, tuple[object, object]]:
    """Every case's stored (urgency, day) next to what a full recompute for today gives."""
    ws = workspace(engine, "lee")
    table = Case.__table__
    with engine.connect() as conn:
        stored = {r.loan_number: (r.urgency, r.urgency_on)
                  for r in conn.execute(sa.select(table))}
        refresh_cases(conn, list(conn.execute(sa.select(table.c.id)).scalars()), ws.today,
                      ws.weights)
        fresh = {r.loan_number: (r.urgency, r.urgency_on)
                 for r in conn.execute(sa.select(table))}
        conn.rollback()
    return {loan: (stored[loan], fresh[loan]) for loan in stored}


def test_imported_cases_rank_by_an_urgency_for_today(team: Engine, tmp_path: Path) -> None:
    """New loans, and loans whose due date moved, carry today's urgency (the queue's order);
    a balance-only change leaves a current score as it was."""
    import_extract(workspace(team, "lee"), write(tmp_path, GOOD))
    for loan, (stored, fresh) in urgency_after_recompute(team).items():
        assert stored == fresh, loan
    before = urgency_after_recompute(team)
    update = ("loan_number,borrower_name,investor,upb,next_due_date,property_state,"
              "foreclosure_sale_date\n"
              "1001,Ann Lee,FNMA,\"$204,100.00\",2026-09-01,TX,\n"  # balance only
              "1002,Bo Diaz,fha,99000,10/01/2026,NY,2026-12-20\n"  # a sale is scheduled
              "1003,\"Cruz, Maria\",VA,1500.5,2026-03-01,CA,\n")  # three more months due
    report = import_extract(workspace(team, "lee"), write(tmp_path, update, "day2.csv"))
    assert report.ok, report.problems
    after = urgency_after_recompute(team)
    for loan, (stored, fresh) in after.items():
        assert stored == fresh, loan
    assert after["1001"] == before["1001"]
    assert after["1002"][0][0] > before["1002"][0][0]  # type: ignore[operator]  # scores
    assert after["1003"][0][0] > before["1003"][0][0]  # type: ignore[operator]  # scores


def test_a_column_left_out_of_the_file_is_left_alone(team: Engine, tmp_path: Path) -> None:
    import_extract(workspace(team, "lee"), write(tmp_path, GOOD))
    narrow = ("loan_number,borrower_name,investor,upb,next_due_date,property_state\n"
              "1001,Ann Lee,FNMA,205000,2026-09-01,TX\n")
    report = import_extract(workspace(team, "lee"), write(tmp_path, narrow, "n.csv"))
    assert report.unchanged == 1
    with team.connect() as conn:
        ann = conn.execute(sa.select(Case.__table__).where(
            Case.__table__.c.loan_number == "1001")).one()
    assert ann.phone == "7135550101" and ann.note_rate_milli == 6875


BAD_CASES = [
    ("bad date", HEAD + "\n1,A B,FNMA,1,2026-13-01,TX,,,,,\n",
     ["line 2, column next_due_date: '2026-13-01' is not a real calendar date"]),
    ("negative balance", HEAD + "\n1,A B,FNMA,-5,2026-01-01,TX,,,,,\n",
     ["line 2, column upb: '-5' is negative"]),
    ("unknown investor", HEAD + "\n1,A B,GNMA,1,2026-01-01,TX,,,,,\n",
     ["line 2, column investor: 'GNMA' is not one of"]),
    ("unknown state", HEAD + "\n1,A B,FNMA,1,2026-01-01,XX,,,,,\n",
     ["line 2, column property_state: 'XX' is not a USPS state code"]),
    ("unknown assignee", HEAD + "\n1,A B,FNMA,1,2026-01-01,TX,,,zed,,\n",
     ["line 2, column assignee: no user 'zed'"]),
    ("duplicate loan", HEAD + "\n1,A B,FNMA,1,2026-01-01,TX,,,,,\n2,C D,FNMA,1,2026-01-01,TX,,,,,"
     "\n1,E F,FNMA,1,2026-01-01,TX,,,,,\n",
     ["line 4, column loan_number: 1 is a duplicate of line 2"]),
    ("missing required column", "loan_number,borrower_name,investor,upb,next_due_date\n"
     "1,A B,FNMA,1,2026-01-01\n",
     ["line 1, column property_state: required column is missing"]),
    ("empty required cell", HEAD + "\n1,,FNMA,1,2026-01-01,TX,,,,,\n",
     ["line 2, column borrower_name: is required but empty"]),
    ("ZIP in another state", HEAD + "\n1,A B,FNMA,1,2026-01-01,CA,77002,,,,\n",
     ["line 2, column property_zip: ZIP 77002 is in TX, not CA"]),
    ("wrong number of fields", HEAD + "\n1,A B,FNMA,1,2026-01-01\n",
     ["line 2: has 5 fields but the header has 11"]),
    ("unknown column", HEAD + ",balance\n1,A B,FNMA,1,2026-01-01,TX,,,,,,5\n",
     ["line 1, column balance: is not a known column"]),
    ("empty file", "", ["line 1: the file is empty"]),
    ("header only", HEAD + "\n", ["line 2: the file has a header but no loan rows"]),
    ("not UTF-8", (HEAD + "\n1,A B,FNMA,1,2026-01-01,TX,,,,,\n").encode()
     + b"2,Jos\xe9 Ruiz,FNMA,1,2026-01-01,TX,,,,,\n",
     ["line 3, column borrower_name: is not valid UTF-8 text"]),
]


@pytest.mark.parametrize(("label", "content", "expected"), BAD_CASES,
                         ids=[c[0] for c in BAD_CASES])
def test_bad_input_writes_nothing_and_reports_line_and_column(
    team: Engine, tmp_path: Path, label: str, content: str | bytes, expected: list[str]
) -> None:
    import_extract(workspace(team, "lee"), write(tmp_path, GOOD, "base.csv"))
    before, audits = snapshot(team), audit_count(team)
    report = import_extract(workspace(team, "lee"), write(tmp_path, content))
    messages = [str(p) for p in report.problems]
    for fragment in expected:
        assert any(m.startswith(fragment) for m in messages), (label, messages)
    assert snapshot(team) == before
    assert audit_count(team) == audits


def test_every_error_in_a_file_is_reported_not_just_the_first(team: Engine,
                                                              tmp_path: Path) -> None:
    content = (HEAD + "\n"
               "1,A B,FNMA,abc,2026-01-01,TX,,,,,\n"
               "2,C D,ZZZ,1,01/32/2026,TX,,,,,\n"
               "3,E F,FNMA,1,2026-01-01,TX,,99,,,\n")
    report = import_extract(workspace(team, "lee"), write(tmp_path, content))
    where = {(p.line, p.column) for p in report.problems}
    assert where == {(2, "upb"), (3, "investor"), (3, "next_due_date"), (4, "note_rate")}


def test_a_value_repeated_down_the_file_is_checked_on_every_line(team: Engine,
                                                                 tmp_path: Path) -> None:
    """Repeating cells (dates, codes) are parsed once each, yet a bad one is reported on
    every line it is on, and a good one still lands on every row."""
    content = (HEAD + "\n"
               "1,A B,FNMA,1,2026-02-30,TX,,,,,\n"
               "2,C D,FNMA,1,2026-02-01,TX,,,,,\n"
               "3,E F,FNMA,1,2026-02-30,TX,,,,,\n")
    report = import_extract(workspace(team, "lee"), write(tmp_path, content))
    assert [(p.line, p.column) for p in report.problems] == [
        (2, "next_due_date"), (4, "next_due_date")]
    good = content.replace("2026-02-30", "2026-02-01")
    assert import_extract(workspace(team, "lee"), write(tmp_path, good, "good.csv")).ok
    with team.connect() as conn:
        due = conn.execute(sa.select(Case.__table__.c.next_due_date)).scalars().all()
    assert [d.isoformat() for d in due] == ["2026-02-01"] * 3


def test_dry_run_reports_without_writing(team: Engine, tmp_path: Path) -> None:
    report = import_extract(workspace(team, "lee"), write(tmp_path, GOOD), dry_run=True)
    assert report.ok and len(report.added) == 3
    assert snapshot(team) == [] and audit_count(team) == 3  # the three users only


def test_import_needs_a_known_user(team: Engine, tmp_path: Path) -> None:
    with pytest.raises(UnknownUser, match="lossmit users add nobody"):
        import_extract(workspace(team, "nobody"), write(tmp_path, GOOD))


def test_export_then_import_changes_nothing(team: Engine, tmp_path: Path) -> None:
    import_extract(workspace(team, "lee"), write(tmp_path, GOOD))
    out = tmp_path / "export.csv"
    assert export_cases(workspace(team, "lee"), out) == 3
    assert out.read_text().splitlines()[0] == ",".join(HEADER)
    before = snapshot(team)
    report = import_extract(workspace(team, "lee"), out)
    assert report.ok and report.unchanged == 3 and not report.added and not report.updated
    assert snapshot(team) == before


def test_export_of_one_users_cases(team: Engine, tmp_path: Path) -> None:
    import_extract(workspace(team, "lee"), write(tmp_path, GOOD))
    out = tmp_path / "sam.csv"
    assert export_cases(workspace(team, "lee"), out, assignee="sam") == 1
    assert "1001" in out.read_text() and "1003" not in out.read_text()


# Values a spreadsheet would run as formulas (or, the last, a value that itself starts with the
# quote that neutralises them).
FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "'Brien"]


def test_formula_cells_are_neutralised_in_the_export_and_import_back_unchanged(
    team: Engine, tmp_path: Path
) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["loan_number", "borrower_name", "co_borrower_name", "property_address",
                     "investor", "upb", "next_due_date", "property_state"])
    for n, value in enumerate(FORMULAS, start=1):
        writer.writerow([f"H{n}", value, value, value, "FNMA", "1000", "2026-09-01", "TX"])
    assert import_extract(workspace(team, "lee"), write(tmp_path, out.getvalue())).ok
    with team.connect() as conn:
        stored = dict(conn.execute(sa.select(Case.__table__.c.loan_number,
                                             Case.__table__.c.borrower_name)).all())
    assert stored == {f"H{n}": value for n, value in enumerate(FORMULAS, start=1)}

    exported = tmp_path / "export.csv"
    assert export_cases(workspace(team, "lee"), exported) == len(FORMULAS)
    with exported.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert not [cell for row in rows for cell in row.values()
                if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
    for row in rows:
        value = stored[row["loan_number"]]
        assert row["borrower_name"] == row["co_borrower_name"] == row["property_address"] == (
            "'" + value)
    before = snapshot(team)
    report = import_extract(workspace(team, "lee"), exported)
    assert report.ok, report.problems
    assert report.unchanged == len(FORMULAS) and not report.added and not report.updated
    assert snapshot(team) == before


RATES = ("loan_number,borrower_name,investor,upb,next_due_date,property_state,note_rate,"
         "rate_type,final_rate\n"
         "2001,Ann Lee,FNMA,205000,2026-09-01,TX,5.000,step,7.500\n"
         "2002,Bo Diaz,FHLMC,99000,2026-09-01,TX,4.250,Adjustable,9.25%\n"
         "2003,Cy Ng,FNMA,99000,2026-09-01,TX,6.000,,\n"
         "2004,Di Ro,FNMA,99000,2026-09-01,TX,6.000,fixed,\n")


def test_the_rate_type_and_final_rate_are_imported_and_exported_back(team: Engine,
                                                                     tmp_path: Path) -> None:
    report = import_extract(workspace(team, "lee"), write(tmp_path, RATES))
    assert report.ok, report.problems
    with team.connect() as conn:
        rows = {r.loan_number: (r.rate_type, r.final_rate_milli)
                for r in conn.execute(sa.select(Case.__table__))}
    assert rows == {"2001": ("step", 7500), "2002": ("adjustable", 9250),
                    "2003": ("fixed", None), "2004": ("fixed", None)}
    out = tmp_path / "export.csv"
    export_cases(workspace(team, "lee"), out)
    exported = {r["loan_number"]: (r["rate_type"], r["final_rate"])
                for r in csv.DictReader(io.StringIO(out.read_text()))}
    assert exported["2001"] == ("step", "7.500") and exported["2003"] == ("fixed", "")
    before = snapshot(team)
    again = import_extract(workspace(team, "lee"), out)
    assert again.ok and again.unchanged == 4 and snapshot(team) == before


def test_a_file_without_the_rate_type_column_makes_fixed_rate_loans(team: Engine,
                                                                    tmp_path: Path) -> None:
    assert import_extract(workspace(team, "lee"), write(tmp_path, GOOD)).ok
    with team.connect() as conn:
        kinds = conn.execute(sa.select(Case.__table__.c.rate_type)).scalars().all()
    assert kinds == ["fixed"] * 3


@pytest.mark.parametrize(("row", "expected"), [
    ("3001,A B,FNMA,1,2026-01-01,TX,5.000,balloon,",
     "line 2, column rate_type: 'balloon' is not one of: fixed adjustable step"),
    ("3001,A B,FNMA,1,2026-01-01,TX,5.000,step,high",
     "line 2, column final_rate: "),
    ("3001,A B,FNMA,1,2026-01-01,TX,5.000,fixed,7.000",
     "line 2, column final_rate: a fixed-rate loan has no final rate"),
    ("3001,A B,FNMA,1,2026-01-01,TX,5.000,adjustable,4.000",
     "line 2, column final_rate: 4.000 is below the note rate 5.000"),
])
def test_a_bad_rate_type_or_final_rate_names_the_line_and_column(
        team: Engine, tmp_path: Path, row: str, expected: str) -> None:
    header = RATES.splitlines()[0]
    report = import_extract(workspace(team, "lee"), write(tmp_path, f"{header}\n{row}\n"))
    messages = [str(p) for p in report.problems]
    assert any(m.startswith(expected) for m in messages), messages
    assert snapshot(team) == []
