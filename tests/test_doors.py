"""The doors aijobs writes through: each class of hostile path, file or argument, one case each.

README, "Security", states the promises; every case here asserts the exact error line,
the exit code, and that every file around (the whole workspace, outside folders
included) is byte-identical afterwards, so nothing outside the intended output changed.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aijobs import load
from aijobs.cli import app
from aijobs.db.build import build_sqlite
from aijobs.db.engine import redact, server_target
from aijobs.db.files import APPLICATION_ID, identify
from aijobs.db.migrate import alembic_config, head_revision, revisions, upgrade
from aijobs.db.rows import TABLE_ORDER, build_rows
from aijobs.kb import KnowledgeBase
from aijobs.tools.synthetic import generate
from tests.conftest import REPO, Workspace

runner = CliRunner()
HEAD = revisions()[-1]


# Helpers: what is on disk, and databases of every kind.


def snapshot(root: Path) -> dict[str, str]:
    """Every entry under `root`: a file by its SHA-256, a link by its target, a folder, a special file."""
    found: dict[str, str] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder, name)
            status = path.lstat()
            key = str(path.relative_to(root))
            if stat.S_ISLNK(status.st_mode):
                found[key] = "link -> " + os.readlink(path)
            elif stat.S_ISREG(status.st_mode):
                found[key] = hashlib.sha256(path.read_bytes()).hexdigest() + f" {status.st_mode & 0o777:o}"
            elif stat.S_ISDIR(status.st_mode):
                found[key] = f"folder {status.st_mode & 0o777:o}"
            else:
                found[key] = f"special {stat.S_IFMT(status.st_mode):o}"
    return found


def make_database(path: Path, revision: str, kb: KnowledgeBase | None = None) -> None:
    """An unmarked SQLite file at `revision`, as an aijobs of that time built it (rows of its tables)."""
    from aijobs.db.engine import sqlite_engine

    engine = sqlite_engine(path)
    with engine.begin() as connection:
        upgrade(connection, revision)
        if kb is not None:
            present = set(connection.exec_driver_sql("SELECT name FROM sqlite_master").scalars())
            rows = build_rows(kb)
            for name in TABLE_ORDER:
                if name in present and rows.get(name):
                    # only the columns the table had at `revision`: later ones are added by later migrations
                    columns = {row[1] for row in connection.exec_driver_sql(f'PRAGMA table_info("{name}")')}
                    names = [key for key in rows[name][0] if key in columns]
                    sql = f'INSERT INTO "{name}" ({", ".join(names)}) VALUES ({", ".join("?" for _ in names)})'
                    for row in rows[name]:
                        connection.exec_driver_sql(sql, tuple(row[key] for key in names))
    engine.dispose()


def sqlite_file(path: Path, *statements: str, application_id: int = 0) -> None:
    with sqlite3.connect(path) as connection:
        if application_id:
            connection.execute(f"PRAGMA application_id = {application_id}")
        for statement in statements:
            connection.execute(statement)
    connection.close()


def future_database(path: Path) -> None:
    sqlite_file(
        path,
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)",
        "INSERT INTO alembic_version VALUES ('f00dfeedbeef')",
        "CREATE TABLE entity (id TEXT)",
        application_id=APPLICATION_ID,
    )


def application_id(path: Path) -> int:
    return int.from_bytes(path.read_bytes()[68:72], "big")


@pytest.fixture
def around(workspace: Workspace) -> Workspace:
    """The workspace with things worth protecting: a home folder, notes, another program's database."""
    home = workspace.root / "home"
    home.mkdir()
    (home / ".bashrc").write_text("export PATH=/usr/bin\n", encoding="utf-8")
    Path("notes.txt").write_text("my notes\n", encoding="utf-8")
    Path("adir").mkdir()
    sqlite_file(Path("other.db"), "CREATE TABLE t (x)", "INSERT INTO t VALUES (1)")
    return workspace


@dataclass(frozen=True)
class Case:
    """Set up, run `args`, expect exit `code` and exactly one line `Error: <message>` ({root} is the workspace)."""

    setup: Callable[[Workspace], object]
    args: list[str]
    code: int
    message: str


def _nothing(space: Workspace) -> None:
    pass


def _fifo(name: str) -> Callable[[Workspace], None]:
    return lambda space: os.mkfifo(name)


def _link(name: str, target: str) -> Callable[[Workspace], None]:
    return lambda space: os.symlink(target, name)


def _built(name: str) -> Callable[[Workspace], object]:
    return lambda space: build_sqlite(load(space.curated), Path(name))


def _steps(*steps: Callable[[Workspace], object]) -> Callable[[Workspace], None]:
    def apply(space: Workspace) -> None:
        for step in steps:
            step(space)

    return apply


def _write(name: str, text: str) -> Callable[[Workspace], object]:
    return lambda space: Path(name).write_text(text, encoding="utf-8")


def _read_only_file(space: Workspace) -> None:
    build_sqlite(load(space.curated), Path("ro.db"))
    Path("ro.db").chmod(0o444)


def _read_only_folder(space: Workspace) -> None:
    Path("rodir").mkdir()
    Path("rodir").chmod(0o555)


def _deep_link(space: Workspace) -> None:
    Path("real").mkdir()
    os.symlink("../home", "real/sub")


def _sqlite(name: str, *statements: str, application_id: int = 0) -> Callable[[Workspace], None]:
    return lambda space: sqlite_file(Path(name), *statements, application_id=application_id)


