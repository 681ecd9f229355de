"""Opening databases: a SQLite file by its path, or a PostgreSQL server by its URL.

A SQLite path is handed to ``sqlite3.connect`` through a connection factory, never
pasted into a URL, so ``?``, ``#`` and ``%`` in a file name stay part of the name.

A `--db` value is a server only when it starts with one of `SERVER_SCHEMES`; any other
``scheme://`` is refused (it would otherwise become a file named ``scheme:/...``). A
server URL is shown with its password masked (`ServerTarget.shown`), and every
message about it, including drivers' exception text, goes through
`ServerTarget.redact`, so the password is never printed.

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
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

from aijobs.db.files import (
    Identity,
    check_output_text,
    connect_readonly,
    looks_like_url,
    readable_database,
    refusal,
    shown,
)
from aijobs.errors import AijobsError, UsageError

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.engine import URL
    from sqlmodel import Session

# The URL schemes that reach a server aijobs can build into (through psycopg 3).
SERVER_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
CONNECT_TIMEOUT = 15  # seconds: an unreachable server is an error, not a hang
MASK = "***"


def sqlite_engine(path: Path, read_only: bool = False) -> Engine:
    """An engine on the SQLite file at `path`, with foreign keys enforced.

    With `read_only`, the file is opened as `aijobs.db.files.connect_readonly` opens it
    (``mode=ro``: nothing can be written, and a missing file is an error rather than a
    new empty database; the schema is not trusted to run functions): a database file is
    input like any other.
    """
    from sqlalchemy import create_engine, event

    target = str(path.absolute())  # absolute: a name like "file:x" is never read as a URI

    def connect() -> sqlite3.Connection:
        if read_only:
            return connect_readonly(path, check_same_thread=False)
        return sqlite3.connect(target, check_same_thread=False)

    engine = create_engine("sqlite://", creator=connect)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    return engine


_GENERIC_SECRETS = (
    # scheme://user:password@  in any text
    (re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s'\"]*:)[^@\s'\"]*@"), rf"\g<1>{MASK}@"),
    # password=... in a DSN or a query string
    (re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&'\"]+)", re.IGNORECASE), rf"\g<1>{MASK}"),
)


@dataclass(frozen=True)
class ServerTarget:
    """A PostgreSQL URL as given, the SQLAlchemy URL for psycopg, and what may be printed."""

    url: URL
    shown: str
    secrets: tuple[str, ...]

    def redact(self, text: str) -> str:
        """`text` with this URL's password, and anything shaped like a password, masked."""
        return redact(text, self.secrets)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    for secret in sorted(set(secrets), key=len, reverse=True):
        if len(secret) >= 4:
            text = text.replace(secret, MASK)
        elif secret:  # a short one only where it stands alone, or every letter would go
            text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])", MASK, text)
    for pattern, replacement in _GENERIC_SECRETS:
        text = pattern.sub(replacement, text)
    return text


def _secrets(rest: str) -> tuple[str, ...]:
    """Every spelling of the password in a URL after its `scheme://`: raw, decoded, re-encoded."""
    found: list[str] = []
    userinfo, at, _ = rest.partition("@")
    if at and ":" in userinfo:
        found.append(userinfo.split(":", 1)[1])
    found += re.findall(r"[?&]password=([^&#]*)", rest, flags=re.IGNORECASE)
    spelled = {variant for raw in found for variant in (raw, unquote(raw), quote(unquote(raw), safe=""))}
    return tuple(sorted(secret for secret in spelled if secret))


def server_target(text: str) -> ServerTarget | None:
    """The server `text` names, None when it is not a URL; raises UsageError for a URL aijobs cannot use.

    Nothing of the URL but its scheme is printed before it parses, since it may hold a password.
    """
    scheme = looks_like_url(text)
    if scheme is None:
        return None
    if scheme.lower() not in SERVER_SCHEMES:
        raise UsageError(
            f"--db {shown(scheme)}://...: the URL scheme '{shown(scheme)}' is not supported; give a SQLite "
            f"file path or a PostgreSQL URL ({', '.join(s + '://' for s in SERVER_SCHEMES)})"
        )
    rest = text.partition("://")[2]
    secrets = _secrets(rest)
    if rest.count("@") > 1:
        raise UsageError(
            f"--db {scheme}://...: the URL has more than one '@'; write '@' in a user name or password as %40"
        )
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(f"postgresql+psycopg://{rest}")
        url.port  # noqa: B018 (a malformed port raises here)
    except (ArgumentError, ValueError, TypeError):
        raise UsageError(
            f"--db {scheme}://...: cannot read the URL (not shown: it may hold a password); "
            "write it as postgresql://user:password@host:port/dbname"
        ) from None
    if url.password is not None:
        secrets = tuple(sorted({*secrets, str(url.password)}))
    display = url.set(drivername=scheme).render_as_string(hide_password=True)
    return ServerTarget(url, redact(display, secrets), secrets)


