"""PostgreSQL tells listeners when the store changes: every statement that adds audit rows
(every service write adds one) raises a notification on the channel `lossmit_changes`, so
an open app learns of other writers without polling. SQLite has no such thing; the app polls
its cheap change number there, and this migration does nothing.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE FUNCTION lossmit_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('lossmit_changes', '');
            RETURN NULL;
        END
        $$
    """)
    op.execute("CREATE TRIGGER audit_events_notify AFTER INSERT ON audit_events "
               "FOR EACH STATEMENT EXECUTE FUNCTION lossmit_notify_change()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER audit_events_notify ON audit_events")
    op.execute("DROP FUNCTION lossmit_notify_change()")
