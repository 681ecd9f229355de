"""`aijobs corpus`: every pinned document present, missing or changed, with the fix;
`aijobs --version`; and the check runner that never reports a skipped check as passed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aijobs.cli import app
from tests.conftest import Workspace

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def test_every_document_present(workspace: Workspace) -> None:
    result = runner.invoke(app, ["corpus"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"using {workspace.corpus}", "present  demo-news                    demo.txt"]


def test_a_changed_document_is_named_with_the_fix(workspace: Workspace) -> None:
    (workspace.corpus / "demo.txt").write_text("something else\n", encoding="utf-8")
    result = runner.invoke(app, ["corpus"])
    assert result.exit_code == 1
    line = result.output.splitlines()[1]
    assert line.startswith("changed  demo-news")
    assert "get the exact document the record was curated from" in line


def test_a_missing_document_says_where_to_copy_it(workspace: Workspace) -> None:
    (workspace.corpus / "demo.txt").unlink()
    result = runner.invoke(app, ["corpus"])
    assert result.exit_code == 1
    assert f"(copy demo.txt into {workspace.corpus})" in result.output


def test_no_corpus_folder_says_how_to_get_one(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIJOBS_CORPUS")
    result = runner.invoke(app, ["corpus"])
    assert result.exit_code == 1
    assert "missing  demo-news" in result.output
    assert "pass --corpus DIR, set AIJOBS_CORPUS=DIR" in result.output.splitlines()[-1]


def test_version() -> None:
    from importlib.metadata import version

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"aijobs {version('aijobs')}\n"


def test_checks_skip_visibly_without_the_documents(tmp_path: Path) -> None:
    env = {"PATH": str(Path(sys.executable).parent), "AIJOBS_CORPUS": str(tmp_path / "nowhere")}
    result = subprocess.run(
        [sys.executable, ".ci/checks.py", "--only", "verify,coverage", "--format", "github"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "--- verify: SKIPPED, corpus folder" in result.stdout
    assert "PASSED" not in result.stdout
    assert "::warning title=aijobs checks not run::Not run: verify: corpus folder" in result.stdout
    assert result.stdout.splitlines()[-1] == "checks: 0 ran, 0 failing; 2 not run (verify, coverage)"


def test_checks_fail_when_the_documents_are_required(tmp_path: Path) -> None:
    env = {
        "PATH": str(Path(sys.executable).parent),
        "AIJOBS_CORPUS": str(tmp_path / "nowhere"),
        "AIJOBS_REQUIRE_CORPUS": "1",
    }
    result = subprocess.run(
        [sys.executable, ".ci/checks.py", "--only", "verify"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert result.returncode == 1
    assert "--- verify: FAILED, required by AIJOBS_REQUIRE_CORPUS=1" in result.stdout
