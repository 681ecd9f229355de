"""Database files named on the command line, checked before they are opened.

Every command that reads an existing SQLite file (`search`, `serve`, `db upgrade`)
goes through `database_file`, so a missing file, a folder or a device gets one clear
error naming it, and `connect_readonly`, which can never create or change a file.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from aijobs.errors import AijobsError, NotFound

BUILD_HINT = "build it first with `aijobs build`"


def database_file(path: Path, missing: str = f"not found; {BUILD_HINT}") -> Path:
    """`path` if it is an existing regular file; raises NotFound or AijobsError naming it otherwise."""
    if not path.exists():
        raise NotFound(f"{path} {missing}")
    if path.is_dir():
        raise AijobsError(f"{path} is a folder, not a database file")
    if not path.is_file():
        raise AijobsError(f"{path} is not a regular file, so not a database file")
    return path


def connect_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection to the SQLite file at `path` (a URI, so `?` and `#` in names are safe)."""
    return sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)


def not_a_database(path: Path, exc: sqlite3.DatabaseError) -> AijobsError:
    """The error for a file SQLite cannot read as an aijobs database."""
    return AijobsError(f"{path} is not a database built by `aijobs build` ({exc})")
