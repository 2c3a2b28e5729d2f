"""SVG snapshots of the practice panel: a lesson under way at 80x24 and 120x40, and the
lead's table of who finished which lesson."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from db.tables import cases, users
from lossmit_tui.app import make_app
from lossmit_tui.config import load_settings
from lossmit_tui.services.calls import NewCall, log_call
from lossmit_tui.services.practice import check_progress, load_lessons, start_lesson

from .conftest import TODAY
from .pilot import seeded_book, workers_done
from .workspace import workspace

NOW = datetime(2026, 11, 29, 16, 45, tzinfo=UTC)


def _book(tmp_path: Path):  # type: ignore[no-untyped-def]
    """The snapshot book, where the first specialist has started the quality-call lesson
    and done its first step (a conversation without the quality attributes)."""
    engine, specialist, lead = seeded_book(tmp_path / "snap-practice.db", 80, 7, TODAY)
    lessons = load_lessons()
    ws = workspace(engine, specialist, TODAY, clock=lambda: NOW)
    start_lesson(ws, lessons, "qrpc", None)
    with engine.connect() as conn:
        case_id = conn.execute(sa.select(cases.c.id).join(
            users, cases.c.assignee_id == users.c.id).where(
            users.c.username == specialist, cases.c.closed_at.is_(None),
            cases.c.cease_communication.is_(False), cases.c.attorney_represented.is_(False))
            .order_by(cases.c.id).limit(1)).scalar_one()
    log_call(ws, case_id, NewCall("inbound", "borrower", "right_party_contact"))
    assert [t.step.id for t in check_progress(ws, lessons)] == ["rpc"]
    return engine, specialist, lead


@pytest.fixture
def practice_app(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine, specialist, _ = _book(tmp_path)
    return make_app(workspace(engine, specialist, TODAY, settings=load_settings(),
                              clock=lambda: NOW), "mine", practice=True)


@pytest.fixture
def lead_practice_app(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine, _, lead = _book(tmp_path)
    return make_app(workspace(engine, lead, TODAY, settings=load_settings(),
                              clock=lambda: NOW), "team", practice=True)


async def _loaded(pilot) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        await pilot.pause()
        await workers_done(pilot.app)
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


@pytest.fixture
def utc_zone(monkeypatch):  # type: ignore[no-untyped-def]
    """The computer's zone pinned to UTC: the panel gives the lesson's start in local time."""
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_practice_panel(snap_compare, practice_app, size: tuple[int, int], utc_zone) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(practice_app, terminal_size=size, run_before=_loaded)


def test_practice_team_120x40(snap_compare, lead_practice_app) -> None:  # type: ignore[no-untyped-def]
    async def team(pilot) -> None:  # type: ignore[no-untyped-def]
        await _loaded(pilot)
        await pilot.press("t")
        await _loaded(pilot)
        table = pilot.app.screen.query_one("#practice-team")
        for _ in range(50):  # the team's rows in, then an idle turn sizes the columns to them
            if table.row_count:
                break
            await pilot.pause(0.05)
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(lead_practice_app, terminal_size=(120, 40), run_before=team)
