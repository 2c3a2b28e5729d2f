"""Practice progress in the store (SQLite and PostgreSQL): a lesson started, its steps ticked
off by what the trainee actually did afterwards (and nothing else), restarts, refusals, and
the lead's view of who finished which lesson."""

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.tables import audit_events, practice_progress
from lossmit_tui.domain.lessons import STARTED
from lossmit_tui.services.calls import NewCall, log_call
from lossmit_tui.services.documents import receive_document, request_document
from lossmit_tui.services.errors import Conflict, InvalidInput, PermissionDenied
from lossmit_tui.services.practice import (
    check_progress,
    load_lessons,
    my_progress,
    start_lesson,
    team_progress,
)
from lossmit_tui.services.users import add_user, set_active

from .conftest import TODAY
from .workspace import workspace

pytestmark = pytest.mark.store

LESSONS = load_lessons()
QUALITY = {"hardship": "unemployment", "duration": "temporary", "occupancy": "owner",
           "ability": "can_pay_later", "options": "explained", "commitment": "apply"}


def rpc(**quality: str) -> NewCall:
    return NewCall("outbound", "borrower", "right_party_contact", qrpc=dict(quality))


def progress(engine: Engine, user: str, lesson: str):  # type: ignore[no-untyped-def]
    return next(p for p in my_progress(workspace(engine, user), LESSONS)
                if p.lesson.id == lesson)


def audit_actions(engine: Engine, entity: str) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [(r.username, r.action) for r in conn.execute(
            sa.select(audit_events.c.username, audit_events.c.action)
            .where(audit_events.c.entity == entity).order_by(audit_events.c.id))]


def test_a_quality_call_after_the_start_ticks_the_lesson_off(one_case) -> None:
    engine, case_id = one_case
    sam = workspace(engine, "sam")
    log_call(sam, case_id, rpc(**QUALITY))  # before the lesson: does not count
    start_lesson(sam, LESSONS, "qrpc", None)
    assert check_progress(sam, LESSONS) == []
    log_call(workspace(engine, "lee"), case_id, rpc(**QUALITY))  # someone else's call
    log_call(sam, case_id, NewCall("outbound", "none", "no_answer"))
    assert check_progress(sam, LESSONS) == []

    log_call(sam, case_id, rpc(hardship="unemployment"))  # a conversation, not a quality one
    ticks = check_progress(sam, LESSONS)
    assert [(t.step.id, t.finished) for t in ticks] == [("rpc", False)]
    assert progress(engine, "sam", "qrpc").count == 1

    log_call(sam, case_id, rpc(**QUALITY))
    ticks = check_progress(sam, LESSONS)
    assert [(t.step.id, t.finished) for t in ticks] == [("qrpc", True)]
    assert progress(engine, "sam", "qrpc").finished
    assert check_progress(sam, LESSONS) == []  # nothing ticks twice
    assert audit_actions(engine, "practice") == [("sam", "start"), ("sam", "tick"),
                                                 ("sam", "tick")]


def test_a_refused_re_request_is_recorded_and_ticks_the_documents_lesson(one_case) -> None:
    engine, case_id = one_case
    sam = workspace(engine, "sam")
    start_lesson(sam, LESSONS, "documents", None)
    doc = request_document(sam, case_id, "pay_stubs")
    receive_document(sam, doc.id, TODAY, TODAY)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="a document already received is not requested"):
        request_document(sam, case_id, "pay_stubs")
    with engine.connect() as conn:
        refused = conn.execute(sa.select(audit_events.c.after).where(
            audit_events.c.entity == "document", audit_events.c.action == "refused")).one()
        stored = conn.execute(sa.select(sa.func.count()).select_from(
            sa.table("documents"))).scalar_one()
    assert refused.after["already"] == "received" and refused.after["doc_type"] == "pay_stubs"
    assert stored == 1  # the refused request stored no document
    assert [t.step.id for t in check_progress(sam, LESSONS)] == ["request", "receive",
                                                                  "refused"]
    assert progress(engine, "sam", "documents").finished


def test_a_restart_clears_the_ticks_and_a_stale_panel_is_refused(one_case) -> None:
    engine, case_id = one_case
    sam = workspace(engine, "sam")
    first = start_lesson(sam, LESSONS, "qrpc", None)
    log_call(sam, case_id, rpc(**QUALITY))
    check_progress(sam, LESSONS)
    assert progress(engine, "sam", "qrpc").finished
    with pytest.raises(Conflict, match="was started"):
        start_lesson(sam, LESSONS, "qrpc", None)  # a panel that saw it not started
    again = start_lesson(sam, LESSONS, "qrpc", first)
    shown = progress(engine, "sam", "qrpc")
    assert shown.start_id == again and shown.count == 0 and not shown.finished
    assert check_progress(sam, LESSONS) == []  # the old call was before the restart
    with engine.connect() as conn:
        steps = conn.execute(sa.select(practice_progress.c.step)).scalars().all()
    assert steps == [STARTED]
    assert audit_actions(engine, "practice")[-1] == ("sam", "restart")


def test_who_may_start_what(one_case) -> None:
    engine, _ = one_case
    with pytest.raises(PermissionDenied, match="is for leads; sam is a specialist"):
        start_lesson(workspace(engine, "sam"), LESSONS, "rebalance", None)
    assert audit_actions(engine, "permission") == [("sam", "refused")]
    start_lesson(workspace(engine, "lee"), LESSONS, "rebalance", None)  # a lead may
    add_user(workspace(engine, "setup"), "root", "Root Admin", "admin")
    set_active(workspace(engine, "root"), "ana", False)
    with pytest.raises(PermissionDenied, match="ana is deactivated"):
        start_lesson(workspace(engine, "ana"), LESSONS, "queue", None)
    with pytest.raises(Exception, match="no lesson 'nope'"):
        start_lesson(workspace(engine, "lee"), LESSONS, "nope", None)


def test_a_lead_sees_who_finished_which_lesson_and_a_specialist_may_not(one_case) -> None:
    engine, case_id = one_case
    sam = workspace(engine, "sam")
    start_lesson(sam, LESSONS, "qrpc", None)
    start_lesson(workspace(engine, "ana"), LESSONS, "queue", None)
    log_call(sam, case_id, rpc(**QUALITY))
    check_progress(sam, LESSONS)
    table = {m.username: {p.lesson.id: p for p in m.lessons}
             for m in team_progress(workspace(engine, "lee"), LESSONS)}
    assert set(table) == {"lee", "sam", "ana"}
    assert table["sam"]["qrpc"].finished and not table["sam"]["queue"].started
    assert table["ana"]["queue"].started and table["ana"]["queue"].count == 0
    with pytest.raises(PermissionDenied, match="for leads and admins; sam is a specialist"):
        team_progress(sam, LESSONS)
