"""Dataset versions and releases: the `dataset` row, `aijobs release`, and its safety rules."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
import yaml
from alembic import command
from typer.testing import CliRunner

from aijobs import load
from aijobs.cli import app
from aijobs.db.build import build_folder, build_sqlite
from aijobs.db.dataset import DatasetInfo, aijobs_version, dataset_info
from aijobs.db.engine import sqlite_engine
from aijobs.db.migrate import alembic_config, head_revision, upgrade
from aijobs.tools.release import ReleaseError, ReleaseTargetError, release
from tests.conftest import REPO, Workspace

runner = CliRunner()

COMMIT_DATE = "2025-03-04T05:06:07Z"
LATER_DATE = "2025-04-05T06:07:08Z"

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Git sees neither the user's nor the system's configuration."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def git(root: Path, *args: str, date: str = COMMIT_DATE) -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false"]
    done = subprocess.run(["git", *identity, "-C", str(root), *args], capture_output=True, env=env, check=True)
    return done.stdout.decode().strip()


def commit_all(workspace: Workspace, message: str, date: str = COMMIT_DATE) -> str:
    """Commit the curated folder (only it: the corpus stays outside git); returns the commit."""
    if not (workspace.root / ".git").exists():
        git(workspace.root, "init", "-q", "-b", "main")
    git(workspace.root, "add", "curated")
    git(workspace.root, "commit", "-q", "-m", message, date=date)
    return git(workspace.root, "rev-parse", "HEAD")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (links not followed) with its bytes."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


def query(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()


# --- the dataset row ----------------------------------------------------------------


def test_outside_git_commit_and_date_are_null(workspace: Workspace) -> None:
    info = dataset_info(workspace.curated)
    assert info == DatasetInfo(aijobs_version(), None, None, head_revision())


@needs_git
def test_dataset_names_the_commit_and_its_date(workspace: Workspace) -> None:
    commit = commit_all(workspace, "records")
    info = dataset_info(workspace.curated)
    assert (info.git_commit, info.commit_date) == (commit, COMMIT_DATE)
    db = workspace.root / "kb.db"
    build_sqlite(load(workspace.curated), db)
    assert query(db, "SELECT version, git_commit, commit_date, schema_revision FROM dataset") == [
        (aijobs_version(), commit, COMMIT_DATE, head_revision())
    ]


@needs_git
def test_a_build_inside_the_curated_folder_names_the_commit(workspace: Workspace) -> None:
    """The build's temporary file beside its target is not an untracked change of the records."""
    (workspace.root / ".gitignore").write_text("/curated/kb.db\n")
    git(workspace.root, "init", "-q", "-b", "main")
    git(workspace.root, "add", ".gitignore")
    commit = commit_all(workspace, "records")
    db = workspace.curated / "kb.db"
    build_folder(workspace.curated, str(db))
    assert query(db, "SELECT git_commit, commit_date FROM dataset") == [(commit, COMMIT_DATE)]


@needs_git
@pytest.mark.parametrize("edit", ["changed", "untracked"])
def test_uncommitted_changes_mean_no_commit(workspace: Workspace, edit: str) -> None:
    commit_all(workspace, "records")
    if edit == "changed":
        workspace.replace("people/wang-fang.yaml", "team lead", "team leader")
    else:
        workspace.write("notes.yaml", "a: 1\n")
    assert (dataset_info(workspace.curated).git_commit, dataset_info(workspace.curated).commit_date) == (None, None)


@needs_git
def test_ignored_copy_inside_a_repository_has_no_commit(workspace: Workspace) -> None:
    commit_all(workspace, "records")
    (workspace.root / ".gitignore").write_text("/copy/\n")
    shutil.copytree(workspace.curated, workspace.root / "copy")
    assert dataset_info(workspace.root / "copy").git_commit is None


