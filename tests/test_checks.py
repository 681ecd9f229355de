"""Cross-record checks: ids, references, likely duplicates, cycles."""

from __future__ import annotations

import subprocess

from aijobs import validate
from aijobs.checks import in_git_head
from tests.conftest import Workspace, make_part_of_cycle


def problems_of(space: Workspace) -> list[str]:
    _, problems = validate(space.curated)
    return [str(problem) for problem in problems]


def test_dangling_reference(workspace: Workspace) -> None:
    workspace.replace("people/wang-fang.yaml", "occupation: data-tagger", "occupation: data-taggr")
    assert problems_of(workspace) == [
        "curated/people/wang-fang.yaml:17:17: roles.0.occupation: points to 'data-taggr', but no occupation has "
        "that id; did you mean 'data-tagger'? If not, create curated/occupations/data-taggr.yaml"
    ]


def test_an_unknown_id_that_is_a_name_points_to_its_record(workspace: Workspace) -> None:
    workspace.replace("people/wang-fang.yaml", "occupation: data-tagger", "occupation: data-tagger-x")
    assert problems_of(workspace) == [
        "curated/people/wang-fang.yaml:17:17: roles.0.occupation: points to 'data-tagger-x', but no occupation "
        "has that id; did you mean 'data-tagger'? If not, create curated/occupations/data-tagger-x.yaml"
    ]
    alias = "  - text: Label Worker\n    lang: en\n    cite:\n"
    alias += "      - {source: demo-news, para: 2, quote: data tagger}\n"
    workspace.replace("occupations/data-tagger.yaml", "  - text: 數據標註員", alias + "  - text: 數據標註員")
    workspace.replace("people/wang-fang.yaml", "occupation: data-tagger-x", "occupation: label-worker")
    assert problems_of(workspace) == [
        "curated/people/wang-fang.yaml:17:17: roles.0.occupation: points to 'label-worker', but no occupation "
        "has that id; did you mean 'data-tagger' (named 'Label Worker')?"
    ]


def test_an_unknown_id_unlike_any_invites_a_new_file(workspace: Workspace) -> None:
    workspace.replace("people/wang-fang.yaml", "occupation: data-tagger", "occupation: prompt-engineer")
    assert problems_of(workspace) == [
        "curated/people/wang-fang.yaml:17:17: roles.0.occupation: points to 'prompt-engineer', but no occupation "
        "has that id; create curated/occupations/prompt-engineer.yaml or fix the id"
    ]


def test_reference_of_the_wrong_type(workspace: Workspace) -> None:
    workspace.replace("occupations/data-tagger.yaml", "by: ministry", "by: wang-fang")
    assert problems_of(workspace) == [
        "curated/occupations/data-tagger.yaml:16:9: statuses.0.by: points to 'wang-fang', which is a person; "
        "expected a company"
    ]


def test_wrong_type_messages_use_the_right_article(workspace: Workspace) -> None:
    workspace.replace("occupations/data-tagger.yaml", "by: ministry", "by: data-tagger")
    workspace.replace("people/wang-fang.yaml", "occupation: data-tagger", "occupation: ministry")
    assert problems_of(workspace) == [
        "curated/occupations/data-tagger.yaml:16:9: statuses.0.by: points to 'data-tagger', which is an "
        "occupation; expected a company",
        "curated/people/wang-fang.yaml:17:17: roles.0.occupation: points to 'ministry', which is a company; "
        "expected an occupation",
    ]


