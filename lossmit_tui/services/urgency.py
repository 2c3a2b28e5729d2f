"""Keep each open case's stored urgency and act-next key current for today, so the queue can
order by them.

Urgency depends on the date (days delinquent, days to a sale, a promise that lapsed), so the
stored score is dated (`urgency_on`). A refresh recomputes the cases whose score is not for
today: the app does it at start (the current view first), `lossmit refresh` can do it nightly,
and writes that change a case recompute that case in the same transaction.
"""

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from db.engine import session_scope
from db.queries import QueueFilter, filter_conditions
from db.tables import cases as cases_t
from lossmit_tui.domain.act_next import act_key
from lossmit_tui.domain.delinquency import days_delinquent
from lossmit_tui.domain.foreclosure import is_sale_hold
from lossmit_tui.domain.urgency import UrgencyInput, score_tenths
from lossmit_tui.services import audit
from lossmit_tui.services.workspace import Workspace

BATCH = 5000
_READ = (cases_t.c.id, cases_t.c.next_action_on, cases_t.c.next_due_date,
         cases_t.c.fc_sale_date, cases_t.c.promise_due_on, cases_t.c.promise_kept_on,
         cases_t.c.last_rpc_at, cases_t.c.stage, cases_t.c.urgency, cases_t.c.missing_docs,
         cases_t.c.fc_hold)


def _stale(today: date) -> list[sa.ColumnElement[bool]]:
    """Scores not for today, as three ranges: each one a search on ix_cases_open_urgency_on
    (an OR of them, or "!=", makes SQLite scan the whole index)."""
    return [cases_t.c.urgency_on.is_(None), cases_t.c.urgency_on < today,
            cases_t.c.urgency_on > today]


def _score(r: sa.Row, today: date, weights: Mapping[str, float],
           next_action_on: date | None) -> tuple[int, int]:
    """A case's urgency (tenths) and act-next key for today, from its stored row."""
    facts = UrgencyInput(
        today=today, next_action_on=next_action_on,
        days_delinquent=days_delinquent(r.next_due_date, today), sale_date=r.fc_sale_date,
        promise_due_on=r.promise_due_on, promise_kept=r.promise_kept_on is not None,
        last_rpc_on=r.last_rpc_at.date() if r.last_rpc_at else None, stage=r.stage,
        missing_documents=r.missing_docs, sale_hold=is_sale_hold(r.fc_hold),
    )
    return score_tenths(facts, weights), act_key(facts)


def _recompute(conn: Connection, rows: Iterable[sa.Row], today: date,
               weights: Mapping[str, float]) -> int:
    params = []
    for r in rows:
        urgency, key = _score(r, today, weights, r.next_action_on)
        params.append({"case_id": r.id, "new_urgency": urgency, "new_key": key})
    if params:
        # The act-next key moves with the day as the urgency does: both are for `today`.
        conn.execute(
            cases_t.update().where(cases_t.c.id == sa.bindparam("case_id"))
            .values(urgency=sa.bindparam("new_urgency"), act_key=sa.bindparam("new_key"),
                    urgency_on=today),
            params,
        )
    return len(params)


NextAction = tuple[date | None, str | None, date | None]  # on, kind, earliest deadline


def set_next_actions(conn: Connection, next_actions: Mapping[int, NextAction], today: date,
                     weights: Mapping[str, float], now: datetime) -> None:
    """Store these cases' next action and earliest regulatory deadline, with the urgency
    and act-next key for today that follow from them, in one update per case (the next
    action and the score written apart cost two updates of the wide case row and a second
    read)."""
    params = next_action_values(conn, next_actions, today, weights)
    if params:
        conn.execute(cases_t.update().where(cases_t.c.id == sa.bindparam("cid")).values(
            updated_at=now, **NEXT_ACTION_COLUMNS), params)


# What `next_action_values` gives, by column, for an update's values (bound per case).
NEXT_ACTION_COLUMNS: dict[str, Any] = {
    "next_action_on": sa.bindparam("on"), "next_action_kind": sa.bindparam("kind"),
    "reg_due_on": sa.bindparam("reg"), "urgency": sa.bindparam("new_urgency"),
    "act_key": sa.bindparam("new_key"), "urgency_on": sa.bindparam("today")}


