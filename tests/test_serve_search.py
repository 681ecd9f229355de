"""Search in Datasette, through the plugin `aijobs serve` loads: the same hits as the CLI."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("datasette")

from datasette.app import Datasette

from aijobs import load
from aijobs.db.build import build_sqlite
from aijobs.db.search import search
from aijobs.db.serve import PLUGINS, datasette, datasette_metadata
from tests.conftest import REPO


@pytest.fixture(scope="module")
def curated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("serve") / "aijobs.db"
    build_sqlite(load(REPO / "curated"), db)
    return db


def _get(db: Path, path: str, params: dict[str, str]) -> tuple[int, Any]:
    async def fetch() -> tuple[int, Any]:
        ds = Datasette([str(db)], metadata=datasette_metadata(db.stem), plugins_dir=str(PLUGINS))
        response = await ds.client.get(path, params=params)
        return response.status_code, response.json() if response.status_code == 200 else response.text

    return asyncio.run(fetch())


def _search(db: Path, query: str) -> list[str]:
    status, rows = _get(db, "/aijobs/search.json", {"q": query, "_shape": "array"})
    assert status == 200, rows
    return [row["id"] for row in rows]


@pytest.mark.parametrize(
    "query", ["训练师", "訓練師", "AI", "ai", "lc", "luo chong", "trainr", "director ai", "ai-trainer"]
)
def test_search_query_gives_the_cli_ranking(curated_db: Path, query: str) -> None:
    with sqlite3.connect(curated_db) as connection:
        expected = [hit.entity_id for hit in search(connection, query, 50)]
    assert expected
    assert _search(curated_db, query) == expected


def test_traditional_finds_as_many_as_simplified(curated_db: Path) -> None:
    assert sorted(_search(curated_db, "訓練師")) == sorted(_search(curated_db, "训练师"))
    assert len(_search(curated_db, "训练师")) >= 2


@pytest.mark.parametrize("query", ['"', "*", '"训练师', "a OR b", "NEAR(x", "", "  ", "x" * 1000])
def test_search_query_takes_any_text(curated_db: Path, query: str) -> None:
    assert isinstance(_search(curated_db, query), list)


@pytest.mark.parametrize("query", ['"', "*", '训练师"', "a OR b", "NEAR(x", "{text}:x"])
def test_table_search_box_takes_syntax_as_text(curated_db: Path, query: str) -> None:
    status, body = _get(curated_db, "/aijobs/search_entry.json", {"_search": query, "_shape": "array"})
    assert status == 200, body


def test_table_search_box_folds_traditional_script(curated_db: Path) -> None:
    def count(query: str) -> int:
        status, rows = _get(curated_db, "/aijobs/search_entry.json", {"_search": query, "_shape": "array"})
        assert status == 200
        return len(rows)

    assert count("訓練師") == count("训练师") >= 4


def test_serve_loads_the_plugin(curated_db: Path) -> None:
    argv = datasette(curated_db).argv
    assert argv[argv.index("--plugins-dir") + 1] == str(PLUGINS)
    assert sorted(path.name for path in PLUGINS.iterdir() if path.suffix == ".py") == ["aijobs_search.py"]
