"""Checks that need more than one record: ids, references, likely duplicates.

All checks run in time linear in the number of records (dictionaries, no pairwise
comparisons), so they stay cheap as the knowledge base grows.

A duplicate is always reported on the newer of the two files (the one git's HEAD does
not hold yet, else the later path), so a pull request's annotations land on its own lines.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from aijobs.facts import RecordFacts, RefFact, name_key
from aijobs.problems import Problem
from aijobs.records import TYPE_BY_KIND
from aijobs.suggest import closest, with_article
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


def oldest_first(items: Iterable[RecordFacts]) -> list[RecordFacts]:
    """Files in git's HEAD before new ones, then in path order: the first is the original."""
    return sorted(items, key=lambda item: (not in_git_head(item.path), item.shown_as))


class NameLookup(Protocol):
    """Finds the record an unknown id was meant to be: by one of its names, or by a similar id."""

    def named(self, wanted: str, kinds: Iterable[str]) -> tuple[str, str] | None: ...

    def similar_id(self, wanted: str, kinds: Iterable[str]) -> str | None: ...


@dataclass
class Context:
    """What checking some records needs to know of every record: all of them are usually
    the records checked, but `aijobs.incremental` checks only those an edit can change."""

    kinds: Mapping[str, str]
    """The type of the (first) record with each id: at least every id the records checked point at."""
    names: NameLookup
    products: Mapping[str, tuple[str, ...]]
    """Each product's names as `RecordFacts.product_names`: at least every product the records checked use."""

    @classmethod
    def of(cls, loaded: list[RecordFacts]) -> Context:
        """The context of `loaded` when they are every record."""
        kinds: dict[str, str] = {}
        for item in loaded:  # the first record with an id wins; duplicates are reported by check_unique_ids
            kinds.setdefault(item.id, item.kind)
        products = {item.id: item.product_names for item in loaded if item.kind == "product"}
        return cls(kinds, NameIndex(loaded), products)


def check_records(
    loaded: list[RecordFacts],
    unloadable: set[str] | frozenset[str] = frozenset(),
    context: Context | None = None,
    cycles: bool = True,
) -> list[Problem]:
    """Cross-record problems; references to `unloadable` ids (already reported) are not repeated.

    `context` (default: made of `loaded`) tells what the records point at; `cycles=False`
    leaves out the `part_of` cycles, which `aijobs.incremental` checks over every record.
    """
    context = Context.of(loaded) if context is None else context
    problems: list[Problem] = []
    problems += check_unique_ids(loaded)
    problems += check_references(loaded, context.kinds, unloadable, context.names)
    problems += check_duplicate_names(loaded)
    problems += check_duplicate_figures(loaded)
    if cycles:
        problems += check_part_of_cycles(loaded)
    problems += check_source_files(loaded)
    problems += check_uses_name_products(loaded, context.products)
    return problems


def check_unique_ids(loaded: list[RecordFacts]) -> list[Problem]:
    """Ids are global: a citation or reference names an id without its type."""
    first: dict[str, RecordFacts] = {}
    groups: dict[str, list[RecordFacts]] = {}  # only the ids used more than once
    for item in loaded:
        found = first.setdefault(item.id, item)
        if found is not item:
            groups.setdefault(item.id, [found]).append(item)
    del first
    problems = []
    for group in groups.values():
        other, *newer = oldest_first(group)
        for item in newer:
            problems.append(
                Problem(
                    item.locate("id"),
                    f"id {item.id!r} is already used by the {other.kind} at "
                    f"{other.locate('id')}; ids must be unique across all record types",
                    field="id",
                    code="duplicate-id",
                )
            )
    return problems


