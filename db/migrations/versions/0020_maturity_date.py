"""A loan's maturity date (from the servicing extract): a payment deferral is not offered
within 36 months of it (Fannie Mae Servicing Guide D2-3.2-04).

Revision ID: 0020
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE (SQLite 3.35 and later), as the other migrations of the cases table.
    op.add_column("cases", sa.Column("maturity_date", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("cases", "maturity_date")
