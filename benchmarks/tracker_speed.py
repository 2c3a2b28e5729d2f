"""Due-date tracker and `lossmit tasks` at scale, and Taskwarrior on the
same tasks.

    python benchmarks/tracker_speed.py LARGE.db COMPARE.db

LARGE and COMPARE are databases made with `lossmit seed --cases N --seed 1 --today
2026-11-29` (1,000,000 and 80,000 cases in the recorded run: 1.25 M and about 100,000 open
tasks). Timings are medians of 5:

- the tracker, in the app run headless: key press until the bucket counts and the first
  page of items are on the screen, for opening it, and for switching scope (a lead: all,
  team, mine);
- `lossmit tasks --due week --user U` as a whole process (start-up included), for a
  specialist, and for a lead over everyone (`--scope all`), which lists every task due by
  Sunday;
- Taskwarrior's `task due.before:eow list` on the same open tasks as COMPARE, imported into
  a scratch Taskwarrior data directory, when `task` is installed (Debian package
  `taskwarrior`).

The daily clock pass has its own script, `clock_pass.py`.
"""

import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa
from queue_speed import users_of  # the same first specialist and lead of a seeded book

from db.engine import make_engine
from lossmit_tui.app import make_app
from lossmit_tui.config import load_settings
from lossmit_tui.services.workspace import open_workspace

TODAY = "2026-11-29"
RUNS = 5


def open_tasks(db: Path) -> int:
    with make_engine(str(db)).connect() as conn:
        return int(conn.execute(sa.text(
            "SELECT count(*) FROM tasks WHERE status = 'open'")).scalar_one())


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Median wall seconds of RUNS runs, and the lines printed."""
    times, lines = [], 0
    for _ in range(RUNS):
        started = time.perf_counter()
        out = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
        times.append(time.perf_counter() - started)
        lines = out.stdout.count("\n")
    return statistics.median(times), lines


def lossmit_tasks(db: Path, user: str, *extra: str) -> tuple[float, int]:
    return timed([sys.executable, "-m", "lossmit_tui", "tasks", "--db", str(db), "--user",
                  user, "--today", TODAY, "--due", "week", *extra])


def taskwarrior(db: Path) -> tuple[float, int, int] | None:
    """`task due.before:eow list` on COMPARE's open tasks: (median s, lines, tasks)."""
    if shutil.which("task") is None:
        return None
    home = Path(tempfile.mkdtemp(prefix="tw-"))
    rc = home / ".taskrc"
    rc.write_text(f"data.location={home / 'data'}\nconfirmation=off\nverbose=nothing\n"
                  "gc=off\nrecurrence=off\nhooks=off\nnews.version=2.6.2\n")
    env = {**os.environ, "TASKRC": str(rc), "TASKDATA": str(home / "data"), "HOME": str(home)}
    with make_engine(str(db)).connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT t.id, t.title, t.due_on, t.kind, c.loan_number FROM tasks t "
            "JOIN cases c ON c.id = t.case_id WHERE t.status = 'open'")).all()
    entry = "20261101T000000Z"
    batch = [{"uuid": f"00000000-0000-4000-8000-{r.id:012d}", "status": "pending",
              "entry": entry, "description": f"{r.loan_number} {r.title}",
              "due": f"{str(r.due_on).replace('-', '')}T120000Z", "project": r.kind}
             for r in rows]
    source = home / "tasks.json"
    source.write_text(json.dumps(batch))
    subprocess.run(["task", "import", str(source)], env=env, capture_output=True, check=True)
    # Taskwarrior has no --today: its "eow" is this machine's week, so the same tasks are
    # listed by the same cut-off only when run on 2026-11-29; the count printed says how
    # many it listed.
    median, lines = timed(["task", "rc.report.list.columns=id,due,description",
                           "rc.report.list.labels=ID,Due,Description", "due.before:eow",
                           "list"], env)
    shutil.rmtree(home)
    return median, lines, len(rows)


async def tracker_in_app(db: str | Path, lead: str) -> dict[str, float]:
    """Key to counts and first page drawn, for a lead over the whole book (`db`: a file or
    a database URL)."""
    from screens.tracker import ItemTable, TrackerScreen

    app = make_app(open_workspace(make_engine(str(db)), load_settings(), lead,
                                  date.fromisoformat(TODAY)))
    timings: dict[str, list[float]] = {k: [] for k in ("open", "all", "team", "mine")}

    async def until(ready, limit: float = 30.0) -> None:  # type: ignore[no-untyped-def]
        end = time.perf_counter() + limit
        while not ready():
            if time.perf_counter() > end:
                raise RuntimeError("timed out")
            await asyncio.sleep(0.002)

    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        for _ in range(RUNS):
            started = time.perf_counter()
            await app.screen.run_action("tracker")
            await until(lambda: isinstance(app.screen, TrackerScreen) and app.screen.user_id)
            tracker = app.screen

            def drawn(t=tracker) -> bool:  # type: ignore[no-untyped-def]
                """This view's page is in the table and its counts are on the tabs."""
                return (t.shown_view == t._view() and t.counted_for == t._assignees()
                        and t.query_one(ItemTable).row_count == len(t.items))
            await until(drawn)
            timings["open"].append(time.perf_counter() - started)
            for scope in ("all", "team", "mine"):
                started = time.perf_counter()
                await tracker.run_action(f"scope('{scope}')")
                await until(drawn)
                timings[scope].append(time.perf_counter() - started)
            await app.workers.wait_for_complete()
            await pilot.press("escape")
            await pilot.pause()
    return {k: statistics.median(v) for k, v in timings.items()}


def main(large: Path, compare: Path) -> None:
    _, lead = users_of(large)
    print(f"LARGE {large}: {open_tasks(large):,} open tasks")
    print("tracker in the app (lead, whole book):",
          {k: f"{v * 1000:.0f} ms" for k, v in asyncio.run(tracker_in_app(large, lead)).items()})
    for db in (compare, large):
        one, leader = users_of(db)
        mine, mine_lines = lossmit_tasks(db, one)
        every, every_lines = lossmit_tasks(db, leader, "--scope", "all")
        print(f"{db.name}: {open_tasks(db):,} open tasks; `tasks --due week` specialist "
              f"{mine:.2f} s ({mine_lines} lines), lead --scope all {every:.2f} s "
              f"({every_lines:,} lines)")
    tw = taskwarrior(compare)
    if tw is None:
        print("Taskwarrior: not installed")
    else:
        print(f"Taskwarrior `task due.before:eow list` on {tw[2]:,} tasks: {tw[0]:.2f} s "
              f"({tw[1]:,} lines)")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
