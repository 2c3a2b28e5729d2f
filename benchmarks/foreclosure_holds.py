"""The daily hand-off to foreclosure counsel at scale: `lossmit foreclosure holds` on a large
book, and what keeping the holds costs.

    python benchmarks/foreclosure_holds.py LARGE.db [--runs N]

LARGE is a database made with `lossmit seed --cases N --seed 1 --today 2026-11-29`. A seeded
book records referral and sale dates but computes no holds, so the script first syncs, on a
copy, the clocks of every open case with counsel (a referral or a sale date), as the event
that referred it would have: that is the cost of keeping the holds, per case. On a sample of
those cases it then records a complete application, so that some of the sales on the
calendar become sales counsel must postpone.

Then it times the listing (the service `lossmit foreclosure holds` calls) for the admin
(every case) and for one specialist (their own), `--runs` times each, and prints the median.
"""

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa

from db.engine import make_engine, session_scope
from db.migrate import upgrade
from db.tables import case_events, cases, users
from lossmit_tui.config import load_settings
from lossmit_tui.domain.calendar import BusinessCalendar
from lossmit_tui.services.clock import sync_clocks
from lossmit_tui.services.foreclosure import foreclosure_holds
from lossmit_tui.services.workspace import open_workspace

TODAY = date(2026, 11, 29)
BATCH = 500


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--complete-every", type=int, default=10,
                        help="record a complete application on every Nth case with a sale")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.db.parent) as tmp:
        copy = Path(tmp) / "holds.db"
        shutil.copyfile(args.db, copy)
        engine = make_engine(str(copy))
        upgrade(engine)
        calendar = BusinessCalendar()
        with engine.connect() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(cases)).scalar_one()
            with_counsel = conn.execute(sa.select(cases.c.id).where(
                cases.c.closed_at.is_(None), sa.or_(cases.c.fc_referral_date.is_not(None),
                                                    cases.c.fc_sale_date.is_not(None)))
                .order_by(cases.c.id)).scalars().all()
            with_sale = conn.execute(sa.select(cases.c.id).where(
                cases.c.closed_at.is_(None), cases.c.fc_sale_date > TODAY)
                .order_by(cases.c.id)).scalars().all()
        complete = with_sale[::args.complete_every]
        now = datetime.now(UTC)
        with engine.begin() as conn:  # complete applications, the sale date known then
            for case_id, sale in conn.execute(sa.select(cases.c.id, cases.c.fc_sale_date)
                                              .where(cases.c.id.in_(complete))).all():
                conn.execute(case_events.insert().values(
                    case_id=case_id, kind="application_complete", occurred_on=TODAY,
                    payload={"sale_date": sale.isoformat()}, created_at=now))
        started = time.perf_counter()
        for start in range(0, len(with_counsel), BATCH):
            with session_scope(engine, write=True) as session:
                sync_clocks(session, None, with_counsel[start:start + BATCH], TODAY, calendar,
                            "benchmark")
        synced = time.perf_counter() - started
        with engine.connect() as conn:
            held = conn.execute(sa.text(
                "SELECT count(*), sum(fc_hold LIKE 'postpone the sale%') FROM cases "
                "WHERE fc_hold IS NOT NULL")).one()
            specialist = conn.execute(sa.select(users.c.username).where(
                users.c.role == "specialist").order_by(users.c.id).limit(1)).scalar_one()
        print(f"{total:,} cases; {len(with_counsel):,} open with counsel; "
              f"{len(complete):,} given a complete application")
        print(f"keeping the holds: {synced:.1f} s for {len(with_counsel):,} cases "
              f"({1000 * synced / max(1, len(with_counsel)):.2f} ms a case)")
        print(f"holds: {held[0]:,}, of which sales to postpone: {held[1] or 0:,}")
        settings = load_settings()
        for who in ("admin", specialist):
            ws = open_workspace(engine, settings, who, TODAY)
            times, count = [], 0
            for _ in range(args.runs):
                started = time.perf_counter()
                count = len(foreclosure_holds(ws))
                times.append(time.perf_counter() - started)
            print(f"listing for {who}: {count:,} holds, median "
                  f"{1000 * statistics.median(times):.0f} ms over {args.runs} runs "
                  f"(min {1000 * min(times):.0f}, max {1000 * max(times):.0f})")
        engine.dispose()


if __name__ == "__main__":
    main()
