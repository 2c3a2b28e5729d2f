"""The daily clock pass at scale: the first of the month, when every delinquent loan's next
installment falls due, and an ordinary day after it.

    python benchmarks/clock_pass.py LARGE.db [--in-step FILE] [--sample N]

LARGE is a database made with `lossmit seed --cases N --seed 1 --today 2026-11-29`. A seeded
book's deadline tasks only approximate its clocks, so the script first brings a copy in step
(`refresh_clocks(every_case=True)` as of 2026-11-30, one sync per case; about 12 minutes at
1,000,000 cases). `--in-step FILE` keeps that copy in FILE, or reuses FILE when it exists.

`--complaints FILE` adds, on a copy of the in-step book kept in FILE (or reused), 50,000 open
complaints and 50,000 closed ones set-wise as `complaints_scale.py` does, and brings the
complainants' cases in step as of the same day: the passes then run on it, so their budget
includes the complaint clocks.

Then, each on a fresh copy of the in-step book:

- the pass as `lossmit refresh` runs it for 2026-12-01 (the new live-contact windows added
  set-wise, every other changed case synced one by one), then for 2026-12-02, `--runs`
  times (default 3), each on a fresh copy; with it, timed on its own, the daily pass's trial
  step (`raise_trial_tasks`) for the same day;
- for comparison in the same run, the per-case sync alone (how every case was handled
  before the set-wise step) on the first N of the cases whose only change is the new
  window (default 5,000), as ms per case and the whole month's estimate.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa

from db.engine import make_engine, session_scope
from db.migrate import upgrade
from db.tables import case_clocks as checks_t
from db.tables import cases as cases_t
from lossmit_tui.config import load_settings
from lossmit_tui.domain.calendar import BusinessCalendar
from lossmit_tui.domain.urgency import DEFAULT_WEIGHTS
from lossmit_tui.services.workspace import open_workspace

IN_STEP_ON = date(2026, 11, 30)
FIRST = date(2026, 12, 1)
NEXT = date(2026, 12, 2)
CAL = BusinessCalendar()


def in_step(large: Path, keep: Path | None) -> Path:
    """A copy of LARGE whose regulatory tasks are what its clocks say on IN_STEP_ON."""
    from lossmit_tui.services.clock import refresh_clocks

    if keep is not None and keep.exists():
        print(f"in-step book: reusing {keep}")
        return keep
    target = keep or Path(tempfile.mkdtemp(prefix="clock-")) / "in-step.db"
    shutil.copy(large, target)
    engine = make_engine(str(target))
    upgrade(engine)  # to this checkout's schema
    ws = open_workspace(engine, load_settings(), "bench", IN_STEP_ON)
    started = time.perf_counter()
    result = refresh_clocks(ws, every_case=True)
    engine.dispose()
    seconds = time.perf_counter() - started
    print(f"in-step book: {result.visited:,} cases synced as of {IN_STEP_ON} in {seconds:.0f} s "
          f"({seconds / max(result.visited, 1) * 1000:.2f} ms per case)")
    return target


def with_complaints(book: Path, keep: Path) -> Path:
    """A copy of the in-step `book` with complaints on it, their cases in step as of
    IN_STEP_ON (FILE reused when it exists)."""
    from benchmarks.complaints_scale import (
        CLOSED_COUNT,
        CLOSED_EVERY,
        OPEN_COUNT,
        OPEN_EVERY,
        _insert,
    )
    from db.tables import complaints
    from lossmit_tui.services.clock import BATCH, sync_clocks

    if keep.exists():
        print(f"book with complaints: reusing {keep}")
        return keep
    shutil.copy(book, keep)
    engine = make_engine(str(keep))
    started = time.perf_counter()
    with engine.begin() as conn:
        for every, limit, status in ((OPEN_EVERY, OPEN_COUNT, "open"),
                                     (CLOSED_EVERY, CLOSED_COUNT, "closed")):
            conn.execute(_insert(every, limit, status))
    with engine.connect() as conn:
        ids = sorted(set(conn.execute(sa.select(complaints.c.case_id).where(
            complaints.c.status == "open")).scalars()))
    for start in range(0, len(ids), BATCH):
        with session_scope(engine, write=True) as session:
            sync_clocks(session, None, ids[start:start + BATCH], IN_STEP_ON, CAL, "bench")
    engine.dispose()
    print(f"{OPEN_COUNT:,} open and {CLOSED_COUNT:,} closed complaints added, the "
          f"{len(ids):,} complainants' cases in step as of {IN_STEP_ON}, in "
          f"{time.perf_counter() - started:.0f} s")
    return keep


def counts(db: Path) -> None:
    engine = make_engine(str(db))
    with engine.connect() as conn:
        rows = conn.execute(sa.select(checks_t.c.window_only, sa.func.count())
                            .where(checks_t.c.check_on == FIRST)
                            .group_by(checks_t.c.window_only)).all()
        open_cases = conn.execute(sa.select(sa.func.count()).select_from(cases_t)
                                  .where(cases_t.c.closed_at.is_(None))).scalar_one()
    engine.dispose()
    by_kind = {bool(k): n for k, n in rows}
    print(f"{open_cases:,} open cases; due a change on {FIRST}: {by_kind.get(True, 0):,} with "
          f"only the new live-contact window, {by_kind.get(False, 0):,} other")


def fresh_copy(db: Path) -> Path:
    """A copy of `db`, written out to the disk before the clock starts (the copy's pages
    being flushed in the background would slow the pass)."""
    copy = Path(tempfile.mkdtemp(prefix="clock-")) / "copy.db"
    shutil.copy(db, copy)
    os.sync()
    time.sleep(5)
    return copy


def pass_for(engine, day: date):  # type: ignore[no-untyped-def]
    """The pass as `lossmit refresh` runs it for `day` on `engine`'s store (which it
    changes): (seconds, its result)."""
    from lossmit_tui.services.clock import refresh_clocks

    ws = open_workspace(engine, load_settings(), "bench", day)
    started = time.perf_counter()
    result = refresh_clocks(ws)
    return time.perf_counter() - started, result


def trial_step(engine, day: date) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    """The daily pass's trial step for `day`: (seconds, cases whose trial tasks changed)."""
    from lossmit_tui.services.trials import raise_trial_tasks

    ws = open_workspace(engine, load_settings(), "bench", day)
    started = time.perf_counter()
    touched = raise_trial_tasks(ws)
    return time.perf_counter() - started, touched


