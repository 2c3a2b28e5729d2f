"""The TUI driven as a user would: Pilot key presses against a real seeded store."""

from pathlib import Path

import pytest
from rich.text import Text
from sqlalchemy.engine import Engine
from textual.widgets import DataTable, Static

from db.engine import make_engine, session_scope
from db.migrate import ensure_current
from db.queries import View, queue_count
from lossmit_tui.app import LossMitApp, make_app
from lossmit_tui.config import load_settings
from lossmit_tui.services.importer import import_extract
from lossmit_tui.services.seed import seed
from lossmit_tui.services.users import require_user
from screens.case import CaseScreen
from screens.queue import QueueScreen

from .conftest import TODAY

HOSTILE = "[@click=app.quit]Smith[/] [b]bold?[/b] $accent"


@pytest.fixture
def store(tmp_path: Path) -> tuple[Engine, str]:
    engine = make_engine(str(tmp_path / "tui.db"))
    ensure_current(engine)
    report = seed(engine, 60, 21, TODAY)
    return engine, report.specialist


def app_for(store: tuple[Engine, str]) -> LossMitApp:
    engine, user = store
    return make_app(engine, user, TODAY, load_settings(), View.MINE)


async def settle(app: LossMitApp, pilot) -> None:  # type: ignore[no-untyped-def]
    """Let workers finish and their messages land (no sleeping)."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_open_the_queue_open_a_case_and_quit(store: tuple[Engine, str]) -> None:
    engine, user = store
    with session_scope(engine) as session:
        expected = queue_count(session, View.MINE, require_user(session, user).id)
    app = app_for(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        table = screen.query_one(DataTable)
        assert table.row_count == expected > 0
        title = str(screen.query_one("#queue-title", Static).content)
        assert title.startswith(f"My queue · {expected} open")
        first_loan = screen.rows[0].loan_number

        await pilot.press("j", "k", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
        heading = str(app.screen.query_one("#case-title", Static).content)
        assert heading.startswith(first_loan)
        body = " ".join(str(s.content) for s in app.screen.query(".case-section"))
        assert "Oldest unpaid due" in body and "Tasks" in body

        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("q")
    assert app.return_code == 0


async def test_keys_panel_toggles(store: tuple[Engine, str]) -> None:
    app = app_for(store)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.query("HelpPanel")
        await pilot.press("question_mark")
        await pilot.pause()
        assert not app.screen.query("HelpPanel")


async def test_untrusted_names_are_plain_text_and_do_nothing(store: tuple[Engine, str],
                                                             tmp_path: Path) -> None:
    engine, user = store
    extract = tmp_path / "hostile.csv"
    extract.write_text(
        "loan_number,borrower_name,investor,upb,next_due_date,property_state,assignee\n"
        f"\"0000000001\",\"{HOSTILE}\x1b[31m\",FNMA,1000,2026-10-01,TX,{user}\n"
    )
    assert import_extract(engine, extract, user, TODAY).ok
    app = app_for(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        index = next(i for i, r in enumerate(screen.rows) if r.loan_number == "0000000001")
        table = screen.query_one(DataTable)
        cell = table.get_row_at(index)[1]
        assert isinstance(cell, Text) and cell.plain == HOSTILE + "[31m"
        assert not cell.spans and not cell.style  # nothing was parsed as style
        table.move_cursor(row=index)
        await pilot.pause()
        await pilot.click(DataTable, offset=(15, 1 + index))
        await pilot.pause()
        assert app.is_running

        await pilot.press("enter")
        await settle(app, pilot)
        heading = app.screen.query_one("#case-title", Static).content
        assert HOSTILE in str(heading)
        await pilot.click("#case-title", offset=(16, 0))
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, CaseScreen)


async def test_empty_queue_says_why(tmp_path: Path) -> None:
    engine = make_engine(str(tmp_path / "empty.db"))
    ensure_current(engine)
    seed(engine, 5, 1, TODAY)
    app = make_app(engine, "admin", TODAY, load_settings(), View.MINE)  # admin owns no cases
    async with app.run_test() as pilot:
        await settle(app, pilot)
        assert app.screen.has_class("-empty")
        message = str(app.screen.query_one("#queue-empty", Static).content)
        assert "No open cases are assigned to you" in message
