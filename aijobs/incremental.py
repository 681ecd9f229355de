"""Checking only what an edit can change: `aijobs validate` after a one-file edit, in a blink.

The cache (`aijobs.cache`) already keeps what reading each file gave. What it cannot
skip alone is the checks across records, which look at every record. So each full
check of a folder also saves the folder's *state*: each file's status and content key,
the problems each failing file has, which files a check across records flagged. And an
*index* from what records can share (a name, a figure's citation, a source's file, an
id they point at) to the files that hold it.

The next run lists the folder and compares statuses (a file's status is trusted as the
cache trusts it). Only the changed files are read. Then the checks across records run
again over the records an edit can touch, found through the index: each changed
record (before and after), every record sharing a name, figure or source file with it,
every record pointing at its id or at an id that now does or no longer resolves,
every record with that id, and every record flagged last time. They run with the
context of every record (the type of each id pointed at, every name for a "did you
mean", every product's names). `part_of` cycles are checked over every company, as
before. A record outside that set had no problem across records last time (else it was
flagged), and nothing it is compared with has changed, so it has none now: the
problems are exactly those of a full check (`tests/test_incremental.py` holds it to
that over random edits).

Anything unexpected (no state yet, another fingerprint, a damaged state, an entry gone
from the cache, many changed files, a record folder that cannot be read) means a full
check, which saves a new state. Index keys are 64-bit hashes: a collision only adds a
record to the set checked, never removes one, since every match is checked again
against the record's facts.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import sqlite3
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from aijobs.cache import RACY_SECONDS, RecordCache, Status
from aijobs.checks import Context, check_part_of_cycles, check_records
from aijobs.facts import RecordFacts, name_key
from aijobs.loader import EXTENSION, FileOutcome, Listing, RecordFile
from aijobs.problems import Location, Problem
from aijobs.records import TYPE_BY_FOLDER
from aijobs.statuses import NONE
from aijobs.suggest import closest

MOST_CHANGED = 0.2
"""Beyond this share of changed files (and at least `FEW_CHANGED`), a full check is as quick."""
FEW_CHANGED = 200
STATE_VERSION = 3

PlainProblem = tuple[str, int, int, str, str, str]
"""(path as shown, line, column, message, field, code) of a `Problem`."""


def place_of(root: Path) -> bytes:
    """What a folder's state is saved under: the folder as given, from the working folder
    (the paths and shown paths of its files, and so its problems, depend on both)."""
    digest = hashlib.blake2b(b"aijobs folder state\0", digest_size=16)
    digest.update(f"{os.getcwd()}\0{os.fspath(root)}".encode("utf-8", "surrogateescape"))
    return digest.digest()


def index_key(text: str) -> int:
    """A 64-bit key for the index (signed, as SQLite stores integers): two unrelated checksums,
    quick to compute for the millions of keys of a large folder."""
    data = text.encode("utf-8", "surrogateescape")
    return ((zlib.crc32(data) - 0x80000000) << 32) | zlib.adler32(data)


def pointing_at(record_id: str) -> str:
    return f"to\0{record_id}"


PART_OF = "part_of"
"""The index key of every record that is part of another (for the cycle check)."""


def shared_keys(facts: RecordFacts) -> set[str]:
    """What this record may share with others, each a group a check across records compares."""
    keys = {f"name\0{key}" for _, _, _, key, *_ in facts.names}
    keys.update(f"figure\0{key!r}" for key in facts.figure_keys)
    if facts.source_file is not None:
        keys.add(f"file\0{facts.source_file}")
    return keys


def index_keys(facts: RecordFacts) -> set[str]:
    """Everything the index holds this record under."""
    keys = shared_keys(facts)
    keys.update(pointing_at(target) for target, _ in facts.refs)
    keys.update(pointing_at(product) for _, product, _ in facts.uses)
    if facts.part_of is not None:
        keys.add(PART_OF)
    return keys


KEY_SIZE = 16
"""Bytes in a content key (`aijobs.cache.content_key`); a key of zeros stands for none."""
UNTRUSTED = (-1, -1, -1, -1, -1)
"""The status kept for a file that must be read again next time."""
UNKNOWN = NONE
"""The status of a file that could not be taken: equal to no status kept."""


def packed_statuses(statuses: Iterable[Status | None]) -> array[int]:
    """Statuses as one array of five numbers each (None: `UNTRUSTED`); ValueError if one does not fit."""
    try:
        return array("q", itertools.chain.from_iterable(UNTRUSTED if s is None else s for s in statuses))
    except OverflowError:
        raise ValueError("a status too large to keep") from None


OVERLAY_MOST = 2000
"""Files changed since a state's base was saved before the whole base is saved again."""


