"""Paragraph numbering: the single definition every citation depends on.

A citation says "paragraph N of source S", so N must mean the same thing to the
curator, to `aijobs source`, to `aijobs verify` and to a reader years later.

* ``text``: a paragraph is a non-empty line of the document.
* ``markdown``: a paragraph is a CommonMark block (paragraph, heading text without
  its ``#`` or underline, list item paragraph, block quote paragraph, code block,
  HTML block), as parsed by markdown-it-py. Thematic breaks produce nothing.
* ``html``: a paragraph is the text of a block element (``p``, ``h1``-``h6``,
  ``li``, ``div``...), with ``<br>`` read as a space; script, style and SVG are
  skipped. Parsed with the standard library's ``html.parser``.

Paragraphs are numbered from 1 in document order. A document that opens with a
``---`` front-matter block (Markdown and HTML posts do) has that block as paragraph
0: it is not body text, but it is where such documents state their title, date and
author, so it can be cited.
"""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

from aijobs.fields import Format
from aijobs.text import fold_whitespace


def split_front_matter(document: str) -> tuple[str | None, str]:
    """Return (front matter or None, body) for a document that may open with ``---``."""
    lines = document.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n") != "---":
        return None, document
    for index in range(1, len(lines)):
        if lines[index].rstrip("\r\n") in ("---", "..."):
            return "".join(lines[1:index]), "".join(lines[index + 1 :])
    return None, document


def text_paragraphs(body: str) -> list[str]:
    return [fold_whitespace(line) for line in body.splitlines() if line.strip()]


def markdown_paragraphs(body: str) -> list[str]:
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(body)
    paragraphs: list[str] = []
    for token in tokens:
        if token.type == "inline":
            paragraphs.append(_inline_text(token.children or []))
        elif token.type in ("fence", "code_block", "html_block"):
            paragraphs.append(token.content)
    return [text for text in (fold_whitespace(p) for p in paragraphs) if text]


def _inline_text(children: list[Any]) -> str:
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(_inline_text(child.children or []))
    return "".join(parts)


_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "caption",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "html",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "title",
        "tr",
        "ul",
    ]
)
_SKIPPED_TAGS = frozenset({"script", "style", "svg", "template", "noscript"})


class _BlockTextParser(HTMLParser):
    """Collects the text of each block element; a block boundary ends a paragraph."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._buffer: list[str] = []
        self._skip_depth = 0

    def _flush(self) -> None:
        text = fold_whitespace("".join(self._buffer))
        if text:
            self.paragraphs.append(text)
        self._buffer = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skip_depth += 1
        elif tag == "br":
            self._buffer.append(" ")
        elif tag in _BLOCK_TAGS:
            self._flush()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._buffer.append(" ")
        elif tag in _BLOCK_TAGS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK_TAGS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self._buffer.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def html_paragraphs(body: str) -> list[str]:
    parser = _BlockTextParser()
    parser.feed(body)
    parser.close()
    return parser.paragraphs


_SEGMENTERS: dict[Format, Callable[[str], list[str]]] = {
    "text": text_paragraphs,
    "markdown": markdown_paragraphs,
    "html": html_paragraphs,
}


def paragraphs(document: str, fmt: Format) -> dict[int, str]:
    """Number a document's paragraphs: {0: front matter (if any), 1: first block, ...}."""
    if fmt == "text":
        front, body = None, document
    else:
        front, body = split_front_matter(document)
    numbered = {n: text for n, text in enumerate(_SEGMENTERS[fmt](body), start=1)}
    if front is not None and front.strip():
        numbered[0] = fold_whitespace(front)
    return dict(sorted(numbered.items()))
