"""The shorter form: a record's default source, derived zh-Hant names, fmt --migrate,
files and folders for validate and fmt, CRLF files, and the progress bar."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aijobs import load
from aijobs.cli import app
from aijobs.db.build import build_sqlite
from aijobs.kb import validate
from aijobs.records import Person, derived_names
from aijobs.tools.fmt import format_folder, migrate_text
from aijobs.tools.progress import Progress
from tests.conftest import PERSON, Workspace

runner = CliRunner()

SHORT_PERSON = """\
id: wang-fang
source: demo-news
names:
  - text: 王芳
    lang: zh-Hans
    cite:
      - {para: 5, quote: 29岁的王芳}
  - text: Wang Fang
    lang: en
    cite:
      - {para: 4, quote: Wang Fang}
ages:
  - years: 29
    as_of: 2025-01-02
    cite:
      - {para: 4, quote: "Wang Fang, 29", also: {para: 5, quote: 29岁}}
roles:
  - occupation: data-tagger
    title: team lead
    status: current
    cite:
      - {source: demo-news, para: 4, quote: leads a team}
"""


def _claims(workspace: Workspace) -> list[tuple[object, ...]]:
    return [(c.subject, c.key, c.value, c.citations) for c in load(workspace.curated).claims()]


# --- default source ----------------------------------------------------------------------


def test_a_citation_without_source_takes_the_records(workspace: Workspace) -> None:
    before = _claims(workspace)
    workspace.write("people/wang-fang.yaml", SHORT_PERSON)
    assert _claims(workspace) == before
    person = load(workspace.curated).get("wang-fang")
    assert {c.source for claim in load(workspace.curated).claims_about("wang-fang") for c in claim.citations} == {
        "demo-news"
    }
    assert person.model_dump(mode="json").get("source") is None  # the default is a way of writing, not data


def test_a_citation_may_name_another_source(workspace: Workspace) -> None:
    workspace.write("people/wang-fang.yaml", SHORT_PERSON.replace("source: demo-news\nnames", "source: other\nnames"))
    _, problems = validate(workspace.curated)
    messages = [p.message for p in problems]
    # The record's default names a source that does not exist: reported at `source`, once,
    assert any("points to 'other', but no source has that id" in m for m in messages)
    # and the citation that names demo-news itself is untouched.
    assert not any("'demo-news'" in m for m in messages)


def test_a_citation_without_source_and_no_default_says_what_to_add(workspace: Workspace) -> None:
    workspace.write("people/wang-fang.yaml", SHORT_PERSON.replace("source: demo-news\nnames", "names"))
    result = runner.invoke(app, ["validate", "curated"])
    assert result.exit_code == 1
    assert "curated/people/wang-fang.yaml:6:9: names.0.cite.0: this citation names no source" in result.output
    assert "add `source: <id>` to the citation, or `source: <id>` at the top of the record" in result.output
    assert (workspace.curated / "people/wang-fang.yaml").read_text(encoding="utf-8").startswith("id: wang-fang")


def test_a_record_whose_citations_all_name_their_source_needs_no_default(workspace: Workspace) -> None:
    kb = load(workspace.curated)
    assert kb.get("wang-fang").source is None


# --- derived names -----------------------------------------------------------------------


def test_zh_hant_names_are_derived_marked_and_never_cited(workspace: Workspace, tmp_path: Path) -> None:
    kb = load(workspace.curated)
    person = kb.get("wang-fang")
    assert isinstance(person, Person)
    derived = [name for name in person.names if name.derived]
    assert [(n.text, n.lang, n.translation, n.cite) for n in derived] == [("王芳", "zh-Hant", True, [])]
    assert [n.lang for n in person.names] == ["zh-Hans", "en", "zh-Hant"]  # after the cited names: none moves
    assert not any(claim.lang == "zh-Hant" for claim in kb.claims_about("wang-fang"))
    db = tmp_path / "kb.db"
    build_sqlite(kb, db)
    import sqlite3

    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT text, translation, derived, claim_id FROM label WHERE entity_id = 'wang-fang' AND lang = 'zh-Hant'"
        ).fetchall()
        cited = connection.execute(
            "SELECT count(*) FROM claim WHERE subject_id = 'wang-fang' AND lang = 'zh-Hant'"
        ).fetchone()
    assert rows == [("王芳", 1, 1, None)]
    assert cited == (0,)


def test_a_curated_zh_hant_name_wins(workspace: Workspace) -> None:
    occupation = load(workspace.curated).get("data-tagger")
    names = [(n.text, n.lang, n.derived) for n in occupation.names if n.lang == "zh-Hant"]  # type: ignore[attr-defined]
    assert names == [("數據標註員", "zh-Hant", False)]  # s2t would write 數據標註員 too, but nothing is added


def test_a_derived_name_never_comes_before_a_cited_one() -> None:
    person = Person.model_validate(
        {
            "id": "x",
            "names": [
                {"text": "王芳", "lang": "zh-Hans", "translation": True},
                {"text": "Wang Fang", "lang": "en", "cite": [{"source": "s", "para": 1, "quote": "Wang Fang"}]},
            ],
        }
    )
    assert [(n.text, n.lang) for n in person.names] == [("王芳", "zh-Hans"), ("Wang Fang", "en"), ("王芳", "zh-Hant")]
    assert derived_names(person.names) is person.names  # derived once: a zh-Hant name is now present


def test_derived_cannot_be_written_in_a_file(workspace: Workspace) -> None:
    workspace.replace("people/wang-fang.yaml", "    lang: en\n", "    lang: en\n    derived: true\n")
    result = runner.invoke(app, ["validate", "curated"])
    assert result.exit_code == 1
    assert "`derived` is set by aijobs" in result.output


# --- fmt --migrate -----------------------------------------------------------------------

# The curators' zh-Hant rendering, then an English name of their own (so no claim follows it).
WITH_HANT = PERSON.replace(
    "  - text: Wang Fang\n    lang: en\n    cite:\n      - {source: demo-news, para: 4, quote: Wang Fang}\n",
    "  - text: 王芳\n    lang: zh-Hant\n    translation: true\n"
    "  - text: Wang Fang\n    lang: en\n    translation: true\n",
)


def test_migrate_writes_the_shorter_form_and_keeps_the_meaning(workspace: Workspace) -> None:
    workspace.write("people/wang-fang.yaml", WITH_HANT)
    before = _claims(workspace)
    names_before = [(n.text, n.lang, n.translation) for n in load(workspace.curated).get("wang-fang").names]  # type: ignore[attr-defined]
    result = runner.invoke(app, ["fmt", "--migrate"])
    assert result.exit_code == 0, result.output
    text = (workspace.curated / "people/wang-fang.yaml").read_text(encoding="utf-8")
    assert "\nsource: demo-news\n" in text
    assert "{para: 5, quote: 29岁的王芳}" in text
    assert "zh-Hant" not in text
    assert _claims(workspace) == before
    names_after = load(workspace.curated).get("wang-fang").names  # type: ignore[attr-defined]
    assert [(n.text, n.lang, n.translation) for n in names_after] == names_before
    assert [n.derived for n in names_after] == [False, True, False]
    # idempotent
    again = runner.invoke(app, ["fmt", "--migrate"])
    assert "0 file(s) reformatted" in again.output
    assert (workspace.curated / "people/wang-fang.yaml").read_text(encoding="utf-8") == text


def test_migrate_keeps_cited_and_differing_zh_hant_names() -> None:
    cited = WITH_HANT.replace(
        "    lang: zh-Hant\n    translation: true\n",
        "    lang: zh-Hant\n    cite:\n      - {source: demo-news, para: 5, quote: 王芳}\n",
    )
    assert "zh-Hant" in migrate_text(cited, "people", "x.yaml")
    differing = WITH_HANT.replace("  - text: 王芳\n    lang: zh-Hant", "  - text: 王小芳\n    lang: zh-Hant")
    assert "王小芳" in migrate_text(differing, "people", "x.yaml")
    # After a cited name, the derivation would move it: kept, so no claim changes its key.
    moved = PERSON + ""
    moved = moved.replace(
        "  - text: Wang Fang\n    lang: en\n",
        "  - text: 王芳\n    lang: zh-Hant\n    translation: true\n  - text: Wang Fang\n    lang: en\n",
    )
    assert "zh-Hant" in migrate_text(
        moved.replace("cite:\n      - {source: demo-news, para: 5, quote: 29岁的王芳}", "translation: true", 1),
        "people",
        "x.yaml",
    )


def test_migrate_leaves_an_invalid_record_as_it_is() -> None:
    broken = PERSON.replace("years: 29", "years: many")
    assert migrate_text(broken, "people", "x.yaml") == broken


def test_a_single_citation_is_not_hoisted() -> None:
    one = (
        "id: m\nkind: government\nnames:\n  - text: M\n    lang: en\n    cite:\n"
        "      - {source: s, para: 1, quote: M}\n"
    )
    assert "source: s" in migrate_text(one, "companies", "m.yaml").split("names:")[1]


# --- files and folders -------------------------------------------------------------------


def test_validate_a_file_or_a_record_folder_checks_the_whole_knowledge_base(workspace: Workspace) -> None:
    workspace.replace("figures/hefei-team-size.yaml", "value: 40", "value: many")
    person = runner.invoke(app, ["validate", "curated/people/wang-fang.yaml"])
    assert person.exit_code == 0, person.output
    assert "1 problem(s) in other files of curated not shown" in person.output
    folder = runner.invoke(app, ["validate", "curated/people"])
    assert folder.exit_code == 0, folder.output  # references to sources/, occupations/ resolve
    figure = runner.invoke(app, ["validate", "curated/figures/hefei-team-size.yaml"])
    assert figure.exit_code == 1
    assert "curated/figures/hefei-team-size.yaml:" in figure.output
    inside = runner.invoke(app, ["validate", str(workspace.curated / "figures")])
    assert inside.exit_code == 1
    assert "hefei-team-size.yaml" in inside.output


def test_validate_a_file_reports_its_reference_problems(workspace: Workspace) -> None:
    workspace.replace("people/wang-fang.yaml", "occupation: data-tagger", "occupation: data-taggr")
    result = runner.invoke(app, ["validate", "curated/people/wang-fang.yaml"])
    assert result.exit_code == 1
    assert "points to 'data-taggr'" in result.output


def test_validate_a_file_outside_a_knowledge_base_is_refused(workspace: Workspace) -> None:
    stray = workspace.root / "stray.yaml"
    stray.write_text("id: x\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(stray)])
    assert result.exit_code == 1
    assert "not a record file of a curated folder" in result.output
    missing = runner.invoke(app, ["validate", "curated/people/nobody.yaml"])
    assert missing.exit_code == 1
    assert "curated/people/nobody.yaml: curated data folder not found" in missing.output


MESSY_ROLE = "    title: team lead\n    status: current\n"


def test_fmt_formats_only_the_given_files(workspace: Workspace) -> None:
    messy = "    status: current\n    title: team lead\n"
    person = workspace.replace("people/wang-fang.yaml", MESSY_ROLE, messy)
    figure = workspace.replace("figures/hefei-team-size.yaml", "unit: people\n", "unit:   people\n")
    check = runner.invoke(app, ["fmt", "--check", "curated/people/wang-fang.yaml"])
    assert check.exit_code == 1
    assert "would reformat curated/people/wang-fang.yaml" in check.output
    assert "hefei" not in check.output
    assert runner.invoke(app, ["fmt", "curated/people"]).exit_code == 0
    assert MESSY_ROLE in person.read_text(encoding="utf-8")
    assert "unit:   people" in figure.read_text(encoding="utf-8")  # not given: untouched


def test_fmt_check_fails_a_crlf_file_and_fmt_writes_lf(workspace: Workspace) -> None:
    assert runner.invoke(app, ["fmt", "curated"]).exit_code == 0
    path = workspace.curated / "people/wang-fang.yaml"
    lf = path.read_bytes()
    path.write_bytes(lf.replace(b"\n", b"\r\n"))
    assert validate(workspace.curated)[1] == []  # still readable
    check = runner.invoke(app, ["fmt", "--check", "curated"])
    assert check.exit_code == 1
    assert "would reformat curated/people/wang-fang.yaml" in check.output
    assert runner.invoke(app, ["fmt", "curated/people/wang-fang.yaml"]).exit_code == 0
    assert path.read_bytes() == lf


def test_fmt_cache_never_passes_a_changed_file(workspace: Workspace, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert format_folder(workspace.curated, cache=cache).ok
    assert format_folder(workspace.curated, check=True, cache=cache).ok
    assert any(cache.iterdir())
    workspace.replace("people/wang-fang.yaml", MESSY_ROLE, "    status: current\n    title: team lead\n")
    report = format_folder(workspace.curated, check=True, cache=cache)
    assert report.changed == ["curated/people/wang-fang.yaml"]


# --- progress ----------------------------------------------------------------------------


def test_progress_draws_a_bar_on_a_terminal_only() -> None:
    leader, follower = pty.openpty()
    try:
        with os.fdopen(follower, "w", closefd=False) as terminal, Progress("fmt", terminal, interval=0) as progress:
            progress(1, 4)
            progress(4, 4)
        drawn = os.read(leader, 4096).decode()
    finally:
        os.close(leader)
        os.close(follower)
    assert "fmt [" in drawn and "4/4" in drawn and "#" * 30 in drawn


def test_fmt_shows_a_bar_on_a_pseudo_terminal_and_nothing_when_piped(workspace: Workspace) -> None:
    assert runner.invoke(app, ["fmt"]).exit_code == 0
    command = [sys.executable, "-m", "aijobs", "fmt", "--check", "curated"]
    piped = subprocess.run(command, capture_output=True, text=True, check=False)
    assert piped.returncode == 0, piped.stderr
    assert "\r" not in piped.stderr and "[" not in piped.stderr
    leader, follower = pty.openpty()
    try:
        process = subprocess.run(command, stdout=subprocess.PIPE, stderr=follower, check=False)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
    shown = b"".join(chunks).decode()
    assert process.returncode == 0
    assert "\rfmt [" in shown and "5/5" in shown


@pytest.mark.parametrize("relative", ["curated/people", "curated/people/wang-fang.yaml"])
def test_fmt_accepts_paths_given_absolute(workspace: Workspace, relative: str) -> None:
    assert runner.invoke(app, ["fmt"]).exit_code == 0
    result = runner.invoke(app, ["fmt", "--check", str(workspace.root / relative)])
    assert result.exit_code == 0, result.output


def test_a_wrong_default_source_is_reported_once_at_source(workspace: Workspace) -> None:
    workspace.write(
        "people/wang-fang.yaml", SHORT_PERSON.replace("source: demo-news\nnames", "source: demo-newz\nnames")
    )
    result = runner.invoke(app, ["validate", "curated"])
    assert result.exit_code == 1
    # The three citations that name no source take the default: one problem stands for them.
    assert [line for line in result.output.splitlines() if "wang-fang.yaml" in line] == [
        "curated/people/wang-fang.yaml:2:9: source: points to 'demo-newz', but no source has that id "
        "(3 citations naming no source take it); did you mean 'demo-news'? If not, create "
        "curated/sources/demo-newz.yaml"
    ]


def test_a_citation_naming_the_wrong_source_itself_keeps_its_own_problem(workspace: Workspace) -> None:
    short = SHORT_PERSON.replace("source: demo-news\nnames", "source: demo-newz\nnames")
    short = short.replace("{source: demo-news, para: 4, quote: leads a team}", "{source: demo-newz, para: 4, quote: x}")
    short = short.replace("- {para: 4, quote: Wang Fang}", "- {source: demo-news, para: 4, quote: Wang Fang}")
    workspace.write("people/wang-fang.yaml", short)
    _, problems = validate(workspace.curated)
    assert [(str(p.location), p.field) for p in problems] == [
        ("curated/people/wang-fang.yaml:2:9", "source"),
        ("curated/people/wang-fang.yaml:22:18", "roles.0.cite.0.source"),
    ]
    assert "(2 citations naming no source take it)" in problems[0].message
    assert problems[1].message == (
        "points to 'demo-newz', but no source has that id; did you mean 'demo-news'? "
        "If not, create curated/sources/demo-newz.yaml"
    )


def test_a_default_source_of_the_wrong_type_is_reported_once(workspace: Workspace) -> None:
    workspace.write(
        "people/wang-fang.yaml", SHORT_PERSON.replace("source: demo-news\nnames", "source: ministry\nnames")
    )
    _, problems = validate(workspace.curated)
    assert [str(p) for p in problems] == [
        "curated/people/wang-fang.yaml:2:9: source: points to 'ministry', which is a company "
        "(3 citations naming no source take it); expected a source"
    ]
