"""Files aijobs reads and writes: every path is checked before anything is opened.

Reading (`search`, `serve`, `db upgrade`, `aijobs.db.session`): `database_file` checks
that a path names an existing regular file, `identify` says what the file is without
changing it (never opening a FIFO or a device, which could hang), and `readable_database`
decides whether this aijobs reads it, with one error for each way it cannot (`refusal`:
missing, a folder, another program's, empty, older, newer). Both ways of opening a file
go through it, so they refuse the same files with the same line and exit code:
`connect_aijobs_database` (a read-only sqlite3 connection, without SQLAlchemy) and
`aijobs.db.engine.open_database` (a SQLAlchemy engine, for sessions).

Writing (`build`, `db upgrade`, `export`): `check_output_text` refuses names that are
not plain paths, `check_folders` refuses a missing folder or a symbolic link anywhere
on the way, and `check_target` refuses to replace anything but a regular, writable
file, and never a symbolic link. What may be replaced is then decided by the caller:
a database only if `identify` recognises it as aijobs's (see `APPLICATION_ID`).
"""

from __future__ import annotations

import errno
import os
import shlex
import sqlite3
import stat
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from aijobs.errors import AijobsError, NotFound, UsageError

# Every database aijobs builds carries this in its header (`PRAGMA application_id`):
# the bytes "AIJB" as a big-endian 32-bit integer, 0x41494A42 = 1095322178. `file(1)`
# and any SQLite client can read it; aijobs only replaces or upgrades files that carry
# it (or, built before it was set, hold aijobs's tables at a revision aijobs knows).
APPLICATION_ID = int.from_bytes(b"AIJB", "big")
SQLITE_MAGIC = b"SQLite format 3\x00"
# Tables of the first migration: an unmarked database is aijobs's only if it has them.
# (Names as revision 0001 created them; later renames do not change old files.)
LEGACY_TABLES = frozenset({"entity", "claim", "citation", "alembic_version"})

FILE_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def shown(path: Path | str) -> str:
    """`path` as it can be printed on one line: control characters and undecodable bytes escaped."""
    out = []
    for char in str(path):
        if "\udc80" <= char <= "\udcff":  # a byte that was not UTF-8 (surrogateescape)
            out.append(f"\\x{ord(char) - 0xDC00:02x}")
        elif char.isprintable() or char == " ":
            out.append(char)
        else:
            out.append(char.encode("unicode_escape", "backslashreplace").decode("ascii"))
    return "".join(out)


def _kind(mode: int) -> str:
    for test, name in FILE_KINDS:
        if test(mode):
            return name
    return "not a regular file"


# Reading


def command(*words: str) -> str:
    """A command line to suggest, in backquotes, each word quoted for a POSIX shell where needed."""
    return "`" + " ".join(shlex.quote(word) for word in words) + "`"


def build_hint(path: Path | str) -> str:
    """How to make the database `path` names."""
    return f"build it first with {command('aijobs', 'build', '--db', shown(path))}"


def database_file(path: Path, missing: str | None = None) -> Path:
    """`path` if it is an existing regular file; raises NotFound or AijobsError naming it otherwise.

    `missing` follows the path in the error for a file that does not exist (default: not
    found, and how to build it).

    A URL given where a file is read (its `//` folded by `Path`) is a usage error that
    shows only the scheme: the rest may hold a password.
    """
    first = path.parts[0] if path.parts else ""
    scheme = looks_like_url(first + "//") if first.endswith(":") else None
    if scheme is not None and not path.exists():
        raise UsageError(f"{shown(scheme)}://...: a URL, not a file; this command reads a SQLite file")
    if not path.exists():
        raise NotFound(f"{shown(path)} {missing or 'not found; ' + build_hint(path)}")
    if path.is_dir():
        raise AijobsError(f"{shown(path)} is a folder, not a database file")
    if not path.is_file():
        raise AijobsError(f"{shown(path)} is not a regular file, so not a database file")
    return path


