"""Every id a record points at, with where it is and what type it must be.

Kept apart from the checks so that the database build, the checks and any future
exporter agree on what counts as a reference.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from pydantic import BaseModel

from aijobs.records import (
    Citation,
    Education,
    Figure,
    OccupationStatus,
    PartOf,
    Producer,
    Relation,
    Role,
    Source,
)

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Reference:
    path: Path
    target: str
    allowed: tuple[str, ...]  # record kinds, e.g. ("company", "person")


@cache
def _field_names(model_class: type[BaseModel]) -> tuple[str, ...]:
    return tuple(model_class.model_fields)


def walk(model: BaseModel, path: Path = ()) -> Iterator[tuple[Path, BaseModel]]:
    """Yield (field path, model) for `model` and every model nested inside it."""
    yield path, model
    for name in _field_names(type(model)):
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from walk(value, (*path, name))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from walk(item, (*path, name, index))


def references(record: BaseModel) -> Iterator[Reference]:
    for path, model in walk(record):
        yield from _direct_references(path, model)


def _direct_references(path: Path, model: BaseModel) -> Iterator[Reference]:
    if isinstance(model, Citation):
        yield Reference((*path, "source"), model.source, ("source",))
    elif isinstance(model, Role):
        if model.occupation:
            yield Reference((*path, "occupation"), model.occupation, ("occupation",))
        if model.company:
            yield Reference((*path, "company"), model.company, ("company",))
    elif isinstance(model, Education) and model.institution:
        yield Reference((*path, "institution"), model.institution, ("company",))
    elif isinstance(model, OccupationStatus) and model.by:
        yield Reference((*path, "by"), model.by, ("company",))
    elif isinstance(model, Relation):
        yield Reference((*path, "occupation"), model.occupation, ("occupation",))
    elif isinstance(model, PartOf):
        yield Reference((*path, "organisation"), model.organisation, ("company",))
    elif isinstance(model, Producer) and model.by:
        yield Reference((*path, "by"), model.by, ("company", "person"))
    elif isinstance(model, Figure):
        for index, target in enumerate(model.about):
            yield Reference((*path, "about", index), target, ("occupation", "company", "person"))
    elif isinstance(model, Source):
        for name in ("author", "publisher", "original_publisher"):
            target = getattr(model, name)
            if target and target != "unknown":
                allowed = ("person", "company") if name == "author" else ("company",)
                yield Reference((*path, name), target, allowed)