@dataclass
class FolderState:
    """A curated folder as its last full or incremental check left it.

    One entry per file, in (type, id) order, packed so that a large folder's state is
    read and compared in milliseconds: the paths (joined by NUL), each file's number
    (what the index and the other fields know it by; never reused until a full check),
    its status (five numbers; `UNTRUSTED`: read it again next time) and its content key
    (`KEY_SIZE` bytes; zeros: not read). Those are the *base*, saved again only when the
    files are not the same ones or after `OVERLAY_MOST` edits: in between, a check saves
    only the new status and key of each file changed since (the *overlay*), and the rest.
    """

    paths: str
    numbers: array[int]
    statuses: array[int]
    keys: bytes
    next_number: int = 0
    failing: dict[int, tuple[list[PlainProblem], tuple[str, ...]]] = field(default_factory=dict)
    """Files that did not load: their problems, and the ids they were meant to have."""
    flagged: list[int] = field(default_factory=list)
    """Files with a problem across records."""
    unloadable: list[str] = field(default_factory=list)
    """Ids the listing could not load (a misnamed or non-regular file)."""
    records: int = 0
    claims: int = 0
    overlay: dict[int, tuple[tuple[int, ...], bytes]] = field(default_factory=dict)
    """(status, key) of each file (by position) changed since the base was saved; already applied."""
    new_base: bool = True
    """Whether the base must be saved (it changed beyond the overlay, or was never saved)."""
    names: dict[str, str] = field(default_factory=dict)
    """Of each record folder that held only record files: its files' names joined by NUL (in the base)."""
    folder_statuses: dict[str, Status] = field(default_factory=dict)
    """The settled status of each folder of `names` (see `settled_folders`): while a folder's status
    is the same, so are its names, and `list_directory(known=...)` does not list it again."""

    def known(self) -> dict[str, tuple[Status, str]]:
        """What `list_directory(known=...)` takes: (status, names) of the folders with both."""
        names = self.names
        return {folder: (status, names[folder]) for folder, status in self.folder_statuses.items() if folder in names}

    def list_folders(self, listing: Listing, settled: dict[str, Status], files_changed: bool) -> bool:
        """Keep the listing's folders (their names too, if `files_changed`); whether anything changed."""
        if files_changed:
            self.names = {
                folder: "\0".join(names) for folder, _, _, names in listing.folders if folder in listing.folder_statuses
            }
        kept = {folder: status for folder, status in settled.items() if folder in self.names}
        changed = kept != self.folder_statuses
        self.folder_statuses = kept
        return changed or files_changed

    @classmethod
    def of(
        cls, paths: list[str], numbers: Iterable[int], statuses: Iterable[Status | None], keys: Iterable[bytes]
    ) -> FolderState:
        """A state of these files (statuses already `settled`; keys b"" where not read)."""
        packed_keys = b"".join(key if len(key) == KEY_SIZE else bytes(KEY_SIZE) for key in keys)
        return cls("\0".join(paths), array("q", numbers), packed_statuses(statuses), packed_keys)

    def path_list(self) -> list[str]:
        return self.paths.split("\0") if self.paths else []

    def key(self, position: int) -> bytes:
        key = self.keys[KEY_SIZE * position : KEY_SIZE * (position + 1)]
        return b"" if key == bytes(KEY_SIZE) else bytes(key)

    def changed(self, position: int, status: Status | None, key: bytes) -> None:
        """The file at `position` (the files being the same) has a new status to trust (or None) and
        key: its status is set and both go in the overlay (the caller sets `keys`)."""
        numbers = UNTRUSTED if status is None else status
        self.statuses[5 * position : 5 * position + 5] = array("q", numbers)
        self.overlay[position] = (tuple(numbers), key if len(key) == KEY_SIZE else bytes(KEY_SIZE))

    def plain(self) -> tuple[tuple[Any, ...], tuple[Any, ...] | None]:
        """(what changes on every check, the base or None when the saved one still holds)."""
        if len(self.overlay) > OVERLAY_MOST:
            self.new_base = True
        if self.new_base:
            self.overlay = {}
        top = (
            STATE_VERSION,
            self.next_number,
            self.failing,
            self.flagged,
            self.unloadable,
            self.records,
            self.claims,
            self.overlay,
            self.folder_statuses,
        )
        if not self.new_base:
            return top, None
        base = (self.paths, self.numbers.tobytes(), self.statuses.tobytes(), bytes(self.keys), self.names)
        return top, base

    @classmethod
    def from_plain(cls, plain: Any, base: Any) -> FolderState:
        """The state `plain` made over `base`; ValueError for anything else (another version, damage)."""
        try:
            version, next_number, failing, flagged, unloadable, records, claims, overlay, folder_statuses = plain
            if version != STATE_VERSION:
                raise ValueError("another version")
            paths, numbers, statuses, keys, names = base
            if not (isinstance(paths, str) and isinstance(keys, bytes) and isinstance(failing, dict)):
                raise ValueError("wrong types")
            if not (isinstance(names, dict) and isinstance(folder_statuses, dict)):
                raise ValueError("wrong types")
            for joined in names.values():  # record file names only: no path, hidden file or empty name
                if not isinstance(joined, str) or os.sep in joined:
                    raise ValueError("damaged names")
                if joined and (
                    "\0." in f"\0{joined}"
                    or "\0\0" in f"\0{joined}\0"
                    or not joined.endswith(EXTENSION)
                    or joined.count(f"{EXTENSION}\0") != joined.count("\0")  # each name ends so
                ):
                    raise ValueError("damaged names")
            if not all(isinstance(folder, str) and len(status) == 5 for folder, status in folder_statuses.items()):
                raise ValueError("damaged folder statuses")
            if not isinstance(overlay, dict):
                raise ValueError("wrong types")
            state = cls(paths, array("q"), array("q"), keys, int(next_number), failing, new_base=False)
            state.numbers.frombytes(numbers)
            state.statuses.frombytes(statuses)
            files = paths.count("\0") + 1 if paths else 0
            if not len(state.numbers) == len(state.statuses) // 5 == len(keys) // KEY_SIZE == files:
                raise ValueError("lists of different lengths")
            for number, (problems, attempted) in failing.items():
                if not isinstance(number, int) or not isinstance(problems, list) or not isinstance(attempted, tuple):
                    raise ValueError("damaged failing entry")
            if overlay:
                with_keys = bytearray(keys)
                for position, (status, key) in overlay.items():
                    if not (0 <= position < files and len(status) == 5 and len(key) == KEY_SIZE):
                        raise ValueError("damaged overlay entry")
                    state.statuses[5 * position : 5 * position + 5] = array("q", status)
                    with_keys[KEY_SIZE * position : KEY_SIZE * (position + 1)] = key
                state.keys = bytes(with_keys)
                state.overlay = dict(overlay)
            state.names = dict(names)
            state.folder_statuses = {folder: tuple(status) for folder, status in folder_statuses.items()}
            state.flagged = [int(number) for number in flagged]
            state.unloadable = [str(record_id) for record_id in unloadable]
            state.records, state.claims = int(records), int(claims)
            return state
        except (TypeError, ValueError, OverflowError, AttributeError) as exc:
            raise ValueError(f"damaged folder state: {exc}") from None


