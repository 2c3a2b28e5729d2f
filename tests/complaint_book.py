"""Complaints with known days, clocks, findings and remediation, for the complaint reports'
tests (tests/test_store_complaint_reports.py, tests/test_tui_reports.py): written through
the services, as a mailroom and a complaint team would.

October 2026 (business days: Columbus Day, 12 October, is a holiday):
1. A notice of error (b2) on `mine`, received Thursday 1 October: acknowledged 5 October
   (due 8 October: on time), answered 20 October (due 30 BD, 16 November: on time); error
   found, root cause payment_processing, remediation $25.00.
2. A request for information on `mine`, received Monday 5 October: acknowledged 20 October
   (due 13 October: late), answered 2 November (due 18 November: on time); information
   provided, root cause escrow.
3. A payoff error (b6) on `theirs`, received Wednesday 14 October: never acknowledged (due
   21 October: missed), never answered (7 BD, due 23 October: missed); error found, root
   cause payment_processing, remediation $100.00.
4. A general complaint by phone on `other`, received Tuesday 27 October: only the servicer's
   own 15 BD target (due 18 November), answered 3 November (on time); resolved, root cause
   communication.
September 2026: one notice of error (b2) on `theirs`, received 15 September, nothing done.
"""

from datetime import date

from sqlalchemy.engine import Engine

from lossmit_tui.services.complaints import (
    FindingInput,
    NewComplaint,
    Step,
    add_complaint,
    record_finding,
    record_step,
)

from .conftest import TODAY
from .workspace import workspace

OCTOBER = date(2026, 10, 1)
SEPTEMBER = date(2026, 9, 1)


def add_complaints(engine: Engine, user: str, mine: int, theirs: int, other: int) -> None:
    """The complaints above, on the cases `mine`, `theirs` and `other`, by `user` (someone
    who may act on all three) on TODAY."""
    ws = workspace(engine, user, TODAY)

    def new(case_id: int, received: date, channel: str, kind: str,
            category: str | None = None, asked: str = "") -> tuple[int, int]:
        row = add_complaint(ws, case_id, NewComplaint(received, channel, kind,
                                                      "Words of the borrower", category, asked))
        assert row.id is not None
        return row.id, 1

    cid, v = new(mine, date(2026, 10, 1), "mail", "notice_of_error", "b2")
    v = record_step(ws, cid, v, Step("acknowledgment", date(2026, 10, 5)))
    v = record_step(ws, cid, v, Step("response", date(2026, 10, 20), corrected=True))
    record_finding(ws, cid, v, FindingInput("error_found", "payment_processing",
                                            correction="payment moved to principal",
                                            effective_on=date(2026, 10, 1),
                                            remediation_cents=2_500))
    cid, v = new(mine, date(2026, 10, 5), "mail", "request_for_information",
                 asked="the escrow analysis")
    v = record_step(ws, cid, v, Step("acknowledgment", date(2026, 10, 20)))
    v = record_step(ws, cid, v, Step("response", date(2026, 11, 2), corrected=True))
    record_finding(ws, cid, v, FindingInput("information_provided", "escrow"))
    cid, v = new(theirs, date(2026, 10, 14), "mail", "notice_of_error", "b6")
    record_finding(ws, cid, v, FindingInput("error_found", "payment_processing",
                                            correction="payoff quote reissued",
                                            effective_on=date(2026, 10, 30),
                                            remediation_cents=10_000))
    cid, v = new(other, date(2026, 10, 27), "phone", "general_complaint")
    v = record_step(ws, cid, v, Step("response", date(2026, 11, 3)))
    record_finding(ws, cid, v, FindingInput("resolved", "communication"))
    new(theirs, date(2026, 9, 15), "mail", "notice_of_error", "b2")


def add_to_team_cases(engine: Engine, lead: str) -> tuple[int, int, int]:
    """The complaints above on the first three cases (by id) of `lead`'s team, by the lead:
    the cases `mine`, `theirs` and `other`."""
    import sqlalchemy as sa

    from db.tables import cases, users

    with engine.connect() as conn:
        team = conn.execute(sa.select(users.c.team).where(users.c.username == lead)).scalar()
        found = list(conn.execute(
            sa.select(cases.c.id).join(users, users.c.id == cases.c.assignee_id)
            .where(users.c.team == team).order_by(cases.c.id).limit(3)).scalars())
    mine, theirs, other = found
    add_complaints(engine, lead, mine, theirs, other)
    return mine, theirs, other
