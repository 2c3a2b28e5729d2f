"""The "act next" order reads a stored key: what can still be saved first (a sale to postpone
or soon, work due within days or missed recently, a promise today), long-missed windows after
it, later work, then nothing (lossmit_tui/domain/act_next.py). The key is kept with the
urgency, for the same day, by the same code; the queue's act-next indexes now order by it.

Existing open cases get their key for the day their stored urgency was computed for (today
for a case never scored), so key and urgency agree until the next refresh.

Revision ID: 0023
Revises: 0022
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000
NOTHING_KEY = 50_000_000  # Band.NOTHING: a case with nothing scheduled, until computed
_OPEN = "WHERE closed_at IS NULL"
_OLD = {
    "ix_cases_act": "(next_action_on IS NULL), next_action_on, urgency DESC, loan_number",
    "ix_cases_act_assignee": "assignee_id, (next_action_on IS NULL), next_action_on, "
                             "urgency DESC, loan_number",
}
_NEW = {
    "ix_cases_act": "act_key, urgency DESC, loan_number",
    "ix_cases_act_assignee": "assignee_id, act_key, urgency DESC, loan_number",
}


def _fill() -> None:
    from lossmit_tui.domain.act_next import act_key
    from lossmit_tui.domain.foreclosure import is_sale_hold
    from lossmit_tui.domain.urgency import UrgencyInput

    conn = op.get_bind()
    cases = sa.table("cases", sa.column("id"), sa.column("next_action_on", sa.Date),
                     sa.column("fc_sale_date", sa.Date), sa.column("promise_due_on", sa.Date),
                     sa.column("promise_kept_on", sa.Date), sa.column("fc_hold"),
                     sa.column("urgency_on", sa.Date), sa.column("stage"),
                     sa.column("closed_at"), sa.column("act_key"))
    c = cases.c
    after, today = 0, date.today()
    while True:
        rows = conn.execute(sa.select(c.id, c.next_action_on, c.fc_sale_date,
                                      c.promise_due_on, c.promise_kept_on, c.fc_hold,
                                      c.urgency_on, c.stage)
                            .where(c.closed_at.is_(None), c.id > after)
                            .order_by(c.id).limit(BATCH)).all()
        if not rows:
            return
        conn.execute(cases.update().where(c.id == sa.bindparam("cid"))
                     .values(act_key=sa.bindparam("key")), [
            {"cid": r.id, "key": act_key(UrgencyInput(
                today=r.urgency_on or today, next_action_on=r.next_action_on,
                days_delinquent=0, sale_date=r.fc_sale_date, promise_due_on=r.promise_due_on,
                promise_kept=r.promise_kept_on is not None, last_rpc_on=None, stage=r.stage,
                sale_hold=is_sale_hold(r.fc_hold)))} for r in rows])
        after = rows[-1].id


def _indexes(keys: dict[str, str]) -> None:
    include = " INCLUDE (id)" if op.get_bind().dialect.name == "postgresql" else ""
    for name, columns in keys.items():
        op.execute(f"DROP INDEX {name}")
        op.execute(f"CREATE INDEX {name} ON cases ({columns}){include} {_OPEN}")


def upgrade() -> None:
    op.add_column("cases", sa.Column("act_key", sa.Integer(), nullable=False,
                                     server_default=str(NOTHING_KEY)))
    _fill()
    _indexes(_NEW)


def downgrade() -> None:
    _indexes(_OLD)
    op.drop_column("cases", "act_key")
