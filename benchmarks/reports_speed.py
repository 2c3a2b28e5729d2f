"""Management reports at scale: each report for one month, by portfolio and by team, the
scorecard's first figures (this month and the prior one, what the screen shows first) and its
13 months, and the drill-down to the loans behind a figure.

    python benchmarks/reports_speed.py STORE.db [--cases N] [--reports a,b] [--by portfolio,team]
                                       [--month 2026-10] [--no-drill] [--copy]

STORE is a database made with `lossmit seed --cases N --seed 1 --today 2026-11-29` (the seed
writes 13 months of status history unless given --no-history). When STORE does not exist and
--cases is given, the script seeds it first and reports the seed's time. --copy works on a
copy (STORE.reports-bench.db, removed at the end), for a store that must not change: the
script upgrades the store to the current schema (the reports' indexes) before timing.

Every figure is one run on a warm cache (a first untimed run of the first report reads the
pages in), as wall time and this process's CPU time (SQLite runs in the process: on a shared
machine the CPU time is the steadier figure), with the peak resident memory at the end. Run
it with a checkout's virtual environment to time that checkout's code (with
REPORTS_BENCH_INSTALLED=1 it times the installed package instead of the checkout beside it).
"""

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

if os.environ.get("REPORTS_BENCH_INSTALLED") != "1":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa

from db.engine import make_engine
from db.migrate import ensure_current
from db.tables import users
from lossmit_tui.config import load_settings
from lossmit_tui.services.reports import REPORTS, run_report
from lossmit_tui.services.workspace import open_workspace

TODAY = date(2026, 11, 29)
DRILLS = ("roll current->30+", "roll 30->60+", "cure rate (60+ three months before)",
          "right-party contact rate", "deadlines met on time", "open loans in the pipeline")


def seed(path: Path, cases: int) -> None:
    lossmit = Path(sys.executable).with_name("lossmit")
    started = time.perf_counter()
    subprocess.run([str(lossmit), "--db", str(path), "seed", "--cases", str(cases), "--seed",
                    "1", "--today", TODAY.isoformat()], check=True)
    print(f"seed {cases:,} cases with history: {time.perf_counter() - started:.1f} s")


def copy_of(store: Path) -> Path:
    target = store.with_name(store.stem + ".reports-bench.db")
    for suffix in ("", "-wal", "-shm"):
        source = Path(str(store) + suffix)
        if source.exists():
            shutil.copyfile(source, str(target) + suffix)
    return target


def timed(label: str, run):  # type: ignore[no-untyped-def]
    started, cpu = time.perf_counter(), time.process_time()
    result = run()
    print(f"{label:<62} {time.perf_counter() - started:8.2f} s"
          f" (cpu {time.process_time() - cpu:.2f} s)", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("store", type=Path)
    parser.add_argument("--cases", type=int)
    parser.add_argument("--reports", default=",".join(REPORTS))
    parser.add_argument("--by", default="portfolio,team")
    parser.add_argument("--month", default="2026-10")
    parser.add_argument("--no-drill", action="store_true")
    parser.add_argument("--copy", action="store_true")
    parser.add_argument("--no-warm", action="store_true")
    args = parser.parse_args()
    store: Path = args.store
    if not store.exists():
        if not args.cases:
            sys.exit(f"{store} does not exist: give --cases to seed it")
        seed(store, args.cases)
    path = copy_of(store) if args.copy else store
    try:
        engine = make_engine(f"sqlite:///{path}")
        ensure_current(engine)
        with engine.connect() as conn:
            admin = conn.execute(sa.select(users.c.username).where(
                users.c.role == "admin").order_by(users.c.id).limit(1)).scalar_one()
        ws = open_workspace(engine, load_settings(), admin, TODAY)
        year, month_no = (int(p) for p in args.month.split("-"))
        month = date(year, month_no, 1)
        prior = date(year - (month_no == 1), (month_no - 2) % 12 + 1, 1)
        os.system("uptime")
        reports = args.reports.split(",")
        if not args.no_warm:
            run_report(ws, reports[0], [month])  # warm the cache
        for by in args.by.split(","):
            for name in reports:
                timed(f"{name} by {by}, one month",
                      lambda: run_report(ws, name, [month], by))  # noqa: B023
        if "scorecard" in reports and not args.no_drill:
            timed("scorecard, this month and the prior (screen's first figures)",
                  lambda: run_report(ws, "scorecard", [prior, month]))
            months = [date(year + (month_no - 13 + k) // 12, (month_no - 13 + k) % 12 + 1, 1)
                      for k in range(1, 14)]
            timed("scorecard, 13 months (the screen's trends)",
                  lambda: run_report(ws, "scorecard", months))
        if not args.no_drill:
            figures = run_report(ws, "scorecard", [month])
            for metric in DRILLS:
                figure = next(f for f in figures if f.metric == metric)
                ids = timed(f"drill-down: {metric}", lambda: figure.ids)  # noqa: B023
                print(f"{'':<4}{len(ids):,} loans")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak resident memory {peak:.0f} MB")
        os.system("uptime")
    finally:
        if args.copy:
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
