"""Search in any script: folding, the FTS5 trigram index, the short-query fallback, ranking."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aijobs import load
from aijobs.cli import ID_WIDTH, app, format_hits
from aijobs.db.build import build_sqlite
from aijobs.db.engine import sqlite_engine
from aijobs.db.migrate import downgrade, head_revision
from aijobs.db.search import Hit, search
from aijobs.db.upgrade import upgrade_file
from aijobs.errors import UsageError
from aijobs.text import fold, pinyin_keys
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
        assert [(h.entity_id, h.tier) for h in hits] == [("ministry", "exact")]
        hits = search(connection, "数据标注")
        assert [(h.entity_id, h.tier) for h in hits] == [("data-tagger", "prefix")]
        hits = search(connection, "the ministry")
        assert [(h.entity_id, h.tier, h.kind) for h in hits] == [("ministry", "exact", "preferred")]


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
    for blank in ("", "   ", "\t"):
        empty = runner.invoke(app, ["search", blank, "--db", str(db)])
        assert empty.exit_code == 2
        assert "the search query is empty" in empty.output
    no_db = runner.invoke(app, ["search", "x", "--db", "absent.db"])
    assert no_db.exit_code == 1
    assert "absent.db not found; build it first with `aijobs build --db absent.db`" in no_db.output


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("shujubiaozhuyuan", "data-tagger"),  # pinyin, no spaces
        ("shu ju biao zhu yuan", "data-tagger"),  # with spaces
        ("Shuju-Biaozhu", "data-tagger"),  # any separators, any case
        ("biaozhuyuan", "data-tagger"),  # the middle of a name
        ("sjbzy", "data-tagger"),  # initials
        ("sjb", "data-tagger"),  # their start
        ("wangfang", "wang-fang"),
        ("wf", "wang-fang"),
        ("tagger data", "data-tagger"),  # words in any order
        ("data-tagger", "data-tagger"),  # the id
        ("dataa tagger", "data-tagger"),  # a typo
        ("data tager", "data-tagger"),
    ],
)
def test_forgiving_queries(db: Path, query: str, expected: str) -> None:
    assert ids(db, query)[0] == expected


def test_pinyin_keys_are_stored(db: Path) -> None:
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT text, pinyin, initials FROM search_entry WHERE entity_id = 'wang-fang' ORDER BY id"
        ).fetchall()
    assert ("王芳", "wangfang", "wf") in rows
    assert all(pinyin is None for text, pinyin, _ in rows if text.isascii())
    assert ("wang-fang", None, None) in rows  # the id is searchable too


def test_pinyin_keys() -> None:
    assert pinyin_keys("罗翀") == ("luochong", "lc")
    assert pinyin_keys("羅翀") == ("luochong", "lc")  # folded to simplified first
    assert pinyin_keys("重庆") == ("chongqing", "cq")  # read as a phrase
    assert pinyin_keys("AI狐头条") == ("aihutoutiao", "aihtt")
    assert pinyin_keys("data tagger") is None


def test_tiers_in_order(db: Path) -> None:
    with sqlite3.connect(db) as connection:
        assert search(connection, "data tagger")[0].tier == "exact"
        assert search(connection, "data tag")[0].tier == "prefix"
        assert search(connection, "ata tag")[0].tier == "substring"
        assert search(connection, "biaozhu")[0].tier == "pinyin"
        assert search(connection, "tagger data")[0].tier == "words"
        assert search(connection, "dataa tagger")[0].tier == "fuzzy"


def test_every_word_must_match(db: Path) -> None:
    assert ids(db, "tagger ministry") == []


def test_fuzzy_only_when_nothing_matches(db: Path) -> None:
    with sqlite3.connect(db) as connection:
        assert {hit.tier for hit in search(connection, "tagger")} == {"substring"}
        assert {hit.tier for hit in search(connection, "taggr")} == {"fuzzy"}


@pytest.mark.parametrize(
    "query", ['"', "*", '"*"', "OR", "NEAR(a b)", "x'; DROP TABLE entity; --", "%", "_", "\\", "{folded}:x"]
)
def test_syntax_in_a_query_is_plain_text(db: Path, query: str) -> None:
    assert ids(db, query) == []
    assert ids(db, "data tagger") == ["data-tagger"]  # nothing was dropped


def test_syntax_next_to_a_name_is_plain_text(db: Path) -> None:
    with sqlite3.connect(db) as connection:
        assert [(h.entity_id, h.tier) for h in search(connection, 'data tagger"')] == [("data-tagger", "fuzzy")]
        assert search(connection, "data*")[0].tier == "fuzzy"


@pytest.mark.parametrize("query", ["", "  ", "\n\t"])
def test_blank_query_is_a_usage_error(db: Path, query: str) -> None:
    with sqlite3.connect(db) as connection, pytest.raises(UsageError, match="empty"):
        search(connection, query)


def test_long_query_is_refused_without_echo(db: Path) -> None:
    runner = CliRunner()
    query = "数据" * 60_000
    result = runner.invoke(app, ["search", query, "--db", str(db)])
    assert result.exit_code == 2
    assert "120000 characters long; at most 200 are searched" in result.output
    assert len(result.output) < 200
    assert ids(db, "数据标注员" + " " * 150) == ["data-tagger"]  # spaces around do not count


def test_did_you_mean(db: Path) -> None:
    result = CliRunner().invoke(app, ["search", "dataa tager", "--db", str(db)])
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == "no exact match for 'dataa tager'; did you mean 'data tagger'?"
    assert result.output.splitlines()[1].split()[:2] == ["occupation", "data-tagger"]


def test_output_names_each_name_once_and_fits_long_ids() -> None:
    long_id = "a-company-with-a-very-long-identifier-indeed-x"
    names = (("en", "OpenAI"), ("zh-Hans", "OpenAI"), ("zh-Hant", "OpenAI"))
    hits = [
        Hit("openai", "company", "OpenAI", "OpenAI", "preferred", (0, 0, 0, 2, False), names),
        Hit(long_id, "company", "Long", "Long", "preferred", (1, 0, 0, 2, False), (("en", "Long"),)),
        Hit("ai-trainer", "occupation", "x", "AI trainer", "alias", (1, 0, 1, 0, False), (("en", "artificial"),)),
    ]
    lines = format_hits(hits).splitlines()
    assert lines[0].split() == ["company", "openai", "OpenAI"]  # each distinct name once
    assert long_id not in lines[1] and long_id[: ID_WIDTH - 1] + "…" in lines[1]
    assert lines[2].endswith("artificial  (matched alias: AI trainer)")
    assert len({line.index(name) for line, name in zip(lines, ("OpenAI", "Long", "artificial"), strict=True)}) == 1


def test_an_upgraded_database_searches_like_a_fresh_build(db: Path) -> None:
    queries = ["wangfang", "sjbzy", "data-tagger", "王", "tagger data"]
    with sqlite3.connect(db) as connection:
        fresh = [[(h.entity_id, h.tier) for h in search(connection, q)] for q in queries]
    engine = sqlite_engine(db)
    try:
        with engine.begin() as connection:
            downgrade(connection, "0005")  # the schema before pinyin keys and id entries
        with engine.begin() as connection:
            columns = {row[1] for row in connection.exec_driver_sql("PRAGMA table_info(search_entry)")}
            assert "pinyin" not in columns
    finally:
        engine.dispose()
    assert upgrade_file(db) == ("0005", head_revision())
    with sqlite3.connect(db) as connection:
        assert [[(h.entity_id, h.tier) for h in search(connection, q)] for q in queries] == fresh
