"""The case screen and its editors as a specialist uses them through a working day: tab keys
from every list, the Reg F wait in follow-ups, scrolling, ages, order and wording."""

from datetime import date
from itertools import pairwise
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, TabbedContent

from db.engine import make_engine
from db.migrate import ensure_current
from lossmit_tui.services.importer import import_extract
from lossmit_tui.services.users import add_user
from screens.case import DocumentsTable, TasksTable

from .pilot import settle
from .test_tui_case import app_for, open_case, store  # noqa: F401  (the fixture)
from .workspace import workspace


@pytest.mark.parametrize("start", ["2", "3", "4"])  # the timeline, tasks, documents lists
async def test_every_tab_key_works_with_focus_in_any_tab(store, start) -> None:  # noqa: F811
    """With the keyboard in the timeline list (or any other tab's list), each digit still
    opens its tab: the list must not swallow 1, 5 or 6. One list a test, so that the
    workers share them."""
    engine, _ = store
    app = app_for(engine)
    names = ("summary", "timeline", "tasks", "documents", "financials", "audit")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_case(app, pilot)
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
        # the quality fields' names keep a space between them ("...delinquencTemporary")
        for row in editor.query(".call-row"):
            labels = [v.query_one(Label) for v in row.query(Vertical) if v.query(Label)]
            for left, right in pairwise(labels):
                assert left.content_region.right < right.region.x, (left.content, right.content)


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


def test_the_timeline_orders_by_when_things_happened(late) -> None:
    """An event recorded on its day sits at the time it was recorded (above the morning's
    task, below the evening's call); one recorded on a later day (back-dated, its time
    unknown) sits at the start of its day, below everything else of that day, shown without
    a time; the day is the zone the list is shown in."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from db.queries import case_timeline

    engine, case_id = late

    def at(hour: int, day: int = 29) -> datetime:
        return datetime(2026, 11, day, hour, 0)

    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM tasks"))
        conn.execute(sa.text("DELETE FROM case_events"))
        for kind, created in (("hardship_reported", at(15)), ("application_received", at(9, 30))):
            conn.execute(sa.text(
                "INSERT INTO case_events (case_id, kind, occurred_on, payload, created_at) "
                "VALUES (:c, :k, '2026-11-29', '{}', :at)"), {"c": case_id, "k": kind,
                                                               "at": created})
        conn.execute(sa.text(
            "INSERT INTO tasks (case_id, kind, title, due_on, status, source, created_at) "
            "VALUES (:c, 'review', 'Morning review', '2026-12-01', 'open', 'manual', :at)"),
            {"c": case_id, "at": at(14)})
        conn.execute(sa.text(
            "INSERT INTO call_notes (case_id, author_id, called_at, direction, party, result, "
            "outcome_codes, body, created_at) VALUES (:c, 1, :at, 'outbound', 'none', "
            "'no_answer', '[]', '', :at)"), {"c": case_id, "at": at(16)})
    for zone in (UTC, ZoneInfo("America/Chicago")):
        with engine.connect() as conn:
            items = [i for i in case_timeline(conn, case_id, zone)
                     if i.at.astimezone(zone).date() == date(2026, 11, 29)]
        assert [(i.kind, i.text.split("\n")[0][:20], i.timed) for i in items] == [
            ("call", items[0].text.split("\n")[0][:20], True),
            ("event", "hardship reported", True),
            ("task", "task added · review:", True),
            ("event", "application received", False),
        ], zone


def test_counts_articles_and_event_labels_read_as_english() -> None:
    from lossmit_tui.domain.events import event_label, event_words
    from lossmit_tui.domain.values import article, plural

    assert [f"{article(n)} {n}-month plan" for n in (1, 8, 11, 12, 18, 80)] == [
        "a 1-month plan", "an 8-month plan", "an 11-month plan", "a 12-month plan",
        "an 18-month plan", "an 80-month plan"]
    assert (plural(1, "month"), plural(2, "month")) == ("1 month", "2 months")
    assert event_label("fc_referral") == "Foreclosure referral"
    assert event_label("spoc_assigned") == "SPOC assigned"
    assert event_label("offer_sent") == "Offer sent"
    assert event_words("fc_referral") == "foreclosure referral"


async def test_the_event_form_and_timeline_use_proper_labels(late) -> None:
    from textual.widgets import Select

    from lossmit_tui.services.cases import NewEvent, record_event
    from screens.forms import EventForm

    engine, case_id = late
    record_event(workspace(engine, "sam"), case_id, NewEvent("spoc_assigned", date(2026, 11, 29),
                                                             "", None))
    app = app_for(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_case(app, pilot)
        assert any("SPOC assigned" in item.text for item in screen.timeline)
        await pilot.press("e")
        await settle(app, pilot)
        assert isinstance(app.screen, EventForm)
        prompts = [str(p) for p, _ in app.screen.query_one("#event-kind", Select)._options]
        assert "Foreclosure referral" in prompts and "SPOC assigned" in prompts
        assert not any(p.startswith(("Fc ", "Spoc")) for p in prompts)


async def test_a_draft_is_offered_back_with_its_text_and_local_time(late, monkeypatch) -> None:
    """The prompt shows the draft's own text (markup-looking text as typed), the time it was
    kept in the user's zone (not UTC), and d discards it."""
    import time

    from textual.widgets import Static, TextArea

    from lossmit_tui.services.calls import load_draft, save_draft
    from screens.call_editor import CallEditor, RestoreDraft

    engine, case_id = late
    sam = workspace(engine, "sam")
    text = "Borrower said [b]call after 5[/b] [@click=app.quit]x[/]"
    save_draft(sam, case_id, {"direction": "outbound", "party": "borrower",
                              "result": "right_party_contact"}, text)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE drafts SET updated_at = '2026-11-29 18:05:00'"))
    monkeypatch.setenv("TZ", "America/Chicago")
    time.tzset()
    try:
        app = app_for(engine)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_case(app, pilot)
            await pilot.press("c")
            await settle(app, pilot)
            prompt = app.screen
            assert isinstance(prompt, RestoreDraft)
            question = str(prompt.query_one(Static).content)
            assert "2026-11-29 12:05 CST" in question and "UTC" not in question
            shown = prompt.query_one("#draft-text", Static).content
            assert text in str(shown) and "Outbound · Borrower · Right party contact" in str(
                shown)
            assert all("click" not in str(span.style) for span in shown.spans)
            await pilot.press("d")
            await settle(app, pilot)
            assert isinstance(app.screen, CallEditor)
            assert app.screen.query_one("#call-body", TextArea).text == ""
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert load_draft(sam, case_id) is None


