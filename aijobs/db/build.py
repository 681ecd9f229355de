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
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from aijobs.cache import RecordCache
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
from aijobs.db.rows import TABLE_ORDER, RowWriter, record_rows
from aijobs.errors import AijobsError
from aijobs.kb import KnowledgeBase
from aijobs.loader import FileOutcome, RecordFile
from aijobs.problems import ProblemsFound
from aijobs.scan import Progress, ScanResult, scan

FORCE_HINT = "pass --force to replace it anyway"


class BuildError(AijobsError):
    """The database could not be built; the previous file (if any) is unchanged."""


class NotOurs(AijobsError):
    """The target holds something aijobs did not build; it is left as it was."""


DATASET_TABLE = str(tables.DatasetRow.__tablename__)


def insert_rows(connection: Connection, kb: KnowledgeBase, dataset: DatasetInfo) -> dict[str, int]:
    """Insert the dataset row, then every record's rows; returns row counts."""
    writer = start_rows(connection, dataset)
    for loaded in kb.loaded:
        writer.add(record_rows(loaded.record, loaded.shown_as))
    return finish_rows(connection, writer)


def start_rows(connection: Connection, dataset: DatasetInfo) -> RowWriter:
    """Insert the dataset row; a writer for the records' rows (in batches, on SQLite).

    On SQLite the migrations' indexes are dropped while rows go in and made again by
    `finish_rows` (building an index once over sorted keys is faster than keeping it
    up to date row by row); the schema ends exactly as the migrations wrote it.
    """
    connection.execute(tables.metadata.tables[DATASET_TABLE].insert(), [dataset.as_row()])
    sqlite = connection.dialect.name == "sqlite"
    writer = RowWriter(connection, in_table_order=not sqlite)
    if sqlite:
        writer.indexes = [
            (name, sql)
            for name, sql in connection.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY rowid"
            )
        ]
        for name, _ in writer.indexes:
            connection.exec_driver_sql(f'DROP INDEX "{name}"')
    return writer


def finish_rows(connection: Connection, writer: RowWriter) -> dict[str, int]:
    """Write the rows still held, make the indexes `start_rows` dropped, fill the search index; row counts."""
    counts = {DATASET_TABLE: 1, **writer.finish()}
    for _, sql in writer.indexes:
        connection.exec_driver_sql(sql)
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
    engine: Engine, write: Callable[[Connection], dict[str, int]], replace: bool, force: bool = False
) -> dict[str, int]:
    """Migrate, `write` the rows and check, in one transaction; `replace` empties the tables first."""
    with _transaction(engine, replace, force) as connection:
        return write(connection)


@contextmanager
def _transaction(engine: Engine, replace: bool, force: bool = False) -> Iterator[Connection]:
    """A connection to write rows in, migrated, in one transaction; `replace` empties the tables first.

    The rows written are checked (`check_database`) before the transaction commits; what
    fails is one BuildError, and nothing is committed.
    """
    try:
        with engine.begin() as connection:
            if replace:
                check_server_database(connection, force)
            if connection.dialect.name == "sqlite":
                # Rows go in record by record, before the records they point at: foreign keys
                # are checked once, at the end (`check_database`). Set before the first write,
                # while no transaction is open (SQLite ignores it inside one).
                connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
                # A new temporary file, flushed with fsync once complete (`_sqlite_file`).
                connection.exec_driver_sql("PRAGMA synchronous = OFF")
            upgrade(connection)
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
            if replace:
                names = ", ".join(f'"{name}"' for name in TABLE_ORDER)
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))  # ids as in a fresh build
            yield connection
            check_database(connection)
    except SQLAlchemyError as exc:
        raise BuildError(str(getattr(exc, "orig", None) or exc)) from exc
    finally:
        engine.dispose()


def _writing(kb: KnowledgeBase, dataset: DatasetInfo) -> Callable[[Connection], dict[str, int]]:
    return lambda connection: insert_rows(connection, kb, dataset)


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
        write = _writing(kb, dataset or dataset_info(kb.root))
        return _fill(server_engine(target), write, replace=True, force=force)
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
    return _write_sqlite(target, force, _writing(kb, dataset or dataset_info(kb.root)))


