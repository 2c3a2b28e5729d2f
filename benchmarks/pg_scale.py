"""PostgreSQL at team scale: the same measurements on a PostgreSQL store and a SQLite store
seeded alike, side by side in one run.

    python benchmarks/pg_scale.py --pg URL --sqlite FILE [--runs N] [--skip team,clock,...]

URL and FILE each hold a book made with `lossmit --db … seed --cases 1000000 --seed 1
--today 2026-11-29` (on PostgreSQL, then `VACUUM ANALYZE`, what autovacuum does after a
load). The measurements are the other scripts' own functions, on either store:

- start-up to the first painted queue in tmux (160x48), a specialist's My queue and a lead's
  All open (`queue_speed.start_until_painted`);
- key to paint in the app run headless, a lead's All open (`queue_speed.in_app`): paging to
  the middle and to the end, a view switch, and search as you type (`s`, `sm`, `smi`, `smit`:
  each keystroke to its repainted results);
- the due-date tracker: open, then switch scope all / team / mine
  (`tracker_speed.tracker_in_app`);
- the team board and three rounds of a 5,000-case reassignment preview, commit and undo, on
  a copy (`team_speed.measure`);
- the daily pass as `lossmit refresh` runs it (`clock_pass.pass_for`), on a copy: an ordinary
  day (2026-11-30), and the first of the month with every due check taken as the new
  window only (a seeded book is not in step with its clocks: see clock_pass.py; here both
  stores get the same shortcut, so the set-wise rollover is compared like for like).

PostgreSQL copies are `CREATE DATABASE … TEMPLATE` (made before anything connects to the
source), SQLite copies are file copies. The identity on PostgreSQL is the URL's login; the
owner login may act as any lossmit user, which these measurements do.
"""

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import clock_pass
import queue_speed
import sqlalchemy as sa
import team_speed
import tracker_speed
from sqlalchemy.engine import make_url

from db.engine import make_engine, normalise_url
from db.migrate import ensure_current

Figures = dict[str, Any]


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def note(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}   ({uptime().split('load average: ')[-1]})",
          flush=True)


