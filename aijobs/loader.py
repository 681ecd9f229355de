"""Reading ``curated/`` into validated records, collecting every problem on the way.

The loader never stops at the first mistake: a pull request that breaks five files
gets five messages, each pointing at ``file:line:column`` and the field to fix.
"""

from __future__ import annotations

import bisect
import os
import re
import stat
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from aijobs.cache import Status, status_of
from aijobs.facts import RecordFacts, facts_of
from aijobs.fields import SLUG_PATTERN
from aijobs.files import refusal, symlink_problem
from aijobs.problems import Location, Problem, display_path, printable
from aijobs.records import RECORD_TYPES, TYPE_BY_FOLDER, Record
from aijobs.suggest import closest, with_article
from aijobs.walk import Node, walk
from aijobs.yamlfile import YamlDocument, YamlError, decode_utf8, locate_in, parse_yaml, read_curated_bytes

EXTENSION = ".yaml"
_SLUG = re.compile(SLUG_PATTERN)


@dataclass
class LoadedRecord:
    """A valid record and where it came from.

    The parsed YAML tree and its marks are dropped once the record is valid (they
    would double the memory of a large knowledge base); `locate` reads the file again
    in the rare case a later check needs a line number.
    """

    record: Record
    path: Path
    shown_as: str
    known_facts: RecordFacts | None = field(default=None, repr=False)

    @property
    def facts(self) -> RecordFacts:
        """What the checks across records compare (`aijobs.facts`), made from the record when first asked."""
        if self.known_facts is None:
            self.known_facts = facts_of(self.record, self.path, self.shown_as)
        return self.known_facts

    def locate(self, *where: str | int) -> Location:
        return locate_in(self.path, self.shown_as, where)


class AnyId(set[str]):
    """Stands for every id once a record folder could not be read: any reference may point into it.

    Used as `LoadResult.unloadable`, so the one problem naming the folder is not buried
    under a "no record has that id" for every reference to a record inside it.
    """

    def __contains__(self, item: object) -> bool:
        return True


