"""Open regulatory deadlines by due date, so the daily clock pass counts what is due soon
and missed from an index range instead of reading every open task.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN_DEADLINE = sa.text("status = 'open' AND kind = 'regulatory_deadline'")


def upgrade() -> None:
    op.create_index("ix_tasks_open_deadline_due", "tasks", ["due_on"],
                    sqlite_where=_OPEN_DEADLINE, postgresql_where=_OPEN_DEADLINE)


def downgrade() -> None:
    op.drop_index("ix_tasks_open_deadline_due", table_name="tasks")
