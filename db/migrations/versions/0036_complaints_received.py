"""Every complaint by the day received (open or closed), for the complaint reports: the
Reports screen's complaints report and `lossmit complaints report` read a month's (or a
period's) complaints through it instead of every complaint.

Revision ID: 0036
Revises: 0035
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_complaints_received", "complaints", ["received_on", "case_id"])


def downgrade() -> None:
    op.drop_index("ix_complaints_received", table_name="complaints")
