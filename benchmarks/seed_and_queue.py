"""Seed N cases into a temporary SQLite database and time `lossmit seed` and
`lossmit queue --limit 50` for a specialist and `--view all` for a lead (median of 5 runs,
whole-process wall time, after the day's first run has recorded the urgency weights).

    python benchmarks/seed_and_queue.py [N ...]        (default: 10000 100000 1000000)

Prints a Markdown table for benchmarks/README.md.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TODAY = "2026-11-29"
RUNS = 5


def lossmit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lossmit_tui", *args], capture_output=True,
                          text=True, check=True, env={**os.environ, "LOSSMIT_CONFIG": os.devnull})


def wall(*args: str) -> float:
    started = time.perf_counter()
    lossmit(*args)
    return time.perf_counter() - started


def measure(cases: int, workdir: Path) -> dict[str, float | int]:
    db = workdir / f"bench-{cases}.db"
    seed_s = wall("seed", "--cases", str(cases), "--seed", "1", "--db", str(db),
                  "--today", TODAY)
    users = json.loads(lossmit("users", "list", "--format", "json", "--db", str(db)).stdout)
    user = next(u["username"] for u in users if u["role"] == "specialist")
    lead = next(u["username"] for u in users if u["role"] == "lead")
    common = ("--limit", "50", "--db", str(db), "--today", TODAY)
    wall("queue", "--view", "all", "--user", lead, *common)  # the day's first run: weights
    mine = statistics.median(wall("queue", "--user", user, *common) for _ in range(RUNS))
    every = statistics.median(wall("queue", "--view", "all", "--user", lead, *common)
                              for _ in range(RUNS))
    return {"cases": cases, "seed_s": seed_s, "queue_mine_s": mine, "queue_all_s": every,
            "db_mb": db.stat().st_size / 2**20}


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory(prefix="lossmit-bench-") as tmp:
        rows = [measure(n, Path(tmp)) for n in sizes]
    print("| cases | seed (s) | `queue --limit 50` mine (s) | `queue --view all --limit 50` (s)"
          " | database (MB) |")
    print("|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['cases']:,} | {r['seed_s']:.1f} | {r['queue_mine_s']:.2f} | "
              f"{r['queue_all_s']:.2f} | {r['db_mb']:.0f} |")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000, 1_000_000])
