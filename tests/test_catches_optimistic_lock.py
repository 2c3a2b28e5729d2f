"""Two people edit the same case: both read version v, the first saves, and the second is
refused with a Conflict while the stored data stays the first's. The refusal must come from
the versioned write itself (`UPDATE cases ... WHERE id = ? AND version = v`), not only from
the check made when the case was read: on PostgreSQL another session can commit between that
read and the write.

On PostgreSQL the race is run for real: a second session holds an uncommitted change of the
case (its row lock) while the service runs in a thread and blocks on that lock; the second
session then commits. SQLite takes its write lock before the service reads anything, so the
same race cannot happen there; on both backends the interleaving is also reproduced by
handing the service the row as it was read before the first save."""

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

import lossmit_tui.services.cases as case_service
from db.models import Case, Task, User
from lossmit_tui.services import reassign
from lossmit_tui.services.errors import Conflict, ServiceError
from lossmit_tui.services.workspace import Workspace

from .workspace import workspace

cases_t = Case.__table__
FIRST, SECOND = "2145550101", "2145550199"  # the phones the two people type


def ws(engine: Engine, user: str) -> Workspace:
    return workspace(engine, user)


def stored(engine: Engine, case_id: int) -> tuple[str | None, int]:
    with engine.connect() as conn:
        row = conn.execute(sa.select(cases_t.c.phone, cases_t.c.version)
                           .where(cases_t.c.id == case_id)).one()
    return row.phone, row.version


def edit(engine: Engine, user: str, case_id: int, version: int, phone: str) -> int:
    return case_service.update_case(ws(engine, user), case_id, version, {"phone": phone})


def test_the_second_of_two_edits_from_the_same_version_is_refused(one_case) -> None:
    engine, case_id = one_case
    phone, v = stored(engine, case_id)
    assert phone is None
    assert edit(engine, "lee", case_id, v, FIRST) == v + 1  # sam's lead
    with pytest.raises(Conflict, match="lee changed this case"):
        edit(engine, "sam", case_id, v, SECOND)
    assert stored(engine, case_id) == (FIRST, v + 1)


def test_a_save_that_read_the_case_before_the_first_save_is_refused(
        one_case, monkeypatch: pytest.MonkeyPatch) -> None:
    """sam's form read the case at version v; lee's save commits; sam's save then writes.
    The service is handed the row sam read (as a read in another transaction would have
    returned it), so only the versioned UPDATE can notice."""
    engine, case_id = one_case
    _, v = stored(engine, case_id)
    with engine.connect() as conn:
        as_sam_read_it = conn.execute(sa.select(cases_t).where(cases_t.c.id == case_id)
                                      ).mappings().one()
    assert edit(engine, "lee", case_id, v, FIRST) == v + 1
    monkeypatch.setattr(case_service, "_case_row", lambda conn, cid: as_sam_read_it)
    with pytest.raises(Conflict):
        edit(engine, "sam", case_id, v, SECOND)
    assert stored(engine, case_id) == (FIRST, v + 1)


def _postgres_only(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes the write lock before the service reads: no race to run")


def _wait_for_a_blocked_session(engine: Engine, seconds: float = 20) -> None:
    """Until some other session waits on a row lock (the service's UPDATE)."""
    deadline = time.monotonic() + seconds
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database() AND pid <> pg_backend_pid()")).scalar()
            conn.rollback()
            if waiting:
                return
            time.sleep(0.02)
    raise AssertionError("the service never reached its write")


def _race(engine: Engine, case_id: int, first_change: dict[str, Any],
          second: Callable[[], Any]) -> tuple[Any, BaseException | None]:
    """Run `second` in a thread while another session holds `first_change` uncommitted on
    the case; commit that change once `second` is blocked on it. Returns what `second`
    returned and what it raised."""
    outcome: dict[str, Any] = {"value": None, "error": None}

    def run() -> None:
        try:
            outcome["value"] = second()
        except BaseException as exc:  # handed back to the test
            outcome["error"] = exc

    with engine.connect() as first:
        first.execute(cases_t.update().where(cases_t.c.id == case_id).values(
            version=cases_t.c.version + 1, **first_change))
        thread = threading.Thread(target=run)
        thread.start()
        try:
            _wait_for_a_blocked_session(engine)
        finally:
            first.commit()
    thread.join(30)
    assert not thread.is_alive()
    return outcome["value"], outcome["error"]


def test_postgres_a_real_concurrent_edit_is_refused_by_the_versioned_write(one_case) -> None:
    engine, case_id = one_case
    _postgres_only(engine)
    _, v = stored(engine, case_id)
    value, error = _race(engine, case_id, {"phone": FIRST},
                         lambda: edit(engine, "sam", case_id, v, SECOND))
    assert isinstance(error, Conflict), (value, error)
    assert stored(engine, case_id) == (FIRST, v + 1)
    with engine.connect() as conn:  # and sam's refused edit left no audit row
        assert conn.execute(sa.text("SELECT count(*) FROM audit_events WHERE entity = 'case' "
                                    "AND action = 'update'")).scalar() == 0


def _owners(engine: Engine, case_id: int) -> tuple[str | None, set[str | None]]:
    """The case's owner and the owners of its open tasks."""
    users_t, tasks_t = User.__table__, Task.__table__
    with engine.connect() as conn:
        owner = conn.execute(sa.select(users_t.c.username).select_from(
            cases_t.join(users_t, cases_t.c.assignee_id == users_t.c.id))
            .where(cases_t.c.id == case_id)).scalar()
        tasks = set(conn.execute(sa.select(users_t.c.username).select_from(
            tasks_t.join(users_t, tasks_t.c.assignee_id == users_t.c.id))
            .where(tasks_t.c.case_id == case_id, tasks_t.c.status == "open",
                   tasks_t.c.source != reassign.SOURCE)).scalars())
    return owner, tasks


def test_postgres_a_reassignment_racing_an_edit_does_not_report_a_phantom_move(
        one_case) -> None:
    engine, case_id = one_case
    _postgres_only(engine)
    lee = ws(engine, "lee")
    plan = reassign.preview(lee, reassign.Selection(case_ids=(case_id,)), ["ana"],
                            "least-loaded")
    assert [(m.from_name, m.to_name) for m in plan.moves] == [("sam", "ana")]
    assert _owners(engine, case_id)[1] == {"sam"}  # its regulatory deadlines
    outcome, error = _race(engine, case_id, {"phone": FIRST},
                           lambda: reassign.apply(lee, plan, reassign.Reason("balancing")))
    owner, task_owners = _owners(engine, case_id)
    if error is not None:  # refusing the whole batch is fine too, if nothing moved
        assert isinstance(error, ServiceError), error
        assert (owner, task_owners) == ("sam", {"sam"})
        return
    # Either the move happened (case and tasks are ana's) or it was left out as changed
    # (case and tasks stay sam's); what the outcome says must be what the store holds.
    if outcome.moved:
        assert (owner, task_owners) == ("ana", {"ana"}), outcome
    else:
        assert (owner, task_owners) == ("sam", {"sam"}), outcome
        assert outcome.conflicts and outcome.conflicts[0].startswith("A1 ")

