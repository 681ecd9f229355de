"""Checking a whole curated folder file by file: from the cache, on every core, in constant memory.

`scan` is what `aijobs validate` and `aijobs build` run. It lists the record files,
takes each unchanged file's outcome from the cache (`aijobs.cache`), reads the others
(in worker processes when there are many and more than one core), hands each outcome
to the caller in (type, id) order as it comes (the build writes its rows at once), and
keeps of each record only its `aijobs.facts.RecordFacts` for the checks across records.
The problems it reports are exactly those of `aijobs.kb.validate`, which reads the same
files with the same `aijobs.loader.read_record` and runs the same checks.
"""

from __future__ import annotations

import gc
import itertools
import marshal
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from time import time_ns
from typing import Any

from aijobs.cache import RecordCache, Status, content_key, status_of
from aijobs.checks import check_records
from aijobs.errors import AijobsError, UsageError
from aijobs.facts import RecordFacts
from aijobs.incremental import (
    FolderState,
    PlainProblem,
    check_incrementally,
    flagged_files,
    from_plain_problems,
    index_rows,
    place_of,
    plain_problems,
    settled,
    settled_folders,
)
from aijobs.loader import (
    AnyId,
    Derive,
    FileOutcome,
    Listing,
    RecordFile,
    folder_prefix,
    list_directory,
    read_record,
)
from aijobs.problems import Location, Problem
from aijobs.statuses import NONE, Ahead, Packed, Segment, statuses, unpacked
from aijobs.yamlfile import YamlError, read_curated_status

PARALLEL_FROM = 400
"""Files to read before worker processes are worth starting."""
CHUNK = 64
"""Files a worker reads per task."""
FETCH = 1000
"""Cached outcomes fetched at a time: memory stays small however many files there are."""
SAVE_EVERY = 1000
"""New outcomes held before they are written to the cache."""
FREEZE_EVERY = 2000
"""Files between two `gc.freeze()`: what is kept is moved out of the collector's sight."""

Sink = Callable[[RecordFile, FileOutcome], None]
Progress = Callable[[int, int], None]


@dataclass
class ScanResult:
    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    records: int = 0
    claims: int = 0
    cached: int = 0
    """Files whose outcome came from the cache."""
    cache_note: str | None = None
    """Why the cache was not used, when it was asked for and could not be."""
    rechecked: int | None = None
    """How many records the checks across records ran over again, when only what changed was
    checked (`aijobs.incremental`); None when every record was."""


def workers_wanted() -> int:
    """Worker processes: $AIJOBS_WORKERS if set (1 = none), else the cores this process may use."""
    configured = os.environ.get("AIJOBS_WORKERS")
    if configured is not None and configured.strip():
        if not configured.strip().isdigit() or not 1 <= int(configured) <= 256:
            raise UsageError(f"AIJOBS_WORKERS={configured[:20]!r}: expected a whole number from 1 to 256")
        return int(configured)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _plain(outcome: FileOutcome) -> tuple[Any, ...]:
    """An outcome as builtin values, for the cache and for coming back from a worker."""
    problems = tuple(plain_problems(outcome.problems))
    facts = outcome.facts.plain() if outcome.facts is not None else None
    return problems, facts, outcome.attempted, outcome.claims


def _from_plain(plain: Any, file: RecordFile, derived: Any, shared: dict[Any, Any] | None = None) -> FileOutcome:
    """The outcome `_plain` made; raises ValueError for anything else (a damaged cache entry)."""
    try:
        problems, facts, attempted, claims = plain
        return FileOutcome(
            from_plain_problems(problems),
            facts=RecordFacts.from_plain(facts, file.file, file.shown, shared) if facts is not None else None,
            attempted=tuple(attempted),
            claims=int(claims),
            derived=derived,
        )
    except (TypeError, ValueError) as exc:
        raise ValueError(f"damaged cache entry: {exc}") from None


