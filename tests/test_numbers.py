"""Number mentions: the forms the corpus uses, in both scripts and both languages.

Inputs are NFKC text, as `aijobs.text.normalize` gives to `find_numbers`.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aijobs.provenance.numbers import NumberMention, find_numbers, matches
from aijobs.records import Approximation
from aijobs.text import normalize

Expected = tuple[str, float | None, float | None, float | None, Approximation]


def summary(text: str) -> list[Expected]:
    return [(m.text, m.value, m.lower, m.upper, m.approx) for m in find_numbers(text)]


SINGLE: list[tuple[str, Expected]] = [
    # Arabic digits, separators, decimals, multipliers
    ("16,300", ("16,300", 16300, None, None, "exact")),
    ("1.63万人", ("1.63万", 16300, None, None, "exact")),
    ("47.5萬", ("47.5萬", 475000, None, None, "exact")),
    ("10億", ("10億", 1e9, None, None, "exact")),
    ("2024年", ("2024", 2024, None, None, "exact")),
    ("80%", ("80%", 80, None, None, "exact")),
    ("19 次", ("19", 19, None, None, "exact")),
    ("72 new professions", ("72", 72, None, None, "exact")),
    ("72个新职业", ("72", 72, None, None, "exact")),
    ("22-year-old", ("22", 22, None, None, "exact")),
    ("22岁", ("22", 22, None, None, "exact")),
    ("3万亿", ("3万亿", 3e12, None, None, "exact")),
    ("5千万", ("5千万", 5e7, None, None, "exact")),
    ("1.5 million users", ("1.5 million", 1.5e6, None, None, "exact")),
    # Chinese numerals and bare multipliers
    ("超过一百万条", ("超过一百万", 1e6, None, None, "over")),
    ("七十二个", ("七十二", 72, None, None, "exact")),
    ("二十人", ("二十", 20, None, None, "exact")),
    ("十倍", ("十", 10, None, None, "exact")),
    ("百萬美金", ("百萬", 1e6, None, None, "exact")),
    ("年薪超百萬", ("超百萬", 1e6, None, None, "over")),
    ("突破万亿", ("突破万亿", 1e12, None, None, "over")),
    ("上万个", ("上万", 1e4, None, None, "over")),
    ("近百个", ("近百", 100, None, None, "nearly")),
    ("二〇二四年", ("二〇二四", 2024, None, None, "exact")),
    ("三点五亿", ("三点五亿", 3.5e8, None, None, "exact")),
    ("一万五", ("一万五", 15000, None, None, "exact")),
    ("三亿五千万", ("三亿五千万", 3.5e8, None, None, "exact")),
    ("两万零五百", ("两万零五百", 20500, None, None, "exact")),
    ("百分之三十", ("百分之三十", 30, None, None, "exact")),
    ("百分之30", ("百分之30", 30, None, None, "exact")),
    ("千元", ("千", 1000, None, None, "exact")),
    ("十分钟", ("十", 10, None, None, "exact")),
    # vague amounts
    ("两三分钟", ("两三", None, 2, 3, "range")),
    ("十几种", ("十几", None, 11, 19, "range")),
    ("十幾個", ("十幾", None, 11, 19, "range")),
    ("十七八岁", ("十七八", None, 17, 18, "range")),
    ("三四十万", ("三四十万", None, 3e5, 4e5, "range")),
    ("十几万", ("十几万", None, 1.1e5, 1.9e5, "range")),
    ("几十个", ("几十", None, 20, 90, "order-of-magnitude")),
    ("数十家", ("数十", None, 20, 90, "order-of-magnitude")),
    ("数千次", ("数千", None, 2000, 9000, "order-of-magnitude")),
    ("幾千款", ("幾千", None, 2000, 9000, "order-of-magnitude")),
    ("數千", ("數千", None, 2000, 9000, "order-of-magnitude")),
    ("数百亿元", ("数百亿", None, 2e10, 9e10, "order-of-magnitude")),
    ("thousands of", ("thousands", None, 2000, 9000, "order-of-magnitude")),
    ("hundreds of jobs", ("hundreds", None, 200, 900, "order-of-magnitude")),
    ("tens of thousands of", ("tens of thousands", None, 20000, 90000, "order-of-magnitude")),
    # approximation words before
    ("近1.1万人", ("近1.1万", 11000, None, None, "nearly")),
    ("nearly 11,000", ("nearly 11,000", 11000, None, None, "nearly")),
    ("more than 30 percent", ("more than 30 percent", 30, None, None, "over")),
    ("超过每年30%", ("超过每年30%", 30, None, None, "over")),
    ("more than 20", ("more than 20", 20, None, None, "over")),
    ("超过20个", ("超过20", 20, None, None, "over")),
    ("over one million", ("over one million", 1e6, None, None, "over")),
    ("近50人", ("近50", 50, None, None, "nearly")),
    ("近300件", ("近300", 300, None, None, "nearly")),
    ("近3000件", ("近3000", 3000, None, None, "nearly")),
    ("超过40万", ("超过40万", 4e5, None, None, "over")),
    ("超过75万", ("超过75万", 7.5e5, None, None, "over")),
    ("超过50万", ("超过50万", 5e5, None, None, "over")),
    ("超过48万", ("超过48万", 4.8e5, None, None, "over")),
    ("约200人", ("约200", 200, None, None, "about")),
    ("大约3年", ("大约3", 3, None, None, "about")),
    ("多达5万", ("多达5万", 5e4, None, None, "about")),
    ("不到10%", ("不到10%", 10, None, None, "under")),
    ("不足百人", ("不足百", 100, None, None, "under")),
    ("逾千家", ("逾千", 1000, None, None, "over")),
    ("将近一半的20人", ("20", 20, None, None, "exact")),
    ("about 40 taggers", ("about 40", 40, None, None, "about")),
    ("almost 15", ("almost 15", 15, None, None, "nearly")),
    ("fewer than 5", ("fewer than 5", 5, None, None, "under")),
    ("approximately 7", ("approximately 7", 7, None, None, "about")),
    # approximation words after
    ("10人左右", ("10人左右", 10, None, None, "about")),
    ("30人左右", ("30人左右", 30, None, None, "about")),
    ("7萬元左右", ("7萬元左右", 70000, None, None, "about")),
    ("15%以上", ("15%以上", 15, None, None, "over")),
    ("5年以下", ("5年以下", 5, None, None, "under")),
    ("3分多钟", ("3分多钟", 3, None, None, "over")),
    ("20多个", ("20多", 20, None, None, "over")),
    ("二十多万", ("二十多万", 2e5, None, None, "over")),
    ("100余万", ("100余万", 1e6, None, None, "over")),
    ("50 or more", ("50 or more", 50, None, None, "over")),
    # ranges
    ("about 300,000 to 500,000", ("about 300,000 to 500,000", None, 3e5, 5e5, "range")),
    ("30万至50万人", ("30万至50万", None, 3e5, 5e5, "range")),
    ("30万到50万人", ("30万到50万", None, 3e5, 5e5, "range")),
    ("30至50万", ("30至50万", None, 3e5, 5e5, "range")),
    ("三至五万", ("三至五万", None, 3e4, 5e4, "range")),
    ("5—10秒", ("5—10", None, 5, 10, "range")),
    ("5-10", ("5-10", None, 5, 10, "range")),
    ("5~10", ("5~10", None, 5, 10, "range")),
    ("2021-25", ("2021-25", None, 2021, 2025, "range")),
    ("2021至2025年", ("2021至2025", None, 2021, 2025, "range")),
    ("2021年至2025年", ("2021年至2025", None, 2021, 2025, "range")),
    ("30%-50%", ("30%-50%", None, 30, 50, "range")),
    ("2 to 3 million", ("2 to 3 million", None, 2e6, 3e6, "range")),
    ("between 5 and 10", ("between 5 and 10", None, 5, 10, "range")),
]


@pytest.mark.parametrize(("text", "expected"), SINGLE, ids=[text for text, _ in SINGLE])
def test_single_mention(text: str, expected: Expected) -> None:
    assert summary(text) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5G/5.5G", [("5", 5, None, None, "exact"), ("5.5", 5.5, None, None, "exact")]),
        ("6·18", [("6", 6, None, None, "exact"), ("18", 18, None, None, "exact")]),
        ("从0到1", [("0", 0, None, None, "exact"), ("1", 1, None, None, "exact")]),
        ("from 5 to 10", [("5", 5, None, None, "exact"), ("10", 10, None, None, "exact")]),
        (
            "2025-06-22 11:06",
            [
                ("2025", 2025, None, None, "exact"),
                ("06", 6, None, None, "exact"),
                ("22", 22, None, None, "exact"),
                ("11", 11, None, None, "exact"),
                ("06", 6, None, None, "exact"),
            ],
        ),
        (
            "2024.5.29",
            [("2024", 2024, None, None, "exact"), ("5", 5, None, None, "exact"), ("29", 29, None, None, "exact")],
        ),
        (
            "相比去年第一届的近300件,增加到了近3000件,达到了十倍增长",
            [
                ("近300", 300, None, None, "nearly"),
                ("近3000", 3000, None, None, "nearly"),
                ("十", 10, None, None, "exact"),
            ],
        ),
        (
            "over the 2021-25 period",
            [("2021-25", None, 2021, 2025, "range")],
        ),
    ],
)
def test_several_mentions(text: str, expected: list[Expected]) -> None:
    assert summary(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "千行百业",
        "千行百業",
        "一些",
        "一种",
        "一個",
        "第一",
        "第二届人工智能电影节",
        "第3层",
        "一起参加",
        "统一",
        "唯一",
        "万一",
        "万物互联",
        "十分重要",
        "百度",
        "几个小伙伴",
        "数字人",
        "the second-largest economy",
        "a new job",
        "no one knows",
        "the 2nd edition",
        "https://example.com/2024/05/123.html",
        "img/7f3e9a0b41c2d58e6f70a1b2c3d4e5f6.png",
        "prism-atom-one-dark",
        "千万不要",
        "〇 要点",
    ],
)
def test_not_numbers(text: str) -> None:
    assert find_numbers(text) == []


def test_lone_multiplier_needs_context() -> None:
    assert find_numbers("百科全书") == []
    assert summary("万科") == []
    assert summary("上千人") == [("上千", 1000, None, None, "over")]


def test_numerals_next_to_idioms_stay_numbers() -> None:
    assert summary("十一个") == [("十一", 11, None, None, "exact")]
    assert summary("一万一千") == [("一万一千", 11000, None, None, "exact")]
    assert summary("五十分") == [("五十", 50, None, None, "exact")]


def test_offsets_point_at_text() -> None:
    text = normalize("数据显示,仅2025年,上海就有1.63万人参加考核,近1.1万人获得证书。")
    mentions = find_numbers(text)
    assert [m.text for m in mentions] == ["2025", "1.63万", "近1.1万"]
    for mention in mentions:
        assert text[mention.start : mention.end] == mention.text


def test_normalized_full_width_input() -> None:
    text = normalize("超过２０个，约３０％")
    assert summary(text) == [("超过20", 20, None, None, "over"), ("约30%", 30, None, None, "about")]


def test_english_words() -> None:
    assert summary("seventy-two new jobs") == [("seventy-two", 72, None, None, "exact")]
    assert summary("one hundred and five") == [("one hundred and five", 105, None, None, "exact")]
    assert summary("two thousand") == [("two thousand", 2000, None, None, "exact")]
    assert summary("twenty") == [("twenty", 20, None, None, "exact")]
    assert summary("a million people") == [("a million", 1e6, None, None, "exact")]
    assert summary("someone and often") == []


def test_each_occurrence_once() -> None:
    mentions = find_numbers("30万至50万人,超过20个,5—10秒")
    assert len(mentions) == 3
    assert all(a.end <= b.start for a, b in itertools.pairwise(mentions))


def mention(value: float | None, lower: float | None = None, upper: float | None = None) -> NumberMention:
    approx: Approximation = "exact" if value is not None else "range"
    return NumberMention("x", 0, 1, value, lower, upper, approx)


def test_matches_is_strict() -> None:
    single = find_numbers("1.63万人")[0]
    assert matches(single, 16300, None, None)
    assert matches(single, 16300.0000000001, None, None)
    assert not matches(single, 16301, None, None)
    assert not matches(single, None, 16300, 16300)
    span = find_numbers("30万至50万人")[0]
    assert matches(span, None, 300000, 500000)
    assert not matches(span, 300000, None, None)  # a value inside a range is not evidence
    assert not matches(span, None, 300000, 600000)
    assert not matches(span, None, 300000, None)
    vague = find_numbers("数百亿元")[0]
    assert matches(vague, None, 2e10, 9e10)
    assert not matches(mention(5), None, None, None)
    assert matches(mention(None, 5, None), None, 5, None)


PIECES = [
    *"0123456789,.-—~%·/ ",
    *"至到多余左右以上下近超过约数几十百千万亿萬億一二三两零〇第个人年从",
    "more than ",
    "thousands of ",
    "百分之",
]


@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_mentions_are_ordered_spans_of_the_text(text: str) -> None:
    end = 0
    for found in find_numbers(text):
        assert text[found.start : found.end] == found.text
        assert end <= found.start < found.end
        end = found.end
        if found.value is None:
            assert found.lower is not None and found.upper is not None and found.lower < found.upper
        else:
            assert found.lower is None and found.upper is None


def test_one_month_is_a_duration() -> None:
    (mention,) = find_numbers("历经一个月的反复修改")
    assert (mention.text, mention.value) == ("一", 1)
    assert find_numbers("一个人就能成为一个剧组") == []