class NameIndex:
    """Every id, name and alias, folded, so an unknown id can be matched to a record.

    Made on first use: most runs have no unknown id, and over a large knowledge base the
    index is as large as all the names.
    """

    def __init__(self, loaded: Iterable[RecordFacts]) -> None:
        self.loaded = loaded
        self._by_key: dict[str, tuple[str, str, str]] | None = None  # folded -> (id, kind, name)
        self._ids: dict[str, str] | None = None

    @property
    def by_key(self) -> dict[str, tuple[str, str, str]]:
        if self._by_key is None:
            self._by_key = {}
            for item in self.loaded:
                for _, _, text, key, *_ in item.names:
                    self._by_key.setdefault(key, (item.id, item.kind, text))
        return self._by_key

    @property
    def ids(self) -> dict[str, str]:
        if self._ids is None:
            self._ids = {}
            for item in self.loaded:
                self._ids.setdefault(item.id, item.kind)
        return self._ids

    def named(self, wanted: str, kinds: Iterable[str]) -> tuple[str, str] | None:
        """(id, name) of a record of one of `kinds` that has `wanted` (an id) as a name or alias."""
        found = self.by_key.get(name_key(wanted.replace("-", " ")))
        if found is not None and found[1] in kinds and found[0] != wanted:
            return found[0], found[2]
        return None

    def similar_id(self, wanted: str, kinds: Iterable[str]) -> str | None:
        allowed = set(kinds)
        return closest(wanted, [rid for rid, kind in self.ids.items() if kind in allowed])


def check_references(
    loaded: list[RecordFacts],
    kinds: Mapping[str, str],
    unloadable: set[str] | frozenset[str] = frozenset(),
    names: NameLookup | None = None,
) -> list[Problem]:
    index = names or NameIndex(loaded)
    problems = []
    for item in loaded:
        bad = {
            (target, allowed)
            for target, allowed in item.refs
            if not (kinds.get(target) in allowed and target != item.id)  # the common case, first
            and not (target in unloadable and target not in kinds)
        }
        if not bad:
            continue
        refs = item.all_refs()
        inherited = citations_taking_a_wrong_default(item, kinds, refs)
        for ref_path, target, allowed in refs:
            if (target, allowed) not in bad:
                continue
            found = kinds.get(target)
            if found in allowed and target != item.id:
                continue
            if ref_path[:-1] in inherited:
                continue  # reported once, at the record's `source:`
            field = ".".join(str(part) for part in ref_path)
            wanted = " or ".join(allowed)
            relying = ""
            if ref_path == ("source",) and inherited:
                relying = f" ({_citations(len(inherited))} naming no source take it)"
            if found is None:
                named = index.named(target, allowed)
                similar = None if named else index.similar_id(target, allowed)
                if named is not None:
                    fix = f"did you mean {named[0]!r} (named {named[1]!r})?"
                elif similar is not None:
                    fix = f"did you mean {similar!r}? If not, create curated/{_folder(allowed[0])}/{target}.yaml"
                else:
                    fix = f"create curated/{_folder(allowed[0])}/{target}.yaml or fix the id"
                problems.append(
                    Problem(
                        item.locate(*ref_path),
                        f"points to {target!r}, but no {wanted} has that id{relying}; {fix}",
                        field=field,
                        code="dangling-reference",
                    )
                )
            elif found not in allowed:
                problems.append(
                    Problem(
                        item.locate(*ref_path),
                        f"points to {target!r}, which is {with_article(found)}{relying}; "
                        f"expected {with_article(wanted)}",
                        field=field,
                        code="wrong-reference-type",
                    )
                )
            elif allowed != ("source",):
                problems.append(
                    Problem(
                        item.locate(*ref_path), "a record cannot refer to itself", field=field, code="self-reference"
                    )
                )
    return problems


def citations_taking_a_wrong_default(
    item: RecordFacts, kinds: Mapping[str, str], refs: list[RefFact]
) -> frozenset[tuple[str | int, ...]]:
    """The citations (their paths) that take their source from the record's `source:` when
    that default is no source: its one problem, at `source:`, stands for theirs.

    A citation that names the wrong source itself keeps its own problem. Only then is
    the file read again (a loaded citation always carries its source), to tell the two apart.
    """
    default = next((target for path, target, _ in refs if path == ("source",)), None)
    if default is None or kinds.get(default) == "source":
        return frozenset()
    try:
        data = read_yaml(item.path, item.shown_as).data
    except (OSError, YamlError):
        return frozenset()
    inherited = set()
    for path, target, _ in refs:
        if len(path) < 2 or path[-1] != "source" or target != default:
            continue
        written: Any = data
        for part in path[:-1]:
            if isinstance(part, str) and isinstance(written, dict):
                written = written.get(part)
            elif isinstance(part, int) and isinstance(written, list) and part < len(written):
                written = written[part]
            else:
                written = None
                break
        if isinstance(written, dict) and "source" not in written:
            inherited.add(path[:-1])
    return frozenset(inherited)


