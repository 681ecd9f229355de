"""The one error channel: every bad argument ends in one `Error:` line and a published exit code.

Exit codes (README, "Exit codes"): 0 success, 1 invalid data, a failed check or something
missing or unreadable, 2 a usage error, 130 interrupted, 143 terminated. Never a traceback for bad input.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aijobs import load
from aijobs.cli import app, error_line
from aijobs.db.build import BuildError
from aijobs.db.upgrade import UpgradeError
from aijobs.errors import AijobsError, NotFound, Terminated, UsageError
from aijobs.problems import Location, Problem, ProblemsFound
from aijobs.provenance.corpus import CorpusNotFound
from aijobs.tools.diff import DiffError
from aijobs.tools.scaffold import ScaffoldError
from aijobs.yamlfile import YamlError
from tests.conftest import REPO, Workspace
from tests.test_doors import make_database

runner = CliRunner()

CITE = "demo-news:4:Wang Fang"


@pytest.fixture
def bad_paths(workspace: Workspace) -> Workspace:
    """Beside the workspace: a folder, a text file and an SQLite file that aijobs did not build."""
    Path("adir").mkdir()
    Path("notdb.txt").write_text("not a database\n", encoding="utf-8")
    with sqlite3.connect("plain.db") as connection:
        connection.execute("CREATE TABLE other (x)")
    return workspace


def assert_one_error_line(code: int, stdout: str, stderr: str, expected: int, names: str) -> None:
    assert code == expected, (stdout, stderr)
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("Error: "), stderr
    assert names in lines[0]
    assert "Traceback" not in stdout + stderr


# (arguments, exit code, what the error line must name)
BAD_ARGUMENTS: dict[str, tuple[list[str], int, str]] = {
    "search: missing file": (["search", "x", "--db", "missing.db"], 1, "missing.db not found"),
    "search: a folder": (["search", "x", "--db", "adir"], 1, "adir is a folder"),
    "search: not a database": (["search", "x", "--db", "notdb.txt"], 1, "notdb.txt is not an aijobs database"),
    "search: another program's database": (
        ["search", "x", "--db", "plain.db"],
        1,
        "plain.db is not an aijobs database (application_id 0 and no alembic_version: tables other)",
    ),
    "search: non-UTF-8 argument": (["search", "x", "--db", "\udcffx.db"], 2, "argument 4 ('\\xffx.db')"),
    "show: unknown id": (["show", "nobody"], 1, "no record has id or name 'nobody'"),
    "show: near miss": (["show", "wang-fan"], 1, "did you mean 'wang-fang'?"),
    "show: non-UTF-8 argument": (["show", "\udcff"], 2, "argument 2 ('\\xff') is not valid UTF-8"),
    "db upgrade: missing file": (["db", "upgrade", "missing.db"], 1, "missing.db does not exist"),
    "db upgrade: a folder": (["db", "upgrade", "adir"], 1, "adir is a folder"),
    "db upgrade: not a database": (["db", "upgrade", "notdb.txt"], 1, "notdb.txt is not an aijobs database"),
    "verify: no corpus folder": (["verify", "--corpus", "nowhere"], 1, "corpus folder nowhere"),
    "coverage: no corpus folder": (["coverage", "--corpus", "nowhere"], 1, "corpus folder nowhere"),
    "source: no corpus folder": (["source", "demo-news", "--corpus", "nowhere"], 1, "corpus folder nowhere"),
    "source: unknown id": (["source", "nobody"], 1, "no source has id 'nobody'"),
    "source: no such paragraph": (["source", "demo-news", "99"], 1, "there is no paragraph 99"),
    "build: a folder as the database": (["build", "--db", "adir"], 1, "adir"),
    "serve: missing file": (["serve", "--db", "missing.db"], 1, "missing.db not found"),
    "serve: not a database": (["serve", "--db", "notdb.txt"], 1, "notdb.txt is not an aijobs database"),
    "fmt: missing folder": (["fmt", "nowhere"], 1, "nowhere: curated data folder not found"),
    "schema: missing folder": (["schema", "nowhere"], 1, "nowhere: curated data folder not found"),
    "export: a file as the folder": (["export", "--format", "json", "--out", "notdb.txt"], 1, "notdb.txt"),
    "new: missing folder": (
        ["new", "person", "li-lei", "--name", "x", "--cite", CITE, "--curated", "nowhere"],
        1,
        "nowhere: curated data folder not found",
    ),
    "new: file exists": (["new", "person", "wang-fang", "--name", "x", "--cite", CITE], 2, "wang-fang.yaml"),
    "new: options missing": (["new", "figure", "f", "--cite", CITE], 2, "--measure is required for a new figure"),
    "diff: neither folder nor revision": (["diff", "nowhere"], 2, "'nowhere' is neither a folder"),
}


@pytest.mark.parametrize("case", sorted(BAD_ARGUMENTS))
def test_bad_argument_is_one_error_line(bad_paths: Workspace, case: str) -> None:
    args, expected, names = BAD_ARGUMENTS[case]
    before = {path: path.read_bytes() for path in bad_paths.root.rglob("*") if path.is_file()}
    result = runner.invoke(app, args)
    assert_one_error_line(result.exit_code, result.stdout, result.stderr, expected, names)
    after = {path: path.read_bytes() for path in bad_paths.root.rglob("*") if path.is_file()}
    assert after == before  # nothing written, nothing lost


def test_new_never_overwrites(workspace: Workspace) -> None:
    path = workspace.curated / "people/wang-fang.yaml"
    before = path.read_bytes()
    result = runner.invoke(app, ["new", "person", "wang-fang", "--name", "x", "--cite", CITE])
    assert result.exit_code == 2
    assert path.read_bytes() == before


def test_failed_upgrade_names_the_file_and_keeps_it(workspace: Workspace) -> None:
    make_database(Path("old.db"), "0001", load(workspace.curated))
    with sqlite3.connect("old.db") as connection:  # in the way of what migration 0002 creates
        connection.execute("CREATE TABLE search_entry (x)")
    before = hashlib.sha256(Path("old.db").read_bytes()).hexdigest()
    result = runner.invoke(app, ["db", "upgrade", "old.db"])
    assert_one_error_line(result.exit_code, result.stdout, result.stderr, 1, "cannot upgrade old.db, left unchanged")
    assert "table search_entry already exists" in result.stderr
    assert hashlib.sha256(Path("old.db").read_bytes()).hexdigest() == before
    assert sorted(p.name for p in Path().iterdir() if p.name.endswith(".upgrading")) == []


def test_serve_without_datasette_is_a_usage_error(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "datasette" else real(name, *a))
    result = runner.invoke(app, ["serve"])
    assert_one_error_line(result.exit_code, result.stdout, result.stderr, 2, "pip install 'aijobs[serve]'")


# What escapes a library call still becomes one line; the boundary is in the app itself.


def _raise(exc: BaseException) -> object:
    def fail(*args: object, **kwargs: object) -> object:
        raise exc

    return fail


ESCAPING: dict[str, tuple[BaseException, int, str]] = {
    "interrupt": (KeyboardInterrupt(), 130, "Error: interrupted"),
    "terminated": (Terminated(), 143, "Error: terminated"),
    "permission": (PermissionError(13, "Permission denied", "/srv/kb.db"), 1, "Error: /srv/kb.db: Permission denied"),
    "undecodable": (
        UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
        1,
        "Error: text is not valid UTF-8 (byte 0xff at offset 0); save it as UTF-8",
    ),
    "sqlite": (sqlite3.OperationalError("database is locked"), 1, "Error: database error: database is locked"),
    "aijobs error": (AijobsError("first line\nsecond line"), 1, "Error: first line second line"),
    "usage error": (UsageError("bad --limit"), 2, "Error: bad --limit"),
}


@pytest.mark.parametrize("case", sorted(ESCAPING))
def test_escaping_errors_become_one_line(workspace: Workspace, monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    exc, expected, line = ESCAPING[case]
    monkeypatch.setattr("aijobs.db.search.search_file", _raise(exc))
    result = runner.invoke(app, ["search", "x"])
    assert result.exit_code == expected
    assert result.stderr.splitlines() == [line]
    assert "Traceback" not in result.output


def test_sqlalchemy_error_becomes_one_line(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import OperationalError

    exc = OperationalError("SELECT 1", {}, sqlite3.OperationalError("disk I/O error"))
    monkeypatch.setattr("aijobs.db.search.search_file", _raise(exc))
    result = runner.invoke(app, ["search", "x"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["Error: database error: disk I/O error"]


def test_problems_found_prints_every_problem(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    problems = [Problem(Location("curated/people/x.yaml", 3, 1), "broken"), Problem(Location("curated/a.yaml"), "odd")]
    monkeypatch.setattr("aijobs.db.search.search_file", _raise(ProblemsFound(problems)))
    result = runner.invoke(app, ["search", "x"])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == ["curated/a.yaml: odd", "curated/people/x.yaml:3:1: broken"]
    assert result.stderr.splitlines() == ["Error: 2 problem(s) in curated data"]


def test_a_bug_is_not_disguised(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """Programming errors keep their traceback, so they are reported rather than mistaken for bad input."""
    monkeypatch.setattr("aijobs.db.search.search_file", _raise(ZeroDivisionError("bug")))
    result = runner.invoke(app, ["search", "x"])
    assert isinstance(result.exception, ZeroDivisionError)


def test_error_line_is_printable_and_one_line() -> None:
    assert error_line("cannot open \udcff.db\n  (details)") == "Error: cannot open \\xff.db (details)"
    assert error_line("") == "Error: unknown error"


@pytest.mark.parametrize(
    ("cls", "code"),
    [
        (AijobsError, 1),
        (NotFound, 1),
        (BuildError, 1),
        (UpgradeError, 1),
        (CorpusNotFound, 1),
        (ProblemsFound, 1),
        (YamlError, 1),
        (UsageError, 2),
        (ScaffoldError, 2),
        (DiffError, 2),
    ],
)
def test_operational_errors_share_one_base(cls: type[AijobsError], code: int) -> None:
    assert issubclass(cls, AijobsError)
    assert cls.exit_code == code


def test_readme_publishes_the_exit_codes() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    paragraph = readme.split("Exit codes:", 1)[1].split("\n\n", 1)[0]
    assert set(re.findall(r"\*\*(\d+)\*\*", paragraph)) == {"0", "1", "2", "130", "143"}
    assert "Any other error is one line on stderr, `Error: <message>`" in readme


# The installed entry point and `python -m aijobs`: the real process, its real streams.


def _entry_point() -> list[str]:
    script = Path(sys.executable).with_name("aijobs")
    if not script.is_file():
        pytest.skip(f"the aijobs entry point is not installed beside {sys.executable}; pip install -e .")
    return [str(script)]


def _run(command: list[str | bytes]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, encoding="utf-8", errors="replace", check=False)


PROCESS_CASES = [
    "search: not a database",
    "show: unknown id",
    "db upgrade: a folder",
    "verify: no corpus folder",
    "new: file exists",
]


@pytest.mark.parametrize("case", PROCESS_CASES)
def test_entry_point_bad_argument(bad_paths: Workspace, case: str) -> None:
    args, expected, names = BAD_ARGUMENTS[case]
    done = _run([*_entry_point(), *args])
    assert_one_error_line(done.returncode, done.stdout, done.stderr, expected, names)


def test_entry_point_non_utf8_argument(bad_paths: Workspace) -> None:
    done = _run([*_entry_point(), "search", "x", "--db", b"\xff\xfe.db"])
    assert_one_error_line(done.returncode, done.stdout, done.stderr, 2, "argument 4 ('\\xff\\xfe.db')")


def test_python_dash_m_takes_the_same_boundary(bad_paths: Workspace) -> None:
    done = _run([sys.executable, "-m", "aijobs", "show", "nobody"])
    assert_one_error_line(done.returncode, done.stdout, done.stderr, 1, "no record has id or name 'nobody'")


def test_entry_point_usage_error_exits_2(workspace: Workspace) -> None:
    done = _run([*_entry_point(), "validate", "--no-such-option"])
    assert done.returncode == 2
    assert "No such option: --no-such-option" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr


# Checks that could not run are never reported as passed.


def test_coverage_check_fails_when_a_document_is_missing(workspace: Workspace) -> None:
    (workspace.corpus / "demo.txt").unlink()
    result = runner.invoke(app, ["coverage", "--check"])
    assert result.exit_code == 1
    assert f"demo-news: not measured: demo.txt is not in the corpus folder {workspace.corpus}" in result.stdout


def test_fmt_refuses_what_is_not_a_regular_file(workspace: Workspace) -> None:
    (workspace.curated / "people/odd.yaml").mkdir()
    result = runner.invoke(app, ["fmt", "curated", "--check"])
    assert result.exit_code == 1
    assert "curated/people/odd.yaml: cannot format: not a regular file" in result.stdout
    assert "Traceback" not in result.output
