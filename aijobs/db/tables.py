"""The SQL schema, as SQLModel table classes: the public interface of `aijobs.db`.

Each class is one table (``EntityRow`` is the ``entity`` table, ``ClaimRow`` the
``claim`` table: the ``Row`` suffix keeps them apart from the record models of
`aijobs.records`, which they are built from). A class carries everything about its
table in one place:

* the columns, each with its documentation (``Field(description=...)``), which is
  also the SQL column comment (PostgreSQL keeps it; SQLite has none), the Datasette
  column description and the README's schema table; the class docstring is the
  table's comment;
* ``rows_from``: which record, sub-model list or claim the rows are made of, and
  which columns are not the model's same-named field (see `aijobs.db.mapping`);
* ``Relationship`` attributes for reading a built database with SQLModel sessions
  (see `aijobs.db.session`): ``ClaimRow.citations``, ``FigureRow.about``,
  ``OccupationRow.statuses`` and so on.

Alembic migrations in `migrations/` create the tables (a test asserts they agree).
Records are validated by the Pydantic models before any row is written, because
``table=True`` models do not validate.

SQLModel resolves relationship annotations at class creation, so this module does not
use ``from __future__ import annotations``; forward references are quoted.
"""

from collections.abc import Callable
from typing import Any, ClassVar, Optional

from sqlmodel import Field, Relationship, SQLModel

from aijobs import records as rec
from aijobs.claims import Claim
from aijobs.db.mapping import (
    From,
    Getter,
    Item,
    called,
    constant,
    known,
    owner_key,
    per_record,
    position,
    present,
    record_file,
    stated_claim,
    this,
)
from aijobs.fields import Format, Lang, one_of
from aijobs.text import fold, pinyin_keys


class Table(SQLModel):
    """Base of every table class: the declaration of where its rows come from."""

    rows_from: ClassVar[tuple[From, ...]]


# Columns that mean the same in every table they appear in.


def _record_id() -> Any:
    return Field(primary_key=True, foreign_key="entity.id", description="the record id (file name without .yaml)")


def _row_id() -> Any:
    return Field(default=None, primary_key=True, description="row number, in build order")


def _note() -> Any:
    return Field(default=None, description="curators' remark; not a claim")


def _description() -> Any:
    return Field(default=None, description="the curators' description, in their own words")


def _name(language: str) -> Any:
    return Field(default=None, description=f"preferred {language} name")


def _claim_id() -> Any:
    return Field(foreign_key="claim.id", description="the claim this row states; its citations are in citation")


DATE_BASIS_COLUMNS: dict[str, Getter] = {"date_basis": "date_basis.kind", "date_basis_reason": "date_basis.reason"}


def _date_basis() -> Any:
    return Field(
        default="stated",
        sa_column_kwargs={"server_default": "stated"},
        description="stated (the source gives the date) or inferred (the curators derived it, e.g. from 今年/去年 "
        "and the publication date)",
    )


def _date_basis_reason() -> Any:
    return Field(default=None, description="how an inferred date was derived; NULL when stated")


def _preferred_by_lang(record: rec.NamedRecord) -> dict[str, rec.Name | None]:
    return {lang: record.preferred_name(lang) for lang in dict.fromkeys(name.lang for name in record.names)}


def _preferred_of(item: Item) -> dict[str, rec.Name | None]:
    """{language: its preferred name} of the item's record (`NamedRecord.preferred_name`), once per record."""
    found: dict[str, rec.Name | None] = per_record(item, "preferred", _preferred_by_lang)
    return found


def _preferred(lang: str) -> Callable[[Item], str | None]:
    """The record's preferred name in `lang`."""

    def text(item: Item) -> str | None:
        name = _preferred_of(item).get(lang)
        return name.text if name is not None else None

    return text


_NAMES: dict[str, Getter] = {
    "name_zh_hans": _preferred("zh-Hans"),
    "name_zh_hant": _preferred("zh-Hant"),
    "name_en": _preferred("en"),
}
_ANONYMOUS: dict[str, Getter] = {"anonymous": present("anonymous"), "anonymous_label": "anonymous.label"}


def _is_preferred(item: Item) -> bool:
    """The preferred name of its language (see `aijobs.records.NamedRecord.preferred_name`)."""
    return _preferred_of(item).get(item.model.lang) is item.model


