"""The TUI driven as a user would: Pilot key presses against a real seeded store."""

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from textual.widgets import Input, Select, Static

from db.engine import make_engine, session_scope
from db.migrate import ensure_current
from db.models import Case
from db.queries import QueueFilter, Sort, queue_count, queue_window
from lossmit_tui.app import LossMitApp, make_app
from lossmit_tui.config import load_settings
from lossmit_tui.domain.act_next import why_here
from lossmit_tui.queue_rows import urgency_input
from lossmit_tui.services import audit
from lossmit_tui.services.importer import import_extract
from lossmit_tui.services.seed import seed
from lossmit_tui.services.users import require_user
from lossmit_tui.views import find_view, view_filter
from lossmit_tui.widgets.queue_table import QueueTable
from screens.case import CaseScreen
from screens.queue import Breakdown, QueueScreen, SortPicker

from .conftest import TODAY
from .pilot import seeded_book, settle, settle_when
from .workspace import workspace

HOSTILE = "[@click=app.quit]Smith[/] [b]bold?[/b] $accent"


@pytest.fixture
def store(tmp_path: Path) -> tuple[Engine, str, str]:
    return seeded_book(tmp_path / "tui.db", 300, 21, TODAY)


def app_for(engine: Engine, user: str, view: str = "mine") -> LossMitApp:
    return make_app(workspace(engine, user, TODAY, settings=load_settings()), view)


def expected(engine: Engine, user: str, view: str, role: str = "lead") -> QueueFilter:
    with session_scope(engine) as session:
        me = require_user(session, user)
        team = tuple(u for u in (me.id,))
    return view_filter(find_view(load_settings(), role, view), me.id, team, TODAY)


def change_elsewhere(engine: Engine, who: str, case_id: int, action: str,
                     **values: object) -> None:
    """Another user's write, through a second connection, with its audit row."""
    other = make_engine(str(engine.url.database))
    with session_scope(other, write=True) as session:
        session.connection().execute(Case.__table__.update().where(
            Case.__table__.c.id == case_id).values(**values))
        audit.record(session, require_user(session, who), "case", case_id, action)
    other.dispose()


def title(app: LossMitApp) -> str:
    return str(app.screen.query_one("#queue-title", Static).content)


def shown(table: QueueTable, count: int) -> list[str]:
    return [table.render_line(y).text for y in range(1, count + 1)]


