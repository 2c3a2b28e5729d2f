"""The due-date tracker's buckets on days that fill every one of them: Missed / overdue (due
before today, never today), Today, Tomorrow, This week (to Sunday) and Later, with tasks at
known due dates and every expected figure written out by hand.

The book: loan A1 (paid ahead to 2027-06-01, so no regulatory deadlines) with these tasks,
sam's unless noted:

    2026-11-20 Fri   open
    2026-11-30 Mon   done (never counted)
    2026-12-01 Tue   open
    2026-12-02 Wed   open, open, and one of ana's
    2026-12-03 Thu   open
    2026-12-04 Fri   open
    2026-12-06 Sun   open
    2026-12-07 Mon   open
    2027-01-15 Fri   open
"""

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.engine import read_scope
from db.models import Case, Task, User
from db.queries import Due, bucket_ranges, open_tasks, tracker_counts, tracker_items
from lossmit_tui.queue_rows import task_bucket

D = date
WED, SAT, SUN, MON = D(2026, 12, 2), D(2026, 12, 5), D(2026, 12, 6), D(2026, 11, 30)
SAM_OPEN = [D(2026, 11, 20), D(2026, 12, 1), D(2026, 12, 2), D(2026, 12, 2), D(2026, 12, 3),
            D(2026, 12, 4), D(2026, 12, 6), D(2026, 12, 7), D(2027, 1, 15)]


def user_id(engine: Engine, name: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(User.__table__.c.id).where(
            User.__table__.c.username == name)).scalar_one())


@pytest.fixture
def book(current_case) -> tuple[Engine, int, int]:
    """The store with the tasks above: (engine, sam's id, ana's id)."""
    engine, case_id = current_case
    sam, ana = user_id(engine, "sam"), user_id(engine, "ana")
    now = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    rows = [{"due_on": due, "assignee_id": sam, "status": "open"} for due in SAM_OPEN]
    rows += [{"due_on": D(2026, 11, 30), "assignee_id": sam, "status": "done"},
             {"due_on": WED, "assignee_id": ana, "status": "open"}]
    with engine.begin() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(Task.__table__)
                            ).scalar() == 0  # the paid-up loan has no deadlines
        # Paid ahead, so that no regulatory clock starts on any of the days below (the app
        # syncs the user's clocks when it opens).
        conn.execute(Case.__table__.update().where(Case.__table__.c.id == case_id)
                     .values(next_due_date=D(2027, 6, 1)))
        conn.execute(Task.__table__.insert(), [
            {"case_id": case_id, "kind": "callback", "title": f"call back ({r['due_on']})",
             "source": "manual", "created_at": now, **r} for r in rows])
    return engine, sam, ana


def test_bucket_ranges_on_a_wednesday_a_saturday_and_a_sunday() -> None:
    assert bucket_ranges(WED) == {
        "overdue": (None, D(2026, 12, 1)), "today": (WED, WED),
        "tomorrow": (D(2026, 12, 3), D(2026, 12, 3)),
        "this_week": (D(2026, 12, 4), D(2026, 12, 6)), "later": (D(2026, 12, 7), None)}
    assert bucket_ranges(SAT)["overdue"] == (None, D(2026, 12, 4))
    assert bucket_ranges(SAT)["later"] == (D(2026, 12, 7), None)
    assert bucket_ranges(SUN)["overdue"] == (None, D(2026, 12, 5))
    assert bucket_ranges(SUN)["later"] == (D(2026, 12, 8), None)


def test_task_bucket_never_calls_today_overdue() -> None:
    assert [task_bucket(d, WED) for d in (D(2026, 11, 20), D(2026, 12, 1), WED,
                                          D(2026, 12, 3), D(2026, 12, 4), D(2026, 12, 6),
                                          D(2026, 12, 7), D(2027, 1, 15))] == [
        "overdue", "overdue", "today", "tomorrow", "this_week", "this_week", "later", "later"]
    assert task_bucket(SUN, SUN) == "today"
    assert task_bucket(D(2026, 12, 5), SUN) == "overdue"


@pytest.mark.parametrize(("day", "expected"), [
    (WED, {"overdue": 2, "today": 2, "tomorrow": 1, "this_week": 2, "later": 2}),
    (MON, {"overdue": 1, "today": 0, "tomorrow": 1, "this_week": 5, "later": 2}),
    (SAT, {"overdue": 6, "today": 0, "tomorrow": 1, "this_week": 0, "later": 2}),
    (SUN, {"overdue": 6, "today": 1, "tomorrow": 1, "this_week": 0, "later": 1}),
])
def test_tracker_counts_on_pinned_days(book, day: date, expected: dict[str, int]) -> None:
    engine, sam, _ = book
    with read_scope(engine) as conn:
        assert tracker_counts(conn, (sam,), day) == expected


