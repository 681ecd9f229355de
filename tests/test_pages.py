"""Record pages and the career graph, through Datasette's test client (no browser)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aijobs import load
from aijobs.db.build import build_sqlite
from aijobs.db.serve import datasette_metadata
from aijobs.text import locate, normalize, normalize_with_offsets
from aijobs.tools.evidence import PLUGINS_DIR, FigureView, figure_chart, serve_metadata
from tests.conftest import Workspace

datasette_app = pytest.importorskip("datasette.app")

CLERK = """\
id: clerk
names:
  - text: clerk
    lang: en
    cite:
      - {source: demo-news, para: 2, quote: ministry}
statuses:
  - status: affected
    cite:
      - {source: demo-news, para: 2, quote: ministry}
"""


def _get(db: Path, corpus: Path | None, problem: str | None, *paths: str) -> list[tuple[int, str]]:
    metadata = {**datasette_metadata(db.stem), **serve_metadata(corpus, problem)}
    ds = datasette_app.Datasette([str(db)], metadata=metadata, plugins_dir=str(PLUGINS_DIR))

    async def fetch() -> list[tuple[int, str]]:
        return [((r := await ds.client.get(path)).status_code, r.text) for path in paths]

    return asyncio.run(fetch())


def _built(workspace: Workspace) -> Path:
    db = workspace.root / "aijobs.db"
    build_sqlite(load(workspace.curated), db)
    return db


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def test_record_page_marks_each_quote_inside_its_paragraph(workspace: Workspace) -> None:
    [(status, html)] = _get(_built(workspace), workspace.corpus, None, "/-/aijobs/record/data-tagger")
    assert status == 200
    page = _text(html)
    # The quote, marked, with the rest of its paragraph around it (read from the corpus).
    assert "In 2020, the ministry <mark>recognised the data tagger</mark> as a new occupation." in page
    # The bilingual source's other paragraph beside it.
    assert "2020年,人社部将“数据标注员”<mark>认定为新职业</mark>。" in page
    assert 'class="aijobs-citation">' in page  # two columns: the citation has `also`
    # Names, the preferred ones marked, the curators' translation labelled.
    assert re.search(r'<li class="preferred" lang="zh-Hans">数据标注员', page)
    assert re.search(r'<li class="preferred" lang="zh-Hant">數據標註員.*?translation by the curators', page)
    # Its figure as a chart: an approximate value, with its unit.
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="aijobs-chart"' in page
    assert 'class="figure approx" data-figure="hefei-team-size"' in page
    assert "Unit: people" in page and "about 40" in page
    assert "Paragraphs are not shown" not in page


def test_without_the_corpus_the_page_shows_quotes_alone_and_says_why(workspace: Workspace) -> None:
    why = "no corpus folder found; looked at --corpus (not given), $AIJOBS_CORPUS (not set)"
    [(status, html)] = _get(_built(workspace), None, why, "/-/aijobs/record/data-tagger")
    assert status == 200
    page = _text(html)
    assert f"Paragraphs are not shown, only the quotes: {why}." in page
    assert "<mark>recognised the data tagger</mark>" in page
    assert "the ministry" not in page.replace("<mark>the ministry</mark>", "")  # no paragraph text


def test_a_changed_document_is_not_shown_as_the_cited_one(workspace: Workspace) -> None:
    db = _built(workspace)
    (workspace.corpus / "demo.txt").write_text("something else entirely\n", encoding="utf-8")
    [(_, html)] = _get(db, workspace.corpus, None, "/-/aijobs/record/data-tagger")
    page = _text(html)
    assert "is not the document cited (its SHA-256 differs)" in page
    assert "something else" not in page
    assert "<mark>recognised the data tagger</mark>" in page


def test_record_data_is_escaped(workspace: Workspace) -> None:
    workspace.replace(
        "occupations/data-tagger.yaml",
        "statuses:",
        "description:\n  text: <script>alert(1)</script> tags data\n"
        "  cite:\n    - {source: demo-news, para: 2, quote: <b>data tagger</b>}\nstatuses:",
    )
    [(status, html), (missing, other)] = _get(
        _built(workspace), workspace.corpus, None, "/-/aijobs/record/data-tagger", "/-/aijobs/record/%3Cscript%3Ex"
    )
    assert status == 200
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; tags data" in html
    assert "<b>data tagger</b>" not in html and "&lt;b&gt;data tagger&lt;/b&gt;" in html
    assert missing == 404 and "<script>x" not in other and "&lt;script&gt;x" in other


def test_every_cell_naming_a_record_links_to_its_page(workspace: Workspace) -> None:
    [(_, role), (_, row), (_, front)] = _get(
        _built(workspace), workspace.corpus, None, "/aijobs/role", "/aijobs/occupation/data-tagger", "/"
    )
    assert '<a href="/-/aijobs/record/data-tagger">' in role
    assert '<a href="/-/aijobs/record/wang-fang">' in role
    assert '<a href="/-/aijobs/record/data-tagger">data-tagger</a>' in row
    assert 'href="/-/aijobs/careers"' in front


def test_careers_page_draws_former_to_current(workspace: Workspace) -> None:
    workspace.write("occupations/clerk.yaml", CLERK)
    workspace.replace(
        "people/wang-fang.yaml",
        "roles:\n",
        "roles:\n  - occupation: clerk\n    status: former\n    cite:\n"
        "      - {source: demo-news, para: 4, quote: Wang Fang}\n",
    )
    [(status, html)] = _get(_built(workspace), workspace.corpus, None, "/-/aijobs/careers")
    assert status == 200
    page = _text(html)
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="aijobs-careers"' in page
    assert "<title>clerk → data tagger: 1 person</title>" in page
    assert '<a href="/-/aijobs/record/clerk" class="former">' in page
    assert '<a href="/-/aijobs/record/data-tagger" class="current">' in page


def test_careers_page_without_moves_says_so(workspace: Workspace) -> None:
    [(status, html)] = _get(_built(workspace), workspace.corpus, None, "/-/aijobs/careers")
    assert status == 200 and "No person has both a former and a current occupation." in _text(html)


def _figure(**values: object) -> FigureView:
    base: dict[str, object] = dict(
        id="f", measure="m", value=None, lower=None, upper=None, unit="CNY", approx="exact", as_written="x"
    )
    base.update(period=None, period_end=None, place=None)
    base.update(values)
    return FigureView(**base)  # type: ignore[arg-type]


def test_chart_draws_ranges_as_bars_points_as_dots_and_labels_units_and_periods() -> None:
    svg = figure_chart(
        [
            _figure(id="range", lower=2000, upper=9000, approx="order-of-magnitude", period="2024", unit="count"),
            _figure(id="point", value=1_000_000, approx="exact", unit="count"),
            _figure(id="pay", value=12000, unit="CNY", measure="<script>alert(1)</script>", period="2023"),
        ]
    )
    assert svg.count('<rect class="range"') == 1 and svg.count('<circle class="point"') == 2
    assert "Unit: count (logarithmic scale)" in svg and "Unit: CNY" in svg
    assert "order-of-magnitude 2,000–9,000 · 2024" in svg and "period not stated" in svg
    assert 'class="figure approx" data-figure="range"' in svg and 'class="figure exact" data-figure="point"' in svg
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert figure_chart([_figure(value=None)]) == ""


def test_locate_maps_a_normalised_match_back_to_the_original_text() -> None:
    text = "2020年 , 人社部将“数据标注员”认定为新职业。ＡＩ  trainer"
    start, end = locate(text, ",人社部") or (0, 0)
    assert text[start:end] == ", 人社部"
    start, end = locate(text, "AI trainer") or (0, 0)
    assert text[start:end] == "ＡＩ  trainer"
    assert locate(text, "not there") is None


@given(st.text(alphabet="ab 中文\u3000Ａ\n，,", max_size=30), st.data())
def test_locate_finds_every_slice(text: str, data: st.DataObject) -> None:
    mapped, _ = normalize_with_offsets(text)
    assert mapped == normalize(text)
    i = data.draw(st.integers(0, len(text)))
    j = data.draw(st.integers(i, len(text)))
    needle = text[i:j]
    if normalize(needle) and normalize(needle) in mapped:
        span = locate(text, needle)
        assert span is not None
        assert normalize(text[span[0] : span[1]]) == normalize(needle)
