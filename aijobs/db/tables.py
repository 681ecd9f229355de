"""The SQL schema, as SQLModel table classes: the public interface of `aijobs.db`.

These classes describe the tables; Alembic migrations in `migrations/` create them
(a test asserts the two agree). Records are validated by the Pydantic models in
`aijobs.records` before any row is written, because `table=True` models do not
validate. Every column has a description here, and only here: the README's schema
reference (`aijobs.tools.docs`) and Datasette's metadata (`aijobs.db.serve`) are
generated from them. Where a column holds a record field's vocabulary, its description
lists the values from the record model's `Literal`, so the vocabulary is written once.
"""

from __future__ import annotations

from sqlmodel import Field, SQLModel

from aijobs import records as rec
from aijobs.fields import Format, Lang, one_of

# Descriptions shared by the columns that mean the same in every table they appear in.
_ROW = "row number, assigned at each build (not stable across builds)"
_RECORD = "the record id (see entity)"
_CLAIM = "the claim this row states; its citations are in citation"
_NOTE = "curators' remark; not a claim"
_DESCRIPTION = "the curators' description, in their own words"
_ZH_HANS = "preferred simplified Chinese name"
_ZH_HANT = "preferred traditional Chinese name"
_EN = "preferred English name"
_DATE = "YYYY, YYYY-MM or YYYY-MM-DD"


class Entity(SQLModel, table=True):
    """Every record id, with its type: the target of labels, claims and links."""

    id: str = Field(primary_key=True, description="the record id (file name without .yaml)")
    type: str = Field(index=True, description=one_of([model.kind_name for model in rec.RECORD_TYPES]))
    name: str = Field(description="display name: preferred English, else Chinese name, else label")
    file: str = Field(description="the curated YAML file the record comes from")


class Source(SQLModel, table=True):
    """A document of the corpus; unknown metadata is NULL or 'unknown', never guessed."""

    id: str = Field(primary_key=True, foreign_key="entity.id", description=_RECORD)
    title: str = Field(description="the document's title, as it states it")
    languages: str = Field(description=f"space-separated language tags ({one_of(Lang)}), e.g. 'en zh-Hans'")
    file: str = Field(description="file name in the corpus folder")
    format: str = Field(description=f"how the document is written, which sets its paragraphs: {one_of(Format)}")
    sha256: str = Field(description="SHA-256 of the document file, to detect changes")
    published: str = Field(description=f"{_DATE}, or 'unknown'")
    author_id: str | None = Field(
        default=None, foreign_key="entity.id", description="the person or organisation who wrote it; NULL when unknown"
    )
    publisher_id: str | None = Field(
        default=None, foreign_key="entity.id", description="who published this copy; NULL when unknown"
    )
    original_publisher_id: str | None = Field(
        default=None, foreign_key="entity.id", description="where the copy says it comes from"
    )
    description: str | None = Field(default=None, description=_DESCRIPTION)
    note: str | None = Field(default=None, description=_NOTE)


class Occupation(SQLModel, table=True):
    """An occupation or work type, new, recognised, speculative, established or displaced."""

    id: str = Field(primary_key=True, foreign_key="entity.id", description=_RECORD)
    name_zh_hans: str | None = Field(default=None, description=_ZH_HANS)
    name_zh_hant: str | None = Field(default=None, description=_ZH_HANT)
    name_en: str | None = Field(default=None, description=_EN)
    description: str | None = Field(default=None, description=_DESCRIPTION)
    note: str | None = Field(default=None, description=_NOTE)


class Person(SQLModel, table=True):
    """A person the sources name, quote or interview (anonymous ones have a label)."""

    id: str = Field(primary_key=True, foreign_key="entity.id", description=_RECORD)
    name_zh_hans: str | None = Field(default=None, description=_ZH_HANS)
    name_zh_hant: str | None = Field(default=None, description=_ZH_HANT)
    name_en: str | None = Field(default=None, description=_EN)
    anonymous: bool = Field(description="1 when the sources do not name the person")
    anonymous_label: str | None = Field(default=None, description="the curators' description of an unnamed person")
    description: str | None = Field(default=None, description=_DESCRIPTION)
    note: str | None = Field(default=None, description=_NOTE)


class Company(SQLModel, table=True):
    """Any organisation: company, government body, university, research institute, media."""

    id: str = Field(primary_key=True, foreign_key="entity.id", description=_RECORD)
    kind: str = Field(index=True, description=one_of(rec.OrganisationKind))
    name_zh_hans: str | None = Field(default=None, description=_ZH_HANS)
    name_zh_hant: str | None = Field(default=None, description=_ZH_HANT)
    name_en: str | None = Field(default=None, description=_EN)
    anonymous: bool = Field(default=False, description="1 when the sources do not name the organisation")
    anonymous_label: str | None = Field(
        default=None, description="the curators' description of an unnamed organisation"
    )
    location: str | None = Field(default=None, description="where it is, as the source states")
    part_of_id: str | None = Field(default=None, foreign_key="entity.id", description="the organisation it belongs to")
    description: str | None = Field(default=None, description=_DESCRIPTION)
    note: str | None = Field(default=None, description=_NOTE)


