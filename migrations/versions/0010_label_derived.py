"""label.derived: names aijobs derives (zh-Hant from zh-Hans) rather than the curators write

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # Labels built before this revision were all written in curated/.
    op.add_column(
        "label",
        sa.Column(
            "derived",
            sa.Boolean(),
            server_default=sa.false(),
            nullable=False,
            comment="1 when aijobs made the name from another (zh-Hant from zh-Hans, OpenCC s2t); also translation",
        ),
    )


def downgrade() -> None:
    op.drop_column("label", "derived")
