"""Flattening records into claims: one statement, one subject, its citations.

A claim is any part of a record that carries ``cite``: a `Cited` model, which declares
its property and value (`aijobs.records.Cited`). Deriving claims from the models
(rather than listing them by hand) means a new cited field becomes a claim, and is
checked and exported, without touching this module.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from aijobs.fields import ClaimAs
from aijobs.records import Citation, Cited, Record
from aijobs.walk import FieldSpec, Node, Path, walk


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
    statement: Cited

    @builtins.property  # the field `property` shadows the builtin inside this class
    def key(self) -> str:
        """A stable name for the claim: '<record id>:<field path>'."""
        return f"{self.subject}:{'.'.join(str(part) for part in self.path) or 'record'}"

    @builtins.property
    def rank(self) -> str:
        """preferred, normal or deprecated (see `aijobs.records.Rank`)."""
        return self.statement.rank_level()

    @builtins.property
    def scope(self) -> str:
        """What the claim is weighed within, beside its subject and property (`Cited.rank_scope`)."""
        return self.statement.rank_scope()

    def value_json(self) -> str:
        """The full statement without its citations, for structured queries.

        A statement inside it (a source's description) is a claim of its own; it is kept
        here without its citations too.
        """
        data = self.statement.model_dump(mode="json", exclude=_NOT_IN_VALUE)
        if any(isinstance(value, dict | list) for value in data.values()):  # only then can one hold citations
            data = _without_citations(data)
        return json.dumps(data, ensure_ascii=False, sort_keys=True)


_NOT_IN_VALUE: set[str] = {"cite", "rank"}
"""What a statement's value leaves out, at every depth: its citations and its rank (never changed)."""


def _without_citations(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_citations(item) for key, item in value.items() if key not in _NOT_IN_VALUE}
    if isinstance(value, list):
        return [_without_citations(item) for item in value]
    return value


def _property(statement: Cited, field: FieldSpec | None) -> str:
    """The field's `ClaimAs` if it has one, else what the model declares."""
    claim_as = field.mark(ClaimAs) if field is not None else None
    name = claim_as.property if claim_as is not None else statement.property_name()
    if not name:
        raise TypeError(
            f"{type(statement).__name__} declares no claim property: set claim_property, "
            "or mark the field that holds it with ClaimAs"
        )
    return name


def claims_of(record: Record, nodes: Iterable[Node] | None = None) -> Iterator[Claim]:
    """Every cited statement in a record, in file order (`nodes`: its `walk`, if known)."""
    for path, model, field in walk(record) if nodes is None else nodes:
        if not isinstance(model, Cited):
            continue
        citations: list[Citation] = getattr(model, "cite", [])
        if not citations:
            continue  # a name the curators translated: their own, not a claim
        value, lang = model.claim_value()
        yield Claim(
            subject=record.id,
            subject_kind=record.kind_name,
            property=_property(model, field),
            value=value,
            lang=lang,
            citations=tuple(citations),
            path=path,
            statement=model,
        )
