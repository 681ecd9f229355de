"""Exports: complete, in the expected shape, and byte-identical across runs."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aijobs import load
from aijobs.cli import app
from aijobs.db.tables import metadata
from aijobs.tools.export import export
from tests.conftest import Workspace


@pytest.mark.parametrize("fmt", ["json", "csv", "jsonld"])
def test_exports_are_deterministic(workspace: Workspace, fmt: str) -> None:
    kb = load(workspace.curated)
    first = {p.name: p.read_bytes() for p in export(kb, fmt, workspace.root / "a")}
    second = {p.name: p.read_bytes() for p in export(load(workspace.curated), fmt, workspace.root / "b")}
    assert first == second


def test_json_mirrors_the_records(workspace: Workspace) -> None:
    (path,) = export(load(workspace.curated), "json", workspace.root / "out")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert sorted(data) == ["companies", "figures", "occupations", "people", "sources"]
    (person,) = data["people"]
    assert person["id"] == "wang-fang"
    assert person["ages"] == [
        {
            "years": 29,
            "as_of": "2025-01-02",
            "cite": [
                {"source": "demo-news", "para": 4, "quote": "Wang Fang, 29", "also": {"para": 5, "quote": "29岁"}}
            ],
        }
    ]
    assert "anonymous" not in person  # unset fields are not invented


def test_csv_has_one_file_per_table(workspace: Workspace) -> None:
    paths = export(load(workspace.curated), "csv", workspace.root / "out")
    assert sorted(p.stem for p in paths) == sorted(metadata.tables)
    with (workspace.root / "out/role.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["person_id"], r["occupation_id"], r["status"]) for r in rows] == [
        ("wang-fang", "data-tagger", "current")
    ]


def test_jsonld_uses_schema_org(workspace: Workspace) -> None:
    (path,) = export(load(workspace.curated), "jsonld", workspace.root / "out")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["@context"] == "https://schema.org/"
    types = {node["identifier"]: node["@type"] for node in data["@graph"]}
    assert types == {
        "demo-news": "CreativeWork",
        "ministry": "Organization",
        "data-tagger": "Occupation",
        "wang-fang": "Person",
        "hefei-team-size": "Observation",
    }
    figure = next(node for node in data["@graph"] if node["identifier"] == "hefei-team-size")
    assert figure["value"] == {
        "@type": "QuantitativeValue",
        "value": 40,
        "unitText": "people",
        "description": "about: 40人左右",
    }
    assert figure["citation"][0]["text"] == "40人左右"


def test_export_command(workspace: Workspace) -> None:
    result = CliRunner().invoke(app, ["export", "--format", "jsonld", "--out", "dump"])
    assert result.exit_code == 0
    assert Path("dump/aijobs.jsonld").is_file()
    assert CliRunner().invoke(app, ["export", "--format", "xml"]).exit_code == 2


def test_jsonld_takes_descriptions_and_links_from_the_claims_and_references(workspace: Workspace) -> None:
    workspace.replace(
        "sources/demo-news.yaml",
        "publisher: unknown\n",
        "publisher: ministry\n"
        "description: {text: A demo news item., cite: [{source: demo-news, para: 1, quote: 示例新闻}]}\n",
    )
    (path,) = export(load(workspace.curated), "jsonld", workspace.root / "out")
    nodes = {node["identifier"]: node for node in json.loads(path.read_text(encoding="utf-8"))["@graph"]}
    source = nodes["demo-news"]
    assert list(source)[:5] == ["@id", "@type", "identifier", "description", "name"]
    assert source["description"] == "A demo news item."
    assert source["publisher"] == {"@id": "https://aijobs.invalid/id/ministry"}
    assert "author" not in source  # 'unknown' is not a link
    assert nodes["hefei-team-size"]["observationAbout"] == [
        {"@id": "https://aijobs.invalid/id/data-tagger"},
        {"@id": "https://aijobs.invalid/id/wang-fang"},
    ]
    assert nodes["data-tagger"]["additionalType"] == ["recognised"]
    assert [quotation["text"] for quotation in source["citation"]] == ["示例新闻", "示例新闻"]
