"""The due-date tracker driven from the keyboard against a seeded store: buckets, scopes,
the calendar, and every action on an item."""

from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from textual.widgets import Input, Select, Tabs

from db.engine import session_scope
from db.queries import BUCKETS, bucket_ranges, tracker_counts
from lossmit_tui.app import LossMitApp, make_app
from lossmit_tui.config import load_settings
from lossmit_tui.services.users import require_user
from screens.case import CaseScreen
from screens.forms import ServiceForm
from screens.queue import QueueScreen
from screens.tracker import ItemTable, MonthTable, TrackerScreen

from .conftest import TODAY
from .pilot import seeded_book, settle
from .workspace import workspace


@pytest.fixture
def store(tmp_path: Path) -> tuple[Engine, str, str]:
    return seeded_book(tmp_path / "tracker.db", 300, 21, TODAY)


def app_for(engine: Engine, user: str) -> LossMitApp:
    return make_app(workspace(engine, user, TODAY, settings=load_settings()))


async def open_tracker(app: LossMitApp, pilot) -> TrackerScreen:  # type: ignore[no-untyped-def]
    await settle(app, pilot)
    await pilot.press("d")
    await settle(app, pilot)
    assert isinstance(app.screen, TrackerScreen)
    return app.screen


def ids_of(engine: Engine, *names: str) -> tuple[int, ...]:
    with session_scope(engine) as session:
        return tuple(require_user(session, n).id for n in names)  # type: ignore[misc]


def counts(engine: Engine, assignees: tuple[int, ...] | None) -> dict[str, int]:
    with session_scope(engine) as session:
        return tracker_counts(session, assignees, TODAY)


def tab_labels(screen: TrackerScreen) -> list[str]:
    return [str(t.label) for t in screen.query_one(Tabs).query("Tab")]


async def test_buckets_with_counts_and_items(store) -> None:
    engine, user, _ = store
    expected = counts(engine, ids_of(engine, user))
    app = app_for(engine, user)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_tracker(app, pilot)
        assert tab_labels(screen) == [
            f"Missed / overdue {expected['overdue']:,}", f"Today {expected['today']:,}",
            f"Tomorrow {expected['tomorrow']:,}", f"This week {expected['this_week']:,}",
            f"Later {expected['later']:,}"]
        for name in BUCKETS:
            start, end = bucket_ranges(TODAY)[name]
            assert screen.bucket == name
            assert len(screen.items) == min(expected[name], 200)
            assert screen.items or name == "this_week"  # Tuesday to Sunday: none on a Sunday
            assert all((start is None or t.due >= start) and (end is None or t.due <= end)
                       for t in screen.items)
            assert [t.due for t in screen.items] == sorted(t.due for t in screen.items)
            await pilot.press("right_square_bracket")
            await settle(app, pilot)
        assert screen.bucket == "overdue"  # wrapped round
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)


