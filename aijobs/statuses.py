"""Taking the statuses of every record file at once, as a check after an edit must.

A status (`aijobs.cache.Status`) is what `lstat` says of a file; the incremental check
(`aijobs.incremental`) compares every file's with the one saved, so after a one-file
edit of a large folder this is most of its work (190,001 system calls at 1000x). Each
record folder is opened once and its files are looked up by name in it (one name to
resolve, not a whole path), and when there are many files and more than one core, a
forked process takes part of them and sends them back packed: system calls do not
share the interpreter lock with threads well, but two processes run them side by side.
`Ahead` starts that child before the folder is even listed, on the files it had last
time (almost always the files it has now), so the listing and the statuses overlap.
A child that fails in any way only means the parent takes its part itself.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import threading
from array import array
from collections.abc import Callable, Iterable, Sequence

from aijobs.cache import Status

SPLIT_FROM = 20_000
"""Files from which a second process is worth forking for half of them."""
PARENT_SHARE = 0.45
"""The share of the files an `Ahead` parent takes itself: it lists the folder meanwhile."""
NONE = (-2, -2, -2, -2, -2)
"""A packed status that could not be taken (gone, unreadable, too large, or not a regular file);
`aijobs.incremental.UNKNOWN`, which never equals a saved status."""

BY_DESCRIPTOR = (
    os.stat in os.supports_dir_fd
    and os.stat in os.supports_follow_symlinks
    and hasattr(os, "O_DIRECTORY")
    and hasattr(os, "O_NOFOLLOW")
)
"""Whether files can be looked up relative to an open folder (POSIX); else by path."""

Segment = tuple[str, Sequence[str]]
"""(a record folder's path, the names of files in it)."""


Packed = array  # array("q") of five numbers per file
"""Statuses packed as an array of five numbers each, `NONE` where one could not be taken."""


def folder_statuses(folder: str, names: Sequence[str]) -> Packed[int]:
    """The status of each of `names` in `folder`, packed, without following links.

    The folder and the one holding it (the curated folder) are opened without following a link:
    either replaced by a link since it was listed gives no statuses (`NONE` for each), so its
    files are read again, and refused.
    A status whose numbers do not fit in 64 bits is `NONE` too (that file is read every time),
    and so is that of anything but a regular file: a record file is one.
    """
    taken = array("q")
    parent = os.path.dirname(folder) or "."
    if not BY_DESCRIPTOR:  # no descriptor-relative lookups here: each path from the folder, both folders checked
        try:
            is_link = any(stat.S_ISLNK(os.lstat(path).st_mode) for path in (parent, folder))
        except OSError:
            is_link = True
        return _take_each(taken, folder, names, NONE if is_link else None)
    try:  # the curated folder and then the record folder in it, neither through a link
        flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
        above = os.open(parent, flags)
        try:
            descriptor = os.open(os.path.basename(folder), flags, dir_fd=above)
        finally:
            os.close(above)
    except OSError:
        taken.extend(NONE * len(names))
        return taken
    extend = taken.extend
    stat_at = os.stat
    try:
        for name in names:
            try:
                info = stat_at(name, dir_fd=descriptor, follow_symlinks=False)
                if not stat.S_ISREG(info.st_mode):
                    extend(NONE)
                    continue
                extend((info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns))
            except (OSError, OverflowError):
                del taken[len(taken) - len(taken) % 5 :]  # a status that did not fit: none of it
                extend(NONE)
    finally:
        os.close(descriptor)
    return taken


def _take_each(taken: Packed[int], folder: str, names: Sequence[str], instead: tuple[int, ...] | None) -> Packed[int]:
    """`folder_statuses` by path, where lookups relative to a descriptor are not available."""
    for name in names:
        try:
            if instead is not None:
                raise OSError("the folder is a link")
            info = os.lstat(os.path.join(folder, name))
            if not stat.S_ISREG(info.st_mode):
                raise OSError("not a regular file")
            taken.extend((info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns))
        except (OSError, OverflowError):
            del taken[len(taken) - len(taken) % 5 :]
            taken.extend(NONE)
    return taken


def unpacked(packed: Packed[int]) -> list[Status | None]:
    """Packed statuses as a list (None where one could not be taken)."""
    numbers = iter(packed)  # five at a time (a packed array holds five numbers per file)
    fives = zip(numbers, numbers, numbers, numbers, numbers, strict=False)
    return [None if status == NONE else status for status in fives]


def _take(segments: Sequence[Segment]) -> Packed[int]:
    taken = array("q")
    for folder, names in segments:
        taken += folder_statuses(folder, names)
    return taken


def _halves(segments: Sequence[Segment], first: int) -> tuple[list[Segment], list[Segment]]:
    """The segments split after their first `first` files."""
    before: list[Segment] = []
    after: list[Segment] = []
    for folder, names in segments:
        if first >= len(names):
            before.append((folder, names))
        elif first <= 0:
            after.append((folder, names))
        else:
            before.append((folder, names[:first]))
            after.append((folder, names[first:]))
        first -= len(names)
    return before, after


def _segments_of(paths: Iterable[str]) -> list[Segment]:
    """Paths grouped into segments by their folder, in order."""
    segments: list[tuple[str, list[str]]] = []
    for path in paths:
        folder, _, name = path.rpartition(os.sep)
        if segments and segments[-1][0] == folder:
            segments[-1][1].append(name)
        else:
            segments.append((folder, [name]))
    return list(segments)


def _can_fork(workers: int) -> bool:
    """A fork is worth it and safe: another core, and no other thread (one holding a lock would hang the child)."""
    return workers >= 2 and hasattr(os, "fork") and threading.active_count() == 1


def _fork(work: Callable[[], Packed[int]]) -> tuple[int, int] | None:
    """(its process id, the pipe to read) of a child sending what `work` takes; None if it cannot start."""
    try:
        reading, writing = os.pipe()
    except OSError:  # out of file descriptors, say: the parent takes them itself
        return None
    # A Ctrl-C between the fork and the child's own handling must not raise in the child as if it
    # were the parent: it is held back across the fork, and the child lets it end it at once.
    masking = hasattr(signal, "pthread_sigmask")
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if masking else set()
    try:
        child = os.fork()
    except OSError:
        child = -1
    if child == 0:  # the child: take them, write them packed, and leave without running any cleanup
        code = 1
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent's handler raises (`aijobs.cli`)
            if masking:
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
            os.close(reading)
            view = memoryview(work().tobytes())
            while view:
                view = view[os.write(writing, view) :]
            code = 0
        finally:
            os._exit(code)
    if masking:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
    os.close(writing)
    if child < 0:
        os.close(reading)
        return None
    return child, reading


def _cancel(child: int, reading: int) -> None:
    """Stop a child that is no longer needed, and reap it.

    Its pipe is closed first (a child still writing then stops on its own); it is killed only
    while it is still there to wait for: one reaped already (SIGCHLD ignored by whoever started
    aijobs) may have had its process id given to another process.
    """
    os.close(reading)
    try:
        if os.waitpid(child, os.WNOHANG) != (0, 0):
            return  # it has ended
    except ChildProcessError:
        return  # reaped already
    with contextlib.suppress(OSError):
        os.kill(child, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(child, 0)


def _collect(child: int, reading: int, count: int) -> Packed[int] | None:
    """The `count` statuses the child sends; None if it fails (the caller takes them itself)."""
    chunks = []
    try:
        while chunk := os.read(reading, 1 << 20):
            chunks.append(chunk)
    except BaseException:  # interrupted: the child is not needed any more
        _cancel(child, reading)
        raise
    os.close(reading)
    try:
        _, code = os.waitpid(child, 0)
        succeeded = os.waitstatus_to_exitcode(code) == 0
    except ChildProcessError:  # reaped already (SIGCHLD ignored by whoever started us): its data tells
        succeeded = True
    data = b"".join(chunks)
    if not succeeded or len(data) != 5 * 8 * count:  # the child writes only once it has them all
        return None
    packed = array("q")
    packed.frombytes(data)
    return packed


def _taking(segments: Sequence[Segment], child: tuple[int, int]) -> Packed[int]:
    """`_take(segments)` while `child` takes others; the child is stopped if this is interrupted."""
    try:
        return _take(segments)
    except BaseException:
        _cancel(*child)
        raise


def statuses(segments: Sequence[Segment], workers: int = 1) -> Packed[int]:
    """The status of every file of every segment, in order, packed; on two processes when `workers` > 1 and
    there are at least `SPLIT_FROM` files (and this process has one thread: a fork is safe)."""
    count = sum(len(names) for _, names in segments)
    if count < SPLIT_FROM or not _can_fork(workers):
        return _take(segments)
    first, second = _halves(segments, count // 2)
    started = _fork(lambda: _take(second))
    if started is None:
        return _take(segments)
    mine = _taking(first, started)
    theirs = _collect(*started, count - count // 2)
    return mine + (theirs if theirs is not None else _take(second))


class Ahead:
    """The statuses of the files a folder had last time (`paths`, joined by NUL), taken ahead.

    A child starts on all but the first `PARENT_SHARE` of them at once; `statuses` then
    takes the rest and collects the child's, if the folder still holds exactly those
    files, and takes every status itself otherwise. `close` stops a child not collected.
    """

    def __init__(self, paths: str, workers: int) -> None:
        self.paths = paths
        self.count = paths.count("\0") + 1 if paths else 0
        self.first = int(self.count * PARENT_SHARE)
        self.started: tuple[int, int] | None = None
        if self.count >= SPLIT_FROM and _can_fork(workers):
            first = self.first
            self.started = _fork(lambda: _take(_segments_of(paths.split("\0")[first:])))

    def statuses(self, segments: Sequence[Segment], paths: str, workers: int) -> Packed[int]:
        """The status of every file of `segments` (whose paths, joined by NUL, are `paths`), in order, packed."""
        started, self.started = self.started, None
        if started is None or paths != self.paths:
            if started is not None:
                _cancel(*started)
            return statuses(segments, workers)
        first, rest = _halves(segments, self.first)
        mine = _taking(first, started)
        theirs = _collect(*started, self.count - self.first)
        return mine + (theirs if theirs is not None else _take(rest))

    def close(self) -> None:
        started, self.started = self.started, None
        if started is not None:
            _cancel(*started)