def _search_kind(item: Item) -> str:
    """How a name is found: preferred, alias, misspelling or translation."""
    name = item.model
    if _is_preferred(item):
        return "preferred"
    return "misspelling" if name.misspelling else "translation" if name.translation else "alias"


def _folded(field: str) -> Callable[[Item], str]:
    """The model's field `field`, folded for search (see `aijobs.text.fold`)."""
    return lambda item: fold(getattr(item.model, field))


def _pinyin(field: str, part: int) -> Callable[[Item], str | None]:
    """The pinyin key (`part` 0) or initials (1) of the model's field `field`; None without Chinese."""

    def key(item: Item) -> str | None:
        keys = pinyin_keys(getattr(item.model, field))
        return None if keys is None else keys[part]

    return key


def _searched(field: str) -> dict[str, Getter]:
    """The folded form and the pinyin keys of a search entry's text, read from `field`."""
    return {"folded": _folded(field), "pinyin": _pinyin(field, 0), "initials": _pinyin(field, 1)}


def _claims_of(table: str) -> Any:
    """The claims about a record (read-only: claims are written through ClaimRow)."""
    return Relationship(
        sa_relationship_kwargs={
            "primaryjoin": f"foreign(ClaimRow.subject_id) == {table}.id",
            "viewonly": True,
            "order_by": "ClaimRow.id",
        }
    )


def _to(column: str, **kwargs: Any) -> Any:
    """A relationship through the foreign key `column` (for tables with several to one table)."""
    return Relationship(sa_relationship_kwargs={"foreign_keys": f"[{column}]"}, **kwargs)


class EntityRow(Table, table=True):
    """Every record id, with its type: the target of labels, claims and links."""

    __tablename__ = "entity"
    rows_from = (
        From(
            rec.Record,
            columns={"type": "kind_name", "name": called("display_name"), "file": record_file},
        ),
    )

    id: str = Field(primary_key=True, description="the record id (file name without .yaml)")
    type: str = Field(index=True, description=one_of([model.kind_name for model in rec.RECORD_TYPES]))
    name: str = Field(description="display name: preferred English, else Chinese name, else label")
    file: str = Field(description="the curated YAML file the record comes from")

    claims: list["ClaimRow"] = Relationship(
        back_populates="subject", sa_relationship_kwargs={"order_by": "ClaimRow.id"}
    )
    labels: list["LabelRow"] = Relationship(back_populates="entity", sa_relationship_kwargs={"order_by": "LabelRow.id"})
    figures: list["FigureRow"] = Relationship(
        back_populates="about", sa_relationship_kwargs={"secondary": "figure_about", "order_by": "FigureRow.id"}
    )


class SourceRow(Table, table=True):
    """A document of the corpus; unknown metadata is NULL or 'unknown', never guessed."""

    __tablename__ = "source"
    rows_from = (
        From(
            rec.Source,
            columns={
                "languages": lambda item: " ".join(item.model.languages),
                "author_id": known("author"),
                "publisher_id": known("publisher"),
                "original_publisher_id": "original_publisher",
                "description": "description.text",
            },
        ),
    )

    id: str = _record_id()
    title: str = Field(description="title as written in the source")
    languages: str = Field(description=f"space-separated language tags ({one_of(Lang)}), e.g. 'en zh-Hans'")
    file: str = Field(description="file name in the corpus folder")
    format: str = Field(description=f"how the document is written, which sets its paragraphs: {one_of(Format)}")
    sha256: str = Field(description="SHA-256 of the document file, to detect changes")
    published: str = Field(description="YYYY, YYYY-MM, YYYY-MM-DD, or 'unknown'")
    author_id: str | None = Field(default=None, foreign_key="entity.id", description="NULL when unknown")
    publisher_id: str | None = Field(default=None, foreign_key="entity.id", description="NULL when unknown")
    original_publisher_id: str | None = Field(
        default=None, foreign_key="entity.id", description="where the copy says it comes from"
    )
    description: str | None = _description()
    note: str | None = _note()

    author: Optional["EntityRow"] = _to("SourceRow.author_id")
    publisher: Optional["EntityRow"] = _to("SourceRow.publisher_id")
    original_publisher: Optional["EntityRow"] = _to("SourceRow.original_publisher_id")
    citations: list["CitationRow"] = Relationship(
        back_populates="source", sa_relationship_kwargs={"order_by": "CitationRow.id"}
    )
    claims: list["ClaimRow"] = _claims_of("SourceRow")


