"""Letters at scale. The font a letter was rendered in (services/letter_pdf.py): Helvetica, a
PDF core font, for a letter WinAnsi can encode, else the embedded DejaVu Sans (letters kept
before this were all rendered in DejaVu Sans). A partial index of the open deadlines a letter
meets (`letters due`, the mail batch), of the letters awaiting the mail, and of the
bankruptcy events (the notice's version).

Revision ID: 0027
Revises: 0026
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_OWED_LETTERS = sa.text("status = 'open' AND kind = 'regulatory_deadline' AND source IN "
                        "('1024.39(b)', '1024.41(b)(2)(i)(B)', '1024.41(c)(3)')")
_AWAITING_MAIL = sa.text("status = 'generated'")
_BANKRUPTCY_EVENTS = sa.text("kind IN ('bankruptcy_filed', 'bankruptcy_discharged', "
                             "'bankruptcy_dismissed', 'bankruptcy_reaffirmed')")


def upgrade() -> None:
    op.add_column("letters", sa.Column("font", sa.String(24), nullable=False,
                                       server_default="DejaVuSans"))
    op.create_index("ix_tasks_letters_owed", "tasks", ["case_id", "due_on", "source"],
                    sqlite_where=_OWED_LETTERS, postgresql_where=_OWED_LETTERS)
    op.create_index("ix_letters_awaiting_mail", "letters", ["case_id"],
                    sqlite_where=_AWAITING_MAIL, postgresql_where=_AWAITING_MAIL)
    op.create_index("ix_case_events_bankruptcy", "case_events", ["case_id", "occurred_on"],
                    sqlite_where=_BANKRUPTCY_EVENTS, postgresql_where=_BANKRUPTCY_EVENTS)


def downgrade() -> None:
    op.drop_index("ix_case_events_bankruptcy", table_name="case_events")
    op.drop_index("ix_letters_awaiting_mail", table_name="letters")
    op.drop_index("ix_tasks_letters_owed", table_name="tasks")
    op.drop_column("letters", "font")
