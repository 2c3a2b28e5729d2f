"""What the audit trail's hash chain costs, chain on against chain off in the same run.

    python benchmarks/audit_chain.py [CASES]        # default 50,000 cases, SQLite
    LOSSMIT_BENCH_PG=postgresql://... python benchmarks/audit_chain.py [CASES]

Seeds a store (`lossmit seed --cases CASES --seed 1`), makes two copies (SQLite: files;
PostgreSQL: databases from a template) and drops the chain trigger on one, then on each times
(medians of 3) a reassignment of 5,000 open cases (preview, commit, undo: 5,000 audit rows per
commit and per undo, each row chained) and a burst of 500 single-call transactions (one
audit row each). Finally `lossmit audit --verify`'s check over the whole trail of the copy
with the chain."""

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

import sqlalchemy as sa

from db.audit_chain import verify
from db.engine import make_engine
from db.tables import audit_events, cases, users
from lossmit_tui.config import load_settings
from lossmit_tui.services import reassign
from lossmit_tui.services.calls import NewCall, log_call
from lossmit_tui.services.workspace import open_workspace

TODAY = date(2026, 11, 29)


def seed(url: str, n: int) -> None:
    subprocess.run([str(Path(sys.executable).with_name("lossmit")), "--db", url, "seed", "--cases",
                    str(n), "--seed", "1", "--today", TODAY.isoformat()], check=True,
                   stdout=subprocess.DEVNULL)


def timed(engine: sa.Engine) -> dict[str, float]:
    admin = "admin"
    with engine.connect() as conn:
        givers = list(conn.execute(sa.select(users.c.id).where(users.c.role == "specialist")
                                   .order_by(users.c.id).limit(25)).scalars())
        ids = tuple(conn.execute(sa.select(cases.c.id).where(
            cases.c.assignee_id.in_(givers), cases.c.closed_at.is_(None))
            .order_by(cases.c.id).limit(5000)).scalars())
        receivers = list(conn.execute(sa.select(users.c.username).where(
            users.c.role == "specialist").order_by(users.c.id.desc()).limit(3)).scalars())
        call_cases = list(conn.execute(sa.select(cases.c.id).where(cases.c.closed_at.is_(None))
                                       .order_by(cases.c.id.desc()).limit(500)).scalars())
    ws = open_workspace(engine, load_settings(), admin, TODAY)
    commits, undos = [], []
    for _ in range(3):
        plan = reassign.preview(ws, reassign.Selection(case_ids=ids), receivers, "least-loaded")
        started = time.perf_counter()
        reassign.apply(ws, plan, reassign.Reason("balancing"))
        committed = time.perf_counter()
        reassign.undo_last(ws)
        undos.append(time.perf_counter() - committed)
        commits.append(committed - started)
    started = time.perf_counter()
    for case_id in call_cases:
        log_call(ws, case_id, NewCall("inbound", "borrower", "right_party_contact",
                                      body="Bench call"))
    calls = time.perf_counter() - started
    return {"commit": statistics.median(commits), "undo": statistics.median(undos),
            "calls": calls, "moved": len(ids)}


def main(n: int) -> None:
    pg = os.environ.get("LOSSMIT_BENCH_PG")
    work = Path(tempfile.mkdtemp(prefix="chain-bench-"))
    if pg:
        server = sa.create_engine(pg.replace("postgresql://", "postgresql+psycopg://", 1),
                                  isolation_level="AUTOCOMMIT")
        base = sa.engine.make_url(pg)

        def url(name: str) -> str:
            return base.set(database=name).render_as_string(hide_password=False)
        with server.connect() as conn:
            for name in ("chain_seed", "chain_on", "chain_off"):
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.exec_driver_sql("CREATE DATABASE chain_seed")
        seed(url("chain_seed"), n)
        with server.connect() as conn:
            for name in ("chain_on", "chain_off"):
                conn.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE chain_seed")
        on, off = url("chain_on"), url("chain_off")
    else:
        seed(str(work / "seed.db"), n)
        for name in ("on", "off"):
            shutil.copyfile(work / "seed.db", work / f"{name}.db")
        on, off = str(work / "on.db"), str(work / "off.db")
    off_engine = make_engine(off)
    with off_engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_events_chain" + (
            " ON audit_events" if pg else ""))
    on_engine = make_engine(on)
    with on_engine.connect() as conn:
        rows = conn.execute(sa.select(sa.func.count()).select_from(audit_events)).scalar_one()
    print(f"{'PostgreSQL' if pg else 'SQLite'}, {n:,} cases seeded, {rows:,} audit rows")
    for label, engine in (("chain off", off_engine), ("chain on", on_engine),
                          ("chain off", off_engine), ("chain on", on_engine)):
        t = timed(engine)
        print(f"{label}: reassign {t['moved']:,.0f} commit {t['commit']:.2f} s, undo "
              f"{t['undo']:.2f} s; 500 calls {t['calls']:.2f} s", flush=True)
    with on_engine.connect() as conn:
        started = time.perf_counter()
        report = verify(conn)
        took = time.perf_counter() - started
    print(f"verify: {report.rows:,} rows, ok={report.ok}, {took:.2f} s")
    on_engine.dispose()
    off_engine.dispose()
    shutil.rmtree(work)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