def _citations(count: int) -> str:
    return "1 citation" if count == 1 else f"{count} citations"


def _folder(kind: str) -> str:
    return TYPE_BY_KIND[kind].folder


def check_duplicate_names(loaded: list[RecordFacts]) -> list[Problem]:
    """Two records of one type with the same preferred name (folded: script, width, case)."""
    # First only which (type, name) more than one record holds; then the details of those alone.
    holder: dict[tuple[str, str], str] = {}
    shared: set[tuple[str, str]] = set()
    for item in loaded:
        for _, _, _, key, preferred, misspelling, _ in item.names:
            if preferred and not misspelling and holder.setdefault((item.kind, key), item.id) != item.id:
                shared.add((item.kind, key))
    del holder
    groups: dict[tuple[str, str], dict[str, list[tuple[RecordFacts, int, str, str]]]] = {}
    for item in loaded if shared else ():
        for index, lang, text, key, preferred, misspelling, _ in item.names:
            if preferred and not misspelling and (item.kind, key) in shared:
                groups.setdefault((item.kind, key), {}).setdefault(item.id, []).append((item, index, lang, text))
    problems = []
    for by_record in groups.values():
        firsts = {entries[0][0].id: entries[0][0] for entries in by_record.values()}
        original, *newer = oldest_first(firsts.values())
        for item in newer:
            for _, index, lang, text in by_record[item.id]:
                problems.append(
                    Problem(
                        item.locate("names", index, "text"),
                        f"the preferred {lang} name {text!r} is already a preferred name of "
                        f"{item.kind} {original.id!r} ({original.shown_as}); "
                        "merge the two records or make the names distinct",
                        field=f"names.{index}.text",
                        code="duplicate-name",
                    )
                )
    return problems


def check_duplicate_figures(loaded: list[RecordFacts]) -> list[Problem]:
    """Two figures citing the same paragraph for the same value and unit are one figure twice."""
    groups: dict[tuple[object, ...], list[RecordFacts]] = {}
    for item in loaded:
        for key in item.figure_keys:
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
            if (item.id, original.id) in reported:
                continue
            reported.add((item.id, original.id))
            problems.append(
                Problem(
                    item.locate("id"),
                    f"figure {original.id!r} ({original.shown_as}) already records this number: same "
                    f"source ({source} paragraph {para}), value and unit; keep one figure (add what this one "
                    "says to it) or fix the value",
                    field="id",
                    code="duplicate-figure",
                )
            )
    return problems


def check_part_of_cycles(loaded: list[RecordFacts]) -> list[Problem]:
    parent = {item.id: item.part_of for item in loaded if item.part_of is not None}
    by_id = {item.id: item for item in loaded}
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


def check_source_files(loaded: list[RecordFacts]) -> list[Problem]:
    owners: dict[str, RecordFacts] = {}
    problems = []
    for item in loaded:
        file = item.source_file
        if file is None:
            continue
        other = owners.setdefault(file, item)
        if other is not item:
            problems.append(
                Problem(
                    item.locate("file"),
                    f"file {file!r} is already described by source {other.id!r}",
                    field="file",
                    code="duplicate-source",
                )
            )
    return problems


def check_uses_name_products(
    loaded: list[RecordFacts], products: Mapping[str, tuple[str, ...]] | None = None
) -> list[Problem]:
    """A `uses` link quotes the product's name: its quotes contain one of the product's names.

    This keeps a link from pointing at the wrong product (`sora` where the source says
    Pika). Only names a source states count (not the curators' translations); names
    and quotes are compared after NFKC and case folding.
    """
    names = products if products is not None else Context.of(loaded).products
    problems = []
    for item in loaded:
        for path, product, quotes in item.uses:
            if product not in names:
                continue  # a dangling or mistyped reference is reported by check_references
            if not any(name in quote for name in names[product] for quote in quotes):
                problems.append(
                    Problem(
                        item.locate(*path, "cite"),
                        f"no quote of this use names product {product!r} "
                        f"(one of: {', '.join(repr(name) for name in names[product])}); "
                        "quote the words that name it, or add the name as written to the product",
                        field=".".join(str(part) for part in (*path, "cite")),
                        code="use-not-named",
                    )
                )
    return problems
