"""Reading files under ``curated/`` without ever leaving it, blocking, or reading without end.

``curated/`` comes from strangers' pull requests, and a pull request can hold more than
files: symbolic links (to ``~/.ssh/id_rsa``, to ``/dev/zero``, to nowhere, to themselves),
and a checkout can hold named pipes, devices and sockets. aijobs reads regular files only:

* an entry is classified from the directory itself (`os.DirEntry`, which is `lstat`, never
  following a link) before anything is opened, so a link's target is never opened or named;
* a file is opened with ``O_NOFOLLOW | O_NONBLOCK`` and the *opened descriptor* is checked
  with `fstat`, so an entry swapped for a link or a pipe after it was listed is still refused
  and opening a pipe never waits for a writer;
* reads are bounded: at most ``limit + 1`` bytes are read, whatever the file claims to be.

Every refusal is a `Problem` (one line, naming the file, saying how to fix it), never an
exception escaping to the user.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from aijobs.problems import Location, Problem

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_CHUNK = 1 << 16

REGULAR_ONLY = "aijobs reads only regular files inside curated/"


class FileProblem(Exception):
    """A file that cannot or must not be read; carries the problem to report."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


def describe_mode(mode: int) -> str:
    """What kind of file system entry `mode` (from lstat) is, for messages."""
    if stat.S_ISREG(mode):
        return "a regular file"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "an unknown kind of file"


def symlink_problem(shown_as: str, folder: bool = False) -> Problem:
    """The problem for a symbolic link: named, never followed, its target never shown."""
    what = "folder" if folder else "file"
    return Problem(
        Location(shown_as), f"is a symbolic link; {REGULAR_ONLY}: replace it with the {what} itself", code="symlink"
    )


def refusal(shown_as: str, mode: int, code: str = "file-type") -> Problem:
    """The problem for an entry that is not a regular file (mode from lstat, never stat)."""
    if stat.S_ISLNK(mode):
        return symlink_problem(shown_as)
    return Problem(
        Location(shown_as), f"is {describe_mode(mode)}, not a regular file; {REGULAR_ONLY}: remove it", code=code
    )


def _os_problem(exc: OSError, shown_as: str) -> Problem:
    if exc.errno in (errno.ELOOP, errno.EMLINK):  # O_NOFOLLOW met a link (EMLINK on FreeBSD)
        return symlink_problem(shown_as)
    if exc.errno in (errno.EACCES, errno.EPERM):
        return Problem(
            Location(shown_as),
            "cannot be read: permission denied; make the file readable (chmod a+r)",
            code="unreadable",
        )
    if exc.errno == errno.ENOENT:
        return Problem(Location(shown_as), "disappeared while it was being read; run again", code="unreadable")
    reason = exc.strerror or type(exc).__name__
    return Problem(Location(shown_as), f"cannot be read ({reason})", code="unreadable")


def too_large(shown_as: str, size: int | None, limit: int) -> Problem:
    found = f"is {size:,} bytes" if size is not None else f"is more than {limit:,} bytes"
    return Problem(Location(shown_as, 1, 1), f"file {found}; a record is at most {limit:,} bytes", code="size")


def read_regular_file(path: Path | str, shown_as: str, limit: int, *, truncate: bool = False) -> bytes:
    """The bytes of a regular file, at most `limit` of them; raises FileProblem otherwise.

    Links are not followed, pipes and devices are never read (nor waited on), and a file
    larger than `limit` is refused after reading at most ``limit + 1`` bytes (or cut at
    `limit` if `truncate`), even if it grows while being read.
    """
    return read_regular_file_status(path, shown_as, limit, truncate=truncate)[0]


def read_regular_file_status(
    path: Path | str, shown_as: str, limit: int, *, truncate: bool = False
) -> tuple[bytes, os.stat_result]:
    """As `read_regular_file`, with the file's status taken as it was opened, before it was read."""
    try:
        handle = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise FileProblem(_os_problem(exc, shown_as)) from None
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            raise FileProblem(refusal(shown_as, info.st_mode))
        if info.st_size > limit and not truncate:
            raise FileProblem(too_large(shown_as, info.st_size, limit))
        wanted = limit if truncate else limit + 1
        chunks: list[bytes] = []
        got = 0
        while got < wanted:
            chunk = os.read(handle, min(wanted - got, max(info.st_size + 1 - got, _CHUNK)))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
    except OSError as exc:
        raise FileProblem(_os_problem(exc, shown_as)) from None
    finally:
        os.close(handle)
    data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    if got > limit:
        raise FileProblem(too_large(shown_as, None, limit))
    return data, info
