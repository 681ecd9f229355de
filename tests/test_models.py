"""The models carry their knowledge: references and claims are found by walking them.

These tests read the record classes themselves, so a new id field without `RefTo` or a
new cited model without a claim fails here, not silently in the database.
"""

from __future__ import annotations

import inspect
import json
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, ClassVar

import pytest
from pydantic import BaseModel, Field
from pydantic.fields import FieldInfo

from aijobs import load
from aijobs.claims import claims_of
from aijobs.fields import ClaimAs, RefTo, Slug, Unknown
from aijobs.kb import validate
from aijobs.provenance.corpus import Corpus
from aijobs.provenance.verify import verify
from aijobs.records import RECORD_TYPES, Citation, Cited, Record, RelationKind, Span, Statement, Strict
from aijobs.references import Reference, references
from aijobs.tools.schema import schemas
from aijobs.walk import field_specs, walk
from tests.conftest import Workspace

SLUG_MARKS = typing.get_args(Slug)[1:]


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in typing.get_args(annotation):
        yield from _models(argument)


def reachable_models() -> list[type[BaseModel]]:
    """Every model class a record can hold, records included."""
    seen: list[type[BaseModel]] = []
    pending: list[type[BaseModel]] = list(RECORD_TYPES)
    while pending:
        model = pending.pop()
        if model in seen:
            continue
        seen.append(model)
        for field in model.model_fields.values():
            pending.extend(_models(field.annotation))
    return seen


def _slug_groups(field: FieldInfo) -> Iterator[list[object]]:
    """The marks of each Slug inside a field's type (a field may hold several, e.g. in a union)."""
    if any(mark is slug_mark for mark in field.metadata for slug_mark in SLUG_MARKS):
        yield list(field.metadata)

    def inner(annotation: Any) -> Iterator[list[object]]:
        if typing.get_origin(annotation) is Annotated:
            marks = list(annotation.__metadata__)
            if any(mark is slug_mark for mark in marks for slug_mark in SLUG_MARKS):
                yield marks
        for argument in typing.get_args(annotation):
            yield from inner(argument)

    yield from inner(field.annotation)


def ids_without_ref_to(models: list[type[BaseModel]]) -> list[str]:
    missing = []
    for model in models:
        for name, field in model.model_fields.items():
            if issubclass(model, Record) and name == "id":
                continue  # the record's own id
            for marks in _slug_groups(field):
                if not any(isinstance(mark, RefTo) for mark in marks):
                    missing.append(f"{model.__name__}.{name}")
    return missing


def test_every_id_field_declares_what_it_refers_to() -> None:
    assert ids_without_ref_to(reachable_models()) == []


def test_an_id_field_without_ref_to_is_caught() -> None:
    class Careless(Strict):
        owner: Slug | None = None
        owners: list[Slug] = Field(default_factory=list)
        marked: Annotated[Slug, RefTo("company")] | Unknown = "unknown"

    assert ids_without_ref_to([Careless]) == ["Careless.owner", "Careless.owners"]


def test_the_reference_fields_are_the_known_ones() -> None:
    found = {
        f"{model.__name__}.{spec.name}": ref.kinds
        for model in reachable_models()
        for spec in field_specs(model)
        if (ref := spec.mark(RefTo)) is not None
    }
    assert found == {
        "Citation.source": ("source",),
        **{
            f"{kind}.source": ("source",) for kind in ("Company", "Figure", "Occupation", "Person", "Product", "Source")
        },
        "Role.occupation": ("occupation",),
        "Role.company": ("company",),
        "Education.institution": ("company",),
        "OccupationStatus.by": ("company",),
        "Relation.occupation": ("occupation",),
        "PartOf.organisation": ("company",),
        "Producer.by": ("company", "person"),
        "Figure.about": ("occupation", "company", "person"),
        "Source.author": ("person", "company"),
        "Source.publisher": ("company",),
        "Source.original_publisher": ("company",),
        "Maker.company": ("company",),
        "Use.product": ("product",),
    }


class Gauge(Cited):
    """A test-only cited model: found as a claim without touching aijobs.claims."""

    reading: int
    cite: list[Citation]

    claim_property: ClassVar[str | None] = "reading"

    def claim_value(self) -> tuple[str, str | None]:
        return str(self.reading), None