class OccupationRow(Table, table=True):
    """An occupation or work type, new, recognised, speculative, established or displaced."""

    __tablename__ = "occupation"
    rows_from = (From(rec.Occupation, columns={**_NAMES, "description": "description.text"}),)

    id: str = _record_id()
    name_zh_hans: str | None = _name("simplified Chinese")
    name_zh_hant: str | None = _name("traditional Chinese")
    name_en: str | None = _name("English")
    description: str | None = _description()
    note: str | None = _note()

    statuses: list["OccupationStatusRow"] = Relationship(
        back_populates="occupation", sa_relationship_kwargs={"order_by": "OccupationStatusRow.id"}
    )
    items: list["OccupationItemRow"] = Relationship(
        back_populates="occupation", sa_relationship_kwargs={"order_by": "OccupationItemRow.id"}
    )
    relations: list["OccupationRelationRow"] = _to("OccupationRelationRow.occupation_id", back_populates="occupation")
    roles: list["RoleRow"] = Relationship(
        back_populates="occupation", sa_relationship_kwargs={"order_by": "RoleRow.id"}
    )
    claims: list["ClaimRow"] = _claims_of("OccupationRow")


class PersonRow(Table, table=True):
    """A person the sources name, quote or interview (anonymous ones have a label)."""

    __tablename__ = "person"
    rows_from = (From(rec.Person, columns={**_NAMES, **_ANONYMOUS, "description": "description.text"}),)

    id: str = _record_id()
    name_zh_hans: str | None = _name("simplified Chinese")
    name_zh_hant: str | None = _name("traditional Chinese")
    name_en: str | None = _name("English")
    anonymous: bool = Field(description="1 when the sources do not name the person")
    anonymous_label: str | None = Field(default=None, description="the curators' description of an unnamed person")
    description: str | None = _description()
    note: str | None = _note()

    ages: list["PersonAgeRow"] = Relationship(
        back_populates="person", sa_relationship_kwargs={"order_by": "PersonAgeRow.id"}
    )
    education: list["EducationRow"] = Relationship(
        back_populates="person", sa_relationship_kwargs={"order_by": "EducationRow.id"}
    )
    roles: list["RoleRow"] = Relationship(back_populates="person", sa_relationship_kwargs={"order_by": "RoleRow.seq"})
    claims: list["ClaimRow"] = _claims_of("PersonRow")


class CompanyRow(Table, table=True):
    """Any organisation: company, government body, university, research institute, media."""

    __tablename__ = "company"
    rows_from = (
        From(
            rec.Company,
            columns={
                **_NAMES,
                **_ANONYMOUS,
                "location": "location.place",
                "part_of_id": "part_of.organisation",
                "description": "description.text",
            },
        ),
    )

    id: str = _record_id()
    kind: str = Field(index=True, description=one_of(rec.OrganisationKind))
    name_zh_hans: str | None = _name("simplified Chinese")
    name_zh_hant: str | None = _name("traditional Chinese")
    name_en: str | None = _name("English")
    anonymous: bool = Field(default=False, description="1 when the sources do not name it")
    anonymous_label: str | None = Field(default=None, description="the curators' description of something unnamed")
    location: str | None = Field(default=None, description="where it is, as the source states")
    part_of_id: str | None = Field(default=None, foreign_key="entity.id", description="the organisation it belongs to")
    description: str | None = _description()
    note: str | None = _note()

    part_of: Optional["EntityRow"] = _to("CompanyRow.part_of_id")
    roles: list["RoleRow"] = Relationship(back_populates="company", sa_relationship_kwargs={"order_by": "RoleRow.id"})
    products: list["ProductRow"] = Relationship(
        back_populates="maker", sa_relationship_kwargs={"order_by": "ProductRow.id"}
    )
    claims: list["ClaimRow"] = _claims_of("CompanyRow")


class ProductRow(Table, table=True):
    """An AI tool, model or technique the sources name (ChatGPT, Sora, Stable Diffusion, LoRA)."""

    __tablename__ = "product"
    rows_from = (From(rec.Product, columns={**_NAMES, "maker_id": "maker.company", "description": "description.text"}),)

    id: str = _record_id()
    kind: str = Field(index=True, description=one_of(rec.ProductKind))
    name_zh_hans: str | None = _name("simplified Chinese")
    name_zh_hant: str | None = _name("traditional Chinese")
    name_en: str | None = _name("English")
    maker_id: str | None = Field(
        default=None,
        foreign_key="company.id",
        index=True,
        description="the company that makes it; NULL unless a source says who",
    )
    description: str | None = _description()
    note: str | None = _note()

    maker: Optional["CompanyRow"] = Relationship(back_populates="products")
    uses: list["ProductUseRow"] = Relationship(
        back_populates="product", sa_relationship_kwargs={"order_by": "ProductUseRow.id"}
    )
    claims: list["ClaimRow"] = _claims_of("ProductRow")


