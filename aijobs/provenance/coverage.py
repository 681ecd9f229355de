"""What the corpus says that the knowledge base does not hold yet.

Every number in a document should be a figure (or be cited by another claim, such as
an age), and every paragraph with domain content should be cited. Numbers and
paragraphs that are deliberately left out (a byline date, a promotion) are listed with
a reason in ``curated/coverage-exceptions.yaml``, so the report can reach zero
honestly; an exception that no longer matches the text is itself reported.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import Field, ValidationError

from aijobs.fields import Prose, Slug
from aijobs.kb import KnowledgeBase
from aijobs.loader import describe_validation_error
from aijobs.problems import Location, Problem, display_path
from aijobs.provenance.corpus import Corpus, NormalizedDocument, open_corpus
from aijobs.provenance.numbers import NumberMention, matches
from aijobs.records import StatedNumber, Strict
from aijobs.text import normalize
from aijobs.yamlfile import YamlError, read_yaml

EXCEPTIONS_FILE = "coverage-exceptions.yaml"


class NumberException(Strict):
    source: Slug
    para: int
    number: str
    reason: Prose


class ParagraphException(Strict):
    source: Slug
    para: int
    reason: Prose


class Exceptions(Strict):
    numbers: list[NumberException] = Field(default_factory=list)
    paragraphs: list[ParagraphException] = Field(default_factory=list)


def load_exceptions(curated: Path) -> tuple[Exceptions, list[Problem]]:
    path = curated / EXCEPTIONS_FILE
    if not os.path.lexists(path):  # a link, even a dangling one, is reported by read_yaml, never followed
        return Exceptions(), []
    try:
        document = read_yaml(path, display_path(path))
    except YamlError as exc:
        return Exceptions(), [exc.problem]
    try:
        return Exceptions.model_validate(document.data or {}), []
    except ValidationError as exc:
        return Exceptions(), describe_validation_error(exc, document, "coverage exceptions")


@dataclass
class SourceCoverage:
    source_id: str
    numbers_total: int = 0
    uncovered_numbers: list[tuple[int, NumberMention]] = field(default_factory=list)
    paragraphs_total: int = 0
    uncited_paragraphs: list[int] = field(default_factory=list)

    @property
    def numbers_covered(self) -> int:
        return self.numbers_total - len(self.uncovered_numbers)

    @property
    def paragraphs_cited(self) -> int:
        return self.paragraphs_total - len(self.uncited_paragraphs)


def _spans(text: str, quote: str) -> list[tuple[int, int]]:
    needle = normalize(quote)
    spans, start = [], text.find(needle)
    while needle and start >= 0:
        spans.append((start, start + len(needle)))
        start = text.find(needle, start + 1)
    return spans


def _is_period_of(mention: NumberMention, number: StatedNumber) -> bool:
    """A year in a figure's quote that is the figure's period (2024年 in '2024年市场规模…')."""
    bounds = {mention.value, mention.lower, mention.upper} - {None}
    return bool(bounds) and all(int(b) in number.years and b == int(b) for b in bounds if b is not None)


def measure(kb: KnowledgeBase, corpus: Corpus, exceptions: Exceptions) -> tuple[list[SourceCoverage], list[Problem]]:
    """Coverage per source, and problems for exceptions that match nothing."""
    cited_paragraphs: dict[str, set[int]] = defaultdict(set)
    quote_spans: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
    numbers_at: dict[tuple[str, int], list[StatedNumber]] = defaultdict(list)
    number_spans: dict[tuple[str, int], list[tuple[int, int, StatedNumber]]] = defaultdict(list)
    normalized = {sid: NormalizedDocument.of(doc) for sid, doc in corpus.documents.items()}
    for claim in kb.claims():
        number = claim.statement.stated_number()
        for citation in claim.citations:
            document = normalized.get(citation.source)
            for para, quote in citation.spans():
                cited_paragraphs[citation.source].add(para)
                if number is not None:  # its quote covers its own number and period, nothing else
                    numbers_at[(citation.source, para)].append(number)
                    if document is not None:
                        number_spans[(citation.source, para)] += [
                            (start, end, number) for start, end in _spans(document.paragraphs.get(para, ""), quote)
                        ]
                elif document is not None:
                    quote_spans[(citation.source, para)] += _spans(document.paragraphs.get(para, ""), quote)

    used_number_exceptions: set[int] = set()
    exempt_numbers: dict[tuple[str, int], list[tuple[int, str]]] = defaultdict(list)
    for index, number_exception in enumerate(exceptions.numbers):
        key = (number_exception.source, number_exception.para)
        exempt_numbers[key].append((index, normalize(number_exception.number)))
    exempt_paragraphs = {(e.source, e.para) for e in exceptions.paragraphs}

    results = []
    for source in kb.sources:
        document = normalized.get(source.id)
        if document is None:
            continue
        result = SourceCoverage(source.id)
        for para in document.paragraphs:
            if para == 0:
                continue  # front matter: document metadata, recorded on the source itself
            result.paragraphs_total += 1
            if para not in cited_paragraphs[source.id] and (source.id, para) not in exempt_paragraphs:
                result.uncited_paragraphs.append(para)
            for mention in document.numbers(para):
                result.numbers_total += 1
                key = (source.id, para)
                if any(matches(mention, f.value, f.lower, f.upper) for f in numbers_at[key]):
                    continue
                if any(start < mention.end and mention.start < end for start, end in quote_spans[key]):
                    continue
                if any(
                    start <= mention.start and mention.end <= end and _is_period_of(mention, stated)
                    for start, end, stated in number_spans[key]
                ):
                    continue
                exempt = [
                    i for i, text in exempt_numbers[key] if text and (text in mention.text or mention.text in text)
                ]
                if exempt:
                    used_number_exceptions.update(exempt)
                    continue
                result.uncovered_numbers.append((para, mention))
        results.append(result)

    problems = []
    shown = display_path(kb.root / EXCEPTIONS_FILE)
    for index, number_exception in enumerate(exceptions.numbers):
        if index not in used_number_exceptions:
            problems.append(
                Problem(
                    Location(shown),
                    f"exception for {number_exception.number!r} in {number_exception.source} paragraph "
                    f"{number_exception.para} matches no uncovered number; remove it or fix the paragraph",
                    field=f"numbers.{index}",
                    code="stale-exception",
                )
            )
    return results, problems


@dataclass
class CoverageReport:
    """Coverage of every source whose document was found, and what stands in the way of 100%."""

    sources: list[SourceCoverage]
    problems: list[Problem]  # an unreadable exceptions file, or exceptions that match nothing
    not_measured: dict[str, str]  # source id -> why its document could not be measured

    @property
    def complete(self) -> bool:
        """Every number and paragraph of every document covered, and nothing left unmeasured."""
        return (
            not self.problems
            and not self.not_measured
            and all(not s.uncovered_numbers and not s.uncited_paragraphs for s in self.sources)
        )


def coverage(kb: KnowledgeBase, corpus: Path | None = None) -> CoverageReport:
    """Measure `kb` against its documents, with the exceptions in its curated folder.

    `corpus` is the corpus folder option (see `find_corpus`); raises CorpusNotFound
    naming everything tried when there is none.
    """
    exceptions, problems = load_exceptions(kb.root)
    documents = open_corpus(kb, corpus)
    results, stale = measure(kb, documents, exceptions)
    return CoverageReport(results, problems + stale, dict(documents.missing))
