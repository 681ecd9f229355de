"""Reading curated/ never leaves it: links, pipes, sockets, unreadable files, hostile file names.

Each case is one class of fault, tried as an attacker would: the exact problem lines
(and no others), exit code 1 from `aijobs validate` and `aijobs build`, the previous
database byte-identical, and nothing from outside curated/ in any output, in any format.
A watchdog turns a read that blocks (a pipe, /dev/zero) into a failure instead of a hang.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from aijobs import validate
from aijobs.cli import app
from aijobs.files import FileProblem, read_regular_file
from aijobs.problems import Location, Problem, format_problems
from aijobs.provenance.coverage import load_exceptions
from tests.conftest import PERSON, Workspace

pytestmark = pytest.mark.skipif(os.name != "posix", reason="links, pipes and sockets as POSIX has them")

runner = CliRunner()

SECRET = "SECRET-TOKEN-7c1e"  # planted outside curated/; must never be printed
OUTSIDE_RECORD = f"id: {SECRET}\nnames: {SECRET}\n"  # the old loader printed "found 'SECRET...'"
LINK = "is a symbolic link; aijobs reads only regular files inside curated/: replace it with the file itself"
FOLDER_LINK = "is a symbolic link; aijobs reads only regular files inside curated/: replace it with the folder itself"
NAME_RULE = "ids are lowercase ASCII letters, digits and single hyphens"


@pytest.fixture(autouse=True)
def watchdog() -> Iterator[None]:
    """Fail, rather than hang, if something waits on a pipe or reads without end."""

    def expire(signum: int, frame: Any) -> None:
        raise TimeoutError("aijobs blocked on a file it should have refused")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(120)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def outside(space: Workspace) -> Path:
    """A folder outside curated/ (standing for $HOME) holding a secret record."""
    home = space.root / "home"
    (home / "people").mkdir(parents=True, exist_ok=True)
    (home / "target-secret.yaml").write_text(OUTSIDE_RECORD, encoding="utf-8")
    (home / "people/wang-fang.yaml").write_text(PERSON.replace("Wang Fang", SECRET), encoding="utf-8")
    return home


def _link(relative: str, target: Callable[[Workspace], str]) -> Callable[[Workspace], None]:
    def apply(space: Workspace) -> None:
        os.symlink(target(space), space.curated / relative)

    return apply


def _link_folder_outside(space: Workspace) -> None:
    shutil.rmtree(space.curated / "people")
    os.symlink(outside(space) / "people", space.curated / "people")


def _fifo(space: Workspace) -> None:
    os.mkfifo(space.curated / "people/pipe.yaml")


def _outside_fifo(space: Workspace) -> str:
    path = outside(space) / "pipe"
    os.mkfifo(path)
    return str(path)


def _socket(space: Workspace) -> None:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind("curated/people/socket.yaml")  # relative: AF_UNIX paths are short


def _folder_named_like_a_record(space: Workspace) -> None:
    (space.curated / "people/x.yaml").mkdir()
    (space.curated / "people/x.yaml/wang-fang.yaml").write_text(OUTSIDE_RECORD, encoding="utf-8")


def _file(name: str | bytes, content: str = "") -> Callable[[Workspace], None]:
    def apply(space: Workspace) -> None:
        folder = os.fsencode(space.curated / "people")
        path = os.path.join(folder, name if isinstance(name, bytes) else os.fsencode(name))
        with open(path, "wb") as handle:
            handle.write(content.encode("utf-8"))

    return apply


def _root_file(name: str) -> Callable[[Workspace], None]:
    def apply(space: Workspace) -> None:
        (space.curated / name).write_text("hello\n", encoding="utf-8")

    return apply


def _curated_is_a_link(space: Workspace) -> None:
    space.curated.rename(space.root / "real-curated")
    os.symlink("real-curated", space.curated)


CASES: dict[str, tuple[Callable[[Workspace], None], tuple[str, ...]]] = {
    "record file linked outside curated/": (
        _link("people/evil.yaml", lambda space: str(outside(space) / "target-secret.yaml")),
        (f"curated/people/evil.yaml: {LINK}",),
    ),
    "record folder linked outside curated/": (
        _link_folder_outside,
        (f"curated/people: {FOLDER_LINK}",),  # and no "no person has that id" for each reference into it
    ),
    "dangling link": (
        _link("people/gone.yaml", lambda space: str(space.root / "home/nothing-here.yaml")),
        (f"curated/people/gone.yaml: {LINK}",),
    ),
    "link loop": (
        _link("people/loop.yaml", lambda space: "loop.yaml"),
        (f"curated/people/loop.yaml: {LINK}",),
    ),
    "link to a record inside curated/": (  # refused too: every record is one real file
        _link("people/alias.yaml", lambda space: "wang-fang.yaml"),
        (f"curated/people/alias.yaml: {LINK}",),
    ),
    "coverage exceptions linked outside curated/": (
        _link("coverage-exceptions.yaml", lambda space: str(outside(space) / "target-secret.yaml")),
        (f"curated/coverage-exceptions.yaml: {LINK}",),
    ),
    "curated itself is a link": (
        _curated_is_a_link,
        (
            "curated: is a symbolic link; aijobs follows no links in curated data, not even to the folder itself: "
            "pass the folder's real path instead (`realpath curated` prints it)",
        ),
    ),
    "socket": (
        _socket,
        (
            "curated/people/socket.yaml: is a socket, not a regular file; aijobs reads only regular files inside "
            "curated/: remove it",
        ),
    ),
    "folder named like a record": (
        _folder_named_like_a_record,
        ("curated/people/x.yaml: is a folder, not a record file: records are '<id>.yaml' files",),
    ),
    "newline and a workflow command in a file name": (
        _file("a\n::warning::pwned.yaml"),
        (
            f"curated/people/a\\n::warning::pwned.yaml: file name 'a\\n::warning::pwned.yaml' is not an id "
            f"followed by '.yaml'; {NAME_RULE}",
            "curated/people/a\\n::warning::pwned.yaml:1:1: expected a mapping of fields (a person record), "
            "found an empty file",
        ),
    ),
    "terminal escape sequence in a file name": (
        _file("\x1b]0;owned\x07x.yaml", "id: [\n"),
        (
            f"curated/people/\\x1b]0;owned\\x07x.yaml: file name '\\x1b]0;owned\\x07x.yaml' is not an id followed "
            f"by '.yaml'; {NAME_RULE}",
            "curated/people/\\x1b]0;owned\\x07x.yaml:2:1: YAML syntax error: did not find expected node content "
            "(while parsing a flow node)",
        ),
    ),
    "undecodable byte in a file name": (
        _file(b"\xff.yaml", PERSON),
        (
            "curated/people/\\udcff.yaml:1:5: id: id 'wang-fang' does not match the file name '\\udcff.yaml'; "
            "rename the file to 'wang-fang.yaml' or fix the id",
        ),
    ),
    "right-to-left override in a file name": (
        _file("evil\u202elmy.yaml", "id: [\n"),
        (
            f"curated/people/evil\\u202elmy.yaml: file name 'evil\\u202elmy.yaml' is not an id followed by "
            f"'.yaml'; {NAME_RULE}",
            "curated/people/evil\\u202elmy.yaml:2:1: YAML syntax error: did not find expected node content "
            "(while parsing a flow node)",
        ),
    ),
    "upper-case file name of a broken record": (
        _file("Notes.yaml", "id: [\n"),
        (
            f"curated/people/Notes.yaml: file name 'Notes.yaml' is not an id followed by '.yaml'; {NAME_RULE}; "
            "rename it to 'notes.yaml'",
            "curated/people/Notes.yaml:2:1: YAML syntax error: did not find expected node content "
            "(while parsing a flow node)",
        ),
    ),
    "terminal escape sequence in a YAML key": (
        _file("x.yaml", '"\\e[2J": 1\n"\\e[2J": 2\n'),
        ("curated/people/x.yaml:2:1: duplicate key '\\x1b[2J'; each key may appear once in a mapping",),
    ),
    "newline in a stray file at the top": (
        _root_file("notes\n::error::x"),
        (
            "curated/notes\\n::error::x: unexpected file in curated/; records go in one of: companies, figures, "
            "occupations, people, products, sources",
        ),
    ),
}


# Cases where a reader that follows links or blocks would never return (or eat all memory
# reading /dev/zero): run in a child process with a time limit and a memory limit.
ENDLESS: dict[str, tuple[Callable[[Workspace], None], tuple[str, ...]]] = {
    "link to /dev/zero": (
        _link("people/zero.yaml", lambda space: "/dev/zero"),
        (f"curated/people/zero.yaml: {LINK}",),
    ),
    "named pipe": (
        _fifo,
        (
            "curated/people/pipe.yaml: is a named pipe (FIFO), not a regular file; aijobs reads only regular "
            "files inside curated/: remove it",
        ),
    ),
    "link to a named pipe outside curated/": (
        _link("people/pipe.yaml", lambda space: _outside_fifo(space)),
        (f"curated/people/pipe.yaml: {LINK}",),
    ),
}


def _problem_lines(output: str) -> list[str]:
    lines = output.splitlines()
    assert lines[-1].startswith("validate: "), output
    return lines[:-1]


def _unescape_property(value: str) -> str:
    for escaped, raw in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        value = value.replace(escaped, raw)
    return value


def _check_every_format(expected: tuple[str, ...]) -> None:
    """GitHub annotations: one command per problem, its file property intact; JSON: one object per line."""
    github = runner.invoke(app, ["validate", "curated", "--format", "github"])
    assert github.exit_code == 1
    assert SECRET not in github.output and "Traceback" not in github.output
    lines = github.stdout.splitlines()
    assert len(lines) == len(expected)
    for line in lines:
        assert line.startswith("::error file=")
        properties, _ = line.removeprefix("::error ").split("::", 1)
        values = dict(item.split("=", 1) for item in properties.split(","))
        assert set(values) <= {"file", "line", "col", "title"}
        assert any(text.startswith(_unescape_property(values["file"]) + ":") for text in expected)
    as_json = runner.invoke(app, ["validate", "curated", "--format", "json"])
    assert as_json.exit_code == 1
    assert SECRET not in as_json.output and "Traceback" not in as_json.output
    records = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert len(records) == len(expected)
    assert all(text.startswith(record["file"]) for record, text in zip(records, expected, strict=True))


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_entry_fails_cleanly_and_keeps_the_database(workspace: Workspace, case: str) -> None:
    built = runner.invoke(app, ["build", "--db", "aijobs.db"])
    assert built.exit_code == 0, built.output
    db = Path("aijobs.db")
    before = hashlib.sha256(db.read_bytes()).hexdigest()

    mutate, expected = CASES[case]
    mutate(workspace)

    for command in (["validate", "curated"], ["build", "--db", "aijobs.db"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 1, result.output
        assert _problem_lines(result.output) == list(expected)
        assert "Traceback" not in result.output
        assert SECRET not in result.output and "target-secret" not in result.output
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert [p.name for p in Path().iterdir() if p.name.endswith(".building")] == []
    _check_every_format(expected)


def _limited() -> None:  # in the child: at most 2 GiB of address space
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def _cli(args: list[str], *, drop_root: bool = False) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a child process, limited in time and memory."""
    command = [sys.executable, "-c", "from aijobs.cli import app; app()", *args]
    if drop_root and os.geteuid() == 0:  # root reads any file: drop that right (same user otherwise)
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root and setpriv is not available to drop CAP_DAC_OVERRIDE")
        drop = "-dac_override,-dac_read_search"
        command = [setpriv, f"--inh-caps={drop}", f"--bounding-set={drop}", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False, preexec_fn=_limited)