def build_target(text: str) -> ServerTarget | Path:
    """What `aijobs build --db TEXT` writes: a server, or a SQLite file path (checked as text only)."""
    server = server_target(text)
    if server is not None:
        return server
    check_output_text(text, "--db")
    return Path(text)


def is_server_url(target: str) -> bool:
    """Whether `target` is written as a URL aijobs builds into (a PostgreSQL server)."""
    scheme = looks_like_url(target)
    return scheme is not None and scheme.lower() in SERVER_SCHEMES


def server_url(url: str) -> str:
    """SQLAlchemy URL for PostgreSQL through psycopg 3, whatever accepted scheme the user typed."""
    scheme = looks_like_url(url)
    if scheme is not None and scheme.lower() in SERVER_SCHEMES:
        return "postgresql+psycopg://" + url.partition("://")[2]
    return url


def server_engine(target: ServerTarget | str, read_only: bool = False) -> Engine:
    """An engine on a PostgreSQL server; `read_only` makes every transaction READ ONLY."""
    from sqlalchemy import create_engine

    if isinstance(target, str):
        parsed = server_target(target)
        if parsed is None:
            raise UsageError("--db: not a postgresql:// URL")
        target = parsed
    connect_args: dict[str, object] = {"connect_timeout": CONNECT_TIMEOUT}
    if read_only:
        connect_args["options"] = "-c default_transaction_read_only=on"
    return create_engine(target.url, connect_args=connect_args)


def open_database(target: str | os.PathLike[str]) -> Engine:
    """An engine for reading a built database: a SQLite file, opened read-only, or a PostgreSQL URL.

    The database must be aijobs's, at the schema revision this version of aijobs reads
    (`aijobs db upgrade` brings an older file up to date). A file is checked by
    `aijobs.db.files.readable_database`, as `aijobs search` and `aijobs serve` check it:
    `NotFound` or `AijobsError` (exit 1), one line naming the file, when it is missing,
    not a regular file, another program's, empty, older or from a newer aijobs. A server
    is refused the same ways, and with `AijobsError` when it cannot be reached (its
    password never shown). Call ``dispose()`` on the engine when done, or use `session`,
    which does.
    """
    text = os.fspath(target)
    server = server_target(text)
    if server is None:
        path = Path(text)
        readable_database(path)
        return sqlite_engine(path, read_only=True)
    engine = server_engine(server, read_only=True)
    try:
        _check_server(engine, server)
    except BaseException:
        engine.dispose()
        raise
    return engine


def _check_server(engine: Engine, server: ServerTarget) -> None:
    """Refuse a server database this version of aijobs cannot read correctly (see `aijobs.db.files.refusal`)."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import SQLAlchemyError

    from aijobs.db.migrate import current_revision, revisions

    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            revision = current_revision(connection) if "alembic_version" in tables else None
    except SQLAlchemyError as exc:
        original = getattr(exc, "orig", None) or exc
        reason = server.redact(" ".join(str(original).split()))  # libpq's messages span lines
        raise AijobsError(f"{server.shown}: cannot read the database ({reason})") from None
    if not tables:
        identity = Identity("empty")
    elif revision is not None and revision in revisions():
        identity = Identity("aijobs", revision=revision)
    elif revision is not None and "entity" in tables:
        identity = Identity("newer", revision=revision)
    else:
        listed = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
        identity = Identity("foreign", reason=f"no aijobs schema revision; it holds tables {listed}")
    error = refusal(server.shown, identity, f"rebuild it with `aijobs build --db {server.shown}`")
    if error is not None:
        raise error


@contextmanager
def session(target: str | os.PathLike[str]) -> Iterator[Session]:
    """A SQLModel session on a built database (see `open_database`); closed, and the engine disposed, on exit."""
    from sqlmodel import Session

    engine = open_database(target)
    try:
        with Session(engine) as db:
            yield db
    finally:
        engine.dispose()
