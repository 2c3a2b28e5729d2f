"""The app's frame: worker failures shown (the database taken away under an open screen), the
user's key map, every screen's actions in the command palette, and the one store-change
watcher that hidden screens catch up with."""

import shutil
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from textual.widgets import Input, Static, TextArea

from db.engine import make_engine
from lossmit_tui.app import KeymapError, LossMitApp, binding_ids, make_app
from lossmit_tui.config import load_settings
from lossmit_tui.services.tasks import NewTask, add_task
from lossmit_tui.widgets.queue_table import QueueTable
from screens.call_editor import CallEditor
from screens.case import CaseScreen
from screens.queue import QueueScreen

from .conftest import TODAY
from .pilot import seeded_book, settle, settle_when
from .workspace import workspace


@pytest.fixture
def book(tmp_path: Path) -> tuple[Engine, str, Path]:
    """A seeded SQLite book: the engine, its first specialist, the file."""
    path = tmp_path / "book.db"
    engine, specialist, _ = seeded_book(path, 120, 5, TODAY)
    return engine, specialist, path


def take_away(path: Path, engine: Engine) -> None:
    """The database file vanishes (moved by someone) while the app has it open."""
    for suffix in ("", "-wal", "-shm"):
        source = Path(str(path) + suffix)
        if source.exists():
            shutil.move(source, Path(str(path) + ".moved" + suffix))
    engine.dispose()


def put_back(path: Path) -> None:
    """The moved database file (and its -wal and -shm) back where it was."""
    for suffix in ("", "-wal", "-shm"):
        moved = Path(str(path) + ".moved" + suffix)
        if moved.exists():
            shutil.move(moved, Path(str(path) + suffix))


def notices(app: LossMitApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_a_vanished_database_is_said_and_nothing_stays_loading(book) -> None:
    engine, user, path = book
    app = make_app(workspace(engine, user), "mine")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        title = app.screen.query_one("#queue-title", Static)
        assert "open" in str(title.content)
        take_away(path, engine)
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        shown = str(title.content)
        assert "Loading" not in shown and "counting" not in shown
        assert shown == "Could not read the queue (see the message); press ctrl+r to try again"
        said = [n for n in notices(app) if n.startswith("Could not finish reading the queue")]
        assert said, notices(app)
        # the file is gone, and no empty one was made in its place to read from
        assert f"{path} no longer exists" in said[0]
        assert not path.exists()


async def test_a_vanished_database_keeps_the_typed_call_note(book) -> None:
    engine, user, path = book
    app = make_app(workspace(engine, user), "mine")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, CallEditor)
        body = app.screen.query_one("#call-body", TextArea)
        body.text = "Borrower will send pay stubs on Friday."
        take_away(path, engine)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, CallEditor)  # still open: nothing was lost
        assert body.text == "Borrower will send pay stubs on Friday."
        problems = str(app.screen.query_one("#call-problems", Static).content)
        assert problems.startswith("Not saved: the database could not be reached")
        assert any(n.startswith("Could not finish saving the call") for n in notices(app))
        assert not path.exists()  # nothing made an empty database where it was
        put_back(path)  # the file is back: saving again saves what was typed
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, CallEditor)
    with make_engine(str(path)).connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM call_notes WHERE body = "
                                    "'Borrower will send pay stubs on Friday.'")).scalar() == 1


async def test_the_keymap_rebinds_a_key_and_the_keys_panel_shows_it(book) -> None:
    engine, user, _ = book
    settings = load_settings().model_copy(update={"keymap": {"queue.search": "ctrl+f"}})
    app = make_app(workspace(engine, user, settings=settings), "mine")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("slash")
        await settle(app, pilot)
        assert not isinstance(app.focused, Input)  # "/" no longer searches
        await pilot.press("ctrl+f")
        await settle(app, pilot)
        assert isinstance(app.focused, Input) and app.focused.id == "search"
        await pilot.press("escape", "question_mark")
        await settle(app, pilot)
        keys = {b.binding.id: b.binding.key for b in
                app.screen.active_bindings.values() if b.binding.id}
        assert keys["queue.search"] == "ctrl+f"