def the_pass(db: Path) -> None:
    copy = fresh_copy(db)
    engine = make_engine(str(copy))
    for day in (FIRST, NEXT):
        seconds, result = pass_for(engine, day)
        print(f"pass for {day}: {seconds:.2f} s; {result.visited:,} cases visited, "
              f"{result.rolled:,} new windows added set-wise, {len(result.changed):,} synced "
              f"cases changed ({result.added - result.rolled:,} added, {result.moved:,} "
              f"moved, {result.met:,} met, {result.cancelled:,} cancelled); "
              f"{result.due_soon:,} due within 5 days, {result.newly_missed:,} missed since "
              f"{result.missed_since}")
        seconds, touched = trial_step(engine, day)
        print(f"  trial step for {day}: {seconds:.2f} s, {touched:,} trial cases changed")
    engine.dispose()
    shutil.rmtree(copy.parent)


def per_case(db: Path, sample: int) -> None:
    """The per-case sync on `sample` window-only cases, batch by batch as the pass syncs."""
    from lossmit_tui.services.clock import BATCH, sync_clocks
    from lossmit_tui.services.tasks import recompute_cases

    copy = fresh_copy(db)
    engine = make_engine(str(copy))
    with engine.connect() as conn:
        ids = conn.execute(sa.select(checks_t.c.case_id).where(
            checks_t.c.check_on == FIRST, checks_t.c.window_only.is_(True))
            .limit(sample)).scalars().all()
        total = conn.execute(sa.select(sa.func.count()).select_from(checks_t).where(
            checks_t.c.check_on == FIRST)).scalar_one()
    started = time.perf_counter()
    for start in range(0, len(ids), BATCH):
        with session_scope(engine, write=True) as session:
            result = sync_clocks(session, None, ids[start:start + BATCH], FIRST, CAL, "bench")
            recompute_cases(session.connection(), result.changed, FIRST, DEFAULT_WEIGHTS)
    seconds = time.perf_counter() - started
    engine.dispose()
    shutil.rmtree(copy.parent)
    each = seconds / max(len(ids), 1)
    print(f"per-case sync alone: {len(ids):,} window cases in {seconds:.2f} s, "
          f"{each * 1000:.2f} ms per case; for the {total:,} cases due a change on {FIRST}: "
          f"about {each * total:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("large", type=Path)
    parser.add_argument("--in-step", type=Path, default=None)
    parser.add_argument("--sample", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--complaints", type=Path, default=None)
    args = parser.parse_args()
    book = in_step(args.large, args.in_step)
    if args.complaints is not None:
        book = with_complaints(book, args.complaints)
    counts(book)
    for _ in range(args.runs):
        the_pass(book)
    per_case(book, args.sample)
    if args.in_step is None:
        shutil.rmtree(book.parent)


if __name__ == "__main__":
    main()
