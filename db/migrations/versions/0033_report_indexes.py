"""The management reports' indexes: the reports count in SQL (services/reports.py), and
without these each month's figures read every interval, call or event of the book.

- the status history's open intervals, and its closed ones by end day (both covering: the
  loan, its start, stage and oldest unpaid due date): the intervals covering a recent day
  or overlapping a recent month are the open ones and the few closed since. Both partial,
  so that the history writer's "the open interval of these loans" (valid_to IS NULL and
  case_id IN ...) keeps the unique index on the open intervals;
- a loan's intervals with their stage in order: how long a loan has been in its stage;
- the intervals whose workout status is "modified", by start: a re-default cohort;
- case events by day (with the kind and the loan): a month's applications, decisions and
  trial endings, read from the index alone; led by the day, so that a query for one loan's
  events keeps the loan's own index;
- calls by time: a month's calls.

Revision ID: 0033
Revises: 0032
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = sa.text("valid_to IS NULL")
_CLOSED = sa.text("valid_to IS NOT NULL")


def upgrade() -> None:
    op.create_index("ix_loan_status_history_open_status", "loan_status_history",
                    ["valid_from", "case_id", "stage", "oldest_unpaid_due", "valid_to"],
                    sqlite_where=_OPEN, postgresql_where=_OPEN)
    op.create_index("ix_loan_status_history_closed", "loan_status_history",
                    ["valid_to", "valid_from", "case_id", "stage", "oldest_unpaid_due"],
                    sqlite_where=_CLOSED, postgresql_where=_CLOSED)
    op.create_index("ix_loan_status_history_case_stage", "loan_status_history",
                    ["case_id", "valid_from", "stage"])
    op.create_index("ix_loan_status_history_workout", "loan_status_history",
                    ["workout", "valid_from"])
    op.create_index("ix_case_events_day_kind", "case_events",
                    ["occurred_on", "kind", "case_id"])
    op.create_index("ix_call_notes_called", "call_notes", ["called_at"])


def downgrade() -> None:
    op.drop_index("ix_call_notes_called", table_name="call_notes")
    op.drop_index("ix_case_events_day_kind", table_name="case_events")
    op.drop_index("ix_loan_status_history_workout", table_name="loan_status_history")
    op.drop_index("ix_loan_status_history_case_stage", table_name="loan_status_history")
    op.drop_index("ix_loan_status_history_closed", table_name="loan_status_history")
    op.drop_index("ix_loan_status_history_open_status", table_name="loan_status_history")
