from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.models import AuditEvent, CallNote, Case, Draft, Task
from lossmit_tui.services.calls import (
    NewCall,
    discard_draft,
    load_draft,
    log_call,
    save_draft,
    validate_call,
)
from lossmit_tui.services.errors import InvalidInput
from lossmit_tui.services.tasks import NewTask

from .conftest import TODAY
from .workspace import workspace

NOW = datetime(2026, 11, 29, 16, 0, tzinfo=UTC)
RPC = NewCall("outbound", "borrower", "right_party_contact",
              ("hardship_discussed", "promise_to_pay"), 150_000, TODAY + timedelta(days=5),
              "Borrower will pay $1,500 on Friday.\nLost overtime in October.")


def log(engine: Engine, case_id: int, call: NewCall, who: str = "sam") -> None:
    log_call(workspace(engine, who, clock=lambda: NOW), case_id, call)


def counts(engine: Engine) -> tuple[int, ...]:
    with engine.connect() as conn:
        return tuple(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar()
                     for t in (CallNote.__table__, Task.__table__, AuditEvent.__table__))


def test_a_right_party_call_with_a_promise_and_a_follow_up(current_case) -> None:
    engine, case_id = current_case
    save_draft(workspace(engine, "sam"), case_id, {"result": "right_party_contact"},
               "Borrower will")
    follow = NewTask("callback", "Confirm the payment", TODAY + timedelta(days=6))
    log(engine, case_id, NewCall(**{**RPC.__dict__, "follow_up": follow}))
    with engine.connect() as conn:
        row = conn.execute(sa.select(Case.__table__)).one()
        note = conn.execute(sa.select(CallNote.__table__)).one()
        task = conn.execute(sa.select(Task.__table__)).one()
        actions = [r.action for r in conn.execute(sa.select(AuditEvent.__table__).where(
            AuditEvent.__table__.c.entity.in_(("call_note", "task"))))]
    assert row.last_rpc_at is not None and row.last_contact_at == row.last_rpc_at
    assert row.promise_amount_cents == 150_000 and row.promise_due_on == RPC.promise_date
    assert row.next_action_on == follow.due_on and row.next_action_kind == "callback"
    assert note.body == RPC.body and note.outcome_codes == list(RPC.outcomes)
    assert task.title == "Confirm the payment" and actions == ["create", "create"]
    assert load_draft(workspace(engine, "sam"), case_id) is None  # saving removes the draft


@pytest.mark.parametrize(("call", "message"), [
    (NewCall("sideways", "borrower", "no_answer"), "direction 'sideways'"),
    (NewCall("outbound", "none", "right_party_contact"), "needs the party reached"),
    (NewCall("outbound", "borrower", "right_party_contact", ("promise_to_pay",)),
     "needs an amount above zero"),
    (NewCall("outbound", "borrower", "right_party_contact", ("promise_to_pay",), 100,
             TODAY - timedelta(days=1)), "is in the past"),
    (NewCall("outbound", "none", "voicemail_left", ("promise_to_pay",), 100, TODAY),
     "only come from a right-party contact"),
    (NewCall("outbound", "none", "no_answer", (), 100), "not an outcome"),
])
def test_bad_calls_are_refused_whole(current_case, call: NewCall, message: str) -> None:
    engine, case_id = current_case
    before = counts(engine)
    assert any(message in p for p in validate_call(call, TODAY))
    with pytest.raises(InvalidInput, match=message):
        log(engine, case_id, call)
    assert counts(engine) == before


@pytest.mark.parametrize("flag", ["cease_communication", "attorney_represented"])
def test_flagged_cases_refuse_direct_outbound_calls(current_case, flag: str) -> None:
    engine, case_id = current_case
    with engine.begin() as conn:
        conn.execute(Case.__table__.update().values(**{flag: True}))
    with pytest.raises(InvalidInput, match="attorney"):
        log(engine, case_id, NewCall("outbound", "none", "no_answer"))
    log(engine, case_id, NewCall("outbound", "attorney", "right_party_contact"))
    log(engine, case_id, NewCall("inbound", "borrower", "right_party_contact"))
    assert counts(engine)[0] == 2


def test_a_failure_mid_save_leaves_nothing(current_case) -> None:
    engine, case_id = current_case
    before = counts(engine)
    bad_follow = NewTask("callback", "", TODAY)  # refused by the task service, after the note
    with pytest.raises(InvalidInput, match="needs a title"):
        log(engine, case_id, NewCall(**{**RPC.__dict__, "follow_up": bad_follow}))
    assert counts(engine) == before
    with engine.connect() as conn:
        assert conn.execute(sa.select(Case.__table__.c.last_contact_at)).scalar() is None


def test_an_amendment_points_at_its_note_and_keeps_it(current_case) -> None:
    engine, case_id = current_case
    log(engine, case_id, NewCall("outbound", "none", "no_answer", body="No answer."))
    with engine.connect() as conn:
        first = conn.execute(sa.select(CallNote.__table__)).one()
    log(engine, case_id, NewCall("outbound", "none", "no_answer", body="Correction: busy.",
                                 amends_id=first.id))
    with engine.connect() as conn:
        notes = conn.execute(sa.select(CallNote.__table__).order_by(CallNote.__table__.c.id)
                             ).all()
    assert [n.body for n in notes] == ["No answer.", "Correction: busy."]
    assert notes[1].amends_id == first.id
    with pytest.raises(InvalidInput, match="not a note of this case"):
        log(engine, case_id, NewCall("outbound", "none", "no_answer", amends_id=999))


def test_drafts_are_per_user_and_case(current_case) -> None:
    engine, case_id = current_case
    sam = workspace(engine, "sam")
    save_draft(sam, case_id, {"party": "borrower"}, "first words")
    save_draft(sam, case_id, {"party": "borrower"}, "first words, more")
    save_draft(workspace(engine, "lee"), case_id, {}, "lee's own")  # sam's lead
    mine = load_draft(sam, case_id)
    assert mine is not None and mine.body == "first words, more"
    assert mine.fields == {"party": "borrower"}
    discard_draft(sam, case_id)
    with engine.connect() as conn:
        assert conn.execute(sa.select(Draft.__table__.c.body)).scalars().all() == ["lee's own"]