@pytest.mark.parametrize("case", sorted(ENDLESS))
def test_never_blocks_or_reads_without_end(workspace: Workspace, case: str) -> None:
    built = runner.invoke(app, ["build", "--db", "aijobs.db"])
    assert built.exit_code == 0, built.output
    before = Path("aijobs.db").read_bytes()
    mutate, expected = ENDLESS[case]
    mutate(workspace)
    for command in (["validate", "curated"], ["build", "--db", "aijobs.db"]):
        result = _cli(command)  # raises TimeoutExpired if it blocks
        assert result.returncode == 1, result.stdout + result.stderr
        assert _problem_lines(result.stdout) == list(expected)
        assert "Traceback" not in result.stdout + result.stderr
    assert Path("aijobs.db").read_bytes() == before
    for fmt in ("github", "json"):
        result = _cli(["validate", "curated", "--format", fmt])
        assert result.returncode == 1 and len(result.stdout.splitlines()) == len(expected)


def test_curated_given_by_its_real_path_is_read(workspace: Workspace) -> None:
    _curated_is_a_link(workspace)
    assert runner.invoke(app, ["validate", "curated"]).exit_code == 1
    real = os.path.realpath("curated")
    result = runner.invoke(app, ["validate", real])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (
            "people/wang-fang.yaml",
            "curated/people/wang-fang.yaml: cannot be read: permission denied; make the file readable (chmod a+r)",
        ),
        ("people", "curated/people: folder cannot be read (permission denied)"),
    ],
)
def test_unreadable_file_or_folder(workspace: Workspace, target: str, expected: str) -> None:
    built = runner.invoke(app, ["build", "--db", "aijobs.db"])
    assert built.exit_code == 0, built.output
    before = Path("aijobs.db").read_bytes()
    path = workspace.curated / target
    path.chmod(0)
    try:
        for command in (["validate", "curated"], ["build", "--db", "aijobs.db"]):
            result = _cli(command, drop_root=True)
            if result.returncode == 0 and os.geteuid() == 0:
                pytest.skip("cannot drop root's right to read any file here")
            assert result.returncode == 1, result.stdout + result.stderr
            assert result.stdout.splitlines()[:-1] == [expected]  # no cascade from the ids inside
            assert "Traceback" not in result.stdout + result.stderr
    finally:
        path.chmod(0o755)
    assert Path("aijobs.db").read_bytes() == before


