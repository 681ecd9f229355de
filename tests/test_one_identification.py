"""One identification of an aijobs database, whichever way a file is opened for reading.

`aijobs.db.files.connect_aijobs_database` (a plain sqlite3 connection: `aijobs search`,
`aijobs serve`) and `aijobs.db.engine.open_database` (a SQLAlchemy engine: `session`)
both ask `aijobs.db.files.readable_database`. Each hostile file below goes through every
door: both openers and `session` raise the same error class with the same words, the
commands print exactly that line with its exit code, and nothing in the folder changes.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from aijobs import load
from aijobs.cli import app
from aijobs.db import open_database, session
from aijobs.db.build import build_sqlite
from aijobs.db.engine import server_target, server_url
from aijobs.db.files import connect_aijobs_database, readable_database
from aijobs.db.serve import Datasette
from aijobs.errors import AijobsError, NotFound
from tests.conftest import Workspace
from tests.test_doors import HEAD, future_database, make_database, snapshot, sqlite_file
from tests.test_migrations import URL, needs_postgres, throwaway_database

runner = CliRunner()


@dataclass(frozen=True)
class Hostile:
    """A file to read (made by `setup` in the workspace), the error every door gives, its class."""

    setup: Callable[[Workspace], object]
    path: str
    message: str
    error: type[AijobsError] = AijobsError


def _text(space: Workspace) -> None:
    Path("notes.db").write_text("my notes, not a database\n" * 10, encoding="utf-8")


def _foreign(name: str) -> Callable[[Workspace], None]:
    return lambda space: sqlite_file(Path(name), "CREATE TABLE t (x)", "INSERT INTO t VALUES (1)")


def _then_link(setup: Callable[[Workspace], object], link: str, target: str) -> Callable[[Workspace], None]:
    def make(space: Workspace) -> None:
        setup(space)
        os.symlink(target, link)

    return make


def _old(name: str) -> Callable[[Workspace], None]:
    return lambda space: make_database(Path(name), "0001", load(space.curated))


UPGRADE = "upgrade it with `aijobs db upgrade {}` or rebuild it"

HOSTILE: dict[str, Hostile] = {
    "another program's SQLite file": Hostile(
        _foreign("other.db"),
        "other.db",
        "other.db is not an aijobs database (application_id 0 and no alembic_version: tables t)",
    ),
    "a text file": Hostile(_text, "notes.db", "notes.db is not an aijobs database (not an SQLite file)"),
    "an empty file": Hostile(
        lambda space: Path("empty.db").write_bytes(b""),
        "empty.db",
        "empty.db is an empty database; build it first with `aijobs build --db empty.db`",
    ),
    "an SQLite file without tables": Hostile(
        lambda space: sqlite_file(Path("bare.db"), "PRAGMA user_version = 7"),
        "bare.db",
        "bare.db is an empty database; build it first with `aijobs build --db bare.db`",
    ),
    "a database from a newer aijobs": Hostile(
        lambda space: future_database(Path("future.db")),
        "future.db",
        "future.db was built by a newer aijobs (revision f00dfeedbeef); upgrade aijobs",
    ),
    "an old revision": Hostile(
        _old("old.db"),
        "old.db",
        f"old.db is at schema revision 0001, older than this aijobs ({HEAD}); {UPGRADE.format('old.db')}",
    ),
    "an old revision, a space in its name": Hostile(
        _old("my kb.db"),
        "my kb.db",
        f"my kb.db is at schema revision 0001, older than this aijobs ({HEAD}); {UPGRADE.format(repr('my kb.db'))}",
    ),
    "a symlink to another program's file": Hostile(
        _then_link(_foreign("other.db"), "link.db", "other.db"),
        "link.db",
        "link.db is not an aijobs database (application_id 0 and no alembic_version: tables t)",
    ),
    "a dangling symlink": Hostile(
        _then_link(lambda space: None, "dangling.db", "nowhere.db"),
        "dangling.db",
        "dangling.db not found; build it first with `aijobs build --db dangling.db`",
        NotFound,
    ),
    "a symlink to a folder": Hostile(
        _then_link(lambda space: Path("adir").mkdir(), "linkdir", "adir"),
        "linkdir",
        "linkdir is a folder, not a database file",
    ),
    "a folder": Hostile(lambda space: Path("adir").mkdir(), "adir", "adir is a folder, not a database file"),
    "a FIFO": Hostile(
        lambda space: os.mkfifo("pipe.db"), "pipe.db", "pipe.db is not a regular file, so not a database file"
    ),
    "nothing": Hostile(
        lambda space: None,
        "missing.db",
        "missing.db not found; build it first with `aijobs build --db missing.db`",
        NotFound,
    ),
}


def _refusal(open_it: Callable[[Path], object], path: Path) -> AijobsError:
    with pytest.raises(AijobsError) as raised:
        open_it(path)
    return raised.value


def _in_a_session(path: Path) -> None:
    with session(path):
        pass


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_both_openers_refuse_with_the_same_error(workspace: Workspace, case: str) -> None:
    spec = HOSTILE[case]
    spec.setup(workspace)
    before = snapshot(workspace.root)
    path = Path(spec.path)
    refusals = [_refusal(opener, path) for opener in (connect_aijobs_database, open_database, _in_a_session)]
    refusals.append(_refusal(readable_database, path))
    assert {(type(error), str(error)) for error in refusals} == {(spec.error, spec.message)}
    assert {error.exit_code for error in refusals} == {1}
    assert snapshot(workspace.root) == before


COMMANDS = {
    "search": lambda db: ["search", "x", "--db", db],
    "serve": lambda db: ["serve", "--db", db],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_the_commands_print_that_error(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, case: str, command: str
) -> None:
    def never_serve(self: Datasette) -> None:
        raise AssertionError(f"aijobs serve accepted {self.argv}")

    monkeypatch.setattr(Datasette, "run", never_serve)  # a file let through fails the test, never hangs it
    spec = HOSTILE[case]
    spec.setup(workspace)
    before = snapshot(workspace.root)
    with pytest.raises(AijobsError) as raised:
        open_database(spec.path)
    result = runner.invoke(app, COMMANDS[command](spec.path))
    assert result.exit_code == raised.value.exit_code == 1, result.output
    assert result.stderr.splitlines() == [f"Error: {raised.value}"] == [f"Error: {spec.message}"]
    assert snapshot(workspace.root) == before


def test_an_aijobs_database_opens_either_way_even_through_a_link(workspace: Workspace) -> None:
    """The refusals above are not everything refused: the same doors open on aijobs's own file."""
    build_sqlite(load(workspace.curated), Path("real.db"))
    os.symlink("real.db", "link.db")
    before = snapshot(workspace.root)
    for name in ("real.db", "link.db"):
        assert readable_database(Path(name)).revision == HEAD
        connection = connect_aijobs_database(Path(name))
        try:
            assert connection.execute("SELECT count(*) FROM figure").fetchone() == (1,)
            with pytest.raises(sqlite3.OperationalError, match="readonly"):
                connection.execute("DELETE FROM figure")
        finally:
            connection.close()
        engine = open_database(name)
        try:
            with engine.connect() as db:
                assert db.execute(text("SELECT count(*) FROM figure")).scalar_one() == 1
                assert db.execute(text("PRAGMA trusted_schema")).scalar_one() == 0
        finally:
            engine.dispose()
        result = runner.invoke(app, ["search", "data tagger", "--db", name])
        assert result.exit_code == 0, result.output
        assert result.stdout.split()[:2] == ["occupation", "data-tagger"]
    assert snapshot(workspace.root) == before


