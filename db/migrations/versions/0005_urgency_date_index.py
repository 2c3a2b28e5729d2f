"""Index the date each open case's urgency was computed for.

The app checks at start whether any open case still carries an earlier day's urgency; with
this index that check is a lookup instead of a scan of every case.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = sa.text("closed_at IS NULL")


def upgrade() -> None:
    op.create_index("ix_cases_open_urgency_on", "cases", ["urgency_on"],
                    sqlite_where=_OPEN, postgresql_where=_OPEN)


def downgrade() -> None:
    op.drop_index("ix_cases_open_urgency_on", table_name="cases")