async def test_a_blank_call_form_keeps_no_draft_and_emptying_one_drops_it(late) -> None:
    """Opening the call editor and typing nothing stores no draft, however long it stays
    open, and Escape leaves without asking; text typed is kept, and deleting it all again
    removes the kept draft, so the next call is not offered an empty one back."""
    from textual.widgets import TextArea

    from lossmit_tui.services.calls import load_draft
    from screens.call_editor import CallEditor

    engine, case_id = late
    sam = workspace(engine, "sam")
    app = app_for(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        editor = app.screen
        assert isinstance(editor, CallEditor)
        editor.autosave()  # as the timer would, with only the screen's own values filled
        await settle(app, pilot)
        assert load_draft(sam, case_id) is None
        body = editor.query_one("#call-body", TextArea)
        body.focus()
        await pilot.press(*"Left a message")
        await settle(app, pilot)
        editor.autosave()
        await settle(app, pilot)
        kept = load_draft(sam, case_id)
        assert kept is not None and kept.body == "Left a message"
        body.text = ""
        await settle(app, pilot)
        editor.autosave()
        await settle(app, pilot)
        assert load_draft(sam, case_id) is None
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, CallEditor)  # left at once: nothing to ask about
    assert load_draft(sam, case_id) is None


async def test_an_autosave_late_after_the_note_is_saved_keeps_no_draft(late) -> None:
    """The autosave's write runs in a worker: one still on its way when the note is saved
    must not write the draft back after the save removed it (the next call would be offered
    an old draft of a note already logged)."""
    from textual.widgets import TextArea

    from lossmit_tui.services.calls import load_draft
    from screens.call_editor import CallEditor

    engine, case_id = late
    sam = workspace(engine, "sam")
    app = app_for(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        editor = app.screen
        assert isinstance(editor, CallEditor)
        editor.query_one("#call-body", TextArea).focus()
        await pilot.press(*"Left a message")
        await settle(app, pilot)
        fields = editor._fields()
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, CallEditor)
        assert editor.logged
        editor.keep_draft(fields, "Left a message")  # the late autosave's write
    assert load_draft(sam, case_id) is None


