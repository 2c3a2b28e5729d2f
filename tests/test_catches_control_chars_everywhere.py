"""Every screen shows stored text through the control-character filter, not only the queue
and the case screen: the reassignment form and its preview, the urgency breakdown ("Why?"),
the queue's title, the follow-up and task forms, the workout options, a refusal's message;
and `lossmit import` (and `evaluate`) print none either.

Two cases' loan numbers and borrowers' names, a task's title and a user's name (ana's login
name and display name) hold a screen clear (ESC [2J), a clipboard write (OSC 52, ended by
BEL) and a C1 CSI (\\x9b), written with SQL around the importer and the services that clean
what they store. The screens are driven with Pilot; what they render (the widget's content,
the whole screen as a screenshot, the notifications raised) must hold no ESC, BEL or CSI.
"""

import inspect
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from textual.widgets import DataTable, Input, Select, SelectionList, Static, TextArea
from typer.testing import CliRunner

from lossmit_tui.app import LossMitApp, make_app
from lossmit_tui.cli import app as cli
from lossmit_tui.config import load_settings
from lossmit_tui.services.importer import import_extract
from lossmit_tui.services.tasks import NewTask, add_task
from lossmit_tui.widgets.queue_table import QueueTable
from screens.board import TeamBoard
from screens.call_editor import CallEditor
from screens.case import CaseScreen
from screens.evaluation import EvaluationScreen
from screens.forms import CompleteTask, EditDetails, ReassignTask, SnoozeTask
from screens.queue import Breakdown, QueueScreen
from screens.reassign import ReassignCases
from screens.task_editor import TaskEditor

from .conftest import TODAY
from .pilot import settle
from .workspace import workspace

CONTROLS = "\x1b[2J\x1b]52;c;SGVsbG8=\x07\x9b31m"
SHOWN = "[2J]52;c;SGVsbG8=31m"  # the controls as shown: their control characters dropped
LOAN, OTHER_LOAN = f"A1{CONTROLS}", f"B1{CONTROLS}"
NAME, OTHER_NAME = f"Ann {CONTROLS}Lee", f"Bob {CONTROLS}Ray"
ANA = f"ana{CONTROLS}"  # ana's login name, as a direct UPDATE left it
NOON = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)  # noon in Texas: within calling hours

EXTRACT = ("loan_number,borrower_name,investor,upb,next_due_date,property_state,note_rate,"
           "pi_payment,assignee\n"
           "A1,Ann Lee,FNMA,150000,2026-09-01,TX,6.5,1200,sam\n"
           "B1,Bob Ray,FNMA,150000,2026-09-01,TX,6.5,1200,ana\n")


def plain(text: str) -> bool:
    return not {"\x1b", "\x07", "\x9b"} & set(text)


@pytest.fixture
def book(team: Engine, tmp_path: Path,
         request: pytest.FixtureRequest) -> tuple[Engine, int, int]:
    """The team's store (lee leads sam and ana) with A1 (sam's, with a follow-up task) and
    B1 (ana's), both delinquent since September so their regulatory clocks run; then the
    loan numbers, the (co-)borrowers' names and e-mail addresses, the follow-up's title and
    ana's names poisoned with
    SQL. The engine and the two cases' ids."""
    if team.dialect.name != "sqlite" and inspect.iscoroutinefunction(request.function):
        pytest.skip("the Pilot tests drive the app on SQLite (what is shown does not depend "
                    "on the store)")
    path = tmp_path / "book.csv"
    path.write_text(EXTRACT)
    assert import_extract(workspace(team, "lee"), path).ok
    with team.connect() as conn:
        ids = dict(conn.execute(sa.text("SELECT loan_number, id FROM cases")).all())
    add_task(workspace(team, "sam"), ids["A1"],
             NewTask("callback", "Call back", TODAY + timedelta(days=2)))
    with team.begin() as conn:
        for loan, shown, name in (("A1", LOAN, NAME), ("B1", OTHER_LOAN, OTHER_NAME)):
            conn.execute(sa.text("UPDATE cases SET loan_number = :loan, borrower_name = :name, "
                                 "co_borrower_name = :name, email = :email "
                                 "WHERE loan_number = :was"),
                         {"loan": shown, "name": name, "was": loan,
                          "email": f"ann{CONTROLS}@example.com"})
        conn.execute(sa.text("UPDATE tasks SET title = :v WHERE source = 'manual'"),
                     {"v": f"Call {CONTROLS}back"})
        conn.execute(sa.text("UPDATE users SET username = :u, display_name = :v "
                             "WHERE username = 'ana'"), {"u": ANA, "v": NAME})
    return team, ids["A1"], ids["B1"]


