"""When time alone next changes a running trial's tasks, per case: the daily pass's trial
step visits only the trials whose day has come (services/trials.py `raise_trial_tasks`)
instead of reading every open trial's events every day.

Revision ID: 0035
Revises: 0034
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trial_checks",
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), primary_key=True,
                  autoincrement=False),
        sa.Column("check_on", sa.Date, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("trial_checks")