class ProductUseRow(Table, table=True):
    """Which occupations and people use which products, as a source states (their `uses` lists)."""

    __tablename__ = "product_use"
    rows_from = (
        From(
            (rec.Occupation, rec.Person),
            "uses",
            parent="user_id",
            columns={"product_id": "product", "claim_id": stated_claim},
        ),
    )

    id: int | None = _row_id()
    user_id: str = Field(foreign_key="entity.id", index=True, description="the occupation or person id")
    product_id: str = Field(foreign_key="product.id", index=True, description="product id")
    claim_id: int = _claim_id()

    user: "EntityRow" = Relationship()
    product: "ProductRow" = Relationship(back_populates="uses")
    claim: "ClaimRow" = Relationship()


class FigureRow(Table, table=True):
    """A number a source states, with its unit, approximation, period, place and producer."""

    __tablename__ = "figure"
    rows_from = (
        From(
            rec.Figure,
            columns={
                "producer_kind": "producer.kind",
                "producer_id": "producer.by",
                "producer_work": "producer.work",
                "basis": "basis.kind",
                "basis_reason": "basis.reason",
            },
        ),
    )

    id: str = _record_id()
    measure: str = Field(description="what is measured, in the curators' words")
    value: float | None = Field(
        default=None,
        description="the single number the source writes: the amount (exact, about), the lower bound (over), "
        "the upper bound (under, nearly); see figure_range for low/high/point",
    )
    lower: float | None = Field(
        default=None, description="lower bound of a range or order of magnitude; NULL when the source gives none"
    )
    upper: float | None = Field(
        default=None, description="upper bound of a range or order of magnitude; NULL when the source gives none"
    )
    unit: str = Field(
        index=True,
        description=f"{one_of(rec.Unit)}; CNY and USD are amounts, <currency>-per-<period> amounts per period",
    )
    approx: str = Field(description=f"how exact the source is: {one_of(rec.Approximation)}")
    as_written: str = Field(description="the number exactly as the source writes it")
    period: str | None = Field(default=None, description="date or start of the period the figure refers to")
    period_end: str | None = Field(default=None, description="end of the period the figure refers to")
    place: str | None = Field(default=None, description="the place it refers to")
    producer_kind: str = Field(index=True, description=f"who produced the number: {one_of(rec.ProducerKind)}")
    producer_id: str | None = Field(
        default=None, foreign_key="entity.id", description="the organisation or person that produced the number"
    )
    producer_work: str | None = Field(default=None, description="report or survey title as written")
    note: str | None = _note()
    basis: str = Field(
        default="stated",
        sa_column_kwargs={"server_default": "stated"},
        description="stated (the source gives the number) or inferred (the curators derived it from the source)",
    )
    basis_reason: str | None = Field(default=None, description="how an inferred figure was derived; NULL when stated")

    about: list["EntityRow"] = Relationship(
        back_populates="figures", sa_relationship_kwargs={"secondary": "figure_about", "order_by": "EntityRow.id"}
    )
    producer: Optional["EntityRow"] = _to("FigureRow.producer_id")
    claims: list["ClaimRow"] = _claims_of("FigureRow")


class FigureAboutRow(Table, table=True):
    """Which occupations, organisations and people a figure is about."""

    __tablename__ = "figure_about"
    rows_from = (From(rec.Figure, "about", parent="figure_id", columns={"entity_id": this}, distinct=True),)

    figure_id: str = Field(primary_key=True, foreign_key="figure.id", description="figure id")
    entity_id: str = Field(primary_key=True, foreign_key="entity.id", index=True, description="id of any record")


