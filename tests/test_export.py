"""Exports: complete, in the expected shape, and byte-identical across runs."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aijobs import load
from aijobs.cli import app
from aijobs.db.dataset import DatasetInfo, aijobs_version
from aijobs.db.migrate import head_revision
from aijobs.db.tables import metadata
from aijobs.tools.export import export
from tests.conftest import Workspace

runner = CliRunner()


@pytest.mark.parametrize("fmt", ["json", "csv", "jsonld"])
def test_exports_are_deterministic(workspace: Workspace, fmt: str) -> None:
    kb = load(workspace.curated)
    first = {p.name: p.read_bytes() for p in export(kb, fmt, workspace.root / "a")}
    second = {p.name: p.read_bytes() for p in export(load(workspace.curated), fmt, workspace.root / "b")}
    assert first == second


def test_json_mirrors_the_records(workspace: Workspace) -> None:
    (path,) = export(load(workspace.curated), "json", workspace.root / "out")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert list(data) == ["dataset", "sources", "companies", "people", "occupations", "products", "figures"]
    assert data["dataset"] == {
        "version": aijobs_version(),
        "git_commit": None,  # not in git: no commit, and no date rather than the clock's
        "commit_date": None,
        "schema_revision": head_revision(),
    }
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
    with (workspace.root / "out/dataset.csv").open(encoding="utf-8") as handle:
        assert list(csv.DictReader(handle)) == [
            {"version": aijobs_version(), "git_commit": "", "commit_date": "", "schema_revision": head_revision()}
        ]


def test_csv_is_plain_utf8_by_default_and_has_a_bom_for_excel(workspace: Workspace) -> None:
    plain = runner.invoke(app, ["export", "--format", "csv", "--out", "plain"])
    excel = runner.invoke(app, ["export", "--format", "csv", "--out", "excel", "--excel"])
    assert (plain.exit_code, excel.exit_code) == (0, 0), plain.output + excel.output
    for path in sorted((workspace.root / "plain").iterdir()):
        data = path.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf"), path.name
        assert (workspace.root / "excel" / path.name).read_bytes() == b"\xef\xbb\xbf" + data
    label = (workspace.root / "excel/label.csv").read_bytes()
    assert "数据标注员".encode() in label  # UTF-8 after the BOM, which Excel needs to show it
    with (workspace.root / "plain/label.csv").open(encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle))[0] == "id"  # no BOM glued to the first column name


def test_excel_applies_to_csv_only(workspace: Workspace) -> None:
    result = runner.invoke(app, ["export", "--format", "json", "--excel", "--out", "out"])
    assert result.exit_code == 2
    assert "--excel applies to --format csv only" in result.output
    assert not (workspace.root / "out").exists()


def test_jsonld_uses_schema_org(workspace: Workspace) -> None:
    (path,) = export(load(workspace.curated), "jsonld", workspace.root / "out")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["@context"] == "https://schema.org/"
    dataset, *records = data["@graph"]
    assert dataset == {
        "@id": "https://aijobs.invalid/dataset",
        "@type": "Dataset",
        "name": "aijobs",
        "description": "A hand-curated, citable knowledge base of the occupations AI creates and changes.",
        "version": aijobs_version(),
        "license": "https://creativecommons.org/publicdomain/zero/1.0/",
        "schemaVersion": head_revision(),
    }  # outside git: no commit and no dateModified, never the clock
    types = {node["identifier"]: node["@type"] for node in records}
    assert types == {
        "demo-news": "CreativeWork",
        "ministry": "Organization",
        "data-tagger": "Occupation",
        "wang-fang": "Person",
        "hefei-team-size": "Observation",
    }
    figure = next(node for node in records if node["identifier"] == "hefei-team-size")
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
    graph = json.loads(path.read_text(encoding="utf-8"))["@graph"]
    nodes = {node["identifier"]: node for node in graph if node["@type"] != "Dataset"}
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
def test_exports_carry_the_dataset_they_are_given(workspace: Workspace) -> None:
    dataset = DatasetInfo("9.8.7", "0123456789abcdef0123456789abcdef01234567", "2025-03-04T05:06:07Z", "0004")
    kb = load(workspace.curated)
    (path,) = export(kb, "jsonld", workspace.root / "ld", dataset)
    node = json.loads(path.read_text(encoding="utf-8"))["@graph"][0]
    assert (node["version"], node["dateModified"], node["schemaVersion"]) == ("9.8.7", "2025-03-04T05:06:07Z", "0004")
    assert node["identifier"] == {"@type": "PropertyValue", "propertyID": "git-commit", "value": dataset.git_commit}
    (path,) = export(kb, "json", workspace.root / "json", dataset)
    assert json.loads(path.read_text(encoding="utf-8"))["dataset"] == dataset.as_row()
    export(kb, "csv", workspace.root / "csv", dataset)
    assert (workspace.root / "csv/dataset.csv").read_text(encoding="utf-8") == (
        "version,git_commit,commit_date,schema_revision\n"
        "9.8.7,0123456789abcdef0123456789abcdef01234567,2025-03-04T05:06:07Z,0004\n"
    )
