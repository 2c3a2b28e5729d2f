"""SVG snapshots: the queue and the case screen must not regress unnoticed."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.widgets import Input

from lossmit_tui.app import make_app
from lossmit_tui.config import load_settings

from .conftest import TODAY
from .pilot import seeded_book, workers_done
from .workspace import workspace


@pytest.fixture(autouse=True)
def utc_here(monkeypatch):  # type: ignore[no-untyped-def]
    """Times are shown in the computer's zone: the pictures are taken in UTC wherever they
    run."""
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def demo_app(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine, specialist, _ = seeded_book(tmp_path / "snap.db", 80, 7, TODAY)
    return make_app(workspace(engine, specialist, TODAY, settings=load_settings(),
                              clock=lambda: datetime(2026, 11, 29, 16, 45, tzinfo=UTC)),
                    "mine")


async def _loaded(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    await workers_done(pilot.app)
    # A focused input's cursor blinks every half second; held still, the picture does not
    # depend on how long the machine took to get here.
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


def test_queue_80x24(snap_compare, demo_app) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app, terminal_size=(80, 24), run_before=_loaded)


def test_queue_120x40(snap_compare, demo_app) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app, terminal_size=(120, 40), run_before=_loaded)


def test_queue_160x48(snap_compare, demo_app) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app, terminal_size=(160, 48), run_before=_loaded)


def test_case_screen_120x40(snap_compare, demo_app) -> None:  # type: ignore[no-untyped-def]
    async def open_case(pilot) -> None:  # type: ignore[no-untyped-def]
        await _loaded(pilot)
        await pilot.press("enter")
        await _loaded(pilot)

    assert snap_compare(demo_app, terminal_size=(120, 40), run_before=open_case)


def _case_then(*keys: str, view: str = "1"):  # type: ignore[no-untyped-def]
    async def run(pilot) -> None:  # type: ignore[no-untyped-def]
        await _loaded(pilot)
        await pilot.press(view)
        await _loaded(pilot)
        await pilot.press("enter")
        await _loaded(pilot)
        for key in keys:
            await pilot.press(key)
            await _loaded(pilot)
    return run


def test_case_screen_80x24(snap_compare, demo_app) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app, terminal_size=(80, 24), run_before=_case_then())


def test_edit_details_80x24(snap_compare, demo_app) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app, terminal_size=(80, 24), run_before=_case_then("i"))


@pytest.mark.parametrize("tab", ["2", "3", "4", "6"])
def test_case_tabs_120x40(snap_compare, demo_app, tab: str) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app, terminal_size=(120, 40), run_before=_case_then(tab, view="6"))


def test_call_editor_80x24(snap_compare, demo_app) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app, terminal_size=(80, 24), run_before=_case_then("c"))


def test_call_editor_120x40(snap_compare, demo_app) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app, terminal_size=(120, 40), run_before=_case_then("c"))


def test_event_form_80x24(snap_compare, demo_app) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app, terminal_size=(80, 24), run_before=_case_then("e"))


def _keys(*keys: str):  # type: ignore[no-untyped-def]
    async def run(pilot) -> None:  # type: ignore[no-untyped-def]
        await _loaded(pilot)
        for key in keys:
            await pilot.press(key)
            await _loaded(pilot)
        # A table sizes its columns to new rows on the next idle pass: let that land too.
        await pilot.wait_for_scheduled_animations()
        await _loaded(pilot)
    return run


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_tracker(snap_compare, demo_app, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app, terminal_size=size, run_before=_keys("d"))


def test_tracker_calendar_120x40(snap_compare, demo_app) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app, terminal_size=(120, 40), run_before=_keys("d", "v"))


@pytest.fixture
def lead_app(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine, _, lead = seeded_book(tmp_path / "snap-lead.db", 80, 7, TODAY)
    return make_app(workspace(engine, lead, TODAY, settings=load_settings(),
                              clock=lambda: datetime(2026, 11, 29, 16, 45, tzinfo=UTC)),
                    "team")


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_team_board(snap_compare, lead_app, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(lead_app, terminal_size=size, run_before=_keys("b"))


def test_reassign_form_120x40(snap_compare, lead_app) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(lead_app, terminal_size=(120, 40), run_before=_keys("R"))


def test_workout_options_120x40(snap_compare, demo_app) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app, terminal_size=(120, 40), run_before=_case_then("w"))


def test_financial_snapshot_form_80x24(snap_compare, demo_app) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app, terminal_size=(80, 24), run_before=_case_then("f"))


@pytest.fixture
def trial_app(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Loan A1 in a trial of three $1,117.71 payments from Oct 1: the first paid on Oct 3,
    the second in its grace (to Nov 30), the third due Dec 1."""
    from datetime import date

    from db.engine import make_engine
    from db.migrate import ensure_current
    from lossmit_tui.services.cases import NewEvent, record_event
    from lossmit_tui.services.importer import import_extract
    from lossmit_tui.services.users import add_user

    engine = make_engine(str(tmp_path / "trial.db"))
    ensure_current(engine)
    add_user(workspace(engine, "setup"), "sam", "Sam Specialist", "specialist", "North")
    path = tmp_path / "one.csv"
    path.write_text("loan_number,borrower_name,investor,upb,next_due_date,property_state,"
                    "property_zip,assignee\nA1,Ann Lee,FNMA,1000,2026-12-01,TX,75201,sam\n")
    assert import_extract(workspace(engine, "sam"), path).ok
    ws = workspace(engine, "sam")
    record_event(ws, 1, NewEvent("trial_started", date(2026, 9, 20), "from the agreement",
                                 amount_cents=111_771, payments=3, first_due=date(2026, 10, 1)))
    record_event(ws, 1, NewEvent("trial_payment", date(2026, 10, 3), "from the lockbox",
                                 amount_cents=111_771))
    return make_app(workspace(engine, "sam", TODAY, settings=load_settings(),
                              clock=lambda: datetime(2026, 11, 29, 16, 45, tzinfo=UTC)),
                    "mine")