def connect_readonly(path: Path, check_same_thread: bool = True) -> sqlite3.Connection:
    """A read-only connection to the SQLite file at `path` (a URI, so `?` and `#` in names are safe).

    The file may come from anyone: SQLite's own advice for such files applies (no code
    from the schema run with privileges, corrupt pages detected rather than trusted).
    `check_same_thread` is sqlite3's (False for a connection pool).
    """
    uri = f"{path.absolute().as_uri()}?mode=ro"
    connection = sqlite3.connect(uri, uri=True, check_same_thread=check_same_thread)
    connection.execute("PRAGMA trusted_schema = OFF")
    connection.execute("PRAGMA cell_size_check = ON")
    return connection


def not_a_database(path: Path, exc: sqlite3.DatabaseError) -> AijobsError:
    """The error for a file SQLite cannot read as an aijobs database."""
    return AijobsError(f"{shown(path)} is not an aijobs database (SQLite: {exc})")


@dataclass(frozen=True)
class Identity:
    """What a database file is, read without changing it.

    kind: "empty" (no bytes, or an SQLite file with no tables), "aijobs" (at a revision
    this aijobs knows), "newer" (aijobs's, at a revision this aijobs does not know) or
    "foreign" (anything else; `reason` says why).
    """

    kind: Literal["empty", "aijobs", "newer", "foreign"]
    application_id: int = 0
    revision: str | None = None
    reason: str = ""

    @property
    def marked(self) -> bool:
        return self.application_id == APPLICATION_ID


