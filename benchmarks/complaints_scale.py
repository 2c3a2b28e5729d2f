"""Complaints at scale: 50,000 open complaints (and 50,000 closed ones, their history) on the
1,000,000-case book.

    python benchmarks/complaints_scale.py LARGE.db [--keep FILE] [--runs 5] [--sample 2000]

LARGE is a database made with `lossmit seed --cases 1000000 --seed 1 --today 2026-11-29`; it
is never changed. The script copies it (or reuses FILE with `--keep` once made), brings the
copy to this checkout's schema with `lossmit --db COPY db upgrade`, inserts the complaints
set-wise (one INSERT ... SELECT each: the open ones on every 19th open case, the closed ones
on every 13th, received over the 45 days before 2026-11-29, notices of error in every
category and requests for information), and syncs the cases with an open complaint once so
their deadline tasks exist (the preparation, timed but not a target).

Then, median of `--runs`:

- the Complaints view (the queue filtered to cases with an open complaint) as the queue
  screen opens it: the first page of 100 rows in act-next order, the view's count and the
  count shown on its tab, for a lead's All open and for one specialist;
- `lossmit complaint list` (the open complaints a lead may act on, with their clocks);
- the clock sync's complaint step for `--sample` cases (reading their complaints and working
  out the clocks), as the daily pass does it for every case it visits, in ms per case, and
  the whole per-case sync on the same cases with and without their complaints.
"""

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa

from db.engine import make_engine, session_scope
from db.queries import ANYONE, QueueFilter, queue_count, queue_window
from db.tables import cases, complaints, users
from lossmit_tui.config import load_settings
from lossmit_tui.domain.calendar import BusinessCalendar
from lossmit_tui.services.workspace import open_workspace

TODAY = date(2026, 11, 29)
CAL = BusinessCalendar()
OPEN_EVERY, CLOSED_EVERY, OPEN_COUNT, CLOSED_COUNT = 19, 13, 50_000, 50_000