async def test_open_the_queue_open_a_case_and_quit(store) -> None:
    engine, user, _ = store
    f = expected(engine, user, "mine")
    with session_scope(engine) as session:
        total = queue_count(session, f)
        first = queue_window(session, f, 0, 5)
    app = app_for(engine, user)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        assert title(app) == f"My queue · {total} open"
        table = app.screen.query_one(QueueTable)
        assert table.total == total
        assert [line.split()[0] for line in shown(table, 5)] == [r.loan_number for r in first]

        await pilot.press("j", "j", "k", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
        assert str(app.screen.query_one("#case-title", Static).content).startswith(
            first[1].loan_number)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("q")
    assert app.return_code == 0


VIEW_KEYS = [
    ("1", "mine", "My queue"), ("2", "due", "Due today"), ("3", "regulatory", "Regulatory"),
    ("4", "sale", "Sale soon"), ("5", "promises", "Broken promises"),
    ("6", "documents", "Missing documents"), ("7", "unassigned", "Unassigned"),
]


async def test_every_view_key(store) -> None:
    """Each view's key, pressed in turn in one session, shows that view and its count."""
    engine, user, _ = store
    with session_scope(engine) as session:
        totals = {view: queue_count(session, expected(engine, user, view))
                  for _, view, _ in VIEW_KEYS}
    app = app_for(engine, user)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        for key, view, heading in VIEW_KEYS:
            await pilot.press(key)
            await settle(app, pilot)
            case = f"key {key} ({view})"
            assert title(app).startswith(heading), (case, title(app))
            assert app.screen.query_one(QueueTable).total == totals[view], case
            if totals[view] == 0:
                assert app.screen.has_class("-empty"), case


async def test_team_and_all_views_are_for_leads(store) -> None:
    engine, user, lead = store
    app = app_for(engine, user)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("9")
        await settle(app, pilot)
        assert title(app).startswith("My queue")  # unchanged: not a specialist's view
    with session_scope(engine) as session:
        everyone = queue_count(session, QueueFilter())
    straight_in = app_for(engine, lead, "all")  # lossmit --view all
    async with straight_in.run_test(size=(160, 40)) as pilot:
        await settle(straight_in, pilot)
        assert title(straight_in) == f"All open · {everyone} open"
    app = app_for(engine, lead)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("9")
        await settle(app, pilot)
        assert title(app) == f"All open · {everyone} open"
        header = app.screen.query_one(QueueTable).render_line(0).text
        assert "Assignee" in header


async def test_search_as_you_type_and_clear(store) -> None:
    engine, user, _ = store
    with session_scope(engine) as session:
        sample = queue_window(session, expected(engine, user, "mine"), 3, 1)[0]
    surname = sample.borrower_name.split()[-1]
    app = app_for(engine, user)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("slash")
        await pilot.press(*surname[:4].lower())
        await settle(app, pilot)
        table = app.screen.query_one(QueueTable)
        assert f"“{surname[:4].lower()}”" in title(app)
        lines = shown(table, table.total)
        assert any(sample.loan_number in line for line in lines)
        # every row matches by its borrower's or co-borrower's name (the row shows only the
        # borrower's)
        with engine.connect() as conn:
            names = {r.loan_number: f"{r.borrower_name} {r.co_borrower_name or ''}".lower()
                     for r in conn.execute(sa.text(
                         "SELECT loan_number, borrower_name, co_borrower_name FROM cases"))}
        assert all(surname[:4].lower() in names[line.split()[0]] for line in lines)
        await pilot.press("z", "z", "z", "q")
        await settle(app, pilot)
        assert table.total == 0 and app.screen.has_class("-empty")
        assert "matches" in str(app.screen.query_one("#queue-empty", Static).content)
        await pilot.press("escape")
        await settle(app, pilot)
        assert title(app).startswith("My queue ·") and "“" not in title(app)
        assert table.total > 0


async def test_filter_bar_and_its_errors(store) -> None:
    engine, user, _ = store
    app = app_for(engine, user)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        before = app.screen.query_one(QueueTable).total
        await pilot.press("f")
        await pilot.press(*"stage=bogus", "enter")
        await settle(app, pilot)
        assert app.screen.query_one(QueueTable).total == before  # refused, nothing changed
        filter_bar = app.screen.query_one("#filter", Input)
        filter_bar.value = "stage=outreach,new investor=fnma"
        await pilot.press("enter")
        await settle(app, pilot)
        table = app.screen.query_one(QueueTable)
        assert "stage=outreach,new investor=FNMA" in title(app)
        assert f"{table.total} of {before}" in title(app)
        rows = [table.row_at(i) for i in range(table.total)]
        assert rows and all(r.stage in ("outreach", "new") and r.investor == "FNMA"
                            for r in rows)


async def test_sort_and_reverse(store) -> None:
    engine, user, _ = store
    f = expected(engine, user, "mine")
    with session_scope(engine) as session:
        by_name = queue_window(session, f, 0, 1000, Sort.BORROWER)
    app = app_for(engine, user)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        for descending in (False, True):
            await pilot.press("s")
            await pilot.pause()
            assert isinstance(app.screen, SortPicker)
            app.screen.dismiss(Sort.BORROWER)
            await settle(app, pilot)
            table = app.screen.query_one(QueueTable)
            rows = [table.row_at(i).case_id for i in range(min(table.total, 100))]
            want = [r.case_id for r in (reversed(by_name) if descending else by_name)]
            assert rows == want[:len(rows)]
        assert "sorted by borrower (reversed)" in title(app)


async def test_marks_and_the_breakdown(store) -> None:
    engine, user, _ = store
    app = app_for(engine, user)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(QueueTable)
        first, second = table.row_at(0), table.row_at(1)
        await pilot.press("space", "space")
        assert table.marked == {first.case_id, second.case_id}
        assert "2 marked" in title(app)
        await pilot.press("k", "space")
        assert table.marked == {first.case_id}

        shown = table.current
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, Breakdown)
        text = str(app.screen.query_one("#breakdown-body", Static).content)
        for term in ("next_action", "days_delinquent", "days_to_sale", "broken_promise",
                     "days_since_rpc", "missing_documents", "stage", "total"):
            assert term in text
        # First why the case is where it is (its place in the order), then the score as
        # the tie-breaker; never "the queue orders by this score" in the act-next order.
        why = str(app.screen.query_one("#breakdown-why", Static).content)
        assert why == ("Why here: " + why_here(urgency_input(shown, TODAY),
                                               shown.next_action_kind)
                       + "\nCases in the same place on the same day: higher urgency first.")
        assert "the queue orders by this score" not in text + why
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)


