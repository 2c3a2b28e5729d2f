"""The day each open case's regulatory clocks next change with time alone (a new installment
falling due), so the daily pass visits only those cases.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = sa.text("closed_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("clock_check_on", sa.Date(), nullable=True))
    op.create_index("ix_cases_open_clock_check", "cases", ["clock_check_on"],
                    sqlite_where=_OPEN, postgresql_where=_OPEN)


def downgrade() -> None:
    op.drop_index("ix_cases_open_clock_check", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("clock_check_on")
