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
    with op.batch_alter_table("call_notes") as batch:
        batch.add_column(sa.Column("number_kind", sa.String(16), nullable=False,
                                   server_default="personal"))
        batch.add_column(sa.Column("qrpc", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("qrpc_complete", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("call_notes") as batch:
        batch.drop_column("qrpc_complete")
        batch.drop_column("qrpc")
        batch.drop_column("number_kind")