def next_action_values(conn: Connection, next_actions: Mapping[int, NextAction], today: date,
                       weights: Mapping[str, float]) -> list[dict[str, Any]]:
    """For each case of `next_actions` that exists, the parameters of
    `NEXT_ACTION_COLUMNS` ("cid" the case): its next action and deadline, and the urgency
    and act-next key for today that follow from them and its stored row. A writer that also
    changes the case itself (a reassignment) adds them to its own update."""
    ids = list(next_actions)
    params = []
    for start in range(0, len(ids), BATCH):
        for r in conn.execute(sa.select(*_READ).where(
                cases_t.c.id.in_(ids[start:start + BATCH]))):
            on, kind, regulatory = next_actions[r.id]
            urgency, key = _score(r, today, weights, on)
            params.append({"cid": r.id, "on": on, "kind": kind, "reg": regulatory,
                           "new_urgency": urgency, "new_key": key, "today": today})
    return params


def refresh_cases(conn: Connection, case_ids: Iterable[int], today: date,
                  weights: Mapping[str, float]) -> int:
    """Recompute the urgency of these cases inside the caller's transaction."""
    ids = list(case_ids)
    done = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        rows = conn.execute(sa.select(*_READ).where(cases_t.c.id.in_(chunk)))
        done += _recompute(conn, rows, today, weights)
    return done


def _last_weights(engine: Engine) -> dict[str, float] | None:
    """The weights the last refresh pass used (kept in its audit row)."""
    with engine.connect() as conn:
        return audit.last_after(conn, "urgency", "refresh").get("weights")


def _recompute_all(engine: Engine, today: date, weights: Mapping[str, float]) -> int:
    """Every open case, whatever its date (the weights changed), in id order."""
    total, after = 0, 0
    while True:
        with session_scope(engine, write=True) as session:
            conn = session.connection()
            rows = conn.execute(sa.select(*_READ).where(
                cases_t.c.closed_at.is_(None), cases_t.c.id > after)
                .order_by(cases_t.c.id).limit(BATCH)).all()
            if not rows:
                return total
            total += _recompute(conn, rows, today, weights)
            after = rows[-1].id


def refresh_stale(ws: Workspace, only: QueueFilter | None = None) -> int:
    """Recompute every open case (or those `only` selects) whose urgency is not for today.

    Each batch commits on its own, so a long pass never holds the write lock for long; one
    audit row records the pass with the weights it used. If the weights differ from the last
    pass's (a lead changed the policy), every open case is recomputed once: stored scores
    order the queue, so they must all come from the same weights. A recomputed case is no
    longer stale, so each batch is simply the next stale cases the index finds (no ordering,
    no position to keep)."""
    engine, today, weights, actor_name = ws.engine, ws.today, ws.weights, ws.username
    used = dict(weights)
    previous = _last_weights(engine)
    if previous is not None and previous != used:
        total = _recompute_all(engine, today, weights)  # new weights: every score moves
        _audit_pass(engine, actor_name, total, today, used)
        return total
    selected = filter_conditions(only or QueueFilter(), engine.dialect.name)
    total = 0
    for stale in _stale(today):
        while True:
            with session_scope(engine, write=True) as session:
                conn = session.connection()
                rows = conn.execute(sa.select(*_READ).where(*selected, stale)
                                    .limit(BATCH)).all()
                if not rows:
                    break
                total += _recompute(conn, rows, today, weights)
    if total or previous is None:
        _audit_pass(engine, actor_name, total, today, used)
    return total


def _audit_pass(engine: Engine, actor_name: str, total: int, today: date,
                weights: dict[str, float]) -> None:
    with session_scope(engine, write=True) as session:
        audit.record(session, None, "urgency", None, "refresh", actor_name=actor_name,
                     after={"cases": total, "as_of": today.isoformat(), "weights": weights})
