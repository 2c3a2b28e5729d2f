"""A loan's rate type (fixed, adjustable or step; fixed unless the servicing extract says
otherwise) and its final rate (a step-rate loan's final step rate, an adjustable-rate loan's
lifetime cap, in thousandths of a percent): the Flex Modification's rate step differs for a
loan not yet at its final rate (docs/RULES.md section 6).

Revision ID: 0028
Revises: 0027
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE (SQLite 3.35 and later), as the other migrations of the cases table.
    op.add_column("cases", sa.Column("rate_type", sa.String(16), nullable=False,
                                     server_default="fixed"))
    op.add_column("cases", sa.Column("final_rate_milli", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("cases", "final_rate_milli")
    op.drop_column("cases", "rate_type")
