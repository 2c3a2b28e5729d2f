"""An acknowledgment sent before the application it would answer does not meet that
application's acknowledgment clock (Reg X 1024.41(b)(2)(i)(B); docs/RULES.md section 4: the
clock is triggered by the application's receipt, so only a notice sent on or after that day
acknowledges it).

Every date below is worked out by hand. Tuesday 2026-11-24 + 5 business days: Wed 25 (1),
Thanksgiving Thu 26 skipped, Fri 27 (2), the weekend skipped, Mon 30 (3), Tue Dec 1 (4),
Wed Dec 2 (5): due 2026-12-02."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.models import Task
from lossmit_tui.domain.calendar import BusinessCalendar
from lossmit_tui.domain.regclock import (
    CaseFacts,
    Clock,
    ClockState,
    open_deadlines,
    regulatory_clocks,
)
from lossmit_tui.services.cases import NewEvent, record_event

from .conftest import TODAY
from .workspace import workspace

ACK = "1024.41(b)(2)(i)(B)"
CAL = BusinessCalendar()
RECEIVED = date(2026, 11, 24)  # a Tuesday, two days before Thanksgiving
DUE = date(2026, 12, 2)


def ack_clock(*events: tuple[str, date], today: date = TODAY) -> Clock:
    found = [c for c in regulatory_clocks(CaseFacts(None, events=events), today, CAL)
             if c.citation == ACK]
    assert len(found) == 1, found
    return found[0]


def test_an_acknowledgment_dated_before_the_application_does_not_meet_its_clock() -> None:
    clock = ack_clock(("acknowledgment_sent", date(2026, 11, 23)),
                      ("application_received", RECEIVED))
    assert clock.due_on == DUE
    assert clock.state is ClockState.DUE_SOON  # 3 days after Sunday 2026-11-29
    assert clock.met_by == ""
    assert clock.is_open
    facts = CaseFacts(None, events=(("acknowledgment_sent", date(2026, 11, 23)),
                                    ("application_received", RECEIVED)))
    assert open_deadlines(regulatory_clocks(facts, TODAY, CAL))[ACK].due_on == DUE
    # Once the deadline passes with only the early notice on file, the clock is missed.
    late = ack_clock(("acknowledgment_sent", date(2026, 11, 23)),
                     ("application_received", RECEIVED), today=date(2026, 12, 3))
    assert (late.state, late.met_by) == (ClockState.MISSED, "")


def test_an_acknowledgment_on_the_day_of_receipt_meets_the_clock() -> None:
    clock = ack_clock(("acknowledgment_sent", RECEIVED), ("application_received", RECEIVED))
    assert clock.state is ClockState.MET
    assert clock.met_by == "acknowledgment sent on 2026-11-24"
    assert not clock.is_open


def test_the_acknowledgment_of_an_earlier_application_does_not_answer_a_new_one() -> None:
    # October's application was acknowledged on 2026-10-05; a new application arrives on
    # 2026-11-24 and needs its own acknowledgment by 2026-12-02.
    clock = ack_clock(("application_received", date(2026, 10, 1)),
                      ("acknowledgment_sent", date(2026, 10, 5)),
                      ("application_received", RECEIVED))
    assert clock.basis == "application received 2026-11-24"
    assert (clock.due_on, clock.state, clock.met_by) == (DUE, ClockState.DUE_SOON, "")
    # Its own acknowledgment, on 2026-12-01, meets it.
    met = ack_clock(("application_received", date(2026, 10, 1)),
                    ("acknowledgment_sent", date(2026, 10, 5)),
                    ("application_received", RECEIVED),
                    ("acknowledgment_sent", date(2026, 12, 1)), today=date(2026, 12, 3))
    assert (met.state, met.met_by) == (ClockState.MET, "acknowledgment sent on 2026-12-01")


def _event(engine: Engine, case_id: int, kind: str, on: date, reason: str) -> None:
    record_event(workspace(engine, "sam"), case_id, NewEvent(kind, on, reason))


def _open_ack_tasks(engine: Engine) -> list[tuple[date, str]]:
    tasks_t = Task.__table__
    with engine.connect() as conn:
        return [(r.due_on, r.status) for r in conn.execute(
            sa.select(tasks_t.c.due_on, tasks_t.c.status).where(tasks_t.c.source == ACK))]


def test_the_store_keeps_the_deadline_open_after_an_early_acknowledgment(one_case) -> None:
    engine, case_id = one_case
    _event(engine, case_id, "acknowledgment_sent", date(2026, 11, 20), "mailed last week")
    _event(engine, case_id, "application_received", RECEIVED, "found in the mailroom")
    assert _open_ack_tasks(engine) == [(DUE, "open")]
    # The acknowledgment that answers it closes the deadline.
    _event(engine, case_id, "acknowledgment_sent", TODAY, "")
    assert _open_ack_tasks(engine) == [(DUE, "done")]