@needs_git
def test_without_git_the_dataset_is_null(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    commit_all(workspace, "records")
    monkeypatch.setenv("PATH", str(workspace.root / "no-bin"))  # no git to be found
    assert dataset_info(workspace.curated) == DatasetInfo(aijobs_version(), None, None, head_revision())


def test_built_database_has_one_dataset_row(workspace: Workspace) -> None:
    db = workspace.root / "kb.db"
    build_sqlite(load(workspace.curated), db)
    assert query(db, "SELECT version, git_commit, commit_date, schema_revision FROM dataset") == [
        (aijobs_version(), None, None, head_revision())
    ]


def test_dataset_migration_downgrades_and_upgrades(tmp_path: Path) -> None:
    engine = sqlite_engine(tmp_path / "schema.db")
    try:
        with engine.begin() as connection:
            upgrade(connection)
            assert connection.exec_driver_sql("SELECT count(*) FROM dataset").scalar_one() == 0
            command.downgrade(alembic_config(connection), "0004")  # the revision before 0005, which adds dataset
            names = {row[0] for row in connection.exec_driver_sql("SELECT name FROM sqlite_master")}
            assert "dataset" not in names
            assert "entity" in names
            upgrade(connection)
            assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one() == head_revision()
    finally:
        engine.dispose()


# --- releases -------------------------------------------------------------------------


@needs_git
def test_two_releases_of_one_commit_are_byte_identical(workspace: Workspace) -> None:
    commit_all(workspace, "records")
    first = release(load(workspace.curated), workspace.root / "one")
    second = release(load(workspace.curated), workspace.root / "two")
    one, two = snapshot(workspace.root / "one"), snapshot(workspace.root / "two")
    assert sorted(one) == first.files == second.files
    assert one == two  # every byte of every file, the SQLite database included
    assert {"aijobs.db", "datapackage.json", "CHANGES.md", "CITATION.cff", "SHA256SUMS"} <= set(one)
    assert {"json/aijobs.json", "jsonld/aijobs.jsonld", "csv/dataset.csv", "csv/claim.csv"} <= set(one)


def test_release_holds_the_dataset_everywhere(workspace: Workspace) -> None:
    made = release(load(workspace.curated), workspace.root / "dist")
    dist = made.folder
    expected = {
        "version": aijobs_version(),
        "git_commit": None,
        "commit_date": None,
        "schema_revision": head_revision(),
    }
    assert query(dist / "aijobs.db", "SELECT version, schema_revision FROM dataset") == [
        (aijobs_version(), head_revision())
    ]
    assert json.loads((dist / "json/aijobs.json").read_text(encoding="utf-8"))["dataset"] == expected
    with (dist / "csv/dataset.csv").open(encoding="utf-8", newline="") as handle:
        assert list(csv.DictReader(handle)) == [{**expected, "git_commit": "", "commit_date": ""}]
    (node, *_) = json.loads((dist / "jsonld/aijobs.jsonld").read_text(encoding="utf-8"))["@graph"]
    assert node["@type"] == "Dataset"
    assert node["version"] == aijobs_version()
    assert node["license"] == "https://creativecommons.org/publicdomain/zero/1.0/"
    assert "dateModified" not in node  # no commit, no date: never the clock
    package = json.loads((dist / "datapackage.json").read_text(encoding="utf-8"))
    assert package["version"] == aijobs_version()
    assert package["licenses"][0]["name"] == "CC0-1.0"
    assert "created" not in package


def test_sha256sums_lists_every_other_file_sorted(workspace: Workspace) -> None:
    dist = release(load(workspace.curated), workspace.root / "dist").folder
    lines = (dist / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    names = [line.split("  ", 1)[1] for line in lines]
    assert names == sorted(set(snapshot(dist)) - {"SHA256SUMS"})
    for line in lines:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((dist / name).read_bytes()).hexdigest() == digest


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="sha256sum (GNU coreutils) is not installed")
def test_sha256sum_checks_a_release(workspace: Workspace) -> None:
    dist = release(load(workspace.curated), workspace.root / "dist").folder
    check = subprocess.run(["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=dist, capture_output=True)
    assert check.returncode == 0, check.stdout
    (dist / "CITATION.cff").write_text("changed\n")
    assert subprocess.run(["sha256sum", "--check", "SHA256SUMS"], cwd=dist, capture_output=True).returncode == 1


def test_datapackage_is_valid_with_keys_and_types(workspace: Workspace) -> None:
    frictionless = pytest.importorskip("frictionless")
    dist = release(load(workspace.curated), workspace.root / "dist").folder
    package = json.loads((dist / "datapackage.json").read_text(encoding="utf-8"))
    resources = {resource["name"]: resource for resource in package["resources"]}
    assert sorted(resources) == sorted(p.stem for p in (dist / "csv").iterdir())
    role = resources["role"]["schema"]
    assert role["primaryKey"] == ["id"]
    assert {"fields": ["person_id"], "reference": {"resource": "person", "fields": ["id"]}} in role["foreignKeys"]
    types = {f["name"]: f["type"] for f in resources["label"]["schema"]["fields"]}
    assert (types["id"], types["preferred"], types["text"]) == ("integer", "boolean", "string")
    assert resources["figure_about"]["schema"]["primaryKey"] == ["figure_id", "entity_id"]
    report = frictionless.validate(str(dist / "datapackage.json"))
    assert report.valid, report.flatten(["resourcePath", "rowNumber", "type", "note"])


def test_release_of_the_real_data_is_a_valid_datapackage(tmp_path: Path) -> None:
    """The curated records, not only the fixture, meet every type, key and constraint declared."""
    frictionless = pytest.importorskip("frictionless")
    dist = release(load(REPO / "curated"), tmp_path / "dist").folder
    report = frictionless.validate(str(dist / "datapackage.json"))
    assert report.valid, report.flatten(["resourcePath", "rowNumber", "type", "note"])[:10]


def test_frictionless_catches_a_broken_foreign_key(workspace: Workspace) -> None:
    """The validation above can fail: a role of an unknown person is reported."""
    frictionless = pytest.importorskip("frictionless")
    dist = release(load(workspace.curated), workspace.root / "dist").folder
    role = dist / "csv/role.csv"
    role.write_text(role.read_text(encoding="utf-8").replace("wang-fang", "nobody"), encoding="utf-8")
    descriptor = json.loads((dist / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        if resource["name"] == "role":
            del resource["hash"], resource["bytes"]
    (dist / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    report = frictionless.validate(str(dist / "datapackage.json"))
    assert not report.valid
    assert "foreign-key" in {error[0] for error in report.flatten(["type"])}


@needs_git
def test_citation_cff(workspace: Workspace) -> None:
    commit = commit_all(workspace, "records")
    url = "https://example.org/aijobs"
    dist = release(load(workspace.curated), workspace.root / "dist", repository_url=url).folder
    cff = yaml.safe_load((dist / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    assert cff["type"] == "dataset"
    assert (cff["version"], cff["commit"], cff["date-released"]) == (aijobs_version(), commit, COMMIT_DATE[:10])
    assert (cff["license"], cff["repository-code"]) == ("CC0-1.0", url)
    assert cff["authors"] and cff["title"].startswith("aijobs")


def test_bad_repository_url_is_a_usage_error(workspace: Workspace) -> None:
    result = runner.invoke(app, ["release", "--repository-url", "javascript:alert(1)"])
    assert result.exit_code == 2
    assert "is not an http(s) URL" in result.output
    assert not (workspace.root / "dist").exists()


def test_first_release_outside_git_says_changes_are_unknown(workspace: Workspace) -> None:
    dist = release(load(workspace.curated), workspace.root / "dist").folder
    changes = (dist / "CHANGES.md").read_text(encoding="utf-8")
    assert changes.startswith(f"# aijobs {aijobs_version()}\n")
    assert "not in a git repository, so the previous release is unknown" in changes
    assert "First release" not in changes  # not claimed when it cannot be known


@needs_git
def test_first_release_in_git(workspace: Workspace) -> None:
    commit = commit_all(workspace, "records")
    git(workspace.root, "tag", f"v{aijobs_version()}")  # this release's own tag is not "previous"
    changes = (release(load(workspace.curated), workspace.root / "dist").folder / "CHANGES.md").read_text()
    assert f"Data at commit `{commit}` of {COMMIT_DATE}" in changes
    assert "First release: there is no earlier release tag (v*)." in changes


@needs_git
def test_changes_since_the_previous_tag(workspace: Workspace) -> None:
    commit_all(workspace, "first records")
    git(workspace.root, "tag", "v0.0.1")
    workspace.replace("people/wang-fang.yaml", "title: team lead", "title: team leader")
    (workspace.curated / "figures/hefei-team-size.yaml").unlink()
    commit_all(workspace, "second records", LATER_DATE)
    git(workspace.root, "tag", f"v{aijobs_version()}")
    made = release(load(workspace.curated), workspace.root / "dist")
    assert made.changes.previous == "v0.0.1"
    changes = (made.folder / "CHANGES.md").read_text(encoding="utf-8")
    assert "## Changes since v0.0.1" in changes
    assert "2 record(s): 1 removed, 1 changed." in changes
    assert "### figure `hefei-team-size` (removed)" in changes
    assert "### person `wang-fang` (changed)" in changes
    assert "+ wang-fang:roles.0 role: team leader" in changes


@needs_git
def test_shallow_clone_is_an_error_not_a_first_release(workspace: Workspace) -> None:
    commit_all(workspace, "first records")
    git(workspace.root, "tag", "v0.0.1")
    workspace.replace("people/wang-fang.yaml", "title: team lead", "title: team leader")
    commit_all(workspace, "second records", LATER_DATE)
    clone = workspace.root / "clone"
    git(workspace.root, "clone", "-q", "--depth", "1", f"file://{workspace.root}", str(clone))
    with pytest.raises(ReleaseError, match="shallow clone"):
        release(load(clone / "curated"), workspace.root / "dist")
    assert not (workspace.root / "dist").exists()


def test_release_replaces_an_earlier_release(workspace: Workspace) -> None:
    dist = workspace.root / "dist"
    release(load(workspace.curated), dist)
    workspace.replace("people/wang-fang.yaml", "title: team lead", "title: team leader")
    release(load(workspace.curated), dist)
    assert "team leader" in (dist / "json/aijobs.json").read_text(encoding="utf-8")
    assert [p.name for p in workspace.root.iterdir() if p.name.startswith(".dist")] == []  # nothing left over


def test_release_into_an_empty_folder(workspace: Workspace) -> None:
    (workspace.root / "dist").mkdir()
    result = runner.invoke(app, ["release"])
    assert result.exit_code == 0, result.output
    assert (workspace.root / "dist/SHA256SUMS").is_file()


def _foreign_folders(root: Path, dist: Path) -> dict[str, Path]:
    """Non-empty folders under `root` that are not an untouched aijobs release (copies of `dist`, altered)."""
    root.mkdir()
    cases = {}
    plain = root / "plain"
    plain.mkdir()
    (plain / "thesis.tex").write_text("my work\n")
    cases["plain"] = plain
    for case in ("extra-file", "edited", "link-inside", "unknown-name"):
        folder = root / case
        shutil.copytree(dist, folder)
        cases[case] = folder
    (cases["extra-file"] / "csv/notes.txt").write_text("mine\n")
    with (cases["edited"] / "CHANGES.md").open("a", encoding="utf-8") as handle:
        handle.write("my notes\n")
    (cases["link-inside"] / "csv/extra.csv").symlink_to(root / "plain/thesis.tex")
    sums = cases["unknown-name"] / "SHA256SUMS"
    sums.write_text(sums.read_text() + f"{'0' * 64}  ../../thesis.tex\n")
    return cases


@pytest.mark.parametrize("case", ["plain", "extra-file", "edited", "link-inside", "unknown-name"])
def test_foreign_folder_is_refused_and_untouched(workspace: Workspace, case: str) -> None:
    dist = release(load(workspace.curated), workspace.root / "dist").folder
    folder = _foreign_folders(workspace.root / "cases", dist)[case]
    before = snapshot(folder)
    result = runner.invoke(app, ["release", "--out", str(folder)])
    assert result.exit_code == 2
    assert f"{folder} is not empty and is not an aijobs release" in result.output
    assert "nothing was written" in result.output
    assert "Traceback" not in result.output
    assert snapshot(folder) == before
    assert [p.name for p in folder.parent.iterdir() if p.name.startswith(".")] == []


def test_symlinked_out_is_refused(workspace: Workspace) -> None:
    real = workspace.root / "real"
    release(load(workspace.curated), real)
    before = snapshot(real)
    link = workspace.root / "dist"
    link.symlink_to(real, target_is_directory=True)
    result = runner.invoke(app, ["release", "--out", str(link)])
    assert result.exit_code == 2
    assert "is a symbolic link" in result.output
    assert snapshot(real) == before
    assert link.is_symlink()
    with pytest.raises(ReleaseTargetError):
        release(load(workspace.curated), link)


def test_out_that_is_a_file_is_refused(workspace: Workspace) -> None:
    target = workspace.root / "dist"
    target.write_text("not a folder\n")
    result = runner.invoke(app, ["release", "--out", str(target)])
    assert result.exit_code == 2
    assert "exists and is not a folder" in result.output
    assert target.read_text() == "not a folder\n"


def test_release_command_reports(workspace: Workspace) -> None:
    result = runner.invoke(app, ["release", "--out", "out"])
    assert result.exit_code == 0, result.output
    assert f"wrote out: aijobs {aijobs_version()} (no commit)" in result.output
    assert "warning: the data is at no git commit" in result.output
