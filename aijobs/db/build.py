"""Building the database from a validated knowledge base, atomically and only over what is ours.

A SQLite database is written to a new temporary file beside the target (a unique name,
removed if anything fails), checked, flushed to disk, and only then renamed over the
old file (an atomic rename on POSIX). A build that fails or is killed at any point
leaves the previous database untouched; a reader that has the old file open keeps
reading the old, consistent data; two builds at once each write their own temporary
file, and the target ends as one complete database, never a mix.

The target is checked before the build and again just before the rename: it must be
nothing, an empty file, or a database aijobs recognises (`aijobs.db.files.identify`);
another program's file is replaced only with ``force``, and a symbolic link, a folder,
a FIFO, a device or a read-only file never. Every built file is marked with
``PRAGMA application_id`` (`aijobs.db.files.APPLICATION_ID`).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from aijobs.db import tables
from aijobs.db.dataset import DatasetInfo, dataset_info
from aijobs.db.engine import ServerTarget, build_target, server_engine, server_target, sqlite_engine
from aijobs.db.files import (
    APPLICATION_ID,
    Identity,
    check_folders,
    check_target,
    identify,
    newer_message,
    shown,
    sync_folder,
)
from aijobs.db.migrate import current_revision, revisions, upgrade
from aijobs.db.rows import TABLE_ORDER, build_rows
from aijobs.errors import AijobsError
from aijobs.kb import KnowledgeBase

FORCE_HINT = "pass --force to replace it anyway"


class BuildError(AijobsError):
    """The database could not be built; the previous file (if any) is unchanged."""


class NotOurs(AijobsError):
    """The target holds something aijobs did not build; it is left as it was."""


DATASET_TABLE = str(tables.DatasetRow.__tablename__)


def insert_rows(connection: Connection, kb: KnowledgeBase, dataset: DatasetInfo) -> dict[str, int]:
    """Insert the dataset row, then every row with one executemany per table; returns row counts."""
    rows = build_rows(kb)
    metadata = tables.metadata
    connection.execute(metadata.tables[DATASET_TABLE].insert(), [dataset.as_row()])
    counts = {DATASET_TABLE: 1}
    for name in TABLE_ORDER:
        if name == DATASET_TABLE:
            continue
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


def _fill(
    engine: Engine, kb: KnowledgeBase, dataset: DatasetInfo, replace: bool, force: bool = False
) -> dict[str, int]:
    """Migrate, insert and check in one transaction; `replace` empties the tables first."""
    try:
        with engine.begin() as connection:
            if replace:
                check_server_database(connection, force)
            upgrade(connection)
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
            if replace:
                names = ", ".join(f'"{name}"' for name in TABLE_ORDER)
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))  # ids as in a fresh build
            counts = insert_rows(connection, kb, dataset)
            check_database(connection)
    except SQLAlchemyError as exc:
        raise BuildError(str(getattr(exc, "orig", None) or exc)) from exc
    finally:
        engine.dispose()
    return counts


def check_server_database(connection: Connection, force: bool) -> None:
    """Refuse a PostgreSQL database that holds tables but is not aijobs's (unless `force`)."""
    from sqlalchemy import inspect

    names = set(inspect(connection).get_table_names())
    if not names:
        return
    revision = current_revision(connection) if "alembic_version" in names else None
    if revision in revisions():
        return
    if revision is not None and "entity" in names:
        if not force:
            raise NotOurs(f"the database was built by a newer aijobs (revision {revision}); upgrade aijobs")
        return
    if not force:
        listed = ", ".join(sorted(names)[:5]) + (", ..." if len(names) > 5 else "")
        raise NotOurs(
            f"the database is not an aijobs database (no aijobs schema revision; it holds tables {listed}); "
            "refusing to add aijobs's tables to it; pass --force to build into it anyway"
        )


