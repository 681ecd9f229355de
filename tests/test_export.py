"""Exports: complete, in the expected shape, and byte-identical across runs."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aijobs import Figure, load
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


def _not_json(token: str) -> None:
    raise AssertionError(f"the export holds {token}, which is not JSON")


def test_json_exports_never_hold_infinity_or_nan(workspace: Workspace) -> None:
    # The largest numbers a figure holds come out as plain JSON numbers ...
    workspace.replace(
        "figures/hefei-team-size.yaml", "value: 40\nunit: people", "lower: -1.7e308\nupper: 1.7e308\nunit: CNY"
    )
    for fmt in ("json", "jsonld"):
        (path,) = export(load(workspace.curated), fmt, workspace.root / fmt)
        text = path.read_text(encoding="utf-8")
        json.loads(text, parse_constant=_not_json)  # parse_constant sees Infinity, -Infinity and NaN
        assert "1.7e+308" in text
    # ... numbers beyond them never reach an export: the data is refused, nothing is written ...
    for bad in ("1e400", "-.inf", ".nan"):
        workspace.replace("figures/hefei-team-size.yaml", "upper: 1.7e308", f"upper: {bad}")
        result = CliRunner().invoke(app, ["export", "--format", "json", "--out", "refused"])
        assert result.exit_code == 1
        assert "curated/figures/hefei-team-size.yaml:4:8: upper: " in result.output
        assert not Path("refused").exists()
        workspace.replace("figures/hefei-team-size.yaml", f"upper: {bad}", "upper: 1.7e308")
    # ... and a figure that skipped validation is refused by the writer, not written as Infinity.
    kb = load(workspace.curated)
    (item,) = [item for item in kb.loaded if isinstance(item.record, Figure)]
    item.record = Figure.model_construct(**{**dict(item.record), "upper": math.inf})
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        export(kb, "json", workspace.root / "unchecked")