@needs_postgres
def test_a_server_is_refused_in_the_same_words(workspace: Workspace) -> None:
    """open_database on a PostgreSQL URL: the cases a server can be in, worded by the same `refusal`."""
    assert URL
    with throwaway_database(URL) as url:
        target = server_target(url)
        assert target is not None
        name = target.shown
        cases = [
            ((), f"{name} is an empty database; build it first with `aijobs build --db {name}`"),
            (
                ("CREATE TABLE customers (id int)",),
                f"{name} is not an aijobs database (no aijobs schema revision; it holds tables customers)",
            ),
            (
                (
                    "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)",
                    "INSERT INTO alembic_version VALUES ('f00dfeedbeef')",
                    "CREATE TABLE entity (id TEXT)",
                ),
                f"{name} was built by a newer aijobs (revision f00dfeedbeef); upgrade aijobs",
            ),
        ]
        for statements, message in cases:
            engine = create_engine(server_url(url))
            with engine.begin() as connection:
                for statement in statements:
                    connection.execute(text(statement))
            engine.dispose()
            with pytest.raises(AijobsError) as raised:
                open_database(url)
            assert (type(raised.value), str(raised.value)) == (AijobsError, message)
            result = runner.invoke(app, ["search", "x", "--db", url])
            assert result.exit_code == 1
            assert result.stderr.splitlines() == [f"Error: {message}"]
