"""dataset version

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 12:00:00

One row naming the dataset a database holds: the aijobs version that built it, the git
commit and commit date of the curated data (NULL when unknown), and the schema revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "dataset",
        sa.Column("version", sa.String(), nullable=False, comment="the aijobs package version that built the data"),
        sa.Column(
            "git_commit",
            sa.String(),
            nullable=True,
            comment="git commit of the curated data; NULL outside git or when curated/ has uncommitted changes",
        ),
        sa.Column(
            "commit_date",
            sa.String(),
            nullable=True,
            comment="that commit's date, UTC (YYYY-MM-DDTHH:MM:SSZ); NULL when git_commit is NULL",
        ),
        sa.Column(
            "schema_revision",
            sa.String(),
            nullable=False,
            comment="the Alembic revision of the schema (as in alembic_version)",
        ),
        sa.PrimaryKeyConstraint("version"),
        comment="Which version of the dataset this is: one row, written by `aijobs build`. "
        "Empty in a database upgraded from an older schema by `aijobs db upgrade`.",
    )


def downgrade() -> None:
    op.drop_table("dataset")
