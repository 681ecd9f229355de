"""Synthetic, valid knowledge bases of any size, for benchmarks and robustness tests.

The generated records exercise every record type, citations, roles, statuses and
figures, in the same proportions as the curated data, and pass `aijobs validate`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from aijobs.records import TYPE_BY_FOLDER

PARAGRAPHS = 199
"""Paragraphs the synthetic document has at least; it grows so that every figure cites its own."""


def document(paragraphs: int = PARAGRAPHS) -> str:
    """The synthetic source: a title, then paragraph n (from 2) says 某职业有n人."""
    return "合成文档\n" + "".join(f"第{n}段:某职业有{n}人,增长{n}%。\n" for n in range(2, paragraphs + 2))


SOURCE_FILE = "synthetic.txt"
# Per unit of scale, the curated data's approximate mix of record types.
MIX = {"occupations": 6, "people": 3, "companies": 5, "figures": 5}


def _cite(n: int) -> str:
    para = 2 + n % PARAGRAPHS
    return f"{{source: synthetic, para: {para}, quote: 某职业有{para}人}}"


def _occupation(i: int) -> str:
    return (
        f"id: occupation-{i}\n"
        "names:\n"
        f"  - {{text: 合成职业{i}, lang: zh-Hans, cite: [{_cite(i)}]}}\n"
        f"  - {{text: 合成職業{i}, lang: zh-Hant, translation: true}}\n"
        f"  - {{text: synthetic occupation {i}, lang: en, translation: true}}\n"
        f"description: {{text: A generated occupation number {i}., cite: [{_cite(i)}]}}\n"
        "statuses:\n"
        f"  - {{status: emerging, date: '2024', cite: [{_cite(i)}]}}\n"
        "tasks:\n"
        f"  - {{text: Generated task., cite: [{_cite(i + 1)}]}}\n"
        + (
            f"related:\n  - {{relation: evolved-from, occupation: occupation-{i - 1}, cite: [{_cite(i)}]}}\n"
            if i
            else ""
        )
    )


def _person(i: int, occupations: int, companies: int) -> str:
    return (
        f"id: person-{i}\n"
        "names:\n"
        f"  - {{text: 合成人{i}, lang: zh-Hans, cite: [{_cite(i)}]}}\n"
        f"  - {{text: Person {i}, lang: en, translation: true}}\n"
        f"ages:\n  - {{years: {20 + i % 40}, as_of: '2025-01-01', cite: [{_cite(i)}]}}\n"
        "roles:\n"
        f"  - {{occupation: occupation-{i % occupations}, company: company-{i % companies}, status: former, "
        f"start: '2019', end: '2021', cite: [{_cite(i)}]}}\n"
        f"  - {{occupation: occupation-{(i + 1) % occupations}, status: current, start: '2021', cite: [{_cite(i)}]}}\n"
    )


def _company(i: int) -> str:
    return (
        f"id: company-{i}\n"
        "kind: company\n"
        f"names:\n  - {{text: 合成公司{i}, lang: zh-Hans, cite: [{_cite(i)}]}}\n"
        f"location: {{place: Shanghai, cite: [{_cite(i)}]}}\n"
    )


def _figure(i: int, occupations: int) -> str:
    para = 2 + i  # one paragraph per figure: two figures of one number in one paragraph are duplicates
    return (
        f"id: figure-{i}\n"
        f"measure: Generated headcount {i}.\n"
        f"value: {para}\nunit: people\napprox: exact\nas_written: '{para}'\n"
        f"about: [occupation-{i % occupations}]\n"
        f"cite:\n  - {{source: synthetic, para: {para}, quote: 某职业有{para}人}}\n"
    )


def generate(root: Path, scale: int, corpus: Path | None = None) -> int:
    """Write a knowledge base `scale` times the curated size under `root`; returns records written."""
    counts = {folder: per_unit * scale * 10 for folder, per_unit in MIX.items()}
    corpus = corpus or root.parent / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    text = document(max(PARAGRAPHS, counts["figures"]))
    (corpus / SOURCE_FILE).write_text(text, encoding="utf-8")
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    for folder in (*MIX, "sources"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "sources/synthetic.yaml").write_text(
        f"id: synthetic\ntitle: 合成文档\nlanguages: [zh-Hans]\nfile: {SOURCE_FILE}\nformat: text\n"
        f"sha256: {sha}\npublished: unknown\nauthor: unknown\npublisher: unknown\n"
        "cite:\n  - {source: synthetic, para: 1, quote: 合成文档}\n",
        encoding="utf-8",
    )
    writers = {
        "occupations": lambda i: _occupation(i),
        "people": lambda i: _person(i, counts["occupations"], counts["companies"]),
        "companies": lambda i: _company(i),
        "figures": lambda i: _figure(i, counts["occupations"]),
    }
    prefix = {folder: TYPE_BY_FOLDER[folder].kind_name for folder in MIX}
    for folder, count in counts.items():
        for i in range(count):
            (root / folder / f"{prefix[folder]}-{i}.yaml").write_text(writers[folder](i), encoding="utf-8")
    return sum(counts.values()) + 1
