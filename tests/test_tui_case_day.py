"""The case screen and its editors as a specialist uses them through a working day: tab keys
from every list, the Reg F wait in follow-ups, scrolling, ages, order and wording."""

from datetime import date
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
from screens.case import DocumentsTable, TasksTable

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


async def test_a_callback_after_a_conversation_waits_for_reg_f(late) -> None:
    """A right-party call today starts Reg F's seven quiet days: the callback is offered on
    the first business day after them (Sunday the 29th: Monday 7 December), an earlier date
    is warned about, naming the rule and the borrower's own request, and still saved."""
    from textual.widgets import Input, Select, SelectionList

    from screens.call_editor import CallEditor

    from .test_tui_case import choose, rows

    engine, case_id = late
    app = app_for(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        editor = app.screen
        assert isinstance(editor, CallEditor)
        due = editor.query_one("#call-fu-due", Input)
        await choose(pilot, editor.query_one("#call-fu-kind", Select), "callback")
        assert due.value == "+2bd"  # no conversation yet: the usual two business days
        await choose(pilot, editor.query_one("#call-party", Select), "borrower")
        await choose(pilot, editor.query_one("#call-result", Select), "right_party_contact")
        assert due.value == "2026-12-07"
        shown = str(editor.query_one("#call-fu-shown").content)
        assert "Mon 2026-12-07" in shown and "⚠" not in shown
        due.value = "+2bd"
        await pilot.pause()
        shown = str(editor.query_one("#call-fu-shown").content)
        assert "⚠ Too early for a callback" in shown and "before 2026-12-06" in shown
        assert "1006.14(b)(2)(ii)" in shown and "asked to be called" in shown
        # the borrower asked for it: no warning, the consent rule and what to write
        editor.query_one("#call-outcomes", SelectionList).select("callback_requested")
        await pilot.pause()
        shown = str(editor.query_one("#call-fu-shown").content)
        assert "⚠" not in shown and "the borrower asked for this callback" in shown
        assert "1006.14(b)(3)(i)" in shown
        editor.query_one("#call-body").focus()
        await pilot.press(*"Borrower asked for a call on Tuesday.")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, CallEditor)  # a warning, not a refusal
    assert [str(r.due_on) for r in rows(engine, "SELECT due_on FROM tasks WHERE case_id = :c "
                                        "AND kind = 'callback'", c=case_id)] == ["2026-12-01"]


async def test_snooze_offers_a_later_day_and_refuses_an_earlier_one(late) -> None:
    from textual.widgets import Input

    from lossmit_tui.services.tasks import NewTask, add_task
    from screens.forms import SnoozeTask

    from .test_tui_case import form_error, rows

    engine, case_id = late
    add_task(workspace(engine, "sam"), case_id, NewTask("review", "Review the file",
                                                        date(2026, 12, 9)))
    app = app_for(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_case(app, pilot)
        await pilot.press("3")
        await settle(app, pilot)
        table = screen.query_one(TasksTable)
        table.move_cursor(row=next(i for i, t in enumerate(screen.tasks)
                                   if t.title == "Review the file"))
        await pilot.press("z")
        await settle(app, pilot)
        assert isinstance(app.screen, SnoozeTask)
        due = app.screen.query_one("#snooze-due", Input)
        assert due.value == "2026-12-10"  # a business day past its date, not +1bd
        due.value = "+2d"
        await pilot.pause()
        assert "not after the task's due date 2026-12-09" in str(
            app.screen.query_one("#snooze-due-shown").content)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, SnoozeTask)
        assert "before the task's due date 2026-12-09" in form_error(app)
    assert [str(r.due_on) for r in rows(engine, "SELECT due_on FROM tasks WHERE title = "
                                        "'Review the file'")] == ["2026-12-09"]


async def test_the_header_keeps_to_four_lines_and_counts_the_attempts_left(late) -> None:
    """At 80 columns the header is four rows, and says how many call attempts are left before
    Reg F's presumption; after a conversation it says when calls may resume instead."""
    from textual.widgets import Static

    from lossmit_tui.services.calls import NewCall, log_call

    from .test_tui_case import NOON

    engine, case_id = late
    sam = workspace(engine, "sam", clock=lambda: NOON)
    for _ in range(2):
        log_call(sam, case_id, NewCall("outbound", "none", "no_answer", (), None, None, ""))
    app = app_for(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_case(app, pilot)
        title = screen.query_one("#case-title", Static)
        assert title.region.height == 4
        assert "2 call attempt(s) in 7 days, 5 left (Reg F)" in str(title.content)
        log_call(sam, case_id, NewCall("outbound", "borrower", "right_party_contact", (),
                                       None, None, "Talked."))
        screen.reload()
        await settle(app, pilot)
        assert "3 call attempt(s) in 7 days, none before 2026-12-06 (Reg F)" in str(
            title.content)
        assert title.region.height == 4


async def test_the_call_note_box_is_on_screen_at_80_by_24(late) -> None:
    from textual.widgets import TextArea

    from screens.call_editor import CallEditor

    engine, _ = late
    app = app_for(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_case(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        editor = app.screen
        assert isinstance(editor, CallEditor)
        form = editor.query_one("#call-form", VerticalScroll)
        body = editor.query_one("#call-body", TextArea)
        assert form.scroll_y == 0
        assert form.region.y <= body.region.y and body.region.bottom <= form.region.bottom


async def test_the_documents_age_column_says_how_old_or_how_long_waiting(late) -> None:
    """Pay stubs dated 71 days ago are 71 days old with 19 left of their 90; a bank statement
    requested 12 days ago has been waiting 12 days; a stale one says to request a fresh one."""
    from datetime import timedelta

    from lossmit_tui.services.documents import receive_document, request_document

    from .conftest import TODAY

    engine, case_id = late
    earlier = workspace(engine, "sam", TODAY - timedelta(days=12))
    stubs = request_document(earlier, case_id, "pay_stubs").id
    request_document(earlier, case_id, "bank_statements")
    letter = request_document(earlier, case_id, "benefit_letter").id
    sam = workspace(engine, "sam")
    receive_document(sam, stubs, TODAY, TODAY - timedelta(days=71))
    receive_document(sam, letter, TODAY, TODAY - timedelta(days=95))
    app = app_for(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_case(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        table = screen.query_one(DocumentsTable)
        ages = {str(table.get_row_at(r)[0]): str(table.get_row_at(r)[-1])
                for r in range(table.row_count)}
    assert ages["pay stubs"] == "71 days old, 19 days left"
    assert ages["bank statements"] == "waiting 12 days"
    assert ages["benefit letter"] == "expired: 95 days old, request a fresh one"
