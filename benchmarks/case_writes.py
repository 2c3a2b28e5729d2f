"""One specialist's writes to one case on a large book: a task added, the task completed, a
call logged and an event recorded, each its own transaction as the screens make them.

    python benchmarks/case_writes.py LARGE.db [--code DIR ...] [--rounds N] [--cases N]

LARGE is a store at the current schema (e.g. a copy of a `lossmit seed --cases 1000000`
book after `lossmit db upgrade`); the script works on a copy of it and removes it. Each
`--code DIR` is a checkout of the project (a git worktree of another commit): every round
runs each checkout's code in its own process on the same copy, one after the other, so the
comparison shares the machine's load. Prints the median milliseconds per write.
"""

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

_CHILD = r"""
import json, sys, time
from datetime import date, timedelta
sys.path.insert(0, sys.argv[1])
import sqlalchemy as sa
from db.engine import make_engine
from db.tables import cases, users
from lossmit_tui.config import load_settings
from lossmit_tui.services.calls import NewCall, log_call
from lossmit_tui.services.cases import NewEvent, record_event
from lossmit_tui.services.tasks import NewTask, add_task, complete_task
from lossmit_tui.services.workspace import open_workspace

engine = make_engine(sys.argv[2])
n = int(sys.argv[3])
today = date(2026, 11, 30)
with engine.connect() as conn:
    rows = conn.execute(sa.select(cases.c.id, users.c.username).join(
        users, users.c.id == cases.c.assignee_id).where(cases.c.closed_at.is_(None))
        .order_by(cases.c.id).offset(int(sys.argv[4])).limit(n)).all()
times = {"add task": [], "complete task": [], "log call": [], "record event": []}
for case_id, username in rows:
    ws = open_workspace(engine, load_settings(), username, today)
    ws.calendar  # the holiday tables load once per session, before the first write
    t = time.perf_counter()
    task = add_task(ws, case_id, NewTask("callback", "Call back", today + timedelta(days=2)))
    times["add task"].append(time.perf_counter() - t)
    t = time.perf_counter()
    complete_task(ws, task.id, "called")
    times["complete task"].append(time.perf_counter() - t)
    t = time.perf_counter()
    log_call(ws, case_id, NewCall("outbound", "none", "no_answer", body="no answer"))
    times["log call"].append(time.perf_counter() - t)
    t = time.perf_counter()
    record_event(ws, case_id, NewEvent("written_notice_sent", today, ""))
    times["record event"].append(time.perf_counter() - t)
print(json.dumps(times))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("large", type=Path)
    parser.add_argument("--code", type=Path, action="append", default=[])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cases", type=int, default=5)
    args = parser.parse_args()
    code = args.code or [Path(__file__).resolve().parents[1]]
    work = Path(tempfile.mkdtemp(prefix="writes-"))
    copy = work / "copy.db"
    shutil.copy(args.large, copy)
    results: dict[str, dict[str, list[float]]] = {str(c): {} for c in code}
    try:
        for round_no in range(args.rounds):
            for index, root in enumerate(code):
                offset = 1000 * (round_no * len(code) + index)  # fresh cases each run
                out = subprocess.run([sys.executable, "-c", _CHILD, str(root), str(copy),
                                      str(args.cases), str(offset)], check=True,
                                     capture_output=True, text=True).stdout
                for what, seconds in json.loads(out.splitlines()[-1]).items():
                    results[str(root)].setdefault(what, []).extend(seconds)
    finally:
        shutil.rmtree(work)
    for root, by_write in results.items():
        print(root)
        for what, seconds in by_write.items():
            print(f"  {what:<14} median {statistics.median(seconds) * 1000:8.1f} ms "
                  f"(min {min(seconds) * 1000:.1f}, max {max(seconds) * 1000:.1f}; "
                  f"{len(seconds)} writes)")


if __name__ == "__main__":
    main()
