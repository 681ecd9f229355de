"""Hostile and broken input through `aijobs build`: exact error, exit code 1, old database untouched."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aijobs.cli import app
from tests.conftest import Workspace, make_part_of_cycle

runner = CliRunner()


def _write(relative: str, content: str | bytes) -> Callable[[Workspace], None]:
    def apply(space: Workspace) -> None:
        if isinstance(content, bytes):
            space.write_bytes(relative, content)
        else:
            space.write(relative, content)

    return apply


def _replace(relative: str, old: str, new: str) -> Callable[[Workspace], None]:
    def apply(space: Workspace) -> None:
        space.replace(relative, old, new)

    return apply


def _rename(relative: str, new_name: str) -> Callable[[Workspace], None]:
    def apply(space: Workspace) -> None:
        path = space.curated / relative
        path.rename(path.with_name(new_name))

    return apply


def _fifty_megabytes(space: Workspace) -> None:
    path = space.curated / "people/huge.yaml"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("id: huge\nnote: ")
        chunk = "a" * 1_000_000
        for _ in range(50):
            handle.write(chunk)


def _empty_curated(space: Workspace) -> None:
    for path in sorted(space.curated.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()


CASES: dict[str, tuple[Callable[[Workspace], None], str]] = {
    "yaml syntax": (
        _write("people/x.yaml", "id: x\nnames: [\n"),
        "curated/people/x.yaml:3:1: YAML syntax error: did not find expected node content (while parsing a flow node)",
    ),
    "duplicate key": (
        _write("people/x.yaml", "id: x\nid: x\n"),
        "curated/people/x.yaml:2:1: duplicate key 'id'; each key may appear once in a mapping",
    ),
    "python tag": (
        _write("people/x.yaml", "id: !!python/object/apply:os.system ['true']\n"),
        "curated/people/x.yaml:1:5: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed; "
        "curated files hold plain data only",
    ),
    "alias bomb": (
        _write("people/x.yaml", "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"),
        "curated/people/x.yaml:1:4: YAML anchor '&a' is not allowed; write each value out in full",
    ),
    "50 MB file": (
        _fifty_megabytes,
        "curated/people/huge.yaml:1:1: file is 50,000,015 bytes; a record is at most 1,000,000 bytes",
    ),
    "deep nesting": (
        _write("people/x.yaml", "id: x\nnote: " + "[" * 200 + "]" * 200 + "\n"),
        "curated/people/x.yaml:2:70: data is nested more than 64 levels deep",
    ),
    "non-utf8": (
        _write("people/x.yaml", b"id: x\nnote: \xff\xfe\n"),
        "curated/people/x.yaml:2:7: file is not valid UTF-8 (byte 0xff); save it as UTF-8",
    ),
    "byte-order mark": (
        _write("people/x.yaml", b"\xef\xbb\xbfid: x\n"),
        "curated/people/x.yaml:1:1: file starts with a byte-order mark (BOM); save it as UTF-8 without BOM",
    ),
    "bidi override in a name": (
        _replace("people/wang-fang.yaml", "text: Wang Fang", "text: Wang\u202eFang"),
        "curated/people/wang-fang.yaml:7:11: names.1.text: contains invisible or control characters: "
        "U+202E RIGHT-TO-LEFT OVERRIDE; delete them",
    ),
    "zero-width space in a name": (
        _replace("people/wang-fang.yaml", "text: 王芳", "text: 王\u200b芳"),
        "curated/people/wang-fang.yaml:3:11: names.0.text: contains invisible or control characters: "
        "U+200B ZERO WIDTH SPACE; delete them",
    ),
    "full-width look-alike id": (
        _replace("people/wang-fang.yaml", "id: wang-fang", "id: ｗａｎｇ-fang"),
        "curated/people/wang-fang.yaml:1:5: id: expected an id of lowercase ASCII letters, digits and single "
        "hyphens (like 'ai-trainer'), found 'ｗａｎｇ-fang'; did you mean 'wang-fang'?",
    ),
    "file name differs by case": (
        _rename("people/wang-fang.yaml", "Wang-fang.yaml"),
        "curated/people/Wang-fang.yaml:1:5: id: id 'wang-fang' does not match the file name 'Wang-fang.yaml' "
        "(they differ only in letter case); rename the file to 'wang-fang.yaml' or fix the id",
    ),
    "path traversal": (
        _replace("sources/demo-news.yaml", "file: demo.txt", "file: ../../../etc/passwd"),
        "curated/sources/demo-news.yaml:4:7: file: expected a plain file name in the corpus folder (letters, "
        "digits, '.', '_', '-'; no folders or '..'), found '../../../etc/passwd'",
    ),
    "ids colliding across types": (
        _write(
            "occupations/wang-fang.yaml",
            "id: wang-fang\n"
            "names: [{text: 王芳职业, lang: zh-Hans, cite: [{source: demo-news, para: 5, quote: 王芳}]}]\n"
            "statuses: [{status: emerging, cite: [{source: demo-news, para: 5, quote: 王芳}]}]\n",
        ),
        # outside git, the later path is taken for the newer file
        "curated/people/wang-fang.yaml:1:5: id: id 'wang-fang' is already used by the occupation at "
        "curated/occupations/wang-fang.yaml:1:5; ids must be unique across all record types",
    ),
    "dangling reference": (
        _replace("people/wang-fang.yaml", "occupation: data-tagger", "occupation: nobody-knows"),
        "curated/people/wang-fang.yaml:17:17: roles.0.occupation: points to 'nobody-knows', but no occupation "
        "has that id; create curated/occupations/nobody-knows.yaml or fix the id",
    ),
    "impossible date": (
        _replace("people/wang-fang.yaml", "as_of: 2025-01-02", "as_of: 2025-02-30"),
        "curated/people/wang-fang.yaml:13:12: ages.0.as_of: '2025-02-30' is not a real date "
        "(day is out of range for month)",
    ),
    "yaml 1.1 boolean": (
        _replace("people/wang-fang.yaml", "status: current", "status: on"),
        "curated/people/wang-fang.yaml:19:13: roles.0.status: input should be 'current' or 'former'; found 'on'",
    ),
    "yaml 1.1 float": (
        _replace("figures/hefei-team-size.yaml", "as_written: 40人左右", "as_written: 1.10"),
        "curated/figures/hefei-team-size.yaml:6:13: as_written: input should be a valid string; found 1.1",
    ),
    "cyclic reference": (
        make_part_of_cycle,
        "curated/companies/bureau.yaml:5:25: part_of.organisation: part_of forms a cycle: bureau -> ministry -> bureau",
    ),
    # Values (issue 10, item 5): numbers JSON and SQLite cannot hold, days that never were,
    # negative headcounts, names that look like other names.
    "infinite number": (
        _replace("figures/hefei-team-size.yaml", "value: 40", "value: 1e400"),
        "curated/figures/hefei-team-size.yaml:3:8: value: number 1e400 is too large: numbers are within ±1.8e308; "
        "check it, or quote it if it is text",
    ),
    "infinity": (
        _replace("figures/hefei-team-size.yaml", "value: 40", "value: -.inf"),
        "curated/figures/hefei-team-size.yaml:3:8: value: '-.inf' is infinity, which no field holds; "
        "write a finite number, or quote it if it is text",
    ),
    "not a number": (
        _replace("figures/hefei-team-size.yaml", "value: 40", "value: .nan"),
        "curated/figures/hefei-team-size.yaml:3:8: value: '.nan' is NaN (not a number), which no field holds; "
        "write a number, or quote it if it is text",
    ),
    "year zero": (
        _replace("people/wang-fang.yaml", "as_of: 2025-01-02", "as_of: 0000-01-01"),
        "curated/people/wang-fang.yaml:13:12: ages.0.as_of: '0000-01-01' is not a real date (year 0 is out of range)",
    ),
    "month zero": (
        _replace("people/wang-fang.yaml", "as_of: 2025-01-02", "as_of: 2025-00"),
        "curated/people/wang-fang.yaml:13:12: ages.0.as_of: '2025-00' is not a real date (month must be in 1..12)",
    ),
    "period ends before it starts": (
        _replace("figures/hefei-team-size.yaml", "place: Hefei", "period: 2024-03\nperiod_end: 2023\nplace: Hefei"),
        "curated/figures/hefei-team-size.yaml:8:13: period_end: 2023 is before period (2024-03); swap them or fix one",
    ),
    "role ends a year before it starts": (
        _replace("people/wang-fang.yaml", "status: current", "start: 2023-03\n    end: 2022\n    status: former"),
        "curated/people/wang-fang.yaml:17:5: roles.0: role ends (2022) before it starts (2023-03)",
    ),
    "negative count of people": (
        _replace("figures/hefei-team-size.yaml", "value: 40", "value: -40"),
        "curated/figures/hefei-team-size.yaml:1:1: (record): value (-40) is negative; "
        "a figure in unit 'people' counts, so 0 or more",
    ),
    "combining grapheme joiner in a name": (
        _replace("people/wang-fang.yaml", "text: Wang Fang", "text: Wang\u034fFang"),
        "curated/people/wang-fang.yaml:7:11: names.1.text: contains invisible or control characters: "
        "U+034F COMBINING GRAPHEME JOINER; delete them",
    ),
    "a Hangul filler for a name": (
        _replace("people/wang-fang.yaml", "text: 王芳", "text: \u3164"),
        "curated/people/wang-fang.yaml:3:11: names.0.text: contains invisible or control characters: "
        "U+3164 HANGUL FILLER; delete them",
    ),
    "duplicate name disguised by a halfwidth Hangul filler": (
        _write(
            "people/wang-fang-2.yaml",
            "id: wang-fang-2\n"
            "names: [{text: Wang Fang\uffa0, lang: en, cite: [{source: demo-news, para: 4, quote: Wang Fang}]}]\n",
        ),
        "curated/people/wang-fang-2.yaml:2:16: names.0.text: contains invisible or control characters: "
        "U+FFA0 HALFWIDTH HANGUL FILLER; delete them",
    ),
    "duplicate name in full-width letters": (
        _write(
            "people/wang-fang-2.yaml",
            "id: wang-fang-2\n"
            "names: [{text: ＷＡＮＧ　ｆａｎｇ, lang: en, cite: [{source: demo-news, para: 4, quote: Wang Fang}]}]\n",
        ),
        # without git, the later file in path order counts as the newer one (wang-fang.yaml sorts after -2)
        "curated/people/wang-fang.yaml:7:11: names.1.text: the preferred en name 'Wang Fang' is already a "
        "preferred name of person 'wang-fang-2' (curated/people/wang-fang-2.yaml); merge the two records or "
        "make the names distinct",
    ),
    "invisible character in an id": (
        _replace("people/wang-fang.yaml", "id: wang-fang", "id: wang\u034f-fang"),
        "curated/people/wang-fang.yaml:1:5: id: expected an id of lowercase ASCII letters, digits and single "
        "hyphens (like 'ai-trainer'), found 'wang\u034f-fang' (it contains U+034F COMBINING GRAPHEME JOINER); "
        "did you mean 'wang-fang'?",
    ),
    "paragraph number 10**20": (
        _replace("people/wang-fang.yaml", "para: 4, quote: leads", "para: 100000000000000000000, quote: leads"),
        "curated/people/wang-fang.yaml:21:35: roles.0.cite.0.para: paragraph numbers are at most 1,000,000, "
        "found 100000000000000000000",
    ),
    "paragraph number of the other language": (
        _replace("occupations/data-tagger.yaml", "also: {para: 3,", "also: {para: 1000001,"),
        "curated/occupations/data-tagger.yaml:20:86: statuses.0.cite.0.also.para: paragraph numbers are at most "
        "1,000,000, found 1000001",
    ),
    "100,000-digit integer": (
        _replace("people/wang-fang.yaml", "para: 4, quote: leads", "para: " + "9" * 100_000 + ", quote: leads"),
        "curated/people/wang-fang.yaml:21:35: roles.0.cite.0.para: number 99999999999999999999…99999999 "
        "(100,000 characters) is too large: numbers are within ±1.8e308; check it, or quote it if it is text",
    ),
    "empty curated": (
        _empty_curated,
        "curated: no records found; add YAML files under sources/, people/, ...",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_input_fails_cleanly_and_keeps_the_database(workspace: Workspace, case: str) -> None:
    built = runner.invoke(app, ["build", "--db", "aijobs.db"])
    assert built.exit_code == 0, built.output
    db = Path("aijobs.db")
    before = hashlib.sha256(db.read_bytes()).hexdigest()

    mutate, expected = CASES[case]
    mutate(workspace)
    result = runner.invoke(app, ["build", "--db", "aijobs.db"])

    assert result.exit_code == 1
    assert expected in result.output.splitlines()
    assert "Traceback" not in result.output
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert [p.name for p in Path().iterdir() if p.name.endswith(".building")] == []


def test_missing_curated_folder(workspace: Workspace) -> None:
    result = runner.invoke(app, ["build", "--curated", "nowhere", "--db", "aijobs.db"])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "nowhere: curated data folder not found; pass the folder that holds sources/, people/, ... "
        "or run from the repository root"
    )
    assert not Path("aijobs.db").exists()


# Values that used to be refused: dates of different precision are intervals, so an end or
# period_end that lies within (or after) the start is fine; and numbers at the edges of what
# a field holds.
GOOD: dict[str, tuple[Callable[[Workspace], None], str, tuple[object, ...]]] = {
    "role from 2023-03, ended in 2023": (
        _replace("people/wang-fang.yaml", "status: current", "start: 2023-03\n    end: 2023\n    status: former"),
        'SELECT start, "end" FROM role',
        ("2023-03", "2023"),
    ),
    "role from 2023-03-15, ended in 2023-03": (
        _replace("people/wang-fang.yaml", "status: current", "start: 2023-03-15\n    end: 2023-03\n    status: former"),
        'SELECT start, "end" FROM role',
        ("2023-03-15", "2023-03"),
    ),
    "figure for 2023-03 to 2023": (
        _replace("figures/hefei-team-size.yaml", "place: Hefei", "period: 2023-03\nperiod_end: 2023\nplace: Hefei"),
        "SELECT period, period_end FROM figure",
        ("2023-03", "2023"),
    ),
    "the first day of the calendar": (
        _replace("people/wang-fang.yaml", "as_of: 2025-01-02", "as_of: 0001-01-01"),
        "SELECT as_of FROM person_age",
        ("0001-01-01",),
    ),
    "paragraph number at the limit": (
        _replace("people/wang-fang.yaml", "para: 4, quote: leads", "para: 1000000, quote: leads"),
        "SELECT paragraph FROM citation WHERE quote = 'leads a team'",
        (1_000_000,),
    ),
    "largest and smallest numbers a double holds": (
        _replace("figures/hefei-team-size.yaml", "value: 40\nunit: people", "lower: 5e-324\nupper: 1.7e308\nunit: CNY"),
        "SELECT lower, upper FROM figure",
        (5e-324, 1.7e308),
    ),
}


@pytest.mark.parametrize("case", sorted(GOOD))
def test_good_values_build(workspace: Workspace, case: str) -> None:
    mutate, query, expected = GOOD[case]
    mutate(workspace)
    result = runner.invoke(app, ["build", "--db", "aijobs.db"])
    assert result.exit_code == 0, result.output
    with sqlite3.connect("aijobs.db") as connection:
        assert connection.execute(query).fetchone() == expected