def app_for(engine: Engine, user: str, view: str = "mine") -> LossMitApp:
    return make_app(workspace(engine, user, TODAY, settings=load_settings(),
                              clock=lambda: NOON), view)


def text_of(screen, selector: str) -> str:  # type: ignore[no-untyped-def]
    return str(screen.query_one(selector, Static).content)


def assert_screen_plain(tui: LossMitApp) -> None:
    """Nothing rendered (the whole screen, and every notification raised) holds a control
    character."""
    assert plain(tui.export_screenshot())
    messages = [str(n.message) for n in tui._notifications]
    assert all(plain(m) for m in messages), messages


async def to_case(tui: LossMitApp, pilot, case_id: int) -> QueueTable:  # type: ignore[no-untyped-def]
    """Put the queue's cursor on the case."""
    table = tui.screen.query_one(QueueTable)
    found = table.find(case_id)
    assert found is not None
    table.move_to(found)
    await pilot.pause()
    return table


async def test_the_reassignment_form_and_its_preview_show_no_control_character(
        book: tuple[Engine, int, int]) -> None:
    engine, a1, b1 = book
    tui = app_for(engine, "lee", "team")
    async with tui.run_test(size=(160, 50)) as pilot:
        await settle(tui, pilot)
        queue = tui.screen
        assert isinstance(queue, QueueScreen)
        # One case (the highlighted one): its loan number and borrower title the form.
        await to_case(tui, pilot, a1)
        await pilot.press("R")
        await settle(tui, pilot)
        form = tui.screen
        assert isinstance(form, ReassignCases)
        title = text_of(form, ".modal-title")
        assert f"A1{SHOWN} Ann {SHOWN}Lee" in title and plain(title)
        chooser = form.query_one("#reassign-to", SelectionList)
        labels = [str(chooser.get_option_at_index(i).prompt)
                  for i in range(chooser.option_count)]
        assert any(label.startswith(f"ana{SHOWN} · Ann") for label in labels), labels
        assert all(plain(label) for label in labels), labels
        assert_screen_plain(tui)
        # Only the owner as receiver: refused, the service's message quoting the loan.
        chooser.highlighted = [chooser.get_option_at_index(i).value
                               for i in range(chooser.option_count)].index("sam")
        await pilot.press("space")
        form.query_one("#reassign-reason", Select).value = "balancing"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(tui, pilot)
        error = text_of(form, ".form-error")
        assert f"A1{SHOWN}" in error and plain(error), error
        await pilot.press("escape")
        await settle(tui, pilot)
        assert tui.screen is queue
        # Both cases marked, to ana: A1 moves (its deadlines change hands), B1 is hers.
        table = await to_case(tui, pilot, a1)
        await pilot.press("space")
        await to_case(tui, pilot, b1)
        await pilot.press("space")
        assert table.marked == {a1, b1}
        await pilot.press("R")
        await settle(tui, pilot)
        form = tui.screen
        assert isinstance(form, ReassignCases)
        chooser = form.query_one("#reassign-to", SelectionList)
        chooser.highlighted = [chooser.get_option_at_index(i).value
                               for i in range(chooser.option_count)].index(ANA)
        await pilot.press("space")
        form.query_one("#reassign-reason", Select).value = "balancing"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(tui, pilot)
        preview = text_of(form, "#reassign-preview")
        assert "Preview: 1 case(s) move" in preview, preview
        assert f"ana{SHOWN}" in preview  # her load, and the deadlines she takes over
        assert f"A1{SHOWN}" in preview and "changing hands" in preview, preview
        assert f"Not moving 1: B1{SHOWN}: already ana{SHOWN}'s" in preview, preview
        assert plain(preview), preview
        assert_screen_plain(tui)
        # Someone changes A1 before the lead commits: the message names it, filtered.
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE cases SET version = version + 1 WHERE id = :id"),
                         {"id": a1})
        await pilot.press("ctrl+s")
        await settle(tui, pilot)
        assert tui.screen is queue
        messages = [str(n.message) for n in tui._notifications]
        assert any(f"A1{SHOWN}" in m and "changed since the preview" in m
                   for m in messages), messages
        assert_screen_plain(tui)


