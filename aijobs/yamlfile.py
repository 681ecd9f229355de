"""Safe, strict YAML reading that remembers where every value came from.

Curated files are edited by strangers in pull requests, so reading them must be
boring and predictable: libyaml's C parser when it is installed, no tags, no anchors
or aliases (no alias bombs), no duplicate keys, UTF-8 only, and YAML 1.2 scalars (so
`no` stays the string "no" and `1.10` is only a number where a number is wanted).
Numbers no field can hold (infinity, NaN, beyond a double's ±1.8e308, so small they
would become 0) are refused where they are written, before they reach the database or a
JSON export.
Dates stay strings and are parsed by the models, which know which fields are dates.

The tree is built from parser events rather than with a loader so that each value's
line and column can be kept: validation errors point at the exact place to edit.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from aijobs.errors import AijobsError
from aijobs.files import FileProblem, read_regular_file_status
from aijobs.problems import Location, Problem

try:  # libyaml's C parser is about ten times faster; fall back to pure Python.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Key = str | int
FieldPath = tuple[Key, ...]

MAX_DEPTH = 64
MAX_BYTES = 1_000_000

_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?[0-9]+[eE][-+]?[0-9]+")
_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_INFINITY = frozenset(sign + inf for sign in ("", "+", "-") for inf in (".inf", ".Inf", ".INF"))
_NAN = frozenset({".nan", ".NaN", ".NAN"})
MAX_DIGITS = 309
"""The most significant digits a number may have: no number beyond a double's ±1.8e308 fits a field.

Checked before `int()` is called, so a 100,000-digit number is refused at once, never
converted (Python refuses conversions beyond 4,300 digits, and each costs quadratic time).
"""
_TOO_LARGE = "is too large: numbers are within ±1.8e308; check it, or quote it if it is text"
_TOO_SMALL = "is too close to zero to store (it would become 0); check it, or quote it if it is text"
_NONZERO_DIGIT = re.compile(r"[1-9]")


@dataclass
class YamlDocument:
    """A parsed file: its data and where every value is, by field path."""

    path: Path
    shown_as: str
    data: Any
    marks: dict[FieldPath, Any] = field(default_factory=dict)  # libyaml marks, 0-based

    def locate(self, where: FieldPath) -> Location:
        """The location of a field, or of its nearest enclosing value that exists."""
        for end in range(len(where), -1, -1):
            mark = self.marks.get(tuple(where[:end]))
            if mark is not None:
                return Location(self.shown_as, *_position(mark))
        return Location(self.shown_as, 1, 1)


class YamlError(AijobsError):
    """A file that is not the plain YAML a record must be; carries the located problem."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


_MAYBE_NOT_STRING = frozenset("0123456789+-.~nNtTfF")


def resolve_plain_scalar(text: str) -> Any:
    """YAML 1.2 core schema for unquoted scalars; everything else is a string.

    Raises ValueError for a number no field can hold: infinity, NaN, beyond ±1.8e308, or
    so close to zero that it would be stored as 0.
    """
    if text and text[0] not in _MAYBE_NOT_STRING:
        return text  # the common case: a word, a name, a sentence
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _INT.fullmatch(text):
        sign = "-" if text[0] == "-" else ""
        digits = text.lstrip("+-").lstrip("0")
        if len(digits) > MAX_DIGITS:
            raise ValueError(f"number {_abbreviate(text)} {_TOO_LARGE}")
        return int(sign + (digits or "0"))
    if _FLOAT.fullmatch(text):
        value = float(text)
        if math.isinf(value):
            raise ValueError(f"number {_abbreviate(text)} {_TOO_LARGE}")
        if value == 0.0 and _NONZERO_DIGIT.search(text.partition("e")[0].partition("E")[0]):
            raise ValueError(f"number {_abbreviate(text)} {_TOO_SMALL}")
        return value
    if text in _INFINITY:
        raise ValueError(
            f"'{text}' is infinity, which no field holds; write a finite number, or quote it if it is text"
        )
    if text in _NAN:
        raise ValueError(
            f"'{text}' is NaN (not a number), which no field holds; write a number, or quote it if it is text"
        )
    return text