REFUSE = "refusing to replace it; pass --force to replace it anyway"
LINK = "is a symbolic link; aijobs never writes through one"

BUILD: dict[str, Case] = {
    "a text file": Case(
        _nothing, ["--db", "notes.txt"], 1, f"notes.txt is not an aijobs database (not an SQLite file); {REFUSE}"
    ),
    "another program's database": Case(
        _nothing,
        ["--db", "other.db"],
        1,
        f"other.db is not an aijobs database (application_id 0 and no alembic_version: tables t); {REFUSE}",
    ),
    "another program's Alembic database, version table empty": Case(
        _sqlite("app.db", "CREATE TABLE alembic_version (version_num VARCHAR(32))", "CREATE TABLE users (id)"),
        ["--db", "app.db"],
        1,
        f"app.db is not an aijobs database (application_id 0 and an empty alembic_version); {REFUSE}",
    ),
    "another program's Alembic database at its own revision": Case(
        _sqlite(
            "app.db",
            "CREATE TABLE alembic_version (version_num VARCHAR(32))",
            "INSERT INTO alembic_version VALUES ('ae1027a6acf')",
        ),
        ["--db", "app.db"],
        1,
        f"app.db is not an aijobs database (application_id 0 and revision 'ae1027a6acf', which is not aijobs's); "
        f"{REFUSE}",
    ),
    "another program's application_id": Case(
        _sqlite("app.db", "CREATE TABLE t (x)", application_id=0x12345678),
        ["--db", "app.db"],
        1,
        f"app.db is not an aijobs database (application_id 0x12345678, not aijobs's 0x41494a42); {REFUSE}",
    ),
    "forged application_id, garbage schema": Case(
        _sqlite("forged.db", "CREATE TABLE junk (x)", application_id=APPLICATION_ID),
        ["--db", "forged.db"],
        1,
        "forged.db is not an aijobs database (it has aijobs's application_id but no schema revision in "
        f"alembic_version); {REFUSE}",
    ),
    "corrupt SQLite file": Case(
        lambda space: Path("bad.db").write_bytes(b"SQLite format 3\x00" + b"\xff" * 200),
        ["--db", "bad.db"],
        1,
        f"bad.db is not an aijobs database (SQLite cannot read it: file is not a database); {REFUSE}",
    ),
    "a database from a newer aijobs": Case(
        lambda space: future_database(Path("future.db")),
        ["--db", "future.db"],
        1,
        "future.db was built by a newer aijobs (revision f00dfeedbeef); upgrade aijobs, or pass --force to "
        "replace it anyway",
    ),
    "symlink to a file outside": Case(
        _link("aijobs.db", "home/.bashrc"),
        [],
        1,
        f"aijobs.db {LINK}; remove the link or give another path",
    ),
    "symlink, even with --force": Case(
        _link("aijobs.db", "home/.bashrc"),
        ["--force"],
        1,
        f"aijobs.db {LINK}; remove the link or give another path",
    ),
    "symlink to an aijobs database": Case(
        _steps(_built("real.db"), _link("aijobs.db", "real.db")),
        [],
        1,
        f"aijobs.db {LINK}; remove the link or give another path",
    ),
    "dangling symlink": Case(
        _link("aijobs.db", "home/new.db"),
        [],
        1,
        f"aijobs.db {LINK}; remove the link or give another path",
    ),
    "symlinked folder": Case(
        _link("linkdir", "home"),
        ["--db", "linkdir/aijobs.db"],
        1,
        f"linkdir/aijobs.db: linkdir {LINK}; give the real path ({{root}}/home/aijobs.db)",
    ),
    "symlink deeper in the path": Case(
        _deep_link,
        ["--db", "real/sub/aijobs.db"],
        1,
        f"real/sub/aijobs.db: real/sub {LINK}; give the real path ({{root}}/home/aijobs.db)",
    ),
    "a folder": Case(_nothing, ["--db", "adir"], 1, "adir is a folder; give a file name, e.g. adir/aijobs.db"),
    "a FIFO": Case(_fifo("pipe.db"), ["--db", "pipe.db"], 1, "pipe.db is a FIFO; refusing to replace it"),
    "a FIFO, even with --force": Case(
        _fifo("pipe.db"), ["--db", "pipe.db", "--force"], 1, "pipe.db is a FIFO; refusing to replace it"
    ),
    "a device": Case(
        _nothing, ["--db", "/dev/null", "--force"], 1, "/dev/null is a character device; refusing to replace it"
    ),
    "a read-only file": Case(
        _read_only_file, ["--db", "ro.db"], 1, "ro.db is read-only; refusing to replace it; make it writable first"
    ),
    "a read-only folder": Case(
        _read_only_folder,
        ["--db", "rodir/aijobs.db"],
        1,
        "rodir/aijobs.db: the folder rodir is read-only; refusing to write into it",
    ),
    "a missing folder": Case(
        _nothing,
        ["--db", "nowhere/aijobs.db"],
        1,
        "nowhere/aijobs.db: the folder nowhere does not exist; create it first",
    ),
    "a missing folder at the root": Case(
        _nothing,
        ["--db", "/aijobs-no-such-folder/aijobs.db"],
        1,
        "/aijobs-no-such-folder/aijobs.db: the folder /aijobs-no-such-folder does not exist; create it first",
    ),
    "a file as a folder": Case(
        _nothing, ["--db", "notes.txt/aijobs.db"], 1, "notes.txt/aijobs.db: notes.txt is not a folder"
    ),
    "empty --db": Case(_nothing, ["--db", ""], 2, "--db is empty; give a path"),
    "--db -": Case(
        _nothing, ["--db", "-"], 2, "--db -: aijobs writes files, not standard output; write ./- for a file named '-'"
    ),
    "a newline in the name": Case(
        _nothing,
        ["--db", "a\nb.db"],
        2,
        "--db a\\nb.db: the path contains the control character U+000A; aijobs does not create such names",
    ),
    "a name too long": Case(
        _nothing,
        ["--db", "x" * 300 + ".db"],
        2,
        "x" * 300 + ".db: the path is too long for the file system (File name too long)",
    ),
    "mysql URL": Case(
        _nothing,
        ["--db", "mysql://x"],
        2,
        "--db mysql://...: the URL scheme 'mysql' is not supported; give a SQLite file path or a PostgreSQL URL "
        "(postgresql://, postgres://, postgresql+psycopg://)",
    ),
    "sqlite URL": Case(
        _nothing,
        ["--db", "sqlite:///x.db"],
        2,
        "--db sqlite://...: the URL scheme 'sqlite' is not supported; give a SQLite file path or a PostgreSQL URL "
        "(postgresql://, postgres://, postgresql+psycopg://)",
    ),
    "an unencoded '@' in a password": Case(
        _nothing,
        ["--db", "postgresql://me:pa@ssw0rd@localhost/db"],
        2,
        "--db postgresql://...: the URL has more than one '@'; write '@' in a user name or password as %40",
    ),
    "an unreadable URL": Case(
        _nothing,
        ["--db", "postgresql://me:pa55w0rd@localhost:port/db"],
        2,
        "--db postgresql://...: cannot read the URL (not shown: it may hold a password); write it as "
        "postgresql://user:password@host:port/dbname",
    ),
}


