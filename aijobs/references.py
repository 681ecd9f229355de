"""Every id a record points at, with where it is and what type it must be.

Kept apart from the checks so that the database build, the checks and any future
exporter agree on what counts as a reference. What counts is declared in the field
types: an id marked ``RefTo(...)`` (see `aijobs.fields`), found by walking the record.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

from pydantic import BaseModel

from aijobs.fields import RefTo
from aijobs.walk import Node, Path, field_specs, walk


@dataclass(frozen=True)
class Reference:
    path: Path
    target: str
    allowed: tuple[str, ...]  # record kinds, e.g. ("company", "person")


@cache
def reference_fields(model_class: type[BaseModel]) -> tuple[tuple[str, RefTo, frozenset[object]], ...]:
    """(field name, its RefTo, values that are not ids such as 'unknown') for each id field of a model class."""
    found = []
    for spec in field_specs(model_class):
        ref = spec.mark(RefTo)
        if ref is not None:
            found.append((spec.name, ref, spec.literals))
    return tuple(found)


def references(record: BaseModel, nodes: Iterable[Node] | None = None) -> Iterator[Reference]:
    """Every reference in a record, in file order (a model's own ids before its children's).

    `nodes`: the record's `walk`, when the caller has it already.
    """
    for path, model, _ in walk(record) if nodes is None else nodes:
        for name, ref, not_ids in reference_fields(model.__class__):
            value = getattr(model, name)
            if isinstance(value, list):
                for index, target in enumerate(value):
                    if target not in not_ids:
                        yield Reference((*path, name, index), target, ref.kinds)
            elif value is not None and value not in not_ids:
                yield Reference((*path, name), value, ref.kinds)
