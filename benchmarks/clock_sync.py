"""The per-case clock sync, before and after a change, in the same run.

    python benchmarks/clock_sync.py BOOK.db CHECKOUT [CHECKOUT ...] [--cases N] [--rounds R]

BOOK is a seeded store (`lossmit seed --cases 20000 --seed 1 --today 2026-11-29`). Each
CHECKOUT is a directory holding a version of this project (for example a `git worktree` of the
commit before a change, and this one). For each round, and each checkout in turn (so that a
busy machine slows them alike), a fresh copy of BOOK is synced case by case for 2026-12-02,
500 cases per transaction as the daily pass does, twice: the first sync brings the seeded
tasks in step with the clocks, the second is the steady state an ordinary day meets (tasks
already in step). Prints ms per case for each, wall and CPU (the CPU time is what to compare
on a busy machine), and the median of the rounds.
"""

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

CHILD = r'''
import shutil, sys, tempfile, time
from datetime import date
root, book, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, root)
import sqlalchemy as sa
from db.engine import make_engine, session_scope
from db.migrate import upgrade
from db.tables import cases as cases_t
from lossmit_tui.domain.calendar import BusinessCalendar
from lossmit_tui.services.clock import sync_clocks
folder = tempfile.mkdtemp()
copy = f"{folder}/book.db"
shutil.copy(book, copy)
engine = make_engine(copy)
upgrade(engine)
with engine.connect() as conn:
    ids = conn.execute(sa.select(cases_t.c.id).where(cases_t.c.closed_at.is_(None))
                       .order_by(cases_t.c.id).limit(count)).scalars().all()
calendar = BusinessCalendar()
figures = []
for _ in range(2):
    started, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(ids), 500):
        with session_scope(engine, write=True) as session:
            sync_clocks(session, None, ids[start:start + 500], date(2026, 12, 2), calendar,
                        "bench")
    figures += [(time.perf_counter() - started) * 1000 / len(ids),
                (time.process_time() - cpu) * 1000 / len(ids)]
engine.dispose()
shutil.rmtree(folder)
print(" ".join(f"{f:.3f}" for f in figures))
'''


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("book", type=Path)
    parser.add_argument("checkouts", type=Path, nargs="+")
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    results: dict[Path, list[tuple[float, float]]] = {c: [] for c in args.checkouts}
    for _ in range(args.rounds):
        for checkout in args.checkouts:
            out = subprocess.run([sys.executable, "-c", CHILD, str(checkout.resolve()),
                                  str(args.book), str(args.cases)],
                                 capture_output=True, text=True, check=True).stdout.split()
            first, first_cpu, steady, steady_cpu = (float(x) for x in out)
            results[checkout].append((first, steady, first_cpu, steady_cpu))
            print(f"{checkout}: first sync {first:.2f} ms/case ({first_cpu:.2f} CPU), "
                  f"steady {steady:.2f} ms/case ({steady_cpu:.2f} CPU)", flush=True)
    for checkout, runs in results.items():
        first, steady, first_cpu, steady_cpu = (
            statistics.median(r[i] for r in runs) for i in range(4))
        print(f"median {checkout}: first sync {first:.2f} ms/case ({first_cpu:.2f} CPU), "
              f"steady {steady:.2f} ms/case ({steady_cpu:.2f} CPU) over {args.cases:,} cases")


if __name__ == "__main__":
    main()
