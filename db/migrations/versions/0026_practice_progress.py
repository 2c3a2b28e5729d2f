"""Practice progress: each trainee's lessons started and steps ticked off (README "Training
new specialists"), one row per user, lesson and step.

Revision ID: 0026
Revises: 0025
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "practice_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("lesson", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("step", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("done_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_practice_progress_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_progress")),
        sa.UniqueConstraint("user_id", "lesson", "step",
                            name=op.f("uq_practice_progress_user_id_lesson_step")),
    )


def downgrade() -> None:
    op.drop_table("practice_progress")
