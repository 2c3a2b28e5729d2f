"""The daily extract at size: `lossmit import` of each FILE into a fresh copy of STORE.

    python benchmarks/import_speed.py STORE.db FILE.csv [FILE.csv ...] [--code DIR ...]

STORE is a SQLite store made with `lossmit seed --cases N --seed 1 --today 2026-11-29`; the
files are extracts made from its `lossmit export` (balances changed, due dates moved, new
loan numbers, a bad last row...). Each import runs as its own process, as admin, on a copy of
the store made before the clock starts (the copy is removed after). Reported per run: the
whole command's wall time, its CPU time (user + system: steadier than wall time on a shared
machine), its peak memory (maximum resident set), its exit status and the last line it
printed.

`--code DIR` (repeatable) runs the imports with that checkout of the project (e.g. a git worktree
of an earlier commit) instead of this one: give two to measure before and after in the same run;
the runs alternate between them.
"""

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TODAY = "2026-11-29"


def run_import(code: Path, store: Path, extract: Path) -> dict[str, object]:
    """One `lossmit import` with the checkout at `code`, on a fresh copy of `store`."""
    copy = store.with_name(store.stem + ".import-bench.db")
    for leftover in (copy, Path(f"{copy}-wal"), Path(f"{copy}-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(store, copy)
    command = [sys.executable, "-m", "lossmit_tui", "--db", str(copy), "--user", "admin",
               "--today", TODAY, "import", str(extract)]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=code, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "LOSSMIT_CONFIG": os.devnull})
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    for leftover in (copy, Path(f"{copy}-wal"), Path(f"{copy}-shm")):
        leftover.unlink(missing_ok=True)
    lines = [line for line in output.splitlines() if line.strip()]
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "peak_mb": usage.ru_maxrss / 1024, "exit": process.returncode,
            "said": lines[-1][:90] if lines else ""}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("files", type=Path, nargs="+")
    parser.add_argument("--code", type=Path, action="append",
                        help="another checkout to run the same imports with")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    codes = args.code or [ROOT]
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    print("| code | file | wall s | CPU s | peak MB | exit | last line |")
    print("|---|---|---:|---:|---:|---:|---|")
    for _ in range(args.rounds):
        for extract in args.files:
            for code in codes:
                result = run_import(code, args.store, extract)
                print(f"| {code.name} | {extract.name} | {result['wall']:.1f} | "
                      f"{result['cpu']:.1f} | {result['peak_mb']:.0f} | {result['exit']} | "
                      f"{result['said']} |", flush=True)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
