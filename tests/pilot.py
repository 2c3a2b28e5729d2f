"""Helpers for driving the app with Pilot."""

import asyncio
import atexit
import shutil
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from time import monotonic

from sqlalchemy.engine import Engine
from textual.app import App

from db.engine import make_engine
from db.migrate import ensure_current

# Books seeded in this process, by (cases, seed, day): the file and its specialist and lead.
_SEEDED: dict[tuple[int, int, date], tuple[Path, str, str]] = {}


def _seeded_file(cases: int, seed_value: int, today: date) -> tuple[Path, str, str]:
    """A book seeded once per process (the seed is deterministic): copies are much faster."""
    key = (cases, seed_value, today)
    if key not in _SEEDED:
        from lossmit_tui.services.seed import seed

        folder = Path(tempfile.mkdtemp(prefix="lossmit-seeded-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        path = folder / "book.db"
        engine = make_engine(str(path))
        ensure_current(engine)
        report = seed(engine, cases, seed_value, today)
        engine.dispose()  # the last connection closed: the write-ahead log is in the file
        assert not path.with_name(f"{path.name}-wal").exists()
        _SEEDED[key] = (path, report.specialist, report.lead)
    return _SEEDED[key]


def seeded_book(path: Path, cases: int, seed_value: int,
                today: date) -> tuple[Engine, str, str]:
    """A store at `path` seeded with `cases` cases: the engine, its first specialist and its
    lead. A copy of the same book seeded once per process."""
    seeded, specialist, lead = _seeded_file(cases, seed_value, today)
    shutil.copyfile(seeded, path)
    engine = make_engine(str(path))
    ensure_current(engine)  # the copy is at the current schema: this only checks
    return engine, specialist, lead


async def workers_done(app: App[None]) -> None:
    """Wait for the app's workers. A worker cancelled meanwhile (a newer read of the same
    group replaced it: the store changed) is not an error here; wait for its successor. Nor
    is a failed look of the app's store-change watcher (a test that takes the database away
    sees it fail on its next poll, whenever that falls): what a test checks is what the
    screens say. Any other worker's failure is raised."""
    from textual.worker import WorkerCancelled

    for _ in range(10):
        workers = list(app.workers)
        try:
            outcomes = await asyncio.gather(*(w.wait() for w in workers),
                                            return_exceptions=True)
        except asyncio.CancelledError:
            return
        for worker, outcome in zip(workers, outcomes, strict=True):
            if isinstance(outcome, WorkerCancelled) or worker.group == "store-watch":
                continue
            if isinstance(outcome, BaseException):
                raise outcome
        if not any(isinstance(o, WorkerCancelled) for o in outcomes):
            return


async def settle(app: App[None], pilot) -> None:  # type: ignore[no-untyped-def]
    """Let workers finish and their messages land (no sleeping)."""
    for _ in range(3):
        await pilot.pause()
        await workers_done(app)
    await pilot.pause()


async def settle_when(app: App[None], pilot,  # type: ignore[no-untyped-def]
                      condition: Callable[[], bool], within: float) -> None:
    """Pause until `condition()` holds or `within` seconds have passed (a poll of the app's,
    say), then settle: no longer than sleeping `within` seconds, and usually much shorter.
    The caller asserts what it waited for."""
    deadline = monotonic() + within
    while not condition() and monotonic() < deadline:
        await pilot.pause(0.05)
    await settle(app, pilot)
