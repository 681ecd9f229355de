"""Search in any script: folding, the FTS5 trigram index, the short-query fallback, ranking."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aijobs import load
from aijobs.cli import app
from aijobs.db.build import build_sqlite
from aijobs.db.search import search
from aijobs.text import fold
from tests.conftest import Workspace


@pytest.fixture
def db(workspace: Workspace) -> Path:
    path = workspace.root / "aijobs.db"
    build_sqlite(load(workspace.curated), path)
    return path


def ids(db: Path, query: str) -> list[str]:
    with sqlite3.connect(db) as connection:
        return [hit.entity_id for hit in search(connection, query)]


def test_fold() -> None:
    assert fold("數據分析師") == fold("数据分析师") == "数据分析师"
    assert fold("ＡＩ Trainer") == "ai trainer"
    assert fold("  AI\n trainer ") == "ai trainer"


@pytest.mark.parametrize(
    "query", ["数据标注员", "數據標註員", "data tagger", "DATA TAGGER", "ｄａｔａ tagger", "标注员", "標註", "tagg"]
)
def test_finds_occupation_in_every_script(db: Path, query: str) -> None:
    assert ids(db, query)[0] == "data-tagger"


def test_short_query_uses_substring_fallback(db: Path) -> None:
    assert ids(db, "王") == ["wang-fang"]
    assert ids(db, "芳") == ["wang-fang"]


def test_ranking_exact_before_alias_before_substring(db: Path) -> None:
    with sqlite3.connect(db) as connection:
        hits = search(connection, "人社部")
        assert [(h.entity_id, h.rank) for h in hits] == [("ministry", 0)]
        hits = search(connection, "数据标注")
        assert [(h.entity_id, h.rank) for h in hits] == [("data-tagger", 2)]
        hits = search(connection, "the ministry")
        assert [(h.entity_id, h.rank, h.kind) for h in hits] == [("ministry", 0, "preferred")]


def test_sql_clients_can_search_without_python(db: Path) -> None:
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT s.entity_id FROM search_index JOIN search_entry s ON s.id = search_index.rowid "
            "WHERE search_index MATCH ?",
            ('"标注员"',),
        ).fetchall()
    assert ("data-tagger",) in rows


def test_search_command(db: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["search", "數據標註", "--db", str(db)])
    assert result.exit_code == 0
    assert result.output.split()[:2] == ["occupation", "data-tagger"]
    missing = runner.invoke(app, ["search", "nothing-like-this", "--db", str(db)])
    assert missing.exit_code == 1
    assert "no match for 'nothing-like-this'" in missing.output
    no_db = runner.invoke(app, ["search", "x", "--db", "absent.db"])
    assert no_db.exit_code == 1
    assert "absent.db not found; build it first with `aijobs build`" in no_db.output
