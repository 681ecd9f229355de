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


def closest_span(quote: str, text: str, *, cutoff: float = 60.0) -> Span | None:
    """The span of `text` most like `quote` (same length give or take), or None below `cutoff`."""
    if not quote or not text:
        return None
    alignment = fuzz.partial_ratio_alignment(quote, text, score_cutoff=cutoff)
    if alignment is None:
        return None
    span = text[alignment.dest_start : alignment.dest_end]
    return Span(span, alignment.dest_start, alignment.score)


def mark_differences(found: str, wanted: str) -> str:
    """`found` with the characters that differ from `wanted` marked: `wanted[found]`.

    Reads as "the text has X where you wrote [Y]": 仓[舱] means the source has 仓 and
    the quote has 舱; [+X] is an extra character in the quote, [-X] one it lacks.
    """
    parts: list[str] = []
    for op in Levenshtein.opcodes(found, wanted):
        source, yours = found[op.src_start : op.src_end], wanted[op.dest_start : op.dest_end]
        if op.tag == "equal":
            parts.append(source)
        elif op.tag == "replace":
            parts.append(f"{source}[{yours}]")
        elif op.tag == "insert":
            parts.append(f"[+{yours}]")
        else:
            parts.append(f"[-{source}]")
    return "".join(parts)