class LabelRow(Table, table=True):
    """Every name of every entity, in every language, preferred or alias."""

    __tablename__ = "label"
    rows_from = (
        From(
            rec.NamedRecord, "names", parent="entity_id", columns={"preferred": _is_preferred, "claim_id": stated_claim}
        ),
    )

    id: int | None = _row_id()
    entity_id: str = Field(foreign_key="entity.id", index=True, description="id of any record")
    lang: str = Field(description=one_of(Lang))
    text: str = Field(index=True, description="the name as written")
    preferred: bool = Field(description="1 for the preferred name in this language")
    translation: bool = Field(description="1 when the curators supplied the name; it is not in a source")
    misspelling: bool = Field(description="1 for a source's erroneous form")
    claim_id: int | None = Field(default=None, foreign_key="claim.id", description="NULL for translations")
    derived: bool = Field(
        default=False,
        description="1 when aijobs made the name from another (zh-Hant from zh-Hans, OpenCC s2t); also translation",
    )

    entity: "EntityRow" = Relationship(back_populates="labels")
    claim: Optional["ClaimRow"] = Relationship()


class ClaimRow(Table, table=True):
    """One statement about one subject; every claim has at least one citation."""

    __tablename__ = "claim"
    rows_from = (
        From(
            Claim,
            columns={
                "id": owner_key,
                "subject_id": "subject",
                "value_json": called("value_json"),
                "rank": "rank",
                "rank_reason": "statement.rank.reason",
                "rank_scope": lambda item: item.model.scope or None,
            },
        ),
    )

    id: int | None = Field(default=None, primary_key=True, description="claim number, in build order")
    key: str = Field(unique=True, description="stable name: '<record id>:<field path>'")
    subject_id: str = Field(foreign_key="entity.id", index=True, description="the record the claim is about")
    property: str = Field(index=True, description="name, age, role, status, task, value, ...")
    value: str = Field(description="human-readable value")
    lang: str | None = Field(default=None, description=f"the value's language ({one_of(Lang)}) when it is text")
    value_json: str = Field(description="the full statement as JSON, without citations")
    rank: str = Field(
        default="normal",
        sa_column_kwargs={"server_default": "normal"},
        description=f"{one_of(rec.RankLevel)}: among the claims of one subject, property and rank_scope, "
        "readers take the preferred ones, else the normal ones (view current_claim)",
    )
    rank_reason: str | None = Field(
        default=None, description="why the curators preferred or deprecated the claim; NULL when not given"
    )
    rank_scope: str | None = Field(
        default=None,
        description="what the claim is weighed within beside its property: a name's language, a status's kind "
        "and place, an age's date; NULL when all claims of the property are weighed together",
    )

    subject: "EntityRow" = Relationship(back_populates="claims")
    citations: list["CitationRow"] = Relationship(
        back_populates="claim", sa_relationship_kwargs={"order_by": "CitationRow.id"}
    )


class CitationRow(Table, table=True):
    """Where a claim is stated: source, paragraph and an exact quote of at most 40 characters."""

    __tablename__ = "citation"
    rows_from = (
        From(
            Claim,
            "citations",
            parent="claim_id",
            columns={
                "source_id": "source",
                "paragraph": "para",
                "parallel_paragraph": "also.para",
                "parallel_quote": "also.quote",
            },
        ),
    )

    id: int | None = _row_id()
    claim_id: int = Field(foreign_key="claim.id", index=True, description="the claim this citation supports")
    source_id: str = Field(foreign_key="source.id", index=True, description="source id")
    paragraph: int = Field(description="paragraph number as `aijobs source` prints it; 0 is front matter")
    quote: str = Field(description="exact span of the paragraph, at most 40 characters")
    parallel_paragraph: int | None = Field(default=None, description="the other language's paragraph")
    parallel_quote: str | None = Field(default=None, description="the other language's quote")

    claim: "ClaimRow" = Relationship(back_populates="citations")
    source: "SourceRow" = Relationship(back_populates="citations")


class PersonAgeRow(Table, table=True):
    """An age a source states, with the date it was true."""

    __tablename__ = "person_age"
    rows_from = (
        From(rec.Person, "ages", parent="person_id", columns={"claim_id": stated_claim, **DATE_BASIS_COLUMNS}),
    )

    id: int | None = _row_id()
    person_id: str = Field(foreign_key="person.id", index=True, description="person id")
    years: int = Field(description="age in years")
    as_of: str = Field(description="the date the age was true, or 'unknown'")
    claim_id: int = _claim_id()
    date_basis: str = _date_basis()
    date_basis_reason: str | None = _date_basis_reason()

    person: "PersonRow" = Relationship(back_populates="ages")
    claim: "ClaimRow" = Relationship()