def _read(file: RecordFile, derive: Derive | None) -> tuple[bytes | None, Status | None, FileOutcome]:
    """(its content key and its status as it was opened, or None if it could not be read; the outcome)
    of one file."""
    try:
        raw, info = read_curated_status(file.file, file.shown)
    except YamlError as exc:
        return None, None, FileOutcome([exc.problem], attempted=(file.stem,))
    key = content_key(file.folder, file.name, file.shown, raw)
    return key, status_of(info), read_record(file, raw, derive=derive)


Read = tuple[bytes | None, Status | None, bytes, bytes | None]
"""What reading a file gives, as a worker sends it: `_read`'s key and status, the outcome and what
was derived, marshalled."""


PARENT_CHECK = 0.5
"""Seconds between a worker's checks that the process that started it is still there."""


def _leave_with_parent(parent: int) -> None:
    """Make this worker exit when its parent is gone (killed with SIGKILL, say), and not on Ctrl-C.

    An orphaned worker would otherwise wait for work forever: its task queue stays open,
    held by the other workers. A daemon thread checks the parent every `PARENT_CHECK` s.
    Ctrl-C reaches every process of the terminal's group: the parent stops the pool (and
    says so in one line); a worker that took it too would print its own traceback. SIGTERM
    ends a worker at once, as the pool expects.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the command's handler (`aijobs.cli`): the pool stops it so

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK)
        os._exit(1)

    threading.Thread(target=watch, name="aijobs-parent-watch", daemon=True).start()


def _work(files: list[RecordFile], derive: Derive | None) -> list[Read]:
    """A worker's task: read a chunk of files. Outcomes come back marshalled, as the cache stores them
    (the main process then neither unpickles nested values nor marshals them again to save them)."""
    gc.freeze()
    done = []
    for file in files:
        key, status, outcome = _read(file, derive)
        extra = marshal.dumps(outcome.derived) if outcome.derived is not None else None
        done.append((key, status, marshal.dumps(_plain(outcome)), extra))
    return done


def _chunks(files: list[RecordFile]) -> Iterator[list[RecordFile]]:
    for start in range(0, len(files), CHUNK):
        yield files[start : start + CHUNK]


def _from_pool(pool: Any, files: list[RecordFile], derive: Derive | None) -> Iterator[Read]:
    """The workers' results in order; a worker that died (killed, out of memory) is one clear error.

    Every chunk is handed to the pool now, so the workers start reading at once, before the
    caller asks for the first result (the build opens its database meanwhile)."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        chunks = pool.map(_work, _chunks(files), [derive] * len(files))
    except BrokenProcessPool:
        raise _stopped() from None
    return _in_order(chunks)


def _in_order(chunks: Iterator[list[Read]]) -> Iterator[Read]:
    from concurrent.futures.process import BrokenProcessPool

    try:
        for chunk in chunks:
            yield from chunk
    except BrokenProcessPool:
        raise _stopped() from None


def _stopped() -> AijobsError:
    return AijobsError(
        "a worker process stopped unexpectedly (killed, or out of memory); "
        "run again with AIJOBS_WORKERS=1 to read the files in this process"
    )


