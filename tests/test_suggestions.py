"""Errors that say what to do: did you mean, misplaced records, YAML slips in plain words."""

from __future__ import annotations

import pytest

from aijobs import validate
from aijobs.suggest import article, closest, closest_span, mark_differences
from tests.conftest import PERSON, Workspace


def problems_of(space: Workspace) -> list[str]:
    _, problems = validate(space.curated)
    return [str(problem) for problem in problems]


def test_misspelt_field_gets_the_field_it_meant(workspace: Workspace) -> None:
    workspace.replace("people/wang-fang.yaml", "  - occupation: data-tagger", "  - ocupation: data-tagger")
    assert problems_of(workspace) == [
        "curated/people/wang-fang.yaml:17:5: roles.0.ocupation: unknown field 'ocupation' in a person record; "
        "did you mean 'occupation'?"
    ]


def test_misspelt_top_level_and_citation_fields(workspace: Workspace) -> None:
    workspace.replace("occupations/data-tagger.yaml", "statuses:", "statusses:")
    workspace.replace("figures/hefei-team-size.yaml", "demo-news, para: 5,", "demo-news, paragraph: 5,")
    assert problems_of(workspace) == [
        "curated/figures/hefei-team-size.yaml:11:25: cite.0.paragraph: unknown field 'paragraph' in a figure "
        "record; did you mean 'para'?",
        "curated/occupations/data-tagger.yaml:14:1: statusses: unknown field 'statusses' in an occupation "
        "record; did you mean 'statuses'?",
    ]


def test_unknown_field_unlike_any_field(workspace: Workspace) -> None:
    workspace.replace("people/wang-fang.yaml", "ages:", "hobbies: [go]\nages:")
    assert problems_of(workspace) == [
        "curated/people/wang-fang.yaml:11:1: hobbies: unknown field 'hobbies' in a person record; "
        "check the spelling or remove it"
    ]


def test_a_person_in_figures_is_told_where_it_belongs(workspace: Workspace) -> None:
    workspace.write("figures/li-lei.yaml", PERSON.replace("wang-fang", "li-lei"))
    assert problems_of(workspace) == [
        "curated/figures/li-lei.yaml:1:1: this looks like a person record (ages, names, roles are person "
        "fields, not figure fields); move it to curated/people/"
    ]


def test_an_occupation_in_companies_is_told_where_it_belongs(workspace: Workspace) -> None:
    text = (workspace.curated / "occupations/data-tagger.yaml").read_text(encoding="utf-8")
    (workspace.curated / "occupations/data-tagger.yaml").rename(workspace.curated / "companies/data-tagger.yaml")
    workspace.write("companies/data-tagger.yaml", text)
    problems = problems_of(workspace)
    assert problems[0] == (
        "curated/companies/data-tagger.yaml:1:1: this looks like an occupation record (statuses are "
        "occupation fields, not company fields); move it to curated/occupations/"
    )


def test_closest_and_article() -> None:
    assert closest("ocupation", ["occupation", "company"]) == "occupation"
    assert closest("xyz", ["occupation", "company"]) is None
    assert [article(word) for word in ("occupation", "person", "figure", "organisation", "id")] == [
        "an",
        "a",
        "a",
        "an",
        "an",
    ]


def test_closest_span_marks_the_differing_characters() -> None:
    text = "他在一家大型仓储物流公司做调度员,负责仓库里的机器人。"
    span = closest_span("仓库里的机器人", text.replace("仓库", "舱库"))
    assert span is not None and span.text == "舱库里的机器人"
    assert mark_differences("仓储物流公司", "舱储物流公司") == "仓[舱]储物流公司"
    assert mark_differences("仓储物流公司", "仓储物公司") == "仓储物[-流]公司"
    assert mark_differences("仓储物流公司", "仓储物流大公司") == "仓储物流[+大]公司"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "id: x\nnames:\n  - text: a\n     lang: en\n",
            "curated/people/x.yaml:4:6: indent this line to match the line above: its key starts at column 5, "
            "this one at column 6; the YAML parser says: mapping values are not allowed in this context",
        ),
        (
            "id: x\nroles:\n  - occupation: x\n   title: y\n",
            "curated/people/x.yaml:4:4: indent this line to match the line above: its key starts at column 5, "
            "this one at column 4; the YAML parser says: did not find expected '-' indicator (while parsing a "
            "block collection)",
        ),
        (
            "id: x\nroles:\n  - occupation: x\n title: y\n",
            "curated/people/x.yaml:4:2: indent this line to match the line above: its key starts at column 5, "
            "this one at column 2; the YAML parser says: did not find expected key (while parsing a block mapping)",
        ),
        (
            "id: x\n  note: y\n",
            "curated/people/x.yaml:2:3: indent this line to match the line above: its key starts at column 1, "
            "this one at column 3; the YAML parser says: mapping values are not allowed in this context",
        ),
        (
            "id: x\nnote: a: b\n",
            "curated/people/x.yaml:2:7: quote this value: it contains ': ' (write note: \"a: b\"); "
            "the YAML parser says: mapping values are not allowed in this context",
        ),
        (
            "id: x\ncite:\n  - {source: a, para: 1, quote: 2024年: 数据}\n",
            "curated/people/x.yaml:3:33: quote this value: it contains ': ' (write quote: \"2024年: 数据\"); "
            "the YAML parser says: did not find expected ',' or '}' (while parsing a flow mapping)",
        ),
        (
            "id: x\n\tnote: y\n",
            "curated/people/x.yaml:2:1: indent with spaces, not tabs; the YAML parser says: found a tab character "
            "that violates indentation (while scanning a plain scalar)",
        ),
    ],
)
def test_yaml_slips_in_plain_words(workspace: Workspace, text: str, expected: str) -> None:
    workspace.write("people/x.yaml", text)
    assert problems_of(workspace) == [expected]
