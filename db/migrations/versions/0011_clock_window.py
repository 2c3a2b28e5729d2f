"""What the daily pass does on a case's clock-check day: when the only change is the new
installment's live-contact window (`clock_window_only`), the pass adds it for every such case
in a few set-wise statements, and moves the check to the change after it
(`clock_check_then`). Other changes go through the per-case sync, as before.

Existing rows keep their check day with `clock_window_only` false, so their next check is a
full sync, which fills both columns.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN: batch mode would copy the table on SQLite and lose the
    # expression indexes it cannot reflect.
    op.add_column("cases", sa.Column("clock_window_only", sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    op.add_column("cases", sa.Column("clock_check_then", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("cases", "clock_check_then")  # SQLite 3.35 and later drop columns
    op.drop_column("cases", "clock_window_only")
