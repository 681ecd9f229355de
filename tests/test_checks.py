"""Cross-record checks: ids, references, likely duplicates, cycles."""

from __future__ import annotations

from aijobs import validate
from tests.conftest import Workspace, make_part_of_cycle


def problems_of(space: Workspace) -> list[str]:
    _, problems = validate(space.curated)
    return [str(problem) for problem in problems]


def test_dangling_reference(workspace: Workspace) -> None:
    workspace.replace("people/wang-fang.yaml", "occupation: data-tagger", "occupation: data-taggr")
    assert problems_of(workspace) == [
        "curated/people/wang-fang.yaml:17:17: roles.0.occupation: points to 'data-taggr', but no occupation has "
        "that id; create curated/occupations/data-taggr.yaml or fix the id"
    ]


def test_reference_of_the_wrong_type(workspace: Workspace) -> None:
    workspace.replace("occupations/data-tagger.yaml", "by: ministry", "by: wang-fang")
    assert problems_of(workspace) == [
        "curated/occupations/data-tagger.yaml:16:9: statuses.0.by: points to 'wang-fang', which is a person; "
        "expected a company"
    ]


def test_citation_of_unknown_source(workspace: Workspace) -> None:
    workspace.replace("figures/hefei-team-size.yaml", "{source: demo-news,", "{source: demo-newz,")
    assert problems_of(workspace) == [
        "curated/figures/hefei-team-size.yaml:11:14: cite.0.source: points to 'demo-newz', but no source has that "
        "id; create curated/sources/demo-newz.yaml or fix the id"
    ]


def test_ids_colliding_across_types(workspace: Workspace) -> None:
    text = (workspace.curated / "companies/ministry.yaml").read_text(encoding="utf-8")
    workspace.write("occupations/ministry.yaml", text.replace("kind: government\n", "statuses: []\n"))
    problems = problems_of(workspace)
    assert (
        "curated/occupations/ministry.yaml:2:11: statuses: list should have at least 1 item after validation, "
        in (problems[0])
    )
    workspace.write(
        "occupations/ministry.yaml",
        text.replace("kind: government\n", "")
        .replace("text: 人社部", "text: 部委")
        .replace("text: the ministry", "text: ministry work")
        + "statuses:\n  - {status: established, cite: [{source: demo-news, para: 2, quote: the ministry}]}\n",
    )
    assert problems_of(workspace) == [
        "curated/occupations/ministry.yaml:1:5: id: id 'ministry' is already used by the company at "
        "curated/companies/ministry.yaml:1:5; ids must be unique across all record types"
    ]


def test_duplicate_preferred_names(workspace: Workspace) -> None:
    text = (workspace.curated / "occupations/data-tagger.yaml").read_text(encoding="utf-8")
    workspace.write(
        "occupations/data-labeller.yaml",
        text.replace("id: data-tagger", "id: data-labeller").replace("text: data tagger", "text: Data Tagger"),
    )
    assert problems_of(workspace) == [
        "curated/occupations/data-tagger.yaml:3:11: names.0.text: occupations 'data-labeller' and 'data-tagger' "
        "share the preferred zh-Hans name '数据标注员'; merge them or make the names distinct",
        "curated/occupations/data-tagger.yaml:7:11: names.1.text: occupations 'data-labeller' and 'data-tagger' "
        "share the preferred en name 'data tagger'; merge them or make the names distinct",
        "curated/occupations/data-tagger.yaml:11:11: names.2.text: occupations 'data-labeller' and 'data-tagger' "
        "share the preferred zh-Hant name '數據標註員'; merge them or make the names distinct",
    ]


def test_part_of_cycle(workspace: Workspace) -> None:
    make_part_of_cycle(workspace)
    assert problems_of(workspace) == [
        "curated/companies/bureau.yaml:5:25: part_of.organisation: part_of forms a cycle: bureau -> ministry -> bureau"
    ]


def test_self_reference(workspace: Workspace) -> None:
    workspace.write(
        "occupations/data-tagger.yaml",
        (workspace.curated / "occupations/data-tagger.yaml").read_text(encoding="utf-8")
        + "related:\n  - {relation: evolved-from, occupation: data-tagger, "
        "cite: [{source: demo-news, para: 2, quote: data tagger}]}\n",
    )
    assert problems_of(workspace) == [
        "curated/occupations/data-tagger.yaml:22:42: related.0.occupation: a record cannot refer to itself"
    ]


def test_path_traversal_in_source_file(workspace: Workspace) -> None:
    workspace.replace("sources/demo-news.yaml", "file: demo.txt", "file: ../../etc/passwd")
    assert problems_of(workspace) == [
        "curated/sources/demo-news.yaml:4:7: file: expected a plain file name in the corpus folder (letters, "
        "digits, '.', '_', '-'; no folders or '..'), found '../../etc/passwd'"
    ]


def test_broken_record_does_not_cascade(workspace: Workspace) -> None:
    workspace.replace("occupations/data-tagger.yaml", "status: recognised", "status: famous")
    problems = problems_of(workspace)
    assert len(problems) == 1
    assert problems[0].startswith("curated/occupations/data-tagger.yaml:15:13: statuses.0.status: input should be")
