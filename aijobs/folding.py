"""Folding text so that a query finds a name in any script, width or case.

`fold` maps traditional to simplified Chinese (OpenCC's t2s), applies NFKC (full-width
to half-width) and case folding, and folds whitespace. Names and queries are folded
the same way, so 訓練師, 训练师 and ＡＩ trainer all meet in one form.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aijobs.textnorm import normalize


@lru_cache(maxsize=1)
def _to_simplified() -> Any:
    import opencc  # loaded on first use: the converter reads its dictionaries once

    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    """The search key of a name or a query."""
    return str(_to_simplified().convert(normalize(text))).casefold()