def pg_copy(url: str, suffix: str) -> str:
    """A copy of the PostgreSQL database of `url` beside it; its URL."""
    source = make_url(url).database
    target = f"{source}_{suffix}"
    server = sa.create_engine(normalise_url(make_url(url).set(database="postgres")
                                            .render_as_string(hide_password=False)),
                              isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        conn.exec_driver_sql(
            f'CREATE DATABASE "{target}" TEMPLATE "{source}" STRATEGY FILE_COPY')
    server.dispose()
    return make_url(url).set(database=target).render_as_string(hide_password=False)


def sqlite_copy(path: str, suffix: str) -> str:
    target = Path(path).with_name(f"{Path(path).stem}.{suffix}.db")
    for end in ("", "-wal", "-shm"):
        if Path(path + end).exists():
            shutil.copyfile(path + end, str(target) + end)
    return str(target)


def drop_copy(url: str) -> None:
    if "://" not in url:
        for end in ("", "-wal", "-shm"):
            Path(url + end).unlink(missing_ok=True)
        return
    server = sa.create_engine(normalise_url(make_url(url).set(database="postgres")
                                            .render_as_string(hide_password=False)),
                              isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    server.dispose()


def startup(db: str, runs: int) -> Figures:
    specialist, lead = queue_speed.users_of(db)
    out: Figures = {}
    for key, user, view in (("start_mine", specialist, "mine"), ("start_all", lead, "all")):
        samples = [queue_speed.start_until_painted(db, user, view) for _ in range(runs)]
        out[key] = (statistics.median(samples), min(samples), max(samples))
        note(f"{key}: {out[key][0]:.2f} s (runs " + ", ".join(f"{s:.2f}" for s in samples) + ")")
    return out


def in_app(db: str) -> Figures:
    _, lead = queue_speed.users_of(db)
    out: Figures = dict(asyncio.run(queue_speed.in_app(db, lead)))
    for name, (ready, painted) in out.items():
        note(f"{name}: rows ready {ready * 1000:.0f} ms, painted {painted * 1000:.0f} ms")
    return out


def tracker(db: str) -> Figures:
    _, lead = queue_speed.users_of(db)
    out: Figures = {f"tracker_{k}": v for k, v in
                    asyncio.run(tracker_speed.tracker_in_app(db, lead)).items()}
    note("tracker: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in out.items()))
    return out


def team(copy: str) -> Figures:
    engine = make_engine(copy)
    ensure_current(engine)
    found = team_speed.measure(engine)
    engine.dispose()
    rounds = found["rounds"]
    return {"board_query": found["board_query"], "board_app": found["board_app"],
            "preview": [r[0] for r in rounds], "commit": [r[1] for r in rounds],
            "undo": [r[2] for r in rounds]}


def daily_pass(copy: str) -> Figures:
    engine = make_engine(copy)
    ensure_current(engine)
    out: Figures = {}
    seconds, result = clock_pass.pass_for(engine, clock_pass.IN_STEP_ON)
    out["pass_ordinary"] = seconds
    note(f"pass for {clock_pass.IN_STEP_ON}: {seconds:.2f} s, {result.visited:,} visited, "
         f"{result.due_soon:,} due soon, {result.newly_missed:,} newly missed")
    with engine.begin() as conn:
        due = conn.execute(sa.text(
            "UPDATE case_clocks SET window_only = true WHERE check_on = :first"),
            {"first": clock_pass.FIRST}).rowcount
    try:
        seconds, result = clock_pass.pass_for(engine, clock_pass.FIRST)
    except Exception as error:  # keep the ordinary day's figure
        note(f"pass for {clock_pass.FIRST} FAILED: {type(error).__name__}: "
             f"{str(error).splitlines()[0]}")
        out["pass_first"] = "failed"
        engine.dispose()
        return out
    out["pass_first"] = seconds
    out["pass_first_windows"] = result.rolled
    note(f"pass for {clock_pass.FIRST} ({due:,} checks due, all window-only): {seconds:.2f} s, "
         f"{result.visited:,} visited, {result.rolled:,} windows added set-wise, "
         f"{len(result.changed):,} synced one by one")
    engine.dispose()
    return out


def measure(label: str, db: str, runs: int, skip: set[str]) -> Figures:
    note(f"--- {label}: {db}")
    copies = {}
    for part in ("team", "clock"):  # before anything holds a connection to the source
        if part not in skip:
            copies[part] = (pg_copy(db, part) if "://" in db else sqlite_copy(db, part))
            note(f"copy for {part}: {copies[part]}")
    figures: Figures = {}
    parts = [("startup", lambda: startup(db, runs)), ("app", lambda: in_app(db)),
             ("tracker", lambda: tracker(db)), ("team", lambda: team(copies["team"])),
             ("clock", lambda: daily_pass(copies["clock"]))]
    try:
        for name, run in parts:
            if name in skip:
                continue
            try:
                figures |= run()
            except Exception as error:  # one part failing must not lose the others' figures
                note(f"{name} FAILED: {type(error).__name__}: {error}")
    finally:
        for copy in copies.values():
            drop_copy(copy)
    return figures


def ms(value: Any) -> str:
    if isinstance(value, tuple):  # (rows ready, painted)
        return f"{value[0] * 1000:.0f} ms ({value[1] * 1000:.0f})"
    return f"{value * 1000:.0f} ms"


def s(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ", ".join(f"{v:.2f}" for v in value) + " s"
    if isinstance(value, tuple):  # (median, low, high)
        return f"{value[0]:.2f} s ({value[1]:.2f}-{value[2]:.2f})"
    return f"{value:.2f} s"


ROWS = [
    ("start-up to first painted queue, specialist, My queue", "start_mine", s, "≤ 1.5 s"),
    ("start-up to first painted queue, lead, All open", "start_all", s, "≤ 1.5 s"),
    ("page to the middle, rows ready (painted)", "page_middle", ms, "≤ 100 ms"),
    ("page to the end", "page_end", ms, "≤ 100 ms"),
    ("change view", "view_switch", ms, "≤ 100 ms"),
    ("search as you type, per keystroke (`s` `m` `i` `t`)", "search_key", ms, "≤ 100 ms"),
    ("tracker: open", "tracker_open", ms, "≤ 300 ms"),
    ("tracker: scope all", "tracker_all", ms, "≤ 300 ms"),
    ("tracker: scope team", "tracker_team", ms, "≤ 300 ms"),
    ("tracker: scope mine", "tracker_mine", ms, "≤ 300 ms"),
    ("board figures (team of 16)", "board_query", ms, ""),
    ("board in the app, key to rows", "board_app", ms, "≤ 300 ms"),
    ("reassign 5,000: preview (3 rounds)", "preview", s, ""),
    ("reassign 5,000: commit", "commit", s, "≤ 5 s"),
    ("reassign 5,000: undo", "undo", s, ""),
    ("daily pass, ordinary day (2026-11-30)", "pass_ordinary", s, ""),
    ("daily pass, first of the month (every due check window-only)", "pass_first", s, "≤ 10 s"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", required=True)
    parser.add_argument("--sqlite", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip", default="", help="comma-separated: startup,app,tracker,"
                        "team,clock")
    parser.add_argument("--only", default="", help="postgres or sqlite")
    args = parser.parse_args()
    skip = {p for p in args.skip.split(",") if p}
    note(f"start: {uptime()}")
    results: dict[str, Figures] = {}
    for label, db in (("PostgreSQL", args.pg), ("SQLite", args.sqlite)):
        if args.only and not label.lower().startswith(args.only.lower()):
            continue
        results[label] = measure(label, db, args.runs, skip)
    note(f"end: {uptime()}")
    labels = list(results)
    print("\n| action | " + " | ".join(labels) + " | target |")
    print("|---|" + "---:|" * len(labels) + "---|")
    for title, key, fmt, target in ROWS:
        if any(key in results[label] for label in labels):
            cells = [fmt(results[label][key]) if key in results[label] else "" for label in labels]
            print(f"| {title} | " + " | ".join(cells) + f" | {target} |")


if __name__ == "__main__":
    main()