@pytest.mark.parametrize("case", sorted(BUILD))
def test_build_refuses(around: Workspace, case: str) -> None:
    spec = BUILD[case]
    spec.setup(around)
    before = snapshot(around.root)
    result = runner.invoke(app, ["build", *spec.args])
    after = snapshot(around.root)
    _writable_again()
    assert result.exit_code == spec.code, result.output
    assert result.stderr.splitlines() == [f"Error: {spec.message.format(root=around.root)}"]
    assert result.stdout == ""
    assert after == before  # nothing written, nothing replaced, no temporary file left
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def _writable_again() -> None:
    """Let pytest remove the folders a case made read-only."""
    for folder in ("rodir", "adir"):
        if Path(folder).is_dir():
            Path(folder).chmod(0o755)


# What a build may replace, and how it marks what it writes.


def test_build_marks_its_database(workspace: Workspace) -> None:
    assert runner.invoke(app, ["build"]).exit_code == 0
    assert Path("aijobs.db").read_bytes()[68:72] == b"AIJB"
    with sqlite3.connect("aijobs.db") as connection:
        assert connection.execute("PRAGMA application_id").fetchone() == (APPLICATION_ID,)
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]


@pytest.mark.parametrize(
    "setup",
    [
        pytest.param(lambda: Path("aijobs.db").write_bytes(b""), id="empty file"),
        pytest.param(lambda: sqlite3.connect("aijobs.db").execute("VACUUM").connection.close(), id="empty SQLite"),
        pytest.param(lambda: make_database(Path("aijobs.db"), HEAD), id="unmarked aijobs database"),
        pytest.param(lambda: make_database(Path("aijobs.db"), "0001"), id="old aijobs database"),
    ],
)
def test_build_replaces_what_is_empty_or_ours(workspace: Workspace, setup: Callable[[], object]) -> None:
    setup()
    result = runner.invoke(app, ["build"])
    assert result.exit_code == 0, result.output
    assert application_id(Path("aijobs.db")) == APPLICATION_ID
    assert sorted(p.name for p in workspace.root.iterdir()) == ["aijobs.db", "corpus", "curated"]


def test_force_replaces_another_programs_file(around: Workspace) -> None:
    result = runner.invoke(app, ["build", "--db", "other.db", "--force"])
    assert result.exit_code == 0, result.output
    assert identify(Path("other.db")).kind == "aijobs"


def test_force_replaces_a_newer_database(workspace: Workspace) -> None:
    future_database(Path("future.db"))
    assert runner.invoke(app, ["build", "--db", "future.db", "--force"]).exit_code == 0
    assert identify(Path("future.db")).revision == HEAD


@pytest.mark.parametrize("name", ["a?b.db", "c#d.db", "e%41f.db", "g?mode=ro.db", "file:h.db", "postgresql:x"])
def test_url_characters_in_paths_are_plain_names(workspace: Workspace, name: str) -> None:
    """`?`, `#`, `%41` and `file:` stay part of the file name in every command that takes one."""
    built = runner.invoke(app, ["build", "--db", name])
    assert built.exit_code == 0, built.output
    assert sorted(p.name for p in workspace.root.iterdir()) == sorted([name, "corpus", "curated"])
    found = runner.invoke(app, ["search", "--db", name, "数据标注员"])
    assert found.exit_code == 0, found.output
    assert "data-tagger" in found.stdout
    upgraded = runner.invoke(app, ["db", "upgrade", name])
    assert upgraded.stdout == f"{name}: already at {HEAD}\n"
    assert sorted(p.name for p in workspace.root.iterdir()) == sorted([name, "corpus", "curated"])
    exported = runner.invoke(app, ["export", "--format", "json", "--out", f"{name}.out"])
    assert exported.stdout == f"wrote {name}.out/aijobs.json\n"
    assert sorted(p.name for p in workspace.root.iterdir()) == sorted([name, f"{name}.out", "corpus", "curated"])


