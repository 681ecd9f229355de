"""Safe, strict YAML reading that remembers where every value came from.

Curated files are edited by strangers in pull requests, so reading them must be
boring and predictable: libyaml's C parser when it is installed, no tags, no anchors
or aliases (no alias bombs), no duplicate keys, UTF-8 only, and YAML 1.2 scalars (so
`no` stays the string "no" and `1.10` is only a number where a number is wanted).
Dates stay strings and are parsed by the models, which know which fields are dates.

The tree is built from parser events rather than with a loader so that each value's
line and column can be kept: validation errors point at the exact place to edit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

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


@dataclass
class YamlDocument:
    """A parsed file: its data and the (line, column) of every value, by field path."""

    path: Path
    shown_as: str
    data: Any
    positions: dict[FieldPath, tuple[int, int]] = field(default_factory=dict)

    def locate(self, where: FieldPath) -> Location:
        """The location of a field, or of its nearest enclosing value that exists."""
        for end in range(len(where), -1, -1):
            position = self.positions.get(tuple(where[:end]))
            if position:
                return Location(self.shown_as, *position)
        return Location(self.shown_as, 1, 1)


class YamlError(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


def resolve_plain_scalar(text: str) -> Any:
    """YAML 1.2 core schema for unquoted scalars; everything else is a string."""
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    return text


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


class _TreeBuilder:
    """Turns a libyaml event stream into plain Python data plus positions."""

    def __init__(self, shown_as: str) -> None:
        self.shown_as = shown_as
        self.positions: dict[FieldPath, tuple[int, int]] = {}

    def fail(self, event: Any, message: str, code: str = "yaml") -> YamlError:
        return YamlError(Problem(Location(self.shown_as, *_position(event.start_mark)), message, code=code))

    def check_node_event(self, event: Any) -> None:
        if isinstance(event, yaml.AliasEvent):
            raise self.fail(event, f"YAML alias '*{event.anchor}' is not allowed; write the value out in full")
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise self.fail(event, f"YAML anchor '&{anchor}' is not allowed; write each value out in full")
        tag = getattr(event, "tag", None)
        implicit = getattr(event, "implicit", True)
        explicit = tag is not None and not (implicit is True or (isinstance(implicit, tuple) and any(implicit)))
        if explicit and tag not in ("!",):
            raise self.fail(event, f"YAML tag '{tag}' is not allowed; curated files hold plain data only")

    def build(self, events: Any, first: Any, path: FieldPath) -> Any:
        self.check_node_event(first)
        if len(path) > MAX_DEPTH:
            raise self.fail(first, f"data is nested more than {MAX_DEPTH} levels deep")
        self.positions[path] = _position(first.start_mark)
        if isinstance(first, yaml.ScalarEvent):
            if first.implicit[0] and first.style in (None, ""):  # plain, unquoted
                return resolve_plain_scalar(first.value)
            return first.value
        if isinstance(first, yaml.SequenceStartEvent):
            items: list[Any] = []
            for event in events:
                if isinstance(event, yaml.SequenceEndEvent):
                    return items
                items.append(self.build(events, event, (*path, len(items))))
        if isinstance(first, yaml.MappingStartEvent):
            mapping: dict[str, Any] = {}
            for event in events:
                if isinstance(event, yaml.MappingEndEvent):
                    return mapping
                self.check_node_event(event)
                if not isinstance(event, yaml.ScalarEvent):
                    raise self.fail(event, "mapping keys must be plain strings")
                key = event.value
                if key in mapping:
                    raise self.fail(event, f"duplicate key '{key}'; each key may appear once in a mapping")
                key_position = _position(event.start_mark)
                mapping[key] = self.build(events, next(events), (*path, key))
                # Keep the key's own position for "unknown field" errors.
                self.positions.setdefault((*path, key, "__key__"), key_position)
            return mapping
        raise self.fail(first, f"unexpected YAML event {type(first).__name__}")


def parse_yaml(text: str, shown_as: str, path: Path | None = None) -> YamlDocument:
    """Parse one YAML document from text; raises YamlError with a located problem."""
    builder = _TreeBuilder(shown_as)
    try:
        events = iter(yaml.parse(text, Loader=_Loader))
        next(events)  # StreamStart
        start = next(events)
        if isinstance(start, yaml.StreamEndEvent):
            return YamlDocument(path or Path(shown_as), shown_as, None, {})
        data = builder.build(events, next(events), ())
        end = next(events)  # DocumentEnd
        following = next(events)
        if not isinstance(following, yaml.StreamEndEvent):
            raise builder.fail(following, "file holds more than one YAML document; keep one record per file")
        del end
    except yaml.MarkedYAMLError as exc:
        line, column = _position(exc.problem_mark or exc.context_mark)
        what = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        raise YamlError(
            Problem(Location(shown_as, line, column), f"YAML syntax error: {what}{context}", code="yaml")
        ) from None
    except yaml.YAMLError as exc:
        raise YamlError(Problem(Location(shown_as, 1, 1), f"YAML error: {exc}", code="yaml")) from None
    except RecursionError:
        raise YamlError(Problem(Location(shown_as, 1, 1), "data is nested too deeply", code="yaml")) from None
    return YamlDocument(path or Path(shown_as), shown_as, data, builder.positions)


def read_yaml(path: Path, shown_as: str) -> YamlDocument:
    """Read and parse a curated file, refusing files too large to be a record."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise YamlError(
            Problem(
                Location(shown_as, 1, 1),
                f"file is {size:,} bytes; a record is at most {MAX_BYTES:,} bytes",
                code="size",
            )
        )
    return parse_yaml(decode_utf8(path.read_bytes(), shown_as), shown_as, path)
