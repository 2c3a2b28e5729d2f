"""The management reports' indexes: the reports count in SQL (services/reports.py), and
without these each month's figures read every interval, call or event of the book.

- the status history by end day (covering: the loan, its start, stage and oldest unpaid
  due date): the intervals covering a recent day or overlapping a recent month are the
  open ones and the few closed since, read from the index alone;
- a loan's intervals with their stage in order: how long a loan has been in its stage;
- the intervals whose workout status is "modified", by start: a re-default cohort;
- case events by kind and day: a month's applications, decisions and trial endings;
- calls by time: a month's calls.

Revision ID: 0032
Revises: 0031
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_loan_status_history_window", "loan_status_history",
                    ["valid_to", "valid_from", "case_id", "stage", "oldest_unpaid_due"])
    op.create_index("ix_loan_status_history_case_stage", "loan_status_history",
                    ["case_id", "valid_from", "stage"])
    op.create_index("ix_loan_status_history_workout", "loan_status_history",
                    ["workout", "valid_from"])
    op.create_index("ix_case_events_kind_occurred", "case_events",
                    ["kind", "occurred_on", "case_id"])
    op.create_index("ix_call_notes_called", "call_notes", ["called_at"])


def downgrade() -> None:
    op.drop_index("ix_call_notes_called", table_name="call_notes")
    op.drop_index("ix_case_events_kind_occurred", table_name="case_events")
    op.drop_index("ix_loan_status_history_workout", table_name="loan_status_history")
    op.drop_index("ix_loan_status_history_case_stage", table_name="loan_status_history")
    op.drop_index("ix_loan_status_history_window", table_name="loan_status_history")
