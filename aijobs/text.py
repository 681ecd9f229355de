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


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """The search key of a name or a query (remembered: a name is folded for its checks and its rows)."""
    return str(_to_simplified().convert(normalize(text))).casefold()


_CJK_CHAR = re.compile(rf"[{_CJK}]")


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """`normalize(text)` with, for each of its characters, the offset in `text` it comes from.

    NFKC is applied character by character, which agrees with `normalize` except where a
    character composes with its neighbour (a combining accent after its letter); callers
    compare the result with `normalize(text)` and treat a difference as "offsets unknown".
    """
    chars: list[tuple[str, int]] = []
    for offset, char in enumerate(text):
        chars += [(piece, offset) for piece in unicodedata.normalize("NFKC", char)]
    folded: list[tuple[str, int]] = []
    for piece, offset in chars:
        if piece.isspace() or _WHITESPACE.fullmatch(piece):
            if folded and folded[-1][0] != " ":
                folded.append((" ", offset))
        else:
            folded.append((piece, offset))
    if folded and folded[-1][0] == " ":
        folded.pop()
    kept = [
        (piece, offset)
        for index, (piece, offset) in enumerate(folded)
        if piece != " " or not (_CJK_CHAR.match(folded[index - 1][0]) or _CJK_CHAR.match(folded[index + 1][0]))
    ]
    return "".join(piece for piece, _ in kept), [offset for _, offset in kept]


def locate(haystack: str, needle: str) -> tuple[int, int] | None:
    """Where `needle` occurs in `haystack` once both are normalised, as offsets into `haystack`.

    None when it does not occur, or when the offsets cannot be mapped back (see
    `normalize_with_offsets`); `contains` still answers whether it occurs.
    """
    wanted = normalize(needle)
    mapped, offsets = normalize_with_offsets(haystack)
    if not wanted or mapped != normalize(haystack):
        return None
    start = mapped.find(wanted)
    if start < 0:
        return None
    return offsets[start], offsets[start + len(wanted) - 1] + 1


# Pinyin keys: how a name written in Chinese is found by someone typing Latin letters.
# 罗翀 has the key "luochong" and the initials "lc"; 人工智能训练师 "rengongzhinengxunlianshi"
# and "rgznxls". Letters and digits between Chinese characters are kept as they are (AI狐头条:
# "aihutoutiao", "aihtt"). Queries are compared after `compact`, so "luo chong", "Luo-Chong"
# and "luochong" meet in one form.
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RUNS = re.compile(rf"[{_HAN}]+|[^{_HAN}]+")
_IS_HAN = re.compile(rf"[{_HAN}]")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def compact(text: str) -> str:
    """Only the ASCII letters and digits of folded text: the form pinyin keys are compared in."""
    return _NOT_ALNUM.sub("", text)


@lru_cache(maxsize=1 << 16)
@lru_cache(maxsize=1 << 16)  # a search entry asks for both parts, one after the other
def pinyin_keys(text: str) -> tuple[str, str] | None:
    """The full pinyin key and the initials of a name; None when it has no Chinese character.

    Uses pypinyin, which ships its own dictionary (with phrases, so 重庆 is chongqing): no
    download, no network. Tones are dropped; ü is written v, as people type it.
    """
    folded = fold(text)
    if not _IS_HAN.search(folded):
        return None
    full: list[str] = []
    initials: list[str] = []
    for run in _HAN_RUNS.findall(folded):
        if _IS_HAN.match(run):
            syllables = _syllables(run)
            full.extend(syllables)
            initials.extend(s[:1] for s in syllables)
        else:
            kept = compact(run)
            full.append(kept)
            initials.append(kept)
    return "".join(full), "".join(initials)


@lru_cache(maxsize=1 << 16)
def _syllables(run: str) -> tuple[str, ...]:
    """The toneless pinyin of a run of Chinese characters, read as phrases (pypinyin is slow: cached)."""
    from pypinyin import lazy_pinyin  # loaded on first use: it reads its dictionaries once

    return tuple(compact(syllable) for syllable in lazy_pinyin(run))


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
