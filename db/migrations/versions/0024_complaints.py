"""Complaints: notices of error (1024.35), requests for information (1024.36), regulator and
general complaints on a case, with the facts and dates their clocks are computed from, an
owner, the finding, correction, remediation and root cause, and a version for optimistic
locking. Their history is the audit trail (entity "complaint").

Revision ID: 0024
Revises: 0023
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey(
            "cases.id", name="fk_complaints_case_id_cases"), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("complaint_type", sa.String(32), nullable=False),
        sa.Column("category", sa.String(8), nullable=True),
        sa.Column("topic", sa.String(16), nullable=True),
        sa.Column("asked", sa.String(500), nullable=True),
        sa.Column("borrower_text", sa.Text(), nullable=False),
        sa.Column("at_designated", sa.Boolean(), nullable=False),
        sa.Column("address_designated", sa.Boolean(), nullable=False),
        sa.Column("target_bd", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey(
            "users.id", name="fk_complaints_owner_id_users"), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("investigation", sa.Text(), nullable=True),
        sa.Column("finding", sa.String(32), nullable=True),
        sa.Column("correction", sa.String(1000), nullable=True),
        sa.Column("correction_effective_on", sa.Date(), nullable=True),
        sa.Column("remediation_cents", sa.Integer(), nullable=False),
        sa.Column("root_cause", sa.String(64), nullable=True),
        sa.Column("exemption", sa.String(32), nullable=True),
        sa.Column("exemption_decided_on", sa.Date(), nullable=True),
        sa.Column("exemption_notice_on", sa.Date(), nullable=True),
        sa.Column("acknowledged_on", sa.Date(), nullable=True),
        sa.Column("extension_on", sa.Date(), nullable=True),
        sa.Column("extension_reason", sa.String(500), nullable=True),
        sa.Column("responded_on", sa.Date(), nullable=True),
        sa.Column("corrected", sa.Boolean(), nullable=False),
        sa.Column("documents_requested_on", sa.Date(), nullable=True),
        sa.Column("documents_sent_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey(
            "users.id", name="fk_complaints_created_by_id_users"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.PrimaryKeyConstraint("id", name="pk_complaints"),
    )
    op.create_index("ix_complaints_case_id", "complaints", ["case_id"])
    op.create_index("ix_complaints_open_received", "complaints", ["received_on", "id"],
                    sqlite_where=_OPEN, postgresql_where=_OPEN)
    op.create_index("ix_complaints_open_case", "complaints", ["case_id"],
                    sqlite_where=_OPEN, postgresql_where=_OPEN)


def downgrade() -> None:
    op.drop_index("ix_complaints_open_case", table_name="complaints")
    op.drop_index("ix_complaints_open_received", table_name="complaints")
    op.drop_index("ix_complaints_case_id", table_name="complaints")
    op.drop_table("complaints")
