"""The SQL schema, as SQLModel table classes: the public interface of `aijobs.db`.

These classes describe the tables; Alembic migrations in `migrations/` create them
(a test asserts the two agree). Records are validated by the Pydantic models in
`aijobs.records` before any row is written, because `table=True` models do not
validate. Column comments here become the documentation in the README and Datasette.
"""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class Entity(SQLModel, table=True):
    """Every record id, with its type: the target of labels, claims and links."""

    id: str = Field(primary_key=True, description="the record id (file name without .yaml)")
    type: str = Field(index=True, description="source, occupation, person, company or figure")
    name: str = Field(description="display name: preferred English, else Chinese name, else label")
    file: str = Field(description="the curated YAML file the record comes from")


class Source(SQLModel, table=True):
    """A document of the corpus; unknown metadata is NULL or 'unknown', never guessed."""

    id: str = Field(primary_key=True, foreign_key="entity.id")
    title: str
    languages: str = Field(description="space-separated language tags, e.g. 'en zh-Hans'")
    file: str = Field(description="file name in the corpus folder")
    format: str = Field(description="text, markdown or html")
    sha256: str
    published: str = Field(description="YYYY, YYYY-MM, YYYY-MM-DD, or 'unknown'")
    author_id: str | None = Field(default=None, foreign_key="entity.id", description="NULL when unknown")
    publisher_id: str | None = Field(default=None, foreign_key="entity.id", description="NULL when unknown")
    original_publisher_id: str | None = Field(default=None, foreign_key="entity.id")
    description: str | None = None
    note: str | None = None


class Occupation(SQLModel, table=True):
    """An occupation or work type, new, recognised, speculative, established or displaced."""

    id: str = Field(primary_key=True, foreign_key="entity.id")
    name_zh_hans: str | None = Field(default=None, description="preferred simplified Chinese name")
    name_zh_hant: str | None = Field(default=None, description="preferred traditional Chinese name")
    name_en: str | None = Field(default=None, description="preferred English name")
    description: str | None = None
    note: str | None = None


class Person(SQLModel, table=True):
    """A person the sources name, quote or interview (anonymous ones have a label)."""

    id: str = Field(primary_key=True, foreign_key="entity.id")
    name_zh_hans: str | None = None
    name_zh_hant: str | None = None
    name_en: str | None = None
    anonymous: bool = Field(description="1 when the sources do not name the person")
    anonymous_label: str | None = Field(default=None, description="the curators' description of an unnamed person")
    description: str | None = None
    note: str | None = None


class Company(SQLModel, table=True):
    """Any organisation: company, government body, university, research institute, media."""

    id: str = Field(primary_key=True, foreign_key="entity.id")
    kind: str = Field(index=True, description="company, government, university, research-institute, publisher, ...")
    name_zh_hans: str | None = None
    name_zh_hant: str | None = None
    name_en: str | None = None
    anonymous: bool = False
    anonymous_label: str | None = None
    location: str | None = None
    part_of_id: str | None = Field(default=None, foreign_key="entity.id")
    description: str | None = None
    note: str | None = None


class Figure(SQLModel, table=True):
    """A number a source states, with its unit, approximation, period, place and producer."""

    id: str = Field(primary_key=True, foreign_key="entity.id")
    measure: str = Field(description="what is measured, in the curators' words")
    value: float | None = None
    lower: float | None = None
    upper: float | None = None
    unit: str = Field(index=True, description="people, count, CNY, CNY-per-year, USD, percent, ...")
    approx: str = Field(description="exact, about, over, nearly, under, range, order-of-magnitude")
    as_written: str = Field(description="the number exactly as the source writes it")
    period: str | None = Field(default=None, description="date or start of the period the figure refers to")
    period_end: str | None = None
    place: str | None = None
    producer_kind: str = Field(index=True, description="official, survey, industry-estimate, company, expert, ...")
    producer_id: str | None = Field(default=None, foreign_key="entity.id")
    producer_work: str | None = Field(default=None, description="report or survey title as written")
    note: str | None = None


class FigureAbout(SQLModel, table=True):
    """Which occupations, organisations and people a figure is about."""

    __tablename__ = "figure_about"

    figure_id: str = Field(primary_key=True, foreign_key="figure.id")
    entity_id: str = Field(primary_key=True, foreign_key="entity.id", index=True)


