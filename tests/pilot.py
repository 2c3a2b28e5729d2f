"""Helpers for driving the app with Pilot."""

from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine
from textual.app import App

from db.engine import make_engine
from db.migrate import ensure_current


def seeded_book(path: Path, cases: int, seed_value: int,
                today: date) -> tuple[Engine, str, str]:
    """A store at `path` seeded with `cases` cases: the engine, its first specialist and its
    lead."""
    from lossmit_tui.services.seed import seed

    engine = make_engine(str(path))
    ensure_current(engine)
    report = seed(engine, cases, seed_value, today)
    return engine, report.specialist, report.lead


async def settle(app: App[None], pilot) -> None:  # type: ignore[no-untyped-def]
    """Let workers finish and their messages land (no sleeping)."""
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()
