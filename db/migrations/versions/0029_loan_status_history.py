"""Delinquency status history: each loan's tracked status (oldest unpaid due date, stage,
foreclosure and bankruptcy status, workout status, UPB) as change-only intervals
[valid_from, valid_to), valid_to NULL while open (db/history.py writes them; README
"Reports" reads them). Every loan already in the store gets its first, open interval from
the day of the upgrade.

Revision ID: 0029
Revises: 0028
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "loan_status_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("oldest_unpaid_due", sa.Date(), nullable=True),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("fc_status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("bankruptcy", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("workout", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("upb_cents", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"],
                                name=op.f("fk_loan_status_history_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_status_history")),
    )
    op.create_index("ix_loan_status_history_case_from", "loan_status_history",
                    ["case_id", "valid_from"])
    op.create_index("ix_loan_status_history_day", "loan_status_history",
                    ["valid_from", "valid_to"])
    op.create_index("ix_loan_status_history_open", "loan_status_history", ["case_id"],
                    unique=True, sqlite_where=sa.text("valid_to IS NULL"),
                    postgresql_where=sa.text("valid_to IS NULL"))
    # Every loan already kept starts its history today, as it stands (bankruptcy and
    # workout status come with the next change the services record).
    today = datetime.now(UTC).date()
    op.execute(sa.text(
        "INSERT INTO loan_status_history (case_id, valid_from, valid_to, oldest_unpaid_due, "
        "stage, fc_status, upb_cents) SELECT id, :today, NULL, next_due_date, stage, "
        "CASE WHEN stage = 'foreclosed' THEN 'sold' "
        "WHEN fc_sale_date IS NOT NULL THEN 'sale_scheduled' "
        "WHEN fc_referral_date IS NOT NULL THEN 'referred' END, upb_cents FROM cases")
        .bindparams(today=today))


def downgrade() -> None:
    op.drop_table("loan_status_history")