async def test_live_refresh_from_another_writer_keeps_the_cursor_on_its_case(store) -> None:
    engine, user, lead = store
    app = app_for(engine, user)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(QueueTable)
        before = table.total
        await pilot.press("j", "j", "j", "j", "j")
        watched = table.current.case_id
        gone = table.row_at(0).case_id
        change_elsewhere(engine, lead, gone, "reassign", assignee_id=None)
        # the screen polls every second (a busy machine may need a few polls)
        await settle_when(app, pilot, lambda: table.total == before - 1, within=5)
        assert table.total == before - 1
        assert table.current.case_id == watched and table.cursor_row == 4


async def test_resize_keeps_the_cursor_row(store) -> None:
    engine, user, _ = store
    app = app_for(engine, user)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(QueueTable)
        await pilot.press(*["j"] * 12)
        watched = table.current.case_id
        assert "Contact" in table.render_line(0).text
        await pilot.resize_terminal(80, 24)
        await settle(app, pilot)
        assert table.current.case_id == watched
        header = table.render_line(0).text
        assert "Contact" not in header and "Sale" not in header  # dropped, not wrapped
        assert "When" in header and "Borrower" in header
        assert all(table.render_line(y).cell_length <= 80 for y in range(0, 20))


async def test_keys_panel_and_palette_commands(store) -> None:
    engine, user, _ = store
    app = app_for(engine, user)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.query("HelpPanel")
        await pilot.press("question_mark")
        await pilot.pause()
        assert not app.screen.query("HelpPanel")
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"View 2: Due today", "Search the queue", "Filter the queue", "Sort the queue",
                "Why is this case here?", "Open the case", "Mark the row"} <= titles


async def test_untrusted_names_are_plain_text_and_do_nothing(store, tmp_path: Path) -> None:
    engine, user, _ = store
    extract = tmp_path / "hostile.csv"
    extract.write_text(
        "loan_number,borrower_name,investor,upb,next_due_date,property_state,assignee\n"
        f"\"0000000001\",\"{HOSTILE}\x1b[31m\",FNMA,1000,2026-10-01,TX,{user}\n"
    )
    assert import_extract(workspace(engine, user), extract).ok
    app = app_for(engine, user)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"0000000001", "enter")
        await settle(app, pilot)
        table = app.screen.query_one(QueueTable)
        assert table.total == 1
        line = table.render_line(1)
        assert HOSTILE[:30] in line.text and "\x1b" not in line.text
        assert all(seg.style is None or not seg.style.meta for seg in line)  # no click actions
        await pilot.click(QueueTable, offset=(16, 1))
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
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE users SET role = 'specialist' WHERE username = 'admin'"))
    app = make_app(workspace(engine, "admin", TODAY, settings=load_settings()),
                   "mine")  # owns no cases
    async with app.run_test() as pilot:
        await settle(app, pilot)
        assert app.screen.has_class("-empty")
        message = str(app.screen.query_one("#queue-empty", Static).content)
        assert "No open cases are assigned to you. Press 7" in message


async def test_a_leads_empty_queue_points_at_the_team_views(tmp_path: Path) -> None:
    """A lead owns no cases: their empty queue names the views that show the team's."""
    engine = make_engine(str(tmp_path / "lead.db"))
    ensure_current(engine)
    seed(engine, 5, 1, TODAY)
    with engine.connect() as conn:
        lead = conn.execute(sa.text("SELECT username FROM users WHERE role = 'lead'")).scalar()
        owned = conn.execute(sa.text("SELECT count(*) FROM cases JOIN users ON users.id = "
                                     "cases.assignee_id WHERE role = 'lead'")).scalar_one()
    assert lead is not None and owned == 0
    app = make_app(workspace(engine, lead, TODAY, settings=load_settings()), "mine")
    async with app.run_test() as pilot:
        await settle(app, pilot)
        assert app.screen.has_class("-empty")
        message = str(app.screen.query_one("#queue-empty", Static).content)
        assert "No open cases are assigned to you." in message
        assert "press 8 (My team) or 9 (All open)" in message


async def test_add_a_follow_up_from_the_keyboard(store) -> None:
    from screens.task_editor import TaskEditor

    engine, user, _ = store
    app = app_for(engine, user)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(QueueTable)
        case = table.current
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TaskEditor)
        await pilot.press(*"Ask for the 4506-C")
        due = app.screen.query_one("#task-due", Input)
        due.value = "someday"
        await pilot.pause()
        assert "is not a due date" in str(app.screen.query_one("#task-due-shown").content)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, TaskEditor)  # refused: everything typed is still there
        assert app.screen.query_one("#task-title", Input).value == "Ask for the 4506-C"
        due.value = "+2bd"
        await pilot.pause()
        assert "2026-12-01" in str(app.screen.query_one("#task-due-shown").content)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
    with engine.connect() as conn:
        saved = conn.execute(sa.text(
            "SELECT title, due_on, kind FROM tasks WHERE case_id = :c AND title LIKE 'Ask%'"),
            {"c": case.case_id}).one()
    assert saved.title == "Ask for the 4506-C" and str(saved.due_on) == "2026-12-01"
    assert saved.kind == "callback"