def settled_folders(listing: Listing, checked_ns: int) -> dict[str, Status]:
    """The status of each record folder of `listing` that held only record files and had not changed
    for `RACY_SECONDS` at `checked_ns`: those a later listing may take as they are (`FolderState.folder_statuses`)."""
    return {
        folder: status
        for folder, status in listing.folder_statuses.items()
        if max(status[3], status[4]) < checked_ns - RACY_SECONDS * 1e9
    }


def plain_problems(problems: Iterable[Problem]) -> list[PlainProblem]:
    return [(p.location.path, p.location.line, p.location.column, p.message, p.field, p.code) for p in problems]


def from_plain_problems(plain: Iterable[PlainProblem]) -> list[Problem]:
    return [
        Problem(Location(path, line, column), message, what, code) for path, line, column, message, what, code in plain
    ]


def settled(status: Status | None, checked_ns: int) -> Status | None:
    """A status to trust next time: None if the file changed within `RACY_SECONDS` of `checked_ns`."""
    if status is None or max(status[3], status[4]) >= checked_ns - RACY_SECONDS * 1e9:
        return None
    return status


class Stale(Exception):
    """The saved state cannot be used (an entry gone from the cache, say): check in full."""


def index_rows(facts: Iterable[RecordFacts], numbers: Iterable[int]) -> Iterator[tuple[int, int]]:
    """The (key, file number) rows of the index of these records."""
    for item, number in zip(facts, numbers, strict=True):
        for key in index_keys(item):
            yield index_key(key), number


