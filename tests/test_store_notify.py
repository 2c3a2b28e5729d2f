"""PostgreSQL tells an open app that the store changed (the app listens instead of polling):
every audited write raises one notification on the store's channel."""

import pytest
from sqlalchemy.engine import Engine

from db.notify import CHANNEL, listen_connection
from lossmit_tui.services.tasks import NewTask, add_task

from .conftest import TODAY
from .workspace import workspace


def test_a_service_write_notifies_listeners(one_case: tuple[Engine, int]) -> None:
    engine, case_id = one_case
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no notifications: the app polls its change number there")
    with listen_connection(engine) as conn:
        conn.execute(f"LISTEN {CHANNEL}")
        assert list(conn.notifies(timeout=0.2)) == []  # nothing written yet
        add_task(workspace(engine, "sam"), case_id, NewTask("callback", "Call back", TODAY))
        got = list(conn.notifies(timeout=5, stop_after=1))
    assert [n.channel for n in got] == [CHANNEL]
