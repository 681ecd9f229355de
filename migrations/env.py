"""Alembic environment: runs migrations on the connection aijobs hands it.

aijobs calls Alembic programmatically (see aijobs/db/migrate.py) and passes an open
connection in `config.attributes["connection"]`, so a build can migrate and fill a
temporary database file inside one process. `alembic -c ...` from the shell works too,
using the `sqlalchemy.url` option.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from aijobs.db.migrate import include_object, render_item
from aijobs.db.tables import metadata

config = context.config
target_metadata = metadata


def run_migrations(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        include_object=include_object,
        render_item=render_item,  # plain SQLAlchemy types in new migrations, never SQLModel's
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies tables
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("set sqlalchemy.url, e.g. alembic -x ... or use `aijobs db upgrade PATH`")
    engine = create_engine(url)
    with engine.begin() as conn:
        run_migrations(conn)
