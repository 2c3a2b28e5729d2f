"""The foreclosure hold kept on the case: what counsel must hold (`fc_hold`: "postpone the
sale of 2026-12-08: ..." or "do not make the first notice or filing: ...", with the reason and
the rule) and since when (`fc_hold_since`). The services keep them in step with the clock, so
the daily hand-off to the firms (`lossmit foreclosure holds`) and the queue read one indexed
row per held case instead of working out every case's clock.

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HELD = sa.text("fc_hold IS NOT NULL")


def upgrade() -> None:
    # Plain ALTER TABLE (SQLite 3.35 and later): batch mode would copy the table and lose
    # the expression indexes it cannot reflect.
    op.add_column("cases", sa.Column("fc_hold", sa.String(500), nullable=True))
    op.add_column("cases", sa.Column("fc_hold_since", sa.Date(), nullable=True))
    op.create_index("ix_cases_fc_hold", "cases", ["fc_hold_since"],
                    sqlite_where=_HELD, postgresql_where=_HELD)


def downgrade() -> None:
    op.drop_index("ix_cases_fc_hold", table_name="cases")
    op.drop_column("cases", "fc_hold_since")
    op.drop_column("cases", "fc_hold")