def test_tracker_counts_for_everyone_include_anas_task_today(book) -> None:
    engine, sam, ana = book
    with read_scope(engine) as conn:
        assert tracker_counts(conn, None, WED) == {
            "overdue": 2, "today": 3, "tomorrow": 1, "this_week": 2, "later": 2}
        assert tracker_counts(conn, (sam, ana), WED)["today"] == 3
        assert tracker_counts(conn, (ana,), WED) == {
            "overdue": 0, "today": 1, "tomorrow": 0, "this_week": 0, "later": 0}


def test_tracker_items_of_each_bucket_on_a_wednesday(book) -> None:
    engine, sam, _ = book
    expected = {
        "overdue": [D(2026, 11, 20), D(2026, 12, 1)],
        "today": [WED, WED],
        "tomorrow": [D(2026, 12, 3)],
        "this_week": [D(2026, 12, 4), D(2026, 12, 6)],
        "later": [D(2026, 12, 7), D(2027, 1, 15)],
    }
    with read_scope(engine) as conn:
        for name, dues in expected.items():
            start, end = bucket_ranges(WED)[name]
            assert [t.due for t in tracker_items(conn, (sam,), start, end, 200)] == dues, name


def test_open_tasks_by_window_on_a_wednesday(book) -> None:
    engine, sam, _ = book
    with read_scope(engine) as conn:
        def dues(window: Due) -> list[date]:
            return [t.due for t in open_tasks(conn, sam, window, WED)]

        assert dues(Due.OVERDUE) == [D(2026, 11, 20), D(2026, 12, 1)]
        assert dues(Due.TODAY) == [D(2026, 11, 20), D(2026, 12, 1), WED, WED]
        assert dues(Due.WEEK) == [D(2026, 11, 20), D(2026, 12, 1), WED, WED, D(2026, 12, 3),
                                  D(2026, 12, 4), D(2026, 12, 6)]
        assert dues(Due.ALL) == SAM_OPEN
        assert [t.due for t in open_tasks(conn, sam, Due.OVERDUE, SUN)] == [
            D(2026, 11, 20), D(2026, 12, 1), WED, WED, D(2026, 12, 3), D(2026, 12, 4)]


def lossmit(*args: str) -> subprocess.CompletedProcess[str]:
    """The command as a script runs it (whatever module layout the CLI has)."""
    return subprocess.run([sys.executable, "-m", "lossmit_tui", *args], capture_output=True,
                          text=True, env=os.environ.copy(), timeout=120)


def test_the_tasks_command_buckets_on_a_pinned_wednesday(book, db_url: str) -> None:
    overdue = lossmit("tasks", "--db", db_url, "--user", "sam", "--today", "2026-12-02",
                      "--due", "overdue", "--format", "json")
    assert overdue.returncode == 0, overdue.stderr
    assert [(i["due"], i["bucket"]) for i in json.loads(overdue.stdout)] == [
        ("2026-11-20", "overdue"), ("2026-12-01", "overdue")]
    week = lossmit("tasks", "--db", db_url, "--user", "sam", "--today", "2026-12-02",
                   "--due", "week", "--format", "json")
    assert week.returncode == 0, week.stderr
    assert [(i["due"], i["bucket"]) for i in json.loads(week.stdout)] == [
        ("2026-11-20", "overdue"), ("2026-12-01", "overdue"), ("2026-12-02", "today"),
        ("2026-12-02", "today"), ("2026-12-03", "tomorrow"), ("2026-12-04", "this_week"),
        ("2026-12-06", "this_week")]
    table = lossmit("tasks", "--db", db_url, "--user", "sam", "--today", "2026-12-02",
                    "--due", "all")
    assert table.returncode == 0, table.stderr
    assert table.stdout.strip().splitlines()[-1] == (
        "overdue 2 · today 2 · tomorrow 1 · this week 2 · later 2")


async def test_the_tracker_screen_on_a_pinned_wednesday(book) -> None:
    from lossmit_tui.app import make_app
    from screens.tracker import TrackerScreen

    from .pilot import settle
    from .workspace import workspace

    engine, _, _ = book
    if engine.dialect.name != "sqlite":
        pytest.skip("the Pilot tests drive the app on SQLite")
    app = make_app(workspace(engine, "sam", WED))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("d")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, TrackerScreen)
        assert [str(t.label) for t in screen.query("Tab")] == [
            "Missed / overdue 2", "Today 2", "Tomorrow 1", "This week 2", "Later 2"]
        shown = {}
        for _ in range(5):
            shown[screen.bucket] = [t.due for t in screen.items]
            await pilot.press("right_square_bracket")
            await settle(app, pilot)
        assert shown == {
            "overdue": [D(2026, 11, 20), D(2026, 12, 1)],
            "today": [WED, WED],
            "tomorrow": [D(2026, 12, 3)],
            "this_week": [D(2026, 12, 4), D(2026, 12, 6)],
            "later": [D(2026, 12, 7), D(2027, 1, 15)],
        }
