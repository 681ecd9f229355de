"""Contributor tools: fmt keeps comments and meaning, schema files, new scaffolds."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from aijobs import load
from aijobs.cli import app
from aijobs.tools.fmt import format_text
from aijobs.tools.schema import schemas
from tests.conftest import Workspace

runner = CliRunner()

MESSY = """\
# Wang Fang leads the team.
roles:
- {occupation: data-tagger, title: team lead, status: current,
   cite: [{source: demo-news, para: 4, quote: leads a team}]}   # the role
names:
    - lang: zh-Hans
      text: "王芳"
      cite:
          - source: demo-news
            para: 5
            quote: '29岁的王芳'
note: Interviewed in Hefei.
id: wang-fang
"""


def test_fmt_canonical_form_keeps_comments() -> None:
    result = format_text(MESSY, "people", "people/wang-fang.yaml")
    lines = result.splitlines()
    assert lines[:8] == [
        "# yaml-language-server: $schema=../.schema/person.schema.json",
        "# Wang Fang leads the team.",
        "id: wang-fang",
        "names:",
        "  - text: 王芳",
        "    lang: zh-Hans",
        "    cite:",
        "      - {source: demo-news, para: 5, quote: 29岁的王芳}",
    ]
    assert lines[8] == "roles:"
    assert [line.strip() for line in lines[9:]] == [
        "# the role",
        "- occupation: data-tagger",
        "title: team lead",
        "status: current",
        "cite:",
        "- {source: demo-news, para: 4, quote: leads a team}",
        "note: Interviewed in Hefei.",
    ]
    assert format_text(result, "people", "people/wang-fang.yaml") == result


def test_fmt_command_rewrites_and_checks(workspace: Workspace) -> None:
    workspace.write("people/wang-fang.yaml", MESSY)
    check = runner.invoke(app, ["fmt", "curated", "--check"])
    assert check.exit_code == 1
    assert "would reformat curated/people/wang-fang.yaml" in check.output
    before = load(workspace.curated).get("wang-fang")
    assert runner.invoke(app, ["fmt", "curated"]).exit_code == 0
    assert runner.invoke(app, ["fmt", "curated", "--check"]).exit_code == 0
    assert load(workspace.curated).get("wang-fang") == before
    text = (workspace.curated / "people/wang-fang.yaml").read_text(encoding="utf-8")
    assert "# Wang Fang leads the team." in text and "# the role" in text


def test_fmt_refuses_broken_files_and_leaves_them(workspace: Workspace) -> None:
    broken = "id: x\nid: y\n"
    path = workspace.write("people/x.yaml", broken)
    result = runner.invoke(app, ["fmt", "curated"])
    assert result.exit_code == 1
    assert "curated/people/x.yaml: cannot format: duplicate key 'id'" in result.output
    assert path.read_text(encoding="utf-8") == broken


def test_schemas_describe_the_models(workspace: Workspace) -> None:
    person = json.loads(schemas()["person.schema.json"])
    assert person["additionalProperties"] is False
    assert person["properties"]["id"]["pattern"] == "^[a-z0-9]+(?:-[a-z0-9]+)*$"
    assert runner.invoke(app, ["schema", "curated", "--check"]).exit_code == 1
    assert runner.invoke(app, ["schema", "curated"]).exit_code == 0
    assert runner.invoke(app, ["schema", "curated", "--check"]).exit_code == 0
    assert (workspace.curated / ".schema/figure.schema.json").is_file()
    assert load(workspace.curated)  # the schema folder is not mistaken for records


def test_new_scaffolds_a_valid_record(workspace: Workspace) -> None:
    result = runner.invoke(
        app, ["new", "person", "li-lei", "--name", "Fang", "--lang", "en", "--cite", "demo-news:4:Wang Fang"]
    )
    assert result.exit_code == 0, result.output
    kb = load(workspace.curated)
    assert kb.get("li-lei").display_name() == "Fang"
    again = runner.invoke(app, ["new", "person", "li-lei", "--name", "x", "--cite", "demo-news:4:Wang Fang"])
    assert again.exit_code == 2
    assert "already exists" in again.output


def test_new_explains_what_is_missing(workspace: Workspace) -> None:
    result = runner.invoke(app, ["new", "figure", "f", "--cite", "demo-news:4:40"])
    assert result.exit_code == 2
    assert "--measure is required for a new figure" in result.output
    bad = runner.invoke(app, ["new", "person", "p", "--name", "x", "--cite", "no-colons"])
    assert "--cite must look like SOURCE-ID:PARAGRAPH:QUOTE" in bad.output


def test_new_names_the_record_types_it_scaffolds(workspace: Workspace) -> None:
    result = runner.invoke(app, ["new", "sources", "s", "--name", "x", "--cite", "demo-news:4:40"])
    assert result.exit_code == 2
    assert (
        "TYPE must be one of company, person, occupation, product or figure; sources are described by hand"
        in result.output
    )
    assert not any(workspace.curated.glob("*/s.yaml"))
