"""Flattening records into claims: one statement, one subject, its citations.

A claim is any part of a record that carries ``cite``. Deriving claims from the
models (rather than listing them by hand) means a new cited field becomes a claim,
and is checked and exported, without touching this module.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from aijobs.records import (
    Age,
    Anonymous,
    Citation,
    Education,
    Figure,
    Location,
    Name,
    OccupationStatus,
    PartOf,
    Record,
    Relation,
    Role,
    Source,
    Statement,
)
from aijobs.references import Path, walk

_PROPERTY_BY_FIELD = {
    "names": "name",
    "anonymous": "anonymous",
    "description": "description",
    "ages": "age",
    "education": "education",
    "roles": "role",
    "location": "location",
    "part_of": "part-of",
    "statuses": "status",
    "tasks": "task",
    "tools": "tool",
}


@dataclass(frozen=True)
class Claim:
    """One statement about one subject, with the citations that back it."""

    subject: str
    subject_kind: str
    property: str
    value: str
    lang: str | None
    citations: tuple[Citation, ...]
    path: Path
    statement: BaseModel

    @builtins.property  # the field `property` shadows the builtin inside this class
    def key(self) -> str:
        """A stable name for the claim: '<record id>:<field path>'."""
        return f"{self.subject}:{'.'.join(str(part) for part in self.path) or 'record'}"

    def value_json(self) -> str:
        """The full statement without its citations, for structured queries."""
        return json.dumps(self.statement.model_dump(mode="json", exclude={"cite"}), ensure_ascii=False, sort_keys=True)


def _property(path: Path, statement: BaseModel) -> str:
    if isinstance(statement, Relation):
        return statement.relation
    if isinstance(statement, Figure):
        return "value"
    if isinstance(statement, Source):
        return "document"
    field = next((part for part in reversed(path) if isinstance(part, str)), "")
    return _PROPERTY_BY_FIELD.get(field, field)


def _value(statement: BaseModel) -> tuple[str, str | None]:
    """A human-readable value and its language, if it is text in one language."""
    match statement:
        case Name():
            return statement.text, statement.lang
        case Statement():
            return statement.text, "en"
        case Age():
            return str(statement.years), None
        case Anonymous():
            return statement.label, "en"
        case Role():
            parts = [statement.title, statement.occupation, statement.company]
            return " @ ".join(part for part in parts if part), None
        case Education():
            parts = [
                statement.degree if statement.degree != "unspecified" else None,
                statement.field,
                statement.institution,
            ]
            return ", ".join(part for part in parts if part), None
        case OccupationStatus():
            return statement.status, None
        case Relation():
            return statement.occupation, None
        case Location():
            return statement.place, None
        case PartOf():
            return statement.organisation, None
        case Figure():
            return statement.as_written, None
        case Source():
            return statement.title, None
    return "", None


def claims_of(record: Record) -> Iterator[Claim]:
    """Every cited statement in a record, in file order."""
    for path, model in walk(record):
        citations: Any = getattr(model, "cite", None)
        if not citations:
            continue
        value, lang = _value(model)
        yield Claim(
            subject=record.id,
            subject_kind=record.kind_name,
            property=_property(path, model),
            value=value,
            lang=lang,
            citations=tuple(citations),
            path=path,
            statement=model,
        )