class Plant(Record):
    """A test-only record type with ids, a list of ids, an optional id and claims."""

    folder = "plants"
    kind_name = "plant"

    operator: Annotated[Slug, RefTo("company")] | Unknown
    sites: list[Annotated[Slug, RefTo("company", "person")]] = Field(default_factory=list)
    successor: Annotated[Slug, RefTo("plant")] | None = None
    gauges: list[Gauge] = Field(default_factory=list)
    summary: Annotated[Statement, ClaimAs("summary")] | None = None


CITE = [Citation(source="doc", para=1, quote="q", also=Span(para=2, quote="p"))]


def test_references_are_read_from_the_field_types() -> None:
    plant = Plant(
        id="plant-1",
        operator="unknown",
        sites=["acme", "someone"],
        gauges=[Gauge(reading=3, cite=CITE)],
    )
    assert list(references(plant)) == [
        Reference(("sites", 0), "acme", ("company", "person")),
        Reference(("sites", 1), "someone", ("company", "person")),
        Reference(("gauges", 0, "cite", 0, "source"), "doc", ("source",)),
    ]
    named = plant.model_copy(update={"operator": "acme", "successor": "plant-2"})
    assert [ref.path for ref in references(named)][:2] == [("operator",), ("sites", 0)]
    assert Reference(("successor",), "plant-2", ("plant",)) in list(references(named))


def test_claims_are_read_from_the_models() -> None:
    plant = Plant(
        id="plant-1",
        operator="unknown",
        gauges=[Gauge(reading=3, cite=CITE), Gauge(reading=4, cite=CITE)],
        summary=Statement(text="A plant.", cite=CITE),
    )
    claims = [(claim.key, claim.property, claim.value, claim.lang) for claim in claims_of(plant)]
    assert claims == [
        ("plant-1:gauges.0", "reading", "3", None),
        ("plant-1:gauges.1", "reading", "4", None),
        ("plant-1:summary", "summary", "A plant.", "en"),
    ]


def test_a_statement_in_an_unmarked_field_is_a_developer_error() -> None:
    class Vague(Record):
        folder = "vague"
        kind_name = "vague"
        blurb: Statement

    with pytest.raises(TypeError, match="Statement declares no claim property"):
        list(claims_of(Vague(id="v", blurb=Statement(text="t", cite=CITE))))


def undeclared_claims(models: list[type[BaseModel]]) -> list[str]:
    """Cited models (with `cite`) that do not say what claim they make, or where they are held unnamed."""
    problems = []
    for model in models:
        if "cite" not in model.model_fields:
            continue
        if not issubclass(model, Cited):
            problems.append(f"{model.__name__} is not Cited")
        elif inspect.isabstract(model):
            problems.append(f"{model.__name__} has no claim_value")
    for owner in models:
        for spec in field_specs(owner):
            for held in _models(owner.model_fields[spec.name].annotation):
                if not issubclass(held, Cited) or spec.mark(ClaimAs) is not None:
                    continue
                if held.claim_property is None and held.property_name is Cited.property_name:
                    problems.append(f"{owner.__name__}.{spec.name} holds {held.__name__}: no claim property")
    return problems


def test_every_cited_model_declares_its_claim() -> None:
    cited = sorted(model.__name__ for model in reachable_models() if "cite" in model.model_fields)
    assert cited == [
        "Age",
        "Anonymous",
        "Education",
        "Figure",
        "Location",
        "Maker",
        "Name",
        "OccupationStatus",
        "PartOf",
        "Relation",
        "Role",
        "Source",
        "Statement",
        "Use",
    ]
    assert undeclared_claims(reachable_models()) == []


def test_a_cited_model_that_declares_nothing_is_caught() -> None:
    class Loose(Strict):
        cite: list[Citation]

    class Mute(Cited):
        cite: list[Citation]

    class Holder(Strict):
        loose: Loose
        named: Annotated[Statement, ClaimAs("named")]
        unnamed: Statement

    assert undeclared_claims([Loose, Mute, Holder]) == [
        "Loose is not Cited",
        "Mute has no claim_value",
        "Holder.unnamed holds Statement: no claim property",
    ]


DOCUMENTED_PROPERTIES = {
    "name",
    "anonymous",
    "description",
    "age",
    "education",
    "role",
    "location",
    "part-of",
    "status",
    "task",
    "tool",
    "uses",
    "maker",
    "value",
    "document",
    *typing.get_args(RelationKind),
}


