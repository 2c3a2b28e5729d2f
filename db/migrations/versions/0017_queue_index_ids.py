"""PostgreSQL: the queue's order indexes carry the case id (`INCLUDE (id)`), so a window of
the queue is an index-only scan. Without it, paging to the middle of a million open cases
visited each of the ~490,000 case rows before the window (1.3-1.9 s; SQLite's index entries
hold the rowid and read the same window in ~60 ms). SQLite: nothing.

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = {
    "ix_cases_act": "(next_action_on IS NULL), next_action_on, urgency DESC, loan_number",
    "ix_cases_act_assignee": "assignee_id, (next_action_on IS NULL), next_action_on, "
                             "urgency DESC, loan_number",
    "ix_cases_open_last_contact": "(last_contact_at IS NOT NULL), last_contact_at, loan_number",
}


def _rebuild(include: str) -> None:
    for name, keys in _INDEXES.items():
        op.execute(f"DROP INDEX {name}")
        op.execute(f"CREATE INDEX {name} ON cases ({keys}){include} WHERE closed_at IS NULL")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _rebuild(" INCLUDE (id)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _rebuild("")