async def test_opening_on_a_new_day_brings_urgency_up_to_date(store) -> None:
    from datetime import timedelta

    engine, user, _ = store
    tomorrow = TODAY + timedelta(days=1)
    app = make_app(workspace(engine, user, tomorrow, settings=load_settings()), "mine")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)

        def shown_rows() -> list:
            table = app.screen.query_one(QueueTable)
            return [table.row_at(i) for i in range(table.total)]

        # the refresh's own audit row is noticed and re-read
        await settle_when(app, pilot, lambda: bool(shown_rows()) and all(
            r is not None and r.urgency_on == tomorrow for r in shown_rows()), within=5)
        rows = shown_rows()
    assert rows and all(r.urgency_on == tomorrow for r in rows)
    with engine.connect() as conn:
        stale = conn.execute(sa.text("SELECT count(*) FROM cases WHERE closed_at IS NULL AND "
                                     "urgency_on <> :d"), {"d": tomorrow}).scalar()
    assert stale == 0


async def test_the_case_under_the_cursor_closed_elsewhere(store) -> None:
    engine, user, lead = store
    app = app_for(engine, user)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(QueueTable)
        before = table.total
        await pilot.press("j", "j")
        gone = table.current.case_id
        following = table.row_at(3).case_id
        change_elsewhere(engine, lead, gone, "close", stage="cured", closed_at=sa.func.now())
        await settle_when(app, pilot, lambda: table.total == before - 1, within=5)
        assert app.is_running and table.total == before - 1
        assert table.cursor_row == 2 and table.current.case_id == following
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)


async def test_case_header_shows_local_time_and_call_attempts(store) -> None:
    from datetime import UTC, datetime

    engine, user, _ = store
    with engine.begin() as conn:
        case_id = conn.execute(sa.text(
            "SELECT id FROM cases WHERE property_tz = 'America/New_York' "
            "AND cease_communication = 0 AND attorney_represented = 0 LIMIT 1")).scalar_one()
        # first in the queue: the lowest act-next key (lossmit_tui/domain/act_next.py)
        conn.execute(sa.text("UPDATE cases SET assignee_id = (SELECT id FROM users WHERE "
                             "username = :u), next_action_on = :d, act_key = 0 WHERE id = :c"),
                     {"u": user, "d": TODAY - timedelta(days=400), "c": case_id})
        conn.execute(sa.text("DELETE FROM call_notes WHERE case_id = :c"), {"c": case_id})
        for day in range(7):
            conn.execute(sa.text(
                "INSERT INTO call_notes (case_id, author_id, called_at, direction, party, "
                "result, outcome_codes, body, created_at) VALUES (:c, 1, :at, 'outbound', "
                "'none', 'no_answer', '[]', '', :at)"),
                {"c": case_id, "at": datetime(2026, 11, 29 - day, 15, tzinfo=UTC)})
    early = datetime(2026, 11, 29, 12, 30, tzinfo=UTC)  # 07:30 in New York
    app = make_app(workspace(engine, user, TODAY, settings=load_settings(), clock=lambda: early),
                   "mine")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert app.screen.query_one(QueueTable).current.case_id == case_id
        await pilot.press("enter")
        await settle(app, pilot)
        heading = app.screen.query_one("#case-title", Static).content
    text = str(heading)
    assert "Local time Sun 07:30 New_York" in text
    assert "7 call attempt(s) in 7 days" in text and "attempt 8 in 7 days" in text
    assert any("error" in str(span.style) for span in heading.spans)  # outside hours


