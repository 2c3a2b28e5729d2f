"""Sort the queue by last contact, longest without contact (or never contacted) first.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = sa.text("closed_at IS NULL")


def upgrade() -> None:
    op.create_index("ix_cases_open_last_contact", "cases",
                    [sa.text("(last_contact_at IS NOT NULL)"), "last_contact_at",
                     "loan_number"],
                    sqlite_where=_OPEN, postgresql_where=_OPEN)


def downgrade() -> None:
    op.drop_index("ix_cases_open_last_contact", table_name="cases")
