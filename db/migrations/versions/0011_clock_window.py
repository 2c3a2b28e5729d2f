"""The clock check moves to a narrow table of its own, `case_clocks`, with what the daily pass
does that day: when the only change is the new installment's live-contact window
(`window_only`), the pass adds it for every such case in a few set-wise statements and moves
the check to the change after it (`check_then`); other changes go through the per-case sync.

On the first of the month about half of a delinquent book gets a new window; updating a
column of the wide case rows rewrote nearly every page of the cases table, so the check
lives apart from them. Existing checks are copied with `window_only` false, so the next
check is a full sync, which fills the new columns.

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

_SET = sa.text("check_on IS NOT NULL")
_OPEN = sa.text("closed_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "case_clocks",
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), primary_key=True,
                  autoincrement=False),
        sa.Column("check_on", sa.Date(), nullable=True),
        sa.Column("window_only", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("check_then", sa.Date(), nullable=True),
    )
    op.execute("INSERT INTO case_clocks (case_id, check_on, window_only) "
               "SELECT id, clock_check_on, false FROM cases "
               "WHERE closed_at IS NULL AND clock_check_on IS NOT NULL")
    op.create_index("ix_case_clocks_check_on", "case_clocks", ["check_on"],
                    sqlite_where=_SET, postgresql_where=_SET)
    op.drop_index("ix_cases_open_clock_check", table_name="cases")
    # Plain ALTER TABLE (SQLite 3.35 and later): batch mode would copy the table and lose
    # the expression indexes it cannot reflect.
    op.drop_column("cases", "clock_check_on")


def downgrade() -> None:
    op.add_column("cases", sa.Column("clock_check_on", sa.Date(), nullable=True))
    op.execute("UPDATE cases SET clock_check_on = (SELECT check_on FROM case_clocks "
               "WHERE case_clocks.case_id = cases.id)")
    op.create_index("ix_cases_open_clock_check", "cases", ["clock_check_on"],
                    sqlite_where=_OPEN, postgresql_where=_OPEN)
    op.drop_index("ix_case_clocks_check_on", table_name="case_clocks")
    op.drop_table("case_clocks")