def test_fmt_leaves_links_and_their_targets_alone(workspace: Workspace) -> None:
    target = outside(workspace) / "target-secret.yaml"
    messy = f"names: [{SECRET}]\nid: {SECRET.lower()}\n"
    target.write_text(messy, encoding="utf-8")
    link = workspace.curated / "people/evil.yaml"
    os.symlink(target, link)
    result = runner.invoke(app, ["fmt", "curated"])
    assert "Traceback" not in result.output
    assert SECRET not in result.output and SECRET.lower() not in result.output
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8") == messy


def test_fmt_prints_problems_escaped(workspace: Workspace) -> None:
    _file("x.yaml", '"\\e[2J": 1\n"\\e[2J": 2\n')(workspace)
    result = runner.invoke(app, ["fmt", "curated"])
    assert result.exit_code == 1
    assert "curated/people/x.yaml: cannot format: duplicate key '\\x1b[2J'" in result.output
    assert "\x1b" not in result.output


def test_schema_check_does_not_follow_links(workspace: Workspace) -> None:
    """A schema linked to a file outside curated/ is out of date, even if that file holds the right text."""
    assert runner.invoke(app, ["schema", "curated"]).exit_code == 0
    schema = workspace.curated / ".schema/person.schema.json"
    copy = outside(workspace) / "person.schema.json"
    schema.rename(copy)
    os.symlink(copy, schema)
    result = runner.invoke(app, ["schema", "curated", "--check"])
    assert result.exit_code == 1
    assert result.output.splitlines() == ["out of date: person.schema.json; run `aijobs schema`"]
    os.unlink(schema)
    copy.rename(schema)  # the folder is complete and current again, then linked from outside
    assert runner.invoke(app, ["schema", "curated", "--check"]).exit_code == 0
    folder = workspace.curated / ".schema"
    folder.rename(outside(workspace) / "schema")
    os.symlink(outside(workspace) / "schema", folder)
    assert runner.invoke(app, ["schema", "curated", "--check"]).exit_code == 1


