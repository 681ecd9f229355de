"""Hostile and broken input through `aijobs build`: exact error, exit code 1, old database untouched."""

from __future__ import annotations

import hashlib
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
        "hyphens (like 'ai-trainer'), found 'ｗａｎｇ-fang'",
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