async def test_the_snapshot_starts_from_the_loans_payment_and_shows_its_ratios(late) -> None:
    """The first mortgage's payment is prefilled from the loan's P&I ($1,100) and escrow
    ($400); the saved snapshot on the Financials tab shows its HTI, DTI and surplus."""
    from textual.widgets import Input

    from screens.financials import FinancialsForm

    engine, _ = late
    app = app_for(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_case(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, FinancialsForm)
        assert form.query_one("#expense--first_mortgage_piti", Input).value == "1500.00"
        assert "P&I $1,100.00 + escrow $400.00" in str(
            form.query_one("#fin-expenses-head").content)
        await pilot.press(*"5000", "tab", *"4000")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, FinancialsForm)
        await pilot.press("5")
        await settle(app, pilot)
        text = "\n".join(str(s.content) for s in screen.query("#financials-list Static"))
    assert "HTI 30.00% · DTI 30.00% · surplus $2,500.00" in text


async def test_edit_details_moves_the_borrowers_time_zone_with_the_mailing_address(
        late) -> None:
    """At 80x24 the edit form has every detail; a mailing ZIP in California moves the
    calling hours to Los Angeles time, and the corrected name heads the case."""
    from textual.widgets import Checkbox, Input, Select, Static

    from screens.forms import EditDetails

    engine, _ = late
    app = app_for(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_case(app, pilot)
        title = screen.query_one("#case-title", Static)
        assert "Local time Sun 12:00 Chicago" in str(title.content)
        await pilot.press("i")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, EditDetails)
        assert form.query_one("#edit-borrower_name", Input).value == "Bea Ray"
        form.query_one("#edit-borrower_name", Input).value = "Beatrice Ray"
        form.query_one("#edit-phone2", Input).value = "3105550199"
        form.query_one("#edit-mailing_address", Input).value = "9 Palm Dr"
        form.query_one("#edit-mailing_zip", Input).value = "90210"
        form.query_one("#edit-best_time", Input).value = "mornings"
        form.query_one("#edit-preferred_language", Select).value = "es"
        form.query_one("#edit-fdcpa_covered", Checkbox).value = True
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, EditDetails)
        await settle(app, pilot)
        header = str(title.content)
        assert header.startswith("A2  Beatrice Ray")
        assert "Local time Sun 10:00 Los_Angeles" in header and "FDCPA" in header
        summary = "\n".join(str(s.content) for s in screen.query("#case-grid Static"))
        assert "(310) 555-0199" in summary and "9 Palm Dr CA 90210" in summary
        assert "America/Los_Angeles" in summary and "Spanish" in summary


async def test_a_callback_task_after_a_conversation_waits_for_reg_f_too(late) -> None:
    """The follow-up form (t) offers a callback on the first business day after Reg F's
    seven days, and warns on an earlier date."""
    from textual.widgets import Input

    from lossmit_tui.services.calls import NewCall, log_call
    from screens.task_editor import TaskEditor

    from .test_tui_case import NOON

    engine, case_id = late
    log_call(workspace(engine, "sam", clock=lambda: NOON), case_id,
             NewCall("outbound", "borrower", "right_party_contact", (), None, None, "Talked."))
    app = app_for(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_case(app, pilot)
        await pilot.press("t")
        await settle(app, pilot)
        editor = app.screen
        assert isinstance(editor, TaskEditor)
        due = editor.query_one("#task-due", Input)
        assert due.value == "2026-12-07"
        assert "⚠" not in str(editor.query_one("#task-due-shown").content)
        due.value = "tomorrow"
        await pilot.pause()
        shown = str(editor.query_one("#task-due-shown").content)
        assert "⚠ Too early for a callback" in shown and "1006.14(b)(2)(ii)" in shown
