"""Letters: each generated letter kept as the record (its text, the template it came from and
the SHA-256 of its PDF), its mailing status and batch, the letter it corrects; and each case's
preferred language, which picks the letter's language. Existing cases: English.

Revision ID: 0025
Revises: 0024
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE and CREATE TABLE, as the other migrations: batch mode reflects the
    # related tables, whose expression indexes it cannot read.
    op.add_column("cases", sa.Column("preferred_language", sa.String(8), nullable=False,
                                     server_default="en"))
    op.create_table(
        "letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(48), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("template_origin", sa.String(400), nullable=False),
        sa.Column("template_sha256", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("pdf_sha256", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("batch_id", sa.String(40), nullable=True),
        sa.Column("replaces_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("letter_date", sa.Date(), nullable=False),
        sa.Column("mailed_on", sa.Date(), nullable=True),
        sa.Column("returned_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_letters_case_id_cases")),
        sa.ForeignKeyConstraint(["replaces_id"], ["letters.id"],
                                name=op.f("fk_letters_replaces_id_letters")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_letters_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letters")),
    )
    op.create_index("ix_letters_case_id", "letters", ["case_id", "id"])
    op.create_index("ix_letters_batch_id", "letters", ["batch_id"])


def downgrade() -> None:
    op.drop_index("ix_letters_batch_id", table_name="letters")
    op.drop_index("ix_letters_case_id", table_name="letters")
    op.drop_table("letters")
    op.drop_column("cases", "preferred_language")
