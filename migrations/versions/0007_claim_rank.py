"""claim rank: preferred, normal or deprecated, and the current_claim view

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 10:00:00

Each claim gets the rank the curators gave it (as Wikidata ranks statements), the reason
for it, and the scope it is weighed within. The view current_claim keeps, per subject,
property and scope, the preferred claims if there are any, else the normal ones; never
the deprecated ones. The view is plain SQL that SQLite and PostgreSQL both run.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

RANK = (
    "preferred, normal or deprecated: among the claims of one subject, property and rank_scope, "
    "readers take the preferred ones, else the normal ones (view current_claim)"
)
RANK_REASON = "why the curators preferred or deprecated the claim; NULL when not given"
RANK_SCOPE = (
    "what the claim is weighed within beside its property: a name's language, a status's kind "
    "and place, an age's date; NULL when all claims of the property are weighed together"
)
VIEW_COMMENT = (
    "The claims a reader should take: per subject, property and rank_scope, the preferred "
    "claims if any, else the normal ones; never the deprecated ones."
)

CURRENT_CLAIM = """
CREATE VIEW current_claim AS
SELECT c.id, c.key, c.subject_id, c.property, c.value, c.lang, c.value_json,
       c.rank, c.rank_reason, c.rank_scope
FROM claim AS c
WHERE c.rank = 'preferred'
   OR (c.rank = 'normal' AND NOT EXISTS (
        SELECT 1 FROM claim AS p
        WHERE p.subject_id = c.subject_id
          AND p.property = c.property
          AND COALESCE(p.rank_scope, '') = COALESCE(c.rank_scope, '')
          AND p.rank = 'preferred'))
"""


def upgrade() -> None:
    # Claims built before this revision had no rank: all normal, so the view keeps them all
    # (ranks and scopes are filled by the next `aijobs build`).
    op.add_column("claim", sa.Column("rank", sa.String(), server_default="normal", nullable=False, comment=RANK))
    op.add_column("claim", sa.Column("rank_reason", sa.String(), nullable=True, comment=RANK_REASON))
    op.add_column("claim", sa.Column("rank_scope", sa.String(), nullable=True, comment=RANK_SCOPE))
    op.execute(CURRENT_CLAIM)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"COMMENT ON VIEW current_claim IS '{VIEW_COMMENT}'")


def downgrade() -> None:
    op.execute("DROP VIEW current_claim")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later), as in 0003.
    op.drop_column("claim", "rank_scope")
    op.drop_column("claim", "rank_reason")
    op.drop_column("claim", "rank")
