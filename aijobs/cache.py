"""A content-addressed cache of what reading each record file gave, so an edit is checked in a blink.

What `aijobs.loader.read_record` makes of a file depends only on the file's bytes, its
folder and name, how it is shown, and the code that reads it. The cache keeps that
outcome (its problems, its `aijobs.facts.RecordFacts`, and for `aijobs build` its rows)
under a key hashed from exactly those: the code's fingerprint (every module of the
aijobs package and the versions of the libraries that shape an outcome), the folder,
the name, the shown path and the bytes. A changed file has a new key; nothing is ever
invalidated by hand.

Reading every file to hash it would cost most of what the cache saves, so, as git's
index does, the cache also remembers each file's status (device, inode, size,
modification and change times) with its key, and trusts it only while the status is
unchanged and was recorded at least `RACY_SECONDS` after the file's last change (a file
changed again within the same clock tick would otherwise look unchanged).

Where: ``records.sqlite`` in `cache_folder()` ($AIJOBS_CACHE_DIR, else
$XDG_CACHE_HOME/aijobs, else ~/.cache/aijobs; an empty AIJOBS_CACHE_DIR turns caching off),
never inside the repository. The file is a SQLite database marked with its own
application id, so two runs at once are safe (SQLite locks; a writer that finds it busy
skips saving). A cache that is missing, a link, someone else's, writable by others, not
ours, or damaged is not used (and never written), and any entry that cannot be read
back is a miss: the file is simply read again. Values are stored with `marshal`, which
makes only builtin values and runs no code, after a checksum of the value and of what it
is stored under (`_sealed`), so a damaged, truncated or misplaced entry is a miss, never
a wrong answer, and `marshal` never reads damaged bytes.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sqlite3
import stat
import time
import zlib
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

APPLICATION_ID = 0x41494A43  # "AIJC": an aijobs cache (databases are "AIJB")
FILE_NAME = "records.sqlite"
RACY_SECONDS = 2.0
PRUNE_FROM = 1000
PRUNE_SLACK = 0.25
"""`RecordCache.prune` forgets outcomes no status points at once they are more than
`PRUNE_FROM` and more than this share of all."""
BUSY_TIMEOUT = 2.0  # seconds a run waits for another run's write before giving up on saving
_LIBRARIES = ("pydantic", "pydantic-core", "PyYAML", "opencc-python-reimplemented", "OpenCC", "pypinyin", "SQLAlchemy")

Status = tuple[int, int, int, int, int]
"""(device, inode, size, modification time ns, change time ns) of a file, never following a link."""

FORMAT = 4
"""The cache's layout, kept in `PRAGMA user_version`: a cache of another layout (an older
aijobs's) is emptied and made again, since what it holds can only be a miss anyway."""

_TABLES = ("outcome", "derived", "status", "folder_state", "folder_base", "folder_index")
_SCHEMA = (
    # Values go in rowid order, their keys (random hashes) into a small index beside them: a
    # table keyed by the hash itself (WITHOUT ROWID) put each value on a random page, and
    # saving a cold build's outcomes took three times as long.
    "CREATE TABLE outcome (key BLOB PRIMARY KEY, value BLOB NOT NULL)",
    "CREATE TABLE derived (key BLOB, name TEXT, value BLOB NOT NULL, PRIMARY KEY (key, name))",
    "CREATE TABLE status (path TEXT PRIMARY KEY, status BLOB NOT NULL, key BLOB NOT NULL) WITHOUT ROWID",
    # What the last `validate` of a curated folder found (`aijobs.incremental`): its state (a large
    # base, every file's status, written again only now and then, and what changed since over it),
    # and an index from what records share (a name, an id they point at) to the files that hold it.
    "CREATE TABLE folder_state (place BLOB PRIMARY KEY, generation INTEGER NOT NULL,"
    " value BLOB NOT NULL, index_rows INTEGER NOT NULL)",
    # Its own table: SQLite rewrites a whole row when one of its columns changes.
    "CREATE TABLE folder_base (place BLOB PRIMARY KEY, base BLOB NOT NULL)",
    "CREATE TABLE folder_index (place BLOB, key INTEGER, file INTEGER, PRIMARY KEY (place, key, file)) WITHOUT ROWID",
)


