"""The daily hand-off to foreclosure counsel: every open case where counsel must hold (a sale
to postpone, a filing or a motion not to make), with why and the rule.

The holds are kept on the case by the clock sync (`cases.fc_hold`, `fc_hold_since`), so the
listing is one read of a partial index, whatever the size of the book.
"""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from db.engine import session_scope
from db.models import Case, CaseEvent, User
from lossmit_tui.domain.enums import EventKind
from lossmit_tui.domain.foreclosure import instruction_of, is_sale_hold
from lossmit_tui.services import audit
from lossmit_tui.services.access import case_scope, require_active
from lossmit_tui.services.users import require_user
from lossmit_tui.services.workspace import Workspace

cases_t, events_t, users_t = Case.__table__, CaseEvent.__table__, User.__table__


@dataclass(frozen=True)
class HoldRow:
    loan_number: str
    borrower_name: str
    assignee: str | None
    firm: str | None  # the counsel the case was last referred to
    sale_date: date | None
    instruction: str  # "postpone the sale of 2026-12-08", "do not make the first ..."
    why: str  # the reason and the rule
    since: date | None
    sale_hold: bool  # a scheduled sale to postpone (the urgent kind)


def foreclosure_holds(ws: Workspace) -> list[HoldRow]:
    """The open cases the user may act on whose counsel must hold: sales to postpone first
    (soonest sale first), then the other holds by the day they began. The listing is
    audited (it names borrowers)."""
    ev = events_t.c
    firm = (sa.select(ev.payload).where(ev.case_id == cases_t.c.id,
                                        ev.kind == EventKind.FC_REFERRAL)
            .order_by(ev.occurred_on.desc(), ev.id.desc()).limit(1).scalar_subquery())
    with session_scope(ws.engine, write=True) as session:
        actor = require_user(session, ws.username)
        require_active(actor, "listing foreclosure holds")
        # The held cases through their partial index (ordered by it, as SQLite then reads
        # it rather than walking every open case); a closed case has its hold cleared by the
        # sync that closes it, and is left out here all the same.
        rows = [r for r in session.connection().execute(
            sa.select(cases_t.c.loan_number, cases_t.c.borrower_name,
                      users_t.c.username.label("assignee"), firm.label("referral"),
                      cases_t.c.fc_sale_date, cases_t.c.fc_hold, cases_t.c.fc_hold_since,
                      cases_t.c.closed_at)
            .select_from(cases_t.outerjoin(users_t, users_t.c.id == cases_t.c.assignee_id))
            .where(sa.text("fc_hold IS NOT NULL"), cases_t.c.fc_hold_since.is_not(None),
                   case_scope(actor, cases_t))
            .order_by(cases_t.c.fc_hold_since)) if r.closed_at is None]
        holds = [HoldRow(r.loan_number, r.borrower_name, r.assignee,
                         (r.referral or {}).get("firm") if isinstance(r.referral, dict)
                         else None, r.fc_sale_date, instruction_of(r.fc_hold),
                         r.fc_hold.split(": ", 1)[-1], r.fc_hold_since,
                         is_sale_hold(r.fc_hold)) for r in rows]
        holds.sort(key=lambda h: (not h.sale_hold, h.sale_date or date.max,
                                  h.since or date.max, h.loan_number))
        audit.record(session, actor, "foreclosure", None, "list_holds",
                     after={"as_of": ws.today.isoformat(), "cases": len(holds)})
    return holds
