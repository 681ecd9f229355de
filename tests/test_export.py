"""Exports: complete, in the expected shape, and byte-identical across runs."""

from __future__ import annotations

import csv
import io
import json
import math
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import aijobs.scan
from aijobs import Figure, load
from aijobs.cache import RecordCache
from aijobs.cli import app
from aijobs.db.dataset import DatasetInfo, aijobs_version
from aijobs.db.migrate import head_revision
from aijobs.db.rows import TABLE_ORDER, build_rows
from aijobs.db.tables import metadata
from aijobs.problems import ProblemsFound
from aijobs.scan import PARALLEL_FROM
from aijobs.tools.export import export, export_folder, to_jsonld, write_export
from aijobs.tools.synthetic import generate
from tests.conftest import Workspace

BASE = "https://example.org/aijobs/"

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
    for path in sorted((workspace.root / "plain").glob("*.csv")):
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
        "additionalProperty": [
            {"@type": "PropertyValue", "propertyID": "approximation", "value": "about"},
            {"@type": "PropertyValue", "propertyID": "asWritten", "value": "40人左右"},
            {"@type": "PropertyValue", "propertyID": "basis", "value": "stated"},
        ],
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


def test_jsonld_base_iri_is_configurable(workspace: Workspace) -> None:
    result = CliRunner().invoke(
        app, ["export", "--format", "jsonld", "--out", "dump", "--base-iri", "https://example.org/aijobs/"]
    )
    assert result.exit_code == 0, result.output
    graph = json.loads(Path("dump/aijobs.jsonld").read_text(encoding="utf-8"))["@graph"]
    assert graph[0]["@id"] == "https://example.org/aijobs/dataset"
    ids = {node["@id"] for node in graph[1:]}
    assert "https://example.org/aijobs/id/hefei-team-size" in ids
    assert all(node["@id"].startswith("https://example.org/aijobs/") for node in graph)


@pytest.mark.parametrize(
    ("base", "problem"),
    [
        ("example.org/aijobs/", "it is not an absolute http:// or https:// IRI"),
        ("file:///etc/", "it is not an absolute http:// or https:// IRI"),
        ("https://example.org/aijobs", "it must end with '/'"),
        ("https://example.org/a b/", "it contains ' ', which an IRI cannot"),
    ],
)
def test_a_bad_base_iri_is_a_usage_error(workspace: Workspace, base: str, problem: str) -> None:
    result = CliRunner().invoke(app, ["export", "--format", "jsonld", "--out", "dump", "--base-iri", base])
    assert result.exit_code == 2
    assert f"base IRI {base!r}: {problem}" in result.output
    assert not Path("dump").exists()


def test_base_iri_is_for_jsonld_only(workspace: Workspace) -> None:
    result = CliRunner().invoke(app, ["export", "--format", "csv", "--base-iri", "https://example.org/x/"])
    assert result.exit_code == 2
    assert "--base-iri applies to --format jsonld only" in result.output


def test_jsonld_figure_keeps_place_producer_and_approximation(workspace: Workspace) -> None:
    workspace.replace("figures/hefei-team-size.yaml", "approx: about", "approx: over")
    workspace.replace(
        "figures/hefei-team-size.yaml",
        "producer: {kind: individual}",
        "producer: {kind: survey, by: ministry, work: R}",
    )
    graph = json.loads(to_jsonld(load(workspace.curated))["aijobs.jsonld"])["@graph"]
    figure = next(node for node in graph if node.get("identifier") == "hefei-team-size")
    assert figure["spatialCoverage"] == {"@type": "Place", "name": "Hefei"}
    assert figure["creator"] == {"@id": "https://aijobs.invalid/id/ministry"}
    assert figure["measurementTechnique"] == "survey"
    assert figure["isBasedOn"] == {"@type": "CreativeWork", "name": "R"}
    value = figure["value"]
    assert value["minValue"] == 40 and "value" not in value and "maxValue" not in value  # over: a lower bound
    assert {"@type": "PropertyValue", "propertyID": "approximation", "value": "over"} in value["additionalProperty"]


# --- exporting a curated folder record by record (aijobs export) -------------------------------

FORMATS = [("json", {}), ("csv", {}), ("csv", {"excel": True}), ("jsonld", {}), ("jsonld", {"base_iri": BASE})]


def _files(paths: list[Path]) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in paths}


