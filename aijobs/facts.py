"""What the checks across records need to know of one record, as plain, small data.

A valid record is reduced to its `RecordFacts` as soon as it is validated: its id and
type, its names with their comparison keys, the ids it points at, and the few values
the duplicate and cycle checks compare. The checks in `aijobs.checks` read only these,
so a large knowledge base is checked (and built) without holding every record in
memory, and the facts of an unchanged file can come from the cache (`aijobs.cache`)
without reading the file again.

`RecordFacts.plain()` is made of tuples, strings, numbers, booleans and None only, so it
can be stored with `marshal` and read back with `RecordFacts.from_plain`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aijobs.fields import without_hidden
from aijobs.problems import Location
from aijobs.records import Cited, Company, Figure, NamedRecord, Product, Record, Source, Use
from aijobs.references import references
from aijobs.text import fold, normalize
from aijobs.walk import Node, walk
from aijobs.walk import Path as FieldPath

NameFact = tuple[int, str, str, str, bool, bool, bool]
"""(index in `names`, lang, text, comparison key, preferred, misspelling, translation)."""
RefFact = tuple[FieldPath, str, tuple[str, ...]]
"""(field path, target id, record kinds allowed)."""
Target = tuple[str, tuple[str, ...]]
"""(target id, record kinds allowed): a reference without its place."""
FigureKey = tuple[Any, ...]
"""(source, paragraph, value, lower, upper, unit) of each citation of a figure."""
UseFact = tuple[FieldPath, str, tuple[str, ...]]
"""(field path of the use, product id, its quotes normalised and case-folded)."""


def name_key(text: str) -> str:
    """What two names must share to count as the same name: invisible characters dropped
    (a pasted Hangul filler or grapheme joiner looks identical), then folded (script,
    width, case) with hyphens and runs of spaces as one space."""
    return " ".join(fold(without_hidden(text)).replace("-", " ").split())


@dataclass(slots=True)
class RecordFacts:
    """One record as the checks across records see it, and where its file is."""

    id: str
    kind: str
    names: tuple[NameFact, ...]
    refs: tuple[Target, ...]
    """Each distinct (target, kinds allowed) the record points at; where each is written is
    found again (`all_refs`) only for a reference with a problem, which keeps facts small."""
    figure_keys: tuple[FigureKey, ...]
    part_of: str | None
    source_file: str | None
    uses: tuple[UseFact, ...]
    product_names: tuple[str, ...]
    """A product's names as sources state them (not translations), `normalize`d and case-folded."""
    claims: int
    """How many claims the record makes."""
    file: str
    """The record file's path (a string: smaller than a `Path`, and many are held; see `path`)."""
    shown_as: str

    @property
    def path(self) -> Path:
        return Path(self.file)

    def locate(self, *where: str | int) -> Location:
        """Where a field is written: the file is read again, only when a problem needs it."""
        from aijobs.yamlfile import locate_in

        return locate_in(self.file, self.shown_as, where)

    def all_refs(self) -> list[RefFact]:
        """Every reference with its field path, in file order: the file is read and validated again.

        Only asked for a record with a reference problem. If the file can no longer be
        read as it was, each target is placed at the file itself.
        """
        from pydantic import ValidationError

        from aijobs.records import TYPE_BY_KIND
        from aijobs.yamlfile import YamlError, read_yaml

        try:
            data = read_yaml(self.path, self.shown_as, positions=False).data
            record = TYPE_BY_KIND[self.kind].model_validate(data)
        except (OSError, YamlError, ValidationError, KeyError):
            return [((), target, allowed) for target, allowed in self.refs]
        return [(ref.path, ref.target, ref.allowed) for ref in references(record)]

    def plain(self) -> tuple[Any, ...]:
        """Everything but the file's place, as builtin values (for the cache)."""
        return (
            self.id,
            self.kind,
            self.names,
            self.refs,
            self.figure_keys,
            self.part_of,
            self.source_file,
            self.uses,
            self.product_names,
            self.claims,
        )

    @classmethod
    def from_plain(
        cls, plain: tuple[Any, ...], path: Path | str, shown_as: str, shared: dict[Any, Any] | None = None
    ) -> RecordFacts:
        """The facts `plain` made. With `shared` (one dict for a whole run), values many records
        hold alike (their type, each (target, kinds) they point at) are kept once, not once per record."""
        facts = cls(*plain, os.fspath(path), shown_as)  # type: ignore[call-arg]
        if shared is not None:
            facts.kind = shared.setdefault(facts.kind, facts.kind)
            facts.refs = tuple([shared.setdefault(ref, ref) for ref in facts.refs])
        return facts


def facts_of(record: Record, path: Path | str, shown_as: str, nodes: list[Node] | None = None) -> RecordFacts:
    """Reduce a valid record to what the checks across records compare (`nodes`: its `walk`, if known)."""
    names: tuple[NameFact, ...] = ()
    product_names: tuple[str, ...] = ()
    if isinstance(record, NamedRecord):
        preferred = record.preferred_names()
        names = tuple(
            (
                index,
                name.lang,
                name.text,
                name_key(name.text),
                preferred.get(name.lang) == name.text,
                name.misspelling,
                name.translation,
            )
            for index, name in enumerate(record.names)
        )
        if isinstance(record, Product):
            product_names = tuple(normalize(name.text).casefold() for name in record.names if not name.translation)
    figure_keys: tuple[FigureKey, ...] = ()
    if isinstance(record, Figure):
        figure_keys = tuple(
            (citation.source, citation.para, record.value, record.lower, record.upper, record.unit)
            for citation in record.cite
        )
    nodes = list(walk(record)) if nodes is None else nodes
    uses = tuple(
        (path_, model.product, tuple(normalize(quote).casefold() for c in model.cite for _, quote in c.spans()))
        for path_, model, _ in nodes
        if isinstance(model, Use)
    )
    claims = sum(1 for _, model, _ in nodes if isinstance(model, Cited) and getattr(model, "cite", None))
    return RecordFacts(
        id=record.id,
        kind=record.kind_name,
        names=names,
        refs=tuple(dict.fromkeys((ref.target, ref.allowed) for ref in references(record, nodes))),
        figure_keys=figure_keys,
        part_of=record.part_of.organisation if isinstance(record, Company) and record.part_of is not None else None,
        source_file=record.file if isinstance(record, Source) else None,
        uses=uses,
        product_names=product_names,
        claims=claims,
        file=os.fspath(path),
        shown_as=shown_as,
    )
