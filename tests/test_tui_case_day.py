"""The case screen and its editors as a specialist uses them through a working day: tab keys
from every list, the Reg F wait in follow-ups, scrolling, ages, order and wording."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from textual.containers import VerticalScroll
from textual.widgets import TabbedContent

from db.engine import make_engine
from db.migrate import ensure_current
from lossmit_tui.services.importer import import_extract
from lossmit_tui.services.users import add_user

from .pilot import settle
from .test_tui_case import app_for, open_case, store  # noqa: F401  (the fixture)
from .workspace import workspace


async def test_every_tab_key_works_with_focus_in_any_tab(store) -> None:  # noqa: F811
    """With the keyboard in the timeline list (or any other tab's list), each digit still
    opens its tab: the list must not swallow 1, 5 or 6."""
    engine, _ = store
    app = app_for(engine)
    names = ("summary", "timeline", "tasks", "documents", "financials", "audit")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_case(app, pilot)
        for start in ("2", "3", "4"):
            for key, name in zip("123456", names, strict=True):
                await pilot.press(start)
                await settle(app, pilot)
                await pilot.press(key)
                await settle(app, pilot)
                assert screen.query_one(TabbedContent).active == name, (start, key)


@pytest.fixture
def late(tmp_path: Path) -> tuple[Engine, int]:
    """One loan 90 days late in Texas (A2, sam's), with its regulatory clocks running."""
    engine = make_engine(str(tmp_path / "late.db"))
    ensure_current(engine)
    setup = workspace(engine, "setup")
    add_user(setup, "lee", "Lee Lead", "lead", "North")
    add_user(setup, "sam", "Sam Specialist", "specialist", "North")
    path = tmp_path / "late.csv"
    path.write_text("loan_number,borrower_name,investor,upb,next_due_date,property_state,"
                    "property_zip,phone,assignee,pi_payment,escrow_payment\n"
                    "A2,Bea Ray,FNMA,150000,2026-08-01,TX,75201,2145550101,sam,1100.00,"
                    "400.00\n")
    assert import_extract(workspace(engine, "lee"), path).ok
    with engine.connect() as conn:
        case_id = conn.execute(sa.text("SELECT id FROM cases")).scalar_one()
    return engine, case_id


async def test_the_summary_scrolls_from_the_keyboard_at_once(late) -> None:
    """At 80x24 the summary is longer than the screen: End and PageDown scroll it as soon as
    the case opens (no Tab first), and a wrapped line of the clock keeps its indent."""
    engine, _ = late
    app = app_for(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_case(app, pilot)
        body = screen.query_one("#case-body", VerticalScroll)
        assert body.max_scroll_y > 0
        await pilot.press("end")
        await settle(app, pilot)
        assert body.scroll_y == body.max_scroll_y
        await pilot.press("home")
        await pilot.press("pagedown")
        await settle(app, pilot)
        assert body.scroll_y > 0
        cites = list(screen.query("#case-clocks .clock-cite"))
        texts = list(screen.query("#case-clocks .clock-text"))
        assert texts and any(t.region.height > 2 for t in texts)  # wrapped
        for cite, text in zip(cites, texts, strict=True):
            assert text.region.x >= cite.region.x + 20  # every line under the first
