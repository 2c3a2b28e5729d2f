"""Broken promises: a promise to pay whose date has passed with no payment recorded raises
the case (its urgency has a broken-promise term) and gets a callback task, once per promise.

The pass runs with the daily urgency refresh (app start, `lossmit refresh`). A promise is
kept by recording a `payment_received` event.
"""

from datetime import date

import sqlalchemy as sa

from db.engine import session_scope
from db.models import Case, Task
from lossmit_tui.domain.enums import TaskKind
from lossmit_tui.domain.values import display_money
from lossmit_tui.services import audit
from lossmit_tui.services.tasks import recompute_case
from lossmit_tui.services.workspace import Workspace

SOURCE = "missed_promise"
BATCH = 500
cases_t, tasks_t = Case.__table__, Task.__table__


def missed_promise_title(amount_cents: int | None, due_on: date) -> str:
    amount = f"{display_money(amount_cents)} " if amount_cents else ""
    return f"Missed promise to pay {amount}due {due_on.isoformat()}: call the borrower"


def raise_missed_promises(ws: Workspace) -> int:
    """Add a callback task for every open case whose promise date passed unpaid and has no
    such task yet. Returns how many were added."""
    engine, today, weights = ws.engine, ws.today, ws.weights
    added, after = 0, (date.min, 0)
    while True:
        with session_scope(engine, write=True) as session:
            conn = session.connection()
            # In promise-date order, resuming after the last (date, id): read through the
            # open cases' promise-date index on both stores (in id order PostgreSQL walked
            # every case to find the few with a lapsed promise)
            rows = conn.execute(
                sa.select(cases_t.c.id, cases_t.c.loan_number, cases_t.c.assignee_id,
                          cases_t.c.promise_amount_cents, cases_t.c.promise_due_on)
                .where(cases_t.c.closed_at.is_(None), cases_t.c.promise_due_on < today,
                       cases_t.c.promise_kept_on.is_(None),
                       sa.tuple_(cases_t.c.promise_due_on, cases_t.c.id) > sa.tuple_(
                           sa.literal(after[0], sa.Date), sa.literal(after[1])))
                .order_by(cases_t.c.promise_due_on, cases_t.c.id).limit(BATCH)).all()
            if not rows:
                return added
            after = (rows[-1].promise_due_on, rows[-1].id)
            titles = {r.id: missed_promise_title(r.promise_amount_cents, r.promise_due_on)
                      for r in rows}
            raised = {(t.case_id, t.title) for t in conn.execute(
                sa.select(tasks_t.c.case_id, tasks_t.c.title).where(
                    tasks_t.c.case_id.in_(list(titles)), tasks_t.c.source == SOURCE))}
            for r in rows:
                if (r.id, titles[r.id]) in raised:
                    continue
                task = Task(case_id=r.id, kind=TaskKind.CALLBACK, title=titles[r.id],
                            due_on=today, assignee_id=r.assignee_id, status="open",
                            source=SOURCE)
                session.add(task)
                session.flush()
                audit.record(session, None, "task", task.id, "create", actor_name="system",
                             after={"case": r.loan_number, "kind": task.kind,
                                    "title": task.title, "due_on": today.isoformat(),
                                    "reason": "promise to pay missed"})
                recompute_case(conn, r.id, today, weights)
                added += 1
