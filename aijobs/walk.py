"""Walking a record's models, and reading what their field types declare.

References (`aijobs.references`) and claims (`aijobs.claims`) are both found by walking
a record's nested models and reading marks from the field types (`RefTo`, `ClaimAs`),
so neither keeps a list of record classes: a new field is found where it is declared.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple, TypeVar

from pydantic import BaseModel
from pydantic.fields import FieldInfo

Path = tuple[str | int, ...]
"""Where a value is inside a record: field names and list indexes, as in the YAML."""

M = TypeVar("M")


@dataclass(frozen=True)
class FieldSpec:
    """One field of a model, with the marks its type carries."""

    name: str
    marks: tuple[object, ...]
    literals: frozenset[object]
    """Values the type admits as literals (e.g. 'unknown' beside an id)."""

    def mark(self, kind: type[M]) -> M | None:
        """The first mark of this kind on the field, or None."""
        return next((mark for mark in self.marks if isinstance(mark, kind)), None)


def _annotation_parts(annotation: object) -> Iterator[tuple[str, object]]:
    """('mark', metadata) and ('literal', value) found anywhere inside a type annotation."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner, *metadata = typing.get_args(annotation)
        for item in metadata:
            yield "mark", item
        yield from _annotation_parts(inner)
    elif origin is typing.Literal:
        for value in typing.get_args(annotation):
            yield "literal", value
    else:
        for argument in typing.get_args(annotation):
            yield from _annotation_parts(argument)


def _spec(name: str, field: FieldInfo) -> FieldSpec:
    parts = list(_annotation_parts(field.annotation))
    marks = (*field.metadata, *(item for kind, item in parts if kind == "mark"))
    return FieldSpec(name, marks, frozenset(item for kind, item in parts if kind == "literal"))


@cache
def field_specs(model_class: type[BaseModel]) -> tuple[FieldSpec, ...]:
    """The fields of a model class in declaration order, read once per class."""
    return tuple(_spec(name, field) for name, field in model_class.model_fields.items())


class Node(NamedTuple):
    """A model met on the walk: where it is, the model, and the field of its parent that holds it."""

    path: Path
    model: BaseModel
    field: FieldSpec | None  # None for the model the walk started from


def _holds_models(annotation: object) -> bool:
    """Whether a value of this type can be, or contain, a model (through lists, unions, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_holds_models(argument) for argument in typing.get_args(annotation))


@cache
def nesting_fields(model_class: type[BaseModel]) -> tuple[FieldSpec, ...]:
    """The fields of a model class whose values can hold models: the only ones a walk descends into."""
    fields = model_class.model_fields
    return tuple(spec for spec in field_specs(model_class) if _holds_models(fields[spec.name].annotation))


def walk(model: BaseModel, path: Path = (), field: FieldSpec | None = None) -> Iterator[Node]:
    """Yield `model` and every model nested inside it, parents before children, in field order."""
    found: list[Node] = []
    _collect(model, path, field, found)
    return iter(found)


def _collect(model: BaseModel, path: Path, field: FieldSpec | None, found: list[Node]) -> None:
    found.append(Node(path, model, field))
    for spec in nesting_fields(model.__class__):
        value = getattr(model, spec.name)
        if isinstance(value, BaseModel):
            _collect(value, (*path, spec.name), spec, found)
        elif isinstance(value, list):
            name = spec.name
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    _collect(item, (*path, name, index), spec, found)
