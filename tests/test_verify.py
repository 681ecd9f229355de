"""`aijobs verify` and `aijobs coverage` on the fixture corpus: each failure kind."""

from __future__ import annotations

from typer.testing import CliRunner

from aijobs import load
from aijobs.cli import app
from aijobs.provenance.corpus import Corpus
from aijobs.provenance.coverage import Exceptions, load_exceptions, measure
from aijobs.provenance.verify import verify
from tests.conftest import Workspace

runner = CliRunner()


def failures(space: Workspace) -> list[str]:
    kb = load(space.curated)
    return [str(problem) for problem in verify(kb, Corpus.open(kb, space.corpus)).problems]


def test_clean_knowledge_base_verifies(workspace: Workspace) -> None:
    kb = load(workspace.curated)
    report = verify(kb, Corpus.open(kb, workspace.corpus))
    assert report.problems == []
    assert (report.citations_checked, report.figures_checked) == (11, 1)


def test_quote_in_another_paragraph_suggests_it(workspace: Workspace) -> None:
    workspace.replace(
        "people/wang-fang.yaml",
        "{source: demo-news, para: 4, quote: Wang Fang}",
        "{source: demo-news, para: 2, quote: Wang Fang}",
    )
    assert failures(workspace) == [
        "curated/people/wang-fang.yaml:10:9: names.1.cite.0: quote 'Wang Fang' is not in demo-news "
        "paragraph 2; it occurs in paragraph 4: did you mean para: 4?",
        "curated/people/wang-fang.yaml:10:9: names.1.cite.0: the name 'Wang Fang' is not written in "
        "demo-news paragraph 2; cite the paragraph that states it, or mark the name translation: true",
    ]


def test_quote_nowhere(workspace: Workspace) -> None:
    workspace.replace("people/wang-fang.yaml", "quote: leads a team", "quote: leads the team")
    assert failures(workspace) == [
        "curated/people/wang-fang.yaml:21:9: roles.0.cite.0: quote 'leads the team' is not in demo-news "
        "paragraph 4; closest in paragraph 4: 'leads a team', document[quote]: leads a[the] team; "
        "copy the span exactly from `aijobs source`"
    ]
    workspace.replace("people/wang-fang.yaml", "quote: leads the team", "quote: the data tagger as a job")
    assert failures(workspace) == [
        "curated/people/wang-fang.yaml:21:9: roles.0.cite.0: quote 'the data tagger as a job' is not in demo-news "
        "paragraph 4; closest in the document: paragraph 2: 'the data tagger as a new', document[quote]: the "
        "data tagger as a new[job]; copy the span exactly from `aijobs source`"
    ]


def test_one_wrong_character_is_marked(workspace: Workspace) -> None:
    workspace.replace("figures/hefei-team-size.yaml", "quote: 40人左右}", "quote: 40人左右的数据标注圆队}")
    assert failures(workspace) == [
        "curated/figures/hefei-team-size.yaml:11:5: cite.0: quote '40人左右的数据标注圆队' is not in demo-news "
        "paragraph 5; closest in paragraph 5: '40人左右的数据标注团队', document[quote]: 40人左右的数据标注团[圆]队; "
        "copy the span exactly from `aijobs source`"
    ]


def test_full_width_quote_matches(workspace: Workspace) -> None:
    workspace.replace("people/wang-fang.yaml", 'quote: "Wang Fang, 29"', 'quote: "Ｗａｎｇ　Ｆａｎｇ, ２９"')
    assert failures(workspace) == []


def test_missing_paragraph(workspace: Workspace) -> None:
    workspace.replace(
        "people/wang-fang.yaml",
        "{source: demo-news, para: 4, quote: leads a team}",
        "{source: demo-news, para: 40, quote: leads a team}",
    )
    assert failures(workspace) == [
        "curated/people/wang-fang.yaml:21:9: roles.0.cite.0: demo-news has no paragraph 40 (it has 1-6)"
    ]


def test_parallel_span_is_checked(workspace: Workspace) -> None:
    workspace.replace("people/wang-fang.yaml", "also: {para: 5, quote: 29岁}", "also: {para: 5, quote: 30岁}")
    assert failures(workspace) == [
        "curated/people/wang-fang.yaml:15:9: ages.0.cite.0: quote '30岁' is not in demo-news paragraph 5; "
        "it occurs nowhere in the document: copy the span exactly from `aijobs source`"
    ]


