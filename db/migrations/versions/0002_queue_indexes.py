"""Indexes behind the queue and the tracker.

The queue pages open cases by keyset on (next_action_on, loan_number), for everyone or per
assignee; the tracker reads open tasks by due date, for everyone or per assignee. The case
indexes are partial on open cases (closed_at IS NULL).

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = sa.text("closed_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cases_queue_all",
            ["next_action_on", "loan_number"],
            unique=False,
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        )
        batch_op.create_index(
            "ix_cases_queue_assignee",
            ["assignee_id", "next_action_on", "loan_number"],
            unique=False,
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tasks_assignee_status_due", ["assignee_id", "status", "due_on"], unique=False
        )
        batch_op.create_index("ix_tasks_status_due", ["status", "due_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_status_due")
        batch_op.drop_index("ix_tasks_assignee_status_due")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_queue_assignee")
        batch_op.drop_index("ix_cases_queue_all")