def _read_header(path: Path, follow: bool) -> bytes:
    """The first 100 bytes of a regular file, opened so that a FIFO or a device cannot block."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= os.O_NOFOLLOW
    descriptor = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise AijobsError(f"{shown(path)} is {_kind(os.fstat(descriptor).st_mode)}, not a database file")
        return os.read(descriptor, 100)
    finally:
        os.close(descriptor)


def _printable_revision(value: object) -> str:
    text = shown(str(value))
    return text if len(text) <= 40 else text[:40] + "…"


def identify(path: Path, follow: bool = True) -> Identity:
    """What the regular file at `path` is, for aijobs. Never writes, never blocks.

    Raises AijobsError when the file cannot be read at all (locked, unreadable).
    """
    from aijobs.db.migrate import revisions

    header = _read_header(path, follow)
    if not header:
        return Identity("empty")
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        return Identity("foreign", reason="not an SQLite file")
    try:
        with closing(connect_readonly(path)) as connection:
            application_id = connection.execute("PRAGMA application_id").fetchone()[0]
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            versions: list[object] = []
            if "alembic_version" in tables:
                try:
                    versions = [row[0] for row in connection.execute("SELECT version_num FROM alembic_version")]
                except sqlite3.OperationalError:
                    versions = []
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "unable to open" in str(exc):
            raise AijobsError(f"cannot read {shown(path)}: {exc}") from None
        return Identity("foreign", reason=f"SQLite cannot read it: {exc}")
    except sqlite3.DatabaseError as exc:
        return Identity("foreign", reason=f"SQLite cannot read it: {exc}")
    ours = f"{APPLICATION_ID:#010x}"
    if application_id not in (0, APPLICATION_ID):
        reason = f"application_id {application_id & 0xFFFFFFFF:#010x}, not aijobs's {ours}"
        return Identity("foreign", application_id, reason=reason)
    if not tables:
        return Identity("empty", application_id)
    revision = versions[0] if len(versions) == 1 and isinstance(versions[0], str) else None
    if application_id == APPLICATION_ID:
        if revision is None:
            reason = "it has aijobs's application_id but no schema revision in alembic_version"
            return Identity("foreign", application_id, reason=reason)
        kind: Literal["aijobs", "newer"] = "aijobs" if revision in revisions() else "newer"
        return Identity(kind, application_id, revision)
    # Unmarked: aijobs before application_id was set, or another program's database.
    if revision in revisions() and tables >= LEGACY_TABLES:
        return Identity("aijobs", application_id, revision)
    if "alembic_version" not in tables:
        reason = "application_id 0 and no alembic_version: tables " + ", ".join(sorted(tables)[:5])
    elif revision is None:
        reason = "application_id 0 and an empty alembic_version"
    elif revision in revisions():
        reason = f"application_id 0; revision {revision} but not aijobs's tables"
    else:
        reason = f"application_id 0 and revision {_printable_revision(revision)!r}, which is not aijobs's"
    return Identity("foreign", application_id, reason=reason)


def newer_message(path: Path | str, identity: Identity) -> str:
    revision = _printable_revision(identity.revision)
    return f"{shown(path)} was built by a newer aijobs (revision {revision}); upgrade aijobs"


def refusal(name: str, identity: Identity, upgrade: str) -> AijobsError | None:
    """Why this aijobs does not read the database `identity` describes, or None when it does.

    One error (exit 1) for each case, naming the database as `name` (a path, or a server
    URL with its password masked): another program's ("foreign"), an empty one (build
    it), one from a newer aijobs (upgrade aijobs), or an aijobs database at an older
    revision (`upgrade`: the command that brings it up to date). Read: an aijobs
    database at the head revision.
    """
    from aijobs.db.migrate import revisions

    if identity.kind == "foreign":
        return AijobsError(f"{name} is not an aijobs database ({identity.reason})")
    if identity.kind == "empty":
        return AijobsError(f"{name} is an empty database; {build_hint(name)}")
    if identity.kind == "newer":
        return AijobsError(newer_message(name, identity))
    head = revisions()[-1]
    if identity.revision != head:
        return AijobsError(
            f"{name} is at schema revision {identity.revision}, older than this aijobs ({head}); {upgrade}"
        )
    return None


def readable_database(path: Path) -> Identity:
    """The identity of the aijobs database file at `path`, if this aijobs reads it; the one check before reading.

    Raises NotFound when nothing is at `path` (a dangling link included), AijobsError,
    one line naming `path`, when it is a folder, a FIFO or a device, not an SQLite file,
    another program's database, empty, older (with the `aijobs db upgrade` command) or
    built by a newer aijobs (see `refusal`). A symbolic link is followed: reading
    through one changes nothing. Never writes, never blocks.
    """
    database_file(path)
    identity = identify(path, follow=True)
    fix = f"upgrade it with {command('aijobs', 'db', 'upgrade', shown(path))} or rebuild it"
    error = refusal(shown(path), identity, fix)
    if error is not None:
        raise error
    return identity


def connect_aijobs_database(path: Path) -> sqlite3.Connection:
    """A read-only connection to the aijobs database at `path`, at this version's schema.

    Refuses what `readable_database` refuses, with the same errors; the file is never changed.
    """
    readable_database(path)
    return connect_readonly(path)


# Writing


def looks_like_url(text: str) -> str | None:
    """The scheme of `text` if it is written like a URL (`scheme://...`), else None."""
    head, separator, _ = text.partition("://")
    if separator and head[:1].isascii() and head[:1].isalpha() and all(c.isalnum() or c in "+.-" for c in head):
        return head
    return None


def check_output_text(text: str, option: str) -> None:
    """Refuse a path argument that cannot name a file aijobs should create (UsageError, exit 2)."""
    if not text:
        raise UsageError(f"{option} is empty; give a path")
    if text == "-":
        raise UsageError(f"{option} -: aijobs writes files, not standard output; write ./- for a file named '-'")
    bad = next((char for char in text if not char.isprintable() and char != " "), None)
    if bad is not None:
        what = "a byte that is not UTF-8" if "\udc80" <= bad <= "\udcff" else f"the control character U+{ord(bad):04X}"
        raise UsageError(f"{option} {shown(text)}: the path contains {what}; aijobs does not create such names")
    scheme = looks_like_url(text)
    if scheme is not None:
        raise UsageError(
            f"{option} {scheme}://...: aijobs does not write to {scheme}:// URLs; give a file path "
            f"(./{shown(scheme)}:... for a file whose name looks like a URL)"
        )


def status_of(path: Path) -> os.stat_result | None:
    """`path`'s own status (links not followed), or None if nothing is there."""
    try:
        return path.lstat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise UsageError(f"{shown(path)}: the path is too long for the file system ({exc.strerror})") from None
        raise AijobsError(f"cannot use {shown(path)}: {exc.strerror or exc}") from None


