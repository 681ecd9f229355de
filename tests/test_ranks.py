"""Ranks on claims, the current_claim view, and `aijobs conflicts`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aijobs import load
from aijobs.cli import app
from aijobs.db.build import build_sqlite
from aijobs.records import OccupationStatus
from aijobs.tools.conflicts import find_conflicts
from tests.conftest import Workspace

runner = CliRunner()

# A second recognition of the data tagger, undated and by nobody named: one value expected.
SECOND_RECOGNITION = """\
  - status: recognised
    recognised_as: occupation
    cite:
      - {source: demo-news, para: 3, quote: 人社部将“数据标注员”认定为新职业}
"""
PREFERRED = """\
    rank:
      level: preferred
      reason: It gives the year and the body.
"""


def _add_second_recognition(workspace: Workspace, preferred: bool) -> None:
    rank = PREFERRED if preferred else ""
    workspace.replace(
        "occupations/data-tagger.yaml",
        "认定为新职业}}\n",
        "认定为新职业}}\n" + rank + SECOND_RECOGNITION,
    )


def test_a_rank_other_than_normal_needs_a_reason(workspace: Workspace) -> None:
    workspace.replace(
        "occupations/data-tagger.yaml",
        "    recognised_as: occupation\n",
        "    recognised_as: occupation\n    rank: {level: preferred}\n",
    )
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 1
    assert "rank preferred needs reason" in result.output
    assert "data-tagger.yaml" in result.output


def test_an_unknown_rank_level_is_rejected(workspace: Workspace) -> None:
    workspace.replace(
        "occupations/data-tagger.yaml",
        "    recognised_as: occupation\n",
        "    recognised_as: occupation\n    rank: {level: best, reason: x}\n",
    )
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 1
    assert "rank.level" in result.output


def test_no_conflicts_in_the_fixture(workspace: Workspace) -> None:
    result = runner.invoke(app, ["conflicts", "--check"])
    assert result.exit_code == 0
    assert "0 found, 0 unresolved" in result.output


def test_two_recognitions_are_an_unresolved_conflict(workspace: Workspace) -> None:
    _add_second_recognition(workspace, preferred=False)
    listed = runner.invoke(app, ["conflicts"])
    assert listed.exit_code == 0  # without --check it only lists
    assert "data-tagger status [recognised]: 2 values, unresolved" in listed.output
    assert "recognised (by: ministry, date: 2020, recognised_as: occupation)" in listed.output
    assert "← demo-news ¶3 «人社部将“数据标注员”认定为新职业»" in listed.output
    assert "fix: rank exactly one preferred" in listed.output
    checked = runner.invoke(app, ["conflicts", "--check"])
    assert checked.exit_code == 1


def test_one_preferred_value_resolves_the_conflict(workspace: Workspace) -> None:
    _add_second_recognition(workspace, preferred=True)
    result = runner.invoke(app, ["conflicts", "--check"])
    assert result.exit_code == 0, result.output
    assert "2 values, resolved" in result.output
    assert "★ preferred: recognised" in result.output
    assert "(It gives the year and the body.)" in result.output


def test_two_preferred_values_do_not_resolve_it(workspace: Workspace) -> None:
    _add_second_recognition(workspace, preferred=True)
    workspace.replace("occupations/data-tagger.yaml", SECOND_RECOGNITION, SECOND_RECOGNITION + PREFERRED)
    [conflict] = find_conflicts(load(workspace.curated))
    assert len(conflict.preferred) == 2 and not conflict.resolved
    assert runner.invoke(app, ["conflicts", "--check"]).exit_code == 1


def test_names_from_one_source_are_aliases_not_a_conflict(workspace: Workspace) -> None:
    workspace.replace(
        "occupations/data-tagger.yaml",
        "      - {source: demo-news, para: 2, quote: data tagger}\n",
        "      - {source: demo-news, para: 2, quote: data tagger}\n"
        "  - text: tagger\n    lang: en\n    cite:\n      - {source: demo-news, para: 2, quote: data tagger}\n",
    )
    assert find_conflicts(load(workspace.curated)) == []


def test_a_misspelt_name_is_a_conflict(workspace: Workspace) -> None:
    workspace.replace(
        "people/wang-fang.yaml",
        "      - {source: demo-news, para: 5, quote: 29岁的王芳}\n",
        "      - {source: demo-news, para: 5, quote: 29岁的王芳}\n"
        "  - text: 汪芳\n    lang: zh-Hans\n    misspelling: true\n    cite:\n"
        "      - {source: demo-news, para: 5, quote: 王芳}\n",
    )
    [conflict] = find_conflicts(load(workspace.curated))
    assert (conflict.subject, conflict.property, conflict.scope) == ("wang-fang", "name", "zh-Hans")


def _query(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()


def test_current_claim_takes_the_preferred_and_keeps_other_scopes(workspace: Workspace) -> None:
    _add_second_recognition(workspace, preferred=True)
    # A deprecated English alias: never current, and it leaves the other English name current.
    workspace.replace(
        "occupations/data-tagger.yaml",
        "      - {source: demo-news, para: 2, quote: data tagger}\n",
        "      - {source: demo-news, para: 2, quote: data tagger}\n"
        "  - text: tagger\n    lang: en\n    cite:\n      - {source: demo-news, para: 2, quote: data tagger}\n"
        "    rank: {level: deprecated, reason: a shortening}\n",
    )
    db = workspace.root / "kb.db"
    build_sqlite(load(workspace.curated), db)
    statuses = _query(
        db, "SELECT value_json, rank, rank_reason, rank_scope FROM claim WHERE key LIKE 'data-tagger:statuses%'"
    )
    assert [(rank, reason, scope) for _, rank, reason, scope in statuses] == [
        ("preferred", "It gives the year and the body.", "recognised"),
        ("normal", None, "recognised"),
    ]
    current = _query(db, "SELECT property, value, rank FROM current_claim WHERE subject_id = 'data-tagger' ORDER BY id")
    assert current == [
        ("name", "数据标注员", "normal"),
        ("name", "data tagger", "normal"),
        ("status", "recognised", "preferred"),
    ]
    assert _query(db, "SELECT text FROM label WHERE entity_id = 'data-tagger' AND preferred ORDER BY id") == [
        ("数据标注员",),
        ("data tagger",),
        ("數據標註員",),
    ]


def test_a_preferred_rank_chooses_the_preferred_name(workspace: Workspace) -> None:
    workspace.replace(
        "occupations/data-tagger.yaml",
        "      - {source: demo-news, para: 2, quote: data tagger}\n",
        "      - {source: demo-news, para: 2, quote: data tagger}\n"
        "  - text: tagger\n    lang: en\n    cite:\n      - {source: demo-news, para: 2, quote: data tagger}\n"
        "    rank: {level: preferred, reason: the curators' pick for the test}\n",
    )
    assert load(workspace.curated).get("data-tagger").preferred_names()["en"] == "tagger"  # type: ignore[attr-defined]


def test_the_curated_ranks_resolve_every_conflict() -> None:
    kb = load(Path(__file__).resolve().parent.parent / "curated")
    conflicts = {(c.subject, c.property, c.scope): c for c in find_conflicts(kb)}
    assert all(conflict.resolved for conflict in conflicts.values())
    trainer = conflicts[("ai-trainer", "status", "recognised China")]
    [preferred] = trainer.preferred
    assert isinstance(preferred.statement, OccupationStatus)
    assert preferred.statement.date == "2020"
    lu = conflicts[("lu-guozong", "name", "zh-Hans")]
    assert {claim.value: claim.rank for claim in lu.claims} == {"陆国宗": "preferred", "卢": "deprecated"}


# --- aijobs show ----------------------------------------------------------------------


def test_show_finds_a_record_by_id_in_any_case_and_by_any_name(workspace: Workspace) -> None:
    for query in ("data-tagger", "Data-Tagger", "数据标注员", "數據標註員", "DATA TAGGER", "ｄａｔａ tagger"):
        result = runner.invoke(app, ["show", query])
        assert result.exit_code == 0, (query, result.output)
        assert result.output.startswith("occupation data-tagger: data tagger"), query


def test_show_suggests_the_closest_id_and_points_at_search(workspace: Workspace) -> None:
    result = runner.invoke(app, ["show", "data-taggr"])
    assert result.exit_code == 1
    assert "no record has id or name 'data-taggr'; did you mean 'data-tagger'?" in result.output
    assert "aijobs search" in result.output
    assert "validate" not in result.output
    by_name = runner.invoke(app, ["show", "数据标注"])
    assert "did you mean 'data-tagger (数据标注员)'?" in by_name.output


def test_show_mentions_building_only_when_there_is_no_database(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """`aijobs search` reads ./aijobs.db, else the packaged database: a build is needed only without both."""
    import aijobs.packaged

    monkeypatch.setattr(aijobs.packaged, "packaged_database", lambda: None)
    nothing = runner.invoke(app, ["show", "data taggr"])
    assert nothing.exit_code == 1
    assert nothing.stderr == (
        "Error: no record has id or name 'data taggr'; did you mean 'data-tagger (data tagger)'? "
        "build the database with `aijobs build`, then `aijobs search 'data taggr'` lists matching ids\n"
    )
    packaged = tmp_path_factory.mktemp("package") / "aijobs.db"
    build_sqlite(load(workspace.curated), packaged)
    monkeypatch.setattr(aijobs.packaged, "packaged_database", lambda: packaged)
    with_package = runner.invoke(app, ["show", "data taggr"])
    assert with_package.exit_code == 1
    assert with_package.stderr == (
        "Error: no record has id or name 'data taggr'; did you mean 'data-tagger (data tagger)'? "
        "`aijobs search 'data taggr'` lists matching ids\n"
    )
    monkeypatch.setattr(aijobs.packaged, "packaged_database", lambda: None)
    build_sqlite(load(workspace.curated), Path("aijobs.db"))
    built = runner.invoke(app, ["show", "nobody"])
    assert built.exit_code == 1
    assert built.stderr == "Error: no record has id or name 'nobody'; `aijobs search nobody` lists matching ids\n"
    searched = runner.invoke(app, ["search", "data taggr"])  # the suggestion works as written
    assert searched.exit_code == 0, searched.output
    assert "data-tagger" in searched.stdout


def test_show_names_several_records_when_a_name_is_shared(workspace: Workspace) -> None:
    workspace.replace("people/wang-fang.yaml", "  - text: Wang Fang\n", "  - text: the ministry\n")
    result = runner.invoke(app, ["show", "The Ministry"])
    assert result.exit_code == 1
    assert "'The Ministry' names several records: ministry, wang-fang; give one of these ids" in result.output


def test_show_prints_every_field_of_a_figure(workspace: Workspace) -> None:
    workspace.replace(
        "figures/hefei-team-size.yaml",
        "place: Hefei\n",
        "lower: 30\nupper: 50\nperiod: 2024\nperiod_end: 2025\nplace: Hefei\n",
    )
    workspace.replace(
        "figures/hefei-team-size.yaml",
        "producer: {kind: individual}\n",
        "producer: {kind: individual, by: wang-fang, work: the interview}\n"
        "basis: {kind: inferred, reason: read from the Chinese wording}\n"
        "rank: {level: preferred, reason: the only count}\n",
    )
    output = runner.invoke(app, ["show", "hefei-team-size"]).output
    for line in (
        "  value: 40人左右  (rank: preferred)",
        "      rank reason: the only count",
        "      measure: Size of the data-tagging team Wang Fang leads.",
        "      value: 40",
        "      lower: 30",
        "      upper: 50",
        "      unit: people",
        "      approx: about",
        "      as_written: 40人左右",
        "      period: 2024",
        "      period_end: 2025",
        "      place: Hefei",
        "      about: data-tagger, wang-fang",
        "      producer.kind: individual",
        "      producer.by: wang-fang",
        "      producer.work: the interview",
        "      basis.kind: inferred",
        "      basis.reason: read from the Chinese wording",
        "      ← demo-news ¶5 «40人左右»",
    ):
        assert line in output.splitlines(), line


def test_show_prints_roles_ages_statuses_and_marks_preferred_names(workspace: Workspace) -> None:
    person = runner.invoke(app, ["show", "王芳"]).output.splitlines()
    assert "  name [zh-Hans]: 王芳  (★ preferred)" in person
    assert "      as_of: 2025-01-02" in person
    assert "      status: current" in person and "      title: team lead" in person
    workspace.replace(
        "occupations/data-tagger.yaml",
        "      - {source: demo-news, para: 2, quote: data tagger}\n",
        "      - {source: demo-news, para: 2, quote: data tagger}\n"
        "  - text: tagger\n    lang: en\n    cite:\n      - {source: demo-news, para: 2, quote: data tagger}\n",
    )
    occupation = runner.invoke(app, ["show", "data-tagger"]).output.splitlines()
    assert "  name [en]: data tagger  (★ preferred)" in occupation
    assert "  name [en]: tagger  (alias)" in occupation
    assert "  name [zh-Hant]: 數據標註員 ★ preferred  (translation by the curators, not in a source)" in occupation
    assert "      by: ministry" in occupation and "      date: 2020" in occupation


def test_show_on_the_curated_data() -> None:
    curated = str(Path(__file__).resolve().parent.parent / "curated")
    for query in ("AI-Trainer", "人工智能训练师", "人工智能訓練師"):
        result = runner.invoke(app, ["show", query, "--curated", curated])
        assert result.exit_code == 0, result.output
        assert result.output.startswith("occupation ai-trainer:")
        assert "      date: 2020" in result.output.splitlines()
    typo = runner.invoke(app, ["show", "ai-trainr", "--curated", curated])
    assert typo.exit_code == 1 and "did you mean 'ai-trainer'" in typo.output
