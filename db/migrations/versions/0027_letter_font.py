"""The font a letter was rendered in (services/letter_pdf.py): Helvetica, a PDF core font,
for a letter WinAnsi can encode, else the embedded DejaVu Sans. Letters kept before this
were all rendered in DejaVu Sans.

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


def upgrade() -> None:
    op.add_column("letters", sa.Column("font", sa.String(24), nullable=False,
                                       server_default="DejaVuSans"))


def downgrade() -> None:
    op.drop_column("letters", "font")
