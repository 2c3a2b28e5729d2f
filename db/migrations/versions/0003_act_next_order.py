"""The "act next" queue order and the columns the queue views filter on.

Adds urgency (tenths of a point, with the date it was computed for), the earliest open
regulatory deadline and the count of missing documents to each case, replaces the first
queue indexes with ones that also order by urgency and put cases with no next action last,
and adds the indexes behind the sale-date, regulatory, broken-promise and phone lookups.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = sa.text("closed_at IS NULL")
_NO_ACTION = sa.text("(next_action_on IS NULL)")


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("urgency", sa.Integer(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("urgency_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("reg_due_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("missing_docs", sa.Integer(), nullable=False,
                                      server_default="0"))
        batch_op.drop_index("ix_cases_queue_assignee")
        batch_op.drop_index("ix_cases_queue_all")
    # Fill the new columns for existing rows from what the store already holds.
    op.execute(
        "UPDATE cases SET reg_due_on = (SELECT MIN(t.due_on) FROM tasks t WHERE "
        "t.case_id = cases.id AND t.status = 'open' AND t.kind = 'regulatory_deadline')"
    )
    op.execute(
        "UPDATE cases SET missing_docs = (SELECT COUNT(*) FROM documents d WHERE "
        "d.case_id = cases.id AND d.status = 'requested')"
    )
    op.create_index("ix_cases_act", "cases",
                    [_NO_ACTION, "next_action_on", sa.text("urgency DESC"), "loan_number"],
                    sqlite_where=_OPEN, postgresql_where=_OPEN)
    op.create_index("ix_cases_act_assignee", "cases",
                    ["assignee_id", _NO_ACTION, "next_action_on", sa.text("urgency DESC"),
                     "loan_number"],
                    sqlite_where=_OPEN, postgresql_where=_OPEN)
    for name, column in (("ix_cases_open_sale", "fc_sale_date"),
                         ("ix_cases_open_reg_due", "reg_due_on"),
                         ("ix_cases_open_promise", "promise_due_on")):
        op.create_index(name, "cases", [column], sqlite_where=_OPEN, postgresql_where=_OPEN)
    op.create_index("ix_cases_phone", "cases", ["phone"])


def downgrade() -> None:
    for name in ("ix_cases_phone", "ix_cases_open_promise", "ix_cases_open_reg_due",
                 "ix_cases_open_sale", "ix_cases_act_assignee", "ix_cases_act"):
        op.drop_index(name, table_name="cases")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_queue_all", ["next_action_on", "loan_number"],
                              unique=False, sqlite_where=_OPEN, postgresql_where=_OPEN)
        batch_op.create_index("ix_cases_queue_assignee",
                              ["assignee_id", "next_action_on", "loan_number"],
                              unique=False, sqlite_where=_OPEN, postgresql_where=_OPEN)
        batch_op.drop_column("missing_docs")
        batch_op.drop_column("reg_due_on")
        batch_op.drop_column("urgency_on")
        batch_op.drop_column("urgency")
