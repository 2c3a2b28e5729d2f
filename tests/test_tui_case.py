"""The case screen and the call editor driven from the keyboard, against a real store."""

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from textual.widgets import Input, Select

from db.engine import make_engine
from db.migrate import ensure_current
from lossmit_tui.app import LossMitApp, make_app
from lossmit_tui.config import load_settings
from lossmit_tui.services.calls import NewCall, load_draft, log_call
from lossmit_tui.services.cases import update_case
from lossmit_tui.services.importer import import_extract
from lossmit_tui.services.users import add_user
from screens.call_editor import CallEditor
from screens.case import CaseScreen, DocumentsTable, TasksTable, TimelineList
from screens.forms import EditDetails, EventForm, ServiceForm

from .conftest import TODAY
from .pilot import settle, settle_when
from .workspace import workspace

NOON = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)  # 12:00 in Texas (Central)


@pytest.fixture
def store(tmp_path: Path) -> tuple[Engine, int]:
    """One paid-up case (A1, assigned to sam: no regulatory clocks running yet), and a
    colleague (ana)."""
    engine = make_engine(str(tmp_path / "case.db"))
    ensure_current(engine)
    setup = workspace(engine, "setup")
    add_user(setup, "lee", "Lee Lead", "lead", "North")
    add_user(setup, "sam", "Sam Specialist", "specialist", "North")
    add_user(setup, "ana", "Ana Specialist", "specialist", "North")
    path = tmp_path / "one.csv"
    path.write_text("loan_number,borrower_name,investor,upb,next_due_date,property_state,"
                    "property_zip,phone,assignee\n"
                    "A1,Ann Lee,FNMA,1000,2026-12-01,TX,75201,2145550100,sam\n")
    assert import_extract(workspace(engine, "lee"), path).ok
    with engine.connect() as conn:
        case_id = conn.execute(sa.text("SELECT id FROM cases")).scalar_one()
    return engine, case_id


def app_for(engine: Engine) -> LossMitApp:
    return make_app(workspace(engine, "sam", TODAY, settings=load_settings(), clock=lambda: NOON),
                    "mine")


async def open_case(app: LossMitApp, pilot) -> CaseScreen:  # type: ignore[no-untyped-def]
    await settle(app, pilot)
    await pilot.press("enter")
    await settle(app, pilot)
    assert isinstance(app.screen, CaseScreen)
    return app.screen


async def choose(pilot, select: Select, value: str) -> None:  # type: ignore[no-untyped-def,type-arg]
    """Pick a Select option with the keyboard: open it, arrow to the option, Enter."""
    values = [v for _, v in select._options]  # the blank row included
    current = values.index(select.value) if select.value in values else 0
    select.focus()
    await pilot.press("enter")
    step = "down" if values.index(value) > current else "up"
    await pilot.press(*[step] * abs(values.index(value) - current), "enter")
    await pilot.pause()
    assert select.value == value


def rows(engine: Engine, sql: str, **params: object) -> list[sa.Row]:  # type: ignore[type-arg]
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).all()


def form_error(app: LossMitApp) -> str:
    return str(app.screen.query_one(".form-error").content)


CALLS = [  # direction, party, result, outcomes to tick (by position), body
    ("outbound", "borrower", "right_party_contact", (0, 1), "Discussed hardship and options."),
    ("outbound", "none", "no_answer", (), "Rang out."),
    ("outbound", "none", "voicemail_left", (), "Left a message asking for a call back."),
    ("outbound", "none", "wrong_number", (), "Number belongs to someone else."),
    ("outbound", "none", "busy", (), ""),
    ("outbound", "none", "disconnected", (), "Line disconnected."),
    ("inbound", "co_borrower", "right_party_contact", (2,), "Co-borrower asked for a package."),
    ("inbound", "authorized_third_party", "right_party_contact", (6,), "Daughter escalated."),
    ("outbound", "attorney", "right_party_contact", (5,), "Attorney disputes the arrears."),
    ("inbound", "housing_counselor", "right_party_contact", (1,), "Counselor on the line."),
]


