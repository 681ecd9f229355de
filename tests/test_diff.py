"""`aijobs diff`: changes in the knowledge, between folders or git revisions."""

from __future__ import annotations

import shutil
import subprocess

from typer.testing import CliRunner

from aijobs.cli import app
from aijobs.tools.diff import diff
from tests.conftest import Workspace

runner = CliRunner()


def test_diff_between_folders(workspace: Workspace) -> None:
    old = workspace.root / "old"
    shutil.copytree(workspace.curated, old)
    workspace.replace("figures/hefei-team-size.yaml", "value: 40", "value: 41")
    workspace.replace("people/wang-fang.yaml", "quote: leads a team}", "quote: leads a team of about 40}")
    (workspace.curated / "companies/ministry.yaml").unlink()
    workspace.replace("occupations/data-tagger.yaml", "    by: ministry\n", "")
    changes, problems = diff(str(old), str(workspace.curated))
    assert problems == []
    summary = [(c.kind, c.record_id, c.change) for c in changes]
    assert summary == [
        ("occupation", "data-tagger", "changed"),
        ("figure", "hefei-team-size", "changed"),
        ("company", "ministry", "removed"),
        ("person", "wang-fang", "changed"),
    ]
    figure = next(c for c in changes if c.record_id == "hefei-team-size")
    assert figure.lines == ["~ value: 40 -> 41"]
    person = next(c for c in changes if c.record_id == "wang-fang")
    assert (
        person.lines[1]
        == "+ wang-fang:roles.0 role: team lead @ data-tagger  ← demo-news ¶4 «leads a team of about 40»"
    )


def test_diff_command_and_git_revisions(workspace: Workspace) -> None:
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], cwd=workspace.root, check=True)
    subprocess.run([*git, "add", "curated"], cwd=workspace.root, check=True)
    subprocess.run([*git, "commit", "-qm", "one"], cwd=workspace.root, check=True)
    same = runner.invoke(app, ["diff", "HEAD", "curated"])
    assert same.exit_code == 0, same.output
    workspace.replace("people/wang-fang.yaml", "years: 29", "years: 30")
    changed = runner.invoke(app, ["diff", "HEAD"])
    assert changed.exit_code == 1
    assert "~ person wang-fang (changed)" in changed.output
    assert "+ wang-fang:ages.0 age: 30  ← demo-news ¶4 «Wang Fang, 29» / ¶5 «29岁»" in changed.output
    workspace.replace("people/wang-fang.yaml", "years: 30", "years: 29")
    workspace.replace("people/wang-fang.yaml", "    status: current", "    start: 2020\n    status: current")
    dated = runner.invoke(app, ["diff", "HEAD"])
    assert (
        '~ wang-fang:roles.0: {"company": null, "date_basis": {"kind": "stated", "reason": null}, "end": null, '
        '"occupation": "data-tagger", "start": null,' in dated.output
    )
    bad = runner.invoke(app, ["diff", "no-such-revision"])
    assert bad.exit_code == 2
    assert "'no-such-revision' is neither a folder nor a git revision" in bad.output
