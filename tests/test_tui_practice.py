"""Practice mode driven as a trainee would: a lesson started in the panel is ticked off by
logging a quality right-party call on a case, the panel shows the ticks and the rules, and a
lead sees who finished which lesson."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from textual.widgets import DataTable, OptionList, Select, Static

from db.engine import make_engine
from db.migrate import ensure_current
from db.tables import practice_progress
from lossmit_tui.app import LossMitApp, make_app
from lossmit_tui.config import load_settings
from lossmit_tui.domain.qrpc import QRPC_ATTRIBUTES
from lossmit_tui.services.calls import NewCall, log_call
from lossmit_tui.services.importer import import_extract
from lossmit_tui.services.practice import check_progress, load_lessons, start_lesson
from lossmit_tui.services.users import add_user
from screens.call_editor import CallEditor
from screens.case import CaseScreen
from screens.practice import PracticeScreen
from screens.queue import QueueScreen

from .conftest import TODAY
from .pilot import settle, settle_when
from .workspace import workspace

NOON = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)  # 12:00 in Texas (Central)
QUALITY = {"hardship": "income_reduction", "duration": "permanent", "occupancy": "owner",
           "ability": "can_pay_later", "options": "explained", "commitment": "apply"}


@pytest.fixture
def store(tmp_path: Path) -> tuple[Engine, int]:
    """A lead (lee), two specialists (sam, ana) and one case (A1, sam's)."""
    engine = make_engine(str(tmp_path / "practice.db"))
    ensure_current(engine)
    setup = workspace(engine, "setup")
    add_user(setup, "lee", "Lee Lead", "lead", "North")
    add_user(setup, "sam", "Sam Specialist", "specialist", "North")
    add_user(setup, "ana", "Ana Specialist", "specialist", "North")
    path = tmp_path / "one.csv"
    path.write_text("loan_number,borrower_name,investor,upb,next_due_date,property_state,"
                    "property_zip,phone,assignee\n"
                    "A1,Ann Lee,FNMA,1000,2026-10-01,TX,75201,2145550100,sam\n")
    assert import_extract(workspace(engine, "lee"), path).ok
    with engine.connect() as conn:
        case_id = conn.execute(sa.text("SELECT id FROM cases")).scalar_one()
    return engine, case_id


def practice_app(engine: Engine, user: str) -> LossMitApp:
    return make_app(workspace(engine, user, TODAY, settings=load_settings(), clock=lambda: NOON),
                    "mine", practice=True)


async def choose(pilot, select: Select, value: str) -> None:  # type: ignore[no-untyped-def,type-arg]
    """Pick a Select option with the keyboard: open it, arrow to the option, Enter."""
    values = [v for _, v in select._options]
    current = values.index(select.value) if select.value in values else 0
    select.focus()
    await pilot.press("enter")
    step = "down" if values.index(value) > current else "up"
    await pilot.press(*[step] * abs(values.index(value) - current), "enter")
    await pilot.pause()
    assert select.value == value


def panel_text(screen: PracticeScreen) -> str:
    return "\n".join(str(s.content) for s in screen.query("#practice-detail Static"))


def ticked(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(practice_progress.c.step)
                                 .order_by(practice_progress.c.id)).scalars())


async def test_a_quality_call_ticks_the_lesson_off_in_the_practice_app(store) -> None:
    from textual.notifications import Notify

    engine, _ = store
    app = practice_app(engine, "sam")
    seen: list[object] = []  # every message: a toast may have expired before it is read
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        await settle(app, pilot)
        panel = app.screen
        assert isinstance(panel, PracticeScreen)  # practice mode opens on the panel
        assert "Not started" in panel_text(panel)
        await pilot.press("down")  # the second lesson: the quality call
        await settle(app, pilot)
        assert "Log a quality right-party call" in panel_text(panel)
        assert "[Fannie Mae Servicing Guide D2-2-01; 12 CFR 1024.39(a)]" in panel_text(panel)
        await pilot.press("s")
        await settle(app, pilot)
        assert "0 of 2 done" in panel_text(panel)

        await pilot.press("escape")  # back to work: the queue, the case, a call
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
        await pilot.press("c")
        await settle(app, pilot)
        editor = app.screen
        assert isinstance(editor, CallEditor)
        await choose(pilot, editor.query_one("#call-party", Select), "borrower")
        await choose(pilot, editor.query_one("#call-result", Select), "right_party_contact")
        for key, _, _ in QRPC_ATTRIBUTES:
            await choose(pilot, editor.query_one(f"#call-q-{key}", Select), QUALITY[key])
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen), editor.query_one("#call-problems").content
        # the app notices its own write and the panel, hidden, ticks both steps
        await settle_when(app, pilot, lambda: len(ticked(engine)) == 3, within=30)
        assert ticked(engine) == ["(started)", "rpc", "qrpc"]
        said = [str(m.notification.message) for m in seen if isinstance(m, Notify)]
        assert any("Lesson finished: Log a quality right-party call" in m for m in said)

        await pilot.press("p")  # the panel again, from the case screen
        await settle(app, pilot)
        assert app.screen is panel
        text = panel_text(panel)
        assert "Finished: every step done" in text
        assert text.count("[✓]") == 2
        lessons = panel.query_one("#practice-lessons", OptionList)
        assert "✓" in str(lessons.get_option_at_index(1).prompt)