def test_coverage_exceptions_that_dangle_are_reported_not_ignored(workspace: Workspace) -> None:
    os.symlink(workspace.root / "nowhere.yaml", workspace.curated / "coverage-exceptions.yaml")
    _, problems = load_exceptions(workspace.curated)
    assert [str(problem) for problem in problems] == [f"curated/coverage-exceptions.yaml: {LINK}"]


def test_library_validate_refuses_links_too(workspace: Workspace) -> None:
    os.symlink(outside(workspace) / "target-secret.yaml", workspace.curated / "people/evil.yaml")
    kb, problems = validate(workspace.curated)
    assert [str(problem) for problem in problems] == [f"curated/people/evil.yaml: {LINK}"]
    assert SECRET not in repr(kb.loaded)


# The reader itself: what closes the race between listing a file and opening it.


def test_reader_refuses_a_link_it_is_handed(tmp_path: Path) -> None:
    target = tmp_path / "target.yaml"
    target.write_text(OUTSIDE_RECORD, encoding="utf-8")
    os.symlink(target, tmp_path / "link.yaml")
    with pytest.raises(FileProblem) as raised:
        read_regular_file(tmp_path / "link.yaml", "link.yaml", 1000)
    assert str(raised.value.problem) == f"link.yaml: {LINK}"