async def test_the_urgency_breakdown_shows_no_control_character(
        book: tuple[Engine, int, int]) -> None:
    engine, a1, _ = book
    tui = app_for(engine, "sam")
    async with tui.run_test(size=(120, 40)) as pilot:
        await settle(tui, pilot)
        await to_case(tui, pilot, a1)
        await pilot.press("u")
        await settle(tui, pilot)
        panel = tui.screen
        assert isinstance(panel, Breakdown)
        body = text_of(panel, "#breakdown-box .modal-title")
        assert f"Why A1{SHOWN} is here  Ann {SHOWN}Lee" in body and plain(body), body
        assert_screen_plain(tui)


async def test_the_queue_title_names_a_stored_user_without_control_characters(
        book: tuple[Engine, int, int]) -> None:
    """The team board opens a teammate's queue: its title and filter bar name them."""
    engine, _, b1 = book
    tui = app_for(engine, "lee")
    async with tui.run_test(size=(160, 50)) as pilot:
        await settle(tui, pilot)
        await pilot.press("b")
        await settle(tui, pilot)
        board = tui.screen
        assert isinstance(board, TeamBoard)
        board.query_one(DataTable).move_cursor(row=[r.username for r in board.rows].index(ANA))
        await pilot.press("enter")
        await settle(tui, pilot)
        queue = tui.screen
        assert isinstance(queue, QueueScreen) and queue is not board
        title = text_of(queue, "#queue-title")
        assert f"assignee=ana{SHOWN}" in title and "1 of" in title, title
        assert plain(title), title
        assert plain(queue.query_one("#filter", Input).value)
        assert queue.query_one(QueueTable).current.case_id == b1
        assert_screen_plain(tui)


async def test_the_follow_up_and_task_forms_show_no_control_character(
        book: tuple[Engine, int, int]) -> None:
    engine, a1, _ = book
    tui = app_for(engine, "sam")
    async with tui.run_test(size=(120, 40)) as pilot:
        await settle(tui, pilot)
        # The follow-up form, from the queue's row.
        await to_case(tui, pilot, a1)
        await pilot.press("t")
        await settle(tui, pilot)
        editor = tui.screen
        assert isinstance(editor, TaskEditor)
        title = text_of(editor, ".modal-title")
        assert f"Follow-up for A1{SHOWN}  Ann {SHOWN}Lee" in title and plain(title), title
        assert_screen_plain(tui)
        await pilot.press(*"Send the form")
        await pilot.press("ctrl+s")
        await settle(tui, pilot)
        assert isinstance(tui.screen, QueueScreen)
        messages = [str(n.message) for n in tui._notifications]
        assert f"Follow-up added to A1{SHOWN}." in messages, messages
        assert_screen_plain(tui)
        # The case's task forms: the poisoned follow-up's title heads each.
        await pilot.press("enter")
        await settle(tui, pilot)
        case = tui.screen
        assert isinstance(case, CaseScreen)
        for key, form_type, heading in (
                ("x", CompleteTask, f"Callback: Call {SHOWN}back"),
                ("z", SnoozeTask, f"Callback: Call {SHOWN}back (due "),
                ("r", ReassignTask, f"Callback: Call {SHOWN}back (sam)")):
            await pilot.press("3")
            await settle(tui, pilot)
            case.query_one("#tasks-table", DataTable).move_cursor(
                row=[t.title for t in case.tasks].index(f"Call {CONTROLS}back"))
            await pilot.press(key)
            await settle(tui, pilot)
            form = tui.screen
            assert isinstance(form, form_type)
            title = text_of(form, ".modal-title")
            assert heading in title and plain(title), title
            if isinstance(form, ReassignTask):  # who may take it: ana's names
                people = [str(prompt) for prompt, _ in
                          form.query_one("#reassign-to", Select)._options]
                assert f"ana{SHOWN} · Ann {SHOWN}Lee" in people and all(map(plain, people))
            assert_screen_plain(tui)
            await pilot.press("escape")
            await settle(tui, pilot)
        # Editing the details: the stored co-borrower's name fills the field, filtered; a
        # reload compares the same filtered text.
        await pilot.press("i")
        await settle(tui, pilot)
        form = tui.screen
        assert isinstance(form, EditDetails)
        assert form.query_one("#edit-co_borrower_name", Input).value == f"Ann {SHOWN}Lee"
        assert form.query_one("#edit-email", Input).value == f"ann{SHOWN}@example.com"
        await pilot.press("ctrl+r")
        await settle(tui, pilot)
        reloaded = text_of(form, "#edit-current")
        assert "Your input matches the current values" in reloaded, reloaded
        assert_screen_plain(tui)


