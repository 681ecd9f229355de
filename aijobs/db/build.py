"""Building the SQLite database from a validated knowledge base, atomically.

The database is written to a temporary file beside the target, checked, flushed to
disk, and only then renamed over the old file (an atomic rename on POSIX). A build
that fails or is killed at any point leaves the previous database untouched, and a
reader that has the old file open keeps reading the old, consistent data.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from aijobs.db import tables
from aijobs.db.dataset import DatasetInfo, dataset_info
from aijobs.db.engine import is_server_url, server_engine, sqlite_engine
from aijobs.db.migrate import upgrade
from aijobs.db.rows import TABLE_ORDER, build_rows
from aijobs.errors import AijobsError
from aijobs.kb import KnowledgeBase


class BuildError(AijobsError):
    """The database could not be built; the previous file (if any) is unchanged."""


DATASET_TABLE = str(tables.DatasetRow.__tablename__)


def insert_rows(connection: Connection, kb: KnowledgeBase, dataset: DatasetInfo) -> dict[str, int]:
    """Insert every row with one executemany per table; returns row counts."""
    rows = build_rows(kb)
    metadata = tables.metadata
    connection.execute(metadata.tables[DATASET_TABLE].insert(), [dataset.as_row()])
    counts = {DATASET_TABLE: 1}
    for name in TABLE_ORDER:
        table_rows = rows.get(name, [])
        if table_rows:
            connection.execute(metadata.tables[name].insert(), table_rows)
        counts[name] = len(table_rows)
    if connection.dialect.name == "sqlite":
        connection.execute(text("INSERT INTO search_index(search_index) VALUES ('rebuild')"))
    return counts


def check_database(connection: Connection) -> None:
    """The invariants every built database promises its users."""
    uncited = connection.execute(
        text("SELECT count(*) FROM claim WHERE id NOT IN (SELECT claim_id FROM citation)")
    ).scalar_one()
    if uncited:
        raise BuildError(f"{uncited} claim(s) have no citation")
    if connection.dialect.name == "sqlite":  # PostgreSQL enforces foreign keys as rows go in
        broken = connection.execute(text("PRAGMA foreign_key_check")).fetchall()
        if broken:
            raise BuildError(f"foreign key check failed: {broken[:5]}")


def _fill(engine: Engine, kb: KnowledgeBase, dataset: DatasetInfo, replace: bool) -> dict[str, int]:
    """Migrate, insert and check in one transaction; `replace` empties the tables first."""
    try:
        with engine.begin() as connection:
            upgrade(connection)
            if replace:
                names = ", ".join(f'"{name}"' for name in (DATASET_TABLE, *TABLE_ORDER))
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))  # ids as in a fresh build
            counts = insert_rows(connection, kb, dataset)
            check_database(connection)
    except SQLAlchemyError as exc:
        raise BuildError(str(getattr(exc, "orig", None) or exc)) from exc
    finally:
        engine.dispose()
    return counts


def build_server(kb: KnowledgeBase, url: str, dataset: DatasetInfo | None = None) -> dict[str, int]:
    """Load `kb` into a PostgreSQL database in one transaction.

    The same Alembic migrations create or upgrade the schema; the old rows are deleted
    and the new ones inserted in the same transaction, so readers see either the old
    knowledge base or the new one, and a failure changes nothing. `dataset` (default:
    `dataset_info(kb.root)`) fills the `dataset` table.
    """
    return _fill(server_engine(url), kb, dataset or dataset_info(kb.root), replace=True)


def _file_mode(target: Path) -> int:
    """The replaced file's mode, or what a new file gets under the current umask."""
    if target.exists():
        return target.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def build_sqlite(kb: KnowledgeBase, target: Path, dataset: DatasetInfo | None = None) -> dict[str, int]:
    """Write `kb` to the SQLite file `target`, replacing it only when complete.

    `dataset` (default: `dataset_info(kb.root)`) fills the `dataset` table. Nothing
    time-dependent is written: the same records and dataset give a byte-identical file.
    """
    dataset = dataset or dataset_info(kb.root)
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".building", dir=target.parent)
    os.close(handle)
    temp = Path(temp_name)
    os.chmod(temp, _file_mode(target))  # mkstemp makes 0600; a database is for sharing
    try:
        counts = _fill(sqlite_engine(temp), kb, dataset, replace=False)
        with temp.open("rb+") as written:
            os.fsync(written.fileno())
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return counts


@dataclass(frozen=True)
class Built:
    """A finished build: where it went (as shown to people) and the rows per table."""

    target: str
    counts: dict[str, int]


def shown_target(db: str) -> str:
    """A build target as it may be printed: a server URL without its password."""
    if not is_server_url(db):
        return db
    try:
        return make_url(db).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "the database URL given (not shown: it could not be parsed)"


def build(kb: KnowledgeBase, db: str) -> Built:
    """Build `db`, a SQLite file path or a postgresql:// URL, from `kb`.

    Raises BuildError, naming the target, when anything fails; the previous database
    is then unchanged.
    """
    shown = shown_target(db)
    try:
        counts = build_server(kb, db) if is_server_url(db) else build_sqlite(kb, Path(db))
    except BuildError as exc:
        raise BuildError(f"build failed, {shown} left unchanged: {exc}") from exc
    except SQLAlchemyError as exc:  # before any transaction began, e.g. a malformed URL
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise BuildError(f"build failed, {shown} left unchanged: {reason}") from exc
    except OSError as exc:
        raise BuildError(f"cannot write {shown}: {exc.strerror or exc}") from exc
    except ImportError as exc:  # the PostgreSQL driver is an optional extra
        raise BuildError(f"cannot connect to {shown} ({exc}); pip install 'aijobs[postgres]'") from exc
    return Built(shown, counts)