def test_claim_properties_are_the_documented_ones() -> None:
    properties = {claim.property for claim in load(Path("curated")).claims()}
    assert properties <= DOCUMENTED_PROPERTIES
    # No source states who makes a product yet, so no curated record has a maker claim.
    assert DOCUMENTED_PROPERTIES - properties <= {*typing.get_args(RelationKind), "maker"}


def test_walk_visits_parents_before_children_in_field_order(workspace: Workspace) -> None:
    kb = load(workspace.curated)
    person = kb.get("wang-fang")
    paths = [node.path for node in walk(person)]
    assert paths[:4] == [(), ("names", 0), ("names", 0, "cite", 0), ("names", 1)]
    assert [node.field.name if node.field else None for node in walk(person)][:2] == [None, "names"]


def test_citation_spans_main_then_parallel() -> None:
    assert CITE[0].spans() == ((1, "q"), (2, "p"))
    assert Citation(source="doc", para=3, quote="r").spans() == ((3, "r"),)


def test_schema_names_what_each_id_refers_to() -> None:
    source = json.loads(schemas()["source.schema.json"])
    (slug, unknown) = source["properties"]["author"]["anyOf"]
    assert slug["x-aijobs-ref"] == ["person", "company"]
    assert unknown == {"const": "unknown", "type": "string"}
    figure = json.loads(schemas()["figure.schema.json"])
    assert figure["properties"]["about"]["items"]["x-aijobs-ref"] == ["occupation", "company", "person"]


# --- a source's description is a cited statement like every other -------------------

DESCRIBED = (
    "publisher: unknown\ndescription:\n  text: A demo news item.\n  cite:\n    - {source: demo-news, para: 1, quote: "
)


def test_source_description_is_a_claim_checked_against_its_document(workspace: Workspace) -> None:
    workspace.replace("sources/demo-news.yaml", "publisher: unknown\n", DESCRIBED + "示例新闻}\n")
    kb = load(workspace.curated)
    (claim,) = [c for c in kb.claims_about("demo-news") if c.property == "description"]
    assert (claim.key, claim.value, claim.lang) == ("demo-news:description", "A demo news item.", "en")
    assert verify(kb, Corpus.open(kb, workspace.corpus)).problems == []

    workspace.replace("sources/demo-news.yaml", "quote: 示例新闻}\n", "quote: 不在这里}\n")
    kb = load(workspace.curated)
    assert [str(p) for p in verify(kb, Corpus.open(kb, workspace.corpus)).problems] == [
        "curated/sources/demo-news.yaml:13:7: description.cite.0: quote '不在这里' is not in demo-news "
        "paragraph 1; it occurs nowhere in the document: copy the span exactly from `aijobs source`"
    ]


def test_bare_text_description_says_how_to_cite_it(workspace: Workspace) -> None:
    workspace.replace("sources/demo-news.yaml", "publisher: unknown\n", "publisher: unknown\ndescription: A demo.\n")
    _, problems = validate(workspace.curated)
    assert [str(p) for p in problems] == [
        "curated/sources/demo-news.yaml:10:14: description: expected the text and the paragraph that supports it, "
        "as {text: ..., cite: [{source, para, quote}]}; found bare text"
    ]


# --- verify locates only what it reports ----------------------------------------------


def test_verify_reads_no_file_back_when_nothing_is_wrong(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    kb = load(workspace.curated)
    corpus = Corpus.open(kb, workspace.corpus)
    located: list[tuple[str | int, ...]] = []
    original = type(kb).locate

    def counting(self: Any, record_id: str, *where: str | int) -> Any:
        located.append((record_id, *where))
        return original(self, record_id, *where)

    monkeypatch.setattr(type(kb), "locate", counting)
    assert verify(kb, corpus).problems == []
    assert located == []

    workspace.replace("people/wang-fang.yaml", "quote: leads a team", "quote: leads the team")
    kb = load(workspace.curated)
    problems = verify(kb, Corpus.open(kb, workspace.corpus)).problems
    assert [str(p.location) for p in problems] == ["curated/people/wang-fang.yaml:21:9"]
    assert located == [("wang-fang", "roles", 0, "cite", 0)]
