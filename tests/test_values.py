"""Values in records: finite numbers, real dates ordered as intervals, visible names."""

from __future__ import annotations

import itertools
import json
import math
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from aijobs.checks import check_duplicate_names
from aijobs.facts import RecordFacts, facts_of, name_key
from aijobs.fields import DEFAULT_IGNORABLE_RANGES, MAX_PARAGRAPH, hidden_characters, wholly_before, without_hidden
from aijobs.records import Citation, Figure, Name, Person, Role
from aijobs.yamlfile import MAX_DIGITS, resolve_plain_scalar

CITE = [{"source": "demo-news", "para": 4, "quote": "Wang Fang"}]
FIGURE = {"id": "f", "measure": "m", "unit": "CNY", "approx": "exact", "as_written": "x", "cite": CITE}


def _error(model: Any, data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    (error,) = caught.value.errors(include_url=False)
    return str(error["msg"]).removeprefix("Value error, ")


@pytest.mark.parametrize(
    ("first", "second", "before"),
    [
        ("2022", "2023", True),
        ("2022-12", "2023", True),
        ("2022-12-31", "2023-01", True),
        ("2023", "2023", False),
        ("2023", "2023-03", False),  # 2023 contains March 2023: neither is before the other
        ("2023-03", "2023", False),
        ("2023-03", "2023-03-15", False),
        ("2023-02", "2023-03-15", True),
        ("2023-03-14", "2023-03-15", True),
        ("2024", "2023-12-31", False),
        ("0999", "1000", True),
    ],
)
def test_partial_dates_are_ordered_as_intervals(first: str, second: str, before: bool) -> None:
    assert wholly_before(first, second) is before


@pytest.mark.parametrize(
    ("start", "end", "problem"),
    [
        ("2023-03", "2023", None),
        ("2023", "2023-01", None),
        ("2023-03-15", "2023-03", None),
        ("2023-03", "2023-02", "role ends (2023-02) before it starts (2023-03)"),
        ("2023", "2022-12-31", "role ends (2022-12-31) before it starts (2023)"),
    ],
)
def test_role_dates(start: str, end: str, problem: str | None) -> None:
    data = {"title": "lead", "start": start, "end": end, "status": "former", "cite": CITE}
    if problem is None:
        assert Role.model_validate(data).end == end
    else:
        assert _error(Role, data) == problem


@pytest.mark.parametrize(
    ("period", "period_end", "problem"),
    [
        ("2023-03", "2023", None),
        ("2023", "2024-06", None),
        ("2024", "2023-12", "2023-12 is before period (2024); swap them or fix one"),
    ],
)
def test_figure_period_order(period: str, period_end: str, problem: str | None) -> None:
    data = {**FIGURE, "value": 1, "period": period, "period_end": period_end}
    if problem is None:
        assert Figure.model_validate(data).period_end == period_end
    else:
        assert _error(Figure, data) == problem


@pytest.mark.parametrize(
    ("date", "problem"),
    [
        ("0001-01-01", None),
        ("2024-02-29", None),
        (2023, None),
        ("0000", "'0000' is not a real date (year 0 is out of range)"),
        ("2025-00", "'2025-00' is not a real date (month must be in 1..12)"),
        ("2025-01-00", "'2025-01-00' is not a real date (day is out of range for month)"),
        ("2023-02-29", "'2023-02-29' is not a real date (day is out of range for month)"),
        ("２０２３", "expected a date as YYYY, YYYY-MM or YYYY-MM-DD, found '２０２３'"),
        ("٢٠٢٣", "expected a date as YYYY, YYYY-MM or YYYY-MM-DD, found '٢٠٢٣'"),
        (0, "expected a date as YYYY, YYYY-MM or YYYY-MM-DD, found 0"),
        (20231, "expected a date as YYYY, YYYY-MM or YYYY-MM-DD, found 20231"),
    ],
)
def test_dates_exist_on_the_calendar(date: object, problem: str | None) -> None:
    data = {"title": "lead", "start": date, "status": "current", "cite": CITE}
    if problem is None:
        assert Role.model_validate(data).start == str(date)
    else:
        assert _error(Role, data) == problem


@pytest.mark.parametrize("unit", ["people", "count"])
@pytest.mark.parametrize("field", ["value", "lower", "upper"])
def test_counts_are_not_negative(unit: str, field: str) -> None:
    data = {**FIGURE, "unit": unit, field: -1}
    assert _error(Figure, data) == f"{field} (-1) is negative; a figure in unit {unit!r} counts, so 0 or more"
    assert Figure.model_validate({**FIGURE, "unit": unit, field: 0})
    assert Figure.model_validate({**FIGURE, "unit": "percent-per-year", field: -1})  # a fall is negative


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (math.inf, "expected a finite number, found inf (infinity)"),
        (-math.inf, "expected a finite number, found -inf (infinity)"),
        (math.nan, "expected a finite number, found nan (not a number)"),
        (10**400, "a number of about 401 digits is too large: numbers are within ±1.8e308"),
    ],
)
def test_figures_hold_finite_numbers_only(value: float, problem: str) -> None:
    assert _error(Figure, {**FIGURE, "value": value}) == problem


def test_figures_refuse_infinity_from_json_too() -> None:
    text = json.dumps({**FIGURE, "value": math.inf})  # Python writes the non-JSON token Infinity
    with pytest.raises(ValidationError, match="expected a finite number, found inf"):
        Figure.model_validate_json(text)


