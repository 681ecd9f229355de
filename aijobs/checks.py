"""Checks that need more than one record: ids, references, likely duplicates.

All checks run in time linear in the number of records (dictionaries, no pairwise
comparisons), so they stay cheap as the knowledge base grows.

A duplicate is always reported on the newer of the two files (the one git's HEAD does
not hold yet, else the later path), so a pull request's annotations land on its own lines.
"""

from __future__ import annotations

import subprocess
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from aijobs.fields import without_hidden
from aijobs.loader import LoadedRecord
from aijobs.problems import Problem
from aijobs.records import TYPE_BY_KIND, Company, Figure, Name, NamedRecord, Product, Use
from aijobs.references import references
from aijobs.suggest import closest, with_article
from aijobs.text import fold, normalize
from aijobs.walk import walk
from aijobs.yamlfile import YamlError, read_yaml

GIT_TIMEOUT = 10  # seconds; a hung git never hangs validate


@cache
def in_git_head(path: Path) -> bool:
    """Whether git's HEAD holds this file (False when git or a repository is missing)."""
    try:
        result = subprocess.run(
            ["git", "-C", str(path.parent), "cat-file", "-e", f"HEAD:./{path.name}"],
            capture_output=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0


def oldest_first(items: Iterable[LoadedRecord]) -> list[LoadedRecord]:
    """Files in git's HEAD before new ones, then in path order: the first is the original."""
    return sorted(items, key=lambda item: (not in_git_head(item.path), item.shown_as))


def check_records(loaded: list[LoadedRecord], unloadable: set[str] | frozenset[str] = frozenset()) -> list[Problem]:
    """Cross-record problems; references to `unloadable` ids (already reported) are not repeated."""
    problems: list[Problem] = []
    problems += check_unique_ids(loaded)
    kinds: dict[str, str] = {}
    for item in loaded:  # the first record with an id wins; duplicates are reported above
        kinds.setdefault(item.record.id, item.record.kind_name)
    problems += check_references(loaded, kinds, unloadable, NameIndex(loaded))
    problems += check_duplicate_names(loaded)
    problems += check_duplicate_figures(loaded)
    problems += check_part_of_cycles(loaded)
    problems += check_source_files(loaded)
    problems += check_uses_name_products(loaded)
    return problems


def check_unique_ids(loaded: list[LoadedRecord]) -> list[Problem]:
    """Ids are global: a citation or reference names an id without its type."""
    groups: dict[str, list[LoadedRecord]] = {}
    for item in loaded:
        groups.setdefault(item.record.id, []).append(item)
    problems = []
    for group in groups.values():
        if len(group) < 2:
            continue
        other, *newer = oldest_first(group)
        for item in newer:
            problems.append(
                Problem(
                    item.locate("id"),
                    f"id {item.record.id!r} is already used by the {other.record.kind_name} at "
                    f"{other.locate('id')}; ids must be unique across all record types",
                    field="id",
                    code="duplicate-id",
                )
            )
    return problems


class NameIndex:
    """Every id, name and alias, folded, so an unknown id can be matched to a record."""

    def __init__(self, loaded: Iterable[LoadedRecord]) -> None:
        self.by_key: dict[str, tuple[str, str, str]] = {}  # folded -> (id, kind, name)
        self.ids: dict[str, str] = {}
        for item in loaded:
            record = item.record
            self.ids.setdefault(record.id, record.kind_name)
            if isinstance(record, NamedRecord):
                for name in record.names:
                    self.by_key.setdefault(_key(name.text), (record.id, record.kind_name, name.text))

    def named(self, wanted: str, kinds: Iterable[str]) -> tuple[str, str] | None:
        """(id, name) of a record of one of `kinds` that has `wanted` (an id) as a name or alias."""
        found = self.by_key.get(_key(wanted.replace("-", " ")))
        if found is not None and found[1] in kinds and found[0] != wanted:
            return found[0], found[2]
        return None

    def similar_id(self, wanted: str, kinds: Iterable[str]) -> str | None:
        allowed = set(kinds)
        return closest(wanted, [rid for rid, kind in self.ids.items() if kind in allowed])


def _key(text: str) -> str:
    """What two names must share to count as the same name: invisible characters dropped
    (a pasted Hangul filler or grapheme joiner looks identical), then folded (script,
    width, case) with hyphens and runs of spaces as one space."""
    return " ".join(fold(without_hidden(text)).replace("-", " ").split())


def check_references(
    loaded: list[LoadedRecord],
    kinds: dict[str, str],
    unloadable: set[str] | frozenset[str] = frozenset(),
    names: NameIndex | None = None,
) -> list[Problem]:
    index = names or NameIndex(loaded)
    problems = []
    for item in loaded:
        inherited = citations_taking_a_wrong_default(item, kinds)
        for ref in references(item.record):
            if ref.target in unloadable and ref.target not in kinds:
                continue
            if ref.path[:-1] in inherited:
                continue  # reported once, at the record's `source:`
            field = ".".join(str(part) for part in ref.path)
            wanted = " or ".join(ref.allowed)
            relying = ""
            if ref.path == ("source",) and inherited:
                relying = f" ({_citations(len(inherited))} naming no source take it)"
            found = kinds.get(ref.target)
            if found is None:
                named = index.named(ref.target, ref.allowed)
                similar = None if named else index.similar_id(ref.target, ref.allowed)
                if named is not None:
                    fix = f"did you mean {named[0]!r} (named {named[1]!r})?"
                elif similar is not None:
                    fix = (
                        f"did you mean {similar!r}? If not, create curated/{_folder(ref.allowed[0])}/{ref.target}.yaml"
                    )
                else:
                    fix = f"create curated/{_folder(ref.allowed[0])}/{ref.target}.yaml or fix the id"
                problems.append(
                    Problem(
                        item.locate(*ref.path),
                        f"points to {ref.target!r}, but no {wanted} has that id{relying}; {fix}",
                        field=field,
                        code="dangling-reference",
                    )
                )
            elif found not in ref.allowed:
                problems.append(
                    Problem(
                        item.locate(*ref.path),
                        f"points to {ref.target!r}, which is {with_article(found)}{relying}; "
                        f"expected {with_article(wanted)}",
                        field=field,
                        code="wrong-reference-type",
                    )
                )
            elif ref.target == item.record.id and ref.allowed != ("source",):
                problems.append(
                    Problem(
                        item.locate(*ref.path), "a record cannot refer to itself", field=field, code="self-reference"
                    )
                )
    return problems


def citations_taking_a_wrong_default(item: LoadedRecord, kinds: dict[str, str]) -> frozenset[tuple[str | int, ...]]:
    """The citations (their paths) that take their source from the record's `source:` when
    that default is no source: its one problem, at `source:`, stands for theirs.

    A citation that names the wrong source itself keeps its own problem. Only then is
    the file read again (a loaded citation always carries its source), to tell the two apart.
    """
    default = item.record.source
    if default is None or kinds.get(default) == "source":
        return frozenset()
    try:
        data = read_yaml(item.path, item.shown_as).data
    except (OSError, YamlError):
        return frozenset()
    inherited = set()
    for ref in references(item.record):
        if len(ref.path) < 2 or ref.path[-1] != "source" or ref.target != default:
            continue
        written: Any = data
        for part in ref.path[:-1]:
            if isinstance(part, str) and isinstance(written, dict):
                written = written.get(part)
            elif isinstance(part, int) and isinstance(written, list) and part < len(written):
                written = written[part]
            else:
                written = None
                break
        if isinstance(written, dict) and "source" not in written:
            inherited.add(ref.path[:-1])
    return frozenset(inherited)


def _citations(count: int) -> str:
    return "1 citation" if count == 1 else f"{count} citations"


def _folder(kind: str) -> str:
    return TYPE_BY_KIND[kind].folder


def check_duplicate_names(loaded: list[LoadedRecord]) -> list[Problem]:
    """Two records of one type with the same preferred name (folded: script, width, case)."""
    groups: dict[tuple[str, str], dict[str, list[tuple[LoadedRecord, int, Name]]]] = {}
    for item in loaded:
        record = item.record
        if not isinstance(record, NamedRecord):
            continue
        preferred = record.preferred_names()
        for index, name in enumerate(record.names):
            if preferred.get(name.lang) != name.text or name.misspelling:
                continue
            key = (record.kind_name, _key(name.text))
            groups.setdefault(key, {}).setdefault(record.id, []).append((item, index, name))
    problems = []
    for by_record in groups.values():
        if len(by_record) < 2:
            continue
        firsts = {entries[0][0].record.id: entries[0][0] for entries in by_record.values()}
        original, *newer = oldest_first(firsts.values())
        for item in newer:
            record = item.record
            for _, index, name in by_record[record.id]:
                problems.append(
                    Problem(
                        item.locate("names", index, "text"),
                        f"the preferred {name.lang} name {name.text!r} is already a preferred name of "
                        f"{record.kind_name} {original.record.id!r} ({original.shown_as}); "
                        "merge the two records or make the names distinct",
                        field=f"names.{index}.text",
                        code="duplicate-name",
                    )
                )
    return problems


def check_duplicate_figures(loaded: list[LoadedRecord]) -> list[Problem]:
    """Two figures citing the same paragraph for the same value and unit are one figure twice."""
    groups: dict[tuple[object, ...], list[LoadedRecord]] = {}
    for item in loaded:
        figure = item.record
        if not isinstance(figure, Figure):
            continue
        for citation in figure.cite:
            key = (citation.source, citation.para, figure.value, figure.lower, figure.upper, figure.unit)
            group = groups.setdefault(key, [])
            if item not in group:
                group.append(item)
    problems = []
    reported: set[tuple[str, str]] = set()
    for (source, para, *_), group in groups.items():
        if len(group) < 2:
            continue
        original, *newer = oldest_first(group)
        for item in newer:
            if (item.record.id, original.record.id) in reported:
                continue
            reported.add((item.record.id, original.record.id))
            problems.append(
                Problem(
                    item.locate("id"),
                    f"figure {original.record.id!r} ({original.shown_as}) already records this number: same "
                    f"source ({source} paragraph {para}), value and unit; keep one figure (add what this one "
                    "says to it) or fix the value",
                    field="id",
                    code="duplicate-figure",
                )
            )
    return problems


def check_part_of_cycles(loaded: list[LoadedRecord]) -> list[Problem]:
    parent = {
        item.record.id: item.record.part_of.organisation
        for item in loaded
        if isinstance(item.record, Company) and item.record.part_of is not None
    }
    by_id = {item.record.id: item for item in loaded}
    problems = []
    reported: set[str] = set()
    for start in parent:
        chain = [start]
        current = parent.get(start)
        while current is not None and current not in chain:
            chain.append(current)
            current = parent.get(current)
        if current is not None and current == start and start not in reported:
            reported.update(chain)
            problems.append(
                Problem(
                    by_id[start].locate("part_of", "organisation"),
                    "part_of forms a cycle: " + " -> ".join([*chain, start]),
                    field="part_of.organisation",
                    code="cycle",
                )
            )
    return problems


def check_source_files(loaded: list[LoadedRecord]) -> list[Problem]:
    owners: dict[str, LoadedRecord] = {}
    problems = []
    for item in loaded:
        file = getattr(item.record, "file", None)
        if item.record.kind_name != "source" or file is None:
            continue
        other = owners.setdefault(file, item)
        if other is not item:
            problems.append(
                Problem(
                    item.locate("file"),
                    f"file {file!r} is already described by source {other.record.id!r}",
                    field="file",
                    code="duplicate-source",
                )
            )
    return problems


def name_key(text: str) -> str:
    """What two names must share to count as the same name.

    Invisible characters are dropped (a name with a Hangul filler or a combining grapheme
    joiner pasted in looks identical), then NFKC, whitespace folding and case folding
    (full-width ＷＡＮＧ, `wang` and `Wang` meet), then NFKC again, since case folding
    can leave a string that is no longer normalised.
    """
    return unicodedata.normalize("NFKC", normalize(without_hidden(text)).casefold())


def check_uses_name_products(loaded: list[LoadedRecord]) -> list[Problem]:
    """A `uses` link quotes the product's name: its quotes contain one of the product's names.

    This keeps a link from pointing at the wrong product (`sora` where the source says
    Pika). Only names a source states count (not the curators' translations); names
    and quotes are compared after NFKC and case folding.
    """
    names: dict[str, list[str]] = {
        item.record.id: [normalize(name.text).casefold() for name in item.record.names if not name.translation]
        for item in loaded
        if isinstance(item.record, Product)
    }
    problems = []
    for item in loaded:
        for path, model, _ in walk(item.record):
            if not isinstance(model, Use) or model.product not in names:
                continue  # a dangling or mistyped reference is reported by check_references
            quotes = [normalize(quote).casefold() for citation in model.cite for _, quote in citation.spans()]
            if not any(name in quote for name in names[model.product] for quote in quotes):
                problems.append(
                    Problem(
                        item.locate(*path, "cite"),
                        f"no quote of this use names product {model.product!r} "
                        f"(one of: {', '.join(repr(name) for name in names[model.product])}); "
                        "quote the words that name it, or add the name as written to the product",
                        field=".".join(str(part) for part in (*path, "cite")),
                        code="use-not-named",
                    )
                )
    return problems
