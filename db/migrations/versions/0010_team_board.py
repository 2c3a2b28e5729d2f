"""Indexes behind the team board, and the audit table made append-only in the database.

- Open cases per assignee by last contact (the board's "oldest untouched" and counts).
- Open regulatory deadlines per assignee by date (due within 5 days / missed).
- Calls per author by time, with the result (calls today and this week, the RPC rate).
- Triggers that refuse UPDATE and DELETE on audit_events, on SQLite and PostgreSQL, so no
  code path (ours or a stray script through the app's connection) can rewrite the trail.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = sa.text("closed_at IS NULL")
_OPEN_DEADLINE = sa.text("status = 'open' AND kind = 'regulatory_deadline'")
_MESSAGE = "audit_events is append-only"


def upgrade() -> None:
    op.create_index("ix_cases_open_assignee_contact", "cases",
                    ["assignee_id", "last_contact_at"], sqlite_where=_OPEN,
                    postgresql_where=_OPEN)
    op.create_index("ix_tasks_open_deadline_assignee", "tasks", ["assignee_id", "due_on"],
                    sqlite_where=_OPEN_DEADLINE, postgresql_where=_OPEN_DEADLINE)
    op.create_index("ix_call_notes_author_called", "call_notes",
                    ["author_id", "called_at", "result"])
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON "
                       f"audit_events BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END")
    else:
        op.execute("CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$ "
                   f"BEGIN RAISE EXCEPTION '{_MESSAGE}'; END; $$ LANGUAGE plpgsql")
        op.execute("CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON "
                   "audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER audit_events_no_{verb}")
    else:
        op.execute("DROP TRIGGER audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION audit_events_append_only()")
    op.drop_index("ix_call_notes_author_called", table_name="call_notes")
    op.drop_index("ix_tasks_open_deadline_assignee", table_name="tasks")
    op.drop_index("ix_cases_open_assignee_contact", table_name="cases")