def build_server(
    kb: KnowledgeBase, url: str | ServerTarget, force: bool = False, dataset: DatasetInfo | None = None
) -> dict[str, int]:
    """Load `kb` into a PostgreSQL database in one transaction.

    The same Alembic migrations create or upgrade the schema; the old rows are deleted
    and the new ones inserted in the same transaction, so readers see either the old
    knowledge base or the new one, and a failure changes nothing. A database holding
    other tables and no aijobs revision is refused unless `force`. Every error names the
    server with its password masked, and no driver message can print the password.
    """
    target = server_target(url) if isinstance(url, str) else url
    if target is None:
        raise BuildError(f"{shown(str(url))} is not a postgresql:// URL")
    try:
        return _fill(server_engine(target), kb, dataset or dataset_info(kb.root), replace=True, force=force)
    except NotOurs as exc:
        raise NotOurs(f"{target.shown}: {target.redact(exc.message)}") from None
    except BuildError as exc:
        raise BuildError(f"build failed, {target.shown} left unchanged: {target.redact(exc.message)}") from None
    except ImportError as exc:  # the PostgreSQL driver is an optional extra
        reason = target.redact(str(exc))
        raise BuildError(f"cannot connect to {target.shown} ({reason}); pip install 'aijobs[postgres]'") from None
    except Exception as exc:  # whatever a driver raises, its text may hold the URL: one redacted line
        reason = target.redact(str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] or type(exc).__name__)
        raise BuildError(f"build failed, {target.shown} left unchanged: {reason}") from None


def _file_mode(status: os.stat_result | None) -> int:
    """The replaced file's mode, or what a new file gets under the current umask."""
    if status is not None:
        return status.st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def replaceable(target: Path, force: bool = False) -> os.stat_result | None:
    """Check that a build may write `target`; returns its status (None when nothing is there).

    Refuses (AijobsError, exit 1; NotFound for a missing folder): a symbolic link on the
    way or at the target, a missing folder, a folder, a FIFO, a device or a read-only
    file at the target; and, unless `force`, a file that is not an aijobs database or
    was built by a newer aijobs.
    """
    check_folders(target)
    status = check_target(target)
    if status is None or force:
        return status
    identity: Identity = identify(target, follow=False)
    if identity.kind == "foreign":
        raise NotOurs(
            f"{shown(target)} is not an aijobs database ({identity.reason}); refusing to replace it; {FORCE_HINT}"
        )
    if identity.kind == "newer":
        raise NotOurs(f"{newer_message(target, identity)}, or {FORCE_HINT}")
    return status


def build_sqlite(
    kb: KnowledgeBase, target: Path, force: bool = False, dataset: DatasetInfo | None = None
) -> dict[str, int]:
    """Write `kb` to the SQLite file `target`, replacing it only when complete (see `replaceable`).

    `dataset` (default: `dataset_info(kb.root)`) fills the `dataset` table. Nothing
    time-dependent is written: the same records and dataset give a byte-identical file.
    """
    dataset = dataset or dataset_info(kb.root)
    status = replaceable(target, force)
    folder = target.absolute().parent
    # A unique name beside the target (same file system, so the rename is atomic), short
    # enough that a target name near the file system's limit still leaves room.
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name[:64]}.", suffix=".building", dir=folder)
    os.close(handle)
    temp = Path(temp_name)
    try:
        os.chmod(temp, _file_mode(status))  # mkstemp makes 0600; a database is for sharing
        counts = _fill(sqlite_engine(temp), kb, dataset, replace=False)
        with temp.open("rb+") as written:
            os.fsync(written.fileno())
        replaceable(target, force)  # again: something may have appeared there during the build
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    sync_folder(folder)
    return counts


@dataclass(frozen=True)
class Built:
    """A finished build: where it went (as shown to people) and the rows per table."""

    target: str
    counts: dict[str, int]


def shown_target(db: str) -> str:
    """A build target as it may be printed: a server URL without its password."""
    try:
        target = server_target(db)
    except AijobsError:
        return "the database URL given (not shown: it could not be parsed)"
    return target.shown if target is not None else shown(db)


def build(kb: KnowledgeBase, db: str, force: bool = False) -> Built:
    """Build `db`, a SQLite file path or a postgresql:// URL, from `kb`.

    Raises UsageError for a `db` that is neither (exit 2), NotOurs or another
    AijobsError when the target may not be replaced, and BuildError, naming the target,
    when the build fails; the previous database is then unchanged.
    """
    target = build_target(db)
    if isinstance(target, ServerTarget):
        return Built(target.shown, build_server(kb, target, force))
    where = shown(target)
    try:
        counts = build_sqlite(kb, target, force)
    except BuildError as exc:
        raise BuildError(f"build failed, {where} left unchanged: {exc}") from exc
    except SQLAlchemyError as exc:  # before any transaction began
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise BuildError(f"build failed, {where} left unchanged: {reason}") from exc
    except OSError as exc:
        raise BuildError(f"cannot write {where}: {exc.strerror or exc}") from exc
    return Built(where, counts)
