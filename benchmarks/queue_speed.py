"""Queue speed at scale: start-up to first painted queue, paging, view switches, search
keystrokes, peak memory, and the comparison with an eagerly loaded DataTable.

    python benchmarks/queue_speed.py SMALL.db LARGE.db COMPARE.db

SMALL/LARGE/COMPARE are databases made with `lossmit seed --cases N --seed 1 --today
2026-11-29` (1,000 / 1,000,000 / 100,000 cases in the recorded run). The functions take a
file or a database URL (`pg_scale.py` runs them on PostgreSQL). Start-up is measured on a
real terminal (tmux) from process start until a queue row is on screen; the in-app timings run
the app headless and time a key press until the rows it asked for are drawn. Median of 5.
Needs tmux.
"""

import asyncio
import json
import re
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from db.engine import make_engine, session_scope
from db.queries import QueueFilter, queue_window
from lossmit_tui.app import make_app
from lossmit_tui.config import load_settings
from lossmit_tui.services.workspace import open_workspace
from lossmit_tui.widgets.queue_table import QueueTable

TODAY = "2026-11-29"
RUNS = 5
ROW = re.compile(r"^\s*\d{10}\s")


def users_of(db: str | Path) -> tuple[str, str]:
    out = subprocess.run([sys.executable, "-m", "lossmit_tui", "users", "list", "--format",
                          "json", "--db", str(db)], capture_output=True, text=True, check=True)
    users = json.loads(out.stdout)
    return (next(u["username"] for u in users if u["role"] == "specialist"),
            next(u["username"] for u in users if u["role"] == "lead"))


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True).stdout


def start_until_painted(db: str | Path, user: str, view: str) -> float:
    """Seconds from launching `lossmit` in a 160x48 terminal to a queue row on screen."""
    tmux("kill-session", "-t", "bench")
    command = (f"exec {sys.executable} -m lossmit_tui --db {db} --user {user} "
               f"--today {TODAY} --view {view}")
    started = time.perf_counter()
    tmux("new-session", "-d", "-s", "bench", "-x", "160", "-y", "48", command)
    try:
        while time.perf_counter() - started < 30:
            screen = tmux("capture-pane", "-p", "-t", "bench")
            if any(ROW.match(line) for line in screen.splitlines()):
                return time.perf_counter() - started
            time.sleep(0.02)  # poll gently: the app needs the CPU more than we do
        raise RuntimeError(f"no queue row appeared:\n{screen}")
    finally:
        tmux("kill-session", "-t", "bench")


def peak_memory_mb(db: Path, lead: str) -> float:
    """Peak resident memory of the app after opening All open and paging to the end."""
    tmux("kill-session", "-t", "bench")
    command = (f"exec {sys.executable} -m lossmit_tui --db {db} --user {lead} "
               f"--today {TODAY} --view all")
    tmux("new-session", "-d", "-s", "bench", "-x", "160", "-y", "48", command)
    try:
        time.sleep(4)
        for keys in ("G", "PageUp", "PageUp", "g", "PageDown", "slash", "a", "n", "Escape"):
            tmux("send-keys", "-t", "bench", keys)
            time.sleep(0.4)
        time.sleep(2)
        pid = tmux("display-message", "-p", "-t", "bench", "#{pane_pid}").strip()
        status = Path(f"/proc/{pid}/status").read_text()
        return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024
    finally:
        tmux("kill-session", "-t", "bench")


