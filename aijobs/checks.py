"""Checks that need more than one record: ids, references, likely duplicates.

All checks run in time linear in the number of records (dictionaries, no pairwise
comparisons), so they stay cheap as the knowledge base grows.
"""

from __future__ import annotations

import unicodedata

from aijobs.fields import without_hidden
from aijobs.loader import LoadedRecord
from aijobs.problems import Problem
from aijobs.records import TYPE_BY_KIND, Company, NamedRecord, Product, Use
from aijobs.references import references
from aijobs.text import normalize
from aijobs.walk import walk


def check_records(loaded: list[LoadedRecord], unloadable: set[str] | frozenset[str] = frozenset()) -> list[Problem]:
    """Cross-record problems; references to `unloadable` ids (already reported) are not repeated."""
    problems: list[Problem] = []
    problems += check_unique_ids(loaded)
    kinds: dict[str, str] = {}
    for item in loaded:  # the first record with an id wins; duplicates are reported above
        kinds.setdefault(item.record.id, item.record.kind_name)
    problems += check_references(loaded, kinds, unloadable)
    problems += check_duplicate_names(loaded)
    problems += check_part_of_cycles(loaded)
    problems += check_source_files(loaded)
    problems += check_uses_name_products(loaded)
    return problems


def check_unique_ids(loaded: list[LoadedRecord]) -> list[Problem]:
    """Ids are global: a citation or reference names an id without its type."""
    first: dict[str, LoadedRecord] = {}
    problems = []
    for item in loaded:
        other = first.setdefault(item.record.id, item)
        if other is not item:
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


def check_references(
    loaded: list[LoadedRecord], kinds: dict[str, str], unloadable: set[str] | frozenset[str] = frozenset()
) -> list[Problem]:
    problems = []
    for item in loaded:
        for ref in references(item.record):
            if ref.target in unloadable and ref.target not in kinds:
                continue
            field = ".".join(str(part) for part in ref.path)
            wanted = " or ".join(ref.allowed)
            found = kinds.get(ref.target)
            if found is None:
                problems.append(
                    Problem(
                        item.locate(*ref.path),
                        f"points to {ref.target!r}, but no {wanted} has that id; "
                        f"create curated/{_folder(ref.allowed[0])}/{ref.target}.yaml or fix the id",
                        field=field,
                        code="dangling-reference",
                    )
                )
            elif found not in ref.allowed:
                problems.append(
                    Problem(
                        item.locate(*ref.path),
                        f"points to {ref.target!r}, which is a {found}; expected a {wanted}",
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


def _folder(kind: str) -> str:
    return TYPE_BY_KIND[kind].folder


def check_duplicate_names(loaded: list[LoadedRecord]) -> list[Problem]:
    """Two records of one type with the same preferred name are probably one thing twice."""
    seen: dict[tuple[str, str, str], LoadedRecord] = {}
    problems = []
    for item in loaded:
        record = item.record
        if not isinstance(record, NamedRecord):
            continue
        preferred = record.preferred_names()
        for index, name in enumerate(record.names):
            if preferred.get(name.lang) != name.text or name.misspelling:
                continue
            key = (record.kind_name, name.lang, name_key(name.text))
            other = seen.setdefault(key, item)
            if other is not item:
                problems.append(
                    Problem(
                        item.locate("names", index, "text"),
                        f"{record.kind_name}s {other.record.id!r} and {record.id!r} share the preferred "
                        f"{name.lang} name {name.text!r}; merge them or make the names distinct",
                        field=f"names.{index}.text",
                        code="duplicate-name",
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
