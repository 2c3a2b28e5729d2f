"""A call's amendments by the call they amend: the reports read a call's latest note (its
quality right-party contact attributes, services/reports.py "quality right-party contact by
day 36"). Partial: only amendments have amends_id.

Revision ID: 0034
Revises: 0033
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AMENDMENT = sa.text("amends_id IS NOT NULL")


def upgrade() -> None:
    op.create_index("ix_call_notes_amends", "call_notes", ["amends_id", "id"],
                    sqlite_where=_AMENDMENT, postgresql_where=_AMENDMENT)


def downgrade() -> None:
    op.drop_index("ix_call_notes_amends", table_name="call_notes")
