"""Fixtures: a tiny, valid knowledge base with its own corpus, written per test."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# A small bilingual document written for the tests (not from the real corpus).
DOCUMENT = """示例新闻:AI训练师成为新职业
In 2020, the ministry recognised the data tagger as a new occupation.
2020年,人社部将“数据标注员”认定为新职业。
Wang Fang, 29, leads a team of about 40 data taggers in Hefei.
29岁的王芳在合肥带领一支40人左右的数据标注团队。
The city trained 1.2万 people last year, nearly 30 percent more than before.
"""

SOURCE = """\
id: demo-news
title: 示例新闻:AI训练师成为新职业
languages: [en, zh-Hans]
file: demo.txt
format: text
sha256: {sha}
published: 2025-01-02
author: unknown
publisher: unknown
cite:
  - {{source: demo-news, para: 1, quote: 示例新闻}}
"""

MINISTRY = """\
id: ministry
kind: government
names:
  - text: 人社部
    lang: zh-Hans
    cite:
      - {source: demo-news, para: 3, quote: 人社部}
  - text: the ministry
    lang: en
    cite:
      - {source: demo-news, para: 2, quote: the ministry}
"""

OCCUPATION = """\
id: data-tagger
names:
  - text: 数据标注员
    lang: zh-Hans
    cite:
      - {source: demo-news, para: 3, quote: “数据标注员”}
  - text: data tagger
    lang: en
    cite:
      - {source: demo-news, para: 2, quote: data tagger}
  - text: 數據標註員
    lang: zh-Hant
    translation: true
statuses:
  - status: recognised
    by: ministry
    date: 2020
    recognised_as: occupation
    cite:
      - {source: demo-news, para: 2, quote: recognised the data tagger, also: {para: 3, quote: 认定为新职业}}
"""

PERSON = """\
id: wang-fang
names:
  - text: 王芳
    lang: zh-Hans
    cite:
      - {source: demo-news, para: 5, quote: 29岁的王芳}
  - text: Wang Fang
    lang: en
    cite:
      - {source: demo-news, para: 4, quote: Wang Fang}
ages:
  - years: 29
    as_of: 2025-01-02
    cite:
      - {source: demo-news, para: 4, quote: "Wang Fang, 29", also: {para: 5, quote: 29岁}}
roles:
  - occupation: data-tagger
    title: team lead
    status: current
    cite:
      - {source: demo-news, para: 4, quote: leads a team}
"""

FIGURE = """\
id: hefei-team-size
measure: Size of the data-tagging team Wang Fang leads.
value: 40
unit: people
approx: about
as_written: 40人左右
place: Hefei
about: [data-tagger, wang-fang]
producer: {kind: individual}
cite:
  - {source: demo-news, para: 5, quote: 40人左右}
"""

FILES = {
    "sources/demo-news.yaml": SOURCE,
    "companies/ministry.yaml": MINISTRY,
    "occupations/data-tagger.yaml": OCCUPATION,
    "people/wang-fang.yaml": PERSON,
    "figures/hefei-team-size.yaml": FIGURE,
}


@dataclass
class Workspace:
    """A curated folder and a corpus folder in a temporary directory."""

    root: Path

    @property
    def curated(self) -> Path:
        return self.root / "curated"

    @property
    def corpus(self) -> Path:
        return self.root / "corpus"

    def write(self, relative: str, text: str) -> Path:
        path = self.curated / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def write_bytes(self, relative: str, data: bytes) -> Path:
        path = self.curated / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def replace(self, relative: str, old: str, new: str) -> Path:
        path = self.curated / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {relative}"
        return self.write(relative, text.replace(old, new, 1))


@pytest.fixture(autouse=True)
def _private_fmt_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """fmt's cache of canonical files goes to a folder of the test's own, never the user's."""
    monkeypatch.setenv("AIJOBS_CACHE_DIR", str(tmp_path_factory.mktemp("fmt-cache")))


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    space = Workspace(tmp_path)
    space.corpus.mkdir()
    document = space.corpus / "demo.txt"
    document.write_text(DOCUMENT, encoding="utf-8")
    sha = hashlib.sha256(document.read_bytes()).hexdigest()
    for relative, text in FILES.items():
        space.write(relative, text.format(sha=sha) if relative.startswith("sources/") else text)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AIJOBS_CORPUS", str(space.corpus))
    return space


def make_part_of_cycle(space: Workspace) -> None:
    """Two organisations, each part of the other."""
    cite = "{source: demo-news, para: 3, quote: 人社部}"
    space.write(
        "companies/bureau.yaml",
        f"id: bureau\nkind: government\nnames:\n  - {{text: 局, lang: zh-Hans, cite: [{cite}]}}\n"
        f"part_of: {{organisation: ministry, cite: [{cite}]}}\n",
    )
    space.write(
        "companies/ministry.yaml",
        (space.curated / "companies/ministry.yaml").read_text(encoding="utf-8")
        + f"part_of: {{organisation: bureau, cite: [{cite}]}}\n",
    )
