"""Opening databases: a SQLite file by its path, or a PostgreSQL server by its URL.

A SQLite path is handed to ``sqlite3.connect`` through a connection factory, never
pasted into a URL, so ``?``, ``#`` and ``%`` in a file name stay part of the name
(a read-only connection uses a ``file:`` URI built by `pathlib`, which escapes them).

`open_database` and `session` are the read API of a built database::

    from sqlmodel import select
    from aijobs.db import session
    from aijobs.db.tables import OccupationRow

    with session("aijobs.db") as db:
        for occupation in db.exec(select(OccupationRow)):
            print(occupation.id, [status.status for status in occupation.statuses])
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlmodel import Session

from aijobs.errors import AijobsError, UsageError


def sqlite_engine(path: Path, read_only: bool = False) -> Engine:
    """An engine on the SQLite file at `path`, with foreign keys enforced.

    With `read_only`, the file is opened with ``mode=ro`` (nothing can be written, and
    a missing file is an error rather than a new empty database) and the schema is not
    trusted to run functions (``PRAGMA trusted_schema = OFF``): a database file is
    input like any other.
    """
    target = str(path)
    uri = path.resolve().as_uri() + "?mode=ro"

    def connect() -> sqlite3.Connection:
        if read_only:
            return sqlite3.connect(uri, uri=True, check_same_thread=False)
        return sqlite3.connect(target, check_same_thread=False)

    engine = create_engine("sqlite://", creator=connect)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        if read_only:
            cursor.execute("PRAGMA trusted_schema = OFF")
        cursor.close()

    return engine


def is_server_url(target: str) -> bool:
    return target.startswith(("postgresql:", "postgresql+", "postgres:"))


def server_url(url: str) -> str:
    """SQLAlchemy URL for PostgreSQL through psycopg 3, whatever scheme the user typed."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme) :]
    return url


def server_engine(url: str, read_only: bool = False) -> Engine:
    """An engine on a PostgreSQL server; `read_only` makes every transaction READ ONLY."""
    connect_args = {"options": "-c default_transaction_read_only=on"} if read_only else {}
    return create_engine(server_url(url), connect_args=connect_args)


def shown_url(url: str) -> str:
    """A server URL fit to print: the password masked."""
    try:
        return make_url(server_url(url)).render_as_string(hide_password=True)
    except ArgumentError:
        return "the database URL"


def open_database(target: str | os.PathLike[str]) -> Engine:
    """An engine for reading a built database: a SQLite file, opened read-only, or a PostgreSQL URL.

    The database must exist and be at the schema revision this version of aijobs reads
    (`aijobs db upgrade` brings an older file up to date). Raises `UsageError`, with one
    line naming the file, when it does not exist, is not a file, is not an SQLite
    database or was not built by aijobs; `AijobsError` when a server cannot be reached.
    Call ``dispose()`` on the engine when done, or use `session`, which does.
    """
    text = os.fspath(target)
    if is_server_url(text):
        engine = server_engine(text, read_only=True)
        shown = shown_url(text)
        fix = f"aijobs build --db {shown}"
    else:
        path = Path(text)
        if not path.exists():
            raise UsageError(f"{path}: no such database file (build one with: aijobs build --db {path})")
        if not path.is_file():
            raise UsageError(f"{path}: not a database file")
        engine = sqlite_engine(path, read_only=True)
        shown = str(path)
        fix = f"aijobs db upgrade {path}"
    try:
        _check_revision(engine, shown, fix)
    except BaseException:
        engine.dispose()
        raise
    return engine


def _check_revision(engine: Engine, shown: str, fix: str) -> None:
    """Refuse a database this version of aijobs cannot read correctly."""
    from aijobs.db.migrate import current_revision, head_revision

    try:
        with engine.connect() as connection:
            revision = current_revision(connection)
    except SQLAlchemyError as exc:
        original = getattr(exc, "orig", None) or exc
        reason = " ".join(str(original).split())  # libpq's messages span lines
        if isinstance(original, sqlite3.DatabaseError):
            raise UsageError(f"{shown}: cannot be read as an SQLite database ({reason})") from None
        raise AijobsError(f"{shown}: cannot read the database ({reason})") from None
    head = head_revision()
    if revision is None:
        raise UsageError(f"{shown}: not an aijobs database (it has no alembic_version table)")
    if revision != head:
        raise UsageError(f"{shown}: schema revision {revision}, but this aijobs reads {head}; run: {fix}")


@contextmanager
def session(target: str | os.PathLike[str]) -> Iterator[Session]:
    """A SQLModel session on a built database (see `open_database`); closed, and the engine disposed, on exit."""
    engine = open_database(target)
    try:
        with Session(engine) as db:
            yield db
    finally:
        engine.dispose()
