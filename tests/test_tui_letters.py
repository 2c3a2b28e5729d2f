"""The case's Letters tab driven from the keyboard: the owed letter first in the chooser,
previewed before it is generated, then listed and previewed as kept; a borrower name that
looks like markup shows as its characters."""

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from textual.widgets import OptionList, Static

from db.engine import make_engine
from db.migrate import ensure_current
from lossmit_tui.app import LossMitApp, make_app
from lossmit_tui.config import Settings, load_settings
from lossmit_tui.services.importer import import_extract
from lossmit_tui.services.letters import generate_letter
from lossmit_tui.services.users import add_user
from screens.case import CaseScreen
from screens.letters import ChooseLetter, LettersTable

from .pilot import settle, workers_done
from .workspace import workspace

DAY = date(2026, 2, 10)  # the written notice of the 2026-01-01 installment is owed by 02-15
NOON = datetime(2026, 2, 10, 18, 0, tzinfo=UTC)
NAME = "[@click=app.quit]Ana[/] [b]Díaz[/b]"


def settings(tmp_path: Path) -> Settings:
    return load_settings(servicer_name="Acme Servicing",
                         servicer_address="1 Main St, Dallas, TX 75001",
                         servicer_phone="(800) 555-0100", spoc_phones={"sam": "2145550123"},
                         letter_templates_dir=str(tmp_path / "letters"))


@pytest.fixture
def store(tmp_path: Path) -> tuple[Engine, int]:
    engine = make_engine(str(tmp_path / "letters.db"))
    ensure_current(engine)
    setup = workspace(engine, "setup")
    add_user(setup, "lee", "Lee Lead", "lead", "North")
    add_user(setup, "sam", "Sam Specialist", "specialist", "North")
    path = tmp_path / "one.csv"
    path.write_text("loan_number,borrower_name,investor,upb,next_due_date,property_address,"
                    "property_city,property_state,property_zip,assignee\n"
                    f"A1,{NAME},FNMA,1000,2026-01-01,5 Elm St,Austin,TX,78701,sam\n",
                    encoding="utf-8")
    assert import_extract(workspace(engine, "lee", date(2026, 1, 20)), path).ok
    with engine.connect() as conn:
        return engine, conn.execute(sa.text("SELECT id FROM cases")).scalar_one()


def app_for(engine: Engine, tmp_path: Path) -> LossMitApp:
    return make_app(workspace(engine, "sam", DAY, settings=settings(tmp_path),
                              clock=lambda: NOON), "mine")


def _static_text(widget: Static) -> str:
    return str(widget.content)


async def test_l_generates_the_owed_letter_after_previewing_it(store, tmp_path) -> None:
    engine, _ = store
    app = app_for(engine, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
        assert "A1" in _static_text(app.screen.query_one("#case-title", Static))
        await pilot.press("7")
        await settle(app, pilot)
        assert isinstance(app.focused, LettersTable) and app.focused.row_count == 0
        await pilot.press("l")
        await settle(app, pilot)
        chooser = app.screen
        assert isinstance(chooser, ChooseLetter)
        options = chooser.query_one("#letter-kinds", OptionList)
        first = options.get_option_at_index(0)
        assert first.id == "early_intervention" and "(owed)" in str(first.prompt)
        preview = _static_text(chooser.query_one("#letter-choose-preview", Static))
        assert NAME in preview and "(214) 555-0123" in preview
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
        table = app.screen.query_one(LettersTable)
        assert table.row_count == 1
        shown = _static_text(app.screen.query_one("#letter-preview", Static))
        assert "Early-intervention written notice" in shown and "generated" in shown
        assert f"Dear {NAME}:" in shown  # the markup-looking name, as its characters
        assert app.is_running  # the [@click=app.quit] in the name ran nothing
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT kind, status FROM letters")).all() == [
            ("early_intervention", "generated")]


async def test_a_letter_that_cannot_be_generated_says_why_and_keeps_nothing(
        store, tmp_path) -> None:
    engine, _ = store
    app = make_app(workspace(engine, "sam", DAY, settings=load_settings(), clock=lambda: NOON),
                   "mine")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        for key in ("enter", "7", "l"):
            await pilot.press(key)
            await settle(app, pilot)
        assert isinstance(app.screen, ChooseLetter)
        preview = _static_text(app.screen.query_one("#letter-choose-preview", Static))
        assert "Cannot be generated" in preview and "servicer_name" in preview
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM letters")).scalar() == 0


def test_letter_preview_120x40(snap_compare, store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine, case_id = store
    generate_letter(workspace(engine, "sam", DAY, settings=settings(tmp_path)), case_id,
                    "early_intervention")

    async def open_letters(pilot) -> None:  # type: ignore[no-untyped-def]
        for keys in ((), ("enter",), ("7",)):
            await pilot.press(*keys)
            await pilot.pause()
            await workers_done(pilot.app)
        await pilot.pause()

    assert snap_compare(app_for(engine, tmp_path), terminal_size=(120, 40),
                        run_before=open_letters)


async def test_an_offer_from_the_workout_screen_generates_the_offer_letter(tmp_path) -> None:
    from textual.widgets import TextArea

    from screens.evaluation import EvaluationScreen

    from .conftest import TODAY
    from .test_tui_workout import EXTRACT

    engine = make_engine(str(tmp_path / "workout.db"))
    ensure_current(engine)
    setup = workspace(engine, "setup")
    add_user(setup, "lee", "Lee Lead", "lead", "North")
    add_user(setup, "sam", "Sam Specialist", "specialist", "North")
    path = tmp_path / "w.csv"
    path.write_text(EXTRACT.replace("property_state,", "property_address,property_state,")
                    .replace("2026-09-01,TX,", "2026-09-01,9 Elm St,TX,"), encoding="utf-8")
    assert import_extract(workspace(engine, "lee"), path).ok
    app = make_app(workspace(engine, "sam", TODAY, settings=settings(tmp_path)), "mine")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("w")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, EvaluationScreen)
        names = [o.name for o in screen.evaluation.options]  # type: ignore[union-attr]
        await pilot.press(*["down"] * names.index("flex_modification"))
        await settle(app, pilot)
        await pilot.press("o", "y")
        await settle(app, pilot)
        letter = screen.query_one("#evaluation-letter", TextArea).text
    assert "We are offering you: flex modification." in letter
    assert "New monthly principal and interest: $" in letter and "New term (months): 480" in letter
    assert "To accept, call us at (800) 555-0100" in letter
    # The rule set that decided, as recorded with the offer (docs/RULES.md section 6).
    assert ("Your loan was evaluated under its investor's rules: legacy Flex 2017, in force "
            "from January 1, 2000.") in letter
    assert "target_met" not in letter and "post capitalisation" not in letter
    with engine.connect() as conn:
        kept = conn.execute(sa.text("SELECT kind, text FROM letters")).all()
    assert [k for k, _ in kept] == ["offer"] and kept[0][1] == letter
    with engine.connect() as conn:
        payload = conn.execute(sa.text("SELECT payload FROM case_events WHERE kind = "
                                       "'offer_sent'")).scalar_one()
    offer = (json.loads(payload) if isinstance(payload, str) else payload)["offer"]
    assert (offer["rule_set"], offer["rule_set_effective_from"]) == ("legacy Flex 2017",
                                                                     "2000-01-01")
