"""The complaint intake on the case screen (key k) and the case's complaint section: bad
input names the field and stores nothing; a saved complaint shows with its clocks and
state; the borrower's words are never markup."""

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from textual.widgets import Input, Select

from screens.case import CaseScreen
from screens.complaints import ComplaintForm, ComplaintsSection

from .pilot import settle
from .test_tui_case import app_for, choose, form_error, open_case, store  # noqa: F401

WORDS = "You charged me a [@click=app.quit]late fee[/] I never owed"


def complaints(engine: Engine) -> list[sa.Row]:  # type: ignore[type-arg]
    with engine.connect() as conn:
        return list(conn.execute(sa.text(
            "SELECT received_on, channel, complaint_type, category, borrower_text "
            "FROM complaints")))


async def test_intake_refuses_bad_input_then_logs_and_shows_the_clocks(
        store: tuple[Engine, int], tmp_path: Path) -> None:  # noqa: F811
    engine, _ = store
    app = app_for(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_case(app, pilot)
        assert not screen.query_one(ComplaintsSection).display  # none yet: no section
        await pilot.press("k")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, ComplaintForm)
        form.query_one("#complaint-received", Input).value = "2026-13-40"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "received:" in form_error(app)
        form.query_one("#complaint-received", Input).value = "2026-11-23"
        await pilot.press("ctrl+s")  # a notice of error with no category and no words
        await settle(app, pilot)
        error = form_error(app)
        assert "category:" in error and "text:" in error
        assert isinstance(app.screen, ComplaintForm) and complaints(engine) == []
        await choose(pilot, form.query_one("#complaint-category", Select), "b5")
        form.query_one("#complaint-text", Input).value = WORDS
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
        await settle(app, pilot)
        section = screen.query_one(ComplaintsSection)
        assert section.display
        shown = str(section.content)
        assert WORDS in shown  # as typed, never run as markup
        assert "Acknowledge the notice of error (5 BD) [1024.35(d)]" in shown
        assert "2026-12-01 due soon" in shown  # 5 BD over Thanksgiving; today is 29 Nov
        assert "barred" in shown  # the 60-day credit-reporting hold
    assert [tuple(r) for r in complaints(engine)] == [
        ("2026-11-23", "mail", "notice_of_error", "b5", WORDS)]