async def _until(ready, limit: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    """Wait without stealing the CPU from the app (a short sleep, not a busy loop)."""
    end = time.perf_counter() + limit
    while not ready():
        if time.perf_counter() > end:
            raise RuntimeError("timed out")
        await asyncio.sleep(0.002)


async def in_app(db: str | Path, lead: str) -> dict[str, tuple[float, float]]:
    """Key-to-screen timings inside the app over the whole caseload (a lead's All open):
    (rows in the widget with a repaint requested, and after one Pilot pause, which also waits
    for animations such as the tab underline), medians in seconds."""
    app = make_app(open_workspace(make_engine(str(db)), load_settings(), lead,
                                  date.fromisoformat(TODAY)), "all")
    timings: dict[str, list[tuple[float, float]]] = {k: [] for k in (
        "page_middle", "page_end", "view_switch", "search_key")}

    async def measure(name: str, act, ready) -> None:  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        await act()
        await _until(ready)
        loaded = time.perf_counter() - started
        await pilot.pause()
        timings[name].append((loaded, time.perf_counter() - started))

    async with app.run_test(size=(160, 48)) as pilot:
        table = app.screen.query_one(QueueTable)
        title = app.screen.query_one("#queue-title")
        await _until(lambda: table.row_at(0) is not None and "counting" not in str(
            title.content), 30)
        await app.workers.wait_for_complete()
        total = table.total
        for _ in range(RUNS):
            for name, target in (("page_middle", total // 2), ("page_end", total - 1)):
                table.move_to(0)
                table._pages.clear()  # measure a read, not the page cache
                table._wanted.clear()
                await pilot.pause()

                async def jump(t=target) -> None:  # type: ignore[no-untyped-def]
                    table.move_to(t)  # a jump by the scrollbar, or End
                await measure(name, jump, lambda t=target: table.row_at(t) is not None)
            for key in ("1", "9"):
                generation = table.generation

                async def press(k=key) -> None:  # type: ignore[no-untyped-def]
                    # The key's own action: pilot.press would also wait out the tab
                    # underline's animation, which does not hold back the rows.
                    await app.screen.run_action(f"view('{k}')")
                await measure("view_switch", press, lambda g=generation: (
                    table.generation != g and (table.total == 0 or table.row_at(0) is not None)))
            await _until(lambda: "counting" not in str(title.content), 30)
            await pilot.press("slash")
            bar = app.screen.query_one("#search")
            for ch in "smit":
                generation = table.generation

                async def type_key(c=ch, bar=bar) -> None:  # type: ignore[no-untyped-def]
                    # What the search bar's own key handler does with a printable key
                    # (pilot.press would add ~50-100 ms of its own waiting).
                    bar.insert_text_at_cursor(c)
                await measure("search_key", type_key, lambda g=generation: (
                    table.generation != g and (table.row_at(0) is not None
                                               or app.screen.count == 0)))
            await pilot.press("escape")
            await _until(lambda: table.row_at(0) is not None)
    return {k: (statistics.median(a for a, _ in v), statistics.median(b for _, b in v))
            for k, v in timings.items()}


async def datatable_vs_queue(db: Path, lead: str) -> tuple[float, float, int]:
    """Seconds until first paint: every row eagerly in a DataTable, against the queue."""
    from rich.text import Text
    from textual.app import App
    from textual.widgets import DataTable

    engine = make_engine(str(db))
    with session_scope(engine) as session:
        rows = queue_window(session, QueueFilter(), 0, 10_000_000)

    class Eager(App[None]):
        def compose(self):  # type: ignore[no-untyped-def]
            yield DataTable()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns("Loan", "Borrower", "Stage", "Investor", "Next", "Urgency")
            table.add_rows((r.loan_number, Text(r.borrower_name), r.stage, r.investor,
                            str(r.next_action_on), str(r.urgency)) for r in rows)

    started = time.perf_counter()
    async with Eager().run_test(size=(160, 48)) as pilot:
        await pilot.pause()
    eager = time.perf_counter() - started

    app = make_app(open_workspace(engine, load_settings(), lead, date.fromisoformat(TODAY)),
                   "all")
    started = time.perf_counter()
    async with app.run_test(size=(160, 48)) as pilot:
        table = app.screen.query_one(QueueTable)
        await _until(lambda: table.row_at(0) is not None)
        await pilot.pause()
        windowed = time.perf_counter() - started
    return eager, windowed, len(rows)


def main(small: Path, large: Path, compare: Path) -> None:
    for label, db in (("1k", small), ("1M", large)):
        specialist, lead = users_of(db)
        for who, user, view in (("specialist, My queue", specialist, "mine"),
                                ("lead, All open", lead, "all")):
            samples = [start_until_painted(db, user, view) for _ in range(RUNS)]
            print(f"start-up to first painted queue, {label}, {who}: "
                  f"{statistics.median(samples):.2f} s (runs: "
                  + ", ".join(f"{s:.2f}" for s in samples) + ")")
    _, lead = users_of(large)
    for name, (loaded, painted) in asyncio.run(in_app(large, lead)).items():
        print(f"1M All open, {name}: rows ready {loaded * 1000:.0f} ms, "
              f"painted {painted * 1000:.0f} ms")
    print(f"1M peak memory: {peak_memory_mb(large, lead):.0f} MB")
    _, lead = users_of(compare)
    eager, windowed, count = asyncio.run(datatable_vs_queue(compare, lead))
    print(f"{count:,} rows to first paint: DataTable (eager) {eager:.2f} s, queue "
          f"{windowed:.3f} s, {eager / windowed:.0f}x")


if __name__ == "__main__":
    main(*(Path(a) for a in sys.argv[1:4]))
