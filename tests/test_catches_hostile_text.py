"""Stored text reaches the terminal only through the control-character filter: a borrower
name, a note, a task title and a user's name holding a screen clear (ESC [2J), a clipboard
write (OSC 52, ended by BEL) and a C1 CSI (\\x9b), written with SQL around the importer and
the services that clean what they store, reach neither the printing commands' output nor the
case screen."""

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from textual.widgets import DataTable, Static
from typer.testing import CliRunner

from lossmit_tui.app import make_app
from lossmit_tui.cli import app
from lossmit_tui.config import load_settings
from lossmit_tui.services.calls import NewCall, log_call
from lossmit_tui.widgets.queue_table import QueueTable
from screens.call_editor import CallEditor
from screens.case import CaseScreen

from .conftest import TODAY
from .pilot import settle
from .workspace import workspace

DAY = TODAY.isoformat()
CONTROLS = "\x1b[2J\x1b]52;c;aGk=\x07\x9b31m"
NAME = f"Ann {CONTROLS}Lee"
SHOWN = "Ann [2J]52;c;aGk=31mLee"  # the name as shown: its control characters dropped
NOTE = f"Spoke to {CONTROLS}the borrower\nsecond line {CONTROLS}"
NOON = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)


def plain(text: str) -> bool:
    return not {"\x1b", "\x07", "\x9b"} & set(text)


def poisoned(engine: Engine, case_id: int) -> str:
    """Loan A1 (sam's) with control sequences in its borrowers' names, a call note and its
    tasks' titles, and in ana's display name, all written with SQL; the store's URL."""
    log_call(workspace(engine, "sam", clock=lambda: NOON), case_id,
             NewCall("outbound", "borrower", "right_party_contact", body="Spoke."))
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE cases SET borrower_name = :v, co_borrower_name = :v "
                             "WHERE id = :id"), {"v": NAME, "id": case_id})
        conn.execute(sa.text("UPDATE call_notes SET body = :v WHERE case_id = :id"),
                     {"v": NOTE, "id": case_id})
        conn.execute(sa.text("UPDATE tasks SET title = :v WHERE case_id = :id"),
                     {"v": f"Call {CONTROLS}back", "id": case_id})
        conn.execute(sa.text("UPDATE users SET display_name = :v WHERE username = 'ana'"),
                     {"v": NAME})
    return engine.url.render_as_string(hide_password=False)


def test_the_printing_commands_print_no_control_character(one_case: tuple[Engine, int]) -> None:
    url = poisoned(*one_case)
    for args in (["queue"], ["queue", "--format", "csv"], ["queue", "--format", "json"],
                 ["tasks", "--due", "all"], ["tasks", "--due", "all", "--format", "csv"],
                 ["tasks", "--due", "all", "--format", "json"],
                 ["tasks", "--due", "all", "--format", "ics"],
                 ["users", "list"], ["users", "list", "--format", "csv"],
                 ["export-case", "A1", "--format", "csv"]):
        result = CliRunner().invoke(app, [*args, "--db", url, "--user", "sam", "--today", DAY])
        assert result.exit_code == 0, (args, result.output)
        assert plain(result.stdout), (args, result.stdout)
        # The rest of the text is still there (a calendar carries no borrower's name).
        assert ("Call [2J" if "ics" in args else "Ann") in result.stdout, args


async def test_the_case_screen_shows_no_control_character(
        one_case: tuple[Engine, int]) -> None:
    engine, case_id = one_case
    poisoned(engine, case_id)
    tui = make_app(workspace(engine, "sam", TODAY, settings=load_settings(),
                             clock=lambda: NOON), "mine")
    async with tui.run_test(size=(120, 40)) as pilot:
        await settle(tui, pilot)
        line = tui.screen.query_one(QueueTable).render_line(1).text
        assert "Ann" in line and plain(line)
        await pilot.press("enter")
        await settle(tui, pilot)
        case = tui.screen
        assert isinstance(case, CaseScreen)
        header = str(case.query_one("#case-title", Static).content)
        assert SHOWN in header and plain(header)
        shown = [str(s.content) for s in case.query(Static)]
        assert any("second line" in text for text in shown)  # the note, on the timeline
        assert all(plain(text) for text in shown)
        tasks = case.query_one("#tasks-table", DataTable)
        cells = [str(cell) for row in range(tasks.row_count) for cell in tasks.get_row_at(row)]
        assert any("Call" in cell for cell in cells) and all(plain(c) for c in cells)
        await pilot.press("c")
        await settle(tui, pilot)
        assert isinstance(tui.screen, CallEditor)
        title = str(tui.screen.query_one("#call-title", Static).content)
        assert "Ann" in title and plain(title)