async def test_a_lead_sees_who_finished_which_lesson(store) -> None:
    engine, case_id = store
    lessons = load_lessons()
    sam = workspace(engine, "sam", clock=lambda: NOON)
    start_lesson(sam, lessons, "qrpc", None)
    log_call(sam, case_id, NewCall("outbound", "borrower", "right_party_contact",
                                   qrpc=dict(QUALITY)))
    check_progress(sam, lessons)
    start_lesson(workspace(engine, "ana"), lessons, "documents", None)
    app = practice_app(engine, "lee")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("t")
        await settle(app, pilot)
        table = app.screen.query_one("#practice-team", DataTable)
        assert table.display
        heads = [str(c.label) for c in table.columns.values()]
        assert heads[:4] == ["Person", "Role", "Queue", "Quality call"]
        rows = {str(table.get_row_at(i)[0]): [str(c) for c in table.get_row_at(i)]
                for i in range(table.row_count)}
        assert set(rows) == {"ana", "lee", "sam"}
        assert rows["sam"][heads.index("Quality call")] == "✓"
        assert rows["sam"][-1] == "1 of 7"
        assert rows["ana"][heads.index("Documents")] == "0/3"
        assert rows["lee"][-1] == "0 of 7"


async def test_a_specialist_is_not_offered_the_team_view_nor_a_lead_lesson(store) -> None:
    from textual.notifications import Notify

    engine, _ = store
    app = practice_app(engine, "sam")
    seen: list[object] = []
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        await settle(app, pilot)
        await pilot.press("t")
        await settle(app, pilot)
        assert not app.screen.query_one("#practice-team", DataTable).display
        await pilot.press("end", "s")  # the last lesson is the lead's
        await settle(app, pilot)
        said = [str(m.notification.message) for m in seen if isinstance(m, Notify)]
        assert any("is for leads; sam is a specialist" in m for m in said)
    assert ticked(engine) == []


async def test_outside_practice_mode_p_says_where_the_lessons_are(store) -> None:
    """A lead opened on the demo data as the demo tells them (no --practice) presses p: the
    queue stays, and a notice says the lessons are in practice mode and how to start it."""
    from textual.notifications import Notify

    engine, _ = store
    app = make_app(workspace(engine, "lee", TODAY, settings=load_settings()), "mine")
    seen: list[object] = []
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        await settle(app, pilot)
        await pilot.press("p")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        assert not app.query("PracticeScreen")
        title = str(app.screen.query_one("#queue-title", Static).content)
        assert "queue" in title.lower()
        said = [str(m.notification.message) for m in seen if isinstance(m, Notify)]
        assert any("practice mode" in m and "lossmit demo --practice" in m for m in said)


def test_a_lessons_start_is_shown_in_the_users_own_time(monkeypatch) -> None:
    """Where a trainee stands says when the lesson started in their own zone, not UTC
    (16:45 UTC is 10:45 in Chicago in November)."""
    import time

    from lossmit_tui.services.practice import LessonProgress
    from screens.practice import checklist

    lesson = load_lessons()[0]
    progress = LessonProgress(lesson, start_id=1,
                              started_at=datetime(2026, 11, 29, 16, 45, tzinfo=UTC))
    monkeypatch.setenv("TZ", "America/Chicago")
    time.tzset()
    try:
        shown = " ".join(str(widget.render()) for widget in checklist(progress))
    finally:
        monkeypatch.undo()
        time.tzset()
    assert "Started 2026-11-29 10:45 CST" in shown
    assert "UTC" not in shown
