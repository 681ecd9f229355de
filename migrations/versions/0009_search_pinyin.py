"""search: pinyin keys and record ids

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 09:00:00

`search_entry` gains the pinyin key and initials of every text with Chinese characters,
and one row per record holding its id (kind 'id'). On SQLite the FTS5 table
`search_index` is recreated over the four searchable columns; on PostgreSQL the new
columns get trigram indexes like `folded`. Existing rows are filled in, so an upgraded
database searches like a fresh build.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from aijobs.text import pinyin_keys

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

PINYIN = (
    "the text's Chinese characters in toneless pinyin, letters and digits kept, "
    "no spaces (罗翀: luochong); NULL when it has no Chinese character"
)
INITIALS = (
    "the first letter of each pinyin syllable, letters and digits kept (罗翀: lc); "
    "NULL when the text has no Chinese character"
)
COMMENT = (
    "Every searchable text of every entity (its names, labels and id), with its search keys. "
    "`search_index` is an FTS5 table (trigram tokenizer) over `text`, `folded`, `pinyin` and `initials`, "
    "kept in step by `aijobs build`; queries shorter than three characters scan this table. "
    "`aijobs search` (and `aijobs.db.search.search`) ranks what matches."
)
OLD_COMMENT = (
    "Every searchable text of every entity, with its folded form. `search_index` is an FTS5 table "
    "(trigram tokenizer) over `text` and `folded`, kept in step by `aijobs build`; queries shorter "
    "than three characters scan this table."
)

KIND = "preferred, alias, misspelling, translation, label, measure or id"
OLD_KIND = "preferred, alias, misspelling, translation, label or measure"


def _fts(columns: str) -> None:
    op.execute(
        f"CREATE VIRTUAL TABLE search_index USING fts5({columns}, "
        "content='search_entry', content_rowid='id', tokenize='trigram')"
    )
    op.execute("INSERT INTO search_index(search_index) VALUES ('rebuild')")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TABLE search_index")
    op.add_column("search_entry", sa.Column("pinyin", sa.String(), nullable=True, comment=PINYIN))
    op.add_column("search_entry", sa.Column("initials", sa.String(), nullable=True, comment=INITIALS))
    op.create_index("ix_search_entry_pinyin", "search_entry", ["pinyin"], unique=False)
    op.create_index("ix_search_entry_initials", "search_entry", ["initials"], unique=False)
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, text FROM search_entry")).fetchall()
    keys = [(row_id, pinyin_keys(text)) for row_id, text in rows]
    filled = [{"id": row_id, "p": key[0], "i": key[1]} for row_id, key in keys if key is not None]
    if filled:
        bind.execute(sa.text("UPDATE search_entry SET pinyin = :p, initials = :i WHERE id = :id"), filled)
    op.execute(
        "INSERT INTO search_entry (entity_id, kind, text, folded) "
        "SELECT id, 'id', id, lower(id) FROM entity ORDER BY id"
    )
    if dialect == "sqlite":
        _fts("text, folded, pinyin, initials")
    elif dialect == "postgresql":
        op.execute("CREATE INDEX ix_search_entry_pinyin_trgm ON search_entry USING gin (pinyin gin_trgm_ops)")
        op.execute("CREATE INDEX ix_search_entry_initials_trgm ON search_entry USING gin (initials gin_trgm_ops)")
        op.create_table_comment("search_entry", COMMENT, existing_comment=OLD_COMMENT)
        op.alter_column("search_entry", "kind", existing_type=sa.String(), comment=KIND, existing_comment=OLD_KIND)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TABLE search_index")
    elif dialect == "postgresql":
        op.execute("DROP INDEX ix_search_entry_initials_trgm")
        op.execute("DROP INDEX ix_search_entry_pinyin_trgm")
        op.create_table_comment("search_entry", OLD_COMMENT, existing_comment=COMMENT)
        op.alter_column("search_entry", "kind", existing_type=sa.String(), comment=OLD_KIND, existing_comment=KIND)
    op.execute("DELETE FROM search_entry WHERE kind = 'id'")
    op.drop_index("ix_search_entry_initials", table_name="search_entry")
    op.drop_index("ix_search_entry_pinyin", table_name="search_entry")
    op.drop_column("search_entry", "initials")
    op.drop_column("search_entry", "pinyin")
    if dialect == "sqlite":
        _fts("text, folded")
