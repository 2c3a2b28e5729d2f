"""What a specialist trips over in a day at the queue: a stale filter error, the sort menu's
arrows, the theme forgotten between runs, and the 80-column layout."""

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from textual.widgets import OptionList, SelectionList, Static, Tab, Tabs

from db.queries import Sort
from lossmit_tui.app import LossMitApp, make_app
from lossmit_tui.config import load_settings
from lossmit_tui.prefs import load_prefs
from lossmit_tui.widgets.queue_table import QueueTable
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


def _luminance(color) -> float:  # type: ignore[no-untyped-def]
    r, g, b = color.get_truecolor()
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


async def test_an_unchecked_box_is_visible_without_colour(store, monkeypatch) -> None:
    """NO_COLOR turns colours to greys: an unchecked box must still stand out from the
    panel it sits on, and differ from a checked one."""
    monkeypatch.setenv("NO_COLOR", "1")
    engine, _, lead = store
    app = app_for(engine, lead)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert app.no_color
        await pilot.press("9")  # all open
        await settle(app, pilot)
        await pilot.press("R")  # the reassignment form: a list of people to tick
        await settle(app, pilot)
        people = app.screen.query_one("#reassign-to", SelectionList)
        people.select(people.get_option_at_index(0).value)  # the second stays unticked
        await pilot.pause()

        def box(y: int) -> list:  # type: ignore[type-arg]
            segments = list(people.render_line(y))
            return [s for s in segments if s.text in ("▐", "▌", "X")]

        ticked, unticked = box(0), box(1)
        side, inner = unticked[0], unticked[1]
        # the box's sides stand out from the panel behind them (the sides' colour is the
        # box's fill, drawn over the list's background)
        assert abs(_luminance(side.style.color) - _luminance(side.style.bgcolor)) > 0.2
        # unticked: no visible mark inside; ticked: a mark that stands out from its box
        assert _luminance(inner.style.color) == pytest.approx(_luminance(inner.style.bgcolor))
        mark = ticked[1]
        assert abs(_luminance(mark.style.color) - _luminance(mark.style.bgcolor)) > 0.2


def footer_keys(app: LossMitApp) -> list[str]:
    from textual.widgets._footer import FooterKey

    return [k.key_display for k in app.screen.query(FooterKey)]


async def test_80_columns_keep_q_and_help_every_view_key_and_a_marked_glyph(store) -> None:
    engine, _, lead = store
    app = app_for(engine, lead)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        # the footer: q and ? first, so 80 columns never cut them
        keys = footer_keys(app)
        assert keys[:2] == ["q", "?"]
        # the tab bar: every view's key, with short names, within the 80 columns
        tabs = queue.query_one("#views", Tabs)
        labels = [str(t.label) for t in tabs.query(Tab)]
        assert [label.split()[0] for label in labels] == [str(n) for n in (*range(1, 10), 0)]
        assert sum(t.outer_size.width for t in tabs.query(Tab)) <= 80
        await pilot.press("9")
        await settle(app, pilot)
        # a marked row says so with a glyph, not only a colour
        table = queue.query_one(QueueTable)
        await pilot.press("space")
        assert table.render_line(1).text.startswith("✓ ")
        assert table.render_line(2).text.startswith("  ")
        # a dialog shows its own keys, not the queue's
        await pilot.press("s")
        await settle(app, pilot)
        assert isinstance(app.screen, SortPicker)
        assert footer_keys(app) == ["esc"]
        await pilot.press("escape")
        await settle(app, pilot)
    wide = app_for(engine, lead)
    async with wide.run_test(size=(120, 40)) as pilot:
        await settle(wide, pilot)
        labels = [str(t.label) for t in wide.screen.query_one("#views", Tabs).query(Tab)]
        assert labels[0] == "1 My queue" and labels[-2:] == ["9 All open", "0 Complaints"]


async def test_the_demo_greeting_is_shown_on_the_first_screen(tmp_path) -> None:
    """The demo opens with a note naming its users and how to open as the lead (plain text:
    never read as markup)."""
    from db.engine import make_engine
    from db.migrate import ensure_current
    from lossmit_tui.app import make_app
    from lossmit_tui.services.users import add_user

    from .pilot import settle
    from .workspace import workspace

    engine = make_engine(str(tmp_path / "demo.db"))
    ensure_current(engine)
    add_user(workspace(engine, "setup"), "sam", "Sam Specialist", "specialist", "North")
    greeting = "Demo users: specialists sam; leads [b]lee[/b]."
    app = make_app(workspace(engine, "sam"), "mine", greeting=greeting)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        shown = [str(n.message) for n in app._notifications]
        assert greeting in shown