def _abbreviate(text: str) -> str:
    """A number as written, shortened if it is too long to show."""
    return text if len(text) <= 40 else f"{text[:20]}…{text[-8:]} ({len(text):,} characters)"


def decode_utf8(raw: bytes, shown_as: str) -> str:
    """Decode strictly, naming the line and column of the first bad byte."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raise YamlError(
            Problem(
                Location(shown_as, 1, 1),
                "file starts with a byte-order mark (BOM); save it as UTF-8 without BOM",
                code="encoding",
            )
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        raise YamlError(
            Problem(
                Location(shown_as, line, column),
                f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8",
                code="encoding",
            )
        ) from None


def _position(mark: Any) -> tuple[int, int]:
    """libyaml counts from 0; editors and people count from 1."""
    return (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)


_SCALAR, _SEQUENCE, _MAPPING = yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent
_SEQUENCE_END, _MAPPING_END, _ALIAS = yaml.SequenceEndEvent, yaml.MappingEndEvent, yaml.AliasEvent


class _TreeBuilder:
    """Turns a libyaml event stream into plain Python data plus positions.

    This is the hot loop of validation: marks are stored as libyaml gives them and only
    turned into (line, column) when a problem needs locating.
    """

    def __init__(self, shown_as: str, next_event: Any) -> None:
        self.shown_as = shown_as
        self.next_event = next_event
        self.marks: dict[FieldPath, Any] = {}

    def fail(self, event: Any, message: str, code: str = "yaml", where: FieldPath = ()) -> YamlError:
        field = ".".join(str(part) for part in where)
        return YamlError(
            Problem(Location(self.shown_as, *_position(event.start_mark)), message, field=field, code=code)
        )

    def check_node_event(self, event: Any) -> None:
        if type(event) is _ALIAS:
            raise self.fail(event, f"YAML alias '*{event.anchor}' is not allowed; write the value out in full")
        if event.anchor is not None:
            raise self.fail(event, f"YAML anchor '&{event.anchor}' is not allowed; write each value out in full")
        tag = event.tag
        if tag is not None:
            implicit = event.implicit
            explicit = not (implicit is True or (isinstance(implicit, tuple) and any(implicit)))
            if explicit and tag != "!":
                raise self.fail(event, f"YAML tag '{tag}' is not allowed; curated files hold plain data only")

    def build(self, first: Any, path: FieldPath) -> Any:
        kind = type(first)
        if kind is _ALIAS or first.anchor is not None or first.tag is not None:
            self.check_node_event(first)
        self.marks[path] = first.start_mark
        if kind is _SCALAR:
            if first.implicit[0] and not first.style:  # plain, unquoted
                try:
                    return resolve_plain_scalar(first.value)
                except ValueError as exc:
                    raise self.fail(first, str(exc), code="number", where=path) from None
            return first.value
        if len(path) >= MAX_DEPTH:
            raise self.fail(first, f"data is nested more than {MAX_DEPTH} levels deep")
        next_event = self.next_event
        if kind is _SEQUENCE:
            items: list[Any] = []
            while True:
                event = next_event()
                if type(event) is _SEQUENCE_END:
                    return items
                items.append(self.build(event, (*path, len(items))))
        if kind is _MAPPING:
            mapping: dict[str, Any] = {}
            while True:
                event = next_event()
                if type(event) is _MAPPING_END:
                    return mapping
                if type(event) is not _SCALAR or event.anchor is not None or event.tag is not None:
                    self.check_node_event(event)
                    if type(event) is not _SCALAR:
                        raise self.fail(event, "mapping keys must be plain strings")
                key = event.value
                if key in mapping:
                    raise self.fail(event, f"duplicate key {key!r}; each key may appear once in a mapping")
                self.marks[(*path, key, "__key__")] = event.start_mark  # for "unknown field" errors
                mapping[key] = self.build(next_event(), (*path, key))
        raise self.fail(first, f"unexpected YAML event {kind.__name__}")

    def build_fast(self, first: Any, depth: int) -> Any:
        """`build` without positions, for the common case of a file with no problem.

        Anything unusual (a tag, an anchor, a duplicate key, a number out of range, deep
        nesting) raises `_Unusual`: the caller parses again with `build`, which says
        exactly what and where.
        """
        kind = type(first)
        if first.anchor is not None or first.tag is not None:
            raise _Unusual
        if kind is _SCALAR:
            if first.implicit[0] and not first.style:
                try:
                    return resolve_plain_scalar(first.value)
                except ValueError:
                    raise _Unusual from None
            return first.value
        if depth >= MAX_DEPTH:
            raise _Unusual
        next_event = self.next_event
        depth += 1
        if kind is _SEQUENCE:
            items: list[Any] = []
            while True:
                event = next_event()
                if type(event) is _SEQUENCE_END:
                    return items
                items.append(self.build_fast(event, depth))
        if kind is _MAPPING:
            mapping: dict[str, Any] = {}
            while True:
                event = next_event()
                if type(event) is _MAPPING_END:
                    return mapping
                if type(event) is not _SCALAR or event.anchor is not None or event.tag is not None:
                    raise _Unusual
                key = event.value
                if key in mapping:
                    raise _Unusual
                mapping[key] = self.build_fast(next_event(), depth)
        raise _Unusual


class _Unusual(Exception):
    """Raised by the fast tree builder for anything it leaves to the careful one."""


def parse_yaml(text: str, shown_as: str, path: Path | None = None, positions: bool = True) -> YamlDocument:
    """Parse one YAML document from text; raises YamlError with a located problem.

    Without `positions` the document has no marks (`locate` then finds only the file):
    parsing is faster, for callers that parse again with positions when a problem needs
    them (see `aijobs.loader`). Anything unusual is parsed with positions regardless.
    """
    if not positions:
        try:
            return _parse_fast(text, shown_as, path)
        except _Unusual:
            pass
    loader = _Loader(text)
    builder = _TreeBuilder(shown_as, loader.get_event)
    try:
        next_event = loader.get_event
        next_event()  # StreamStart
        start = next_event()
        if isinstance(start, yaml.StreamEndEvent):
            return YamlDocument(path or Path(shown_as), shown_as, None, {})
        data = builder.build(next_event(), ())
        next_event()  # DocumentEnd
        following = next_event()
        if not isinstance(following, yaml.StreamEndEvent):
            raise builder.fail(following, "file holds more than one YAML document; keep one record per file")
    except yaml.MarkedYAMLError as exc:
        line, column = _position(exc.problem_mark or exc.context_mark)
        what = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        plain = explain_syntax_error(text, line, column, what)
        if plain is not None:
            line, column, advice = plain
            message = f"{advice}; the YAML parser says: {what}{context}"
        else:
            message = f"YAML syntax error: {what}{context}"
        raise YamlError(Problem(Location(shown_as, line, column), message, code="yaml")) from None
    except yaml.YAMLError as exc:
        raise YamlError(Problem(Location(shown_as, 1, 1), f"YAML error: {exc}", code="yaml")) from None
    except RecursionError:
        raise YamlError(Problem(Location(shown_as, 1, 1), "data is nested too deeply", code="yaml")) from None
    finally:
        loader.dispose()
    return YamlDocument(path or Path(shown_as), shown_as, data, builder.marks)


def _parse_fast(text: str, shown_as: str, path: Path | None) -> YamlDocument:
    """The data of a well-formed, plain file, without positions; `_Unusual` for anything else."""
    loader = _Loader(text)
    try:
        next_event = loader.get_event
        next_event()  # StreamStart
        if isinstance(next_event(), yaml.StreamEndEvent):
            return YamlDocument(path or Path(shown_as), shown_as, None, {})
        data = _TreeBuilder(shown_as, next_event).build_fast(next_event(), 0)
        next_event()  # DocumentEnd
        if not isinstance(next_event(), yaml.StreamEndEvent):
            raise _Unusual
    except (yaml.YAMLError, RecursionError):
        raise _Unusual from None
    finally:
        loader.dispose()
    return YamlDocument(path or Path(shown_as), shown_as, data, {})


_KEY_START = re.compile(r"^( *)(?:- +)*")


def _key_column(line: str) -> int:
    """Where a line's key starts (after its indentation and any list dashes), counting from 1."""
    match = _KEY_START.match(line)
    return (match.end() if match else 0) + 1


