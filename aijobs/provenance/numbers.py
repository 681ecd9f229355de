"""Every number mention in a paragraph, in Chinese or English, with its approximation.

`aijobs verify` checks that a figure's number is evidenced in the paragraph it cites,
and `aijobs coverage` lists the numbers no record accounts for. Both need the same
reading of a text: which spans are numbers, what value (or bounds) each states, and
how approximate the source is about it. The rules follow the curation guide
(``curated/README.md``, "How vague amounts are written").

Callers pass text already normalised by :func:`aijobs.text.normalize` (NFKC, so
full-width digits are ASCII and "，" is ","); offsets refer to that text, which is why
this module does not normalise again.

What is read:

* Arabic numbers with thousands separators and decimals (``16,300``, ``47.5``), with a
  Chinese multiplier chain (``1.63万``, ``10億``, ``3万亿``), an English scale
  (``1.5 million``) or a percent sign/word (``30%``, ``30 percent``; the value stays 30).
  Digits glued to letters count (``5G`` is 5, ``GPT4`` is 4); dotted runs such as
  ``2024.5.29`` are read part by part.
* Chinese numerals (``七十二``, ``一百万``, ``二〇二四``, ``三点五亿``), bare multiplier
  combinations (``百万``, ``万亿``), ``百分之三十`` (30), adjacent digits as ranges
  (``两三`` 2..3, ``三四十万`` 300000..400000), and vague amounts: ``十几`` is 11..19
  (range), ``几十``/``数十`` 20..90 and ``数百亿`` 2e10..9e10 (order of magnitude).
  A lone 百/千/万/亿 is a number only after an approximation word (``近百``, ``上万``)
  or before a unit (``千元``); a lone 几/数 (``几个``) is not a figure.
* English cardinals (``one`` .. ``twenty``, tens, ``hundred`` .. ``trillion`` and their
  combinations such as ``one million``, ``seventy-two``), ``a million``, and vague
  plurals: ``hundreds of`` 200..900, ``thousands of`` 2000..9000, ``tens of thousands``
  20000..90000. Ordinal words are not cardinals, so ``second-largest`` is nothing.
* Ranges: ``30万至50万``, ``30万到50万``, ``5—10``, ``5-10``, ``5~10``, ``300,000 to 500,000``,
  ``between 5 and 10``, abbreviated ends (``2021-25`` is 2021..2025). A multiplier on the
  second end only also applies to the first (``30至50万``) when that makes the range
  ascending. ``从 A 到 B``/``from A to B`` is a change, not a range, and dates such as
  ``2025-06-22`` are three numbers.
* Approximation words, included in the mention's text: before the number 近/将近/接近
  (nearly), 超过/超/逾/突破/多于/至少/不少于 (over), 约/约为/大约/大概/多达 (about),
  不到/不足/少于/不超过 (under), "nearly", "almost", "over", "more than", "at least",
  "about", "around", "approximately", "roughly", "under", "less than", "fewer than";
  after it (optionally after a unit such as 人 or 元) 左右/上下 (about), 以上 (over),
  以下/以内 (under), 多/余 (over: ``20多``, ``3分多钟``), "or more", "or so", "or less".
  A multi-character Chinese word may be up to three characters before its number
  (``超过每年30%``); single characters and English words must be adjacent.

What is skipped: ordinals (``第一``, ``第3``, ``2nd``), digits inside URLs and hash-like
identifiers (``2a4bf629c``), a lone 一 before a measure word (``一个``, ``一种``), and the
idioms and common words in ``_IDIOMS`` (``千行百业``, ``一些``, ``一起``, ``万物``, ``十分``...).
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from decimal import Decimal

from aijobs.records import Approximation


@dataclass(frozen=True)
class NumberMention:
    """One number as a source writes it; a single value, or bounds for ranges and vague amounts."""

    text: str
    start: int
    end: int
    value: float | None
    lower: float | None
    upper: float | None
    approx: Approximation


def matches(mention: NumberMention, value: float | None, lower: float | None, upper: float | None) -> bool:
    """Whether a figure with this value (or, without a value, these bounds) is the mention.

    Strict on purpose: a value must equal the mention's single value, and bounds must
    equal the mention's bounds; a value inside a range is not evidence for it.
    """
    if value is not None:
        return mention.value is not None and _same(mention.value, value)
    if lower is None and upper is None:
        return False
    if mention.value is not None:
        return False
    return _same_or_none(mention.lower, lower) and _same_or_none(mention.upper, upper)


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=0.0) or a == b


def _same_or_none(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return _same(a, b)


# --- characters -------------------------------------------------------------------

_CN_DIGIT: dict[str, int] = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_CN_MULT: dict[str, float] = {"十": 10, "百": 100, "千": 1000, "万": 1e4, "萬": 1e4, "亿": 1e8, "億": 1e8}
_CN_VAGUE = "几幾数數"
_CN_DIGITS = "".join(_CN_DIGIT)
_CN_MULTS = "".join(_CN_MULT)
_NUMERALISH = frozenset("0123456789" + _CN_DIGITS + _CN_MULTS + "几幾")
_MASK = "\x00"

# 多/余 after a number means "more than", except where it starts a word (多模态, 多样).
_DUO = "多余餘"
_DUO_NOT_BEFORE = "模样樣媒维維少彩功语語种種元重方"

# Units that may stand between a number and a following approximation word (10人左右).
_UNIT_WORDS = (
    "个月 個月 小时 小時 分钟 分鐘 平方米 公里 公斤 万元 萬元 亿元 億元 美元 美金 港元 欧元 歐元 "
    "人 个 個 名 位 家 款 种 種 项 項 次 件 台 部 篇 条 條 元 块 塊 岁 歲 年 月 天 日 周 週 "
    "秒 分 倍 米 吨 噸 亩 畝 户 戶 座 所 场 場 届 屆 期 张 張 份 层 層 组 組 套 点 點 度 % 岗 崗"
)
_UNITS = sorted(_UNIT_WORDS.split(), key=len, reverse=True)
# A lone 百/千/万/亿 is a number before one of these (千元, 百人), not in 百度 or 万科.
_LONE_MULT_UNITS = (*"元块塊人个個家次款台件名位种種项項条條倍户戶所座篇部辆輛年", "美元", "美金")

# --- masking: spans whose digits or numerals are not figures -------------------------

_URL = re.compile(r"(?:https?://|www\.)[^\s\"'<>\u2e80-\uffff]+", re.IGNORECASE)
_ALNUM = re.compile(r"[0-9A-Za-z]+")
_ORDINAL_CN = re.compile(rf"第\s?(\d+|[{_CN_DIGITS}{_CN_MULTS}几幾]+)")
_ORDINAL_EN = re.compile(r"(?<![0-9A-Za-z])\d+(?:st|nd|rd|th)(?![A-Za-z])", re.IGNORECASE)
_PRONOUN_ONE = re.compile(r"\b(?:no|any|every|each|this|that|the|which)\s+(one)\b|\b(one)\s+another\b", re.IGNORECASE)

# Idioms and common words whose numerals are not figures. Each is masked unless a
# numeral touches it on a numeral side (十一个, 一万一千, 五十分 stay numbers).
_IDIOMS: tuple[str, ...] = (
    # idioms and names
    "千行百业", "千行百業", "成千上万", "成千上萬", "千方百计", "千方百計", "千百年", "千禧", "千里",
    "百花齐放", "百花齊放", "百闻不如一见", "百聞不如一見", "百度", "百科", "百货", "百貨", "百姓",
    "万众一心", "萬眾一心", "万物", "萬物", "万能", "萬能", "万象", "萬象", "亿万", "億萬", "万万", "萬萬",
    "千万(?=[不别別要])", "千萬(?=[不別要])", "十分(?![钟鐘])", "十足", "十全十美", "十字",
    "独一无二", "獨一無二", "一模一样", "一模一樣", "一目了然", "一五一十", "一石二鸟", "一石二鳥",
    "三心二意", "三番五次", "四面八方", "五花八门", "五花八門", "七上八下", "乱七八糟", "亂七八糟",
    "九牛一毛", "两全其美", "兩全其美", "数一数二", "數一數二", "最后一公里", "最後一公里",
    "二手", "不二", "再三", "零售", "零部件", "零件", "零食", "零星", "零散", "零碎", "零钱", "零錢",
    # common words with 一
    "一带一路", "一帶一路", "一点点", "一點點", "一口气", "一口氣", "一方面", "一开始", "一開始",
    "一些", "一起", "一直", "一切", "一般", "一样", "一樣", "一定", "一下", "一度", "一步", "一致",
    "一旦", "一边", "一邊", "一同", "一向", "一时", "一時", "一再", "一键", "一鍵", "一律", "一味",
    "一体", "一體", "一线", "一線", "一流", "一生", "一路", "一有", "一举", "一舉", "一并", "一併",
    "统一", "統一", "唯一", "(?<!分)之一", "这一", "這一", "那一", "每一", "同一", "单一", "單一",
    "逐一", "其一", "一一", "万一", "萬一",
    # a lone 一 before a measure word is an article ("a", "one single"), not a figure
    # ...except a duration: 一个月 (one month) is a quantity of time
    "一(?![个個]月)(?=[个個种種款位条條段家名次部项項颗顆场場张張辆輛份刻层層代角件台臺套批群组組句篇本支只隻"
    "把片间間座所门門类類波轮輪道封首笔筆幅番阵陣步眼声聲届屆期季半年月天日周週夜晚早分秒小公])",
    "一(?=[点點](?![零〇一二三四五六七八九]))",
)  # fmt: skip
_IDIOM_RE = re.compile("|".join(_IDIOMS))


def _mask(text: str) -> str:
    """The text with every character that must not be read as a number replaced by NUL."""
    chars = list(text)

    def blank(start: int, end: int) -> None:
        for k in range(start, end):
            chars[k] = _MASK

    for m in _URL.finditer(text):
        blank(m.start(), m.end())
    for m in _ALNUM.finditer(text):
        if _is_identifier(m.group()):
            blank(m.start(), m.end())
    for m in _ORDINAL_CN.finditer(text):
        blank(m.start(1), m.end(1))
    for m in _ORDINAL_EN.finditer(text):
        blank(m.start(), m.end())
    for m in _PRONOUN_ONE.finditer(text):
        group = 1 if m.group(1) else 2
        blank(m.start(group), m.end(group))
    pos = 0
    while (hit := _IDIOM_RE.search(text, pos)) is not None:
        before = text[hit.start() - 1] if hit.start() > 0 else ""
        after = text[hit.end()] if hit.end() < len(text) else ""
        touches = (hit.group()[0] in _NUMERALISH and before in _NUMERALISH and before != "") or (
            hit.group()[-1] in _NUMERALISH and after in _NUMERALISH and after != ""
        )
        if touches:
            pos = hit.start() + 1
            continue
        blank(hit.start(), hit.end())
        pos = hit.end()
    return "".join(chars)


def _is_identifier(token: str) -> bool:
    """Hash-like tokens (``2a4bf629c``, ``0x1f``): letters and digits alternating, not ``5G`` or ``GPT4``."""
    if token[:2].lower() == "0x":
        return True
    if len(token) < 6:
        return False
    transitions = sum(1 for a, b in itertools.pairwise(token) if a.isdigit() != b.isdigit())
    return transitions >= 2


# --- atoms: single numbers before ranges and approximation words are attached --------


@dataclass
class _Atom:
    start: int
    end: int
    lo: float
    hi: float
    kind: Approximation  # exact, over (20多, 上万), range (十几, 两三) or order-of-magnitude (几千)
    bare: float  # the number before a multiplier, for 30至50万
    mult: float = 1.0
    digits: str | None = None  # a plain Arabic integer as written, for 2021-25
    vague: bool = False


_ARABIC = re.compile(r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?")
_DOTTED = re.compile(r"\d+(?:\.\d+){2,}")
_CHAIN = re.compile(rf"[{_CN_MULTS}]+")
_EN_SCALE_AFTER = re.compile(r"\s?(hundred|thousand|million|billion|trillion)(?![A-Za-z])", re.IGNORECASE)
_PERCENT = re.compile(r"\s?%|\s?(?:percent|per cent)(?![A-Za-z])", re.IGNORECASE)
_CN_RUN = re.compile(rf"(?:[{_CN_DIGITS}{_CN_MULTS}几幾]|[数數](?=[{_CN_MULTS}]))+")
# 三点五亿 is 3.5e8; 十二点三十 is a time of day, not 12.3.
_CN_DECIMAL = re.compile(rf"[点點]([{_CN_DIGITS}]+)(?![十百千])([万萬亿億]*)")
_EN_WORD = re.compile(r"[A-Za-z]+")
_EN_VAGUE = re.compile(
    r"(tens|hundreds|thousands|millions|billions)(?=\s+of\b)(?:\s+of\s+(thousands|millions|billions)(?![A-Za-z]))?",
    re.IGNORECASE,
)
_EN_SEP = re.compile(r"(?:\s+|-)(?:and\s+)?")

_EN_UNITS: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
}  # fmt: skip
_EN_TEENS: dict[str, int] = {
    "zero": 0, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_EN_TENS: dict[str, int] = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_EN_SCALES: dict[str, float] = {"hundred": 100, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_EN_PLURALS: dict[str, float] = {"tens": 10, "hundreds": 100, "thousands": 1e3, "millions": 1e6, "billions": 1e9}


def _scan(work: str) -> list[_Atom]:
    """Single numbers, left to right; each character belongs to at most one atom."""
    atoms: list[_Atom] = []
    i, n = 0, len(work)
    while i < n:
        c = work[i]
        if "0" <= c <= "9":
            dotted = _DOTTED.match(work, i)
            if dotted:
                for part in re.finditer(r"\d+", dotted.group()):
                    s = i + part.start()
                    v = float(part.group())
                    atoms.append(_Atom(s, i + part.end(), v, v, "exact", v, digits=part.group()))
                i = dotted.end()
                continue
            atom = _arabic(work, i)
            atoms.append(atom)
            i = atom.end
        elif c in _NUMERALISH or c in _CN_VAGUE:
            found = _chinese(work, i)
            if found is None:
                i += 1
            else:
                atoms.append(found)
                i = found.end
        elif c.isascii() and c.isalpha():
            word = _EN_WORD.match(work, i)
            assert word is not None
            inside_word = i > 0 and work[i - 1].isascii() and work[i - 1].isalpha()
            # a word inside a hyphenated name (prism-atom-one-dark) is not a number
            in_compound = i > 1 and work[i - 1] == "-" and work[i - 2].isascii() and work[i - 2].isalpha()
            english = None if inside_word or in_compound else _english(work, i)
            if english is None:
                i = word.end()
            else:
                atoms.append(english)
                i = english.end
        else:
            i += 1
    return atoms


def _arabic(work: str, i: int) -> _Atom:
    """An Arabic number at `i` with its multiplier, 多/余 and percent sign."""
    m = _ARABIC.match(work, i)
    assert m is not None
    written = m.group()
    bare = float(written.replace(",", ""))
    j = m.end()
    kind: Approximation = "exact"
    if j < len(work) and work[j] in _DUO and not (j + 1 < len(work) and work[j + 1] in _DUO_NOT_BEFORE):
        kind = "over"
        j += 1
    mult = 1.0
    chain = _CHAIN.match(work, j)
    scale = _EN_SCALE_AFTER.match(work, j)
    if chain:
        length, mult = _chain_value(chain.group())
        j += length
    elif scale and kind == "exact":
        mult = _EN_SCALES[scale.group(1).lower()]
        j = scale.end()
    percent = _PERCENT.match(work, j)
    if percent:
        j = percent.end()
    plain = mult == 1.0 and kind == "exact" and written.isdigit()
    value = float(Decimal(written.replace(",", "")) * Decimal(mult))  # 1.63万 is 16300, not 16299.999...
    return _Atom(i, j, value, value, kind, bare, mult, written if plain else None)


def _chain_value(chain: str) -> tuple[int, float]:
    """(characters used, value) of the longest valid multiplier chain at the start (万, 百万, 万亿)."""
    for length in range(len(chain), 0, -1):
        value = _cn_eval([("m", _CN_MULT[c]) for c in chain[:length]])
        if value is not None:
            return length, value
    return 1, _CN_MULT[chain[0]]


def _chinese(work: str, i: int) -> _Atom | None:
    """A Chinese numeral at `i` (or 百分之…), or None where the characters are not a figure here."""
    if work.startswith("百分之", i):
        k = i + 3
        inner: _Atom | None = None
        if k < len(work) and "0" <= work[k] <= "9":
            inner = _arabic(work, k)
        elif k < len(work) and (work[k] in _NUMERALISH or work[k] in _CN_VAGUE):
            inner = _chinese(work, k)
        if inner is None:
            return None
        inner.start = i
        return inner
    run = _CN_RUN.match(work, i)
    if run is None:
        return None
    text = run.group()
    parsed = None
    length = len(text)
    while length > 0:
        parsed = _cn_parse(text[:length])
        if parsed is not None:
            break
        length -= 1
    if parsed is None:
        return None
    lo, hi, kind = parsed
    used = text[:length]
    if used == "〇":
        return None  # a lone 〇 is a circle or a bullet
    end = i + length
    start = i
    if all(c in _CN_MULT for c in used) and used != "十":
        before = work[i - 1] if i > 0 else ""
        if before == "上":
            start, kind = i - 1, "over"
        elif length == 1 and not (_has_prefix(work, i) or work.startswith(_LONE_MULT_UNITS, end)):
            return None
    bare, mult = lo, 1.0
    if kind == "exact" and used[-1] in _CN_DIGIT:
        decimal = _CN_DECIMAL.match(work, end)
        if decimal:
            fraction = float("0." + "".join(str(_CN_DIGIT[c]) for c in decimal.group(1)))
            bare = lo + fraction
            mult = _chain_value(decimal.group(2))[1] if decimal.group(2) else 1.0
            lo = hi = float(Decimal(str(bare)) * Decimal(mult))
            end = decimal.end()
    elif (
        kind == "exact"
        and used[-1] in _CN_MULT
        and end < len(work)
        and work[end] in _DUO
        and not (end + 1 < len(work) and work[end + 1] in _DUO_NOT_BEFORE)
    ):
        kind = "over"
        end += 1
        chain = _CHAIN.match(work, end)
        if chain:
            length, mult = _chain_value(chain.group())
            lo = hi = bare * mult
            end += length
    vague = lo != hi
    if not vague and mult == 1.0:
        bare, mult = _split_multiplier(used, lo)
    return _Atom(start, end, lo, hi, kind, bare, mult, None, vague)


def _split_multiplier(used: str, value: float) -> tuple[float, float]:
    """(number, multiplier) of a numeral ending in 万/亿 (五十万 is 50 x 1e4), so 三至五万 can be a range."""
    core = used.rstrip("万萬亿億")
    if not core or core == used:
        return value, 1.0
    bare = _cn_parse(core)
    mult = _cn_eval([("m", _CN_MULT[c]) for c in used[len(core) :]])
    if bare is None or mult is None or bare[0] != bare[1] or not _same(bare[0] * mult, value):
        return value, 1.0
    return bare[0], mult


def _cn_parse(run: str) -> tuple[float, float, Approximation] | None:
    """(lower, upper, kind) of a run of Chinese numerals, or None if it is not one number."""
    tokens: list[tuple[str, float, float]] = []  # ("d", lo, hi) digit or pair, ("v", lo, hi) vague, ("m", m, m)
    for c in run:
        if c in _CN_DIGIT:
            tokens.append(("d", _CN_DIGIT[c], _CN_DIGIT[c]))
        elif c in _CN_MULT:
            tokens.append(("m", _CN_MULT[c], _CN_MULT[c]))
        else:
            tokens.append(("v", 0, 0))
    if all(t[0] == "d" for t in tokens) and len(tokens) >= 2:
        pair = len(tokens) == 2 and tokens[0][1] > 0 and 1 <= tokens[1][1] - tokens[0][1] <= 2
        if not pair:
            value = float("".join(str(int(t[1])) for t in tokens))
            return value, value, "exact"
    merged: list[tuple[str, float, float]] = []
    kind: Approximation = "exact"
    for t in tokens:
        prev = merged[-1] if merged else None
        if t[0] == "d" and prev is not None and prev[0] == "d" and prev[1] == prev[2] and prev[1] > 0:
            if 1 <= t[1] - prev[1] <= 2:
                merged[-1] = ("d", prev[1], t[1])
                if kind == "exact":
                    kind = "range"
                continue
            return None
        merged.append(t)
    items_lo: list[tuple[str, float]] = []
    items_hi: list[tuple[str, float]] = []
    for index, (name, lo, hi) in enumerate(merged):
        if name == "v":
            prev_name = merged[index - 1][0] if index > 0 else None
            prev_value = merged[index - 1][1] if index > 0 else None
            next_name = merged[index + 1][0] if index + 1 < len(merged) else None
            if prev_name == "m" and prev_value == 10:
                lo, hi = 1, 9  # 十几: eleven to nineteen
                if kind == "exact":
                    kind = "range"
            elif next_name == "m":
                lo, hi = 2, 9  # 几十, 数百: several tens, several hundreds
                kind = "order-of-magnitude"
            elif prev_name == "m":
                lo, hi = 1, 9
                if kind == "exact":
                    kind = "range"
            else:
                return None
            name = "d"
        items_lo.append((name, lo))
        items_hi.append((name, hi))
    low, high = _cn_eval(items_lo), _cn_eval(items_hi)
    if low is None or high is None:
        return None
    return low, high, kind


def _cn_eval(items: list[tuple[str, float]]) -> float | None:
    """The value of digits ("d") and multipliers ("m"), or None if they are not a well-formed numeral."""
    for big in (1e8, 1e4):
        index = max((k for k, item in enumerate(items) if item == ("m", big)), default=-1)
        if index < 0:
            continue
        left, right = items[:index], items[index + 1 :]
        left_value = _cn_eval(left) if left else 1.0
        if left_value is None or (right and right[0][0] == "m"):
            return None
        if len(right) == 1 and right[0][1] > 0:
            right_value: float | None = right[0][1] * big / 10  # 一万五 is 15000
        else:
            right_value = _cn_eval(right) if right else 0.0
        if right_value is None or right_value >= big:
            return None
        return left_value * big + right_value
    total, current, last, zero = 0.0, None, None, False
    for name, value in items:
        if name == "d":
            if current is not None:
                return None
            if value == 0:
                zero = True
            else:
                current = value
        else:
            if last is not None and value >= last:
                return None
            total += (current if current is not None else 1) * value
            current, last, zero = None, value, False
    if current is not None:
        total += current * last / 10 if last is not None and not zero else current  # 三百五 is 350
    return total


def _english(work: str, i: int) -> _Atom | None:
    """English number words at `i` (a word start), or None."""
    vague = _EN_VAGUE.match(work, i)
    if vague:
        unit = _EN_PLURALS[vague.group(1).lower()] * (_EN_PLURALS[vague.group(2).lower()] if vague.group(2) else 1)
        end = vague.end() if vague.group(2) else vague.end(1)
        return _Atom(i, end, 2 * unit, 9 * unit, "order-of-magnitude", 2 * unit, vague=True)
    words: list[tuple[str, int]] = []  # (lowercased word, end offset)
    pos = i
    while True:
        m = _EN_WORD.match(work, pos)
        if m is None or (m.end() < len(work) and work[m.end()].isascii() and work[m.end()].isalnum()):
            break
        word = m.group().lower()
        if not (word in _EN_UNITS or word in _EN_TEENS or word in _EN_TENS or word in _EN_SCALES or word == "a"):
            break
        words.append((word, m.end()))
        sep = _EN_SEP.match(work, m.end())
        if sep is None:
            break
        pos = sep.end()
    for count in range(len(words), 0, -1):
        value = _english_value([w for w, _ in words[:count]])
        if value is not None:
            end = words[count - 1][1]
            scale = _PERCENT.match(work, end)
            if scale:
                end = scale.end()
            return _Atom(i, end, value, value, "exact", value, digits=None)
    return None


def _english_value(words: list[str]) -> float | None:
    """The value of a sequence of English number words, or None if it is not one number."""
    if words[-1] == "a" or (words[0] == "a" and (len(words) < 2 or words[1] not in _EN_SCALES)):
        return None
    if "zero" in words and len(words) > 1:
        return None
    total, current = 0.0, 0.0
    prev: str | None = None
    last_scale: float | None = None
    for word in words:
        if word == "a":
            if prev is not None:
                return None
            current, prev = 1, "unit"
        elif word in _EN_UNITS:
            if prev in ("unit", "teen"):
                return None
            current += _EN_UNITS[word]
            prev = "unit"
        elif word in _EN_TEENS:
            if prev in ("unit", "teen", "tens"):
                return None
            current += _EN_TEENS[word]
            prev = "teen"
        elif word in _EN_TENS:
            if prev in ("unit", "teen", "tens"):
                return None
            current += _EN_TENS[word]
            prev = "tens"
        elif word == "hundred":
            if prev == "hundred" or current >= 100:
                return None
            current = (current or 1) * 100
            prev = "hundred"
        else:
            scale = _EN_SCALES[word]
            if last_scale is not None and scale >= last_scale:
                return None
            total += (current or 1) * scale
            current, prev, last_scale = 0, "scale", scale
    return total + current


# --- ranges ---------------------------------------------------------------------------

_UNIT_ALT = "|".join(re.escape(u) for u in _UNITS if u != "%")
_RANGE_CN = re.compile(rf"(?:{_UNIT_ALT})?(?:至|到)")
_RANGE_DASH = re.compile(rf"(?:{_UNIT_ALT})?\s?[-–—~−]\s?")
_RANGE_EN = re.compile(r"\s+to\s+", re.IGNORECASE)
_RANGE_AND = re.compile(r"\s+and\s+", re.IGNORECASE)


@dataclass
class _Span:
    start: int
    end: int
    value: float | None
    lower: float | None
    upper: float | None
    kind: Approximation


def _as_span(atom: _Atom) -> _Span:
    if atom.vague:
        return _Span(atom.start, atom.end, None, atom.lo, atom.hi, atom.kind)
    return _Span(atom.start, atom.end, atom.lo, None, None, atom.kind)


def _range(work: str, a: _Atom, b: _Atom) -> _Span | None:
    """`a` and `b` as one range if only a range separator stands between them."""
    if a.vague or b.vague or a.kind != "exact" or b.kind != "exact":
        return None
    between = work[a.end : b.start]
    before = work[: a.start]
    start = a.start
    if _RANGE_CN.fullmatch(between) or _RANGE_EN.fullmatch(between):
        if re.search(r"(?:[从從由]|\bfrom\s+)$", before, re.IGNORECASE):
            return None  # 从 A 到 B, from A to B: a change
    elif _RANGE_DASH.fullmatch(between):
        if re.search(r"\d[-/.]$", before) or re.match(r"[-/.]\d", work[b.end : b.end + 2]):
            return None  # a date such as 2025-06-22
    elif _RANGE_AND.fullmatch(between) and re.search(r"\bbetween\s+$", before, re.IGNORECASE):
        start = re.search(r"\bbetween\s+$", before, re.IGNORECASE).start()  # type: ignore[union-attr]
    else:
        return None
    for atom in (a, b):
        if atom.digits is not None and len(atom.digits) > 1 and atom.digits.startswith("0"):
            return None  # 010-12345678 is a telephone number
    lower, upper = a.lo, b.lo
    if a.mult == 1.0 and b.mult != 1.0 and a.bare <= b.bare:
        lower = a.bare * b.mult  # 30至50万
    elif a.digits is not None and b.digits is not None and len(a.digits) >= 3 and len(b.digits) < len(a.digits):
        expanded = float(a.digits[: len(a.digits) - len(b.digits)] + b.digits)  # 2021-25
        if expanded > lower:
            upper = expanded
    if not lower < upper:
        return None
    return _Span(start, b.end, None, lower, upper, "range")


# --- approximation words ----------------------------------------------------------------

_PREFIX_CN: tuple[tuple[str, Approximation], ...] = tuple(
    sorted(
        [
            ("将近", "nearly"), ("將近", "nearly"), ("接近", "nearly"),
            ("不超过", "under"), ("不超過", "under"), ("不少于", "over"), ("不少於", "over"),
            ("超过", "over"), ("超過", "over"), ("突破", "over"), ("多于", "over"), ("多於", "over"),
            ("至少", "over"), ("多达", "about"), ("多達", "about"),
            ("大约", "about"), ("大約", "about"), ("大概", "about"), ("约为", "about"), ("約為", "about"),
            ("不到", "under"), ("不足", "under"), ("少于", "under"), ("少於", "under"),
        ],
        key=lambda item: len(item[0]),
        reverse=True,
    )
)  # fmt: skip
_PREFIX_CN_SINGLE: dict[str, Approximation] = {"近": "nearly", "超": "over", "逾": "over", "约": "about", "約": "about"}
# Characters before 近/约 that make a word (最近, 附近, 预约, 签约), not an approximation.
_NOT_BEFORE_SINGLE: dict[str, str] = {
    "近": "最附靠就远遠临臨贴貼走邻鄰亲親将將接",
    "约": "预預合签簽邀制节節公条條契婚赴相大",
    "約": "预預合签簽邀制节節公条條契婚赴相大",
    "超": "高赶趕",
    "逾": "",
}
_PREFIX_EN = re.compile(
    r"(?<![A-Za-z])(more than|fewer than|less than|at least|approximately|around|about|almost|nearly|roughly|"
    r"over|under)\s+$",
    re.IGNORECASE,
)
_PREFIX_EN_KIND: dict[str, Approximation] = {
    "more than": "over", "at least": "over", "over": "over",
    "fewer than": "under", "less than": "under", "under": "under",
    "approximately": "about", "around": "about", "about": "about", "roughly": "about",
    "almost": "nearly", "nearly": "nearly",
}  # fmt: skip
_SUFFIX_CN: tuple[tuple[str, Approximation], ...] = (
    ("左右", "about"), ("上下", "about"), ("以上", "over"), ("以下", "under"), ("以内", "under"), ("以內", "under"),
)  # fmt: skip
_SUFFIX_EN = re.compile(r"\s+or\s+(more|so|less|fewer)(?![A-Za-z])", re.IGNORECASE)
_SUFFIX_EN_KIND: dict[str, Approximation] = {"more": "over", "so": "about", "less": "under", "fewer": "under"}
_CJK_WORD = re.compile(r"[\u4e00-\u9fff]")


def _prefix(text: str, start: int, floor: int) -> tuple[int, Approximation] | None:
    """(new start, approximation) for a word before `start` that qualifies the number, not before `floor`."""
    head_start = max(floor, start - 20)
    english = _PREFIX_EN.search(text, head_start, start)
    if english:
        return english.start(), _PREFIX_EN_KIND[english.group(1).lower()]
    for gap in range(4):
        gap_start = start - gap
        if gap_start < floor:
            break
        gap_text = text[gap_start:start]
        if any(c != " " and (not _CJK_WORD.match(c) or c in _NUMERALISH) for c in gap_text):
            break
        for word, kind in _PREFIX_CN:
            if gap_start - len(word) >= floor and text.startswith(word, gap_start - len(word)):
                return gap_start - len(word), kind
        if gap == 0 and start - 1 >= floor:
            single = text[start - 1]
            if single in _PREFIX_CN_SINGLE:
                previous = text[start - 2] if start >= 2 else ""
                if not previous or previous not in _NOT_BEFORE_SINGLE[single]:
                    return start - 1, _PREFIX_CN_SINGLE[single]
    return None


def _has_prefix(work: str, start: int) -> bool:
    """Whether an approximation word stands right before `start` (for lone 百/千/万/亿)."""
    return _prefix(work, start, 0) is not None


def _suffix(text: str, end: int, ceiling: int) -> tuple[int, Approximation] | None:
    """(new end, approximation) for a word after `end` (10人左右, 20 or more), not after `ceiling`."""
    english = _SUFFIX_EN.match(text, end)
    if english and english.end() <= ceiling:
        return english.end(), _SUFFIX_EN_KIND[english.group(1).lower()]
    pos = end
    unit = next((u for u in _UNITS if text.startswith(u, pos)), None)
    if unit is not None:
        pos += len(unit)
    for word, kind in _SUFFIX_CN:
        if text.startswith(word, pos) and pos + len(word) <= ceiling:
            if word == "上下" and pos + 2 < len(text) and text[pos + 2] in "游文班级級楼樓来來午":
                continue
            return pos + len(word), kind
    if unit is not None and pos < len(text) and text[pos] in _DUO and pos + 1 <= ceiling:
        after = text[pos + 1] if pos + 1 < len(text) else ""
        if after in _DUO_NOT_BEFORE:
            return None
        pos += 1
        if (unit == "分" and after in "钟鐘") or (unit in "个個" and after == "月"):
            pos += 1  # 3分多钟, 3个多月
        return (pos, "over") if pos <= ceiling else None
    return None


# --- entry point ------------------------------------------------------------------------


def find_numbers(text: str) -> list[NumberMention]:
    """Every number mention in `text` (already normalised by `aijobs.text.normalize`), in order."""
    work = _mask(text)
    atoms = _scan(work)
    spans: list[_Span] = []
    index = 0
    while index < len(atoms):
        joined = _range(work, atoms[index], atoms[index + 1]) if index + 1 < len(atoms) else None
        if joined is not None:
            spans.append(joined)
            index += 2
        else:
            spans.append(_as_span(atoms[index]))
            index += 1
    mentions: list[NumberMention] = []
    for k, span in enumerate(spans):
        floor = mentions[-1].end if mentions else 0
        ceiling = spans[k + 1].start if k + 1 < len(spans) else len(text)
        start, end, kind = span.start, span.end, span.kind
        before = _prefix(text, start, floor)
        after = _suffix(text, end, ceiling)
        if before is not None:
            start = before[0]
        if after is not None:
            end = after[0]
        if span.value is not None:
            if before is not None:
                kind = before[1]
            elif kind == "exact" and after is not None:
                kind = after[1]
        mentions.append(NumberMention(text[start:end], start, end, span.value, span.lower, span.upper, kind))
    return mentions
