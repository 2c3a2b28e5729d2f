from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.models import AuditEvent, CallNote, Case, Draft, Task
from db.queries import board_members, case_detail, case_timeline, recent_calls, team_board
from lossmit_tui.config import load_settings
from lossmit_tui.contact_now import case_contact_check
from lossmit_tui.services.calls import (
    NewCall,
    discard_draft,
    load_draft,
    log_call,
    save_draft,
    validate_call,
)
from lossmit_tui.services.errors import InvalidInput, PermissionDenied
from lossmit_tui.services.quality import latest_qrpc, qrpc_count
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


# --- quality right-party contact (docs/RULES.md section 5) ------------------------------

QUALITY = {"hardship": "unemployment", "duration": "temporary", "occupancy": "owner",
           "ability": "can_pay_later", "options": "explained", "commitment": "apply"}


def call(result: str = "right_party_contact", direction: str = "outbound",
         **extra: object) -> NewCall:
    party = "none" if result != "right_party_contact" else "borrower"
    return NewCall(direction, party, result, **extra)  # type: ignore[arg-type]


def test_a_right_party_call_with_every_attribute_is_a_qrpc(current_case) -> None:
    engine, case_id = current_case
    log(engine, case_id, call(qrpc=dict(QUALITY), body="Lost job in October."))
    log(engine, case_id, call(qrpc={"hardship": "illness"}))  # partial: kept, not a QRPC
    with engine.connect() as conn:
        notes = conn.execute(sa.select(CallNote.__table__).order_by(CallNote.__table__.c.id)
                             ).all()
        timeline = [t.text for t in case_timeline(conn, case_id) if t.kind == "call"]
    assert [n.qrpc_complete for n in notes] == [True, False]
    assert notes[0].qrpc == QUALITY and notes[1].qrpc == {"hardship": "illness"}
    assert sum(t.split("\n")[0].startswith(f"#{notes[0].id} QRPC · ") for t in timeline) == 1
    assert any("quality contact (incomplete): illness" in t for t in timeline)
    sam = workspace(engine, "sam")
    latest = latest_qrpc(sam, case_id)
    assert latest is not None and latest.call_id == notes[0].id
    assert latest.attributes == QUALITY and latest.day == TODAY
    assert qrpc_count(sam, TODAY, TODAY) == 1
    assert qrpc_count(workspace(engine, "lee"), TODAY, TODAY, team="North") == 1
    assert qrpc_count(sam, TODAY + timedelta(days=1), TODAY + timedelta(days=9)) == 0
    assert qrpc_count(workspace(engine, "ana"), TODAY, TODAY) == 0  # ana made none


def test_options_not_appropriate_needs_the_reason(current_case) -> None:
    engine, case_id = current_case
    without = {**QUALITY, "options": "not_appropriate"}
    with pytest.raises(InvalidInput, match="say why explaining the workout options"):
        log(engine, case_id, call(qrpc=without))
    log(engine, case_id, call(qrpc={**without, "options_reason": "Borrower in hospital"}))
    with engine.connect() as conn:
        assert conn.execute(sa.select(CallNote.__table__.c.qrpc_complete)).scalar() is True


@pytest.mark.parametrize(("bad", "message"), [
    (call("no_answer", qrpc={"hardship": "divorce"}),
     "(reason for the delinquency) can only be recorded on a right-party contact"),
    (call(qrpc={**QUALITY, "occupancy": "castle"}), "occupancy 'castle' must be one of"),
    (call(qrpc={**QUALITY, "mood": "fine"}), "unknown quality-contact attribute(s): mood"),
    (call(qrpc={**QUALITY, "options_reason": "no"}), "not marked 'not appropriate'"),
    (call(number="office"), "number called 'office' must be one of"),
])
def test_bad_quality_contact_values_are_refused(current_case, bad: NewCall,
                                                message: str) -> None:
    engine, case_id = current_case
    before = counts(engine)
    with pytest.raises(InvalidInput) as refused:
        log(engine, case_id, bad)
    assert message in str(refused.value)
    assert counts(engine) == before


def test_qrpc_counts_are_refused_beyond_what_the_user_may_see(current_case) -> None:
    engine, _ = current_case
    with pytest.raises(PermissionDenied, match="only their own"):
        qrpc_count(workspace(engine, "ana"), TODAY, TODAY, username="sam")
    with pytest.raises(PermissionDenied, match="for its lead or an admin"):
        qrpc_count(workspace(engine, "sam"), TODAY, TODAY, team="North")
    assert qrpc_count(workspace(engine, "lee"), TODAY, TODAY, username="sam") == 0