def _reader(files: list[RecordFile], derive: Derive | None, count: int) -> tuple[Any, Iterator[Read]]:
    """(the worker pool or None, an iterator of what reading each of `files` gives, in order).

    Workers read when there are many files and more than one core; the caller shuts the
    pool down (`shutdown(cancel_futures=True)`) when done or interrupted.
    """
    if count > 1 and len(files) >= PARALLEL_FROM:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # Workers are forked (they inherit the loaded code), and only from a process with
        # one thread: forking while another thread holds a lock can hang the child.
        if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
            # The first file is read here: what reading imports on first use (pinyin tables,
            # OpenCC) is then loaded once, before the fork, and shared with the workers.
            first = _work(files[:1], derive)
            pool = ProcessPoolExecutor(
                min(count, 1 + (len(files) - 1) // CHUNK),
                mp_context=multiprocessing.get_context("fork"),
                initializer=_leave_with_parent,
                initargs=(os.getpid(),),
            )
            return pool, itertools.chain(first, _from_pool(pool, files[1:], derive))
    return None, (item for chunk in map(_work, _chunks(files), [derive] * len(files)) for item in chunk)


def _status_key(file: RecordFile, base: str) -> str:
    """What a file's status is remembered under: its path from `base` (the working folder) and how
    it is shown (a content key covers both). Not normalised: another spelling is only a miss."""
    return f"{os.path.join(base, file.file)}\0{file.shown}"


def _segments(listing: Listing) -> list[Segment]:
    """The listing's files as `aijobs.statuses` takes them: (folder, names) of each record folder."""
    return [(prefix[: -len(os.sep)], names) for _, prefix, _, names in listing.folders]


def _statuses(listing: Listing, workers: int = 1) -> list[Status | None]:
    """The status of each file of `listing`, in order (None where one cannot be taken), as
    `aijobs.cache.status_of` gives it: taken folder by folder, on two processes for a large folder
    (`aijobs.statuses`)."""
    return unpacked(statuses(_segments(listing), workers))


def scan(
    root: Path,
    cache: RecordCache | None = None,
    derive: Derive | None = None,
    sink: Sink | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> ScanResult:
    """Check every record file under `root`; `sink(file, outcome)` receives each outcome in (type, id) order.

    `derive(record, shown)` (a module-level function: workers receive it by name) makes
    something more of each valid record, cached beside its outcome and passed in
    `outcome.derived`. Never raises for bad data: every problem is in the result.
    """
    count = workers if workers is not None else workers_wanted()
    # `validate` (no rows, no sink) saves the folder's state, and checks only what changed since.
    # The state is read first, so the files' statuses are being taken while the folder is listed.
    place = saved = ahead = None
    started = time_ns()  # before any status is taken: a file changed after this has a new status
    if cache is not None and cache.connection is not None and derive is None and sink is None:
        place = place_of(root)
        saved = _saved_state(cache, place)
        ahead = Ahead(saved[1].paths, count) if saved is not None else None
    try:
        listing, taken = _listed(root, saved[1] if saved is not None else None, ahead, count)
        result = ScanResult(problems=list(listing.problems), files=listing.count)
        if cache is not None and cache.unusable:
            result.cache_note = cache.unusable
        # A record folder that could not be read makes every id unloadable: rare, and checked in full.
        if isinstance(listing.unloadable, AnyId):
            place = None
        if (
            cache is not None
            and place is not None
            and saved is not None
            and taken is not None
            and _increment(result, listing, root, cache, place, saved, taken, started, count, progress)
        ):
            return _finish(result, root)
    finally:
        if ahead is not None:
            ahead.close()
    listed_unloadable = sorted(listing.unloadable) if place is not None else []
    unloadable = listing.unloadable  # may stand for every id (a record folder that could not be read)
    derived_name = f"{derive.__module__}.{derive.__qualname__}" if derive is not None else None

    # Which files the cache already knows, by their unchanged status. The others' statuses are
    # taken as they are read (`_read`), so none is kept here for them, and a cold run takes none.
    base = os.getcwd()
    checked = time_ns()  # before the statuses are taken: a file changed after this has a new status
    keys: dict[int, bytes] = {}  # content keys of the files whose status is unchanged
    known_statuses: dict[int, Status] = {}  # and, for the folder's state, their statuses
    kept_statuses: list[Status | None] = []  # for the folder's state: each file's status and key
    kept_keys: list[bytes] = []
    if cache is not None:
        known = cache.known_keys()
        now = _statuses(listing, count) if known else []
        for index, file in enumerate(listing.files if known else ()):
            entry = known.get(_status_key(file, base))
            if entry is None:
                continue
            status = now[index]
            if status is not None and tuple(entry[0]) == status:
                keys[index] = entry[1]
                if place is not None:
                    known_statuses[index] = status
        del known, now
    misses = [file for index, file in enumerate(listing.files) if index not in keys]
    keyed = sorted(keys)
    fetched = 0  # how many of `keyed` have been asked of the cache
    window: dict[int, tuple[Any, Any]] = {}  # outcomes of the next keyed files, fetched a batch at a time

    pool, fresh = _reader(misses, derive, count)
    facts: list[RecordFacts] = []
    numbers: list[int] = []  # the listing position of each of `facts`
    failing: dict[int, tuple[list[PlainProblem], tuple[str, ...]]] = {}
    shared: dict[Any, Any] = {}  # what many records' facts hold alike, kept once
    to_save: list[tuple[bytes, bytes, bytes | None]] = []
    statuses_to_save: list[tuple[str, Status, bytes]] = []
    frozen = gc.isenabled()
    try:
        for index, file in enumerate(listing.files):
            if index in keys:
                if cache is not None and fetched < len(keyed) and keyed[fetched] == index:
                    batch = keyed[fetched : fetched + FETCH]
                    fetched += len(batch)
                    found = cache.get((keys[i] for i in batch), derived_name)
                    window = {i: found[keys[i]] for i in batch if keys[i] in found}
                hit = window.pop(index, None)
                key, status = keys.pop(index), known_statuses.pop(index, None)
                try:
                    if hit is None:
                        raise ValueError("not in the cache")
                    outcome = _from_plain(hit[0], file, hit[1], shared)
                    result.cached += 1
                except ValueError:  # a missing or damaged entry: read the file after all, and save it again
                    got, status, outcome = _read(file, derive)
                    key = got or b""
                    if got is not None:
                        extra = marshal.dumps(outcome.derived) if outcome.derived is not None else None
                        to_save.append((got, marshal.dumps(_plain(outcome)), extra))
            else:
                got, status, packed, packed_extra = next(fresh)
                outcome = _from_plain(
                    marshal.loads(packed),
                    file,
                    marshal.loads(packed_extra) if packed_extra is not None else None,
                    shared,
                )
                key = got or b""
                if got is not None and cache is not None:
                    to_save.append((got, packed, packed_extra))
                    if status is not None:
                        statuses_to_save.append((_status_key(file, base), status, got))
                    if len(to_save) >= SAVE_EVERY:  # saved as it goes: memory stays small
                        cache.put(to_save, statuses_to_save, derived_name, checked)
                        to_save, statuses_to_save = [], []
            if place is not None:
                kept_statuses.append(settled(status, checked))
                kept_keys.append(key)
            result.problems.extend(outcome.problems)
            if outcome.facts is not None:
                facts.append(outcome.facts)
                numbers.append(index)
                result.records += 1
                result.claims += outcome.claims
            else:
                unloadable.update(outcome.attempted)
                if place is not None:
                    failing[index] = (plain_problems(outcome.problems), tuple(outcome.attempted))
            if sink is not None:
                sink(file, outcome)
            if progress is not None:
                progress(index + 1, len(listing.files))
            if frozen and index % FREEZE_EVERY == FREEZE_EVERY - 1:
                gc.freeze()
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        if frozen:
            gc.unfreeze()
    if cache is not None:
        cache.put(to_save, statuses_to_save, derived_name, checked)
        if result.cached < listing.count:  # something new was saved: some of what was may be outdated
            cache.prune()
    cross = check_records(facts, unloadable)
    result.problems += cross
    if cache is not None and place is not None:
        shown = {file.shown: index for index, file in enumerate(listing.files)}
        try:
            state = FolderState.of(listing.paths, range(len(listing.files)), kept_statuses, kept_keys)
        except ValueError:  # a status too large to keep: no state, the next check is full too
            return _finish(result, root)
        state.next_number, state.failing, state.flagged = len(listing.files), failing, flagged_files(cross, shown)
        state.list_folders(listing, settled_folders(listing, started), True)  # their statuses: taken before listing
        state.unloadable, state.records, state.claims = listed_unloadable, result.records, result.claims
        cache.save_folder_state(place, None, *state.plain(), (), index_rows(facts, numbers))
    return _finish(result, root)


def _listed(
    root: Path, state: FolderState | None, ahead: Ahead | None, count: int
) -> tuple[Listing, Packed[int] | None]:
    """The folder's listing, and with `ahead` (an incremental check to come) every file's status.

    Then the record files are listed by name, or taken from the `state` for a record folder
    whose status is unchanged (`list_directory(unchecked=True, known=...)`), and their
    statuses show that each is a regular file; if one is not (or is gone, or has no
    status), the folder is listed again in full, and the statuses taken again.
    """
    if ahead is None or state is None:
        return list_directory(root), None
    listing = list_directory(root, unchecked=True, known=_known(root, state))
    taken = ahead.statuses(_segments(listing), listing.joined_paths, count)
    if NONE[0] not in taken:
        return listing, taken
    listing = list_directory(root)
    return listing, statuses(_segments(listing), count)


def _known(root: Path, state: FolderState) -> dict[str, tuple[Status, str]]:
    """The record folders a listing may take from `state` (`FolderState.known`): those whose names are
    exactly a run of the state's own paths (a state whose two parts disagree is not believed)."""
    paths = f"\0{state.paths}\0"
    known = {}
    for folder, (status, names) in state.known().items():
        prefix = folder_prefix(root, folder)
        start = paths.find(f"\0{prefix}")  # the folder's first saved path (they are saved folder by folder)
        if names:  # from there, the names as paths, and then no other path in the folder
            run = f"\0{prefix}{names.replace(chr(0), chr(0) + prefix)}\0"
            agrees = start >= 0 and paths.startswith(run, start) and not paths.startswith(prefix, start + len(run))
        else:  # no files: none of the paths is in it
            agrees = start < 0
        if agrees:
            known[folder] = (status, names)
    return known


def _saved_state(cache: RecordCache, place: bytes) -> tuple[int, FolderState] | None:
    """(generation, state) the last check saved for the folder at `place`; None if none can be used."""
    saved = cache.folder_state(place)
    if saved is None:
        return None
    try:
        return saved[0], FolderState.from_plain(saved[1], saved[2])
    except ValueError:
        return None


def _increment(
    result: ScanResult,
    listing: Listing,
    root: Path,
    cache: RecordCache,
    place: bytes,
    saved: tuple[int, FolderState],
    taken: Packed[int],
    checked: int,
    count: int,
    progress: Progress | None,
) -> bool:
    """Check the folder from its saved state (`aijobs.incremental`) into `result`; False if it cannot be.

    `taken` are the listed files' statuses (`_listed`); `checked` is when the run began, before
    they were taken."""
    generation, state = saved
    base = os.getcwd()

    def read(files: list[tuple[RecordFile, Status | None]]) -> Iterator[tuple[bytes | None, FileOutcome]]:
        pool, fresh = _reader([file for file, _ in files], None, count)
        to_save: list[tuple[bytes, bytes, bytes | None]] = []
        statuses: list[tuple[str, Status, bytes]] = []
        try:
            for done, ((file, status), (key, _, packed, _)) in enumerate(zip(files, fresh, strict=True), 1):
                if key is not None:
                    to_save.append((key, packed, None))
                    if status is not None:
                        statuses.append((_status_key(file, base), status, key))
                if progress is not None:
                    progress(done, len(files))
                yield key, _from_plain(marshal.loads(packed), file, None)
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
        cache.put(to_save, statuses, None, checked)

    done = check_incrementally(state, generation, listing, root, cache, place, taken, read, checked)
    if done is None:
        return False
    result.problems, result.records, result.claims, read_count, result.rechecked = done
    result.cached = listing.count - read_count
    return True


def _finish(result: ScanResult, root: Path) -> ScanResult:
    if root.is_dir() and result.files == 0 and not result.problems:
        result.problems.append(
            Problem(Location(str(root)), "no records found; add YAML files under sources/, people/, ...", code="empty")
        )
    result.problems.sort()
    return result
