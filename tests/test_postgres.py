"""The same knowledge base in PostgreSQL: same migrations, same answers as SQLite."""

from __future__ import annotations

import os
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from aijobs import load
from aijobs.db.build import build_server, build_sqlite
from aijobs.db.engine import server_url
from aijobs.db.migrate import head_revision
from tests.conftest import REPO
from tests.test_docs import _example_queries

URL = os.environ.get("AIJOBS_TEST_POSTGRES_URL")

pytestmark = pytest.mark.skipif(
    not URL and os.environ.get("AIJOBS_REQUIRE_POSTGRES") != "1",
    reason="set AIJOBS_TEST_POSTGRES_URL=postgresql://... to run against a PostgreSQL server",
)

COMPARED = [
    "SELECT type, count(*) FROM entity GROUP BY type ORDER BY type",
    "SELECT property, count(*) FROM claim GROUP BY property ORDER BY property",
    "SELECT id, key, subject_id, property, value, lang FROM claim ORDER BY id",
    "SELECT id, claim_id, source_id, paragraph, quote, parallel_paragraph, parallel_quote FROM citation ORDER BY id",
    "SELECT entity_id, lang, text, preferred, translation, misspelling FROM label ORDER BY id",
    "SELECT id, value, lower, upper, unit, approx, as_written FROM figure ORDER BY id",
    'SELECT person_id, seq, occupation_id, company_id, title, start, "end", status FROM role ORDER BY person_id, seq',
    "SELECT count(*) FROM claim WHERE id NOT IN (SELECT claim_id FROM citation)",
]


def _plain(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


def _rows(rows: Any) -> list[tuple[Any, ...]]:
    return [tuple(_plain(v) for v in row) for row in rows]


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    if not URL:
        pytest.fail("AIJOBS_REQUIRE_POSTGRES=1 but AIJOBS_TEST_POSTGRES_URL is not set")
    kb = load(REPO / "curated")
    db = tmp_path_factory.mktemp("pg") / "aijobs.db"
    build_sqlite(kb, db)
    build_server(kb, URL)
    build_server(kb, URL)  # a rebuild replaces the data and gives the same ids
    return db, URL


def test_postgres_has_the_schema_revision(databases: tuple[Path, str]) -> None:
    _, url = databases
    engine = create_engine(server_url(url))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head_revision()
    engine.dispose()


@pytest.mark.parametrize("sql", COMPARED + [sql for sql, _ in _example_queries()])
def test_same_answers_as_sqlite(databases: tuple[Path, str], sql: str) -> None:
    db, url = databases
    with sqlite3.connect(db) as connection:
        expected = _rows(connection.execute(sql).fetchall())
    engine = create_engine(server_url(url))
    with engine.connect() as connection:
        actual = _rows(connection.execute(text(sql)).fetchall())
    engine.dispose()
    assert actual == expected
