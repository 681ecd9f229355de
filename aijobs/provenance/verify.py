"""Checking every citation against the documents: the knowledge base's central promise.

For each citation: the document is there and unchanged (SHA-256), the paragraph
exists, the quote occurs in it exactly (after normalisation), a figure's number is
evidenced there, and a cited name is written there. Nothing is accepted fuzzily: a
quote found in another paragraph is reported with that paragraph as the suggested fix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

from aijobs.claims import Claim
from aijobs.kb import KnowledgeBase
from aijobs.problems import Location, Problem
from aijobs.provenance.corpus import Corpus, NormalizedDocument
from aijobs.provenance.numbers import NumberMention, matches
from aijobs.records import TYPE_BY_KIND, Citation, Name, StatedNumber
from aijobs.suggest import Span, closest_span, mark_differences
from aijobs.text import normalize


@dataclass
class VerifyReport:
    problems: list[Problem]
    citations_checked: int
    figures_checked: int


def verify(kb: KnowledgeBase, corpus: Corpus) -> VerifyReport:
    normalized = {sid: NormalizedDocument.of(doc) for sid, doc in corpus.documents.items()}
    problems: list[Problem] = list(_document_problems(kb, corpus))
    checked = 0
    figures = 0
    for claim in kb.claims():
        for index, citation in enumerate(claim.citations):
            checked += 1
            if citation.source in corpus.missing or citation.source in corpus.changed:
                continue  # reported once per document above
            document = normalized.get(citation.source)
            if document is None:
                continue  # not a source id: `validate` reports that
            problems.extend(_citation_problems(claim, index, citation, document, _locator(kb, claim, index)))
        number = claim.statement.stated_number()
        if number is not None:
            figures += 1
            problem = _number_problem(kb, claim, number, normalized)
            if problem:
                problems.append(problem)
    return VerifyReport(sorted(problems), checked, figures)


def _locator(kb: KnowledgeBase, claim: Claim, index: int) -> Callable[[], Location]:
    """Where a citation is written, found only if a problem needs it: locating re-reads the file."""

    @cache
    def where() -> Location:
        return kb.locate(claim.subject, *claim.path, "cite", index)

    return where


def _document_problems(kb: KnowledgeBase, corpus: Corpus) -> Iterator[Problem]:
    affected: dict[str, int] = {}
    for claim in kb.claims():
        for citation in claim.citations:
            affected[citation.source] = affected.get(citation.source, 0) + 1
    for source in kb.sources:
        count = affected.get(source.id, 0)
        if source.id in corpus.missing:
            yield Problem(
                kb.locate(source.id, "file"),
                f"{corpus.missing[source.id]}; {count} citation(s) of this source cannot be checked",
                field="file",
                code="missing-document",
            )
        elif source.id in corpus.changed:
            actual = corpus.documents[source.id].sha256
            yield Problem(
                kb.locate(source.id, "sha256"),
                f"{source.file} has changed: its SHA-256 is {actual}, the record says {source.sha256}; "
                f"re-check the {count} citation(s) of this source, then update sha256",
                field="sha256",
                code="changed-document",
            )


def field_path(*parts: str | int) -> str:
    """A field's path as every message names it: roles.0.cite.1 (as validate does)."""
    return ".".join(str(part) for part in parts)


def _citation_problems(
    claim: Claim, index: int, citation: Citation, document: NormalizedDocument, where: Callable[[], Location]
) -> Iterator[Problem]:
    field_name = field_path(*claim.path, "cite", index)
    spans = citation.spans()
    for para, quote in spans:
        if para not in document.paragraphs:
            last = max(document.paragraphs) if document.paragraphs else 0
            yield Problem(
                where(),
                f"{citation.source} has no paragraph {para} (it has {min(document.paragraphs, default=0)}-{last})",
                field=field_name,
                code="no-paragraph",
            )
            continue
        if normalize(quote) in document.paragraphs[para]:
            continue
        elsewhere = document.find(quote)
        hint = (
            f"; it occurs in paragraph {', '.join(map(str, elsewhere))}: did you mean para: {elsewhere[0]}?"
            if elsewhere
            else _closest_hint(normalize(quote), para, document)
        )
        yield Problem(
            where(),
            f"quote {quote!r} is not in {citation.source} paragraph {para}{hint}",
            field=field_name,
            code="quote-not-found",
        )
    if isinstance(claim.statement, Name) and TYPE_BY_KIND[claim.subject_kind].proper_names:
        name = normalize(claim.statement.text)
        paragraphs = [document.paragraphs.get(p, "") for p, _ in spans]
        if not any(name in text for text in paragraphs):
            yield Problem(
                where(),
                f"the name {claim.statement.text!r} is not written in {citation.source} paragraph {citation.para}; "
                "cite the paragraph that states it, or mark the name translation: true",
                field=field_name,
                code="name-not-found",
            )


def _closest_hint(quote: str, para: int, document: NormalizedDocument) -> str:
    """Where the document says nearly what the quote says, with the differing characters marked."""
    here = closest_span(quote, document.paragraphs[para])
    best: tuple[int, Span] | None = None
    for number, text in document.paragraphs.items():
        span = closest_span(quote, text)
        if number != para and span is not None and (best is None or span.score > best[1].score):
            best = (number, span)
    parts = []
    if here is not None:
        parts.append(
            f"closest in paragraph {para}: {here.text!r}, document[quote]: {mark_differences(here.text, quote)}"
        )
    if best is not None and (here is None or best[1].score > here.score):
        number, span = best
        parts.append(
            f"closest in the document: paragraph {number}: {span.text!r}, "
            f"document[quote]: {mark_differences(span.text, quote)}"
        )
    if not parts:
        return "; it occurs nowhere in the document: copy the span exactly from `aijobs source`"
    return "; " + "; ".join(parts) + "; copy the span exactly from `aijobs source`"


def _number_problem(
    kb: KnowledgeBase, claim: Claim, number: StatedNumber, normalized: dict[str, NormalizedDocument]
) -> Problem | None:
    mentions: list[NumberMention] = []
    for citation in claim.citations:
        document = normalized.get(citation.source)
        if document is None:
            return None  # missing or changed document: reported already
        for para, _ in citation.spans():
            mentions += document.numbers(para)
    if any(matches(mention, number.value, number.lower, number.upper) for mention in mentions):
        return None
    wanted = _describe_number(number)
    found = ", ".join(f"{m.text} ({_describe_mention(m)})" for m in mentions[:12]) or "no numbers"
    return Problem(
        kb.locate(claim.subject, *claim.path, number.field),
        f"{claim.subject_kind} {wanted} is not evidenced in its cited paragraph(s); found: {found}",
        field=field_path(*claim.path, number.field),
        code="number-not-found",
    )


def _number(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{int(value)}" if float(value).is_integer() else f"{value:g}"


def _describe_number(number: StatedNumber) -> str:
    if number.value is not None:
        return f"value {_number(number.value)}"
    return f"range {_number(number.lower)}..{_number(number.upper)}"


def _describe_mention(mention: NumberMention) -> str:
    if mention.value is not None:
        return _number(mention.value)
    return f"{_number(mention.lower)}..{_number(mention.upper)}"
