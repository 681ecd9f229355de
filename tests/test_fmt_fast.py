"""fmt's fast path (`is_canonical`) agrees with the full ruamel.yaml path, byte for byte.

The fast path may only ever say "already canonical" for a file the full path would
leave exactly as it is; saying "not sure" is always safe (the full path then decides).
Checked on every curated file, the test fixtures, mis-formatted variants of them, and
scalars that need each kind of quoting.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest

from aijobs.records import TYPE_BY_FOLDER
from aijobs.tools import fmt
from aijobs.tools.fmt import format_text, is_canonical, schema_comment
from tests.conftest import FILES, REPO


def full_path(text: str, folder: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """What `format_text` gives without the fast path (its result before the fast path existed), or the error."""
    with monkeypatch.context() as patched:
        patched.setattr(fmt, "is_canonical", lambda *args: False)
        try:
            return format_text(text, folder, "x.yaml")
        except ValueError as exc:
            return f"ValueError: {exc}"


def curated_files() -> list[tuple[str, str]]:
    found = sorted((REPO / "curated").glob("*/*.yaml"))
    return [
        (path.parent.name, path.read_text(encoding="utf-8")) for path in found if path.parent.name in TYPE_BY_FOLDER
    ]


def fixtures() -> list[tuple[str, str]]:
    return [(name.split("/")[0], f"{schema_comment(name.split('/')[0])}\n{text}") for name, text in FILES.items()]


def test_the_fast_path_decides_almost_every_curated_file_and_agrees(monkeypatch: pytest.MonkeyPatch) -> None:
    files = curated_files()
    fast = [(folder, text) for folder, text in files if is_canonical(text, folder, "x.yaml")]
    assert len(fast) >= 0.9 * len(files)  # the point of it: ruamel only for the rest
    for folder, text in fast:
        assert full_path(text, folder, monkeypatch) == text


def test_the_fixtures_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    for folder, text in fixtures():
        canonical = full_path(text, folder, monkeypatch)
        assert is_canonical(canonical, folder, "x.yaml") == (full_path(canonical, folder, monkeypatch) == canonical)
        assert not is_canonical(text, folder, "x.yaml") or canonical == text


def _flow_to_block(text: str) -> str:
    return re.sub(
        r"^( *)- \{source: ([^,]+), para: (\d+), quote: ([^,{}]+)\}$",
        r"\1- source: \2\n\1  para: \3\n\1  quote: \4",
        text,
        count=1,
        flags=re.MULTILINE,
    )


def _folded_deeper(text: str) -> str:
    """Every line of the first `>-` scalar indented two more spaces."""
    lines = text.split("\n")
    start = next((i + 1 for i, line in enumerate(lines) if line.endswith(": >-")), None)
    if start is None:
        return text
    indent = re.match(r" *", lines[start]).group()  # type: ignore[union-attr]
    end = start
    while end < len(lines) and lines[end].startswith(indent) and lines[end][len(indent)] != " ":
        lines[end] = "  " + lines[end]
        end += 1
    return "\n".join(lines)


MUTATIONS: dict[str, Callable[[str], str]] = {
    "deeper list": lambda t: t.replace("\n  - ", "\n    - ", 1),
    "shallower mapping": lambda t: t.replace("\n    lang:", "\n   lang:", 1),
    "key order": lambda t: re.sub(
        r"^(  - )text: (.*)\n    lang: (.*)$", r"\1lang: \3\n    text: \2", t, count=1, flags=re.MULTILINE
    ),
    "quoted quote": lambda t: re.sub(r"quote: ([^,'\"{}]+)\}", r"quote: '\1'}", t, count=1),
    "double-quoted quote": lambda t: re.sub(r"quote: ([^,'\"{}]+)\}", r'quote: "\1"}', t, count=1),
    "quoted paragraph": lambda t: re.sub(r"para: (\d+)", r"para: '\1'", t, count=1),
    "quoted language": lambda t: t.replace("lang: zh-Hans", "lang: 'zh-Hans'", 1),
    "quoted date": lambda t: re.sub(r"(as_of|date|published): (\d{4}-\d\d-\d\d)", r"\1: '\2'", t, count=1),
    "unquoted period": lambda t: re.sub(r"period: '(\d+)'", r"period: \1", t, count=1),
    "trailing space": lambda t: t.replace("\n", " \n", 2),
    "no header": lambda t: t.split("\n", 1)[1],
    "crlf": lambda t: t.replace("\n", "\r\n"),
    "comment": lambda t: t + "# a comment\n",
    "block citation": _flow_to_block,
    "flow names": lambda t: re.sub(
        r"^  - text: (.*)\n    lang: (.*)\n    translation: true$",
        r"  - {text: \1, lang: \2, translation: true}",
        t,
        count=1,
        flags=re.MULTILINE,
    ),
    "refolded": lambda t: re.sub(r"(: >-\n( +)\S+ \S+) ", r"\1\n\2", t, count=1),
    "folded first line indent": lambda t: re.sub(r": >-\n( +)", r": >-\n\1  ", t, count=1),
    "folded indent": _folded_deeper,
    "folded clip": lambda t: t.replace(": >-\n", ": >\n", 1),
    "literal": lambda t: t.replace(": >-\n", ": |-\n", 1),
    "capital true": lambda t: t.replace(": true", ": True", 1),
    "leading zero": lambda t: re.sub(r"para: (\d+)", r"para: 0\1", t, count=1),
    "document start": lambda t: t.replace("\nid:", "\n---\nid:", 1),
    "tab": lambda t: t.replace("  - ", "\t- ", 1),
}


def variants() -> Iterator[tuple[str, str, str]]:
    """Each mutation of every fourth curated file (a spread of types and shapes) and of the fixtures."""
    for folder, text in curated_files()[::4] + fixtures():
        for name, mutate in MUTATIONS.items():
            changed = mutate(text)
            if changed != text:
                yield name, folder, changed


def test_mis_formatted_variants_never_pass_as_canonical_wrongly(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whenever the fast path says canonical, the full path leaves the file as it is."""
    seen = {name for name, _, _ in variants()}
    assert seen == set(MUTATIONS)  # every mutation applies to some file
    for name, folder, text in variants():
        if is_canonical(text, folder, "x.yaml"):
            assert full_path(text, folder, monkeypatch) == text, name