@pytest.mark.parametrize(("fmt", "options"), FORMATS)
def test_a_folder_export_is_the_export_of_the_loaded_knowledge_base(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, fmt: str, options: dict[str, Any]
) -> None:
    monkeypatch.setattr(aijobs.scan, "time_ns", lambda: time.time_ns() + 60 * 10**9)  # the files look settled
    cache = RecordCache(workspace.root / "cache")
    paths, first = export_folder(workspace.curated, fmt, workspace.root / "a", **options, cache=cache)
    streamed = _files(paths)
    paths, second = export_folder(workspace.curated, fmt, workspace.root / "b", **options, cache=cache)
    loaded = _files(export(load(workspace.curated), fmt, workspace.root / "c", **options))
    assert streamed == loaded
    assert _files(paths) == loaded
    assert (first.cached, second.cached) == (0, first.files)  # every part from the cache the second time
    if fmt == "csv":  # the rows, numbered, are `build_rows`'s, written as csv.DictWriter writes them
        rows = build_rows(load(workspace.curated))
        for name in set(TABLE_ORDER) - {"dataset"}:  # dataset.csv: test_exports_carry_the_dataset_they_are_given
            expected = io.StringIO()
            columns = [column.name for column in metadata.tables[name].columns]
            writer = csv.DictWriter(expected, fieldnames=columns, lineterminator="\n", extrasaction="raise")
            writer.writeheader()
            numbered = enumerate(rows[name], 1)
            writer.writerows({"id": n, **row} if "id" in columns and "id" not in row else row for n, row in numbered)
            assert streamed[f"{name}.csv"].decode("utf-8") == ("\ufeff" if options else "") + expected.getvalue()
    else:  # the framing written around the records' parts is exactly json's own
        assert all(
            content.decode("utf-8") == json.dumps(json.loads(content), ensure_ascii=False, indent=2) + "\n"
            for content in streamed.values()
        )


@pytest.mark.parametrize(("fmt", "options"), FORMATS)
def test_a_folder_export_read_by_worker_processes_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, options: dict[str, Any]
) -> None:
    root = tmp_path / "curated"
    generate(root, 3)
    monkeypatch.setenv("AIJOBS_CORPUS", str(tmp_path / "corpus"))
    monkeypatch.setenv("AIJOBS_WORKERS", "2")
    assert len(list(root.rglob("*.yaml"))) >= PARALLEL_FROM
    streamed = _files(export_folder(root, fmt, tmp_path / "a", **options)[0])
    assert streamed == _files(export(load(root), fmt, tmp_path / "b", **options))


def test_a_folder_export_of_invalid_records_writes_nothing(workspace: Workspace) -> None:
    out = workspace.root / "out"
    export_folder(workspace.curated, "json", out, cache=None)
    before = _files(sorted(out.iterdir()))
    workspace.replace("people/wang-fang.yaml", "cite:", "cyte:")
    with pytest.raises(ProblemsFound) as found:
        export_folder(workspace.curated, "json", out)
    assert any(problem.location.path.endswith("wang-fang.yaml") for problem in found.value.problems)
    assert _files(sorted(out.iterdir())) == before  # the previous export and its manifest, as they were
    with pytest.raises(ProblemsFound):
        export_folder(workspace.curated, "csv", workspace.root / "new")
    assert not (workspace.root / "new").exists()


def test_the_export_command_reports_invalid_records_and_writes_nothing(workspace: Workspace) -> None:
    workspace.replace("people/wang-fang.yaml", "cite:", "cyte:")
    result = runner.invoke(app, ["export", "--format", "csv", "--out", "dump"])
    assert result.exit_code == 1
    assert "wang-fang.yaml" in result.output
    assert not Path("dump").exists()


def test_an_export_without_a_temporary_folder_is_one_clear_error(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(workspace.root / "missing"))
    result = runner.invoke(app, ["export", "--format", "json", "--out", "dump", "--no-cache"])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert "cannot write a temporary file of the export in" in result.output
    assert "missing (No such file or directory); set TMPDIR" in result.output
    assert not Path("dump").exists()


@pytest.mark.parametrize("fmt", ["json", "csv", "jsonld"])
def test_a_full_temporary_folder_is_one_clear_error_and_the_export_is_kept(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    import errno
    import tempfile

    runner.invoke(app, ["export", "--format", fmt, "--out", "dump", "--no-cache"])
    before = _files(sorted(Path("dump").iterdir()))
    monkeypatch.setenv("TMPDIR", str(workspace.root / "small"))
    monkeypatch.setattr(tempfile, "tempdir", None)

    class Full(io.BytesIO):
        def write(self, data: Any) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tempfile, "TemporaryFile", Full)
    result = runner.invoke(app, ["export", "--format", fmt, "--out", "dump", "--no-cache"])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert "cannot write a temporary file of the export in" in result.output
    assert "small (No space left on device); set TMPDIR to a folder with room" in result.output
    assert _files(sorted(Path("dump").iterdir())) == before


def test_an_export_that_cannot_write_a_file_leaves_the_previous_one_whole(workspace: Workspace) -> None:
    """Every file is written before any is renamed into place: never a mix of two exports."""
    import errno

    out = workspace.root / "out"
    export(load(workspace.curated), "csv", out)
    before = _files(sorted(out.iterdir()))

    def full(_file: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    files: dict[str, Any] = {"entity.csv": "id\n", "claim.csv": b"id\n", "label.csv": full, "role.csv": "id\n"}
    with pytest.raises(OSError, match="No space left"):
        write_export(out, files, "csv")
    assert _files(sorted(out.iterdir())) == before  # no new file, no temporary one, the manifest as it was
    with pytest.raises(OSError, match="No space left"):
        write_export(workspace.root / "new", files, "csv")
    assert not (workspace.root / "new").exists()  # the folder made for it is gone again