class Label(SQLModel, table=True):
    """Every name of every entity, in every language, preferred or alias."""

    id: int | None = Field(default=None, primary_key=True)
    entity_id: str = Field(foreign_key="entity.id", index=True)
    lang: str = Field(description="zh-Hans, zh-Hant or en")
    text: str = Field(index=True)
    preferred: bool = Field(description="1 for the preferred name in this language")
    translation: bool = Field(description="1 when the curators supplied the name; it is not in a source")
    misspelling: bool = Field(description="1 for a source's erroneous form")
    claim_id: int | None = Field(default=None, foreign_key="claim.id", description="NULL for translations")


class Claim(SQLModel, table=True):
    """One statement about one subject; every claim has at least one citation."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, description="stable name: '<record id>:<field path>'")
    subject_id: str = Field(foreign_key="entity.id", index=True)
    property: str = Field(index=True, description="name, age, role, status, task, value, ...")
    value: str = Field(description="human-readable value")
    lang: str | None = None
    value_json: str = Field(description="the full statement as JSON, without citations")


class Citation(SQLModel, table=True):
    """Where a claim is stated: source, paragraph and an exact quote of at most 40 characters."""

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claim.id", index=True)
    source_id: str = Field(foreign_key="source.id", index=True)
    paragraph: int = Field(description="paragraph number as `aijobs source` prints it; 0 is front matter")
    quote: str = Field(description="exact span of the paragraph, at most 40 characters")
    parallel_paragraph: int | None = Field(default=None, description="the other language's paragraph")
    parallel_quote: str | None = None


class PersonAge(SQLModel, table=True):
    """An age a source states, with the date it was true."""

    __tablename__ = "person_age"

    id: int | None = Field(default=None, primary_key=True)
    person_id: str = Field(foreign_key="person.id", index=True)
    years: int
    as_of: str = Field(description="the date the age was true, or 'unknown'")
    claim_id: int = Field(foreign_key="claim.id")


class Education(SQLModel, table=True):
    """A person's education: field, institution, degree, end date."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: str = Field(foreign_key="person.id", index=True)
    field: str | None = None
    institution_id: str | None = Field(default=None, foreign_key="entity.id")
    degree: str
    until: str | None = None
    claim_id: int = Field(foreign_key="claim.id")


class Role(SQLModel, table=True):
    """A position a person held: two roles, former and current, make a career transition."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: str = Field(foreign_key="person.id", index=True)
    seq: int = Field(description="order of the role in the person's record")
    occupation_id: str | None = Field(default=None, foreign_key="occupation.id", index=True)
    company_id: str | None = Field(default=None, foreign_key="company.id", index=True)
    title: str | None = None
    start: str | None = None
    end: str | None = None
    status: str = Field(description="current or former")
    claim_id: int = Field(foreign_key="claim.id")


class OccupationStatus(SQLModel, table=True):
    """An occupation's standing: who recognised it and when, or that it is emerging, affected..."""

    __tablename__ = "occupation_status"

    id: int | None = Field(default=None, primary_key=True)
    occupation_id: str = Field(foreign_key="occupation.id", index=True)
    status: str = Field(index=True, description="recognised, emerging, speculative, established, affected, displaced")
    by_id: str | None = Field(default=None, foreign_key="entity.id", description="who recognised it")
    date: str | None = None
    recognised_as: str | None = Field(default=None, description="occupation or work-type")
    place: str | None = None
    detail: str | None = None
    claim_id: int = Field(foreign_key="claim.id")


class OccupationRelation(SQLModel, table=True):
    """A link between two occupations: evolved from, replaces, displaced by, ..."""

    __tablename__ = "occupation_relation"

    id: int | None = Field(default=None, primary_key=True)
    occupation_id: str = Field(foreign_key="occupation.id", index=True)
    relation: str = Field(description="evolved-from, replaces, displaced-by, specialisation-of, related-to")
    other_id: str = Field(foreign_key="occupation.id", index=True)
    claim_id: int = Field(foreign_key="claim.id")


class OccupationItem(SQLModel, table=True):
    """Tasks and tools of an occupation, in the curators' words."""

    __tablename__ = "occupation_item"

    id: int | None = Field(default=None, primary_key=True)
    occupation_id: str = Field(foreign_key="occupation.id", index=True)
    kind: str = Field(description="task or tool")
    text: str
    claim_id: int = Field(foreign_key="claim.id")


class SearchEntry(SQLModel, table=True):
    """Every searchable text of every entity, with its folded form.

    `search_index` is an FTS5 table (trigram tokenizer) over `text` and `folded`, kept
    in step by `aijobs build`; queries shorter than three characters scan this table.
    """

    __tablename__ = "search_entry"

    id: int | None = Field(default=None, primary_key=True)
    entity_id: str = Field(foreign_key="entity.id", index=True)
    kind: str = Field(description="preferred, alias, misspelling, translation, label or measure")
    lang: str | None = None
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