def cache_folder() -> Path | None:
    """aijobs' cache folder: $AIJOBS_CACHE_DIR, else $XDG_CACHE_HOME/aijobs, else ~/.cache/aijobs.

    None (no cache) when AIJOBS_CACHE_DIR is set to an empty string.
    """
    configured = os.environ.get("AIJOBS_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "aijobs"


@cache
def fingerprint() -> bytes:
    """What an outcome depends on besides the file: aijobs' own code and its libraries' versions."""
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.blake2b(digest_size=16)
    package = Path(__file__).resolve().parent
    for module in sorted(package.rglob("*.py")):
        digest.update(str(module.relative_to(package)).encode() + b"\0" + module.read_bytes() + b"\0")
    for library in _LIBRARIES:
        try:
            digest.update(f"{library}={version(library)}\0".encode())
        except PackageNotFoundError:
            digest.update(f"{library}=-\0".encode())
    return digest.digest()


def content_key(folder: str, name: str, shown: str, raw: bytes) -> bytes:
    """The key of one file's outcome: the code's fingerprint, where the file is, how it is shown, its bytes."""
    digest = hashlib.blake2b(fingerprint(), digest_size=16)
    digest.update(f"{folder}\0{name}\0{shown}\0".encode("utf-8", "surrogateescape"))
    digest.update(raw)
    return digest.digest()


def status_of(info: os.stat_result) -> Status:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


class RecordCache:
    """The cache in `folder` (see the module's description); every method is safe to call when unusable."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / FILE_NAME
        self.unusable: str | None = None
        """Why the cache is not used, or None."""
        self.connection: sqlite3.Connection | None = None
        self._index_rows: tuple[bytes, int] | None = None
        self._bases: dict[tuple[bytes, int], bytes] = {}
        """The checksum of the base of each (place, generation) read: a state saved over it is sealed with it."""
        self._open(folder)

    def _open(self, folder: Path) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            reason = _unsafe(folder, is_folder=True)
            if reason is None and os.path.lexists(self.path):
                reason = _unsafe(self.path, is_folder=False)
            if reason is not None:
                self.unusable = reason
                return
            connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
            try:
                found = connection.execute("PRAGMA application_id").fetchone()[0]
                tables = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
                if found != APPLICATION_ID and (found or tables):  # another program's (its mark, or its tables)
                    connection.close()
                    self.unusable = f"{self.path} is not an aijobs cache; left untouched"
                    return
                if connection.execute("PRAGMA user_version").fetchone()[0] != FORMAT:
                    _make_tables(connection)
            except sqlite3.Error:
                connection.close()
                raise
            os.chmod(self.path, 0o600)
            try:  # a reader never waits for a writer, and a commit needs no fsync (nor can a crash damage it)
                connection.execute("PRAGMA journal_mode = WAL")
                connection.execute("PRAGMA synchronous = NORMAL")
            except sqlite3.Error:  # another run holds it now, or a file system without WAL: as it was
                pass
            self.connection = connection
        except (OSError, sqlite3.Error) as exc:
            self.unusable = f"cache {self.path} cannot be used ({_reason(exc)})"
            self.connection = None

    def known_keys(self) -> dict[str, tuple[Status, bytes]]:
        """{path: (status, key)} of the files whose key was recorded."""
        if self.connection is None:
            return {}
        try:
            rows = self.connection.execute("SELECT path, status, key FROM status").fetchall()
        except sqlite3.Error:
            return {}
        known = {}
        for path, status, key in rows:
            try:
                value = _unsealed(status, str(path).encode("utf-8", "surrogateescape"), key)
            except (EOFError, ValueError, TypeError):
                continue
            if isinstance(value, tuple) and len(value) == 5 and isinstance(key, bytes):
                known[path] = (value, key)
        return known

    def get(self, keys: Iterable[bytes], derived: str | None = None) -> dict[bytes, tuple[Any, Any]]:
        """{key: (outcome, derived value or None)} of the keys found (with `derived` only where it is found too)."""
        if self.connection is None:
            return {}
        wanted = list(keys)
        found: dict[bytes, tuple[Any, Any]] = {}
        try:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ", ".join("?" for _ in chunk)
                if derived is None:
                    query = f"SELECT key, value, NULL FROM outcome WHERE key IN ({marks})"
                    rows = self.connection.execute(query, chunk)
                else:
                    query = (
                        "SELECT outcome.key, outcome.value, derived.value FROM outcome JOIN derived "
                        f"ON derived.key = outcome.key AND derived.name = ? WHERE outcome.key IN ({marks})"
                    )
                    rows = self.connection.execute(query, [derived, *chunk])
                for key, value, extra in rows:
                    try:
                        outcome = _unsealed(value, key)
                        found[key] = (outcome, _unsealed(extra, key, derived.encode()) if derived is not None else None)
                    except (EOFError, ValueError, TypeError):
                        continue
        except sqlite3.Error:
            return found
        return found

    def put(
        self,
        outcomes: list[tuple[bytes, bytes, bytes | None]],
        statuses: list[tuple[str, Status, bytes]],
        derived: str | None = None,
        checked_ns: int | None = None,
    ) -> None:
        """Save (key, marshalled outcome, marshalled derived value or None) and (path, status, key).

        Skipped if another run holds the cache for longer than BUSY_TIMEOUT. `checked_ns` is
        when the statuses were taken (default: now): a status is kept only if the file had
        not changed for `RACY_SECONDS` then, however long the run took since.
        """
        if self.connection is None or not (outcomes or statuses):
            return
        checked = time.time_ns() if checked_ns is None else checked_ns
        settled = [
            (path, _sealed(status, path.encode("utf-8", "surrogateescape"), key), key)
            for path, status, key in statuses
            if max(status[3], status[4]) < checked - RACY_SECONDS * 1e9
        ]
        try:
            with self.connection:
                self.connection.execute("BEGIN IMMEDIATE")
                self.connection.executemany(
                    "INSERT OR REPLACE INTO outcome VALUES (?, ?)",
                    [(key, _sealed_bytes(outcome, key)) for key, outcome, _ in outcomes],
                )
                if derived is not None:
                    self.connection.executemany(
                        "INSERT OR REPLACE INTO derived VALUES (?, ?, ?)",
                        [
                            (key, derived, _sealed_bytes(value, key, derived.encode()))
                            for key, _, value in outcomes
                            if value is not None
                        ],
                    )
                self.connection.executemany("INSERT OR REPLACE INTO status VALUES (?, ?, ?)", settled)
        except (sqlite3.Error, ValueError):
            return

    def prune(self) -> int:
        """Forget the outcomes no file's status points at any more; how many were forgotten.

        A file's status is replaced when the file changes, and every status when aijobs
        changes (each outcome is keyed by the code too), so what a file was before, and what
        an older aijobs made of it, is never asked for again (unless the file is changed
        back: it is then read again). Done only when such outcomes are more than
        `PRUNE_SLACK` of all and more than `PRUNE_FROM`, so the cache stays within about
        that of what its folders need. The file keeps its size and reuses the space.
        """
        if self.connection is None:
            return 0
        try:
            with self.connection:
                self.connection.execute("BEGIN IMMEDIATE")
                outcomes = self.connection.execute("SELECT count(*) FROM outcome").fetchone()[0]
                statuses = self.connection.execute("SELECT count(*) FROM status").fetchone()[0]
                if outcomes - statuses <= max(PRUNE_FROM, PRUNE_SLACK * outcomes):
                    return 0
                query = "DELETE FROM outcome WHERE key NOT IN (SELECT key FROM status)"
                forgotten: int = self.connection.execute(query).rowcount
                self.connection.execute("DELETE FROM derived WHERE key NOT IN (SELECT key FROM outcome)")
        except sqlite3.Error:
            return 0
        return forgotten

    def folder_state(self, place: bytes) -> tuple[int, Any, Any] | None:
        """(generation, state, base) saved for a curated folder by `save_folder_state`, or None.

        A state saved by other code (another fingerprint) or damaged, or one that is not over
        the base saved beside it, is None: the caller then checks the folder in full and saves
        a new one.
        """
        if self.connection is None:
            return None
        try:
            query = (
                "SELECT generation, value, base, index_rows FROM folder_state JOIN folder_base USING (place)"
                " WHERE place = ?"
            )
            row = self.connection.execute(query, (place,)).fetchone()
            if row is None:
                return None
            generation, value, base, rows = row
            base = _unsealed(base, place, fingerprint(), b"base")
            value = _unsealed(value, place, fingerprint(), f"{generation} {rows}".encode(), row[2][:4])
        except (sqlite3.Error, EOFError, ValueError, TypeError):
            return None
        self._index_rows = (place, rows)
        self._bases[place, int(generation)] = bytes(row[2][:4])
        return int(generation), value, base

    def indexed(self, place: bytes, keys: Iterable[int]) -> set[int]:
        """The files (their numbers) the folder's index holds under any of `keys`.

        sqlite3.Error if the index has lost or gained rows since its state was read (the
        state records how many it had): the caller then checks the folder in full.
        """
        found: set[int] = set()
        if self.connection is None:
            return found
        if self._index_rows is not None:
            expected_place, rows = self._index_rows
            query = "SELECT count(*) FROM folder_index WHERE place = ?"
            if expected_place != place or self.connection.execute(query, (place,)).fetchone()[0] != rows:
                raise sqlite3.DatabaseError("the folder's index does not match its state")
            self._index_rows = None  # counted once a run
        wanted = list(keys)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            query = f"SELECT file FROM folder_index WHERE place = ? AND key IN ({marks})"
            found.update(file for (file,) in self.connection.execute(query, [place, *chunk]))
        return found

    def save_folder_state(
        self,
        place: bytes,
        generation: int | None,
        value: Any,
        base: Any,
        dropped: Iterable[tuple[int, int]],
        added: Iterable[tuple[int, int]],
    ) -> bool:
        """Save a folder's state over `base` (None: over the base saved already) and change its index
        by (key, file) pairs; whether it was saved.

        `generation` is that of the state this one was made from (`folder_state`), None
        for a state made from scratch, whose index replaces the old one. A state made from
        one that another run has replaced since is not saved: the two runs' changes to the
        index would not add up. Skipped, too, if another run holds the cache too long.
        """
        if self.connection is None or (base is None and generation is None):
            return False
        try:
            with self.connection:
                self.connection.execute("BEGIN IMMEDIATE")
                query = "SELECT generation, index_rows FROM folder_state WHERE place = ?"
                row = self.connection.execute(query, (place,)).fetchone()
                current = int(row[0]) if row is not None else 0
                # Over the saved base: the one read with this generation (the base is not read again).
                base_seal = self._bases.get((place, current)) if base is None else None
                if base is None and base_seal is None:
                    return False
                if generation is None:
                    self.connection.execute("DELETE FROM folder_index WHERE place = ?", (place,))
                    rows = 0
                elif row is None or generation != current:
                    return False
                else:
                    rows = int(row[1])
                # The index's size is counted as it changes: the state records it (see `indexed`).
                rows -= max(
                    0,
                    self.connection.executemany(
                        "DELETE FROM folder_index WHERE place = ? AND key = ? AND file = ?",
                        ((place, key, file) for key, file in dropped),
                    ).rowcount,
                )
                rows += max(
                    0,
                    self.connection.executemany(
                        "INSERT OR IGNORE INTO folder_index VALUES (?, ?, ?)",
                        ((place, key, file) for key, file in added),
                    ).rowcount,
                )
                after = current + 1
                if base_seal is not None:  # the large part stays as it is: only what changed over it is written
                    sealed = _sealed(value, place, fingerprint(), f"{after} {rows}".encode(), base_seal)
                    query = "UPDATE folder_state SET generation = ?, value = ?, index_rows = ? WHERE place = ?"
                    self.connection.execute(query, (after, sealed, rows, place))
                else:  # a new base (`base` is not None here)
                    sealed_base = _sealed(base, place, fingerprint(), b"base")
                    sealed = _sealed(value, place, fingerprint(), f"{after} {rows}".encode(), sealed_base[:4])
                    query = "INSERT OR REPLACE INTO folder_state VALUES (?, ?, ?, ?)"
                    self.connection.execute(query, (place, after, sealed, rows))
                    query = "INSERT OR REPLACE INTO folder_base VALUES (?, ?)"
                    self.connection.execute(query, (place, sealed_base))
        except (sqlite3.Error, ValueError):
            return False
        return True

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def _make_tables(connection: sqlite3.Connection) -> None:
    """Mark the (new, or aijobs's but of another layout) cache as ours and make its tables, once."""
    with connection:
        connection.execute("BEGIN IMMEDIATE")  # two runs at once: the second finds it made
        if connection.execute("PRAGMA user_version").fetchone()[0] == FORMAT:
            return
        for table in _TABLES:
            connection.execute(f"DROP TABLE IF EXISTS {table}")
        for statement in _SCHEMA:
            connection.execute(statement)
        connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        connection.execute(f"PRAGMA user_version = {FORMAT}")


def _checksum(data: bytes | memoryview, context: tuple[bytes, ...]) -> bytes:
    check = 0
    for part in context:
        check = zlib.crc32(part + b"\0", check)
    return zlib.crc32(data, check).to_bytes(4, "big")


def _sealed(value: Any, *context: bytes) -> bytes:
    """`value` marshalled, after a checksum of it and of what it is stored under (`context`)."""
    return _sealed_bytes(marshal.dumps(value), *context)


def _sealed_bytes(data: bytes, *context: bytes) -> bytes:
    """Marshalled `data` after a checksum of it and of what it is stored under (`context`)."""
    return _checksum(data, context) + data


def _unsealed(blob: object, *context: bytes) -> Any:
    """The value `_sealed` stored under `context`; ValueError (or EOFError) for a damaged entry."""
    if not isinstance(blob, bytes) or len(blob) < 4:
        raise ValueError("damaged cache entry")
    data = memoryview(blob)[4:]
    if _checksum(data, context) != blob[:4]:
        raise ValueError("damaged cache entry")
    return marshal.loads(data)


def _unsafe(path: Path, is_folder: bool) -> str | None:
    """Why `path` may not hold aijobs' cache: a link, not a folder/file, someone else's, writable by others."""
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        return f"{path} is a symbolic link; the cache is not used"
    if is_folder != stat.S_ISDIR(info.st_mode) or not (is_folder or stat.S_ISREG(info.st_mode)):
        return f"{path} is not a {'folder' if is_folder else 'regular file'}; the cache is not used"
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return f"{path} belongs to another user; the cache is not used"
    if info.st_mode & 0o022:
        return f"{path} is writable by other users; the cache is not used"
    return None


def _reason(exc: BaseException) -> str:
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc) or type(exc).__name__


def open_cache(use: bool = True) -> RecordCache | None:
    """The record cache in `cache_folder()`, or None when caching is off."""
    folder = cache_folder() if use else None
    return RecordCache(folder) if folder is not None else None
