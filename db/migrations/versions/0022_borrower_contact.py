"""A case keeps the borrower's own contact details beside the property's: a mailing address
(with the time zone it resolves to, which the calling rules use when it is on file), a second
phone and the best time to call (the preferred language is the letters' own column, 0025).
Existing cases: none on file.

Revision ID: 0022
Revises: 0021
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (("mailing_address", 200), ("mailing_city", 100), ("mailing_state", 2),
           ("mailing_zip", 10), ("mailing_tz", 64), ("phone2", 10), ("best_time", 100))


def upgrade() -> None:
    # Plain ALTER TABLE (SQLite 3.35 and later), as the other migrations: batch mode reflects
    # the related tables, whose expression indexes it cannot read.
    for name, length in COLUMNS:
        op.add_column("cases", sa.Column(name, sa.String(length), nullable=True))


def downgrade() -> None:
    for name, _ in reversed(COLUMNS):
        op.drop_column("cases", name)