def flagged_files(cross: Iterable[Problem], files: Mapping[str, int]) -> list[int]:
    """The numbers of the files (`files`: shown path -> number) with a problem across records."""
    return sorted({files[p.location.path] for p in cross if p.location.path in files})


@dataclass
class Change:
    """One file that is new, changed, or gone since the saved state."""

    number: int
    file: RecordFile | None
    """None when the file is gone."""
    status: Status | None = None
    old_key: bytes = b""
    before: FileOutcome | None = None
    after: FileOutcome | None = None
    key: bytes = b""


class Increment:
    """One incremental check: the saved state, the listing now, and what changed between them."""

    def __init__(self, state: FolderState, listing: Listing, root: Path, cache: RecordCache, place: bytes) -> None:
        self.state = state
        self.listing = listing
        self.cache = cache
        self.place = place
        self.kind_order = sorted(TYPE_BY_FOLDER, key=lambda folder: TYPE_BY_FOLDER[folder].kind_name)
        self.numbers = array("q")
        """The number of each file listed now, in listing order."""
        self.keys = bytearray()
        """The content key of each file listed now (`KEY_SIZE` bytes each), in listing order."""
        self.statuses = array("q")
        """The status of each file listed now, packed (see `status_at`), in listing order."""
        self.gone: dict[int, RecordFile] = {}
        """The files listed last time and gone now (their old facts say what they held)."""
        self.facts: dict[int, RecordFacts] = {}
        """Facts known so far (the changed files', and those fetched from the cache)."""

    @cached_property
    def position(self) -> dict[int, int]:
        """Each file's position in the listing, by number."""
        return {number: position for position, number in enumerate(self.numbers)}

    def file(self, number: int) -> RecordFile:
        position = self.position.get(number)
        return self.listing.file(position) if position is not None else self.gone[number]

    def compare(self, now: array[int]) -> list[Change]:
        """The files that are new, changed or gone; numbers the new ones."""
        state = self.state
        count = self.listing.count
        self.statuses = now  # five numbers a file, `UNKNOWN` where none was taken
        if len(now) != 5 * count:
            raise Stale("a status for each file was not taken")
        changes: list[Change] = []
        if self.listing.joined_paths == state.paths:  # the usual case: no file added or removed
            self.numbers, self.keys = array("q", state.numbers), bytearray(state.keys)
            if now != state.statuses:
                step = 5 * 1024  # compared a block at a time, then file by file in a block that differs
                for start in range(0, len(now), step):
                    if now[start : start + step] != state.statuses[start : start + step]:
                        for position in range(start // 5, min(count, (start + step) // 5)):
                            if now[5 * position : 5 * position + 5] != state.statuses[5 * position : 5 * position + 5]:
                                number = state.numbers[position]
                                file = self.listing.file(position)
                                changes.append(Change(number, file, self.status_at(position), state.key(position)))
            return changes
        known = {path: position for position, path in enumerate(state.path_list())}
        for position, path in enumerate(self.listing.paths):
            old = known.pop(path, None)
            if old is None:
                number, key = state.next_number, b""
                state.next_number += 1
                changes.append(Change(number, self.listing.file(position), self.status_at(position)))
            else:
                number, key = state.numbers[old], state.key(old)
                if now[5 * position : 5 * position + 5] != state.statuses[5 * old : 5 * old + 5]:
                    changes.append(Change(number, self.listing.file(position), self.status_at(position), key))
            self.numbers.append(number)
            self.keys += key or bytes(KEY_SIZE)
        for path, old in known.items():
            number = state.numbers[old]
            self.gone[number] = RecordFile("", path, path)
            changes.append(Change(number, None, None, state.key(old)))
        return changes

    def status_at(self, position: int) -> Status | None:
        """The status of the file at this position of the listing (None if it could not be taken)."""
        status = tuple(self.statuses[5 * position : 5 * position + 5])
        return None if status == UNKNOWN else (status[0], status[1], status[2], status[3], status[4])

    def key_of(self, number: int) -> bytes:
        position = self.position.get(number)
        key = self.keys[KEY_SIZE * position : KEY_SIZE * (position + 1)] if position is not None else b""
        if not key or key == bytes(KEY_SIZE):
            raise Stale(f"no key for file {number}")
        return bytes(key)

    def fetch(self, numbers: Iterable[int], keys: Mapping[int, bytes] | None = None) -> None:
        """Facts of loaded files from the cache (by their keys, or `keys`); `Stale` if one is missing."""
        wanted = {}
        for number in numbers:
            if number in self.facts or number in self.state.failing:
                continue
            key = keys[number] if keys is not None else self.key_of(number)
            if not key:
                raise Stale(f"no key for file {number}")
            wanted[number] = key
        if not wanted:
            return
        found = self.cache.get(wanted.values())
        for number, key in wanted.items():
            if key not in found:
                raise Stale("an outcome is no longer in the cache")
            self.facts[number] = facts_from(found[key][0], self.file(number))

    def loaded(self, number: int) -> bool:
        return number in self.position and number not in self.state.failing

    def same_id(self, record_id: str) -> Iterator[int]:
        """The loaded files with this id (in each record folder), in (type, id) order."""
        for folder in self.kind_order:
            position = self.listing.find(folder, f"{record_id}{EXTENSION}")
            if position is not None and self.loaded(number := self.numbers[position]):
                yield number

    def kind_of(self, record_id: str) -> str | None:
        for number in self.same_id(record_id):
            return TYPE_BY_FOLDER[self.file(number).folder].kind_name
        return None

    def in_order(self, numbers: Iterable[int]) -> list[RecordFacts]:
        """The facts of these files, fetched if need be, in listing order."""
        chosen = list(numbers)
        if not chosen:
            return []
        chosen.sort(key=self.position.__getitem__)
        self.fetch(chosen)
        return [self.facts[number] for number in chosen]


def facts_from(plain: Any, file: RecordFile) -> RecordFacts:
    """The facts in a cached outcome (see `aijobs.scan._plain`); `Stale` for anything else."""
    try:
        facts = plain[1]
        return RecordFacts.from_plain(facts, file.file, file.shown)
    except (TypeError, ValueError, IndexError) as exc:
        raise Stale(f"damaged cache entry: {exc}") from None


class IndexedNames:
    """`aijobs.checks.NameLookup` over every record of an incremental check, through the index."""

    def __init__(self, increment: Increment, changed: Mapping[int, RecordFacts]) -> None:
        self.increment = increment
        self.changed = changed

    def named(self, wanted: str, kinds: Iterable[str]) -> tuple[str, str] | None:
        """As `aijobs.checks.NameIndex.named`: the first record, in listing order, with that name decides."""
        key = name_key(wanted.replace("-", " "))
        inc = self.increment
        numbers = inc.cache.indexed(inc.place, [index_key(f"name\0{key}")])
        numbers.update(n for n, facts in self.changed.items() if any(fact[3] == key for fact in facts.names))
        for facts in inc.in_order(n for n in numbers if inc.loaded(n)):
            for _, _, text, found, *_ in facts.names:
                if found == key:
                    return (facts.id, text) if facts.kind in kinds and facts.id != wanted else None
        return None

    def similar_id(self, wanted: str, kinds: Iterable[str]) -> str | None:
        allowed = set(kinds)
        inc = self.increment
        ids: dict[str, str] = {}
        numbers = iter(inc.numbers)
        for folder, _, _, names in inc.listing.folders:
            kind = TYPE_BY_FOLDER[folder].kind_name
            for name in names:
                if next(numbers) not in inc.state.failing:
                    ids.setdefault(name.removesuffix(EXTENSION), kind)
        return closest(wanted, [rid for rid, kind in ids.items() if kind in allowed])


Checked = tuple[list[Problem], int, int, int, int]
"""(problems, records, claims, files read, records checked across again)."""
Read = Callable[[list[tuple[RecordFile, Status | None]]], Iterator[tuple[bytes | None, FileOutcome]]]
"""Reads files as `aijobs.scan` does, yielding (content key or None, outcome), and caches what it
read under each file's status (taken before it was read; None if it could not be)."""


def check_incrementally(
    state: FolderState,
    generation: int,
    listing: Listing,
    root: Path,
    cache: RecordCache,
    place: bytes,
    statuses: array[int],
    read: Read,
    checked_ns: int,
) -> Checked | None:
    """The folder now, checked from its saved state; None when it must be checked in full.

    `statuses` are its files' statuses, in order, packed (`UNKNOWN` where one cannot be taken); statuses taken
    after `checked_ns` are trusted next time only if older than `RACY_SECONDS` then.
    """
    increment = Increment(state, listing, root, cache, place)
    try:
        return _check(increment, generation, statuses, read, checked_ns)
    except (Stale, sqlite3.Error, ValueError):  # ValueError: a status too large to keep
        return None


def _check(inc: Increment, generation: int, statuses: array[int], read: Read, checked_ns: int) -> Checked | None:
    state = inc.state
    changes = inc.compare(statuses)
    if len(changes) > max(FEW_CHANGED, MOST_CHANGED * inc.listing.count):
        return None
    if state.next_number > 2 * inc.listing.count + FEW_CHANGED:
        return None  # many numbers of removed files: a full check numbers the files afresh

    # Before: the changed files' old facts (cached) or problems (saved). After: read now.
    inc.fetch([c.number for c in changes if c.old_key], {c.number: c.old_key for c in changes})
    for change in changes:
        if change.number in state.failing:
            saved, attempted = state.failing[change.number]
            change.before = FileOutcome(from_plain_problems(saved), attempted=attempted)
        elif change.number in inc.facts:
            facts = inc.facts.pop(change.number)
            change.before = FileOutcome([], facts=facts, claims=facts.claims)
    present = [c for c in changes if c.file is not None]
    reading = read([(c.file, c.status) for c in present if c.file is not None])
    for change, (key, outcome) in zip(present, reading, strict=True):
        change.after, change.key = outcome, key or b""

    # What an edit can touch (see the module's description), and the new state but for the checks.
    dirty: set[str] = set()
    ids: set[str] = set()
    dropped: list[tuple[int, int]] = []
    added: list[tuple[int, int]] = []
    changed: dict[int, RecordFacts] = {}
    for change in changes:
        before, after = change.before, change.after
        if after is not None:
            position = inc.position[change.number]
            inc.statuses[5 * position : 5 * position + 5] = array(
                "q", UNKNOWN if change.status is None else change.status
            )
            inc.keys[KEY_SIZE * position : KEY_SIZE * (position + 1)] = change.key or bytes(KEY_SIZE)
            if after.facts is None:
                state.failing[change.number] = (plain_problems(after.problems), tuple(after.attempted))
            else:
                state.failing.pop(change.number, None)
                inc.facts[change.number] = changed[change.number] = after.facts
        else:
            state.failing.pop(change.number, None)
        if change.key and change.key == change.old_key:
            continue  # touched, not changed: the same bytes
        for side in (before, after):
            if side is None:
                continue
            if side.facts is not None:
                ids.add(side.facts.id)
                dirty.update(shared_keys(side.facts))
                dirty.add(pointing_at(side.facts.id))
            ids.update(side.attempted)
            dirty.update(pointing_at(attempted) for attempted in side.attempted)
        if before is not None and before.facts is not None:
            state.records, state.claims = state.records - 1, state.claims - before.claims
            dropped.extend((index_key(key), change.number) for key in index_keys(before.facts))
        if after is not None and after.facts is not None:
            state.records, state.claims = state.records + 1, state.claims + after.claims
            added.extend((index_key(key), change.number) for key in index_keys(after.facts))
    unloadable = set(inc.listing.unloadable)
    for record_id in unloadable.symmetric_difference(state.unloadable):
        ids.add(record_id)
        dirty.add(pointing_at(record_id))

    flagged = {n for n in state.flagged if inc.loaded(n)}
    for facts in inc.in_order(flagged):
        ids.add(facts.id)
        dirty.update(shared_keys(facts))
    cross: list[Problem] = []
    rechecked = 0
    if dirty or ids or flagged:  # else no record can have a problem across records: none had one before
        cross, rechecked = _across(inc, changed, dirty, ids, flagged, unloadable, added, dropped)

    # Saved, unless nothing changed, or another run saved a state since this one was read.
    flagged_now = flagged_files(cross, {facts.shown_as: number for number, facts in inc.facts.items()})
    same_files = inc.listing.joined_paths == state.paths
    relisted = state.list_folders(inc.listing, settled_folders(inc.listing, checked_ns), not same_files)
    if changes or relisted or flagged_now != state.flagged or sorted(unloadable) != state.unloadable:
        if same_files:  # the same files: only the changed ones' statuses
            for change in changes:
                position = inc.position[change.number]
                state.changed(position, settled(change.status, checked_ns), change.key)
        else:
            state.paths = inc.listing.joined_paths
            state.statuses = packed_statuses(settled(inc.status_at(p), checked_ns) for p in range(len(inc.numbers)))
            state.new_base = True
        state.numbers, state.keys = inc.numbers, bytes(inc.keys)
        state.flagged, state.unloadable = flagged_now, sorted(unloadable)
        inc.cache.save_folder_state(inc.place, generation, *state.plain(), dropped, added)

    problems = list(inc.listing.problems)
    for saved, _ in state.failing.values():
        problems.extend(from_plain_problems(saved))
    problems += cross
    return problems, state.records, state.claims, len(present), rechecked


def _across(
    inc: Increment,
    changed: dict[int, RecordFacts],
    dirty: set[str],
    ids: set[str],
    flagged: set[int],
    unloadable: set[str],
    added: list[tuple[int, int]],
    dropped: list[tuple[int, int]],
) -> tuple[list[Problem], int]:
    """The problems across records of the records an edit can touch (see the module's description),
    and how many records that is."""
    touched = set(changed) | flagged | inc.cache.indexed(inc.place, [index_key(key) for key in dirty])
    for record_id in ids:
        touched.update(inc.same_id(record_id))
    checked = inc.in_order(n for n in touched if inc.loaded(n))

    # Checked with the context of every record: what they point at, the products they use, every name.
    targets = {target for facts in checked for target, _ in facts.refs}
    kinds = {target: kind for target in targets if (kind := inc.kind_of(target)) is not None}
    products: dict[str, tuple[str, ...]] = {}
    for product in {product for facts in checked for _, product, _ in facts.uses}:
        for facts in inc.in_order(inc.same_id(product)):
            if facts.kind == "product":
                products[product] = facts.product_names
    all_unloadable = unloadable.union(*(attempted for _, attempted in inc.state.failing.values()))
    context = Context(kinds, IndexedNames(inc, changed), products)
    return check_records(checked, all_unloadable, context, cycles=False) + _cycles(inc, added, dropped), len(checked)


def _cycles(inc: Increment, added: list[tuple[int, int]], dropped: list[tuple[int, int]]) -> list[Problem]:
    """`part_of` cycles among every record, as `check_part_of_cycles` finds them in a full check."""
    key = index_key(PART_OF)
    numbers = inc.cache.indexed(inc.place, [key])
    numbers.difference_update(n for k, n in dropped if k == key)
    numbers.update(n for k, n in added if k == key)
    parts = inc.in_order(n for n in numbers if inc.loaded(n))
    found = check_part_of_cycles(parts)
    if not found:
        return found
    # A full check locates a cycle at the last record with its first id: find that one.
    located: list[Problem] = []
    by_shown = {facts.shown_as: facts for facts in parts}
    for problem in found:
        start = by_shown[problem.location.path].id
        last = inc.in_order(inc.same_id(start))[-1]
        located.append(Problem(last.locate("part_of", "organisation"), problem.message, problem.field, problem.code))
    return located
