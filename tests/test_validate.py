"""Validation: every kind of bad input gets its exact message and location."""

from __future__ import annotations

import pytest

from aijobs import ProblemsFound, load, validate
from aijobs.records import Occupation, Person
from tests.conftest import Workspace


def problems_of(space: Workspace) -> list[str]:
    _, problems = validate(space.curated)
    return [str(problem) for problem in problems]


def test_valid_workspace_loads(workspace: Workspace) -> None:
    kb = load(workspace.curated)
    assert len(kb) == 5
    person = kb.get("wang-fang")
    assert isinstance(person, Person)
    assert person.ages[0].years == 29
    assert person.display_name() == "Wang Fang"
    occupation = kb.get("data-tagger")
    assert isinstance(occupation, Occupation)
    assert occupation.preferred_names() == {"zh-Hans": "数据标注员", "en": "data tagger", "zh-Hant": "數據標註員"}
    assert [figure.id for figure in kb.figures_about("wang-fang")] == ["hefei-team-size"]
    properties = [claim.property for claim in kb.claims_about("wang-fang")]
    assert properties == ["name", "name", "age", "role"]


def test_load_raises_with_every_problem(workspace: Workspace) -> None:
    workspace.replace("people/wang-fang.yaml", "years: 29", "years: old")
    workspace.replace("figures/hefei-team-size.yaml", "unit: people", "unit: persons")
    with pytest.raises(ProblemsFound) as raised:
        load(workspace.curated)
    assert len(raised.value.problems) == 2


@pytest.mark.parametrize(
    ("relative", "old", "new", "expected"),
    [
        (
            "people/wang-fang.yaml",
            "years: 29",
            "years: old",
            "curated/people/wang-fang.yaml:12:12: ages.0.years: input should be a valid integer; found 'old'",
        ),
        (
            "people/wang-fang.yaml",
            "status: current",
            "status: present",
            "curated/people/wang-fang.yaml:19:13: roles.0.status: input should be 'current' or 'former'; "
            "found 'present'",
        ),
        (
            "figures/hefei-team-size.yaml",
            "unit: people",
            "unit: persons",
            "curated/figures/hefei-team-size.yaml:4:7: unit: input should be 'people', 'count', 'CNY', "
            "'CNY-per-year', 'CNY-per-month', 'CNY-per-day', 'CNY-per-hour', 'USD', 'USD-per-year', "
            "'USD-per-month', 'USD-per-day', 'USD-per-hour', 'percent', 'percent-per-year', 'seconds', "
            "'minutes', 'days', 'months', 'years' or 'times'; found 'persons'",
        ),
        (
            "people/wang-fang.yaml",
            "as_of: 2025-01-02",
            "as_of: 2025-02-30",
            "curated/people/wang-fang.yaml:13:12: ages.0.as_of: '2025-02-30' is not a real date "
            "(day is out of range for month)",
        ),
        (
            "people/wang-fang.yaml",
            "ages:",
            "age:",
            "curated/people/wang-fang.yaml:11:1: age: unknown field 'age' in a person record; did you mean 'ages'?",
        ),
        (
            "occupations/data-tagger.yaml",
            "    translation: true\n",
            "",
            "curated/occupations/data-tagger.yaml:11:5: names.2: a name needs cite (where a source states it) "
            "or translation: true (curators' rendering)",
        ),
        (
            "people/wang-fang.yaml",
            "quote: 29岁的王芳}",
            "quote: 29岁的王芳在合肥带领一支40人左右的数据标注团队而且这句话超过了四十个字符的长度限制}",
            "curated/people/wang-fang.yaml:6:45: names.0.cite.0.quote: string should have at most 40 characters; "
            "found '29岁的王芳在合肥带领一支40人左右的数据标注团队而且这句话超过了四十个字符的长度限制'",
        ),
        (
            "people/wang-fang.yaml",
            "id: wang-fang",
            "id: Wang-Fang",
            "curated/people/wang-fang.yaml:1:5: id: expected an id of lowercase ASCII letters, digits and single "
            "hyphens (like 'ai-trainer'), found 'Wang-Fang'; did you mean 'wang-fang'?",
        ),
        (
            "people/wang-fang.yaml",
            "id: wang-fang",
            "id: ｗａｎｇ-fang",
            "curated/people/wang-fang.yaml:1:5: id: expected an id of lowercase ASCII letters, digits and single "
            "hyphens (like 'ai-trainer'), found 'ｗａｎｇ-fang'; did you mean 'wang-fang'?",
        ),
        (
            "people/wang-fang.yaml",
            "  - text: Wang Fang",
            "  - text: Wang\u200bFang",
            "curated/people/wang-fang.yaml:7:11: names.1.text: contains invisible or control characters: "
            "U+200B ZERO WIDTH SPACE; delete them",
        ),
        (
            "people/wang-fang.yaml",
            "  - text: Wang Fang",
            "  - text: Wang\u202eFang",
            "curated/people/wang-fang.yaml:7:11: names.1.text: contains invisible or control characters: "
            "U+202E RIGHT-TO-LEFT OVERRIDE; delete them",
        ),
        (
            "figures/hefei-team-size.yaml",
            "value: 40",
            "value: 40\nlower: 50",
            "curated/figures/hefei-team-size.yaml:1:1: (record): value (40) is below lower (50)",
        ),
        (
            "occupations/data-tagger.yaml",
            "    date: 2020",
            "    date: no",
            "curated/occupations/data-tagger.yaml:17:11: statuses.0.date: expected a date as YYYY, YYYY-MM or "
            "YYYY-MM-DD, found 'no'",
        ),
        (
            "people/wang-fang.yaml",
            "    title: team lead",
            "    title: on",
            "",  # 'on' stays the string "on" (YAML 1.2): no problem at all
        ),
    ],
)
def test_schema_errors_are_located(workspace: Workspace, relative: str, old: str, new: str, expected: str) -> None:
    workspace.replace(relative, old, new)
    assert problems_of(workspace) == ([expected] if expected else [])


