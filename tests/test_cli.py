"""The command line: exit codes, messages, and what it must not import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from aijobs.cli import app
from tests.conftest import Workspace

runner = CliRunner()


def test_validate_ok(workspace: Workspace) -> None:
    result = runner.invoke(app, ["validate", "curated"])
    assert result.exit_code == 0
    assert "5 records, 11 claims: all valid" in result.output


def test_validate_reports_and_exits_1(workspace: Workspace) -> None:
    workspace.replace("people/wang-fang.yaml", "years: 29", "years: old")
    result = runner.invoke(app, ["validate", "curated"])
    assert result.exit_code == 1
    assert "curated/people/wang-fang.yaml:12:12: ages.0.years: input should be a valid integer; found 'old'" in (
        result.output
    )
    assert "validate: 1 problem(s) in 1 file(s)" in result.output
    assert "Traceback" not in result.output


def test_validate_github_format(workspace: Workspace) -> None:
    workspace.replace("people/wang-fang.yaml", "years: 29", "years: old")
    result = runner.invoke(app, ["validate", "curated", "--format", "github"])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        "::error file=curated/people/wang-fang.yaml,line=12,col=12,title=aijobs schema::"
        "ages.0.years: input should be a valid integer; found 'old'"
    )


def test_usage_error_exits_2(workspace: Workspace) -> None:
    result = runner.invoke(app, ["validate", "--format", "xml"])
    assert result.exit_code == 2


def test_show_record(workspace: Workspace) -> None:
    result = runner.invoke(app, ["show", "wang-fang"])
    assert result.exit_code == 0
    assert "age: 29" in result.output
    assert "← demo-news ¶4 «Wang Fang, 29» / ¶5 «29岁»" in result.output
    assert "referred to by: hefei-team-size" in result.output
    missing = runner.invoke(app, ["show", "nobody"])
    assert missing.exit_code == 1
    assert "no record has id or name 'nobody'" in missing.output


def test_source_paragraphs(workspace: Workspace) -> None:
    result = runner.invoke(app, ["source", "demo-news"])
    assert result.exit_code == 0
    assert result.output.splitlines()[1] == (
        "[2] In 2020, the ministry recognised the data tagger as a new occupation."
    )
    one = runner.invoke(app, ["source", "demo-news", "3"])
    assert one.output == "2020年,人社部将“数据标注员”认定为新职业。\n"
    beyond = runner.invoke(app, ["source", "demo-news", "99"])
    assert beyond.exit_code == 1
    assert "demo-news has paragraphs 1-6; there is no paragraph 99" in beyond.output


def test_source_without_corpus_is_a_clear_error(workspace: Workspace, monkeypatch: object) -> None:
    result = runner.invoke(app, ["source", "demo-news", "--corpus", str(workspace.root / "absent")])
    assert result.exit_code == 1
    assert f"corpus folder {workspace.root / 'absent'} (from --corpus) does not exist" in result.output


def test_build_and_failed_build(workspace: Workspace) -> None:
    (workspace.root / "out").mkdir()  # aijobs never creates folders for its output
    result = runner.invoke(app, ["build", "--db", "out/kb.db"])
    assert result.exit_code == 0, result.output
    assert "wrote out/kb.db: 5 entity, 11 claim" in result.output
    built = (workspace.root / "out/kb.db").read_bytes()
    workspace.replace("people/wang-fang.yaml", "years: 29", "years: old")
    failed = runner.invoke(app, ["build", "--db", "out/kb.db"])
    assert failed.exit_code == 1
    assert (workspace.root / "out/kb.db").read_bytes() == built
    assert sorted(p.name for p in (workspace.root / "out").iterdir()) == ["kb.db"]


def test_db_upgrade_command(workspace: Workspace) -> None:
    assert runner.invoke(app, ["build", "--db", "kb.db"]).exit_code == 0
    result = runner.invoke(app, ["db", "upgrade", "kb.db"])
    assert result.exit_code == 0
    assert result.output.startswith("kb.db: already at ")
    missing = runner.invoke(app, ["db", "upgrade", "nothing.db"])
    assert missing.exit_code == 1
    assert "nothing.db does not exist" in missing.output


def _modules_after(args: list[str]) -> set[str]:
    code = (
        "import sys\n"
        "from aijobs.cli import app\n"
        f"try:\n    app({args!r})\nexcept SystemExit:\n    pass\n"
        "print('\\n'.join(sys.modules))\n"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(output.split())


def test_help_and_validate_do_not_import_sqlalchemy(workspace: Workspace) -> None:
    help_modules = _modules_after(["--help"])
    assert "sqlalchemy" not in help_modules
    assert "pydantic" not in help_modules  # --help stays as quick as importing typer
    assert "sqlalchemy" not in _modules_after(["validate", str(Path("curated"))])


def test_public_api_names_resolve() -> None:
    import aijobs

    for name in aijobs.__all__:
        assert getattr(aijobs, name) is not None
    assert sorted(aijobs.__all__) == sorted(aijobs._EXPORTS)
