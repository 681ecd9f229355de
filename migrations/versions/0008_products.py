"""products: AI tools, models and techniques, and who uses them

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 10:00:00

A `product` table (one row per record under curated/products/, with its maker where a
source states it) and a `product_use` table linking occupations and people to the
products their `uses` lists name, each row with the claim that cites it. On
PostgreSQL the `entity.type` comment gains the new record type.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

ENTITY_TYPE_BEFORE = "source, company, person, occupation or figure"
ENTITY_TYPE_AFTER = "source, company, person, occupation, product or figure"


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_table(
        "product",
        sa.Column("id", sa.String(), nullable=False, comment="the record id (file name without .yaml)"),
        sa.Column("kind", sa.String(), nullable=False, comment="model, app, technique or platform"),
        sa.Column("name_zh_hans", sa.String(), nullable=True, comment="preferred simplified Chinese name"),
        sa.Column("name_zh_hant", sa.String(), nullable=True, comment="preferred traditional Chinese name"),
        sa.Column("name_en", sa.String(), nullable=True, comment="preferred English name"),
        sa.Column(
            "maker_id",
            sa.String(),
            nullable=True,
            comment="the company that makes it; NULL unless a source says who",
        ),
        sa.Column("description", sa.String(), nullable=True, comment="the curators' description, in their own words"),
        sa.Column("note", sa.String(), nullable=True, comment="curators' remark; not a claim"),
        sa.ForeignKeyConstraint(["id"], ["entity.id"]),
        sa.ForeignKeyConstraint(["maker_id"], ["company.id"]),
        sa.PrimaryKeyConstraint("id"),
        comment="An AI tool, model or technique the sources name (ChatGPT, Sora, Stable Diffusion, LoRA).",
    )
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_maker_id"), ["maker_id"], unique=False)

    op.create_table(
        "product_use",
        sa.Column("id", sa.Integer(), nullable=False, comment="row number, in build order"),
        sa.Column("user_id", sa.String(), nullable=False, comment="the occupation or person id"),
        sa.Column("product_id", sa.String(), nullable=False, comment="product id"),
        sa.Column(
            "claim_id",
            sa.Integer(),
            nullable=False,
            comment="the claim this row states; its citations are in citation",
        ),
        sa.ForeignKeyConstraint(["claim_id"], ["claim.id"]),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["entity.id"]),
        sa.PrimaryKeyConstraint("id"),
        comment="Which occupations and people use which products, as a source states (their `uses` lists).",
    )
    with op.batch_alter_table("product_use", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_use_product_id"), ["product_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_use_user_id"), ["user_id"], unique=False)

    if _postgresql():
        op.alter_column("entity", "type", comment=ENTITY_TYPE_AFTER, existing_comment=ENTITY_TYPE_BEFORE)


def downgrade() -> None:
    if _postgresql():
        op.alter_column("entity", "type", comment=ENTITY_TYPE_BEFORE, existing_comment=ENTITY_TYPE_AFTER)
    with op.batch_alter_table("product_use", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_use_user_id"))
        batch_op.drop_index(batch_op.f("ix_product_use_product_id"))
    op.drop_table("product_use")
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_maker_id"))
        batch_op.drop_index(batch_op.f("ix_product_kind"))
    op.drop_table("product")
