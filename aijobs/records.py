"""The six record types, as strict Pydantic models: the single source of truth.

One YAML file under ``curated/<folder>/<id>.yaml`` holds one record. Every statement a
record makes carries ``cite``: a list of citations, each naming a source, a paragraph
number (see ``aijobs.provenance.paragraphs``) and a short exact quote from that paragraph. Text
the curators wrote themselves (descriptions, notes, English renderings of Chinese
names marked ``translation: true``) is kept apart from what the sources say.

The models carry what the rest of the package needs to know about them: an id that
points at another record is typed ``Annotated[Slug, RefTo("company")]``, and a part that
carries ``cite`` is a `Cited` model that declares its claim. References, claims, the
database, the exports and `verify` read those declarations; none lists the record types.
"""

from __future__ import annotations

import json
import re
from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from aijobs.fields import (
    SLUG_PATTERN,
    ClaimAs,
    FileName,
    Format,
    Lang,
    Line,
    Number,
    Paragraph,
    PartialDate,
    Prose,
    Quote,
    RefTo,
    Sha256,
    Slug,
    Unknown,
    wholly_before,
)
from aijobs.text import to_traditional

SLUG = re.compile(SLUG_PATTERN)


class Strict(BaseModel):
    """Unknown keys are errors, types are not coerced, records are immutable."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Span(Strict):
    """The same statement in the other language of a bilingual source."""

    para: Paragraph
    quote: Quote


class Citation(Strict):
    """Where a statement is made: source id, paragraph number, exact short quote.

    In a file, a citation may leave out ``source`` when its record names a default
    (``source: <id>`` at the top); the loaded citation always carries it.
    """

    model_config = ConfigDict(**Strict.model_config, json_schema_extra=lambda schema: _source_optional(schema))

    source: Annotated[Slug, RefTo("source")]
    para: Annotated[Paragraph, Field(description="paragraph number; 0 is the front matter")]
    quote: Quote
    also: Span | None = Field(default=None, description="the parallel paragraph of a bilingual source")

    @model_validator(mode="before")
    @classmethod
    def _names_a_source(cls, data: Any) -> Any:
        if isinstance(data, dict) and "source" not in data:
            raise ValueError(NO_SOURCE)
        return data

    def describe(self) -> str:
        """One line for people: source ¶N «quote» (/ ¶M «quote» for the other language)."""
        return f"{self.source} " + " / ".join(f"¶{para} «{quote}»" for para, quote in self.spans())

    def spans(self) -> tuple[tuple[int, str], ...]:
        """(paragraph, quote) of the citation, then of its parallel span if it has one."""
        if self.also is None:
            return ((self.para, self.quote),)
        return (self.para, self.quote), (self.also.para, self.also.quote)


def _source_optional(schema: dict[str, Any]) -> None:
    """In a file, a citation's source may come from its record's default (see `Record.source`)."""
    required = schema.get("required")
    if isinstance(required, list) and "source" in required:
        required.remove("source")


Citations = Annotated[list[Citation], Field(min_length=1)]

NO_SOURCE = (
    "this citation names no source and its record has no default; add `source: <id>` to the citation, "
    "or `source: <id>` at the top of the record (beside `id`) to apply to every citation that names none"
)


def with_default_source(data: Any, source: str) -> Any:
    """A copy of a record's raw data in which every citation without ``source`` has `source`.

    Citations are the mappings in a ``cite`` list; the input is never changed (the
    loader keeps it to locate problems in the file).
    """
    if isinstance(data, dict):
        return {
            key: [_cited(item, source) for item in value]
            if key == "cite" and isinstance(value, list)
            else with_default_source(value, source)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [with_default_source(item, source) for item in data]
    return data


def _cited(item: Any, source: str) -> Any:
    if isinstance(item, dict) and "source" not in item:
        return {"source": source, **item}
    return item


class Basis(Strict):
    """How a statement rests on its source: stated as written, or inferred by the curators.

    A stated figure (or date) is what the cited paragraph gives; it has no reason
    (remarks go in the record's note). An inferred one is the curators' reading of what
    the source says: a total from its parts, a yearly figure from a monthly one, a
    currency or pay period the text leaves unwritten, a year counted from 今年 ("this
    year") or 去年 ("last year") and the publication date. Its reason says what was
    read and how, in the curators' words.
    """

    kind: Literal["stated", "inferred"]
    reason: Prose | None = Field(default=None, description="what the curators read and how; only for kind: inferred")

    @model_validator(mode="after")
    def _reason_for_inferred(self) -> Basis:
        if self.kind == "inferred" and self.reason is None:
            raise ValueError("an inferred basis needs reason: how the curators derived it from the source")
        if self.kind == "stated" and self.reason is not None:
            raise ValueError("a stated basis has no reason; put remarks in note, or use kind: inferred")
        return self


def _stated() -> Basis:
    return Basis(kind="stated")


@dataclass(frozen=True)
class StatedNumber:
    """A number a claim states, which its cited paragraphs must show (see `aijobs verify`)."""

    value: int | float | None
    lower: int | float | None
    upper: int | float | None
    field: str
    """The field that writes the number, where a problem with it is reported."""
    years: frozenset[int] = frozenset()
    """The years of the period it is for: its quote may write them beside the number."""


RankLevel = Literal["preferred", "normal", "deprecated"]


class Rank(Strict):
    """How a claim weighs against the others on the same point, as Wikidata ranks statements.

    Among the claims about one subject, property and scope (see `Cited.rank_scope`), a
    reader takes the preferred ones if there are any, else the normal ones, and never
    the deprecated ones (the database's ``current_claim`` view). Normal is the default;
    preferring or deprecating a claim says why, in the curators' words.
    """

    level: RankLevel
    reason: Prose | None = Field(default=None, description="why, in the curators' words; required unless normal")

    @model_validator(mode="after")
    def _reason_unless_normal(self) -> Rank:
        if self.level != "normal" and self.reason is None:
            raise ValueError(f"rank {self.level} needs reason: why a reader should take (or not take) this claim")
        return self


class Cited(Strict):
    """A part of a record that carries ``cite``, and so makes one claim (see `aijobs.claims`).

    Each cited model declares its claim: the property (`claim_property`; for a plain
    `Statement`, the `ClaimAs` of the field that holds it) and the value people read
    (`claim_value`). Nothing else lists them.

    A claim may carry a `Rank`. `single_valued` declares that one value is expected per
    subject, property and `rank_scope`: two claims there that disagree are a conflict
    (`aijobs conflicts`), resolved when exactly one of them is preferred.
    """

    claim_property: ClassVar[str | None] = None
    single_valued: ClassVar[bool] = False
    """One value expected per subject, property and scope; differing claims are a conflict."""

    rank: Rank | None = Field(
        default=None, description="preferred, normal (the default) or deprecated, with the reason"
    )

    def expects_one_value(self) -> bool:
        """Whether claims sharing this one's subject, property and scope must agree (`single_valued`)."""
        return self.single_valued

    @classmethod
    def disagree(cls, stated: Sequence[tuple[Cited, frozenset[str]]]) -> bool:
        """Whether claims of one subject, property and scope (each with the ids of the
        sources that cite it) are in conflict: they expect one value and state several."""
        expected = any(statement.expects_one_value() for statement, _ in stated)
        return expected and len({statement.conflict_value() for statement, _ in stated}) > 1

    def rank_level(self) -> RankLevel:
        """The claim's rank level; normal when it has no rank."""
        return self.rank.level if self.rank is not None else "normal"

    def rank_scope(self) -> str:
        """What the claim is weighed within, beside its subject and property ('' for all of them).

        A name is weighed against the names of its language, a status against the
        statuses of its kind: preferring one English name does not hide the Chinese ones.
        """
        return ""

    def conflict_value(self) -> str:
        """What must agree between claims of a single-valued scope: the statement without
        its citations, rank and the curators' prose."""
        data = self.model_dump(mode="json", exclude={"cite", "rank", "note", "detail"})
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    def property_name(self) -> str | None:
        """The claim's property: `claim_property`, unless the value decides it (a relation's kind)."""
        return self.claim_property

    @abstractmethod
    def claim_value(self) -> tuple[str, str | None]:
        """The claim's value as people read it, and its language if it is text in one language."""

    def stated_number(self) -> StatedNumber | None:
        """The number this claim states, if it states one (a figure's)."""
        return None


class Statement(Cited):
    """A sentence in the curators' own words, with the paragraphs that support it."""

    text: Prose
    cite: Citations

    def claim_value(self) -> tuple[str, str | None]:
        return self.text, "en"

    @model_validator(mode="before")
    @classmethod
    def _not_bare_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            raise ValueError(
                "expected the text and the paragraph that supports it, as {text: ..., cite: [{source, para, quote}]}; "
                "found bare text"
            )
        return data


Description = Annotated[Statement, ClaimAs("description")]
Task = Annotated[Statement, ClaimAs("task")]
Tool = Annotated[Statement, ClaimAs("tool")]


class Name(Cited):
    """A name in one language and script.

    The preferred name of a language is the one ranked preferred, else the first listed
    that is neither misspelt nor deprecated; the others are aliases. A name the sources
    state cites them; a name the curators supply (an English rendering, a
    traditional-script form) says ``translation: true`` instead.
    """

    text: Line
    lang: Lang
    translation: bool = False
    misspelling: bool = Field(default=False, description="a source's erroneous form, kept so it can be found")
    cite: list[Citation] = Field(default_factory=list)
    note: Prose | None = None
    derived: SkipJsonSchema[bool] = Field(
        default=False,
        exclude=True,  # not written in files, and never part of a claim's value
        description="made by aijobs from another name (zh-Hant from zh-Hans); never in a file",
    )

    claim_property = "name"

    @model_validator(mode="before")
    @classmethod
    def _not_derived_by_hand(cls, data: Any) -> Any:
        if isinstance(data, dict) and "derived" in data:
            raise ValueError(
                "`derived` is set by aijobs on the names it derives; remove it (a zh-Hant name you write is curated)"
            )
        return data

    def claim_value(self) -> tuple[str, str | None]:
        return self.text, self.lang

    def rank_scope(self) -> str:
        return self.lang

    single_valued = True  # one preferred name per language; see disagree

    @classmethod
    def disagree(cls, stated: Sequence[tuple[Cited, frozenset[str]]]) -> bool:
        """Names of one language conflict when different sources write different names
        (which one is preferred is then the curators' choice to make explicit), or when a
        source misspells the name (it then disagrees with itself). Aliases one source
        gives side by side are not a conflict."""
        names = [name for name, _ in stated if isinstance(name, Name)]
        if len({name.text for name in names}) < 2:
            return False
        sources = frozenset().union(*(cited_by for _, cited_by in stated))
        return len(sources) > 1 or any(name.misspelling for name in names)

    @model_validator(mode="after")
    def _cited_or_translated(self) -> Name:
        if self.translation and self.cite:
            raise ValueError("a name marked translation: true is the curators' own; remove its cite")
        if not self.translation and not self.cite:
            raise ValueError("a name needs cite (where a source states it) or translation: true (curators' rendering)")
        if self.translation and self.misspelling:
            raise ValueError("a translation cannot be a misspelling")
        return self


class Record(Strict):
    """Fields every record has."""

    folder: ClassVar[str]
    kind_name: ClassVar[str]
    proper_names: ClassVar[bool] = False
    """Its names are proper names, written as-is: `verify` finds each in its cited paragraph."""

    id: Slug
    source: Annotated[Slug, RefTo("source")] | None = Field(
        default=None,
        exclude=True,  # every loaded citation names its source: the default is only a way of writing them
        description="the source of every citation in this record that names none",
    )
    note: Prose | None = Field(default=None, description="curators' remark; not a claim")

    @model_validator(mode="before")
    @classmethod
    def _default_source(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("source"), str) and SLUG.fullmatch(data["source"]):
            return with_default_source(data, data["source"])
        return data

    def display_name(self) -> str:
        """How the record is named in listings and the `entity` table."""
        return self.id


class NamedRecord(Record):
    names: list[Name] = Field(
        default_factory=list,
        description="without a zh-Hant name, the zh-Hans ones are followed by derived ones (see `derived_names`)",
    )

    @model_validator(mode="wrap")
    @classmethod
    def _derive_names(cls, data: Any, handler: ModelWrapValidatorHandler[NamedRecord]) -> NamedRecord:
        record = handler(data)
        names = derived_names(record.names)
        return record if names is record.names else record.model_copy(update={"names": names})

    @model_validator(mode="after")
    def _has_a_stated_name(self) -> NamedRecord:
        if self.names and all(name.translation for name in self.names):
            raise ValueError("at least one name must be cited from a source, not only translated")
        return self

    def preferred_name(self, lang: str) -> Name | None:
        """The name of `lang` ranked preferred, else the first neither misspelt nor deprecated."""
        usable = [n for n in self.names if n.lang == lang and not n.misspelling and n.rank_level() != "deprecated"]
        return next((n for n in usable if n.rank_level() == "preferred"), usable[0] if usable else None)

    def preferred_names(self) -> dict[str, str]:
        """{language: preferred name}, in the order the languages first appear."""
        preferred: dict[str, str] = {}
        for lang in dict.fromkeys(name.lang for name in self.names):
            name = self.preferred_name(lang)
            if name is not None:
                preferred[lang] = name.text
        return preferred

    def display_name(self) -> str:
        preferred = self.preferred_names()
        for lang in ("en", "zh-Hans", "zh-Hant"):
            if lang in preferred:
                return preferred[lang]
        return self.id


def derive_zh_hant(text: str) -> str:
    """The traditional-script form of a simplified name, as OpenCC's s2t conversion makes it."""
    return to_traditional(text)


@cache
def _derived_name() -> Name:
    """The pattern of every derived name (copying it is far cheaper than `model_construct`,
    which inspects each default factory's signature on every call)."""
    return Name.model_construct(text="", lang="zh-Hant", translation=True, derived=True)


def derived_names(names: list[Name]) -> list[Name]:
    """`names` with derived zh-Hant names, when the record writes no zh-Hant name itself.

    A record that writes any zh-Hant name (cited or `translation: true`) keeps exactly its
    names: the curated ones win. Otherwise each zh-Hans name that is not a misspelling
    gets its OpenCC s2t form, marked ``derived`` and ``translation`` (so never a claim),
    once per distinct form, placed right after it but never before a cited name: the
    written names keep their positions (``names.2`` in a message is the file's third
    name). Returns `names` itself when nothing is derived.
    """
    if any(name.lang == "zh-Hant" for name in names):
        return names
    last_cited = max((index for index, name in enumerate(names) if name.cite), default=-1)
    seen: set[str] = set()
    result: list[Name] = []
    waiting: list[Name] = []
    for index, name in enumerate(names):
        result.append(name)
        if name.lang == "zh-Hans" and not name.misspelling:
            text = derive_zh_hant(name.text)
            if text not in seen:
                seen.add(text)
                waiting.append(_derived_name().model_copy(update={"text": text, "cite": []}))
        if index >= last_cited:
            result += waiting
            waiting = []
    return names if len(result) == len(names) else result


# --- sources -------------------------------------------------------------------------


class Source(Record, Cited):
    """A document of the corpus. Unknown metadata is written as 'unknown', never guessed."""

    folder = "sources"
    kind_name = "source"

    title: Line
    languages: Annotated[list[Lang], Field(min_length=1)]
    file: FileName
    format: Format
    sha256: Sha256
    published: PartialDate | Unknown
    author: Annotated[Slug, RefTo("person", "company")] | Unknown = Field(
        description="person or company id, or 'unknown'"
    )
    publisher: Annotated[Slug, RefTo("company")] | Unknown = Field(
        description="who published this copy: company id, or 'unknown'"
    )
    original_publisher: Annotated[Slug, RefTo("company")] | None = Field(
        default=None, description="where the copy says it comes from"
    )
    description: Description | None = None
    cite: Citations = Field(description="where the document states its own title, date or byline")

    claim_property = "document"

    def claim_value(self) -> tuple[str, str | None]:
        return self.title, None

    def display_name(self) -> str:
        return self.title


# --- companies and other organisations ------------------------------------------------

OrganisationKind = Literal[
    "company",
    "government",
    "university",
    "research-institute",
    "publisher",
    "media",
    "cultural-institute",
    "community",
    "other",
]


class Anonymous(Cited):
    """A person or organisation the source does not name: a label in the curators' words."""

    label: Line
    cite: Citations

    claim_property = "anonymous"

    def claim_value(self) -> tuple[str, str | None]:
        return self.label, "en"


def _check_named_or_anonymous(names: list[Name], anonymous: Anonymous | None, what: str) -> None:
    if anonymous is None and not names:
        raise ValueError(f"{what} needs names, or anonymous: {{label: ..., cite: [...]}} if the source names none")
    if anonymous is not None and names:
        raise ValueError("an anonymous record has no names; remove names or anonymous")


class Location(Cited):
    place: Line
    cite: Citations

    claim_property = "location"
    single_valued = True

    def claim_value(self) -> tuple[str, str | None]:
        return self.place, None


class PartOf(Cited):
    organisation: Annotated[Slug, RefTo("company")]
    cite: Citations

    claim_property = "part-of"
    single_valued = True

    def claim_value(self) -> tuple[str, str | None]:
        return self.organisation, None


class Company(NamedRecord):
    """Any organisation: a company, a ministry, a university, a publisher."""

    folder = "companies"
    kind_name = "company"
    proper_names = True

    kind: OrganisationKind
    anonymous: Anonymous | None = None
    location: Location | None = None
    part_of: PartOf | None = None
    description: Description | None = None

    @model_validator(mode="after")
    def _named(self) -> Company:
        _check_named_or_anonymous(self.names, self.anonymous, "an organisation")
        return self

    def display_name(self) -> str:
        return self.anonymous.label if self.anonymous is not None else super().display_name()


# --- people ----------------------------------------------------------------------------


class Age(Cited):
    years: Annotated[int, Field(ge=0, le=130)]
    as_of: PartialDate | Unknown = Field(description="the date the age was true (usually the publication date)")
    date_basis: Basis = Field(
        default_factory=_stated,
        description="stated (default), or inferred: a date the curators derived (今年/去年 and the publication date)",
    )
    cite: Citations

    claim_property = "age"
    single_valued = True  # one age at a date

    def rank_scope(self) -> str:
        return self.as_of

    def claim_value(self) -> tuple[str, str | None]:
        return str(self.years), None


Degree = Literal["bachelor", "master", "doctorate", "vocational", "course", "unspecified"]


class Education(Cited):
    field: Line | None = None
    institution: Annotated[Slug, RefTo("company")] | None = None
    degree: Degree = "unspecified"
    until: PartialDate | None = Field(default=None, description="graduation or end date")
    cite: Citations

    claim_property = "education"

    def claim_value(self) -> tuple[str, str | None]:
        parts = [self.degree if self.degree != "unspecified" else None, self.field, self.institution]
        return ", ".join(part for part in parts if part), None

    @model_validator(mode="after")
    def _says_something(self) -> Education:
        if self.field is None and self.institution is None and self.degree == "unspecified":
            raise ValueError("education needs at least a field, an institution or a degree")
        return self


class Role(Cited):
    """A position held over time; a career transition is two roles, one former and one current."""

    occupation: Annotated[Slug, RefTo("occupation")] | None = None
    company: Annotated[Slug, RefTo("company")] | None = None
    title: Line | None = Field(default=None, description="the title as the source gives it")
    start: PartialDate | None = None
    end: PartialDate | None = None
    status: Literal["current", "former"]
    date_basis: Basis = Field(
        default_factory=_stated,
        description="stated (default), or inferred: a date the curators derived (今年/去年 and the publication date)",
    )
    cite: Citations

    claim_property = "role"

    def claim_value(self) -> tuple[str, str | None]:
        parts = [self.title, self.occupation, self.company]
        return " @ ".join(part for part in parts if part), None

    @model_validator(mode="after")
    def _consistent(self) -> Role:
        if self.occupation is None and self.company is None and self.title is None:
            raise ValueError("a role needs an occupation, a company or a title")
        if self.start and self.end and wholly_before(self.end, self.start):
            raise ValueError(f"role ends ({self.end}) before it starts ({self.start})")
        if self.status == "current" and self.end is not None:
            raise ValueError("a current role has no end date; use status: former")
        return self


class Use(Cited):
    """That an occupation or a person uses an AI tool or model: a link to a product record.

    Its quote names the product, as the source writes it (`aijobs validate` checks that
    one of the product's names is in the quotes).
    """

    product: Annotated[Slug, RefTo("product")]
    cite: Citations

    claim_property = "uses"

    def claim_value(self) -> tuple[str, str | None]:
        return self.product, None


class Person(NamedRecord):
    folder = "people"
    kind_name = "person"
    proper_names = True

    anonymous: Anonymous | None = None
    description: Description | None = None
    ages: list[Age] = Field(default_factory=list)
    education: list[Education] = Field(default_factory=list)
    roles: list[Role] = Field(default_factory=list)
    uses: list[Use] = Field(default_factory=list, description="AI tools and models a source says the person uses")

    @model_validator(mode="after")
    def _named_or_anonymous(self) -> Person:
        _check_named_or_anonymous(self.names, self.anonymous, "a person")
        return self

    def display_name(self) -> str:
        if self.anonymous is not None:
            return self.anonymous.label
        return super().display_name()


# --- occupations -----------------------------------------------------------------------

OccupationStatusKind = Literal["recognised", "emerging", "speculative", "established", "affected", "displaced"]


class OccupationStatus(Cited):
    """What the sources say about an occupation's standing, and who said it."""

    status: OccupationStatusKind
    by: Annotated[Slug, RefTo("company")] | None = Field(default=None, description="the body that recognised it")
    date: PartialDate | None = None
    recognised_as: Literal["occupation", "work-type"] | None = None
    place: Line | None = None
    detail: Prose | None = None
    date_basis: Basis = Field(
        default_factory=_stated,
        description="stated (default), or inferred: a date the curators derived (今年/去年 and the publication date)",
    )
    cite: Citations

    claim_property = "status"
    single_valued = True  # but only a recognition: see expects_one_value

    def claim_value(self) -> tuple[str, str | None]:
        return self.status, None

    def rank_scope(self) -> str:
        """Statuses are weighed within their kind and place: a recognition in China against
        another in China, never against an emerging status or a recognition elsewhere."""
        return f"{self.status} {self.place}" if self.place else self.status

    def expects_one_value(self) -> bool:
        """An occupation is recognised in a place once (by one body, at one date); that it
        is emerging or affected can be said many ways at once."""
        return self.status == "recognised"

    @model_validator(mode="after")
    def _recognition_fields(self) -> OccupationStatus:
        if self.recognised_as is not None and self.status != "recognised":
            raise ValueError("recognised_as only applies to status: recognised")
        return self


RelationKind = Literal["evolved-from", "replaces", "displaced-by", "specialisation-of", "related-to"]


class Relation(Cited):
    relation: RelationKind
    occupation: Annotated[Slug, RefTo("occupation")]
    cite: Citations

    def property_name(self) -> str:
        return self.relation

    def claim_value(self) -> tuple[str, str | None]:
        return self.occupation, None


class Occupation(NamedRecord):
    folder = "occupations"
    kind_name = "occupation"

    description: Description | None = None
    statuses: Annotated[list[OccupationStatus], Field(min_length=1)]
    tasks: list[Task] = Field(default_factory=list)
    tools: list[Tool] = Field(default_factory=list)
    uses: list[Use] = Field(
        default_factory=list, description="the AI tools and models (product records) its tools statements name"
    )
    related: list[Relation] = Field(default_factory=list)

    @model_validator(mode="after")
    def _named(self) -> Occupation:
        if not self.names:
            raise ValueError("an occupation needs at least one name")
        return self


# --- products: AI tools, models and techniques ----------------------------------------

ProductKind = Literal["model", "app", "technique", "platform"]
"""model: a trained model or model family (Sora, GPT); app: a product people use
directly (ChatGPT, a video-generation app); technique: a method applied to models
(LoRA); platform: a service that hosts tools or workflows."""


class Maker(Cited):
    """Who makes a product, where a source says so."""

    company: Annotated[Slug, RefTo("company")]
    cite: Citations

    claim_property = "maker"

    def claim_value(self) -> tuple[str, str | None]:
        return self.company, None


class Product(NamedRecord):
    """An AI tool, model or technique the sources name: ChatGPT, Sora, Stable Diffusion, LoRA."""

    folder = "products"
    kind_name = "product"
    proper_names = True

    kind: ProductKind
    maker: Maker | None = Field(default=None, description="the company that makes it, only where a source says so")
    description: Description | None = None

    @model_validator(mode="after")
    def _named(self) -> Product:
        if not self.names:
            raise ValueError("a product needs at least one name")
        return self


# --- figures ---------------------------------------------------------------------------

Unit = Literal[
    "people",
    "count",
    "CNY",
    "CNY-per-year",
    "CNY-per-month",
    "CNY-per-day",
    "CNY-per-hour",
    "USD",
    "USD-per-year",
    "USD-per-month",
    "USD-per-day",
    "USD-per-hour",
    "percent",
    "percent-per-year",
    "seconds",
    "minutes",
    "days",
    "months",
    "years",
    "times",
]
COUNTING_UNITS = frozenset({"people", "count"})
"""Units that count something, so a figure in them cannot be negative."""
Currency = Literal["CNY", "USD"]
"""The currencies of money units: ``CNY`` and ``USD`` are an amount (a market size, a
total earned), ``<currency>-per-<period>`` an amount per year, month, day or hour (pay)."""
PayPeriod = Literal["year", "month", "day", "hour"]


def money_unit(unit: str) -> tuple[str, str | None] | None:
    """(currency, period or None) of a money unit; None for a unit that is not money."""
    currency, _, rest = unit.partition("-per-")
    if currency not in ("CNY", "USD"):
        return None
    return currency, rest or None


Approximation = Literal["exact", "about", "over", "nearly", "under", "range", "order-of-magnitude"]
ProducerKind = Literal["official", "survey", "industry-estimate", "company", "expert", "individual", "media", "unknown"]


class Producer(Strict):
    """Who produced a number, where the source says so."""

    kind: ProducerKind
    by: Annotated[Slug, RefTo("company", "person")] | None = Field(
        default=None, description="the organisation or person, if a record"
    )
    work: Line | None = Field(default=None, description="the report or survey title as written")


class Figure(Record, Cited):
    """A number stated by a source, with enough context to use it without rereading."""

    folder = "figures"
    kind_name = "figure"

    measure: Prose = Field(description="what is measured, in the curators' words")
    value: Number | None = None
    lower: Number | None = None
    upper: Number | None = None
    unit: Unit
    approx: Approximation
    as_written: Line = Field(description="the number exactly as the source writes it")
    period: PartialDate | None = None
    period_end: PartialDate | None = None
    place: Line | None = None
    about: list[Annotated[Slug, RefTo("occupation", "company", "person")]] = Field(default_factory=list)
    producer: Producer = Field(default_factory=lambda: Producer(kind="unknown"))
    basis: Basis = Field(
        default_factory=_stated,
        description="stated (default), or inferred: the number, unit, currency or period is the curators' reading",
    )
    cite: Citations

    claim_property = "value"

    def claim_value(self) -> tuple[str, str | None]:
        return self.as_written, None

    def stated_number(self) -> StatedNumber:
        years = frozenset(int(date[:4]) for date in (self.period, self.period_end) if date)
        field = "value" if self.value is not None else "lower"
        return StatedNumber(self.value, self.lower, self.upper, field, years)

    def display_name(self) -> str:
        return self.measure

    @model_validator(mode="after")
    def _coherent_number(self) -> Figure:
        if self.value is None and self.lower is None and self.upper is None:
            raise ValueError("a figure needs value, or lower and/or upper bounds")
        if self.approx == "range" and (self.lower is None or self.upper is None):
            raise ValueError("approx: range needs both lower and upper")
        if self.lower is not None and self.upper is not None and self.lower > self.upper:
            raise ValueError(f"lower ({self.lower}) is greater than upper ({self.upper})")
        if self.value is not None:
            if self.lower is not None and self.value < self.lower:
                raise ValueError(f"value ({self.value}) is below lower ({self.lower})")
            if self.upper is not None and self.value > self.upper:
                raise ValueError(f"value ({self.value}) is above upper ({self.upper})")
        if self.unit in COUNTING_UNITS:
            for name, number in (("value", self.value), ("lower", self.lower), ("upper", self.upper)):
                if number is not None and number < 0:
                    raise ValueError(
                        f"{name} ({number}) is negative; a figure in unit {self.unit!r} counts, so 0 or more"
                    )
        if self.period_end is not None and self.period is None:
            raise ValueError("period_end needs period")
        return self

    @field_validator("period_end")
    @classmethod
    def _period_in_order(cls, period_end: str | None, info: ValidationInfo) -> str | None:
        period = info.data.get("period")
        if period is not None and period_end is not None and wholly_before(period_end, period):
            raise ValueError(f"{period_end} is before period ({period}); swap them or fix one")
        return period_end


RecordType = Source | Company | Person | Occupation | Product | Figure
RECORD_TYPES: tuple[type[Record], ...] = (Source, Company, Person, Occupation, Product, Figure)
TYPE_BY_FOLDER: dict[str, type[Record]] = {cls.folder: cls for cls in RECORD_TYPES}
TYPE_BY_KIND: dict[str, type[Record]] = {cls.kind_name: cls for cls in RECORD_TYPES}
