"""Opening databases: a SQLite file by its path, or a PostgreSQL server by its URL.

A SQLite path is handed to ``sqlite3.connect`` through a connection factory, never
pasted into a URL, so ``?``, ``#`` and ``%`` in a file name stay part of the name.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Engine, create_engine, event


def sqlite_engine(path: Path) -> Engine:
    """An engine on the SQLite file at `path`, with foreign keys enforced."""
    target = str(path)

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(target, check_same_thread=False)

    engine = create_engine("sqlite://", creator=connect)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
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


def server_engine(url: str) -> Engine:
    return create_engine(server_url(url))
