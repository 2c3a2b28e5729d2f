"""Team leads at scale: the team board for a team of 15, and reassigning 5,000 cases.

    python benchmarks/team_speed.py LARGE.db

LARGE is a database made with `lossmit seed --cases 1000000 --seed 1 --today 2026-11-29`.
The script works on a copy (LARGE.team-bench.db, removed at the end), upgraded to the current
schema first. On the copy it forms a team "Bench" of 15 specialists and a lead, then times
(medians of 5 unless said):

- the board's figures for the 15 (`team_board`: open cases, due today, overdue, deadlines due
  within 5 days and missed, calls today and this week, RPC rate, oldest untouched case);
- the board in the app run headless: from the key press to the rows in the table (a repaint
  is requested with them);
- one reassignment of 5,000 open cases (by an admin, from 25 specialists to 3, least-loaded):
  the preview, the commit (cases, moved tasks, introduction tasks, timeline events, one audit
  row per case and the batch row, next action and urgency), and the undo. Three rounds.
"""

import asyncio
import shutil
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa
from textual import events

from db.engine import make_engine, read_scope, session_scope
from db.migrate import ensure_current
from db.queries import board_members, team_board, user_row
from db.tables import audit_events, cases, users
from lossmit_tui.app import make_app
from lossmit_tui.config import load_settings
from lossmit_tui.services import reassign
from lossmit_tui.services.users import add_user
from lossmit_tui.services.workspace import open_workspace
from screens.board import TeamBoard, week_bounds

TODAY = date(2026, 11, 29)
RUNS = 5


def copy_of(large: Path) -> Path:
    target = large.with_name(large.stem + ".team-bench.db")
    for suffix in ("", "-wal", "-shm"):
        source = Path(str(large) + suffix)
        if source.exists():
            shutil.copyfile(source, str(target) + suffix)
    return target


def form_bench_team(engine) -> list[str]:  # type: ignore[no-untyped-def]
    with session_scope(engine, write=True) as session:
        conn = session.connection()
        names = list(conn.execute(sa.select(users.c.username).where(
            users.c.role == "specialist").order_by(users.c.id).limit(15)).scalars())
        conn.execute(users.update().where(users.c.username.in_(names)).values(team="Bench"))
    add_user(open_workspace(engine, load_settings(), "admin", TODAY), "benchlead", "Bench Lead",
             "lead", "Bench")
    return names


def board_figures(engine) -> tuple[float, int, int]:  # type: ignore[no-untyped-def]
    week, day = week_bounds(TODAY)
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        with read_scope(engine) as conn:
            me = user_row(conn, "benchlead")
            rows = team_board(conn, board_members(conn, me.role, me.team), TODAY, week, day)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), len(rows), sum(r.open_cases for r in rows)


async def board_in_app(engine) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(RUNS):
        app = make_app(open_workspace(engine, load_settings(), "benchlead", TODAY), "team")
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            started = time.perf_counter()
            # The key goes in as the terminal would send it; Pilot.press would also wait for
            # the app to fall idle afterwards, which is not what a user waits for.
            app.post_message(events.Key("b", "b"))
            while not (isinstance(app.screen, TeamBoard) and app.screen.rows):
                await asyncio.sleep(0.002)
            samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def reassign_rounds(engine) -> list[tuple[float, float, float, int]]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        givers = list(conn.execute(sa.select(users.c.id).where(
            users.c.role == "specialist", users.c.team != "Bench").order_by(users.c.id)
            .limit(25)).scalars())
        ids = tuple(conn.execute(sa.select(cases.c.id).where(
            cases.c.assignee_id.in_(givers), cases.c.closed_at.is_(None))
            .order_by(cases.c.id).limit(5000)).scalars())
        receivers = list(conn.execute(sa.select(users.c.username).where(
            users.c.team == "Bench", users.c.role == "specialist").order_by(users.c.id)
            .limit(3)).scalars())
    ws = open_workspace(engine, load_settings(), "admin", TODAY)
    rounds = []
    for _ in range(3):
        started = time.perf_counter()
        plan = reassign.preview(ws, reassign.Selection(case_ids=ids), receivers, "least-loaded")
        previewed = time.perf_counter()
        done = reassign.apply(ws, plan, reassign.Reason("balancing"))
        committed = time.perf_counter()
        reassign.undo_last(ws)
        undone = time.perf_counter()
        rounds.append((previewed - started, committed - previewed, undone - committed,
                       done.moved))
    return rounds


def measure(engine) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Every figure above on `engine`'s store (a copy: it forms the team and moves cases),
    printed as it comes and returned: board_query and board_app in seconds, rounds as
    (preview, commit, undo, moved)."""
    with engine.connect() as conn:
        open_cases = conn.execute(sa.select(sa.func.count()).select_from(cases).where(
            cases.c.closed_at.is_(None))).scalar_one()
    print(f"{engine.url.database}: {open_cases:,} open cases", flush=True)
    names = form_bench_team(engine)
    print(f"team Bench: {len(names)} specialists", flush=True)
    query, people, owned = board_figures(engine)
    print(f"board figures for {people} people ({owned:,} open cases): "
          f"{query * 1000:.0f} ms", flush=True)
    board = asyncio.run(board_in_app(engine))
    print(f"board in the app, key to rows: {board * 1000:.0f} ms", flush=True)
    rounds = reassign_rounds(engine)
    for preview, commit, undo, moved in rounds:
        print(f"reassign {moved:,} cases: preview {preview:.2f} s, commit {commit:.2f} s, "
              f"undo {undo:.2f} s", flush=True)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(sa.func.count()).select_from(audit_events).where(
            audit_events.c.entity == "case",
            audit_events.c.action.in_(("reassign", "reassign_undo")))).scalar_one()
    print(f"audit rows written for the moves and undos: {rows:,}")
    return {"board_query": query, "board_app": board, "rounds": rounds, "audit_rows": rows}


def main(large: Path) -> None:
    bench = copy_of(large)
    try:
        engine = make_engine(str(bench))
        started = time.perf_counter()
        ensure_current(engine)
        print(f"schema upgrade of the copy: {time.perf_counter() - started:.1f} s", flush=True)
        measure(engine)
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(str(bench) + suffix).unlink(missing_ok=True)
        for backup in bench.parent.glob(bench.name + ".bak-*"):  # the upgrade's safety copy
            backup.unlink()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
