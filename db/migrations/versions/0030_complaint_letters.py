"""Complaint letters: a letter written from a complaint (its acknowledgment, response,
extension, documents relied on, exemption notice) names the complaint, so mailing it records
the complaint's step, and keeps the reasons it gave (an extension's, a no-error finding's).

Revision ID: 0030
Revises: 0029
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its reference in one ALTER; Alembic would want a batch
        # copy of the table for the constraint, which the plain ALTER does not need.
        op.execute("ALTER TABLE letters ADD COLUMN complaint_id INTEGER "
                   "CONSTRAINT fk_letters_complaint_id_complaints REFERENCES complaints (id)")
    else:
        op.add_column("letters", sa.Column(
            "complaint_id", sa.Integer(),
            sa.ForeignKey("complaints.id", name=op.f("fk_letters_complaint_id_complaints")),
            nullable=True))
    op.add_column("letters", sa.Column(
        "reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True))
    op.create_index("ix_letters_complaint_id", "letters", ["complaint_id"])


def downgrade() -> None:
    op.drop_index("ix_letters_complaint_id", table_name="letters")
    op.drop_column("letters", "reason")
    op.drop_column("letters", "complaint_id")
