"""The workspace tests act in: one store, one user, a pinned day (and clock)."""

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy.engine import Engine

from lossmit_tui.config import Settings, load_settings
from lossmit_tui.services.workspace import Workspace, open_workspace

from .conftest import TODAY


def workspace(engine: Engine, user: str, today: date = TODAY, *,
              settings: Settings | None = None,
              clock: Callable[[], datetime] | None = None) -> Workspace:
    """The workspace of `user` on `today` (the developer's own config never leaks in: the
    autouse fixture points LOSSMIT_CONFIG at a missing file)."""
    return open_workspace(engine, settings or load_settings(), user, today, clock)
