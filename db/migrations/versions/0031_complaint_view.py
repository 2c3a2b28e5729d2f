"""The Complaints view at scale: each case keeps how many of its complaints are open
(`cases.open_complaints`, kept by the complaint service in the transaction that opens or
closes one), and a partial index in the queue's act-next order holds only the open cases
with one, so the view reads its first page and its count from that index alone instead of
looking up every case an open complaint names.

Revision ID: 0031
Revises: 0030
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WITH_COMPLAINT = sa.text("closed_at IS NULL AND open_complaints > 0")


def upgrade() -> None:
    op.add_column("cases", sa.Column("open_complaints", sa.Integer(), nullable=False,
                                     server_default="0"))
    op.execute(
        "UPDATE cases SET open_complaints = (SELECT COUNT(*) FROM complaints c WHERE "
        "c.case_id = cases.id AND c.status = 'open') WHERE id IN (SELECT case_id FROM "
        "complaints WHERE status = 'open')")
    op.create_index("ix_cases_open_complaints_act", "cases",
                    ["act_key", sa.text("urgency DESC"), "loan_number"],
                    sqlite_where=_WITH_COMPLAINT, postgresql_where=_WITH_COMPLAINT,
                    postgresql_include=["id"])


def downgrade() -> None:
    op.drop_index("ix_cases_open_complaints_act", table_name="cases")
    op.drop_column("cases", "open_complaints")