@dataclass
class LoadResult:
    records: list[LoadedRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files_read: int = 0
    unloadable: set[str] = field(default_factory=set)  # file stems of records that failed to load


_NOT_FOUND = (
    "curated data folder not found; pass the folder that holds sources/, people/, ... or run from the repository root"
)
_ROOT_FILES = ("README.md", "coverage-exceptions.yaml")


@dataclass(frozen=True, slots=True)
class _Entry:
    name: str
    directory: Path
    shown: str
    kind: int  # stat.S_IFMT bits of the entry itself (a link is a link, never its target)

    @property
    def path(self) -> Path:
        return self.directory / self.name


def _kind(entry: os.DirEntry[str]) -> int:
    """The entry's file type without following links; from the directory listing, usually no system call."""
    try:
        if entry.is_symlink():
            return stat.S_IFLNK
        if entry.is_file(follow_symlinks=False):
            return stat.S_IFREG
        if entry.is_dir(follow_symlinks=False):
            return stat.S_IFDIR
        return stat.S_IFMT(entry.stat(follow_symlinks=False).st_mode)
    except OSError:
        return 0


def _list(directory: Path, shown: str) -> list[_Entry] | Problem:
    """The visible entries of a folder, sorted by name; or the problem that stops listing it."""
    try:
        with os.scandir(directory) as scan:
            found = [(entry.name, _kind(entry)) for entry in scan if not entry.name.startswith(".")]
    except OSError as exc:
        reason = "permission denied" if isinstance(exc, PermissionError) else exc.strerror or type(exc).__name__
        return Problem(Location(shown), f"folder cannot be read ({reason})", code="unreadable")
    found.sort()
    return [_Entry(name, directory, f"{shown}{os.sep}{printable(name)}", kind) for name, kind in found]


def _open_root(root: Path) -> tuple[list[_Entry], str] | Problem:
    """The entries of the curated folder itself, refusing a link or anything but a folder.

    The folder may not be a symbolic link either: its path usually comes from the
    repository (the default `curated`), which a pull request can replace with a link to
    anywhere. Someone who keeps curated data elsewhere passes the real path.
    """
    shown = display_path(root)
    try:
        mode = os.lstat(root).st_mode
    except OSError:
        return Problem(Location(shown), _NOT_FOUND, code="layout")
    if stat.S_ISLNK(mode):
        return Problem(
            Location(shown),
            "is a symbolic link; aijobs follows no links in curated data, not even to the folder itself: "
            f"pass the folder's real path instead (`realpath {shown}` prints it)",
            code="symlink",
        )
    if not stat.S_ISDIR(mode):
        return Problem(Location(shown), _NOT_FOUND, code="layout")
    entries = _list(root, shown)
    return entries if isinstance(entries, Problem) else (entries, shown)


def _folders(entries: list[_Entry]) -> Iterator[tuple[str, _Entry]]:
    """(folder, entry) of the record folders present, in the order of TYPE_BY_FOLDER."""
    present = {entry.name: entry for entry in entries if stat.S_ISDIR(entry.kind)}
    for folder in TYPE_BY_FOLDER:
        if folder in present:
            yield folder, present[folder]


def record_files(root: Path, regular_only: bool = True) -> Iterator[tuple[str, Path]]:
    """(folder, path) of every regular file in the known record folders, in a stable order.

    Links, pipes, devices and folders are left out (`load_directory` reports them), unless
    `regular_only` is false: then they are listed too, for a caller that reports them.
    """
    opened = _open_root(root)
    if isinstance(opened, Problem):
        return
    for folder, directory in _folders(opened[0]):
        entries = _list(directory.path, directory.shown)
        if isinstance(entries, Problem):
            continue
        for entry in entries:
            if stat.S_ISREG(entry.kind) or not regular_only:
                yield folder, entry.path


def _stray_files(entries: list[_Entry]) -> Iterator[Problem]:
    for entry in entries:
        if stat.S_ISLNK(entry.kind):
            yield symlink_problem(entry.shown, folder=entry.name in TYPE_BY_FOLDER)
        elif entry.name in _ROOT_FILES:
            if not stat.S_ISREG(entry.kind):
                yield refusal(entry.shown, entry.kind)
        elif not (stat.S_ISDIR(entry.kind) and entry.name in TYPE_BY_FOLDER):
            expected = ", ".join(sorted(TYPE_BY_FOLDER))
            what = "folder" if stat.S_ISDIR(entry.kind) else "file"
            yield Problem(
                Location(entry.shown),
                f"unexpected {what} in curated/; records go in one of: {expected}",
                code="layout",
            )


class RecordFile(typing.NamedTuple):
    """A record file to read: its folder (which says its record type), path and name as shown.

    A named tuple, and the path a string (a `Path` is made only when asked): a large
    knowledge base lists a few hundred thousand files, and each record's facts share
    the same string.
    """

    folder: str
    file: str
    """The file's path, as a string (a `Path` is made when asked: see `path`)."""
    shown: str

    @property
    def path(self) -> Path:
        return Path(self.file)

    @property
    def name(self) -> str:
        return os.path.basename(self.file)

    @property
    def stem(self) -> str:
        return os.path.basename(self.file).removesuffix(EXTENSION)

    def order(self) -> tuple[str, str]:
        """Files are read in (record type, id) order: the order of records, and of claim numbers, everywhere."""
        return TYPE_BY_FOLDER[self.folder].kind_name, self.stem


@dataclass
class Listing:
    """The record files of a curated folder, and what is wrong with its layout.

    The files are kept as each folder's names, and made into `RecordFile`s when asked
    (`files`, `file`): checking what changed in a large folder needs only their paths.
    """

    problems: list[Problem] = field(default_factory=list)
    unloadable: set[str] = field(default_factory=set)
    folders: list[tuple[str, str, str, list[str]]] = field(default_factory=list)
    """(folder, how its files' paths begin, how their shown paths begin, the names in id order) of each
    record folder, in type order."""
    unchecked: bool = False
    """Whether the files were listed by name alone (`list_directory(..., unchecked=True)`): each is
    a regular file only if its status, taken without following a link, says so."""
    folder_statuses: dict[str, Status] = field(default_factory=dict)
    """The status of each record folder holding nothing but record files, taken before it was listed
    (what `list_directory(known=...)` compares next time)."""

    @cached_property
    def files(self) -> list[RecordFile]:
        """Every record file, in (type, id) order."""
        return [
            RecordFile(folder, prefix + name, shown + printable(name))
            for folder, prefix, shown, names in self.folders
            for name in names
        ]

    @cached_property
    def paths(self) -> list[str]:
        """The path of every record file, in (type, id) order."""
        return [prefix + name for _, prefix, _, names in self.folders for name in names]

    @cached_property
    def joined_paths(self) -> str:
        """`paths` joined by NUL, as a folder's saved state keeps them (`aijobs.incremental`)."""
        return "\0".join(prefix + f"\0{prefix}".join(names) for _, prefix, _, names in self.folders if names)

    def find(self, folder: str, name: str) -> int | None:
        """The position in `files` of the record file `name` of the record folder `folder`, if listed."""
        offset = 0
        for listed, _, _, names in self.folders:
            if listed == folder:
                stem = name[: -len(EXTENSION)]
                index = bisect.bisect_left(names, stem, key=_stem)
                return offset + index if index < len(names) and names[index] == name else None
            offset += len(names)
        return None

    @property
    def count(self) -> int:
        return sum(len(names) for *_, names in self.folders)

    def file(self, position: int) -> RecordFile:
        """The record file at this position of `files`, made alone."""
        for folder, prefix, shown, names in self.folders:
            if position < len(names):
                name = names[position]
                return RecordFile(folder, prefix + name, shown + printable(name))
            position -= len(names)
        raise IndexError(position)


def _stem(name: str) -> str:
    return name[: -len(EXTENSION)]


def _folder_status(path: Path) -> Status | None:
    """A record folder's status, as a file's (`aijobs.cache.status_of`)."""
    try:
        return status_of(os.lstat(path))
    except OSError:
        return None


def list_directory(root: Path, unchecked: bool = False, known: dict[str, tuple[Status, str]] | None = None) -> Listing:
    """Every record file under `root`, in (record type, id) order; the layout's problems.

    Only regular files and real folders inside `root` are listed: a symbolic link, pipe,
    device or socket is reported and never opened (see `aijobs.files`). With `unchecked`,
    a record folder's `.yaml` names are taken as its record files without looking at their
    types (three times quicker for a large folder): for a caller that takes every file's
    status anyway, and lists again without it if one is not a regular file. `known` (with
    `unchecked` only) holds (status, names joined by NUL) of record folders as they were
    listed before: a folder whose status is the same has the same entries (an entry that
    comes, goes or is renamed changes its folder's modification and change times), and is
    not listed again.
    """
    listing = Listing(unchecked=unchecked)
    opened = _open_root(root)
    if isinstance(opened, Problem):
        listing.problems.append(opened)
        return listing
    root_entries, _ = opened
    listing.problems.extend(_stray_files(root_entries))
    if any(entry.name in TYPE_BY_FOLDER and not stat.S_ISDIR(entry.kind) for entry in root_entries):
        listing.unloadable = AnyId()  # a record folder that is a link (or a file) was not read
    # Record folders in the order of their record types, each folder's files in id order:
    # the files end up in (type, id) order without a sort over every file.
    for folder, directory in sorted(_folders(root_entries), key=lambda found: TYPE_BY_FOLDER[found[0]].kind_name):
        status = _folder_status(directory.path)  # before listing: a change during it changes the status
        before = known.get(folder) if known is not None and unchecked and status is not None else None
        if before is not None and before[0] == status:
            listed: tuple[list[str], list[_Entry]] | Problem = (before[1].split("\0") if before[1] else [], [])
        else:
            listed = (_record_names if unchecked else _record_entries)(directory.path, directory.shown)
        if isinstance(listed, Problem):
            listing.problems.append(listed)
            listing.unloadable = AnyId(listing.unloadable)
            continue
        names, others = listed
        listing.folders.append((folder, folder_prefix(root, folder), f"{directory.shown}{os.sep}", names))
        if not others and status is not None:
            listing.folder_statuses[folder] = status
        for entry in others:
            name, kind = entry.name, entry.kind
            if stat.S_ISREG(kind) or (stat.S_ISDIR(kind) and not name.endswith(EXTENSION)):
                problem = Problem(
                    Location(entry.shown), f"not a record file: records are '<id>{EXTENSION}' files", code="layout"
                )
            elif stat.S_ISDIR(kind):
                problem = Problem(
                    Location(entry.shown),
                    f"is a folder, not a record file: records are '<id>{EXTENSION}' files",
                    code="layout",
                )
            else:
                problem = refusal(entry.shown, kind)
            listing.problems.append(problem)
            if name.endswith(EXTENSION):  # meant as a record: references to it are not reported again
                listing.unloadable.add(name.removesuffix(EXTENSION))
    return listing


def folder_prefix(root: Path, folder: str) -> str:
    """How the path of each file in a record folder begins, as `list_directory` lists it."""
    return os.path.join(os.fspath(root / folder), "")


def _record_entries(directory: Path, shown: str) -> tuple[list[str], list[_Entry]] | Problem:
    """(names of the regular `.yaml` files of a record folder in id order, its other visible entries).

    The common entry, a regular record file, costs no system call (its type comes from
    the listing) and no object but its name: a large knowledge base has hundreds of
    thousands of them.
    """
    others: list[_Entry] = []

    def other(entry: os.DirEntry[str]) -> bool:
        """Keep a visible entry that is not a regular record file, for its problem; never a name."""
        if not entry.name.startswith("."):
            others.append(_Entry(entry.name, directory, f"{shown}{os.sep}{printable(entry.name)}", _kind(entry)))
        return False

    try:
        with os.scandir(directory) as scan:
            # One comprehension for the common entry (quicker than a loop over hundreds of
            # thousands), and no list of every entry: each is dropped once looked at.
            names = [
                name
                for entry in scan
                if (
                    (name := entry.name).endswith(EXTENSION) and name[0] != "." and entry.is_file(follow_symlinks=False)
                )
                or other(entry)
            ]
    except OSError as exc:
        reason = "permission denied" if isinstance(exc, PermissionError) else exc.strerror or type(exc).__name__
        return Problem(Location(shown), f"folder cannot be read ({reason})", code="unreadable")
    names.sort(key=lambda name: name[: -len(EXTENSION)])
    others.sort(key=lambda entry: entry.name)
    return names, others


def _record_names(directory: Path, shown: str) -> tuple[list[str], list[_Entry]] | Problem:
    """`_record_entries` from the folder's names alone: a visible `.yaml` name is taken for a regular
    file unchecked (see `list_directory`); any other visible entry's type is looked up, as rare."""
    try:
        every = os.listdir(directory)
    except OSError as exc:
        reason = "permission denied" if isinstance(exc, PermissionError) else exc.strerror or type(exc).__name__
        return Problem(Location(shown), f"folder cannot be read ({reason})", code="unreadable")
    names = [name for name in every if name.endswith(EXTENSION) and name[0] != "."]
    others: list[_Entry] = []
    for name in every:
        if name[0] != "." and not name.endswith(EXTENSION):
            try:
                kind = stat.S_IFMT(os.lstat(directory / name).st_mode)
            except OSError:
                kind = 0
            others.append(_Entry(name, directory, f"{shown}{os.sep}{printable(name)}", kind))
    names.sort(key=_stem)
    others.sort(key=lambda entry: entry.name)
    return names, others


Derive = Callable[[Record, str, list[Node]], Any]
"""Something more made of each valid record, its file as shown and its `walk` (the database rows)."""


@dataclass(slots=True)
class FileOutcome:
    """What reading one record file gave: the record's facts, or the problems that prevent it."""

    problems: list[Problem]
    facts: RecordFacts | None = None
    attempted: tuple[str, ...] = ()
    """Ids a file that failed may have meant, so references to it are not reported twice."""
    claims: int = 0
    record: Record | None = None
    """The record itself, when the caller asked to keep it."""
    derived: Any = None
    """What `derive` made of the record, when given."""


def read_record(
    file: RecordFile, raw: bytes | None = None, keep: bool = False, derive: Derive | None = None
) -> FileOutcome:
    """Read, parse and validate one record file (its bytes, if already read); never raises for bad data.

    The file is parsed without positions first; only a file with a problem is parsed
    again to say where the problem is. The outcome depends only on the file's folder,
    name, bytes and how it is shown: that is what `aijobs.cache` keys it by.
    """
    path = file.path
    try:
        if raw is None:
            raw = read_curated_bytes(path, file.shown)
        text = decode_utf8(raw, file.shown)
        document = parse_yaml(text, file.shown, path, positions=False)
        loaded, problems = validate_document(document, file.folder, file.stem)
        if loaded is None and not document.marks:  # say where: parse again, with positions
            document = parse_yaml(text, file.shown, path)
            loaded, problems = validate_document(document, file.folder, file.stem)
    except YamlError as exc:
        problems = [exc.problem, *_file_name_problems(file.stem, file.shown)]
        loaded = None
    if loaded is None:
        return FileOutcome(problems, attempted=_attempted_ids(file.stem, raw))
    record = loaded.record
    nodes = list(walk(record))  # walked once, for the facts and for what is derived
    facts = facts_of(record, file.file, file.shown, nodes)
    return FileOutcome(
        [],
        facts=facts,
        claims=facts.claims,
        record=record if keep else None,
        derived=derive(record, file.shown, nodes) if derive is not None else None,
    )


def load_directory(root: Path) -> LoadResult:
    """Parse and validate every record under `root`, keeping each record; never raises for bad data.

    Only regular files and real folders inside `root` are read: a symbolic link, pipe,
    device or socket is reported and never opened (see `aijobs.files`).
    """
    listing = list_directory(root)
    result = LoadResult(problems=listing.problems, unloadable=listing.unloadable)
    for file in listing.files:
        result.files_read += 1
        outcome = read_record(file, keep=True)
        result.problems.extend(outcome.problems)
        if outcome.record is not None:
            result.records.append(LoadedRecord(outcome.record, file.path, file.shown, outcome.facts))
        else:
            result.unloadable.update(outcome.attempted)
    return result


def _attempted_ids(stem: str, raw: bytes | None) -> tuple[str, ...]:
    """Ids a broken file may have meant: its name, and the id its first lines write."""
    match = _ID_LINE.search(raw[:4096].decode("utf-8", errors="replace")) if raw is not None else None
    return (stem, match.group(1)) if match and match.group(1) != stem else (stem,)


_ID_LINE = re.compile(r"^id:\s*['\"]?([^'\"\s#]+)", re.MULTILINE)


def _file_name_problems(stem: str, shown_as: str) -> list[Problem]:
    """A problem if the file name is not an id (the name shown escaped, never raw)."""
    if _SLUG.fullmatch(stem):
        return []
    lowered = stem.lower()
    rename = f"; rename it to {lowered + EXTENSION!r}" if _SLUG.fullmatch(lowered) else ""
    return [
        Problem(
            Location(shown_as),
            f"file name {stem + EXTENSION!r} is not an id followed by {EXTENSION!r}; ids are lowercase ASCII "
            f"letters, digits and single hyphens{rename}",
            code="file-name",
        )
    ]


def validate_document(document: YamlDocument, folder: str, stem: str) -> tuple[LoadedRecord | None, list[Problem]]:
    model = TYPE_BY_FOLDER[folder]
    data = document.data
    if not isinstance(data, dict):
        found = "an empty file" if data is None else type(data).__name__
        return None, [
            Problem(
                document.locate(()),
                f"expected a mapping of fields ({with_article(model.kind_name)} record), found {found}",
            ),
            *_file_name_problems(stem, document.shown_as),
        ]
    misplaced = _misplaced(data, model)
    if misplaced is not None:
        return None, [misplaced_problem(document, model, misplaced)]
    problems: list[Problem] = []
    record_id = data.get("id")
    if isinstance(record_id, str) and _SLUG.fullmatch(record_id) and record_id != stem:
        hint = " (they differ only in letter case)" if record_id.lower() == stem.lower() else ""
        problems.append(
            Problem(
                document.locate(("id",)),
                f"id {record_id!r} does not match the file name {stem + EXTENSION!r}{hint}; "
                f"rename the file to {record_id + EXTENSION!r} or fix the id",
                field="id",
                code="id-mismatch",
            )
        )
    elif record_id != stem:  # the id cannot name the file (if it is the name, its own error says why)
        problems.extend(_file_name_problems(stem, document.shown_as))
    try:
        record = model.model_validate(data)
    except ValidationError as exc:
        problems.extend(describe_validation_error(exc, document, model.kind_name, model))
        return None, problems
    if problems:
        return None, problems
    return LoadedRecord(record, document.path, document.shown_as), []


def _misplaced(data: dict[Any, Any], model: type[Record]) -> type[Record] | None:
    """The record type whose fields fit this file's keys when the folder's type does not.

    Each type is scored by how many of the file's top-level keys it lacks; a file is
    misplaced when its folder's type lacks some and another type lacks none.
    """
    keys = {key for key in data if isinstance(key, str)}

    def unknown(candidate: type[Record]) -> int:
        return len(keys - set(candidate.model_fields))

    if unknown(model) == 0:
        return None
    fits = [candidate for candidate in RECORD_TYPES if candidate is not model and unknown(candidate) == 0]
    return fits[0] if len(fits) == 1 else None


def misplaced_problem(document: YamlDocument, model: type[Record], fits: type[Record]) -> Problem:
    stray = sorted(key for key in document.data if key not in model.model_fields)
    return Problem(
        document.locate(()),
        f"this looks like {with_article(fits.kind_name)} record ({', '.join(stray)} are "
        f"{fits.kind_name} fields, not {model.kind_name} fields); move it to curated/{fits.folder}/",
        code="misplaced",
    )


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models a field's type can hold (through lists, unions, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for argument in typing.get_args(annotation):
        found += _models_in(argument)
    return found


def _field_names_at(model: type[BaseModel], loc: tuple[Any, ...]) -> set[str]:
    """The field names allowed where a pydantic error location points (its parent's models)."""
    models: list[type[BaseModel]] = [model]
    for element in loc:
        if not isinstance(element, str):
            continue
        inner = [
            found
            for current in models
            if element in current.model_fields
            for found in _models_in(current.model_fields[element].annotation)
        ]
        if inner:
            models = inner
    return {name for current in models for name in current.model_fields}


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[list[str | int], bool]:
    """Map a pydantic error location onto keys that exist in the data.

    Pydantic adds union-branch names ('literal['unknown']', 'function-after[...]') to
    locations; those are dropped. Returns the path and whether its last key is absent.
    """
    path: list[str | int] = []
    current = data
    missing = False
    for element in loc:
        if isinstance(current, dict) and isinstance(element, str):
            if element in current:
                current = current[element]
                path.append(element)
            else:
                path.append(element)
                missing = True
                break
        elif isinstance(current, list) and isinstance(element, int) and 0 <= element < len(current):
            current = current[element]
            path.append(element)
    return path, missing


def _found(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def describe_validation_error(
    exc: ValidationError, document: YamlDocument, kind: str, model: type[BaseModel] | None = None
) -> list[Problem]:
    by_path: dict[tuple[str | int, ...], list[tuple[str, str, Any]]] = {}
    allowed: dict[tuple[str | int, ...], set[str]] = {}
    missing_keys: set[tuple[str | int, ...]] = set()
    for error in exc.errors(include_url=False):
        path, missing = _data_path(document.data, tuple(error["loc"]))
        key = tuple(path)
        if missing:
            missing_keys.add(key)
        if error["type"] == "extra_forbidden" and model is not None:
            allowed[key] = _field_names_at(model, tuple(error["loc"])[:-1])
        by_path.setdefault(key, []).append((error["type"], error["msg"], error.get("input")))
    guesses = {key: guess for key in allowed if (guess := closest(str(key[-1]), allowed[key])) is not None}
    explained = {(*key[:-1], guess) for key, guess in guesses.items()}  # "missing" fields a typo explains
    problems = []
    for key, errors in by_path.items():
        if key in explained and key in missing_keys:
            continue
        # Our own checks (value_error) explain more than "input should be 'unknown'".
        preferred = [e for e in errors if e[0] == "value_error"] or errors
        messages = list(dict.fromkeys(_clean_message(msg) for _, msg, _ in preferred))
        error_type, _, given = preferred[0]
        field = ".".join(str(part) for part in key)
        if error_type == "extra_forbidden":
            location = document.locate((*key, "__key__"))
            guess = guesses.get(key)
            fix = f"did you mean {guess!r}?" if guess else "check the spelling or remove it"
            message = f"unknown field {key[-1]!r} in {with_article(kind)} record; {fix}"
        elif error_type == "missing":
            location = document.locate(key[:-1])
            message = "required field is missing"
        else:
            location = document.locate(key)
            message = "; or ".join(messages)
            if key not in missing_keys and error_type != "value_error":
                message += f"; found {_found(given)}"
        problems.append(Problem(location, message, field=field or "(record)", code="schema"))
    return problems


def _clean_message(message: str) -> str:
    message = message.removeprefix("Value error, ")
    return message[0].lower() + message[1:] if message else message