class EducationRow(Table, table=True):
    """A person's education: field, institution, degree, end date."""

    __tablename__ = "education"
    rows_from = (
        From(
            rec.Person,
            "education",
            parent="person_id",
            columns={"institution_id": "institution", "claim_id": stated_claim},
        ),
    )

    id: int | None = _row_id()
    person_id: str = Field(foreign_key="person.id", index=True, description="person id")
    field: str | None = Field(default=None, description="field of study")
    institution_id: str | None = Field(default=None, foreign_key="entity.id", description="the university or school")
    degree: str = Field(description=one_of(rec.Degree))
    until: str | None = Field(default=None, description="graduation or end date")
    claim_id: int = _claim_id()

    person: "PersonRow" = Relationship(back_populates="education")
    institution: Optional["EntityRow"] = Relationship()
    claim: "ClaimRow" = Relationship()


class RoleRow(Table, table=True):
    """A position a person held: two roles, former and current, make a career transition."""

    __tablename__ = "role"
    rows_from = (
        From(
            rec.Person,
            "roles",
            parent="person_id",
            columns={
                "seq": position,
                "occupation_id": "occupation",
                "company_id": "company",
                "claim_id": stated_claim,
                **DATE_BASIS_COLUMNS,
            },
        ),
    )

    id: int | None = _row_id()
    person_id: str = Field(foreign_key="person.id", index=True, description="person id")
    seq: int = Field(description="order of the role in the person's record")
    occupation_id: str | None = Field(
        default=None, foreign_key="occupation.id", index=True, description="occupation id"
    )
    company_id: str | None = Field(
        default=None, foreign_key="company.id", index=True, description="company (organisation) id"
    )
    title: str | None = Field(default=None, description="title as written in the source")
    start: str | None = Field(default=None, description="start date (YYYY, YYYY-MM or YYYY-MM-DD)")
    end: str | None = Field(default=None, description="end date")
    status: str = Field(description=one_of(rec.Role.model_fields["status"].annotation))
    claim_id: int = _claim_id()
    date_basis: str = _date_basis()
    date_basis_reason: str | None = _date_basis_reason()

    person: "PersonRow" = Relationship(back_populates="roles")
    occupation: Optional["OccupationRow"] = Relationship(back_populates="roles")
    company: Optional["CompanyRow"] = Relationship(back_populates="roles")
    claim: "ClaimRow" = Relationship()


class OccupationStatusRow(Table, table=True):
    """An occupation's standing: who recognised it and when, or that it is emerging, affected..."""

    __tablename__ = "occupation_status"
    rows_from = (
        From(
            rec.Occupation,
            "statuses",
            parent="occupation_id",
            columns={"by_id": "by", "claim_id": stated_claim, **DATE_BASIS_COLUMNS},
        ),
    )

    id: int | None = _row_id()
    occupation_id: str = Field(foreign_key="occupation.id", index=True, description="occupation id")
    status: str = Field(index=True, description=one_of(rec.OccupationStatusKind))
    by_id: str | None = Field(default=None, foreign_key="entity.id", description="who recognised it")
    date: str | None = Field(default=None, description="when it happened")
    recognised_as: str | None = Field(
        default=None,
        description=f"{one_of(rec.OccupationStatus.model_fields['recognised_as'].annotation)}, for recognised",
    )
    place: str | None = Field(default=None, description="the place it refers to")
    detail: str | None = Field(default=None, description="the curators' summary of the statement")
    claim_id: int = _claim_id()
    date_basis: str = _date_basis()
    date_basis_reason: str | None = _date_basis_reason()

    occupation: "OccupationRow" = Relationship(back_populates="statuses")
    by: Optional["EntityRow"] = Relationship()
    claim: "ClaimRow" = Relationship()


class OccupationRelationRow(Table, table=True):
    """A link between two occupations: evolved from, replaces, displaced by, ..."""

    __tablename__ = "occupation_relation"
    rows_from = (
        From(
            rec.Occupation,
            "related",
            parent="occupation_id",
            columns={"other_id": "occupation", "claim_id": stated_claim},
        ),
    )

    id: int | None = _row_id()
    occupation_id: str = Field(foreign_key="occupation.id", index=True, description="occupation id")
    relation: str = Field(description=f"how it relates to the other: {one_of(rec.RelationKind)}")
    other_id: str = Field(foreign_key="occupation.id", index=True, description="the related occupation")
    claim_id: int = _claim_id()

    occupation: "OccupationRow" = _to("OccupationRelationRow.occupation_id", back_populates="relations")
    other: "OccupationRow" = _to("OccupationRelationRow.other_id")
    claim: "ClaimRow" = Relationship()


