"""Constrained field types shared by the record models.

Each type rejects the mistakes contributors actually make (an invisible character
pasted with a name, a date that does not exist, a full-width letter in an id) with a
message that says what was expected.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import unicodedata
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import AfterValidator, BeforeValidator, Field, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

Lang = Literal["zh-Hans", "zh-Hant", "en"]

Format = Literal["text", "markdown", "html"]
"""How a source document is written; `aijobs.provenance.paragraphs` numbers each kind."""


def choices(vocabulary: Any) -> tuple[str, ...]:
    """The values a Literal vocabulary allows, in order: `choices(Lang)` is ('zh-Hans', 'zh-Hant', 'en').

    Accepts a field's annotation as well: `X | None`, `list[X]` and `Annotated[X, ...]`
    are unwrapped, so an inline `Literal` of a record field is read without naming it.
    """
    origin = get_origin(vocabulary)
    if origin is Literal:
        values = get_args(vocabulary)
    elif origin is Annotated or origin is list:
        values = choices(get_args(vocabulary)[0])
    elif origin is Union or origin is types.UnionType:
        values = tuple(value for arm in get_args(vocabulary) if arm is not type(None) for value in choices(arm))
    else:
        raise TypeError(f"expected a Literal vocabulary, found {vocabulary!r}")
    if not values or not all(isinstance(value, str) for value in values):
        raise TypeError(f"expected a Literal of strings, found {vocabulary!r}")
    return values


def one_of(vocabulary: Any) -> str:
    """A vocabulary in words, 'a, b or c': how descriptions and help list its values.

    `vocabulary` is a Literal (see `choices`) or a tuple or list of the values themselves.
    """
    words = list(vocabulary) if isinstance(vocabulary, tuple | list) else list(choices(vocabulary))
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_SLUG = re.compile(SLUG_PATTERN)
QUOTE_MAX = 40


def _check_slug(value: str) -> str:
    if not _SLUG.fullmatch(value):
        raise ValueError(
            f"expected an id of lowercase ASCII letters, digits and single hyphens (like 'ai-trainer'), found {value!r}"
        )
    return value


Slug = Annotated[str, Field(max_length=80, json_schema_extra={"pattern": SLUG_PATTERN}), AfterValidator(_check_slug)]


class RefTo:
    """Marks an id as a reference to a record of one of `kinds`: ``Annotated[Slug, RefTo("company")]``.

    `aijobs.references` finds every reference through this mark, and the JSON Schema
    carries it as ``x-aijobs-ref``, so a new id-valued field needs nothing else.
    """

    __slots__ = ("kinds",)

    def __init__(self, *kinds: str) -> None:
        if not kinds:
            raise TypeError("RefTo needs at least one record kind")
        self.kinds: tuple[str, ...] = kinds

    def __repr__(self) -> str:
        return f"RefTo({', '.join(map(repr, self.kinds))})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RefTo) and other.kinds == self.kinds

    def __hash__(self) -> int:
        return hash(self.kinds)

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema: dict[str, Any] = handler(schema)
        json_schema["x-aijobs-ref"] = list(self.kinds)
        return json_schema


class ClaimAs:
    """Names the claim a generic statement makes where a field holds it: ``Annotated[Statement, ClaimAs("task")]``.

    Most cited models name their claim themselves (`claim_property`); a `Statement` is
    prose that means a description, a task or a tool depending on where it is.
    """

    __slots__ = ("property",)

    def __init__(self, property: str) -> None:
        self.property = property

    def __repr__(self) -> str:
        return f"ClaimAs({self.property!r})"


# Characters that must never hide in text: control characters (Cc), format characters
# (Cf: zero-width spaces, bidirectional overrides, BOM), and line/paragraph separators.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"})


def hidden_characters(text: str, allow_newlines: bool = False) -> list[str]:
    """Describe each invisible or control character in `text` as U+XXXX NAME."""
    found = []
    for char in text:
        if allow_newlines and char == "\n":
            continue
        if unicodedata.category(char) in _HIDDEN_CATEGORIES:
            found.append(f"U+{ord(char):04X} {unicodedata.name(char, 'control character')}")
    return found


def _check_line(value: str) -> str:
    hidden = hidden_characters(value)
    if hidden:
        raise ValueError(f"contains invisible or control characters: {', '.join(sorted(set(hidden)))}; delete them")
    if value != value.strip():
        raise ValueError("has leading or trailing whitespace; remove it")
    if not value:
        raise ValueError("must not be empty")
    return value


def _check_prose(value: str) -> str:
    hidden = hidden_characters(value, allow_newlines=True)
    if hidden:
        raise ValueError(f"contains invisible or control characters: {', '.join(sorted(set(hidden)))}; delete them")
    if not value.strip():
        raise ValueError("must not be empty")
    return value.strip()


Line = Annotated[str, Field(max_length=500), AfterValidator(_check_line)]
"""One line of text: a name, a title, a place."""

Prose = Annotated[str, Field(max_length=4000), AfterValidator(_check_prose)]
"""The curators' own words: descriptions, notes. Newlines allowed."""

Quote = Annotated[str, Field(max_length=QUOTE_MAX), AfterValidator(_check_line)]
"""An exact span of a source paragraph: short by design, so no source is copied."""

_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def _check_partial_date(value: object) -> object:
    if isinstance(value, int) and 1000 <= value <= 9999:
        return str(value)  # a bare year written unquoted
    if not isinstance(value, str):
        return value
    match = _PARTIAL_DATE.fullmatch(value)
    if not match:
        raise ValueError(f"expected a date as YYYY, YYYY-MM or YYYY-MM-DD, found {value!r}")
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        dt.date(year or 1, month or 1, day or 1)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a real date ({exc})") from None
    return value


PartialDate = Annotated[
    str,
    Field(json_schema_extra={"pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"}),
    BeforeValidator(_check_partial_date),
]
"""A date known to the year, month or day: '2023', '2023-03', '2025-06-22'."""

Unknown = Literal["unknown"]

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _check_sha256(value: str) -> str:
    if not _SHA256.fullmatch(value):
        raise ValueError("expected 64 lowercase hexadecimal digits (the output of sha256sum)")
    return value


Sha256 = Annotated[str, AfterValidator(_check_sha256)]

_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _check_file_name(value: str) -> str:
    if not _FILE_NAME.fullmatch(value) or ".." in value:
        raise ValueError(
            f"expected a plain file name in the corpus folder (letters, digits, '.', '_', '-'; "
            f"no folders or '..'), found {value!r}"
        )
    return value


FileName = Annotated[str, Field(max_length=200), AfterValidator(_check_file_name)]