async def test_the_call_editors_message_shows_no_control_character(
        book: tuple[Engine, int, int]) -> None:
    engine, a1, _ = book
    tui = app_for(engine, "sam")
    async with tui.run_test(size=(120, 40)) as pilot:
        await settle(tui, pilot)
        await to_case(tui, pilot, a1)
        await pilot.press("c")
        await settle(tui, pilot)
        editor = tui.screen
        assert isinstance(editor, CallEditor)
        editor.query_one("#call-direction", Select).value = "inbound"
        editor.query_one("#call-party", Select).value = "borrower"
        editor.query_one("#call-result", Select).value = "right_party_contact"
        editor.query_one("#call-body", TextArea).focus()
        await pilot.press(*"Asked about the letter.")
        await pilot.press("ctrl+s")
        await settle(tui, pilot)
        assert isinstance(tui.screen, QueueScreen), str(
            editor.query_one("#call-problems", Static).content)
        messages = [str(n.message) for n in tui._notifications]
        assert f"Call logged on A1{SHOWN}." in messages, messages
        assert_screen_plain(tui)


async def test_the_workout_options_and_a_refusal_show_no_control_character(
        book: tuple[Engine, int, int]) -> None:
    engine, a1, b1 = book
    tui = app_for(engine, "sam")
    async with tui.run_test(size=(160, 50)) as pilot:
        await settle(tui, pilot)
        tui.open_evaluation(a1)
        await settle(tui, pilot)
        options = tui.screen
        assert isinstance(options, EvaluationScreen)
        title = text_of(options, "#evaluation-title")
        assert f"Workout options  A1{SHOWN} Ann {SHOWN}Lee" in title and plain(title), title
        assert_screen_plain(tui)
        await pilot.press("escape")
        await settle(tui, pilot)
        # B1 is ana's: sam is refused, and the refusal names the loan and its owner.
        tui.open_evaluation(b1)
        await settle(tui, pilot)
        title = text_of(tui.screen, "#evaluation-title")
        assert f"may not act on loan B1{SHOWN}, ana{SHOWN}'s case" in title, title
        assert plain(title), title
        assert_screen_plain(tui)
        await pilot.press("escape")
        await settle(tui, pilot)
        tui.open_case(b1)
        await settle(tui, pilot)
        case = tui.screen
        assert isinstance(case, CaseScreen)
        title = text_of(case, "#case-title")
        assert f"may not act on loan B1{SHOWN}" in title and plain(title), title
        messages = [str(n.message) for n in tui._notifications]
        assert any(f"B1{SHOWN}" in m for m in messages), messages  # the worker's failure
        assert_screen_plain(tui)


def test_import_prints_no_control_character(book: tuple[Engine, int, int],
                                            tmp_path: Path) -> None:
    engine, _, _ = book
    url = engine.url.render_as_string(hide_password=False)
    run = CliRunner().invoke
    other = tmp_path / "other.csv"
    other.write_text("loan_number,borrower_name,investor,upb,next_due_date,property_state\n"
                     "Z9,Zoe Park,FNMA,1000,2026-09-01,TX\n")
    # The loans missing from the file are listed: stored text.
    done = run(cli, ["import", str(other), "--dry-run", "--db", url, "--user", "lee",
                     "--today", TODAY.isoformat()])
    assert done.exit_code == 0, done.output
    assert f"A1{SHOWN}" in done.stdout and f"B1{SHOWN}" in done.stdout, done.stdout
    assert plain(done.stdout), done.stdout
    # A problem quotes the file: a column named with control characters.
    bad = tmp_path / "bad.csv"
    bad.write_text(f"loan_number,borrower_name,investor,upb,next_due_date,property_state,"
                   f"x{CONTROLS}\nZ9,Zoe Park,FNMA,1000,2026-09-01,TX,1\n")
    refused = run(cli, ["import", str(bad), "--db", url, "--user", "lee",
                        "--today", TODAY.isoformat()])
    assert refused.exit_code == 1
    assert "is not a known column" in refused.stderr and SHOWN.lower() in refused.stderr
    assert plain(refused.stderr), refused.stderr
    # `evaluate` prints the stored loan number too, and so does its refusal.
    shown = run(cli, ["evaluate", LOAN, "--db", url, "--user", "sam",
                      "--today", TODAY.isoformat()])
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.startswith(f"Loan A1{SHOWN} as of") and plain(shown.stdout)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE cases SET note_rate_milli = NULL"))
    cannot = run(cli, ["evaluate", LOAN, "--db", url, "--user", "sam",
                       "--today", TODAY.isoformat()])
    assert cannot.exit_code == 1
    assert f"Error: loan A1{SHOWN} has no" in cannot.stderr, cannot.stderr
    assert plain(cannot.stderr), cannot.stderr