class OccupationItemRow(Table, table=True):
    """Tasks and tools of an occupation, in the curators' words."""

    __tablename__ = "occupation_item"
    rows_from = (
        From(
            rec.Occupation,
            "tasks",
            parent="occupation_id",
            columns={"kind": constant("task"), "claim_id": stated_claim},
        ),
        From(
            rec.Occupation,
            "tools",
            parent="occupation_id",
            columns={"kind": constant("tool"), "claim_id": stated_claim},
        ),
    )

    id: int | None = _row_id()
    occupation_id: str = Field(foreign_key="occupation.id", index=True, description="occupation id")
    kind: str = Field(description="task or tool")
    text: str = Field(description="the text as written")
    claim_id: int = _claim_id()

    occupation: "OccupationRow" = Relationship(back_populates="items")
    claim: "ClaimRow" = Relationship()


class SearchEntryRow(Table, table=True):
    """Every searchable text of every entity (its names, labels and id), with its search keys.

    `search_index` is an FTS5 table (trigram tokenizer) over `text`, `folded`, `pinyin`
    and `initials`, kept in step by `aijobs build`; queries shorter than three characters
    scan this table. `aijobs search` (and `aijobs.db.search.search`) ranks what matches.
    """

    __tablename__ = "search_entry"
    rows_from = (
        From(
            rec.NamedRecord,
            "names",
            parent="entity_id",
            columns={"kind": _search_kind, **_searched("text")},
        ),
        From(
            (rec.Company, rec.Person),
            "anonymous",
            parent="entity_id",
            columns={"kind": constant("label"), "lang": constant("en"), "text": "label", **_searched("label")},
        ),
        From(
            rec.Figure,
            parent="entity_id",
            columns={"kind": constant("measure"), "lang": constant("en"), "text": "measure", **_searched("measure")},
        ),
        From(
            rec.Record,
            columns={
                "entity_id": "id",
                "kind": constant("id"),
                "lang": constant(None),
                "text": "id",
                **_searched("id"),
            },
        ),
    )

    id: int | None = _row_id()
    entity_id: str = Field(foreign_key="entity.id", index=True, description="id of any record")
    kind: str = Field(description="preferred, alias, misspelling, translation, label, measure or id")
    lang: str | None = Field(default=None, description=f"the text's language: {one_of(Lang)}")
    text: str = Field(description="the name as written")
    folded: str = Field(index=True, description="simplified script, NFKC, case-folded: what queries are matched on")
    pinyin: str | None = Field(
        default=None,
        index=True,
        description="the text's Chinese characters in toneless pinyin, letters and digits kept, "
        "no spaces (罗翀: luochong); NULL when it has no Chinese character",
    )
    initials: str | None = Field(
        default=None,
        index=True,
        description="the first letter of each pinyin syllable, letters and digits kept (罗翀: lc); "
        "NULL when the text has no Chinese character",
    )

    entity: "EntityRow" = Relationship()


class DatasetRow(Table, table=True):
    """Which version of the dataset this is: one row, written by `aijobs build`.

    Empty in a database upgraded from an older schema by `aijobs db upgrade`.
    """

    __tablename__ = "dataset"
    rows_from = ()  # not made of records: the build writes it (aijobs.db.dataset)

    version: str = Field(primary_key=True, description="the aijobs package version that built the data")
    git_commit: str | None = Field(
        default=None,
        description="git commit of the curated data; NULL outside git or when curated/ has uncommitted changes",
    )
    commit_date: str | None = Field(
        default=None, description="that commit's date, UTC (YYYY-MM-DDTHH:MM:SSZ); NULL when git_commit is NULL"
    )
    schema_revision: str = Field(description="the Alembic revision of the schema (as in alembic_version)")


def table_classes() -> list[type[Table]]:
    """Every table class, in the order they are defined here."""
    return Table.__subclasses__()


def _document() -> None:
    """Column descriptions and class docstrings become the SQL comments."""
    for model in table_classes():
        table = model.__table__  # type: ignore[attr-defined]
        table.comment = " ".join((model.__doc__ or "").split())
        for column in table.columns:
            column.comment = model.model_fields[column.name].description


_document()

metadata = SQLModel.metadata
"""All tables above: what the migrations must create (see tests/test_build.py)."""
