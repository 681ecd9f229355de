"""Constrained field types shared by the record models.

Each type rejects the mistakes contributors actually make (an invisible character
pasted with a name, a date that does not exist, a full-width letter in an id) with a
message that says what was expected.
"""

from __future__ import annotations

import datetime as dt
import math
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
        hidden = hidden_characters(value)
        contains = f" (it contains {', '.join(hidden)})" if hidden else ""
        guess = unicodedata.normalize("NFKC", without_hidden(value)).strip().lower()
        suggestion = f"; did you mean {guess!r}?" if _SLUG.fullmatch(guess) else ""
        raise ValueError(
            "expected an id of lowercase ASCII letters, digits and single hyphens (like 'ai-trainer'), "
            f"found {value!r}{contains}{suggestion}"
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
# (Cf: zero-width spaces, bidirectional overrides, BOM), line/paragraph separators,
# private-use, surrogate and unassigned code points; and, by code point, below, the
# default-ignorable ones that belong to other categories.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"})

DEFAULT_IGNORABLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD),  # SOFT HYPHEN
    (0x034F, 0x034F),  # COMBINING GRAPHEME JOINER
    (0x061C, 0x061C),  # ARABIC LETTER MARK
    (0x115F, 0x1160),  # HANGUL CHOSEONG FILLER..HANGUL JUNGSEONG FILLER
    (0x17B4, 0x17B5),  # KHMER VOWEL INHERENT AQ..KHMER VOWEL INHERENT AA
    (0x180B, 0x180F),  # MONGOLIAN FREE VARIATION SELECTORS, MONGOLIAN VOWEL SEPARATOR
    (0x200B, 0x200F),  # ZERO WIDTH SPACE..RIGHT-TO-LEFT MARK
    (0x202A, 0x202E),  # LEFT-TO-RIGHT EMBEDDING..RIGHT-TO-LEFT OVERRIDE
    (0x2060, 0x206F),  # WORD JOINER..NOMINAL DIGIT SHAPES (2065 reserved)
    (0x3164, 0x3164),  # HANGUL FILLER
    (0xFE00, 0xFE0F),  # VARIATION SELECTOR-1..VARIATION SELECTOR-16
    (0xFEFF, 0xFEFF),  # ZERO WIDTH NO-BREAK SPACE (byte-order mark)
    (0xFFA0, 0xFFA0),  # HALFWIDTH HANGUL FILLER
    (0xFFF0, 0xFFF8),  # reserved
    (0x1BCA0, 0x1BCA3),  # SHORTHAND FORMAT LETTER OVERLAP..SHORTHAND FORMAT UP STEP
    (0x1D173, 0x1D17A),  # MUSICAL SYMBOL BEGIN BEAM..MUSICAL SYMBOL END PHRASE
    (0xE0000, 0xE0FFF),  # tags, VARIATION SELECTOR-17..256, reserved
)
"""Unicode's Default_Ignorable_Code_Point property: code points that render as nothing.

Copied from Unicode's DerivedCoreProperties.txt, where it has not changed since Unicode
14.0 added U+180F (checked against Unicode 17.0 data); Python's `unicodedata` has no
accessor for derived properties. Many are format characters (Cf), caught by category
too, but some are letters or marks that a category test lets through: U+034F COMBINING
GRAPHEME JOINER, the Hangul fillers, the variation selectors. Pasted into a name, they
make a name that looks like another and is not equal to it.
"""

OTHER_INVISIBLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x2800, 0x2800),  # BRAILLE PATTERN BLANK: a blank glyph, the usual "empty name" trick
)
"""Visible-width blanks that are not default-ignorable but show nothing either."""


def _character_class(ranges: tuple[tuple[int, int], ...]) -> str:
    return "".join(f"\\U{first:08x}" if first == last else f"\\U{first:08x}-\\U{last:08x}" for first, last in ranges)


# One compiled class for the code points a category test misses; `str.isprintable`
# (false for every C* and Z* category except the ASCII space) covers the rest. Both run
# in C, so clean text, the common case, costs two scans and no Python loop.
_INVISIBLE = re.compile(f"[{_character_class(DEFAULT_IGNORABLE_RANGES + OTHER_INVISIBLE_RANGES)}]")
_UNNAMED = {"Cc": "control character", "Cn": "unassigned code point", "Co": "private-use character", "Cs": "surrogate"}


def _is_hidden(char: str) -> bool:
    return unicodedata.category(char) in _HIDDEN_CATEGORIES or _INVISIBLE.match(char) is not None


def _describe(char: str) -> str:
    name = unicodedata.name(char, "") or _UNNAMED.get(unicodedata.category(char), "unnamed character")
    return f"U+{ord(char):04X} {name}"


def hidden_characters(text: str, allow_newlines: bool = False) -> list[str]:
    """Describe each distinct invisible or control character in `text` as U+XXXX NAME.

    Invisible means: a control, format, separator, private-use, surrogate or unassigned
    code point, a Default_Ignorable_Code_Point, or a blank such as U+2800.
    """
    probe = text.replace("\n", " ") if allow_newlines else text
    if probe.isprintable() and _INVISIBLE.search(probe) is None:
        return []
    return [_describe(char) for char in dict.fromkeys(probe) if _is_hidden(char)]


