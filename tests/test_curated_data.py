"""The curated data itself: valid, and every citation verified against the real corpus."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from aijobs import load
from aijobs.db.build import build_sqlite
from aijobs.provenance.corpus import Corpus, CorpusNotFound, find_corpus
from aijobs.provenance.coverage import load_exceptions, measure
from aijobs.provenance.verify import verify
from tests.conftest import REPO

CURATED = REPO / "curated"


def _corpus_folder() -> Path:
    try:
        return find_corpus(start=REPO)
    except CorpusNotFound as exc:
        if os.environ.get("AIJOBS_REQUIRE_CORPUS") == "1":
            pytest.fail(f"AIJOBS_REQUIRE_CORPUS=1 but the corpus is absent: {exc}")
        pytest.skip(f"source corpus not available: {exc}")


def test_curated_data_is_valid() -> None:
    kb = load(CURATED)
    assert len(kb.sources) == 5


def test_every_citation_verifies_against_the_corpus() -> None:
    kb = load(CURATED)
    report = verify(kb, Corpus.open(kb, _corpus_folder()))
    assert [str(problem) for problem in report.problems] == []
    assert report.figures_checked == len(kb.figures)


def test_every_source_document_segments() -> None:
    kb = load(CURATED)
    corpus = Corpus.open(kb, _corpus_folder())
    assert sorted(corpus.documents) == sorted(source.id for source in kb.sources)
    for document in corpus.documents.values():
        assert len(document.paragraphs) > 10


def test_coverage_exceptions_are_not_stale() -> None:
    kb = load(CURATED)
    exceptions, problems = load_exceptions(CURATED)
    assert problems == []
    _, stale = measure(kb, Corpus.open(kb, _corpus_folder()), exceptions)
    assert [str(problem) for problem in stale] == []


def test_built_database_has_no_uncited_claims(tmp_path: Path) -> None:
    db = tmp_path / "aijobs.db"
    build_sqlite(load(CURATED), db)
    with sqlite3.connect(db) as connection:
        uncited = connection.execute("SELECT count(*) FROM claim WHERE id NOT IN (SELECT claim_id FROM citation)")
        assert uncited.fetchone() == (0,)
        assert connection.execute("SELECT count(*) FROM claim").fetchone()[0] > 100