@pytest.mark.parametrize("para", [-1, MAX_PARAGRAPH + 1, 10**20])
def test_paragraph_numbers_are_bounded(para: int) -> None:
    expected = (
        f"paragraph numbers start at 0 (the front matter), found {para}"
        if para < 0
        else f"paragraph numbers are at most 1,000,000, found {para}"
    )
    assert _error(Citation, {**CITE[0], "para": para}) == expected
    also = {**CITE[0], "also": {"para": para, "quote": "x"}}
    assert _error(Citation, also) == expected


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("40", 40),
        ("-0", 0),
        ("007", 7),
        ("0" * 1000 + "12", 12),  # leading zeros are not digits that count
        ("9" * MAX_DIGITS, int("9" * MAX_DIGITS)),
        ("1.5e-310", 1.5e-310),  # subnormal, still not zero
        ("0.0e-999", 0.0),
        (".infinity", ".infinity"),  # not YAML's infinity: a string
        ("1_000", "1_000"),
    ],
)
def test_yaml_numbers_that_fit(text: str, value: object) -> None:
    assert resolve_plain_scalar(text) == value


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("9" * (MAX_DIGITS + 1), "is too large: numbers are within ±1.8e308"),
        ("-" + "9" * 100_000, "(100,001 characters) is too large"),
        ("1e400", "number 1e400 is too large"),
        ("-1" + "0" * 400 + ".5", "is too large"),
        ("1e-400", "number 1e-400 is too close to zero to store (it would become 0)"),
        (".inf", "'.inf' is infinity"),
        ("+.INF", "'+.INF' is infinity"),
        ("-.Inf", "'-.Inf' is infinity"),
        (".NaN", "'.NaN' is NaN (not a number)"),
    ],
)
def test_yaml_numbers_no_field_holds(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match="quote it if it is text") as caught:
        resolve_plain_scalar(text)
    assert problem in str(caught.value)


# Every Default_Ignorable_Code_Point range by its ends, the Hangul fillers by name, and
# the Braille blank; each must be refused in a name, with its code point named.
INVISIBLE = sorted(
    {chr(code) for first, last in DEFAULT_IGNORABLE_RANGES for code in (first, last)}
    | set("\u115f\u1160\u3164\uffa0\u2800\u034f\u200d\u2066\ufe0f")
)


@pytest.mark.parametrize("char", INVISIBLE, ids=lambda char: f"U+{ord(char):04X}")
def test_invisible_characters_are_refused_in_names(char: str) -> None:
    message = _error(Name, {"text": f"Wang{char}Fang", "lang": "en", "cite": CITE})
    assert message.startswith(f"contains invisible or control characters: U+{ord(char):04X} ")
    assert message.endswith("; delete them")
    assert without_hidden(f"Wang{char}Fang") == "WangFang"


def test_invisible_characters_are_named() -> None:
    assert hidden_characters("\u3164\u034f\u2065\U000e0001\x07") == [
        "U+3164 HANGUL FILLER",
        "U+034F COMBINING GRAPHEME JOINER",
        "U+2065 unassigned code point",
        "U+E0001 LANGUAGE TAG",
        "U+0007 control character",
    ]
    assert hidden_characters("line one\nline two", allow_newlines=True) == []


@pytest.mark.parametrize(
    "text",
    ["王芳", "Zoë Ångström", "李\u3000娜", "Ｗａｎｇ", "AI训练师 (数据标注)", "ㄱ한국어", "e\u0301", "👩", "❤"],
)
def test_visible_text_is_accepted(text: str) -> None:
    assert hidden_characters(text) == []
    assert Name.model_validate({"text": text, "lang": "en", "cite": CITE}).text == text


def test_invisible_ranges_are_sorted_and_disjoint() -> None:
    for (first, last), (following, _) in itertools.pairwise(DEFAULT_IGNORABLE_RANGES):
        assert first <= last < following
    # The Default_Ignorable code points a category test alone would let through.
    assert unicodedata.category("\u3164") == "Lo"
    assert unicodedata.category("\u034f") == "Mn"


@pytest.mark.parametrize(
    ("look_alike", "original"),
    [
        ("Wang Fang\u3164", "Wang Fang"),
        ("Wang\u034f Fang", "wang fang"),
        ("王\ufe0f芳", "王芳"),
        ("ＷＡＮＧ　ＦＡＮＧ", "Wang Fang"),
        ("WANG  FANG", "wang fang"),
        ("Straße", "STRASSE"),
    ],
)
def test_name_key_folds_look_alikes(look_alike: str, original: str) -> None:
    assert name_key(look_alike) == name_key(original)


def test_duplicate_name_check_sees_through_invisible_characters() -> None:
    # A record built without validation (as library code may) still meets the check.
    def person(record_id: str, text: str) -> RecordFacts:
        name = Name.model_construct(text=text, lang="en", translation=False, misspelling=False, cite=[])
        record = Person.model_construct(id=record_id, names=[name])
        return facts_of(record, Path(f"{record_id}.yaml"), f"curated/people/{record_id}.yaml")

    problems = check_duplicate_names([person("a", "Wang Fang"), person("b", "Wang\u3164 Fang")])
    assert [problem.message for problem in problems] == [
        "the preferred en name 'Wang\u3164 Fang' is already a preferred name of person 'a' (curated/people/a.yaml); "
        "merge the two records or make the names distinct"
    ]


@given(st.floats(allow_nan=True, allow_infinity=True) | st.integers(min_value=-(10**320), max_value=10**320))
def test_no_figure_holds_what_json_cannot(number: float) -> None:
    try:
        fits = math.isfinite(float(number))
    except OverflowError:  # an integer beyond a double
        fits = False
    try:
        figure = Figure.model_validate({**FIGURE, "value": number})
    except ValidationError:
        assert not fits
        return
    assert fits
    json.dumps(figure.model_dump(mode="json"), allow_nan=False)  # raises on Infinity or NaN
