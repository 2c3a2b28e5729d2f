"""What a specialist trips over in a day at the queue: a stale filter error, the sort menu's
arrows, the theme forgotten between runs, and the 80-column layout."""

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from textual.widgets import OptionList, Static

from db.queries import Sort
from lossmit_tui.app import LossMitApp, make_app
from lossmit_tui.config import load_settings
from lossmit_tui.prefs import load_prefs
from screens.queue import QueueScreen, SortPicker, sort_arrow

from .conftest import TODAY
from .pilot import seeded_book, settle
from .workspace import workspace


@pytest.fixture
def store(tmp_path: Path) -> tuple[Engine, str, str]:
    return seeded_book(tmp_path / "daily.db", 200, 33, TODAY)


def app_for(engine: Engine, user: str) -> LossMitApp:
    return make_app(workspace(engine, user, TODAY, settings=load_settings()))


def toasts(app: LossMitApp) -> list[str]:
    return [n.title for n in app._notifications]


async def test_a_valid_filter_takes_down_the_earlier_filter_error(store) -> None:
    engine, user, _ = store
    app = app_for(engine, user)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.notify("something else", title="Unrelated", timeout=600)
        await pilot.press("f", *"stage=nonsense", "enter")
        await settle(app, pilot)
        assert "Filter not applied" in toasts(app)
        await pilot.press(*["backspace"] * len("nonsense"), *"outreach", "enter")
        await settle(app, pilot)
        assert "stage=outreach" in str(app.screen.query_one("#queue-title", Static).content)
        assert "Filter not applied" not in toasts(app)
        assert "Unrelated" in toasts(app)


def test_the_sort_arrow_points_the_way_the_values_run() -> None:
    assert sort_arrow(Sort.BORROWER, False) == "▲"  # A to Z
    assert sort_arrow(Sort.BORROWER, True) == "▼"
    assert sort_arrow(Sort.URGENCY, False) == "▼"  # highest first
    assert sort_arrow(Sort.URGENCY, True) == "▲"
    assert sort_arrow(Sort.DAYS_DELINQUENT, False) == "▼"  # most days first
    assert sort_arrow(Sort.SALE, False) == "▲"  # the earliest sale first


async def test_the_sort_menu_marks_the_current_order_with_its_arrow(store) -> None:
    engine, user, _ = store
    app = app_for(engine, user)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        queue.sort = Sort.URGENCY
        await pilot.press("s")
        await settle(app, pilot)
        assert isinstance(app.screen, SortPicker)
        options = app.screen.query_one(OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert "Urgency ▼" in labels and "Act next (default)" in labels


async def test_the_chosen_theme_is_remembered_across_runs(store) -> None:
    engine, user, _ = store
    first = app_for(engine, user)
    default = first.theme
    chosen = next(t for t in first.available_themes if t != default)
    async with first.run_test(size=(80, 24)) as pilot:
        await settle(first, pilot)
        first.theme = chosen
        await settle(first, pilot)
    assert load_prefs() == {"theme": chosen}
    again = app_for(engine, user)
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(again, pilot)
        assert again.theme == chosen