def test_case_trial_section_120x40(snap_compare, trial_app) -> None:  # type: ignore[no-untyped-def]
    """The trial section: each payment's due date, amount and state, and the next step."""
    assert snap_compare(trial_app, terminal_size=(120, 40), run_before=_case_then())


@pytest.fixture
def complaint_app(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Loan A1, paid up, with a notice of error about a fee received Monday Nov 23 and
    acknowledged the next day, and a phone complaint today."""
    from datetime import date

    from db.engine import make_engine
    from db.migrate import ensure_current
    from lossmit_tui.services.complaints import NewComplaint, Step, add_complaint, record_step
    from lossmit_tui.services.importer import import_extract
    from lossmit_tui.services.users import add_user

    engine = make_engine(str(tmp_path / "complaint.db"))
    ensure_current(engine)
    add_user(workspace(engine, "setup"), "sam", "Sam Specialist", "specialist", "North")
    path = tmp_path / "one.csv"
    path.write_text("loan_number,borrower_name,investor,upb,next_due_date,property_state,"
                    "property_zip,assignee\nA1,Ann Lee,FNMA,1000,2026-12-01,TX,75201,sam\n")
    assert import_extract(workspace(engine, "sam"), path).ok
    ws = workspace(engine, "sam")
    add_complaint(ws, 1, NewComplaint(date(2026, 11, 23), "mail", "notice_of_error",
                                      "The $35 [b]inspection fee[/b] is wrong.", "b5"))
    record_step(ws, 1, 1, Step("acknowledgment", date(2026, 11, 24)))
    add_complaint(ws, 1, NewComplaint(TODAY, "phone", "general_complaint",
                                      "Nobody called me back."))
    return make_app(workspace(engine, "sam", TODAY, settings=load_settings(),
                              clock=lambda: datetime(2026, 11, 29, 16, 45, tzinfo=UTC)),
                    "mine")


def test_case_complaint_section_120x40(snap_compare, complaint_app) -> None:  # type: ignore[no-untyped-def]
    """The complaint section: each complaint, the borrower's words, each clock's state."""
    async def scrolled(pilot) -> None:  # type: ignore[no-untyped-def]
        await _case_then()(pilot)
        pilot.app.screen.query_one("#case-body").scroll_end(animate=False)
        await _loaded(pilot)

    assert snap_compare(complaint_app, terminal_size=(120, 40), run_before=scrolled)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_reports_scorecard(snap_compare, lead_app, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    # The lead's scorecard for October 2026 with the first figure's 13-month trend chart.
    assert snap_compare(lead_app, terminal_size=size, run_before=_keys("r"))


@pytest.fixture
def complaints_lead_app(tmp_path: Path):  # type: ignore[no-untyped-def]
    """The lead's book with the complaints of tests/complaint_book.py on three team cases."""
    from .complaint_book import add_to_team_cases

    engine, _, lead = seeded_book(tmp_path / "snap-complaints.db", 80, 7, TODAY)
    add_to_team_cases(engine, lead)
    return make_app(workspace(engine, lead, TODAY, settings=load_settings(),
                              clock=lambda: datetime(2026, 11, 29, 16, 45, tzinfo=UTC)),
                    "team")


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_reports_complaints(snap_compare, complaints_lead_app, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    # The lead's complaints report for October 2026: received by type, on time per duty,
    # errors found, remediation ($125.00), the top root causes; the first figure's trend.
    assert snap_compare(complaints_lead_app, terminal_size=size, run_before=_keys("r", "c"))