class Figure(SQLModel, table=True):
    """A number a source states, with its unit, approximation, period, place and producer."""

    id: str = Field(primary_key=True, foreign_key="entity.id", description=_RECORD)
    measure: str = Field(description="what is measured, in the curators' words")
    value: float | None = Field(default=None, description="the number, when it is a single value")
    lower: float | None = Field(default=None, description="lower bound, for ranges and vague amounts")
    upper: float | None = Field(default=None, description="upper bound, for ranges and vague amounts")
    unit: str = Field(index=True, description=one_of(rec.Unit))
    approx: str = Field(description=f"how exact the source is: {one_of(rec.Approximation)}")
    as_written: str = Field(description="the number exactly as the source writes it")
    period: str | None = Field(default=None, description="date or start of the period the figure refers to")
    period_end: str | None = Field(default=None, description="end of the period the figure refers to")
    place: str | None = Field(default=None, description="the place the figure refers to")
    producer_kind: str = Field(index=True, description=f"who produced the number: {one_of(rec.ProducerKind)}")
    producer_id: str | None = Field(
        default=None, foreign_key="entity.id", description="the organisation or person that produced the number"
    )
    producer_work: str | None = Field(default=None, description="report or survey title as written")
    note: str | None = Field(default=None, description=_NOTE)


class FigureAbout(SQLModel, table=True):
    """Which occupations, organisations and people a figure is about."""

    __tablename__ = "figure_about"

    figure_id: str = Field(primary_key=True, foreign_key="figure.id", description="the figure")
    entity_id: str = Field(
        primary_key=True, foreign_key="entity.id", index=True, description="an occupation, organisation or person"
    )


class Label(SQLModel, table=True):
    """Every name of every entity, in every language, preferred or alias."""

    id: int | None = Field(default=None, primary_key=True, description=_ROW)
    entity_id: str = Field(foreign_key="entity.id", index=True, description="the entity it names")
    lang: str = Field(description=one_of(Lang))
    text: str = Field(index=True, description="the name as written")
    preferred: bool = Field(description="1 for the preferred name in this language")
    translation: bool = Field(description="1 when the curators supplied the name; it is not in a source")
    misspelling: bool = Field(description="1 for a source's erroneous form")
    claim_id: int | None = Field(
        default=None, foreign_key="claim.id", description="the claim that states the name; NULL for translations"
    )


class Claim(SQLModel, table=True):
    """One statement about one subject; every claim has at least one citation."""

    id: int | None = Field(default=None, primary_key=True, description=_ROW)
    key: str = Field(unique=True, description="stable name: '<record id>:<field path>'")
    subject_id: str = Field(foreign_key="entity.id", index=True, description="the record the claim is about")
    property: str = Field(
        index=True, description="what the claim states: name, status, value, ... (the README lists them all)"
    )
    value: str = Field(description="human-readable value")
    lang: str | None = Field(default=None, description=f"the value's language ({one_of(Lang)}) when it is text")
    value_json: str = Field(description="the full statement as JSON, without citations")


class Citation(SQLModel, table=True):
    """Where a claim is stated: source, paragraph and an exact quote of at most 40 characters."""

    id: int | None = Field(default=None, primary_key=True, description=_ROW)
    claim_id: int = Field(foreign_key="claim.id", index=True, description="the claim it supports")
    source_id: str = Field(foreign_key="source.id", index=True, description="the source cited")
    paragraph: int = Field(description="paragraph number as `aijobs source` prints it; 0 is front matter")
    quote: str = Field(description="exact span of the paragraph, at most 40 characters")
    parallel_paragraph: int | None = Field(default=None, description="the other language's paragraph")
    parallel_quote: str | None = Field(default=None, description="the other language's quote")


class PersonAge(SQLModel, table=True):
    """An age a source states, with the date it was true."""

    __tablename__ = "person_age"

    id: int | None = Field(default=None, primary_key=True, description=_ROW)
    person_id: str = Field(foreign_key="person.id", index=True, description="the person")
    years: int = Field(description="age in years")
    as_of: str = Field(description="the date the age was true, or 'unknown'")
    claim_id: int = Field(foreign_key="claim.id", description=_CLAIM)


class Education(SQLModel, table=True):
    """A person's education: field, institution, degree, end date."""

    id: int | None = Field(default=None, primary_key=True, description=_ROW)
    person_id: str = Field(foreign_key="person.id", index=True, description="the person")
    field: str | None = Field(default=None, description="field of study")
    institution_id: str | None = Field(default=None, foreign_key="entity.id", description="the university or school")
    degree: str = Field(description=one_of(rec.Degree))
    until: str | None = Field(default=None, description="graduation or end date")
    claim_id: int = Field(foreign_key="claim.id", description=_CLAIM)


