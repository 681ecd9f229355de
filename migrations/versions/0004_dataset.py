"""dataset version

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-22 12:00:00

One row naming the dataset a database holds: the aijobs version that built it, the git
commit and commit date of the curated data (NULL when unknown), and the schema revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "dataset",
        sa.Column("version", sa.String(), nullable=False),
        sa.Column("git_commit", sa.String(), nullable=True),
        sa.Column("commit_date", sa.String(), nullable=True),
        sa.Column("schema_revision", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("version"),
    )


def downgrade() -> None:
    op.drop_table("dataset")