NOTE = f"{schema_comment('people')}\nid: p\nnames:\n  - text: x\n    lang: en\n    translation: true\nnote: {{}}\n"

SCALARS = [
    "plain words",
    "'a: b'",
    "'2024'",
    "'yes'",
    "'true'",
    "'null'",
    "''",
    "' leading space'",
    "'trailing space '",
    "'- dash'",
    "'*star'",
    "'@at'",
    "'%percent'",
    "'[bracket'",
    "'{brace'",
    "'&amp'",
    "'!bang'",
    "'|pipe'",
    "'>gt'",
    "'?q'",
    "'`tick'",
    "a, b",
    "'a #b'",
    '"it\'s"',
    "'1.5'",
    "'0x10'",
    "'2025-01-02'",
    "中文，标点：全角",
    "'\u00a0nbsp'",
    "'zero\u200bwidth'",
    "url http://x.y/z?a=1",
    "'ends with:'",
    "semi; colon",
    "'\"quoted\"'",
    '"double"',
]


@pytest.mark.parametrize("scalar", SCALARS)
def test_each_kind_of_scalar_agrees(scalar: str, monkeypatch: pytest.MonkeyPatch) -> None:
    text = NOTE.format(scalar)
    canonical = full_path(text, "people", monkeypatch)
    if is_canonical(text, "people", "x.yaml"):
        assert canonical == text
    if not canonical.startswith("ValueError"):
        assert (
            not is_canonical(canonical, "people", "x.yaml") or full_path(canonical, "people", monkeypatch) == canonical
        )


def test_the_fast_path_recognises_quoted_scalars(monkeypatch: pytest.MonkeyPatch) -> None:
    """Canonical single quotes are decided fast, not only plain text."""
    for scalar in ("'a: b'", "'2024'", "'- dash'", "''"):
        text = NOTE.format(scalar)
        assert full_path(text, "people", monkeypatch) == text
        assert is_canonical(text, "people", "x.yaml"), scalar