def test_citation_of_unknown_source(workspace: Workspace) -> None:
    workspace.replace("figures/hefei-team-size.yaml", "{source: demo-news,", "{source: demo-newz,")
    assert problems_of(workspace) == [
        "curated/figures/hefei-team-size.yaml:11:14: cite.0.source: points to 'demo-newz', but no source has that "
        "id; did you mean 'demo-news'? If not, create curated/sources/demo-newz.yaml"
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
    # Outside git, the later file in path order is the newer one: data-tagger.yaml.
    tail = "; merge the two records or make the names distinct"
    expected = [
        "curated/occupations/data-tagger.yaml:3:11: names.0.text: the preferred zh-Hans name '数据标注员' is "
        f"already a preferred name of occupation 'data-labeller' (curated/occupations/data-labeller.yaml){tail}",
        "curated/occupations/data-tagger.yaml:7:11: names.1.text: the preferred en name 'data tagger' is "
        f"already a preferred name of occupation 'data-labeller' (curated/occupations/data-labeller.yaml){tail}",
        "curated/occupations/data-tagger.yaml:11:11: names.2.text: the preferred zh-Hant name '數據標註員' is "
        f"already a preferred name of occupation 'data-labeller' (curated/occupations/data-labeller.yaml){tail}",
    ]
    assert problems_of(workspace) == expected
    # In git, the file HEAD already holds is the original and the new one is reported.
    git(workspace, "init", "-q")
    git(workspace, "add", "curated/occupations/data-tagger.yaml")
    git(workspace, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "x")
    in_git_head.cache_clear()
    assert problems_of(workspace) == [
        "curated/occupations/data-labeller.yaml:3:11: names.0.text: the preferred zh-Hans name '数据标注员' is "
        f"already a preferred name of occupation 'data-tagger' (curated/occupations/data-tagger.yaml){tail}",
        "curated/occupations/data-labeller.yaml:7:11: names.1.text: the preferred en name 'Data Tagger' is "
        f"already a preferred name of occupation 'data-tagger' (curated/occupations/data-tagger.yaml){tail}",
        "curated/occupations/data-labeller.yaml:11:11: names.2.text: the preferred zh-Hant name '數據標註員' is "
        f"already a preferred name of occupation 'data-tagger' (curated/occupations/data-tagger.yaml){tail}",
    ]


def test_names_are_duplicates_across_scripts(workspace: Workspace) -> None:
    workspace.write(
        "occupations/tagger.yaml",
        "id: tagger\nnames:\n  - text: 數據標註員\n    lang: zh-Hant\n    cite:\n"
        "      - {source: demo-news, para: 3, quote: “数据标注员”}\n"
        "statuses:\n  - {status: emerging, cite: [{source: demo-news, para: 3, quote: 数据标注员}]}\n",
    )
    assert problems_of(workspace) == [
        "curated/occupations/tagger.yaml:3:11: names.0.text: the preferred zh-Hant name '數據標註員' is already "
        "a preferred name of occupation 'data-tagger' (curated/occupations/data-tagger.yaml); merge the two "
        "records or make the names distinct"
    ]


def test_duplicate_figure_is_reported_on_the_new_file(workspace: Workspace) -> None:
    text = (workspace.curated / "figures/hefei-team-size.yaml").read_text(encoding="utf-8")
    workspace.write("figures/a-team.yaml", text.replace("id: hefei-team-size", "id: a-team"))
    git(workspace, "init", "-q")
    git(workspace, "add", "curated/figures/hefei-team-size.yaml")
    git(workspace, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "x")
    in_git_head.cache_clear()
    assert problems_of(workspace) == [
        "curated/figures/a-team.yaml:1:5: id: figure 'hefei-team-size' (curated/figures/hefei-team-size.yaml) "
        "already records this number: same source (demo-news paragraph 5), value and unit; keep one figure "
        "(add what this one says to it) or fix the value"
    ]
    workspace.replace("figures/a-team.yaml", "value: 40", "value: 41")
    assert problems_of(workspace) == []


def test_duplicate_id_is_reported_on_the_new_file(workspace: Workspace) -> None:
    text = (workspace.curated / "companies/ministry.yaml").read_text(encoding="utf-8")
    git(workspace, "init", "-q")
    git(workspace, "add", "curated/companies/ministry.yaml")
    git(workspace, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "x")
    in_git_head.cache_clear()
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
    # The same files where the company is the newer one: reported on the company.
    git(workspace, "rm", "-q", "--cached", "curated/companies/ministry.yaml")
    git(workspace, "add", "curated/occupations/ministry.yaml")
    git(workspace, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "y")
    in_git_head.cache_clear()
    assert problems_of(workspace) == [
        "curated/companies/ministry.yaml:1:5: id: id 'ministry' is already used by the occupation at "
        "curated/occupations/ministry.yaml:1:5; ids must be unique across all record types"
    ]


def git(space: Workspace, *args: str) -> None:
    subprocess.run(["git", "-C", str(space.root), *args], check=True, capture_output=True, timeout=30)


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