def test_serve_refuses_paths_datasette_reads_as_urls(workspace: Workspace) -> None:
    assert runner.invoke(app, ["build", "--db", "a?b#c.db"]).exit_code == 0
    before = snapshot(workspace.root)
    result = runner.invoke(app, ["serve", "--db", "a?b#c.db"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "Error: a?b#c.db: Datasette reads '#', '?' in a path as URL syntax; rename the file or move it to a folder "
        "whose path has none"
    ]
    assert snapshot(workspace.root) == before


def test_long_name_within_the_limit(workspace: Workspace) -> None:
    name = "n" * 250 + ".db"  # the temporary file beside it must still fit
    assert runner.invoke(app, ["build", "--db", name]).exit_code == 0
    assert sorted(p.name for p in workspace.root.iterdir()) == sorted([name, "corpus", "curated"])


root_only = pytest.mark.skipif(
    getattr(os, "geteuid", lambda: 1)() != 0, reason="needs root to make links owned by root"
)


@root_only
def test_system_links_are_trusted_for_other_users(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """macOS's /var -> private/var: owned by root, in a folder only root changes, aijobs run as a user."""
    Path("system").mkdir(mode=0o755)
    Path("system/real").mkdir()
    os.symlink("real", "system/var")
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert runner.invoke(app, ["build", "--db", "system/var/aijobs.db"]).exit_code == 0
    assert Path("system/real/aijobs.db").is_file()
    Path("system").chmod(0o777)  # a folder anyone may change: its links could be anyone's
    result = runner.invoke(app, ["build", "--db", "system/var/aijobs.db"])
    assert result.exit_code == 1
    assert "system/var is a symbolic link; aijobs never writes through one" in result.stderr
    Path("system").chmod(0o755)
    os.symlink("real/aijobs.db", "system/link.db")
    assert runner.invoke(app, ["build", "--db", "system/link.db"]).exit_code == 1  # the target: never


def test_the_library_refuses_too(around: Workspace) -> None:
    """`build_sqlite` is a door as well: the same checks, without the command line."""
    before = snapshot(around.root)
    with pytest.raises(Exception, match=r"other\.db is not an aijobs database"):
        build_sqlite(load(around.curated), Path("other.db"))
    os.symlink("home/.bashrc", "link.db")
    with pytest.raises(Exception, match=r"link\.db is a symbolic link"):
        build_sqlite(load(around.curated), Path("link.db"), force=True)
    assert {k: v for k, v in snapshot(around.root).items() if k != "link.db"} == before


# Reading doors: search, serve and db upgrade on files of every kind.

READ: dict[str, Case] = {
    "search: a newer aijobs": Case(
        lambda space: future_database(Path("future.db")),
        ["search", "x", "--db", "future.db"],
        1,
        "future.db was built by a newer aijobs (revision f00dfeedbeef); upgrade aijobs",
    ),
    "serve: a newer aijobs": Case(
        lambda space: future_database(Path("future.db")),
        ["serve", "--db", "future.db"],
        1,
        "future.db was built by a newer aijobs (revision f00dfeedbeef); upgrade aijobs",
    ),
    "db upgrade: a newer aijobs": Case(
        lambda space: future_database(Path("future.db")),
        ["db", "upgrade", "future.db"],
        1,
        "future.db was built by a newer aijobs (revision f00dfeedbeef); upgrade aijobs",
    ),
    "search: an old database": Case(
        lambda space: make_database(Path("old.db"), "0001", load(space.curated)),
        ["search", "x", "--db", "old.db"],
        1,
        f"old.db is at schema revision 0001, older than this aijobs ({HEAD}); upgrade it with "
        "`aijobs db upgrade old.db` or rebuild it",
    ),
    "search: an empty file": Case(
        lambda space: Path("empty.db").write_bytes(b""),
        ["search", "x", "--db", "empty.db"],
        1,
        "empty.db is an empty database; build it first with `aijobs build --db empty.db`",
    ),
    "search: forged application_id": Case(
        _sqlite("forged.db", "CREATE TABLE junk (x)", application_id=APPLICATION_ID),
        ["search", "x", "--db", "forged.db"],
        1,
        "forged.db is not an aijobs database (it has aijobs's application_id but no schema revision in "
        "alembic_version)",
    ),
    "search: forged application_id and revision": Case(
        _sqlite(
            "forged.db",
            "CREATE TABLE alembic_version (version_num VARCHAR(32))",
            f"INSERT INTO alembic_version VALUES ('{HEAD}')",
            application_id=APPLICATION_ID,
        ),
        ["search", "xyz", "--db", "forged.db"],
        1,
        "forged.db is not an aijobs database (SQLite: no such table: search_entry)",
    ),
    "search: a FIFO": Case(
        _fifo("pipe.db"), ["search", "x", "--db", "pipe.db"], 1, "pipe.db is not a regular file, so not a database file"
    ),
    "db upgrade: another program's Alembic database, version table empty": Case(
        _sqlite("app.db", "CREATE TABLE alembic_version (version_num VARCHAR(32))", "CREATE TABLE users (id)"),
        ["db", "upgrade", "app.db"],
        1,
        "app.db is not an aijobs database (application_id 0 and an empty alembic_version); refusing to upgrade it",
    ),
    "db upgrade: another program's database": Case(
        _nothing,
        ["db", "upgrade", "other.db"],
        1,
        "other.db is not an aijobs database (application_id 0 and no alembic_version: tables t); "
        "refusing to upgrade it",
    ),
    "db upgrade: a symlink": Case(
        _steps(lambda space: make_database(Path("old.db"), "0001"), _link("link.db", "old.db")),
        ["db", "upgrade", "link.db"],
        1,
        f"link.db {LINK}; remove the link or give another path",
    ),
    "db upgrade: a symlinked folder": Case(
        _steps(lambda space: make_database(Path("home/old.db"), "0001"), _link("linkdir", "home")),
        ["db", "upgrade", "linkdir/old.db"],
        1,
        f"linkdir/old.db: linkdir {LINK}; give the real path ({{root}}/home/old.db)",
    ),
    "db upgrade: a read-only file": Case(
        _read_only_file,
        ["db", "upgrade", "ro.db"],
        1,
        "ro.db is read-only; refusing to replace it; make it writable first",
    ),
    "db upgrade: a FIFO": Case(
        _fifo("pipe.db"), ["db", "upgrade", "pipe.db"], 1, "pipe.db is a FIFO; refusing to replace it"
    ),
}


@pytest.mark.parametrize("case", sorted(READ))
def test_reading_doors(around: Workspace, case: str) -> None:
    spec = READ[case]
    spec.setup(around)
    before = snapshot(around.root)
    result = runner.invoke(app, spec.args)
    assert result.exit_code == spec.code, result.output
    assert result.stderr.splitlines() == [f"Error: {spec.message.format(root=around.root)}"]
    assert snapshot(around.root) == before


def test_search_on_an_unreachable_server_never_shows_the_password(around: Workspace) -> None:
    before = snapshot(around.root)
    result = runner.invoke(app, ["search", "x", "--db", "postgresql://me:Pa55-w0rd-SeCrEt@127.0.0.1:1/kb"])
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: postgresql://me:***@127.0.0.1:1/kb: cannot read the database (")
    assert "Pa55" not in result.output
    assert snapshot(around.root) == before


# Upgrades fill what each migration adds.


def test_upgrade_from_0001_fills_the_search_index(tmp_path: Path) -> None:
    kb = load(REPO / "curated")
    fresh, old = tmp_path / "fresh.db", tmp_path / "old.db"
    build_sqlite(kb, fresh)
    make_database(old, "0001", kb)
    result = runner.invoke(app, ["db", "upgrade", str(old)])
    assert result.stdout == f"{old}: 0001 -> {HEAD}\n"
    assert application_id(old) == APPLICATION_ID
    with sqlite3.connect(fresh) as expected, sqlite3.connect(old) as upgraded:
        # the same entries (row numbers may differ: later migrations append the rows they add)
        columns = "entity_id, kind, lang, text, folded, pinyin, initials"
        query = f"SELECT {columns} FROM search_entry ORDER BY {columns}"
        assert upgraded.execute(query).fetchall() == expected.execute(query).fetchall()
        match = (
            "SELECT DISTINCT s.entity_id FROM search_index JOIN search_entry s ON s.id = search_index.rowid "
            "WHERE search_index MATCH '\"训练师\"' ORDER BY 1"
        )
        assert upgraded.execute(match).fetchall() == expected.execute(match).fetchall() != []
    found = runner.invoke(app, ["search", "--db", str(old), "訓練師"])
    assert found.exit_code == 0
    assert "ai-trainer" in found.stdout


def test_upgrade_marks_an_unmarked_current_database(tmp_path: Path) -> None:
    db = tmp_path / "kb.db"
    make_database(db, HEAD)
    assert runner.invoke(app, ["db", "upgrade", str(db)]).stdout == f"{db}: already at {HEAD}\n"
    assert application_id(db) == APPLICATION_ID


def test_revisions_without_alembic_match_alembic() -> None:
    from alembic.script import ScriptDirectory

    walked = [script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()]
    assert revisions() == tuple(reversed(walked))
    assert revisions()[-1] == head_revision()


# Export writes only into a new or empty folder, or over its own previous export.


def _export(out: str, fmt: str = "json") -> list[str]:
    return ["export", "--format", fmt, "--out", out]


def _previous_export(space: Workspace) -> None:
    assert runner.invoke(app, _export("dump")).exit_code == 0


EXPORT: dict[str, Case] = {
    "a symlinked folder": Case(_link("dump", "home"), _export("dump"), 1, f"dump {LINK}; give another folder"),
    "a symlink on the way": Case(
        _link("linkdir", "home"),
        _export("linkdir/dump"),
        1,
        f"linkdir/dump: linkdir {LINK}; give the real path ({{root}}/home/dump)",
    ),
    "a symlinked file in a previous export": Case(
        _steps(
            _previous_export, lambda space: os.remove("dump/aijobs.json"), _link("dump/aijobs.json", "../home/.bashrc")
        ),
        _export("dump"),
        1,
        "dump holds files that are not from an aijobs export: aijobs.json; refusing to write into it; "
        "give a new or empty folder",
    ),
    "a folder with other files": Case(
        lambda space: Path("adir/mine.txt").write_text("mine\n", encoding="utf-8"),
        _export("adir"),
        1,
        "adir holds no aijobs export (.aijobs-export.json): mine.txt; refusing to write into it; "
        "give a new or empty folder",
    ),
    "a previous export with a file added": Case(
        _steps(_previous_export, _write("dump/README.md", "mine\n")),
        _export("dump", "csv"),
        1,
        "dump holds files that are not from an aijobs export: README.md; refusing to write into it; "
        "give a new or empty folder",
    ),
    "a forged manifest naming a path outside": Case(
        lambda space: Path("adir/.aijobs-export.json").write_text(
            '{"generator": "aijobs export", "files": ["../notes.txt"]}', encoding="utf-8"
        ),
        _export("adir"),
        1,
        "adir holds no aijobs export (.aijobs-export.json): .aijobs-export.json; refusing to write into it; "
        "give a new or empty folder",
    ),
    "a file": Case(
        _nothing, _export("notes.txt"), 1, "notes.txt is not a folder; give a new or empty folder to export into"
    ),
    "the root folder": Case(_nothing, _export("/"), 1, "{root_folder}"),
    "a missing parent": Case(
        _nothing, _export("nowhere/dump"), 1, "nowhere/dump: the folder nowhere does not exist; create it first"
    ),
    "a read-only folder": Case(
        lambda space: Path("adir").chmod(0o555), _export("adir"), 1, "adir is read-only; refusing to write into it"
    ),
    "-": Case(
        _nothing, _export("-"), 2, "--out -: aijobs writes files, not standard output; write ./- for a file named '-'"
    ),
    "a name too long": Case(
        _nothing,
        _export("x" * 300),
        2,
        "x" * 300 + ": the path is too long for the file system (File name too long)",
    ),
    "a newline": Case(
        _nothing,
        _export("a\nb"),
        2,
        "--out a\\nb: the path contains the control character U+000A; aijobs does not create such names",
    ),
}


def _root_folder() -> str:
    """What `export --out /` says: / is read-only to most users, and holds no export for anyone."""
    if not os.access("/", os.W_OK):
        return "/ is read-only; refusing to write into it"
    names = sorted(os.listdir("/"))
    listed = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    refusal = "refusing to write into it; give a new or empty folder"
    return f"/ holds no aijobs export (.aijobs-export.json): {listed}; {refusal}"


@pytest.mark.parametrize("case", sorted(EXPORT))
def test_export_refuses(around: Workspace, case: str) -> None:
    spec = EXPORT[case]
    spec.setup(around)
    before = snapshot(around.root)
    result = runner.invoke(app, spec.args)
    after = snapshot(around.root)
    _writable_again()
    assert result.exit_code == spec.code, result.output
    expected = spec.message.format(
        root=around.root, root_folder=_root_folder() if "root_folder" in spec.message else ""
    )
    assert result.stderr.splitlines() == [f"Error: {expected}"]
    assert after == before


def test_export_replaces_only_its_own_files(around: Workspace) -> None:
    assert runner.invoke(app, _export("dump", "csv")).exit_code == 0
    csv_files = sorted(p.name for p in Path("dump").iterdir())
    assert ".aijobs-export.json" in csv_files and "entity.csv" in csv_files
    again = runner.invoke(app, _export("dump", "json"))
    assert again.exit_code == 0, again.output
    assert sorted(p.name for p in Path("dump").iterdir()) == [".aijobs-export.json", "aijobs.json"]
    manifest = Path("dump/.aijobs-export.json").read_text(encoding="utf-8")
    assert (
        manifest == '{\n  "generator": "aijobs export",\n  "format": "json",\n  "files": [\n    "aijobs.json"\n  ]\n}\n'
    )
    empty = Path("adir")
    assert runner.invoke(app, _export("adir")).exit_code == 0  # an empty folder is fine
    assert sorted(p.name for p in empty.iterdir()) == [".aijobs-export.json", "aijobs.json"]


def test_export_leftover_from_a_killed_run_is_cleaned(around: Workspace) -> None:
    _previous_export(around)
    Path("dump/.aijobs-export-abcd1234.tmp").write_bytes(b"half")
    assert runner.invoke(app, _export("dump")).exit_code == 0
    assert sorted(p.name for p in Path("dump").iterdir()) == [".aijobs-export.json", "aijobs.json"]


# fmt, schema and new write only real files inside curated/.


def test_fmt_never_writes_through_a_link(around: Workspace) -> None:
    assert runner.invoke(app, ["fmt", "curated"]).exit_code == 0  # the real files are canonical now
    victim = around.root / "home/victim.yaml"
    victim.write_text("id: victim\nnames: [{lang: en, text: V}]\n", encoding="utf-8")  # not canonical
    os.symlink("../../home/victim.yaml", around.curated / "people/victim.yaml")
    before = snapshot(around.root)
    result = runner.invoke(app, ["fmt", "curated"])
    assert result.exit_code == 1
    assert (
        "curated/people/victim.yaml: cannot format: curated/people/victim.yaml is a symbolic link; "
        "fmt never writes through one" in result.stdout.splitlines()
    )
    assert snapshot(around.root) == before


def test_fmt_never_writes_into_a_linked_folder(around: Workspace) -> None:
    assert runner.invoke(app, ["fmt", "curated"]).exit_code == 0
    (around.root / "home/people").mkdir()
    people = around.curated / "people"
    for path in people.iterdir():
        path.rename(around.root / "home/people" / path.name)
    (around.root / "home/people/x.yaml").write_text("id: x\nnames: [{lang: en, text: X}]\n", encoding="utf-8")
    people.rmdir()
    os.symlink("../home/people", people)
    before = snapshot(around.root)
    result = runner.invoke(app, ["fmt", "curated"])
    assert result.exit_code == 1
    assert "curated/people: cannot format: curated/people is a symbolic link; fmt never writes through one" in (
        result.stdout.splitlines()
    )
    assert snapshot(around.root) == before


def test_schema_never_writes_through_a_link(around: Workspace) -> None:
    os.symlink("../home", around.curated / ".schema")
    before = snapshot(around.root)
    result = runner.invoke(app, ["schema", "curated"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"Error: curated/.schema {LINK}; remove it"]
    assert snapshot(around.root) == before


def test_new_never_writes_into_a_linked_folder(around: Workspace) -> None:
    people = around.curated / "people"
    for path in people.iterdir():
        path.unlink()
    people.rmdir()
    os.symlink("../home", people)
    before = snapshot(around.root)
    result = runner.invoke(app, ["new", "person", "li-lei", "--name", "李雷", "--cite", "demo-news:5:王芳"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"Error: curated/people {LINK}"]
    assert snapshot(around.root) == before


# git: no argument becomes an option; every revision is verified first.


@pytest.fixture
def repository(around: Workspace) -> Workspace:
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "curated"], check=True)
    subprocess.run([*git, "commit", "-qm", "one"], check=True)
    return around


DIFF: dict[str, tuple[list[str], str]] = {
    "an option as the old revision": (
        ["diff", "--", "--output=victim.txt", "HEAD"],
        "'--output=victim.txt' is neither a folder nor a git revision with curated/ (a revision never starts with '-')",
    ),
    "an option as the new revision": (
        ["diff", "HEAD", "--", "--output=notes.txt"],
        "'--output=notes.txt' is neither a folder nor a git revision with curated/ (a revision never starts with '-')",
    ),
    "a tree, not a commit": (
        ["diff", "HEAD:curated"],
        "'HEAD:curated' is neither a folder nor a git revision with curated/ (git cannot find that commit)",
    ),
    "a range": (
        ["diff", "HEAD..HEAD"],
        "'HEAD..HEAD' is neither a folder nor a git revision with curated/ (git cannot find that commit)",
    ),
    "an unknown revision": (
        ["diff", "no-such-revision"],
        "'no-such-revision' is neither a folder nor a git revision with curated/ (git cannot find that commit)",
    ),
}


@pytest.mark.parametrize("case", sorted(DIFF))
def test_diff_revisions_are_verified(repository: Workspace, case: str) -> None:
    args, message = DIFF[case]
    before = snapshot(repository.root)
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [f"Error: {message}"]
    assert snapshot(repository.root) == before
    assert not Path("victim.txt").exists()


def test_diff_outside_a_repository_names_the_revision(around: Workspace) -> None:
    result = runner.invoke(app, ["diff", "HEAD"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: 'HEAD' is neither a folder nor a git revision with curated/ (")


def test_diff_git_calls_have_timeouts(repository: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[list[str], object]] = []
    real = subprocess.run

    def recording(args: list[str], **kwargs: object) -> object:
        calls.append((args, kwargs.get("timeout")))
        return real(args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(subprocess, "run", recording)
    assert runner.invoke(app, ["diff", "HEAD"]).exit_code == 0
    assert [args[:2] for args, _ in calls] == [["git", "rev-parse"], ["git", "archive"]]
    assert all(timeout for _, timeout in calls)
    assert calls[0][0][-2:] == ["--end-of-options", "HEAD^{commit}"]
    assert calls[1][0][-2:] == ["--", "curated"]


# Secrets: a password is never printed, whatever the driver says.

PASSWORD = "Pa55-w0rd-SeCrEt"


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://aijobs:{PASSWORD}@127.0.0.1:1/kb",
        f"postgres://aijobs:{PASSWORD}@127.0.0.1:1/kb",
        f"postgresql+psycopg://aijobs:{PASSWORD}@127.0.0.1:1/kb",
        "postgresql://aijobs:Pa55%40w0rd%2FSeCrEt@127.0.0.1:1/kb",
        f"postgresql://aijobs@127.0.0.1:1/kb?password={PASSWORD}",
        f"postgresql://aijobs:{PASSWORD}@no-such-host.invalid/kb",
    ],
)
def test_unreachable_server_never_shows_the_password(workspace: Workspace, url: str) -> None:
    result = runner.invoke(app, ["build", "--db", url])
    assert result.exit_code == 1
    shown = url.replace(PASSWORD, "***").replace("Pa55%40w0rd%2FSeCrEt", "***")
    assert result.stderr.startswith(f"Error: build failed, {shown} left unchanged: "), result.stderr
    for secret in (PASSWORD, "Pa55@w0rd/SeCrEt", "Pa55%40w0rd%2FSeCrEt", "Pa55", "SeCrEt"):
        assert secret not in result.stdout + result.stderr


def test_password_absent_from_the_real_process_streams(workspace: Workspace) -> None:
    url = f"postgresql://aijobs:{PASSWORD}@127.0.0.1:1/kb"
    done = subprocess.run(
        [sys.executable, "-m", "aijobs", "build", "--db", url], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert done.stderr.startswith("Error: build failed, postgresql://aijobs:***@127.0.0.1:1/kb left unchanged")
    assert PASSWORD not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_ci_checks_never_print_the_password(tmp_path: Path) -> None:
    """.ci/checks.py echoes each command it runs; the server URL comes from the environment."""
    env = {
        **os.environ,
        "AIJOBS_TEST_POSTGRES_URL": f"postgresql://aijobs:{PASSWORD}@127.0.0.1:1/kb",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    done = subprocess.run(
        [sys.executable, str(REPO / ".ci/checks.py"), "--only", "build-postgres"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 1
    assert "--- build-postgres: aijobs build --db postgresql://aijobs:***@127.0.0.1:1/kb" in done.stdout
    assert PASSWORD not in done.stdout + done.stderr


def test_driver_text_is_redacted() -> None:
    target = server_target(f"postgresql://me:{PASSWORD}@db.example.org/kb")
    assert target is not None
    assert target.shown == "postgresql://me:***@db.example.org/kb"
    leaked = (
        f"could not connect: postgresql+psycopg://me:{PASSWORD}@db.example.org/kb; "
        f"dsn 'host=db password={PASSWORD} user=me'; password='a b'"
    )
    assert target.redact(leaked) == (
        "could not connect: postgresql+psycopg://me:***@db.example.org/kb; dsn 'host=db password=*** user=me'; "
        "password=***"
    )
    assert redact("connection to postgresql://u:other@h failed") == "connection to postgresql://u:***@h failed"


POSTGRES_URL = os.environ.get("AIJOBS_TEST_POSTGRES_URL")
SCHEMA = "aijobs_doors_test"


@pytest.mark.skipif(
    not POSTGRES_URL and os.environ.get("AIJOBS_REQUIRE_POSTGRES") != "1",
    reason="set AIJOBS_TEST_POSTGRES_URL=postgresql://... to run against a PostgreSQL server",
)
@pytest.mark.parametrize(
    ("tables", "message"),
    [
        (
            ["CREATE TABLE customers (id int)", "INSERT INTO customers VALUES (1)"],
            "the database is not an aijobs database (no aijobs schema revision; it holds tables customers); "
            "refusing to add aijobs's tables to it; pass --force to build into it anyway",
        ),
        (
            ["CREATE TABLE alembic_version (version_num varchar(32))", "CREATE TABLE users (id int)"],
            "the database is not an aijobs database (no aijobs schema revision; it holds tables alembic_version, "
            "users); refusing to add aijobs's tables to it; pass --force to build into it anyway",
        ),
        (
            [
                "CREATE TABLE alembic_version (version_num varchar(32))",
                "INSERT INTO alembic_version VALUES ('f00dfeedbeef')",
                "CREATE TABLE entity (id text)",
            ],
            "the database was built by a newer aijobs (revision f00dfeedbeef); upgrade aijobs",
        ),
    ],
    ids=["another program's tables", "another program's Alembic database", "a newer aijobs"],
)
def test_server_database_not_ours_is_refused(workspace: Workspace, tables: list[str], message: str) -> None:
    """In a schema of its own (search_path set in the URL), so the shared test database is not touched."""
    from sqlalchemy import create_engine, inspect

    from aijobs.db.engine import server_url

    if not POSTGRES_URL:
        pytest.fail("AIJOBS_REQUIRE_POSTGRES=1 but AIJOBS_TEST_POSTGRES_URL is not set")
    engine = create_engine(server_url(POSTGRES_URL))
    with engine.begin() as connection:
        connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        connection.exec_driver_sql(f"CREATE SCHEMA {SCHEMA}")
        connection.exec_driver_sql(f"SET LOCAL search_path = {SCHEMA}")
        for statement in tables:
            connection.exec_driver_sql(statement)
    url = POSTGRES_URL + ("&" if "?" in POSTGRES_URL else "?") + f"options=-csearch_path%3D{SCHEMA}"
    target = server_target(url)
    assert target is not None
    try:
        result = runner.invoke(app, ["build", "--db", url])
        assert result.exit_code == 1
        assert result.stderr.splitlines() == [f"Error: {target.shown}: {message}"]
        with engine.connect() as connection:
            names = inspect(connection).get_table_names(schema=SCHEMA)
        assert len(names) == len([s for s in tables if s.startswith("CREATE")])
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        engine.dispose()


# Two builds at once leave one complete database.


def _child_build(curated: Path, db: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "aijobs", "build", "--curated", str(curated), "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _contents(db: Path) -> tuple[list[tuple[object, ...]], ...]:
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return tuple(
            connection.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            for table in ("entity", "claim", "citation", "label", "search_entry")
        )


def test_concurrent_builds_leave_one_complete_database(tmp_path: Path) -> None:
    small, large = tmp_path / "small", tmp_path / "large"
    generate(small, 1, corpus=tmp_path / "corpus")
    generate(large, 2, corpus=tmp_path / "corpus")
    expected = []
    for curated in (small, large):
        build_sqlite(load(curated), tmp_path / f"{curated.name}.db")
        expected.append(_contents(tmp_path / f"{curated.name}.db"))
    out = tmp_path / "out"
    out.mkdir()
    db = out / "aijobs.db"
    children = [_child_build(small, db), _child_build(large, db), _child_build(small, db)]
    for child in children:
        _, stderr = child.communicate(timeout=600)
        assert child.returncode == 0, stderr
    assert sorted(p.name for p in out.iterdir()) == ["aijobs.db"]  # every temporary file removed
    assert _contents(db) in expected  # one whole build, never a mix


# The README states the promises this file tests.


def test_readme_security_section() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Security\n", 1)[1].split("\n## ", 1)[0]
    assert f"`{APPLICATION_ID:#010x}`" in section
    assert "--force" in section
    assert "tests/test_doors.py" in section