# Every call of CALLS, two to a session: each session still logs a second call after a first
# is saved (the editor opened again from the case screen), and the five sessions run apart.
CALL_PAIRS = [CALLS[n:n + 2] for n in range(0, len(CALLS), 2)]


@pytest.mark.parametrize("calls", CALL_PAIRS,
                         ids=[f"{a[1]}-{a[2]}+{b[1]}-{b[2]}" for a, b in CALL_PAIRS])
async def test_log_every_kind_of_call_with_the_keyboard_alone(store, calls) -> None:
    """Every kind of call in CALLS (two to a session, logged one after another): each opens
    the editor from the case screen, is filled in from the keyboard alone and is stored as
    typed."""
    import json

    from textual.widgets import SelectionList

    from lossmit_tui.domain.enums import Outcome

    engine, _ = store
    app = app_for(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(app, pilot)
        for logged, (direction, party, result, ticks, body) in enumerate(calls, start=1):
            case = f"call {logged}: {direction} {party} {result} ticks={ticks} {body!r}"
            await pilot.press("c")
            await settle(app, pilot)
            editor = app.screen
            assert isinstance(editor, CallEditor), case
            await choose(pilot, editor.query_one("#call-direction", Select), direction)
            await choose(pilot, editor.query_one("#call-party", Select), party)
            await choose(pilot, editor.query_one("#call-result", Select), result)
            outcomes = editor.query_one("#call-outcomes", SelectionList)
            await pilot.press("tab")
            assert app.focused is outcomes, case
            position = 0
            for tick in ticks:
                await pilot.press(*["down"] * (tick - position), "space")
                position = tick
            await pilot.press("tab", "tab", "tab")  # promise amount, promise date, the note
            await pilot.press(*body)
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert isinstance(app.screen, CaseScreen), (
                f"{case}: {editor.query_one('#call-problems').content}")
            notes = rows(engine, "SELECT direction, party, result, outcome_codes, body "
                                 "FROM call_notes ORDER BY id")
            assert len(notes) == logged, case
            note = notes[-1]
            expected_outcomes = [list(Outcome)[t].value for t in ticks]
            assert (note.direction, note.party, note.result, note.body) == (
                direction, party, result, body), case
            assert sorted(json.loads(note.outcome_codes)) == sorted(expected_outcomes), case


async def test_amend_a_note_from_the_timeline(store) -> None:
    """Amending shows the note as recorded and starts from its values; no calling rule is
    warned (it is not a call), and the saved amendment moves no contact field."""
    from textual.widgets import TextArea

    engine, case_id = store
    log_call(workspace(engine, "sam", TODAY, clock=lambda: NOON), case_id,
             NewCall("outbound", "borrower", "right_party_contact", body="Spoke at 9.",
                     number="work", qrpc={"hardship": "unemployment"}))
    before = rows(engine, "SELECT last_contact_at, last_rpc_at FROM cases")
    app = app_for(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_case(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        timeline = screen.query_one(TimelineList)
        assert app.focused is timeline
        calls = [n for n, item in enumerate(timeline.children) if item.name == "call"]
        timeline.index = calls[0]
        await pilot.press("m")
        await settle(app, pilot)
        editor = app.screen
        assert isinstance(editor, CallEditor) and editor.amends_id is not None
        assert str(editor.query_one("#call-title").content).startswith("Amend note #")
        original = str(editor.query_one("#call-original").content)
        assert "as recorded" in original and "Spoke at 9." in original
        assert "work number" in original and "unemployment" in original.lower()
        # the form starts from the note, not from a blank call
        assert editor.query_one("#call-result", Select).value == "right_party_contact"
        assert editor.query_one("#call-party", Select).value == "borrower"
        assert editor.query_one("#call-number", Select).value == "work"
        assert editor.query_one("#call-q-hardship", Select).value == "unemployment"
        body = editor.query_one("#call-body", TextArea)
        assert body.text == "Spoke at 9."
        contact = str(editor.query_one("#call-contact").content)
        assert "not a call" in contact and "⚠" not in contact and "attempt" not in contact
        assert not editor.query_one("#call-follow-up").display
        body.text = ""
        body.focus()
        await pilot.press(*"Correction: spoke at 10.")
        await choose(pilot, editor.query_one("#call-q-duration", Select), "temporary")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen), editor.query_one("#call-problems").content
        texts = [str(item.query_one("Static").content) for item in timeline.children]
    notes = rows(engine, "SELECT id, amends_id, body, called_at, result, number_kind, qrpc "
                         "FROM call_notes ORDER BY id")
    assert [n.body for n in notes] == ["Spoke at 9.", "Correction: spoke at 10."]
    assert notes[1].amends_id == notes[0].id
    assert notes[1].called_at == notes[0].called_at  # the call's own time, not the amend's
    assert (notes[1].result, notes[1].number_kind) == ("right_party_contact", "work")
    assert rows(engine, "SELECT last_contact_at, last_rpc_at FROM cases") == before
    assert any(f"amends note #{notes[0].id}" in t for t in texts)
    assert any("Spoke at 9." in t for t in texts)  # the original is still there


async def test_every_tab_has_a_key(store) -> None:
    engine, _ = store
    app = app_for(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_case(app, pilot)
        from textual.widgets import TabbedContent
        for key, name in zip("123456", ("summary", "timeline", "tasks", "documents",
                                        "financials", "audit"), strict=True):
            await pilot.press(key)
            await pilot.pause()
            assert screen.query_one(TabbedContent).active == name
        assert "No financial snapshot" in str(screen.query_one("#financials-list Static")
                                              .content)


async def test_task_actions_from_the_tasks_tab(store) -> None:
    engine, _ = store
    app = app_for(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_case(app, pilot)
        await pilot.press("t")  # a follow-up to act on
        await settle(app, pilot)
        await pilot.press(*"Call about stubs")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        await pilot.press("3")
        await settle(app, pilot)
        assert app.focused is screen.query_one(TasksTable)
        await pilot.press("z")
        await settle(app, pilot)
        assert isinstance(app.screen, ServiceForm)
        app.screen.query_one("#snooze-due", Input).value = "+7d"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen), form_error(app)
        assert rows(engine, "SELECT due_on FROM tasks")[0].due_on == "2026-12-06"

        await pilot.press("r")
        await settle(app, pilot)
        await choose(pilot, app.screen.query_one("#reassign-to", Select), "ana")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        await pilot.press("x")
        await settle(app, pilot)
        await pilot.press(*"Left a voicemail")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
        await pilot.press("x")  # already done: nothing opens
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
    task = rows(engine, "SELECT t.status, t.completion_note, u.username FROM tasks t "
                        "JOIN users u ON u.id = t.assignee_id")[0]
    assert tuple(task) == ("done", "Left a voicemail", "ana")
    actions = [r.action for r in rows(engine, "SELECT action FROM audit_events WHERE "
                                              "entity = 'task' ORDER BY id")]
    assert actions == ["create", "snooze", "reassign", "complete"]


async def test_events_back_dating_and_the_regulatory_deadline_they_start(store) -> None:
    engine, _ = store
    app = app_for(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_case(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, EventForm)
        form.query_one("#event-on", Input).value = "2026-11-24"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "needs a reason" in form_error(app)  # refused, input kept
        assert form.query_one("#event-on", Input).value == "2026-11-24"
        form.query_one("#event-reason", Input).focus()
        await pilot.press(*"Found in the mailroom")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
        assert "application" in str(screen.query_one("#case-title").content)
        await pilot.press("3")
        await settle(app, pilot)
        # The acknowledgment deadline is met only by its event: refused from the tasks tab.
        await pilot.press("z")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
    deadline = rows(engine, "SELECT due_on, source, status FROM tasks")
    assert [tuple(r) for r in deadline] == [("2026-12-02", "1024.41(b)(2)(i)(B)", "open")]
    event = rows(engine, "SELECT kind, occurred_on, reason FROM case_events")
    assert [tuple(r) for r in event] == [("application_received", "2026-11-24",
                                          "Found in the mailroom")]


async def test_documents_tab_requests_receives_and_refuses_a_re_request(store) -> None:
    engine, _ = store
    app = app_for(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_case(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        assert app.focused is screen.query_one(DocumentsTable)
        await pilot.press("n")
        await settle(app, pilot)
        await choose(pilot, app.screen.query_one("#doc-type", Select), "pay_stubs")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        await pilot.press("v")
        await settle(app, pilot)
        app.screen.query_one("#doc-dated", Input).value = "2026-11-20"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        await choose(pilot, app.screen.query_one("#doc-type", Select), "pay_stubs")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "a document already received is not requested again" in form_error(app)
        await pilot.press("escape")
        await settle(app, pilot)
        table = screen.query_one(DocumentsTable)
        assert [str(c) for c in table.get_row_at(0)][:2] == ["pay stubs", "accepted"]
    docs = rows(engine, "SELECT doc_type, status, document_date FROM documents")
    assert [tuple(r) for r in docs] == [("pay_stubs", "accepted", "2026-11-20")]


async def test_an_edit_refused_by_a_change_elsewhere_keeps_the_input(store) -> None:
    engine, case_id = store
    app = app_for(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(app, pilot)
        await pilot.press("i")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, EditDetails)
        form.query_one("#edit-email", Input).value = "ann@example.com"
        # Meanwhile lee (sam's lead) changes the case in his own session.
        other = make_engine(str(engine.url.database))
        with other.connect() as conn:
            version = conn.execute(sa.text("SELECT version FROM cases")).scalar_one()
        update_case(workspace(other, "lee"), case_id, version, {"co_borrower_name": "Bo Lee"})
        other.dispose()
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, EditDetails)
        error = form_error(app)
        assert "lee changed this case at" in error and "ctrl+r reloads" in error
        assert form.query_one("#edit-email", Input).value == "ann@example.com"
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert "co borrower name: now Bo Lee" in str(form.query_one("#edit-current").content)
        form.query_one("#edit-co_borrower_name", Input).value = "Bo Lee"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
    case = rows(engine, "SELECT email, co_borrower_name FROM cases")[0]
    assert tuple(case) == ("ann@example.com", "Bo Lee")


async def test_the_case_screen_rereads_only_for_writes_that_touch_its_case(
        store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A colleague's call on another loan is checked (one small query) and not read again;
    an edit of this case is read again and shown."""
    engine, case_id = store
    other = tmp_path / "other.csv"
    other.write_text("loan_number,borrower_name,investor,upb,next_due_date,property_state,"
                     "assignee\nA2,Al Roe,FNMA,1000,2026-12-01,TX,ana\n")
    assert import_extract(workspace(engine, "lee"), other).ok
    with engine.connect() as conn:
        other_id = conn.execute(sa.text("SELECT id FROM cases WHERE loan_number = 'A2'")
                                ).scalar_one()
    import db.queries
    import screens.case

    reads: list[int] = []
    checks: list[bool] = []
    real_detail, real_check = screens.case.case_detail, db.queries.writes_touch_case

    def counted_detail(session, wanted):  # type: ignore[no-untyped-def]
        reads.append(wanted)
        return real_detail(session, wanted)

    def counted_check(*args):  # type: ignore[no-untyped-def]
        checks.append(real_check(*args))
        return checks[-1]

    monkeypatch.setattr(screens.case, "case_detail", counted_detail)
    monkeypatch.setattr(db.queries, "writes_touch_case", counted_check)
    app = app_for(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_case(app, pilot)
        await settle_when(app, pilot, lambda: screen.loaded_change > 0, within=5)
        before = len(reads)
        writer = make_engine(str(engine.url.database))
        log_call(workspace(writer, "lee", clock=lambda: NOON), other_id,
                 NewCall("outbound", "borrower", "no_answer"))
        await settle_when(app, pilot, lambda: bool(checks), within=5)
        assert checks == [False] and len(reads) == before
        with writer.connect() as conn:
            version = conn.execute(sa.text("SELECT version FROM cases WHERE id = :i"),
                                   {"i": case_id}).scalar_one()
        update_case(workspace(writer, "lee"), case_id, version, {"co_borrower_name": "Bo Lee"})
        writer.dispose()
        await settle_when(app, pilot, lambda: len(reads) > before, within=5)
        assert checks[-1] is True and len(reads) == before + 1
        assert screen.case is not None and screen.case.co_borrower_name == "Bo Lee"


async def test_another_specialists_case_is_refused_on_screen(store) -> None:
    """Opening a case by id (a bookmark, a stale queue) is the same read as any other: ana
    may not see sam's case, is told why, and the attempt is audited."""
    from textual.widgets import Static

    engine, case_id = store
    app = make_app(workspace(engine, "ana", TODAY, settings=load_settings(),
                             clock=lambda: NOON), "mine")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.open_case(case_id)
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, CaseScreen) and screen.case is None
        title = str(screen.query_one("#case-title", Static).content)
        assert "Opening a case is refused: ana may not act on loan A1, sam's case" in title
        assert "Ann Lee" not in title and "Press Escape to go back" in title
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, CaseScreen)
    assert [r.username for r in rows(engine, "SELECT username FROM audit_events "
                                             "WHERE action = 'refused'")] == ["ana"]


_KILLED = """
import asyncio, sys
from datetime import date
from db.engine import make_engine
from lossmit_tui.app import make_app
from lossmit_tui.config import load_settings
from lossmit_tui.services.workspace import open_workspace

async def main():
    app = make_app(open_workspace(make_engine(sys.argv[1]), load_settings(), "sam",
                                  date(2026, 11, 29)))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(); await app.workers.wait_for_complete(); await pilot.pause()
        await pilot.press("c")
        await pilot.pause(); await app.workers.wait_for_complete(); await pilot.pause()
        app.screen.query_one("#call-body").focus()
        await pilot.press(*"Borrower lost her job in October")
        print("typed", flush=True)
        await asyncio.sleep(3600)  # killed long before this

asyncio.run(main())
"""


async def test_a_draft_survives_killing_the_app(store, tmp_path: Path) -> None:
    from screens.call_editor import AUTOSAVE_SECONDS, Confirm

    engine, case_id = store
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    child = subprocess.Popen([sys.executable, "-c", _KILLED, str(engine.url.database)],
                             stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "typed"
        deadline = time.monotonic() + 20 * AUTOSAVE_SECONDS
        while time.monotonic() < deadline:  # wait for the autosave, then kill hard
            draft = load_draft(workspace(engine, "sam"), case_id)
            if draft is not None and draft.body == "Borrower lost her job in October":
                break
            time.sleep(0.2)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL
    app = app_for(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await settle(app, pilot)
        from textual.widgets import TextArea
        assert app.screen.query_one("#call-body", TextArea).text == (
            "Borrower lost her job in October")


def test_the_clock_section_shows_the_first_missed_window_and_counts_the_later_ones() -> None:
    from lossmit_tui.domain.calendar import BusinessCalendar
    from lossmit_tui.domain.regclock import CaseFacts, regulatory_clocks
    from screens.case import _clock_lines

    june = date(2026, 6, 20)  # Jan 1 unpaid, never reached: five windows missed by June
    text = "\n".join(f"{cite:<20}{body}" for cite, body in _clock_lines(
        regulatory_clocks(CaseFacts(date(2026, 1, 1)), june, BusinessCalendar()), june))
    lines = text.splitlines()
    assert sum(line.startswith("1024.39(a)") and "missed" in line for line in lines) == 1
    assert "+4 later windows missed: 2026-02-01 … 2026-05-01" in text
    assert "2026-07-07  pending (in 17d)  Live contact (day 36)" in text  # June's, still open


def start_trial(engine: Engine, case_id: int) -> None:
    """A1's trial: three payments of $1,117.71 from Nov 1 (started Oct 15): on Nov 29 the
    first is in its grace (to Nov 30), the other two are still to come."""
    from lossmit_tui.services.cases import NewEvent, record_event

    record_event(workspace(engine, "sam"), case_id, NewEvent(
        "trial_started", date(2026, 10, 15), "entered from the trial agreement",
        amount_cents=111_771, payments=3, first_due=date(2026, 11, 1)))


def trial_text(screen: CaseScreen) -> str:
    return str(screen.query_one("#case-trial").content)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_trial_section_follows_a_payment_recorded_on_the_case_screen(
        store, size: tuple[int, int]) -> None:
    """docs/RULES.md section 6, trial period plans: the case shows each scheduled payment and
    the next step; a short payment is refused with the input kept, the full one is applied
    to the payment in grace."""
    engine, case_id = store
    start_trial(engine, case_id)
    app = app_for(engine)
    async with app.run_test(size=size) as pilot:
        screen = await open_case(app, pilot)
        text = trial_text(screen)
        assert "3 payments of $1,117.71" in text
        assert "due 2026-11-01" in text and "in grace until 2026-11-30" in text
        assert "Next  payment 1 in grace until 2026-11-30" in text
        assert screen.query_one("#case-trial").region.height > 0  # on screen, first
        await pilot.press("e")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, EventForm)
        assert not form.query_one("#event-amount_cents-row").display
        await choose(pilot, form.query_one("#event-kind", Select), "trial_payment")
        assert form.query_one("#event-amount_cents-row").display
        assert form.query_one("#event-payment-row").display
        assert not form.query_one("#event-first_due-row").display
        form.query_one("#event-amount_cents", Input).value = "1000"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "short of payment 1's $1,117.71 by $117.71" in form_error(app)
        assert form.query_one("#event-amount_cents", Input).value == "1000"
        form.query_one("#event-amount_cents", Input).value = "1,117.71"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
        text = trial_text(screen)
        assert "paid 2026-11-29" in text
        assert "Next  payment 2 due 2026-12-01" in text
    paid = rows(engine, "SELECT payload FROM case_events WHERE kind = 'trial_payment'")
    assert [r.payload for r in paid] == [
        '{"amount_cents": 111771, "payment": 1, "trial_started": "2026-10-15"}']


async def test_a_sale_scheduled_while_barred_shows_the_hold_on_the_case(tmp_path: Path
                                                                        ) -> None:
    """The event form asks for a sale date only for a sale; a sale set on a case whose
    complete application bars it shows, in the Foreclosure section, the sale barred with its
    rule and what counsel must hold, and raises the instruction to counsel as a deadline."""
    from lossmit_tui.services.cases import NewEvent, record_event

    engine = make_engine(str(tmp_path / "fc.db"))
    ensure_current(engine)
    add_user(workspace(engine, "setup"), "sam", "Sam Specialist", "specialist", "North")
    path = tmp_path / "one.csv"
    path.write_text("loan_number,borrower_name,investor,upb,next_due_date,property_state,"
                    "property_zip,assignee\nA1,Ann Lee,FNMA,1000,2026-05-01,TX,75201,sam\n")
    assert import_extract(workspace(engine, "sam"), path).ok
    case_id = rows(engine, "SELECT id FROM cases")[0][0]
    for kind in ("fc_referral", "fc_first_filing", "application_complete"):
        record_event(workspace(engine, "sam"), case_id, NewEvent(kind, TODAY))
    app = app_for(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_case(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, EventForm)
        sale_date = form.query_one("#event-sale-date", Input)
        assert not sale_date.display  # an application event has no sale date
        await choose(pilot, form.query_one("#event-kind", Select), "sale_scheduled")
        assert sale_date.display and not form.query_one("#event-firm", Input).display
        sale_date.value = "2027-13-01"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "'2027-13-01' is not a date" in form_error(app)  # refused, input kept
        sale_date.value = "2027-01-29"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
        section = str(screen.query_one("#case-foreclosure").content)
        assert "Judgment or sale        barred" in section
        assert "awaiting a decision [1024.41(g)]" in section
        assert "Counsel must hold: postpone the sale of 2027-01-29: " in section
    assert [tuple(r) for r in rows(engine, "SELECT source, due_on, status FROM tasks "
                                           "WHERE source = '1024.41(g)'")] == [
        ("1024.41(g)", TODAY.isoformat(), "open")]
async def test_quality_contact_fields_in_the_call_editor(store) -> None:
    """The six QRPC attributes are picked from the keyboard on a right-party call and make
    the call a QRPC on the timeline; on any other call they are refused, saying why."""
    from lossmit_tui.domain.qrpc import QRPC_ATTRIBUTES

    engine, _ = store
    app = app_for(engine)
    chosen = {"hardship": "income_reduction", "duration": "permanent",
              "occupancy": "second_home", "ability": "cannot_pay", "options": "explained",
              "commitment": "sell"}
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_case(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        editor = app.screen
        assert isinstance(editor, CallEditor)
        await choose(pilot, editor.query_one("#call-q-hardship", Select), "divorce")
        await pilot.press("ctrl+s")  # still "no answer": refused, nothing lost
        await settle(app, pilot)
        assert app.screen is editor
        assert "can only be recorded on a right-party contact" in str(
            editor.query_one("#call-problems").content)
        await choose(pilot, editor.query_one("#call-party", Select), "borrower")
        await choose(pilot, editor.query_one("#call-result", Select), "right_party_contact")
        for key, _, _ in QRPC_ATTRIBUTES:
            await choose(pilot, editor.query_one(f"#call-q-{key}", Select), chosen[key])
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen), editor.query_one("#call-problems").content
        await pilot.press("2")
        await settle(app, pilot)
        texts = [str(item.query_one("Static").content)
                 for item in screen.query_one(TimelineList).children]
    (note,) = rows(engine, "SELECT qrpc, qrpc_complete FROM call_notes")
    assert note.qrpc_complete
    assert any(" QRPC · outbound call" in t and "QRPC: income reduction · permanent" in t
               for t in texts)


async def test_the_massachusetts_limit_is_warned_before_the_third_call(store) -> None:
    """Two calls to a Massachusetts borrower's personal number this week: the editor warns
    before a third, naming 940 CMR 7.04(1)(f); a call to the work number is not warned."""
    engine, case_id = store
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE cases SET property_state = 'MA', property_zip = '02108', "
                             "property_tz = 'America/New_York'"))
    for hours_ago in (30, 50):
        log_call(workspace(engine, "sam", TODAY,
                           clock=lambda h=hours_ago: NOON - timedelta(hours=h)),
                 case_id, NewCall("outbound", "none", "voicemail_left"))
    app = app_for(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        editor = app.screen
        assert isinstance(editor, CallEditor)
        contact = str(editor.query_one("#call-contact").content)
        assert ("This would be call 3 to the borrower's personal number in 7 days: "
                "Massachusetts 940 CMR 7.04(1)(f) allows at most 2") in contact
        await choose(pilot, editor.query_one("#call-number", Select), "work")
        assert "940 CMR" not in str(editor.query_one("#call-contact").content)


async def test_a_short_term_option_and_a_receipt_from_the_event_form(store) -> None:
    """The event form shows a short-term option's fields only for that kind and refuses one
    too long to be short-term, keeping the input; an application received "today" is dated
    on the servicer's calendar day (docs/RULES.md section 4, dating), not the user's."""
    engine, _ = store
    late = datetime(2026, 11, 30, 5, 30, tzinfo=UTC)  # 00:30 on Nov 30 in New York
    app = make_app(workspace(engine, "sam", TODAY, settings=load_settings(),
                             clock=lambda: late), "mine")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_case(app, pilot)
        for kind, fill in (("application_received", None), ("short_term_offered", "9"),
                           ("short_term_offered", "3")):
            if fill != "3":
                await pilot.press("e")
                await settle(app, pilot)
            form = app.screen
            assert isinstance(form, EventForm)
            months = form.query_one("#event-months", Input)
            await choose(pilot, form.query_one("#event-kind", Select), kind)
            row = form.query_one("Horizontal.event-short_term_offered")
            assert row.display is (kind == "short_term_offered")
            if fill is not None:
                await choose(pilot, form.query_one("#event-option", Select), "forbearance")
                months.value = fill
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            if fill == "9":
                assert "runs 1 to 6 months" in form_error(app)
                assert app.screen is form and months.value == "9"
            else:
                assert isinstance(app.screen, CaseScreen), form_error(app)
    found = rows(engine, "SELECT kind, occurred_on, payload FROM case_events ORDER BY id")
    assert [(r.kind, r.occurred_on) for r in found] == [
        ("application_received", "2026-11-30"), ("short_term_offered", "2026-11-29")]
    assert '"option": "forbearance"' in found[1].payload and '"months": 3' in found[1].payload