def test_reader_opens_a_pipe_without_waiting_and_refuses_it(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")  # no writer: a blocking open would wait forever
    with pytest.raises(FileProblem) as raised:
        read_regular_file(tmp_path / "pipe.yaml", "pipe.yaml", 1000)
    assert raised.value.problem.message.startswith("is a named pipe (FIFO), not a regular file")


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record how many bytes each os.read asks for (the reads still happen)."""
    requested: list[int] = []
    real_read = os.read

    def counting_read(fd: int, size: int) -> bytes:
        requested.append(size)
        return real_read(fd, size)

    monkeypatch.setattr(os, "read", counting_read)
    return requested


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="needs /proc")
def test_reader_bounds_what_it_reads_whatever_the_size_claims(monkeypatch: pytest.MonkeyPatch) -> None:
    """/proc files say they are 0 bytes long and are not: the bound holds while reading."""
    assert os.stat("/proc/self/status").st_size == 0
    requested = _count_reads(monkeypatch)
    with pytest.raises(FileProblem) as raised:
        read_regular_file("/proc/self/status", "status", 100)
    assert str(raised.value.problem) == "status:1:1: file is more than 100 bytes; a record is at most 100 bytes"
    assert sum(requested) <= 101
    requested.clear()
    assert len(read_regular_file("/proc/self/status", "status", 100, truncate=True)) == 100
    assert sum(requested) <= 100


def test_reader_refuses_an_oversized_file_without_reading_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.yaml"
    with path.open("wb") as handle:
        handle.truncate(50_000_000)  # sparse: 50 MB by its size
    requested = _count_reads(monkeypatch)
    with pytest.raises(FileProblem) as raised:
        read_regular_file(path, "big.yaml", 1_000_000)
    assert raised.value.problem.message == "file is 50,000,000 bytes; a record is at most 1,000,000 bytes"
    assert requested == []


# Output: whatever a name or a message holds, a problem is one line.


def test_github_annotations_escape_properties_and_data() -> None:
    problem = Problem(Location("curated/a,b:c%d.yaml", 3, 4), "50% done\r\n::warning::x", code="x,y")
    assert format_problems([problem], "github") == (
        "::error file=curated/a%2Cb%3Ac%25d.yaml,line=3,col=4,title=aijobs x%2Cy::50%25 done\\r\\n::warning::x"
    )


def test_text_and_json_never_print_control_characters() -> None:
    problem = Problem(Location("curated/\x1b[31mred\u2028.yaml"), "found '\x9b2J'\n\u202eevil", field="id")
    text = format_problems([problem])
    assert text == "curated/\\x1b[31mred\\u2028.yaml: id: found '\\x9b2J'\\n\\u202eevil"
    line = format_problems([problem], "json")
    assert "\n" not in line and "\x1b" not in line and "\x9b" not in line and "\u202e" not in line
    assert json.loads(line)["message"] == "found '\x9b2J'\n\u202eevil"


def test_a_text_line_never_starts_a_workflow_command() -> None:
    problem = Problem(Location("::add-mask::x.yaml"), "unexpected file")
    assert format_problems([problem]) == "./::add-mask::x.yaml: unexpected file"


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_diff_of_a_revision_with_a_link_out_of_curated(workspace: Workspace) -> None:
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    os.symlink(outside(workspace) / "target-secret.yaml", workspace.curated / "people/evil.yaml")
    subprocess.run([*git, "init", "-q"], cwd=workspace.root, check=True)
    subprocess.run([*git, "add", "curated"], cwd=workspace.root, check=True)
    subprocess.run([*git, "commit", "-qm", "link"], cwd=workspace.root, check=True)
    result = runner.invoke(app, ["diff", "HEAD"])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "Error: 'HEAD': curated/people/evil.yaml is a link out of curated/; aijobs reads only regular files "
        "inside curated/: replace it with the file itself"
    ]
    assert SECRET not in result.output and "target-secret" not in result.output


def test_schema_never_writes_through_a_link(workspace: Workspace, tmp_path: Path) -> None:
    """A link planted where a schema file goes is refused; its target is untouched."""
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me\n", encoding="utf-8")
    folder = workspace.curated / ".schema"
    folder.mkdir()
    (folder / "person.schema.json").symlink_to(outside)
    result = CliRunner().invoke(app, ["schema", str(workspace.curated)])
    assert result.exit_code == 1
    assert "person.schema.json is a symbolic link; aijobs never writes through one; remove it" in result.output
    assert outside.read_text(encoding="utf-8") == "keep me\n"
    assert (folder / "person.schema.json").is_symlink()


def test_schema_refuses_a_linked_schema_folder(workspace: Workspace, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (workspace.curated / ".schema").symlink_to(elsewhere)
    result = CliRunner().invoke(app, ["schema", str(workspace.curated)])
    assert result.exit_code == 1
    assert ".schema is a symbolic link; aijobs never writes through one; remove it" in result.output
    assert list(elsewhere.iterdir()) == []