class Role(SQLModel, table=True):
    """A position a person held: two roles, former and current, make a career transition."""

    id: int | None = Field(default=None, primary_key=True, description=_ROW)
    person_id: str = Field(foreign_key="person.id", index=True, description="the person")
    seq: int = Field(description="order of the role in the person's record")
    occupation_id: str | None = Field(
        default=None, foreign_key="occupation.id", index=True, description="the occupation"
    )
    company_id: str | None = Field(default=None, foreign_key="company.id", index=True, description="the organisation")
    title: str | None = Field(default=None, description="the title as the source gives it")
    start: str | None = Field(default=None, description=f"start date ({_DATE})")
    end: str | None = Field(default=None, description=f"end date ({_DATE})")
    status: str = Field(description=one_of(rec.Role.model_fields["status"].annotation))
    claim_id: int = Field(foreign_key="claim.id", description=_CLAIM)


class OccupationStatus(SQLModel, table=True):
    """An occupation's standing: who recognised it and when, or that it is emerging, affected..."""

    __tablename__ = "occupation_status"

    id: int | None = Field(default=None, primary_key=True, description=_ROW)
    occupation_id: str = Field(foreign_key="occupation.id", index=True, description="the occupation")
    status: str = Field(index=True, description=one_of(rec.OccupationStatusKind))
    by_id: str | None = Field(default=None, foreign_key="entity.id", description="who recognised it")
    date: str | None = Field(default=None, description=f"when it happened ({_DATE})")
    recognised_as: str | None = Field(
        default=None,
        description=f"{one_of(rec.OccupationStatus.model_fields['recognised_as'].annotation)}, for recognised",
    )
    place: str | None = Field(default=None, description="where it applies, as the source states")
    detail: str | None = Field(default=None, description="the curators' summary of the statement")
    claim_id: int = Field(foreign_key="claim.id", description=_CLAIM)


class OccupationRelation(SQLModel, table=True):
    """A link between two occupations: evolved from, replaces, displaced by, ..."""

    __tablename__ = "occupation_relation"

    id: int | None = Field(default=None, primary_key=True, description=_ROW)
    occupation_id: str = Field(foreign_key="occupation.id", index=True, description="the occupation")
    relation: str = Field(description=f"how it relates to the other: {one_of(rec.RelationKind)}")
    other_id: str = Field(foreign_key="occupation.id", index=True, description="the related occupation")
    claim_id: int = Field(foreign_key="claim.id", description=_CLAIM)


class OccupationItem(SQLModel, table=True):
    """Tasks and tools of an occupation, in the curators' words."""

    __tablename__ = "occupation_item"

    id: int | None = Field(default=None, primary_key=True, description=_ROW)
    occupation_id: str = Field(foreign_key="occupation.id", index=True, description="the occupation")
    kind: str = Field(description="task or tool")
    text: str = Field(description="the task or tool, in the curators' words")
    claim_id: int = Field(foreign_key="claim.id", description=_CLAIM)


class SearchEntry(SQLModel, table=True):
    """Every searchable text of every entity, with its folded form.

    `search_index` is an FTS5 table (trigram tokenizer) over `text` and `folded`, kept
    in step by `aijobs build`; queries shorter than three characters scan this table.
    """

    __tablename__ = "search_entry"

    id: int | None = Field(default=None, primary_key=True, description=_ROW)
    entity_id: str = Field(foreign_key="entity.id", index=True, description="the entity the text finds")
    kind: str = Field(description="preferred, alias, misspelling, translation, label or measure")
    lang: str | None = Field(default=None, description=f"the text's language: {one_of(Lang)}")
    text: str = Field(description="the name as written")
    folded: str = Field(index=True, description="simplified script, NFKC, case-folded: what queries are matched on")


class DatasetRow(SQLModel, table=True):
    """Which version of the dataset this is: one row, written by `aijobs build`.

    Empty in a database upgraded from an older schema by `aijobs db upgrade`.
    """

    __tablename__ = "dataset"

    version: str = Field(primary_key=True, description="the aijobs package version that built the data")
    git_commit: str | None = Field(
        default=None,
        description="git commit of the curated data; NULL outside git or when curated/ has uncommitted changes",
    )
    commit_date: str | None = Field(
        default=None, description="that commit's date, UTC (YYYY-MM-DDTHH:MM:SSZ); NULL when git_commit is NULL"
    )
    schema_revision: str = Field(description="the Alembic revision of the schema (as in alembic_version)")


metadata = SQLModel.metadata
"""All tables above: what the migrations must create (see tests/test_build.py)."""