def test_figure_number_must_be_in_paragraph(workspace: Workspace) -> None:
    workspace.replace("figures/hefei-team-size.yaml", "value: 40", "value: 45")
    assert failures(workspace) == [
        "curated/figures/hefei-team-size.yaml:3:8: value: figure value 45 is not evidenced in its cited "
        "paragraph(s); found: 29 (29), 40人左右 (40)"
    ]


def test_figure_with_chinese_multiplier(workspace: Workspace) -> None:
    workspace.write(
        "figures/city-trained.yaml",
        "id: city-trained\nmeasure: People trained.\nvalue: 12000\nunit: people\napprox: exact\n"
        "as_written: 1.2万\ncite:\n  - {source: demo-news, para: 6, quote: 1.2万 people}\n",
    )
    assert failures(workspace) == []
    workspace.replace("figures/city-trained.yaml", "value: 12000", "value: 1200")
    assert len(failures(workspace)) == 1


def test_changed_document_reported_once(workspace: Workspace) -> None:
    document = workspace.corpus / "demo.txt"
    document.write_text(document.read_text(encoding="utf-8") + "An extra line.\n", encoding="utf-8")
    problems = failures(workspace)
    assert len(problems) == 1
    assert problems[0].startswith("curated/sources/demo-news.yaml:6:9: sha256: demo.txt has changed: its SHA-256 is ")
    assert problems[0].endswith("re-check the 11 citation(s) of this source, then update sha256")


def test_missing_document(workspace: Workspace) -> None:
    (workspace.corpus / "demo.txt").unlink()
    assert failures(workspace) == [
        f"curated/sources/demo-news.yaml:4:7: file: demo.txt is not in the corpus folder {workspace.corpus}; "
        "11 citation(s) of this source cannot be checked"
    ]


def test_verify_command(workspace: Workspace) -> None:
    ok = runner.invoke(app, ["verify"])
    assert ok.exit_code == 0, ok.output
    assert "verify: 11 citations and 1 figures checked, 0 failure(s)" in ok.output
    workspace.replace("figures/hefei-team-size.yaml", "value: 40", "value: 45")
    failed = runner.invoke(app, ["verify", "--format", "github"])
    assert failed.exit_code == 1
    assert failed.stdout.startswith("::error file=curated/figures/hefei-team-size.yaml,line=3,col=8,")


def test_verify_without_corpus(workspace: Workspace, monkeypatch: object) -> None:
    result = runner.invoke(app, ["verify"], env={"AIJOBS_CORPUS": str(workspace.root / "gone")})
    assert result.exit_code == 1
    assert "from $AIJOBS_CORPUS) does not exist" in result.output


def test_coverage_counts_and_exceptions(workspace: Workspace) -> None:
    kb = load(workspace.curated)
    corpus = Corpus.open(kb, workspace.corpus)
    (result,), stale = measure(kb, corpus, Exceptions())
    assert stale == []
    uncovered = sorted((para, mention.text) for para, mention in result.uncovered_numbers)
    # 2020 twice (a date), 29 in the English age is cited, 40 is a figure; 1.2万 and 30 percent are not yet.
    assert uncovered == [(2, "2020"), (3, "2020"), (4, "about 40"), (6, "1.2万"), (6, "nearly 30 percent")]
    assert result.uncited_paragraphs == [6]
    workspace.write(
        "coverage-exceptions.yaml",
        "numbers:\n"
        "  - {source: demo-news, para: 2, number: '2020', reason: 'the year of recognition, a date'}\n"
        "  - {source: demo-news, para: 9, number: '7', reason: stale}\n",
    )
    exceptions, problems = load_exceptions(workspace.curated)
    assert problems == []
    (result,), stale = measure(kb, corpus, exceptions)
    assert (2, "2020") not in [(p, m.text) for p, m in result.uncovered_numbers]
    assert [p.message for p in stale] == [
        "exception for '7' in demo-news paragraph 9 matches no uncovered number; remove it or fix the paragraph"
    ]


def test_coverage_command(workspace: Workspace) -> None:
    result = runner.invoke(app, ["coverage"])
    assert result.exit_code == 0
    assert result.output.startswith("demo-news: numbers ")
    assert "demo-news ¶6: paragraph is not cited by any claim, nor an exception" in result.output
    assert runner.invoke(app, ["coverage", "--check"]).exit_code == 1