def _read_only(path: Path, status: os.stat_result) -> bool:
    """No write permission, or no write bit at all (which even root honours here)."""
    return not status.st_mode & 0o222 or not os.access(path, os.W_OK)


def _system_link(link: Path, status: os.stat_result) -> bool:
    """A link no one but root could have made: owned by root, in a folder only root can change.

    Such links (macOS's /var and /tmp) are trusted when aijobs runs as another user; run as
    root, every file a checkout holds is root's, so no link is trusted.
    """
    geteuid = getattr(os, "geteuid", None)
    if geteuid is None or geteuid() == 0 or status.st_uid != 0:
        return False
    holder = status_of(link.parent)
    return holder is not None and holder.st_uid == 0 and not holder.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def check_folders(path: Path) -> None:
    """Every folder on the way to `path`, as written, exists and is a real folder, not a link.

    A relative path is checked from the current folder, an absolute one from the root.
    The last folder must be writable. Raises NotFound (exit 1) for a missing folder,
    AijobsError for a link (except a system link, see `_system_link`), a file or a
    read-only folder. Nothing is created.
    """
    folders = [folder for folder in reversed(path.parents) if folder not in (Path("."), Path(folder.anchor))]
    for folder in folders:
        status = status_of(folder)
        if status is None:
            raise NotFound(f"{shown(path)}: the folder {shown(folder)} does not exist; create it first")
        if stat.S_ISLNK(status.st_mode) and _system_link(folder, status):
            status = folder.stat()
        if stat.S_ISLNK(status.st_mode):
            raise AijobsError(
                f"{shown(path)}: {shown(folder)} is a symbolic link; aijobs never writes through one; "
                f"give the real path ({shown(os.path.realpath(path))})"
            )
        if not stat.S_ISDIR(status.st_mode):
            raise AijobsError(f"{shown(path)}: {shown(folder)} is not a folder")
    parent = path.parent
    status = status_of(parent)
    if status is not None and _read_only(parent, status):
        raise AijobsError(f"{shown(path)}: the folder {shown(parent)} is read-only; refusing to write into it")


def check_target(path: Path) -> os.stat_result | None:
    """What is at `path`, if it is something aijobs may replace: nothing, or a regular writable file.

    Never a symbolic link (even to an aijobs file), a folder, a FIFO or a device.
    """
    status = status_of(path)
    if status is None:
        return None
    if stat.S_ISLNK(status.st_mode):
        raise AijobsError(
            f"{shown(path)} is a symbolic link; aijobs never writes through one; remove the link or give another path"
        )
    if stat.S_ISDIR(status.st_mode):
        raise AijobsError(f"{shown(path)} is a folder; give a file name, e.g. {shown(path / 'aijobs.db')}")
    if not stat.S_ISREG(status.st_mode):
        raise AijobsError(f"{shown(path)} is {_kind(status.st_mode)}; refusing to replace it")
    if _read_only(path, status):
        raise AijobsError(f"{shown(path)} is read-only; refusing to replace it; make it writable first")
    return status


def sync_folder(folder: Path) -> None:
    """Flush a folder's entries (a rename into it) to disk, where the platform allows."""
    try:
        descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