def test_missing_required_field_points_at_the_record(workspace: Workspace) -> None:
    workspace.replace("figures/hefei-team-size.yaml", "approx: about\n", "")
    assert problems_of(workspace) == ["curated/figures/hefei-team-size.yaml:1:1: approx: required field is missing"]


def test_yaml_one_one_booleans_are_not_booleans(workspace: Workspace) -> None:
    workspace.replace("figures/hefei-team-size.yaml", "as_written: 40人左右", "as_written: yes")
    workspace.replace("people/wang-fang.yaml", "status: current", "status: no")
    assert problems_of(workspace) == [
        "curated/people/wang-fang.yaml:19:13: roles.0.status: input should be 'current' or 'former'; found 'no'",
    ]


def test_float_where_text_is_expected_is_an_error(workspace: Workspace) -> None:
    workspace.replace("figures/hefei-team-size.yaml", "as_written: 40人左右", "as_written: 1.10")
    assert problems_of(workspace) == [
        "curated/figures/hefei-team-size.yaml:6:13: as_written: input should be a valid string; found 1.1"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id: x\nid: y\n", "curated/people/x.yaml:2:1: duplicate key 'id'; each key may appear once in a mapping"),
        (
            "id: !!python/object:os.system x\n",
            "curated/people/x.yaml:1:5: YAML tag 'tag:yaml.org,2002:python/object:os.system' is not allowed; "
            "curated files hold plain data only",
        ),
        (
            "id: &a x\nnote: *a\n",
            "curated/people/x.yaml:1:5: YAML anchor '&a' is not allowed; write each value out in full",
        ),
        (
            "id: x\nnames: [\n",
            "curated/people/x.yaml:3:1: YAML syntax error: did not find expected node content "
            "(while parsing a flow node)",
        ),
        ("- a\n- b\n", "curated/people/x.yaml:1:1: expected a mapping of fields (a person record), found list"),
        ("", "curated/people/x.yaml:1:1: expected a mapping of fields (a person record), found an empty file"),
        (
            "id: x\n---\nid: y\n",
            "curated/people/x.yaml:2:1: file holds more than one YAML document; keep one record per file",
        ),
    ],
)
def test_yaml_errors(workspace: Workspace, text: str, expected: str) -> None:
    workspace.write("people/x.yaml", text)
    assert problems_of(workspace) == [expected]