async def test_log_a_call_from_the_queue(store) -> None:
    from datetime import UTC, datetime

    from textual.widgets import Select, SelectionList, TextArea

    from screens.call_editor import CallEditor

    engine, user, _ = store
    noon = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)
    app = make_app(workspace(engine, user, TODAY, settings=load_settings(), clock=lambda: noon),
                   "mine")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        case = app.screen.query_one(QueueTable).current
        await pilot.press("c")
        await settle(app, pilot)
        editor = app.screen
        assert isinstance(editor, CallEditor)
        assert "attempt(s) in 7 days" in str(editor.query_one("#call-contact").content)
        editor.query_one("#call-party", Select).value = "borrower"
        editor.query_one("#call-result", Select).value = "right_party_contact"
        outcomes = editor.query_one("#call-outcomes", SelectionList)
        outcomes.focus()
        await pilot.press("space", "down", "down", "down", "space")  # hardship, promise
        editor.query_one("#call-ptp-amount", Input).value = "$1,250.00"
        editor.query_one("#call-body", TextArea).focus()
        await pilot.press(*"Lost overtime; will pay Friday.")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, CallEditor)  # refused: the promise has no date
        problems = str(editor.query_one("#call-problems").content)
        assert "needs the date it will be paid by" in problems
        assert editor.query_one("#call-body", TextArea).text == "Lost overtime; will pay Friday."
        editor.query_one("#call-ptp-date", Input).value = "fri"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
    with engine.connect() as conn:
        note = conn.execute(sa.text("SELECT result, outcome_codes, promise_amount_cents, "
                                    "promise_date, body FROM call_notes WHERE case_id = :c "
                                    "ORDER BY id DESC LIMIT 1"), {"c": case.case_id}).one()
        promise = conn.execute(sa.text("SELECT promise_due_on FROM cases WHERE id = :c"),
                               {"c": case.case_id}).scalar()
    assert note.result == "right_party_contact" and note.promise_amount_cents == 125_000
    assert "promise_to_pay" in note.outcome_codes and str(note.promise_date) == "2026-12-04"
    assert str(promise) == "2026-12-04" and note.body == "Lost overtime; will pay Friday."


async def test_an_unsaved_note_is_kept_and_offered_back(store) -> None:
    from textual.widgets import TextArea

    from screens.call_editor import CallEditor, Confirm

    engine, user, _ = store
    app = app_for(engine, user)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        app.screen.query_one("#call-body", TextArea).focus()
        await pilot.press(*"Half a thought")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)  # leaving with text asks first
        await pilot.press("y")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)

        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, Confirm)  # the draft is offered back
        await pilot.press("y")
        await settle(app, pilot)
        assert isinstance(app.screen, CallEditor)
        assert app.screen.query_one("#call-body", TextArea).text == "Half a thought"


async def test_unindexed_sorts_are_for_views_of_workable_size(store, monkeypatch) -> None:
    import screens.queue as queue_screen

    engine, _, lead = store
    app = app_for(engine, lead, "all")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(QueueTable)
        await pilot.press("s")
        await pilot.pause()
        app.screen.dismiss(Sort.STAGE)
        await settle(app, pilot)
        stages = [table.row_at(i).stage for i in range(min(table.total, 100))]
        assert stages == sorted(stages) and "sorted by stage" in title(app)
        monkeypatch.setattr(queue_screen, "UNINDEXED_SORT_LIMIT", 10)
        await pilot.press("s")
        await pilot.pause()
        app.screen.dismiss(Sort.INVESTOR)
        await settle(app, pilot)
        assert "sorted by stage" in title(app)  # refused: the view is too large


async def test_case_timeline_and_audit_tabs(store) -> None:
    from datetime import UTC, datetime

    from lossmit_tui.services.calls import NewCall, log_call

    engine, user, _ = store
    app = app_for(engine, user)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        case = app.screen.query_one(QueueTable).current
    noon = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)
    log_call(workspace(engine, user, clock=lambda: noon), case.case_id,
             NewCall("outbound", "none", "no_answer", body="[b]No answer[/b] at 12:00"))
    with engine.connect() as conn:
        first = conn.execute(sa.text("SELECT max(id) FROM call_notes")).scalar()
    log_call(workspace(engine, user, clock=lambda: noon), case.case_id,
             NewCall("outbound", "none", "busy", body="Correction: the line was busy",
                     amends_id=first))
    app = app_for(engine, user)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("2")
        await pilot.pause()
        items = [str(s.query_one(Static).content) for s in app.screen.query(".timeline-item")]
        # the calls, newest first (the attempt's sync also wrote tasks, stamped now)
        calls = [str(s.query_one(Static).content) for s in app.screen.query(".timeline-item")
                 if s.name == "call"]
        assert f"amends note #{first}" in calls[0] and "Correction" in calls[0]
        assert "[b]No answer[/b] at 12:00" in calls[1]  # stored text, never markup
        app.screen.query_one("#timeline-kind", Select).value = "call"
        await pilot.pause()
        shown = [s for s in app.screen.query(".timeline-item") if s.display]
        assert len(shown) >= 2 and all(s.name == "call" for s in shown)
        assert len(shown) < len(items)  # its tasks are hidden
        await pilot.press("6")
        await pilot.pause()
        audit = [str(s.content) for s in app.screen.query(".audit-item")]
        assert any("amend call_note" in a for a in audit)
        assert any("create call_note" in a for a in audit)
