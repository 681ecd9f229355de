"""Contributor tools: fmt keeps comments and meaning, schema files, new scaffolds."""

from __future__ import annotations

import json

import pytest
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
    assert again.output == (
        "Error: id 'li-lei' is already used by curated/people/li-lei.yaml; choose another id or edit that file\n"
    )


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


def new(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["new", *args])
    return result.exit_code, result.stdout, result.stderr


def test_new_refuses_an_id_any_record_uses(workspace: Workspace) -> None:
    code, _, err = new("occupation", "ministry", "--name", "x", "--cite", "demo-news:2:the ministry")
    assert code == 2
    assert err == ("Error: --status is required for a new occupation; --status-cite is required for a new occupation\n")
    code, _out, err = new(
        "occupation", "ministry", "--name", "部委", "--cite", "demo-news:3:人社部", "--status", "emerging",
        "--status-cite", "demo-news:3:认定为新职业",
    )  # fmt: skip
    assert (code, err) == (
        2,
        "Error: id 'ministry' is already used by curated/companies/ministry.yaml; choose another id or edit "
        "that file\n",
    )
    assert not (workspace.curated / "occupations/ministry.yaml").exists()


def test_new_occupation_holds_only_the_status_given(workspace: Workspace) -> None:
    code, out, err = new(
        "occupation", "prompt-writer", "--name", "数据标注员", "--cite", "demo-news:3:“数据标注员”",
        "--status", "recognised", "--status-cite", "demo-news:3:认定为新职业",
    )  # fmt: skip
    assert (code, err) == (0, ""), out
    text = (workspace.curated / "occupations/prompt-writer.yaml").read_text(encoding="utf-8")
    assert text.splitlines()[1:] == [
        "id: prompt-writer",
        "names:",
        "  - text: 数据标注员",
        "    lang: zh-Hans",
        "    cite:",
        "      - {source: demo-news, para: 3, quote: “数据标注员”}",
        "statuses:",
        "  - status: recognised",
        "    cite:",
        "      - {source: demo-news, para: 3, quote: 认定为新职业}",
    ]


def test_new_anonymous_person(workspace: Workspace) -> None:
    code, out, err = new(
        "person", "hefei-team-lead", "--anonymous", "a team lead in Hefei", "--cite", "demo-news:4:leads a team"
    )
    assert (code, err) == (0, ""), out
    assert load(workspace.curated).get("hefei-team-lead").display_name() == "a team lead in Hefei"


def test_new_checks_the_source_paragraph_and_quote(workspace: Workspace) -> None:
    code, _, err = new("person", "p", "--name", "Wang Fang", "--lang", "en", "--cite", "demo-newz:4:Wang Fang")
    assert (code, err) == (2, "Error: --cite: no source has id 'demo-newz'; did you mean 'demo-news'?\n")
    code, _, err = new("person", "p", "--name", "Wang Fang", "--lang", "en", "--cite", "demo-news:9:Wang Fang")
    assert (code, err) == (2, "Error: --cite: demo-news has no paragraph 9 (it has 1-6)\n")
    code, _, err = new("person", "p", "--name", "王芳", "--cite", "demo-news:5:合肥带領一支")
    assert (code, err) == (
        2,
        "Error: --cite: quote '合肥带領一支' is not in demo-news paragraph 5; closest: '合肥带领一支', "
        "document[quote]: 合肥带领[領]一支\n",
    )
    assert not (workspace.curated / "people/p.yaml").exists()


def test_new_says_when_the_documents_are_not_there(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIJOBS_CORPUS", str(workspace.root / "nowhere"))
    code, out, err = new("person", "p", "--name", "王芳", "--cite", "demo-news:5:王芳")
    assert code == 0
    assert err == (
        f"warning: --cite: paragraph 5 of demo-news and the quote were not checked (corpus folder "
        f"{workspace.root / 'nowhere'} (from $AIJOBS_CORPUS) does not exist)\n"
    )
    assert out == "wrote curated/people/p.yaml; check it with `aijobs validate` and `aijobs verify`\n"


def test_new_figure_from_a_paragraph(workspace: Workspace) -> None:
    code, out, err = new("figure", "hefei-trained", "--from", "demo-news:6")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "numbers in demo-news paragraph 6 (choose one with --pick N):",
        "  1. 1.2万  value 12000, approx exact, quote: The city trained 1.2万 people last year",
        "  2. nearly 30 percent  value 30, approx nearly, quote: nearly 30 percent more than before",
    ]
    code, out, err = new(
        "figure", "hefei-trained", "--from", "demo-news:6", "--pick", "1", "--measure", "People trained.",
        "--unit", "people", "--about", "data-tagger", "--producer", "media", "--period", "2024",
    )  # fmt: skip
    assert (code, err) == (0, ""), out
    text = (workspace.curated / "figures/hefei-trained.yaml").read_text(encoding="utf-8")
    assert text.splitlines()[1:] == [
        "id: hefei-trained",
        "measure: People trained.",
        "value: 12000",
        "unit: people",
        "approx: exact",
        "as_written: 1.2万",
        "period: '2024'",
        "about: [data-tagger]",
        "producer:",
        "  kind: media",
        "cite:",
        "  - {source: demo-news, para: 6, quote: The city trained 1.2万 people last year}",
    ]
    code, _, err = new("figure", "x", "--from", "demo-news:6", "--pick", "7", "--measure", "m", "--unit", "people")
    assert (code, err) == (2, "Error: --pick must be between 1 and 2, found 7\n")
