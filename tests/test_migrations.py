"""The migrations: plain SQLAlchemy, reversible step by step, in step with the table classes.

Every revision is upgraded to, then downgraded from, and the schema after each step
down must equal the schema a fresh database has at that revision. On SQLite always; on
PostgreSQL when AIJOBS_TEST_POSTGRES_URL is set (in a throwaway schema).
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata, produce_migrations, render_python_code
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.engine import make_url

from aijobs.db.engine import server_url, sqlite_engine
from aijobs.db.migrate import (
    current_revision,
    downgrade,
    include_object,
    migrations_dir,
    render_item,
    revisions,
    upgrade,
)
from aijobs.db.tables import metadata
from aijobs.db.upgrade import upgrade_file

URL = os.environ.get("AIJOBS_TEST_POSTGRES_URL")
needs_postgres = pytest.mark.skipif(
    not URL and os.environ.get("AIJOBS_REQUIRE_POSTGRES") != "1",
    reason="set AIJOBS_TEST_POSTGRES_URL=postgresql://... to run against a PostgreSQL server",
)


def schema(connection: Connection) -> dict[str, Any]:
    """Everything about the tables that a migration can change, as comparable data."""
    inspector = inspect(connection)
    comments = connection.dialect.name != "sqlite"
    tables: dict[str, Any] = {}
    for name in sorted(inspector.get_table_names()):
        if name == "alembic_version":
            continue
        tables[name] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], c.get("default"), c.get("comment"))
                for c in inspector.get_columns(name)
            ],
            "primary key": inspector.get_pk_constraint(name)["constrained_columns"],
            "foreign keys": sorted(
                (tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]))
                for fk in inspector.get_foreign_keys(name)
            ),
            "indexes": sorted(
                (str(ix["name"]), tuple(map(str, ix["column_names"])), bool(ix["unique"]))
                for ix in inspector.get_indexes(name)
            ),
            "unique": sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(name)),
            "comment": inspector.get_table_comment(name)["text"] if comments else None,
        }
    return tables


def round_trip(connection: Connection) -> None:
    """Up one revision at a time, then down one at a time, comparing schemas at each step."""
    steps = revisions()
    assert steps, "no migrations found"
    at: dict[str | None, dict[str, Any]] = {None: schema(connection)}
    for revision in steps:
        upgrade(connection, revision)
        assert current_revision(connection) == revision
        at[revision] = schema(connection)
    assert at[steps[-1]] != at[None]
    for index in range(len(steps) - 1, -1, -1):
        downgrade(connection, "-1")
        below = steps[index - 1] if index else None
        assert current_revision(connection) == below
        assert schema(connection) == at[below], f"downgrading {steps[index]} did not restore {below or 'base'}"
    upgrade(connection, "head")
    assert schema(connection) == at[steps[-1]]


def test_every_migration_round_trips_on_sqlite(tmp_path: Path) -> None:
    engine = sqlite_engine(tmp_path / "trip.db")
    try:
        with engine.begin() as connection:
            round_trip(connection)
    finally:
        engine.dispose()


@contextmanager
def throwaway_database(url: str) -> Iterator[str]:
    """The URL of a new, empty database on the server at `url`, dropped afterwards."""
    server = make_url(server_url(url))
    name = f"aijobs_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres() -> Iterator[Connection]:
    """A connection to a new, empty database on the test server, dropped afterwards."""
    if not URL:
        pytest.fail("AIJOBS_REQUIRE_POSTGRES=1 but AIJOBS_TEST_POSTGRES_URL is not set")
    with throwaway_database(URL) as database:
        engine = create_engine(database)
        try:
            with engine.begin() as connection:
                yield connection
        finally:
            engine.dispose()


@needs_postgres
def test_every_migration_round_trips_on_postgres(postgres: Connection) -> None:
    round_trip(postgres)


@needs_postgres
def test_migrations_match_the_models_on_postgres(postgres: Connection) -> None:
    """Types, nullability and the column and table comments, as PostgreSQL keeps them."""
    upgrade(postgres)
    context = MigrationContext.configure(postgres, opts={"include_object": include_object, "compare_type": True})
    assert compare_metadata(context, metadata) == []


def test_migrations_use_plain_sqlalchemy() -> None:
    for script in sorted((migrations_dir() / "versions").glob("*.py")):
        assert "sqlmodel" not in script.read_text(encoding="utf-8"), script.name
    assert "sqlmodel" not in (migrations_dir() / "script.py.mako").read_text(encoding="utf-8")


def test_autogenerate_writes_plain_string_types(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": include_object})
        operations = produce_migrations(context, metadata).upgrade_ops
        assert operations is not None
        code = render_python_code(operations, render_item=render_item)
    engine.dispose()
    assert "sa.Column('measure', sa.String(), nullable=False" in code
    assert "sqlmodel" not in code.lower() and "AutoString" not in code


def test_upgrade_file_takes_any_file_name(tmp_path: Path) -> None:
    """'?' and '#' in a name are part of it: nothing else is opened or created."""
    odd = tmp_path / "old?mode=rwc#x.db"
    sqlite3.connect(odd).close()
    assert upgrade_file(odd) == (None, revisions()[-1])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old?mode=rwc#x.db"]