def explain_syntax_error(text: str, line: int, column: int, problem: str) -> tuple[int, int, str] | None:
    """The commonest YAML slips in plain words, with the fix: (line, column, advice), or None.

    An unquoted ': ' inside a value and a line indented more or less than its siblings
    produce parser messages ("mapping values are not allowed in this context", "did not
    find expected key") that do not say what to do.
    """
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return None
    here = lines[line - 1]
    before = here[: max(column - 1, 0)]
    if "tab character" in problem:
        return line, column, "indent with spaces, not tabs"
    if problem.startswith("mapping values are not allowed"):
        key_end = before.find(": ")
        if key_end >= 0 and before[:key_end].strip(" -"):
            key = before[:key_end].strip(" -")
            value = before[key_end + 2 :].strip() + here[column - 1 :].rstrip()
            return line, key_end + 3, f"quote this value: it contains ': ' (write {key}: {_quoted(value)})"
        return _indentation(lines, line)
    if problem.startswith("did not find expected ',' or '}'"):
        item_start = max(before.rfind("{"), before.rfind(", ")) + 1
        item = before[item_start:].lstrip(" ,")
        if ": " in item:
            key, _, start = item.partition(": ")
            rest = here[column - 1 :]
            end = min((i for i in (rest.find(","), rest.find("}")) if i >= 0), default=len(rest))
            value = (start + rest[:end]).strip()
            where = here.find(start, item_start) + 1 if start else column
            return line, where, f"quote this value: it contains ': ' (write {key}: {_quoted(value)})"
        return None
    if problem.startswith(("did not find expected key", "did not find expected '-' indicator")):
        return _indentation(lines, line)
    return None


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _indentation(lines: list[str], line: int) -> tuple[int, int, str] | None:
    above = next((lines[i] for i in range(line - 2, -1, -1) if lines[i].strip()), None)
    if above is None:
        return None
    want, have = _key_column(above), _key_column(lines[line - 1])
    if want == have:
        return None
    return (
        line,
        have,
        f"indent this line to match the line above: its key starts at column {want}, this one at column {have}",
    )


def read_yaml(path: Path, shown_as: str, positions: bool = True) -> YamlDocument:
    """Read and parse a curated file: a regular file (never a link, pipe or device), at most MAX_BYTES."""
    return parse_yaml(decode_utf8(read_curated_bytes(path, shown_as), shown_as), shown_as, path, positions)


def locate_in(path: Path | str, shown_as: str, where: FieldPath) -> Location:
    """Where a field is written in a curated file, read again (only when a problem needs it).

    A file that can no longer be read is located as a whole.
    """
    try:
        return read_yaml(Path(path), shown_as).locate(where)
    except (OSError, YamlError):
        return Location(shown_as)


def read_curated_bytes(path: Path | str, shown_as: str) -> bytes:
    """The bytes of a curated file (see `read_yaml`); raises YamlError naming the file otherwise."""
    return read_curated_status(path, shown_as)[0]


def read_curated_status(path: Path | str, shown_as: str) -> tuple[bytes, os.stat_result]:
    """As `read_curated_bytes`, with the file's status taken as it was opened, before it was read."""
    try:
        return read_regular_file_status(path, shown_as, MAX_BYTES)
    except FileProblem as exc:
        raise YamlError(exc.problem) from None
