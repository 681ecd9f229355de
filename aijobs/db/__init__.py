"""The database: table classes, rows from records, the atomic build, migrations, search, Datasette.

Layer: above the record core (``aijobs.records``, ``aijobs.kb``); never imported by it.

Reading a built database: `session` (a SQLModel session) or `open_database` (an engine)
on a SQLite file, opened read-only, or a PostgreSQL URL; the table classes with their
relationships are in `aijobs.db.tables`. Names are imported on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aijobs.db.engine import open_database, session

_EXPORTS = {"open_database": "aijobs.db.engine", "session": "aijobs.db.engine"}

__all__ = ["open_database", "session"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'aijobs.db' has no attribute {name!r}")
