"""Reading ``curated/`` into validated records, collecting every problem on the way.

The loader never stops at the first mistake: a pull request that breaks five files
gets five messages, each pointing at ``file:line:column`` and the field to fix.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from aijobs.fields import SLUG_PATTERN
from aijobs.problems import Location, Problem, display_path
from aijobs.records import RECORD_TYPES, TYPE_BY_FOLDER, Record
from aijobs.suggest import closest, with_article
from aijobs.yamlfile import YamlDocument, YamlError, read_yaml

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

    def locate(self, *where: str | int) -> Location:
        try:
            return read_yaml(self.path, self.shown_as).locate(where)
        except (OSError, YamlError):
            return Location(self.shown_as)


@dataclass
class LoadResult:
    records: list[LoadedRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files_read: int = 0
    unloadable: set[str] = field(default_factory=set)  # file stems of records that failed to load


def record_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(folder, path) of every YAML file in the known record folders, in a stable order."""
    for folder in TYPE_BY_FOLDER:
        directory = root / folder
        if directory.is_dir():
            for path in sorted(directory.iterdir()):
                yield folder, path


def _stray_files(root: Path) -> Iterator[Problem]:
    for entry in sorted(root.iterdir()):
        if entry.name.startswith(".") or entry.name in ("README.md", "coverage-exceptions.yaml"):
            continue
        if entry.is_dir() and entry.name in TYPE_BY_FOLDER:
            continue
        expected = ", ".join(sorted(TYPE_BY_FOLDER))
        yield Problem(
            Location(display_path(entry)),
            f"unexpected {'folder' if entry.is_dir() else 'file'} in curated/; records go in one of: {expected}",
            code="layout",
        )


def load_directory(root: Path) -> LoadResult:
    """Parse and validate every record under `root`; never raises for bad data."""
    result = LoadResult()
    if not root.is_dir():
        result.problems.append(
            Problem(
                Location(display_path(root)),
                "curated data folder not found; pass the folder that holds sources/, people/, ... "
                "or run from the repository root",
                code="layout",
            )
        )
        return result
    result.problems.extend(_stray_files(root))
    for folder, path in record_files(root):
        shown = display_path(path)
        if path.name.startswith("."):
            continue
        if path.is_dir() or path.suffix != EXTENSION:
            result.problems.append(
                Problem(Location(shown), f"not a record file: records are '<id>{EXTENSION}' files", code="layout")
            )
            continue
        result.files_read += 1
        loaded, problems = load_file(path, folder, shown)
        result.problems.extend(problems)
        if loaded is not None:
            result.records.append(loaded)
        else:
            result.unloadable.update(_attempted_ids(path))
    return result


def _attempted_ids(path: Path) -> set[str]:
    """Ids a broken file may have meant, so references to it are not reported twice."""
    text = path.read_bytes()[:4096].decode("utf-8", errors="replace")
    match = _ID_LINE.search(text)
    return {path.stem} | ({match.group(1)} if match else set())


_ID_LINE = re.compile(r"^id:\s*['\"]?([^'\"\s#]+)", re.MULTILINE)


def load_file(path: Path, folder: str, shown_as: str) -> tuple[LoadedRecord | None, list[Problem]]:
    """Read one record file; returns the record or the problems that prevent it."""
    try:
        document = read_yaml(path, shown_as)
    except YamlError as exc:
        return None, [exc.problem]
    return validate_document(document, folder, path.stem)


def validate_document(document: YamlDocument, folder: str, stem: str) -> tuple[LoadedRecord | None, list[Problem]]:
    model = TYPE_BY_FOLDER[folder]
    data = document.data
    if not isinstance(data, dict):
        found = "an empty file" if data is None else type(data).__name__
        return None, [
            Problem(
                document.locate(()),
                f"expected a mapping of fields ({with_article(model.kind_name)} record), found {found}",
            )
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
