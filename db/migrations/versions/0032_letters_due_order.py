"""`letters due` a page at a time: the open deadlines a letter meets, in the listing's order
(due date, then case, then rule), so the most urgent owed letters are read first from the
index without sorting the whole book's (172,535 on the seeded 1,000,000-case book).

Revision ID: 0032
Revises: 0031
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_OWED_LETTERS = sa.text("status = 'open' AND kind = 'regulatory_deadline' AND source IN "
                        "('1024.39(b)', '1024.41(b)(2)(i)(B)', '1024.41(c)(3)')")


def upgrade() -> None:
    op.create_index("ix_tasks_letters_owed_due", "tasks", ["due_on", "case_id", "source"],
                    sqlite_where=_OWED_LETTERS, postgresql_where=_OWED_LETTERS)


def downgrade() -> None:
    op.drop_index("ix_tasks_letters_owed_due", table_name="tasks")
