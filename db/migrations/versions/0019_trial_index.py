"""The open cases in the trial stage, in id order with their owner: the daily pass finds the
trials that need a task through this partial index instead of reading every case.

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE INDEX ix_cases_trial ON cases (id, assignee_id) "
               "WHERE stage = 'trial' AND closed_at IS NULL")


def downgrade() -> None:
    op.execute("DROP INDEX ix_cases_trial")