def test_alias_bomb_is_refused_without_expanding(workspace: Workspace) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(9)
    )
    workspace.write("people/x.yaml", bomb)
    assert problems_of(workspace) == [
        "curated/people/x.yaml:1:4: YAML anchor '&a' is not allowed; write each value out in full"
    ]


def test_non_utf8_and_bom(workspace: Workspace) -> None:
    workspace.write_bytes("people/x.yaml", b"id: x\nnote: caf" + b"\xe9\n")
    workspace.write_bytes("people/y.yaml", b"\xef\xbb\xbfid: y\n")
    assert problems_of(workspace) == [
        "curated/people/x.yaml:2:10: file is not valid UTF-8 (byte 0xe9); save it as UTF-8",
        "curated/people/y.yaml:1:1: file starts with a byte-order mark (BOM); save it as UTF-8 without BOM",
    ]


def test_deep_nesting_is_refused(workspace: Workspace) -> None:
    workspace.write("people/x.yaml", "id: x\nnote: " + "[" * 100 + "]" * 100 + "\n")
    assert problems_of(workspace) == ["curated/people/x.yaml:2:70: data is nested more than 64 levels deep"]


def test_huge_file_is_refused_unread(workspace: Workspace) -> None:
    workspace.write("people/x.yaml", "id: x\nnote: " + "a" * 2_000_000 + "\n")
    assert problems_of(workspace) == [
        "curated/people/x.yaml:1:1: file is 2,000,013 bytes; a record is at most 1,000,000 bytes"
    ]


def test_file_name_differing_only_in_case(workspace: Workspace) -> None:
    path = workspace.curated / "people/wang-fang.yaml"
    path.rename(workspace.curated / "people/Wang-Fang.yaml")
    assert problems_of(workspace) == [
        "curated/people/Wang-Fang.yaml:1:5: id: id 'wang-fang' does not match the file name 'Wang-Fang.yaml' "
        "(they differ only in letter case); rename the file to 'wang-fang.yaml' or fix the id"
    ]


def test_layout_problems(workspace: Workspace) -> None:
    workspace.write("people/notes.txt", "hello")
    workspace.write("persons/x.yaml", "id: x\n")
    problems = problems_of(workspace)
    assert problems == [
        "curated/people/notes.txt: not a record file: records are '<id>.yaml' files",
        "curated/persons: unexpected folder in curated/; records go in one of: companies, figures, occupations, "
        "people, products, sources",
    ]


def test_missing_and_empty_curated(workspace: Workspace) -> None:
    _, problems = validate(workspace.root / "nowhere")
    assert [p.message for p in problems] == [
        "curated data folder not found; pass the folder that holds sources/, people/, ... "
        "or run from the repository root"
    ]
    empty = workspace.root / "empty"
    empty.mkdir()
    _, problems = validate(empty)
    assert [p.message for p in problems] == ["no records found; add YAML files under sources/, people/, ..."]


def test_all_problems_reported_in_one_run(workspace: Workspace) -> None:
    workspace.replace("people/wang-fang.yaml", "years: 29", "years: old")
    workspace.write("people/x.yaml", "id: x\nid: y\n")
    workspace.replace("figures/hefei-team-size.yaml", "unit: people", "unit: persons")
    assert len(problems_of(workspace)) == 3
