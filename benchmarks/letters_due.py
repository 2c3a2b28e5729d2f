"""`lossmit letters due` on a big book, in one process: the service for each user named.

    python benchmarks/letters_due.py COPY.db [--user NAME ...] [--today YYYY-MM-DD] [--runs N]

COPY.db is a store at the current schema (a copy of the seeded 1,000,000-case book brought up
with `lossmit --db COPY.db db upgrade`; never the original). For each user prints, per run, the
wall and CPU seconds of the whole list (`owed_letters`), and where the code has them, of the
first page of 50 and of the counts by kind. The first run of each user warms the file cache.
"""

import argparse
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from db.engine import make_engine
from lossmit_tui.config import load_settings
from lossmit_tui.services.letters import owed_letters
from lossmit_tui.services.workspace import open_workspace


def timed(what: str, fn) -> object:  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    print(f"  {what}: {time.perf_counter() - wall:.2f} s wall, "
          f"{time.process_time() - cpu:.2f} s CPU", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db")
    parser.add_argument("--user", action="append")
    parser.add_argument("--today", default="2026-11-29")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    engine = make_engine(args.db)
    settings = load_settings(db=args.db)
    try:
        from lossmit_tui.services.letters_due import Page, owed_counts
    except ImportError:  # the code before paging
        Page = owed_counts = None  # type: ignore[assignment,misc]
    for user in args.user or ["jscott", "admin"]:
        ws = open_workspace(engine, settings, user, date.fromisoformat(args.today))
        for run in range(args.runs):
            print(f"{user}, run {run + 1}:")
            owed = timed("whole list", lambda ws=ws: owed_letters(ws))
            print(f"    {len(owed):,} owed")  # type: ignore[arg-type]
            if Page is not None:
                timed("first page of 50",
                      lambda ws=ws: owed_letters(ws, page=Page(limit=50)))  # type: ignore[misc]
                counts = timed("counts by kind", lambda ws=ws: owed_counts(ws))  # type: ignore[misc]
                print(f"    {counts}")


if __name__ == "__main__":
    main()
