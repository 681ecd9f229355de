"""figure basis: stated by the source, or inferred by the curators

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # Figures built before this revision were all read as stated.
    op.add_column(
        "figure",
        sa.Column(
            "basis",
            sa.String(),
            server_default="stated",
            nullable=False,
            comment="stated (the source gives the number) or inferred (the curators derived it from the source)",
        ),
    )
    op.add_column(
        "figure",
        sa.Column(
            "basis_reason",
            sa.String(),
            nullable=True,
            comment="how an inferred figure was derived; NULL when stated",
        ),
    )


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later): no table copy, so the
    # rows that refer to figures stay valid while foreign keys are enforced.
    op.drop_column("figure", "basis_reason")
    op.drop_column("figure", "basis")
