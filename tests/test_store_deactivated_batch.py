"""A deactivated user runs no batch either: importing the servicing extract (a dry run too),
seeding a store and the daily pass (urgency, missed promises, regulatory clocks: `lossmit
refresh`, and the app at start) are refused with PermissionDenied, change nothing, and leave
one audit row: the refusal. A name the store does not know (a new store's first user) is not
refused."""

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.queries import QueueFilter
from db.tables import audit_events, case_clocks, cases, tasks, users
from lossmit_tui.services.daily import run_daily_pass
from lossmit_tui.services.errors import PermissionDenied
from lossmit_tui.services.importer import import_extract
from lossmit_tui.services.seed import seed
from lossmit_tui.services.users import add_user, set_active

from .conftest import TODAY
from .workspace import workspace

pytestmark = pytest.mark.store

TOMORROW = TODAY + timedelta(days=1)  # every stored urgency is stale: a refresh would write
# A1 changes (to ana: sam takes no cases now) and B2 is new: an import would write both.
EXTRACT = ("loan_number,borrower_name,investor,upb,next_due_date,property_state,assignee\n"
           "A1,Ann Lee,FNMA,2000,2026-09-01,TX,ana\n"
           "B2,Bob Ray,FNMA,3000,2026-08-01,TX,ana\n")


@pytest.fixture
def book(one_case: tuple[Engine, int], tmp_path: Path) -> Engine:
    """The team's store with loan A1 (sam's, its clocks running) and an admin, ada, who has
    deactivated sam."""
    engine, _ = one_case
    add_user(workspace(engine, "lee"), "ada", "Ada", "admin", "North")
    set_active(workspace(engine, "ada"), "sam", False)
    (tmp_path / "extract.csv").write_text(EXTRACT)
    return engine


def store_state(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """The cases, tasks, clocks and users, row by row."""
    with engine.connect() as conn:
        return {t.name: sorted((tuple(r) for r in conn.execute(sa.select(t))), key=repr)
                for t in (cases, tasks, case_clocks, users)}


def user_id(engine: Engine, username: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(users.c.id).where(
            users.c.username == username)).scalar_one())


def audit_rows(engine: Engine) -> list[tuple[str, str, dict[str, Any] | None]]:
    with engine.connect() as conn:
        return [(r.username, r.action, r.after) for r in conn.execute(
            sa.select(audit_events).order_by(audit_events.c.id))]


# Each batch, as sam (deactivated), on `engine`; the extract is in `folder`.
BATCHES: dict[str, tuple[str, Callable[[Engine, Path], Any]]] = {
    "import": ("importing a servicing extract", lambda e, folder: import_extract(
        workspace(e, "sam"), folder / "extract.csv")),
    "import, dry run": ("importing a servicing extract", lambda e, folder: import_extract(
        workspace(e, "sam"), folder / "extract.csv", dry_run=True)),
    "seed": ("seeding the store", lambda e, _: seed(e, 5, 1, TODAY, actor_name="sam")),
    "daily pass": ("running the daily pass", lambda e, _: run_daily_pass(
        workspace(e, "sam", TOMORROW))),
    "daily pass, as the app runs it": ("running the daily pass", lambda e, _: run_daily_pass(
        workspace(e, "sam", TOMORROW), first=QueueFilter(assignees=(user_id(e, "sam"),)),
        assignees=(user_id(e, "sam"),))),
    "daily pass, every clock": ("running the daily pass", lambda e, _: run_daily_pass(
        workspace(e, "sam", TOMORROW), every_case=True)),
}


@pytest.mark.parametrize("batch", list(BATCHES))
def test_a_deactivated_user_runs_no_batch(book: Engine, tmp_path: Path, batch: str) -> None:
    attempted, run = BATCHES[batch]
    before, trail = store_state(book), audit_rows(book)
    with pytest.raises(PermissionDenied, match=f"sam is deactivated; {attempted} is refused"):
        run(book, tmp_path)
    assert store_state(book) == before
    added = audit_rows(book)[len(trail):]
    assert [(who, action) for who, action, _ in added] == [("sam", "refused")]
    assert added[0][2] is not None and added[0][2]["attempted"] == attempted


def test_active_users_still_import_and_refresh(book: Engine, tmp_path: Path) -> None:
    report = import_extract(workspace(book, "ana"), tmp_path / "extract.csv")
    assert report.ok and report.added == ["B2"] and report.updated == ["A1"]
    assert run_daily_pass(workspace(book, "ana", TOMORROW)).urgency == 2
    set_active(workspace(book, "ada"), "sam", True)  # sam is back: so is the daily pass
    assert run_daily_pass(workspace(book, "sam", TOMORROW + timedelta(days=1))).urgency == 2
    assert not [row for row in audit_rows(book) if row[1] == "refused"]


def test_a_name_the_store_does_not_know_still_seeds_and_refreshes(engine: Engine) -> None:
    """A new store: whoever seeds it is not one of its users (seed makes its own)."""
    report = seed(engine, 5, 1, TODAY, actor_name="founder")
    assert report.cases == 5
    assert run_daily_pass(workspace(engine, "founder", TOMORROW)).urgency == 5
    assert not [row for row in audit_rows(engine) if row[1] == "refused"]
