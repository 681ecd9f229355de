"""Suggestions for people who mistyped something: "did you mean", closest spans, articles.

Every error that can name the likely fix does: a misspelt field name, an id that is
another record's name, a quote with one wrong character. Matching uses RapidFuzz
(edit distances and best-aligned substrings in C, fast enough to compare a quote with
every window of a document) rather than hand-written loops.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

_VOWEL_SOUND = frozenset("aeio")


def article(word: str) -> str:
    """'a' or 'an' before a (lowercase, English) record or field word: 'an occupation'."""
    return "an" if word[:1].lower() in _VOWEL_SOUND else "a"


def with_article(word: str) -> str:
    return f"{article(word)} {word}"


def closest(word: str, candidates: Iterable[str], *, cutoff: float = 0.75) -> str | None:
    """The candidate most like `word` (normalised Indel similarity at least `cutoff`), if any.

    Short words get a little more room: one wrong letter in a four-letter word is still
    a typo; a word that one candidate alone begins (or is the beginning of) is that one.
    """
    choices = [candidate for candidate in dict.fromkeys(candidates) if candidate != word]
    if not choices or not word:
        return None
    prefixed = [c for c in choices if min(len(c), len(word)) >= 3 and (word.startswith(c) or c.startswith(word))]
    if len(prefixed) == 1:  # 'paragraph' for 'para', 'desc' for 'description'
        return prefixed[0]
    best = process.extractOne(word, choices, scorer=Levenshtein.normalized_similarity)
    if best is None:
        return None
    choice, score, _ = best
    distance = Levenshtein.distance(word, choice)
    if score >= cutoff or distance <= max(1, min(len(word), len(choice)) // 4):
        return str(choice)
    return None


@dataclass(frozen=True)
class Span:
    """A span of a text most like a quote, and how alike they are (0-100)."""

    text: str
    start: int
    score: float


MIN_QUOTE = 4  # shorter quotes match too much by chance to suggest anything


def closest_span(quote: str, text: str) -> Span | None:
    """The span of `text` most like `quote`, if it differs by a few characters at most.

    At most one edit in four characters of the quote (at least one): a wrong character,
    a missing word, a different particle; not a different sentence.
    """
    if len(quote) < MIN_QUOTE or not text:
        return None
    alignment = fuzz.partial_ratio_alignment(quote, text, score_cutoff=50)
    if alignment is None:
        return None
    start, end = alignment.dest_start, alignment.dest_end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    span = text[start:end]
    distance = Levenshtein.distance(quote, span)
    if distance == 0 or distance > max(1, len(quote) // 4):
        return None
    return Span(span, start, alignment.score)


def mark_differences(found: str, wanted: str) -> str:
    """`found` with the characters that differ from `wanted` marked: `found[wanted]`.

    Reads as "the text has X where the quote has [Y]": 仓[舱] means the source has 仓
    and the quote 舱; [+X] is a character only the quote has, [-X] one the quote lacks.
    Neighbouring edits are shown as one (a[the], not [+th]a[e]).
    """
    chunks: list[tuple[str, str, str]] = []  # (tag, found part, wanted part)
    for op in Levenshtein.opcodes(found, wanted):
        source, yours = found[op.src_start : op.src_end], wanted[op.dest_start : op.dest_end]
        tag = "equal" if op.tag == "equal" else "edit"
        if chunks and tag == "edit" and chunks[-1][0] == "edit":
            chunks[-1] = ("edit", chunks[-1][1] + source, chunks[-1][2] + yours)
        elif (
            chunks
            and tag == "edit"
            and len(chunks) >= 2
            and chunks[-1][0] == "equal"
            and len(chunks[-1][1]) == 1
            and not chunks[-1][1].isspace()
        ):
            _, gap, _ = chunks.pop()
            chunks[-1] = ("edit", chunks[-1][1] + gap + source, chunks[-1][2] + gap + yours)
        else:
            chunks.append((tag, source, yours))
    parts = []
    for tag, source, yours in chunks:
        if tag == "equal":
            parts.append(source)
        elif not source:
            parts.append(f"[+{yours}]")
        elif not yours:
            parts.append(f"[-{source}]")
        else:
            parts.append(f"{source}[{yours}]")
    return "".join(parts)