# --- inbound calls and amendments are never attempts ------------------------------------

def figures(engine: Engine, case_id: int) -> tuple[object, ...]:
    """Every figure that counts calls: the case's contact fields, its attempts for the
    contact rules, and the team board's call counts."""
    with engine.connect() as conn:
        case = conn.execute(sa.select(Case.__table__.c.last_contact_at,
                                      Case.__table__.c.last_rpc_at)).one()
        recent = recent_calls(conn, case_id, NOW - timedelta(days=31))
        detail = case_detail(conn, case_id)
        members = board_members(conn, "lead", "North")
        board = {r.username: (r.calls_today, r.calls_week, r.rpc_week)
                 for r in team_board(conn, members, TODAY, NOW - timedelta(days=7),
                                     NOW - timedelta(hours=1))}
    assert detail is not None
    check = case_contact_check(detail, recent, NOW, load_settings())
    return (tuple(case), len(recent), check.attempts_last_7_days, check.warnings,
            board["sam"], board["lee"])


def test_an_amendment_moves_no_call_figure(current_case) -> None:
    engine, case_id = current_case
    log(engine, case_id, call("no_answer", body="Rang out."))
    log(engine, case_id, call(qrpc={"hardship": "illness"}, body="Spoke."))
    with engine.connect() as conn:
        rang, spoke = conn.execute(sa.select(CallNote.__table__.c.id)
                                   .order_by(CallNote.__table__.c.id)).scalars().all()
    before = figures(engine, case_id)
    assert before[2] == 2 and before[4] == (2, 2, 1)  # two attempts by sam, one RPC
    later = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)
    amend_as = workspace(engine, "lee", clock=lambda: later)  # a lead corrects both notes
    log_call(amend_as, case_id, call("voicemail_left", body="Left a message.",
                                     amends_id=rang))
    log_call(amend_as, case_id, call(qrpc=dict(QUALITY), body="Spoke: all six.",
                                     amends_id=spoke))
    assert figures(engine, case_id) == before
    with engine.connect() as conn:
        notes = conn.execute(sa.select(CallNote.__table__).order_by(CallNote.__table__.c.id)
                             ).all()
    assert [n.amends_id for n in notes] == [None, None, rang, spoke]
    assert notes[2].called_at == notes[0].called_at  # the call's time, not the correction's
    # the corrected call is now a QRPC: counted once, for sam who made it, at its time
    sam = workspace(engine, "sam")
    latest = latest_qrpc(sam, case_id)
    assert latest is not None and (latest.call_id, latest.note_id) == (spoke, notes[3].id)
    assert qrpc_count(sam, TODAY, TODAY) == 1
    assert qrpc_count(workspace(engine, "lee"), TODAY, TODAY) == 0
    # an amendment of the amendment still corrects the same call
    log_call(amend_as, case_id, call(body="Spoke: options not explained.",
                                     amends_id=notes[3].id))
    with engine.connect() as conn:
        last = conn.execute(sa.select(CallNote.__table__).order_by(
            CallNote.__table__.c.id.desc())).first()
    assert last is not None and last.amends_id == spoke
    assert latest_qrpc(sam, case_id) is None and figures(engine, case_id) == before


def test_an_amendment_keeps_an_unchanged_promise_even_once_its_date_passed(
        current_case) -> None:
    engine, case_id = current_case
    log(engine, case_id, RPC)
    with engine.connect() as conn:
        first = conn.execute(sa.select(CallNote.__table__.c.id)).scalar_one()
    after = workspace(engine, "sam", TODAY + timedelta(days=9), clock=lambda: NOW)
    log_call(after, case_id, NewCall(**{**RPC.__dict__, "body": "Typo fixed.",
                                        "amends_id": first}))
    moved = NewCall(**{**RPC.__dict__, "promise_date": TODAY + timedelta(days=8),
                       "amends_id": first})
    with pytest.raises(InvalidInput, match="is in the past"):
        log_call(after, case_id, moved)


def test_inbound_calls_are_not_attempts(current_case) -> None:
    engine, case_id = current_case
    log(engine, case_id, call("no_answer", direction="inbound"))  # a missed call from them
    (contact, _), recent, attempts, _, sam, _ = figures(engine, case_id)
    assert contact is None and recent == 1 and attempts == 0 and sam == (0, 0, 0)
    log(engine, case_id, call(direction="inbound"))  # they called and we spoke
    (contact, rpc), _, attempts, warnings, sam, _ = figures(engine, case_id)
    assert contact == rpc is not None and attempts == 0 and sam == (0, 0, 0)
    assert any("1006.14(b)(2)(ii)" in w for w in warnings)  # a conversation all the same
