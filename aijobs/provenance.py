"""Opening the documents that records cite."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from aijobs.corpus import CorpusNotFound, Document, find_corpus
from aijobs.kb import KnowledgeBase
from aijobs.records import Source


def open_source(kb: KnowledgeBase, source_id: str, corpus: Path | None, fail: Callable[[str], NoReturn]) -> Document:
    """The document behind a source record, or a call to `fail` saying what is missing."""
    if source_id not in kb or not isinstance(kb.get(source_id), Source):
        known = ", ".join(source.id for source in kb.sources) or "none"
        fail(f"no source has id {source_id!r}; known sources: {known}")
    source = kb.get(source_id)
    assert isinstance(source, Source)
    try:
        folder = find_corpus(corpus)
    except CorpusNotFound as exc:
        fail(str(exc))
    path = folder / source.file
    if not path.is_file():
        fail(f"{source.file} (source {source_id}) is not in the corpus folder {folder}")
    return Document.read(path, source.format)
