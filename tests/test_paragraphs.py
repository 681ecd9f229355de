"""Paragraph numbering per format, on small documents written for the tests."""

from __future__ import annotations

import pytest

from aijobs.fields import Format, choices
from aijobs.provenance.paragraphs import paragraphs
from aijobs.text import contains, normalize


def test_text_paragraphs_are_non_empty_lines() -> None:
    document = "标题\n\n  第一段,有全角，标点。  \n\n\nSecond   line\twith tabs\n"
    assert paragraphs(document, "text") == {1: "标题", 2: "第一段,有全角，标点。", 3: "Second line with tabs"}


@pytest.mark.parametrize("fmt", choices(Format))
def test_every_source_format_is_numbered(fmt: Format) -> None:
    """Each value of the `format` vocabulary has a paragraph numbering."""
    document = {"html": "<p>one</p><p>two</p>"}.get(fmt, "one\n\ntwo\n")
    assert paragraphs(document, fmt) == {1: "one", 2: "two"}


def test_text_has_no_front_matter() -> None:
    assert paragraphs("---\ntitle: x\n---\nbody\n", "text") == {1: "---", 2: "title: x", 3: "---", 4: "body"}


def test_markdown_blocks() -> None:
    document = (
        "---\ntitle: 'Demo'\ndate: 2024-05-29\n---\n\n"
        "# A heading\n\n"
        "A paragraph with **bold** text\nthat wraps.\n\n"
        "---\n"
        "- item one\n- item [two](https://example.org)\n\n"
        "> quoted\n\n"
        "Setext heading\n---\n"
    )
    assert paragraphs(document, "markdown") == {
        0: "title: 'Demo' date: 2024-05-29",
        1: "A heading",
        2: "A paragraph with bold text that wraps.",
        3: "item one",
        4: "item two",
        5: "quoted",
        6: "Setext heading",
    }


def test_markdown_without_front_matter() -> None:
    assert paragraphs("one\n\ntwo\n", "markdown") == {1: "one", 2: "two"}


def test_html_block_elements() -> None:
    document = (
        "---\nlayout: post\n---\n"
        "<div><h1>Title</h1><p>First <strong>bold</strong><br/>line</p>"
        "<script>var x = 1;</script><svg><path d='M0'/></svg>"
        "<ul><li>one</li><li>two &amp; three</li></ul>"
        "<p>\n  【\n  <strong>\n   创意\n  </strong>\n  设计】\n</p></div>"
        "<p><img src='x.png'/></p>"
    )
    result = paragraphs(document, "html")
    assert result == {
        0: "layout: post",
        1: "Title",
        2: "First bold line",
        3: "one",
        4: "two & three",
        5: "【 创意 设计】",
    }
    assert contains(result[5], "【创意设计】")


def test_normalize_folds_width_and_space() -> None:
    assert normalize("ＡＩ训练师，１．６３万") == "AI训练师,1.63万"
    assert normalize("AI  trainer\n evaluations") == "AI trainer evaluations"
    assert normalize("人工 智能") == "人工智能"
    assert contains("16,300 participants in AI trainer evaluations", "16,300  participants")
    assert not contains("16,300 participants", "16,800 participants")