async def test_scopes_are_for_leads(store) -> None:
    engine, user, lead = store
    app = app_for(engine, user)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_tracker(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        assert screen.scope == "mine"  # a specialist stays on their own
    app = app_for(engine, lead)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_tracker(app, pilot)
        await pilot.press("3")
        await settle(app, pilot)
        assert screen.scope == "all"
        everyone = counts(engine, None)
        assert tab_labels(screen)[0] == f"Missed / overdue {everyone['overdue']:,}"
        assignees = {t.assignee for t in screen.items}
        assert len(assignees) > 1  # everyone's items, with an assignee column
        assert "Assignee" in [str(c.label) for c in screen.query_one(ItemTable).columns.values()]
        await pilot.press("2")
        await settle(app, pilot)
        assert screen.scope == "team"
        assert tab_labels(screen)[0] == (
            f"Missed / overdue {counts(engine, screen.team)['overdue']:,}")


async def test_the_calendar_moves_by_day_week_and_month(store) -> None:
    engine, user, _ = store
    app = app_for(engine, user)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_tracker(app, pilot)
        await pilot.press("v")
        await settle(app, pilot)
        month = screen.query_one(MonthTable)
        assert month.display and app.focused is month
        assert "November 2026" in str(screen.query_one("#tracker-title").content)
        assert screen.items
        assert screen.day == TODAY and all(t.due == TODAY for t in screen.items)
        await pilot.press("left", "up")
        await settle(app, pilot)
        assert screen.day == TODAY - timedelta(days=8)
        assert screen.items
        assert all(t.due == screen.day for t in screen.items)
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        assert screen.month_first == date(2026, 12, 1) and screen.day == date(2026, 12, 21)
        await pilot.press("home")
        await settle(app, pilot)
        assert screen.day == TODAY
        # Thanksgiving is marked as a holiday, and the count on a day is its items.
        await pilot.press("left", "left", "left")
        await settle(app, pilot)
        note = str(screen.query_one("#tracker-note").content)
        assert "Thanksgiving" in note and "not a business day" in note
        row = next(r for r, week in enumerate(screen._weeks) if screen.day in week)
        cell = str(month.get_cell_at((row, screen._weeks[row].index(screen.day))))
        assert (cell.startswith("26H") and cell.split()[-1] == str(len(screen.items))) or (
            not screen.items and cell.strip() == "26H")
        await pilot.press("enter")
        assert app.focused is screen.query_one(ItemTable)


async def test_complete_snooze_reassign_and_open_from_the_tracker(store) -> None:
    engine, _, lead = store
    app = app_for(engine, lead)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_tracker(app, pilot)
        await pilot.press("3")  # everyone's
        await settle(app, pilot)
        table = screen.query_one(ItemTable)
        table.focus()
        plain = next(i for i, t in enumerate(screen.items) if t.kind != "regulatory_deadline")
        table.move_cursor(row=plain)
        first = screen.items[plain]
        await pilot.press("z")
        await settle(app, pilot)
        assert isinstance(app.screen, ServiceForm)
        app.screen.query_one("#snooze-due", Input).value = "+3d"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, TrackerScreen)
        assert all(t.task_id != first.task_id for t in screen.items)  # moved to a later day

        table.move_cursor(row=next(i for i, t in enumerate(screen.items)
                                   if t.kind != "regulatory_deadline"))
        second = screen.items[table.cursor_row]
        await pilot.press("r")
        await settle(app, pilot)
        to = app.screen.query_one("#reassign-to", Select)
        other = next(v for _, v in to._options if v not in (Select.NULL, second.assignee))
        to.value = other
        await pilot.press("ctrl+s")
        await settle(app, pilot)

        table.move_cursor(row=next(i for i, t in enumerate(screen.items)
                                   if t.task_id == second.task_id))
        await pilot.press("x")
        await settle(app, pilot)
        await pilot.press(*"Spoke to the borrower")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert all(t.task_id != second.task_id for t in screen.items)

        deadline = next(i for i, t in enumerate(screen.items) if t.kind == "regulatory_deadline")
        table.move_cursor(row=deadline)
        await pilot.press("x")
        await settle(app, pilot)
        assert isinstance(app.screen, TrackerScreen)  # refused: met only by its event
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
        assert app.screen.case_id == screen.items[deadline].case_id
    with engine.connect() as conn:
        moved = conn.execute(sa.text("SELECT due_on FROM tasks WHERE id = :i"),
                             {"i": first.task_id}).scalar()
        done = conn.execute(sa.text(
            "SELECT t.status, t.completion_note, u.username FROM tasks t JOIN users u "
            "ON u.id = t.assignee_id WHERE t.id = :i"), {"i": second.task_id}).one()
    assert str(moved) == (TODAY + timedelta(days=3)).isoformat()
    assert tuple(done) == ("done", "Spoke to the borrower", other)


async def test_a_specialist_cannot_reassign_from_the_tracker(store) -> None:
    engine, user, _ = store
    app = app_for(engine, user)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_tracker(app, pilot)
        screen.query_one(ItemTable).focus()
        await pilot.press("r")
        await settle(app, pilot)
        assert isinstance(app.screen, TrackerScreen)
