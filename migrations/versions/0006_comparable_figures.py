"""comparable figures and evidence in one join: views, and the basis of dated claims

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 09:00:00

* ``date_basis`` and ``date_basis_reason`` on ``role``, ``occupation_status`` and
  ``person_age``: whether the dates are stated or the curators' reading (a year counted
  from 今年/去年 and the publication date).
* Views, in portable SQL (SQLite and PostgreSQL):

  - ``figure_range``: every figure as ``low``, ``high`` and ``point`` whatever its
    ``approx``, with the currency and pay period of money units and the annual amounts
    where the conversion is a documented convention (per year: itself; per month: ×12);
  - ``figure_evidence``: a figure with each citation of its value;
  - ``claim_evidence``: a claim with each of its citations;
  - ``figure_about_typed``: ``figure_about`` with the type and name of each entity.

  The views are history like the tables: a later change replaces them in a new
  revision. Alembic's autogenerate does not see views.
* On PostgreSQL, the new comments of ``figure.value``, ``lower``, ``upper`` and ``unit``
  (their meaning is unchanged, now documented per approximation).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

DATED = ("role", "occupation_status", "person_age")

DATE_BASIS = (
    "stated (the source gives the date) or inferred (the curators derived it, e.g. from 今年/去年 "
    "and the publication date)"
)
DATE_BASIS_REASON = "how an inferred date was derived; NULL when stated"

# column: (comment before, comment after)
FIGURE_COMMENTS = {
    "value": (
        "the number, when it is a single value",
        "the single number the source writes: the amount (exact, about), the lower bound (over), "
        "the upper bound (under, nearly); see figure_range for low/high/point",
    ),
    "lower": (
        "lower bound, for ranges and vague amounts",
        "lower bound of a range or order of magnitude; NULL when the source gives none",
    ),
    "upper": (
        "upper bound, for ranges and vague amounts",
        "upper bound of a range or order of magnitude; NULL when the source gives none",
    ),
    "unit": (
        "people, count, CNY, CNY-per-year, USD, percent, percent-per-year, seconds, minutes, days, months, "
        "years or times",
        "people, count, CNY, CNY-per-year, CNY-per-month, CNY-per-day, CNY-per-hour, USD, USD-per-year, "
        "USD-per-month, USD-per-day, USD-per-hour, percent, percent-per-year, seconds, minutes, days, months, "
        "years or times; CNY and USD are amounts, <currency>-per-<period> amounts per period",
    ),
}
FIGURE_TYPES: dict[str, sa.types.TypeEngine[Any]] = {
    "value": sa.Float(),
    "lower": sa.Float(),
    "upper": sa.Float(),
    "unit": sa.String(),
}

FIGURE_RANGE = """
CREATE VIEW figure_range AS
SELECT r.id, r.measure, r.unit, r.currency, r.per, r.approx, r.low, r.high, r.point,
       CASE r.per WHEN 'year' THEN r.low WHEN 'month' THEN r.low * 12 END AS annual_low,
       CASE r.per WHEN 'year' THEN r.high WHEN 'month' THEN r.high * 12 END AS annual_high,
       CASE r.per WHEN 'year' THEN r.point WHEN 'month' THEN r.point * 12 END AS annual_point,
       CASE r.per WHEN 'year' THEN 'per-year' WHEN 'month' THEN 'per-month-x12' END AS annual_rule,
       r.as_written, r.period, r.period_end, r.place, r.basis
FROM (
    SELECT f.id, f.measure, f.unit, f.approx, f.as_written, f.period, f.period_end, f.place, f.basis,
           CASE WHEN f.unit = 'CNY' OR f.unit LIKE 'CNY-per-%' THEN 'CNY'
                WHEN f.unit = 'USD' OR f.unit LIKE 'USD-per-%' THEN 'USD' END AS currency,
           CASE WHEN f.unit IN ('CNY-per-year', 'USD-per-year') THEN 'year'
                WHEN f.unit IN ('CNY-per-month', 'USD-per-month') THEN 'month'
                WHEN f.unit IN ('CNY-per-day', 'USD-per-day') THEN 'day'
                WHEN f.unit IN ('CNY-per-hour', 'USD-per-hour') THEN 'hour' END AS per,
           CASE WHEN f.approx = 'exact' THEN f.value
                WHEN f.approx = 'over' THEN coalesce(f.value, f.lower)
                ELSE f.lower END AS low,
           CASE WHEN f.approx = 'exact' THEN f.value
                WHEN f.approx IN ('under', 'nearly') THEN coalesce(f.value, f.upper)
                ELSE f.upper END AS high,
           CASE WHEN f.approx IN ('exact', 'about', 'range', 'order-of-magnitude') THEN f.value END AS point
    FROM figure f
) r
"""

FIGURE_EVIDENCE = """
CREATE VIEW figure_evidence AS
SELECT f.id AS figure_id, f.measure, f.value, f.lower, f.upper, f.unit, f.approx, f.as_written,
       k.id AS claim_id, c.id AS citation_id,
       row_number() OVER (PARTITION BY f.id ORDER BY c.id) AS citation_no,
       c.source_id, c.paragraph, c.quote, c.parallel_paragraph, c.parallel_quote
FROM figure f
JOIN claim k ON k.subject_id = f.id AND k.property = 'value'
JOIN citation c ON c.claim_id = k.id
"""

CLAIM_EVIDENCE = """
CREATE VIEW claim_evidence AS
SELECT k.id AS claim_id, k.key, k.subject_id, e.type AS subject_type, k.property, k.value, k.lang,
       c.id AS citation_id,
       row_number() OVER (PARTITION BY k.id ORDER BY c.id) AS citation_no,
       c.source_id, c.paragraph, c.quote, c.parallel_paragraph, c.parallel_quote
FROM claim k
JOIN entity e ON e.id = k.subject_id
JOIN citation c ON c.claim_id = k.id
"""

FIGURE_ABOUT_TYPED = """
CREATE VIEW figure_about_typed AS
SELECT a.figure_id, a.entity_id, e.type AS entity_type, e.name AS entity_name
FROM figure_about a
JOIN entity e ON e.id = a.entity_id
"""

VIEWS = {
    "figure_range": FIGURE_RANGE,
    "figure_evidence": FIGURE_EVIDENCE,
    "claim_evidence": CLAIM_EVIDENCE,
    "figure_about_typed": FIGURE_ABOUT_TYPED,
}


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    for table in DATED:
        op.add_column(
            table,
            sa.Column("date_basis", sa.String(), server_default="stated", nullable=False, comment=DATE_BASIS),
        )
        op.add_column(table, sa.Column("date_basis_reason", sa.String(), nullable=True, comment=DATE_BASIS_REASON))
    if _postgresql():
        for column, (before, after) in FIGURE_COMMENTS.items():
            op.alter_column(
                "figure", column, comment=after, existing_comment=before, existing_type=FIGURE_TYPES[column]
            )
    for sql in VIEWS.values():
        op.execute(sql)


def downgrade() -> None:
    for name in reversed(VIEWS):
        op.execute(f"DROP VIEW {name}")
    if _postgresql():
        for column, (before, after) in FIGURE_COMMENTS.items():
            op.alter_column(
                "figure", column, comment=before, existing_comment=after, existing_type=FIGURE_TYPES[column]
            )
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later), as in 0003.
    for table in reversed(DATED):
        op.drop_column(table, "date_basis_reason")
        op.drop_column(table, "date_basis")