def without_hidden(text: str) -> str:
    """`text` with every invisible or control character removed: how look-alikes are compared."""
    if text.isprintable() and _INVISIBLE.search(text) is None:
        return text
    return "".join(char for char in text if not _is_hidden(char))


def _hidden_message(hidden: list[str]) -> str:
    return f"contains invisible or control characters: {', '.join(sorted(hidden))}; delete them"


def _check_line(value: str) -> str:
    hidden = hidden_characters(value)
    if hidden:
        raise ValueError(_hidden_message(hidden))
    if value != value.strip():
        raise ValueError("has leading or trailing whitespace; remove it")
    if not value:
        raise ValueError("must not be empty")
    return value


def _check_prose(value: str) -> str:
    hidden = hidden_characters(value, allow_newlines=True)
    if hidden:
        raise ValueError(_hidden_message(hidden))
    if not value.strip():
        raise ValueError("must not be empty")
    return value.strip()


Line = Annotated[str, Field(max_length=500), AfterValidator(_check_line)]
"""One line of text: a name, a title, a place."""

Prose = Annotated[str, Field(max_length=4000), AfterValidator(_check_prose)]
"""The curators' own words: descriptions, notes. Newlines allowed."""

Quote = Annotated[str, Field(max_length=QUOTE_MAX), AfterValidator(_check_line)]
"""An exact span of a source paragraph: short by design, so no source is copied."""


def _short_number(value: int | float) -> str:
    """A number for a message; a huge integer by its size (its str() is slow, or refused)."""
    if isinstance(value, int) and value.bit_length() > 100:
        return f"a number of about {int(value.bit_length() * math.log10(2)) + 1:,} digits"
    return str(value)


# [0-9], not \d: \d would also take full-width and Arabic-Indic digits.
_PARTIAL_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")


def _check_partial_date(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        if 1000 <= value <= 9999:
            return str(value)  # a bare year written unquoted
        raise ValueError(f"expected a date as YYYY, YYYY-MM or YYYY-MM-DD, found {_short_number(value)}")
    if not isinstance(value, str):
        return value
    match = _PARTIAL_DATE.fullmatch(value)
    if not match:
        raise ValueError(f"expected a date as YYYY, YYYY-MM or YYYY-MM-DD, found {value!r}")
    year, month, day = match.groups()
    try:  # year 0, month 0 and day 0 do not exist: the calendar starts at 0001-01-01
        dt.date(int(year), int(month) if month else 1, int(day) if day else 1)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a real date ({exc})") from None
    return value


PartialDate = Annotated[
    str,
    Field(json_schema_extra={"pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"}),
    BeforeValidator(_check_partial_date),
]
"""A date known to the year, month or day: '2023', '2023-03', '2025-06-22'."""


def wholly_before(first: str, second: str) -> bool:
    """Whether the partial date `first` ends before the partial date `second` begins.

    A partial date stands for every day it covers: '2023' for the whole year, '2023-03'
    for March. Such intervals are either nested or disjoint, so one is wholly before the
    other exactly when it is smaller at their common precision: '2022-12' is before
    '2023', but '2023-03' is within '2023' and before neither. (The fields are zero-padded
    and fixed-width, so comparing the strings compares the dates.) Use this wherever two
    `PartialDate`s are ordered; comparing them whole would put '2023' before '2023-03'.
    """
    common = min(len(first), len(second))
    return first[:common] < second[:common]


MAX_PARAGRAPH = 1_000_000
"""The largest paragraph number a citation may give; no document of the corpus comes near it."""


def _check_paragraph(value: int) -> int:
    if value < 0:
        raise ValueError(f"paragraph numbers start at 0 (the front matter), found {value}")
    if value > MAX_PARAGRAPH:
        raise ValueError(f"paragraph numbers are at most {MAX_PARAGRAPH:,}, found {_short_number(value)}")
    return value


Paragraph = Annotated[
    int, Field(json_schema_extra={"minimum": 0, "maximum": MAX_PARAGRAPH}), AfterValidator(_check_paragraph)
]
"""A paragraph number as `aijobs source` shows it: 0 is the front matter."""


def _check_number(value: int | float) -> int | float:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"expected a finite number, found {value} ({_NOT_FINITE[str(value).lstrip('-')]})")
        return value
    try:
        float(value)  # the database stores figures as REAL: an int beyond its range cannot be stored
    except OverflowError:
        raise ValueError(f"{_short_number(value)} is too large: numbers are within ±1.8e308") from None
    return value


_NOT_FINITE = {"inf": "infinity", "nan": "not a number"}

Number = Annotated[int | float, AfterValidator(_check_number)]
"""A finite number: integers and decimals, but no infinity, no NaN, nothing JSON cannot hold."""

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