def prepare(large: Path, keep: Path | None) -> Path:
    """A copy of LARGE at this schema with the complaints and their tasks (FILE reused as
    far as it got)."""
    target = keep or Path(tempfile.mkdtemp(prefix="complaints-")) / "book.db"
    if target.exists():
        print(f"prepared book: reusing {target}")
    else:
        started = time.perf_counter()
        shutil.copyfile(large, target)
        wal = Path(f"{large}-wal")
        if wal.exists() and wal.stat().st_size:
            shutil.copyfile(wal, Path(f"{target}-wal"))
        print(f"copied in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "lossmit_tui", "--db", str(target), "db",
                    "upgrade"], check=True)
    print(f"lossmit db upgrade in {time.perf_counter() - started:.0f} s")
    for backup in target.parent.glob(f"{target.name}.bak-*"):
        backup.unlink()  # the upgrade's safety copy of a throwaway file
    engine = make_engine(str(target))
    with engine.connect() as conn:
        have = conn.execute(sa.select(sa.func.count()).select_from(complaints)).scalar_one()
    if have:
        print(f"{have:,} complaints already there")
        engine.dispose()
        return target
    started = time.perf_counter()
    with engine.begin() as conn:
        for every, limit, status in ((OPEN_EVERY, OPEN_COUNT, "open"),
                                     (CLOSED_EVERY, CLOSED_COUNT, "closed")):
            conn.execute(_insert(every, limit, status))
    print(f"{OPEN_COUNT:,} open and {CLOSED_COUNT:,} closed complaints inserted set-wise in "
          f"{time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    with engine.connect() as conn:
        ids = sorted(set(conn.execute(sa.select(complaints.c.case_id).where(
            complaints.c.status == "open")).scalars()))
    synced = sync(engine, ids)
    print(f"deadline tasks of {len(ids):,} cases with an open complaint brought in step in "
          f"{synced:.0f} s ({synced / len(ids) * 1000:.2f} ms a case)")
    engine.dispose()
    return target


def _insert(every: int, limit: int, status: str) -> sa.Insert:
    c = cases.c
    kind = c.id % 3
    request = kind == 0
    now = datetime(2026, 11, 29, 12, tzinfo=UTC)
    closed_on = sa.func.date("2026-11-29", "-" + sa.cast(c.id % 5, sa.String) + " days")
    source = (sa.select(
        c.id, sa.func.date("2026-11-29", "-" + sa.cast(c.id % 45, sa.String) + " days"),
        sa.case((c.id % 10 == 1, "email"), (c.id % 10 == 2, "cfpb_portal"),
                (c.id % 10 == 3, "phone"), else_="mail"),
        sa.case((request, "request_for_information"), else_="notice_of_error"),
        sa.case((request, None), else_="b" + sa.cast(1 + c.id % 11, sa.String)),
        sa.case((request, sa.case((c.id % 2 == 0, "owner_identity"), else_="other")),
                else_=None),
        sa.case((request, "who owns my loan"), else_=None),
        sa.literal("benchmark complaint"), sa.true(), sa.false(), sa.literal(15),
        c.assignee_id, sa.literal(status), sa.literal(0), sa.false(),
        sa.literal(now, sa.DateTime), sa.literal(now, sa.DateTime), sa.literal(1),
        closed_on if status == "closed" else sa.null(),
        closed_on if status == "closed" else sa.null(),
        sa.literal("no_error") if status == "closed" else sa.null(),
        sa.literal("no_error") if status == "closed" else sa.null())
        .where(c.closed_at.is_(None), c.id % every == 0).order_by(c.id).limit(limit))
    return complaints.insert().from_select(
        ["case_id", "received_on", "channel", "complaint_type", "category", "topic", "asked",
         "borrower_text", "at_designated", "address_designated", "target_bd", "owner_id",
         "status", "remediation_cents", "corrected", "created_at", "updated_at", "version",
         "closed_on", "responded_on", "finding", "root_cause"], source)


def sync(engine: sa.Engine, ids: list[int]) -> float:
    from lossmit_tui.services.clock import BATCH, sync_clocks

    started = time.perf_counter()
    for start in range(0, len(ids), BATCH):
        with session_scope(engine, write=True) as session:
            sync_clocks(session, None, ids[start:start + BATCH], TODAY, CAL, "bench")
    return time.perf_counter() - started


def timed(runs: int, what) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    """Median, lowest and highest of `runs` timings of `what()`, in ms."""
    found = []
    for _ in range(runs):
        started = time.perf_counter()
        what()
        found.append((time.perf_counter() - started) * 1000)
    return statistics.median(found), min(found), max(found)


def show(label: str, figures: tuple[float, float, float]) -> None:
    median, low, high = figures
    print(f"{label}: median {median:.0f} ms ({low:.0f}-{high:.0f})")


def the_view(engine: sa.Engine, runs: int) -> None:
    with engine.connect() as conn:
        busiest = conn.execute(
            sa.select(complaints.c.owner_id, sa.func.count()).where(
                complaints.c.status == "open", complaints.c.owner_id.is_not(None))
            .group_by(complaints.c.owner_id).order_by(sa.func.count().desc()).limit(1)).one()
    for who, assignees in (("lead, All open", ANYONE),
                           (f"specialist {busiest[0]} ({busiest[1]} open complaints)",
                            (busiest[0],))):
        f = QueueFilter(assignees=assignees, open_complaints=True)
        everything = QueueFilter(assignees=assignees)

        def opening(f: QueueFilter = f) -> None:
            with engine.connect() as conn:
                rows = queue_window(conn, f, 0, 100)
                assert rows
                queue_count(conn, f)
                queue_count(conn, f)  # the view's own count on its tab

        with engine.connect() as conn:
            shown = queue_count(conn, f)
            total = queue_count(conn, everything)
        show(f"Complaints view, {who}: {shown:,} of {total:,} open cases", timed(runs, opening))


def the_list(engine: sa.Engine, runs: int) -> None:
    from lossmit_tui.services.complaints import open_complaints

    with engine.connect() as conn:
        lead = conn.execute(sa.select(users.c.username).where(users.c.role == "admin")
                            .limit(1)).scalar_one()
    ws = open_workspace(engine, load_settings(), lead, TODAY)
    show(f"lossmit complaint list (open_complaints, {lead}, first 500)",
         timed(runs, lambda: open_complaints(ws)))


def the_pass(engine: sa.Engine, runs: int, sample: int) -> None:
    """The complaint step of the clock sync on `sample` cases with an open complaint, and
    the whole sync of those cases, against the same number without a complaint."""
    from lossmit_tui.services.complaint_clocks import complaint_task_clocks

    with engine.connect() as conn:
        with_complaint = sorted(set(conn.execute(sa.select(complaints.c.case_id).where(
            complaints.c.status == "open").limit(sample)).scalars()))
        without = conn.execute(sa.select(cases.c.id).where(
            cases.c.closed_at.is_(None), cases.c.id % OPEN_EVERY == 1,
            cases.c.id % CLOSED_EVERY != 0).limit(len(with_complaint))).scalars().all()

    def step() -> None:
        with engine.connect() as conn:
            for start in range(0, len(with_complaint), 500):
                complaint_task_clocks(conn, with_complaint[start:start + 500], TODAY, CAL)

    median, low, high = timed(runs, step)
    print(f"the sync's complaint step, {len(with_complaint):,} cases with one: "
          f"{median / len(with_complaint):.3f} ms a case (total median {median:.0f} ms, "
          f"{low:.0f}-{high:.0f})")
    for label, ids in (("with an open complaint", with_complaint),
                       ("without a complaint", list(without))):
        seconds = [sync(engine, ids) for _ in range(runs)]
        each = statistics.median(seconds) / len(ids) * 1000
        print(f"whole per-case sync (steady state), {len(ids):,} cases {label}: "
              f"{each:.2f} ms a case (median of {runs})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("large", type=Path)
    parser.add_argument("--keep", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--no-sync", action="store_true",
                        help="leave out the clock sync's figures (the slowest part)")
    args = parser.parse_args()
    book = prepare(args.large, args.keep)
    engine = make_engine(str(book))
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    the_view(engine, args.runs)
    the_list(engine, args.runs)
    if not args.no_sync:
        the_pass(engine, args.runs, args.sample)
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    engine.dispose()
    if args.keep is None:
        shutil.rmtree(book.parent)


if __name__ == "__main__":
    main()
