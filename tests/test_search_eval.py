"""The search evaluation set (tests/search_eval.yaml), scored on the curated data.

Top-1 must stay at 95% or above; the mean reciprocal rank is printed (pytest -s).
benchmarks/run.py scores the same set on a 1000x database, with latency.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aijobs import load
from aijobs.cli import app
from aijobs.db import session
from aijobs.db.build import build_server, build_sqlite
from aijobs.db.search import search
from tests.conftest import REPO
from tests.search_scoring import EVAL_SET, load_eval, score


@pytest.fixture(scope="module")
def curated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("eval") / "aijobs.db"
    build_sqlite(load(REPO / "curated"), db)
    return db


def test_the_eval_set_is_broad() -> None:
    cases = load_eval(EVAL_SET)
    assert len(cases) >= 150
    kinds = {case.kind for case in cases}
    assert {"simplified", "traditional", "english", "pinyin", "pinyin-spaced", "initials"} <= kinds
    assert {"typo", "partial", "word-order", "id", "full-width"} <= kinds


def test_every_expected_record_exists(curated_db: Path) -> None:
    with sqlite3.connect(curated_db) as connection:
        ids = {row[0] for row in connection.execute("SELECT id FROM entity")}
    assert [case.find for case in load_eval(EVAL_SET) if case.find not in ids] == []


def test_search_quality(curated_db: Path) -> None:
    with sqlite3.connect(curated_db) as connection:
        result = score(lambda query: [hit.entity_id for hit in search(connection, query)], load_eval(EVAL_SET))
    print(f"\nsearch eval: {result.summary()}")
    for kind, (top1, mrr) in sorted(result.by_kind().items()):
        print(f"  {kind:<14} top-1 {top1:.1%}  MRR {mrr:.3f}")
    assert result.top1 >= 0.95, result.misses()


POSTGRES = os.environ.get("AIJOBS_TEST_POSTGRES_URL")
needs_postgres = pytest.mark.skipif(
    not POSTGRES and os.environ.get("AIJOBS_REQUIRE_POSTGRES") != "1",
    reason="set AIJOBS_TEST_POSTGRES_URL=postgresql://... to run against a PostgreSQL server",
)


@pytest.fixture(scope="module")
def postgres_url(curated_db: Path) -> str:
    if not POSTGRES:
        pytest.fail("AIJOBS_REQUIRE_POSTGRES=1 but AIJOBS_TEST_POSTGRES_URL is not set")
    build_server(load(REPO / "curated"), POSTGRES)
    return POSTGRES


@needs_postgres
def test_postgres_ranks_like_sqlite(curated_db: Path, postgres_url: str) -> None:
    cases = load_eval(EVAL_SET)
    with sqlite3.connect(curated_db) as connection:
        expected = [[(h.entity_id, h.tier) for h in search(connection, case.query)] for case in cases]
    with session(postgres_url) as db:
        actual = [[(h.entity_id, h.tier) for h in search(db, case.query)] for case in cases]
    # Fuzzy candidates come from each server's own trigram index: the best one must agree.
    differ = [
        (case.query, e[:3], a[:3])
        for case, e, a in zip(cases, expected, actual, strict=True)
        if ((e[:1] != a[:1]) if e and e[0][1] == "fuzzy" else e != a)
    ]
    assert differ == []


@needs_postgres
def test_search_command_on_postgres(postgres_url: str) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["search", "luochong", "--db", postgres_url])
    assert result.exit_code == 0, result.output
    assert result.output.split()[:2] == ["person", "luo-chong"]


def test_search_command_never_prints_a_password() -> None:
    url = "postgresql://someone:secret-xyz-123@127.0.0.1:1/aijobs"  # nothing listens on port 1
    result = CliRunner().invoke(app, ["search", "luochong", "--db", url])
    assert result.exit_code == 1
    assert "secret-xyz-123" not in result.output
    assert "postgresql://someone:***@127.0.0.1:1/aijobs: cannot read the database" in result.output
