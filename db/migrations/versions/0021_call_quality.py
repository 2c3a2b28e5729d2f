"""Call notes keep which number was called (state calling limits count personal and work
numbers apart) and the quality right-party contact attributes, with whether all of them were
recorded. Existing notes: a personal number, no attributes.

Revision ID: 0021
Revises: 0020
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE (SQLite 3.35 and later), as the other migrations: batch mode reflects
    # the related tables, whose expression indexes it cannot read.
    op.add_column("call_notes", sa.Column("number_kind", sa.String(16), nullable=False,
                                          server_default="personal"))
    op.add_column("call_notes", sa.Column("qrpc", sa.JSON(), nullable=True))
    op.add_column("call_notes", sa.Column("qrpc_complete", sa.Boolean(), nullable=False,
                                          server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("call_notes", "qrpc_complete")
    op.drop_column("call_notes", "qrpc")
    op.drop_column("call_notes", "number_kind")