def test_the_keymap_refuses_an_unknown_binding(book) -> None:
    engine, user, _ = book
    settings = load_settings().model_copy(update={"keymap": {"queue.serch": "ctrl+f"}})
    with pytest.raises(KeymapError, match=r"names no binding: queue\.serch"):
        make_app(workspace(engine, user, settings=settings))


def test_every_binding_has_an_id_the_keymap_can_name() -> None:
    ids = binding_ids()
    for expected in ("app.quit", "queue.search", "case.log_call", "call.save",
                     "tracker.back", "board.undo", "form.save", "evaluation.offer",
                     "queue.reports", "reports.drill"):
        assert expected in ids


async def test_the_case_screen_offers_its_actions_in_the_palette(book) -> None:
    engine, user, _ = book
    app = make_app(workspace(engine, user), "mine")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for expected in ("Log a call", "Add a follow-up task", "Record an event",
                         "Workout options", "Amend the call note", "Tab 2: Timeline"):
            assert expected in titles
        await pilot.press("ctrl+p")
        await settle(app, pilot)
        await pilot.press(*"log a call")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CallEditor)


async def test_a_hidden_queue_catches_up_when_shown_again(book) -> None:
    engine, user, _ = book
    seen: list[object] = []
    app = make_app(workspace(engine, user), "mine")
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        await settle(app, pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        row = queue.query_one(QueueTable).current
        assert row is not None
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
        seen.clear()
        noticed: list[int] = []
        app.store_changed.subscribe(app, noticed.append)
        # Another writer, while the queue is hidden under the case screen:
        add_task(workspace(make_engine(str(engine.url.database)), user),
                 row.case_id, NewTask("callback", "Call back", date(2026, 11, 30)))
        await settle_when(app, pilot, lambda: bool(noticed), within=5)
        assert noticed  # the watcher's poll noticed it (a poll a second)
        pages = [m for m in seen if isinstance(m, QueueScreen.PageLoaded)]
        assert pages == []  # hidden: no re-read in the background
        await pilot.press("escape")
        await settle(app, pilot)
        pages = [m for m in seen if isinstance(m, QueueScreen.PageLoaded)]
        assert pages  # shown again: it caught up


async def test_the_watcher_notices_another_writer_on_every_store(one_case) -> None:
    """SQLite polls its change number; PostgreSQL listens for the store's notification."""
    engine, case_id = one_case
    seen: list[object] = []
    app = make_app(workspace(engine, "sam"), "mine")
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        seen.clear()
        add_task(workspace(engine, "lee"), case_id,
                 NewTask("callback", "Lee asks for a call", date(2026, 11, 30)))
        for _ in range(30):  # up to 3 s: a poll a second, or one notification
            await pilot.pause(0.1)
            if any(isinstance(m, QueueScreen.PageLoaded) for m in seen):
                break
        await settle(app, pilot)
        pages = [m for m in seen if isinstance(m, QueueScreen.PageLoaded)]
        assert pages and pages[-1].rows[0].case_id == case_id  # read again, in place


async def test_the_case_header_follows_a_change_made_elsewhere(one_case) -> None:
    """Another user edits the case while it is open: the header shows the new state without
    a key press (it follows the store-change signal like the queue)."""
    from lossmit_tui.services.cases import NewEvent, record_event

    engine, case_id = one_case
    app = make_app(workspace(engine, "sam"), "mine")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
        title = app.screen.query_one("#case-title", Static)
        assert "  ·  new  ·  " in str(title.content)
        record_event(workspace(engine, "lee"), case_id,
                     NewEvent("application_received", TODAY, "", None))
        for _ in range(30):  # a poll a second on SQLite, a notification on PostgreSQL
            await pilot.pause(0.1)
            if "application" in str(title.content):
                break
        await settle(app, pilot)
        assert "  ·  application  ·  " in str(title.content)


async def test_the_app_warns_everyone_when_the_audit_trail_is_unprotected(book) -> None:
    engine, user, _ = book
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_events_no_update")
    app = make_app(workspace(engine, user), "mine")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        warned = [n for n in notices(app) if n.startswith("WARNING: the audit trail")]
        assert warned and "audit_events_no_update is missing" in warned[0]
