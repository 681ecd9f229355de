"""Text normalisation and folding: how quotes are compared and names are searched.

`normalize` is the one normalisation used wherever a quote is compared with a source.

Curators copy quotes from `aijobs source` output, editors, browsers and PDFs; the same
words then arrive as full-width or half-width forms and with line breaks in different
places. Comparing after this normalisation makes those differences irrelevant while
keeping every real difference (a wrong character, a wrong digit) visible.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

_WHITESPACE = re.compile(r"\s+")
# A space next to a CJK character is layout (an HTML line break, a soft wrap), not content.
_CJK = (
    r"\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u31a0-\u31bf"
    r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\u2018-\u201f\u2014\u2026"
)
_SPACE_BEFORE_CJK = re.compile(rf" (?=[{_CJK}])")
_SPACE_AFTER_CJK = re.compile(rf"(?<=[{_CJK}]) ")


def fold_whitespace(text: str) -> str:
    """Collapse runs of whitespace to one space and trim the ends."""
    return _WHITESPACE.sub(" ", text).strip()


def normalize(text: str) -> str:
    """NFKC, folded whitespace, and no spaces next to CJK characters."""
    text = fold_whitespace(unicodedata.normalize("NFKC", text))
    text = _SPACE_BEFORE_CJK.sub("", text)
    return _SPACE_AFTER_CJK.sub("", text)


def contains(haystack: str, needle: str) -> bool:
    """Whether `needle` occurs in `haystack` once both are normalised."""
    return normalize(needle) in normalize(haystack)


# Folding text so that a query finds a name in any script, width or case: `fold` maps
# traditional to simplified Chinese (OpenCC's t2s), applies `normalize` and case folding,
# so 訓練師, 训练师 and ＡＩ trainer all meet in one form.
@lru_cache(maxsize=1)
def _to_simplified() -> Any:
    import opencc  # loaded on first use: the converter reads its dictionaries once

    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    """The search key of a name or a query."""
    return str(_to_simplified().convert(normalize(text))).casefold()


@lru_cache(maxsize=1)
def _to_traditional() -> Any:
    import opencc

    return opencc.OpenCC("s2t")


def to_traditional(text: str) -> str:
    """OpenCC's s2t form of simplified Chinese text (other text comes back unchanged).

    s2t rather than a regional variant: measured on the curated names, it reproduces
    59 of the 60 zh-Hant renderings the curators typed (s2tw and s2hk the same 59,
    s2twp only 51, since it also swaps Taiwanese vocabulary).
    """
    return str(_to_traditional().convert(text))
