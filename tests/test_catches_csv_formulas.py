"""Every CSV lossmit prints neutralises a cell a spreadsheet would run as a formula: a borrower
name `=HYPERLINK(...)` or a task title `+1 ...` stored in the database (here written with SQL,
around the importer) leaves as `'=HYPERLINK(...)`, the form the importer reads back as typed.
(The export and its round trip: tests/test_store_import_export.py.)"""

import csv
import io

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from lossmit_tui.cli import app

DAY = "2026-11-29"
FORMULA = '=HYPERLINK("http://x","y")'
TITLE = "+1 call back"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formulas_stored(engine: Engine, case_id: int) -> str:
    """Loan A1's borrower and its tasks' titles as formulas; the store's URL."""
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE cases SET borrower_name = :name WHERE id = :id"),
                     {"name": FORMULA, "id": case_id})
        conn.execute(sa.text("UPDATE tasks SET title = :title WHERE case_id = :id"),
                     {"title": TITLE, "id": case_id})
    return engine.url.render_as_string(hide_password=False)


def csv_rows(*args: str) -> list[dict[str, str]]:
    result = CliRunner().invoke(app, [*args, "--user", "sam", "--today", DAY])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_queue_and_tasks_csv_neutralise_formulas(one_case: tuple[Engine, int]) -> None:
    url = formulas_stored(*one_case)
    queue = csv_rows("queue", "--format", "csv", "--db", url)
    assert [r["borrower_name"] for r in queue] == ["'" + FORMULA]
    tasks = csv_rows("tasks", "--format", "csv", "--due", "all", "--db", url)
    assert tasks and {(r["borrower_name"], r["title"]) for r in tasks} == {
        ("'" + FORMULA, "'" + TITLE)}
    for rows in (queue, tasks):
        assert not [c for r in rows for c in r.values() if c.startswith(FORMULA_STARTS)]


def test_the_servicing_file_as_csv_neutralises_formulas(one_case: tuple[Engine, int]) -> None:
    url = formulas_stored(*one_case)
    rows = csv_rows("export-case", "A1", "--format", "csv", "--db", url)
    assert {"section": "case", "at": "", "by": "", "what": "borrower_name",
            "detail": "'" + FORMULA} in rows
    assert any(r["section"] == "tasks" and r["what"].endswith(TITLE) for r in rows)
    assert not [c for r in rows for c in r.values() if c.startswith(FORMULA_STARTS)]