def build_sqlite_from(
    root: Path,
    target: Path,
    force: bool = False,
    dataset: DatasetInfo | None = None,
    cache: RecordCache | None = None,
    progress: Progress | None = None,
) -> tuple[dict[str, int], ScanResult]:
    """Build `target` straight from the curated folder `root`, record by record (`aijobs.scan`).

    Each valid record's rows go into the database as soon as it is read, so memory
    stays small whatever the size; unchanged files come from `cache`. The same records
    give the same file as `build_sqlite`. Raises ProblemsFound (every problem, as
    `aijobs validate` reports them) when any record is invalid; `target` is then untouched.

    The new database is made, migrated and given its dataset row when the first record
    comes, not before the scan: by then the worker processes are reading
    (`aijobs.scan` starts them before it hands over any outcome), so that work overlaps
    theirs instead of delaying it. The target is checked before anything is read.
    """
    replaceable(target, force)
    with ExitStack() as opened:
        writers: list[RowWriter] = []

        def writer() -> RowWriter:
            if not writers:
                # The dataset first: its commit is the records' only while nothing new is beside them
                # (a target inside the curated folder would be an untracked file there).
                info = dataset or dataset_info(root)
                temp = opened.enter_context(_sqlite_file(target, force))
                connection = opened.enter_context(_transaction(sqlite_engine(temp), replace=False))
                writers.append(start_rows(connection, info))
            return writers[0]

        def sink(_file: RecordFile, outcome: FileOutcome) -> None:
            if outcome.derived is not None:
                writer().add(outcome.derived)

        scanned = scan(root, cache=cache, derive=record_rows, sink=sink, progress=progress)
        if scanned.problems:
            raise ProblemsFound(scanned.problems)
        counts = finish_rows(writer().connection, writer())
    return counts, scanned


def _write_sqlite(target: Path, force: bool, write: Callable[[Connection], dict[str, int]]) -> dict[str, int]:
    """Run `write` on a new temporary database beside `target`, then put it in place atomically."""
    with _sqlite_file(target, force) as temp:
        return _fill(sqlite_engine(temp), write, replace=False)


@contextmanager
def _sqlite_file(target: Path, force: bool) -> Iterator[Path]:
    """A new temporary file beside `target` to build in, put in place of `target` once the block ends
    (flushed, and `target` checked again first); removed instead if anything fails."""
    status = replaceable(target, force)
    folder = target.absolute().parent
    # A unique name beside the target (same file system, so the rename is atomic), short
    # enough that a target name near the file system's limit still leaves room.
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name[:64]}.", suffix=".building", dir=folder)
    os.close(handle)
    temp = Path(temp_name)
    try:
        os.chmod(temp, _file_mode(status))  # mkstemp makes 0600; a database is for sharing
        yield temp
        with temp.open("rb+") as written:
            os.fsync(written.fileno())
        replaceable(target, force)  # again: something may have appeared there during the build
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    sync_folder(folder)


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
    return _built(target, lambda: build_sqlite(kb, target, force))


def build_folder(
    root: Path, db: str, force: bool = False, cache: RecordCache | None = None, progress: Progress | None = None
) -> Built:
    """Build `db` from the curated folder `root`: a SQLite file record by record (`build_sqlite_from`).

    A server is loaded from the whole knowledge base at once (`build_server`). Raises
    ProblemsFound when a record is invalid, and what `build` raises otherwise.
    """
    target = build_target(db)
    if isinstance(target, ServerTarget):
        from aijobs.kb import load

        return Built(target.shown, build_server(load(root), target, force))
    return _built(target, lambda: build_sqlite_from(root, target, force, cache=cache, progress=progress)[0])


def _built(target: Path, run: Callable[[], dict[str, int]]) -> Built:
    """Run a SQLite build, turning what fails into one BuildError naming the target."""
    where = shown(target)
    try:
        counts = run()
    except BuildError as exc:
        raise BuildError(f"build failed, {where} left unchanged: {exc}") from exc
    except SQLAlchemyError as exc:  # before any transaction began
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise BuildError(f"build failed, {where} left unchanged: {reason}") from exc
    except OSError as exc:
        raise BuildError(f"cannot write {where}: {exc.strerror or exc}") from exc
    return Built(where, counts)
