"""Opening databases: a SQLite file by its path, or a PostgreSQL server by its URL.

A SQLite path is handed to ``sqlite3.connect`` through a connection factory, never
pasted into a URL, so ``?``, ``#`` and ``%`` in a file name stay part of the name.

A `--db` value is a server only when it starts with one of `SERVER_SCHEMES`; any other
``scheme://`` is refused (it would otherwise become a file named ``scheme:/...``). A
server URL is shown with its password masked (`ServerTarget.shown`), and every
message about it, including drivers' exception text, goes through
`ServerTarget.redact`, so the password is never printed.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

from aijobs.db.files import check_output_text, looks_like_url, shown
from aijobs.errors import UsageError

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.engine import URL

# The URL schemes that reach a server aijobs can build into (through psycopg 3).
SERVER_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
CONNECT_TIMEOUT = 15  # seconds: an unreachable server is an error, not a hang
MASK = "***"


def sqlite_engine(path: Path) -> Engine:
    """An engine on the SQLite file at `path`, with foreign keys enforced."""
    from sqlalchemy import create_engine, event

    target = str(path.absolute())  # absolute: a name like "file:x" is never read as a URI

    def connect() -> sqlite3.Connection:
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


def server_engine(target: ServerTarget | str) -> Engine:
    from sqlalchemy import create_engine

    if isinstance(target, str):
        parsed = server_target(target)
        if parsed is None:
            raise UsageError("--db: not a postgresql:// URL")
        target = parsed
    return create_engine(target.url, connect_args={"connect_timeout": CONNECT_TIMEOUT})
