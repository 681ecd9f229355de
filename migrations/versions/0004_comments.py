"""column and table comments, from the table classes' documentation

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 10:00:00.000000

PostgreSQL keeps a comment on every table and column, so ``\\d+ figure`` in psql and
any database browser show what each column means. SQLite has no comments: on SQLite
this revision changes nothing. The texts are those of ``aijobs/db/tables.py`` at this
revision (its class docstrings and ``Field`` descriptions); a later change to them
needs a new revision, which autogenerate writes on PostgreSQL. The two ``basis``
columns of ``figure`` got their comments in 0003.
"""

from __future__ import annotations

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

# table: (table comment, {column: column comment})
COMMENTS: dict[str, tuple[str, dict[str, str]]] = {
    "entity": (
        "Every record id, with its type: the target of labels, claims and links.",
        {
            "id": "the record id (file name without .yaml)",
            "type": "source, company, person, occupation or figure",
            "name": "display name: preferred English, else Chinese name, else label",
            "file": "the curated YAML file the record comes from",
        },
    ),
    "source": (
        "A document of the corpus; unknown metadata is NULL or 'unknown', never guessed.",
        {
            "id": "the record id (file name without .yaml)",
            "title": "title as written in the source",
            "languages": "space-separated language tags (zh-Hans, zh-Hant or en), e.g. 'en zh-Hans'",
            "file": "file name in the corpus folder",
            "format": "how the document is written, which sets its paragraphs: text, markdown or html",
            "sha256": "SHA-256 of the document file, to detect changes",
            "published": "YYYY, YYYY-MM, YYYY-MM-DD, or 'unknown'",
            "author_id": "NULL when unknown",
            "publisher_id": "NULL when unknown",
            "original_publisher_id": "where the copy says it comes from",
            "description": "the curators' description, in their own words",
            "note": "curators' remark; not a claim",
        },
    ),
    "occupation": (
        "An occupation or work type, new, recognised, speculative, established or displaced.",
        {
            "id": "the record id (file name without .yaml)",
            "name_zh_hans": "preferred simplified Chinese name",
            "name_zh_hant": "preferred traditional Chinese name",
            "name_en": "preferred English name",
            "description": "the curators' description, in their own words",
            "note": "curators' remark; not a claim",
        },
    ),
    "person": (
        "A person the sources name, quote or interview (anonymous ones have a label).",
        {
            "id": "the record id (file name without .yaml)",
            "name_zh_hans": "preferred simplified Chinese name",
            "name_zh_hant": "preferred traditional Chinese name",
            "name_en": "preferred English name",
            "anonymous": "1 when the sources do not name the person",
            "anonymous_label": "the curators' description of an unnamed person",
            "description": "the curators' description, in their own words",
            "note": "curators' remark; not a claim",
        },
    ),
    "company": (
        "Any organisation: company, government body, university, research institute, media.",
        {
            "id": "the record id (file name without .yaml)",
            "kind": "company, government, university, research-institute, publisher, media, "
            "cultural-institute, community or other",
            "name_zh_hans": "preferred simplified Chinese name",
            "name_zh_hant": "preferred traditional Chinese name",
            "name_en": "preferred English name",
            "anonymous": "1 when the sources do not name it",
            "anonymous_label": "the curators' description of something unnamed",
            "location": "where it is, as the source states",
            "part_of_id": "the organisation it belongs to",
            "description": "the curators' description, in their own words",
            "note": "curators' remark; not a claim",
        },
    ),
    "figure": (
        "A number a source states, with its unit, approximation, period, place and producer.",
        {
            "id": "the record id (file name without .yaml)",
            "measure": "what is measured, in the curators' words",
            "value": "the number, when it is a single value",
            "lower": "lower bound, for ranges and vague amounts",
            "upper": "upper bound, for ranges and vague amounts",
            "unit": "people, count, CNY, CNY-per-year, USD, percent, percent-per-year, seconds, minutes, "
            "days, months, years or times",
            "approx": "how exact the source is: exact, about, over, nearly, under, range or order-of-magnitude",
            "as_written": "the number exactly as the source writes it",
            "period": "date or start of the period the figure refers to",
            "period_end": "end of the period the figure refers to",
            "place": "the place it refers to",
            "producer_kind": "who produced the number: official, survey, industry-estimate, company, "
            "expert, individual, media or unknown",
            "producer_id": "the organisation or person that produced the number",
            "producer_work": "report or survey title as written",
            "note": "curators' remark; not a claim",
        },
    ),
    "figure_about": (
        "Which occupations, organisations and people a figure is about.",
        {"figure_id": "figure id", "entity_id": "id of any record"},
    ),
    "label": (
        "Every name of every entity, in every language, preferred or alias.",
        {
            "id": "row number, in build order",
            "entity_id": "id of any record",
            "lang": "zh-Hans, zh-Hant or en",
            "text": "the name as written",
            "preferred": "1 for the preferred name in this language",
            "translation": "1 when the curators supplied the name; it is not in a source",
            "misspelling": "1 for a source's erroneous form",
            "claim_id": "NULL for translations",
        },
    ),
    "claim": (
        "One statement about one subject; every claim has at least one citation.",
        {
            "id": "claim number, in build order",
            "key": "stable name: '<record id>:<field path>'",
            "subject_id": "the record the claim is about",
            "property": "name, age, role, status, task, value, ...",
            "value": "human-readable value",
            "lang": "the value's language (zh-Hans, zh-Hant or en) when it is text",
            "value_json": "the full statement as JSON, without citations",
        },
    ),
    "citation": (
        "Where a claim is stated: source, paragraph and an exact quote of at most 40 characters.",
        {
            "id": "row number, in build order",
            "claim_id": "the claim this citation supports",
            "source_id": "source id",
            "paragraph": "paragraph number as `aijobs source` prints it; 0 is front matter",
            "quote": "exact span of the paragraph, at most 40 characters",
            "parallel_paragraph": "the other language's paragraph",
            "parallel_quote": "the other language's quote",
        },
    ),
    "person_age": (
        "An age a source states, with the date it was true.",
        {
            "id": "row number, in build order",
            "person_id": "person id",
            "years": "age in years",
            "as_of": "the date the age was true, or 'unknown'",
            "claim_id": "the claim this row states; its citations are in citation",
        },
    ),
    "education": (
        "A person's education: field, institution, degree, end date.",
        {
            "id": "row number, in build order",
            "person_id": "person id",
            "field": "field of study",
            "institution_id": "the university or school",
            "degree": "bachelor, master, doctorate, vocational, course or unspecified",
            "until": "graduation or end date",
            "claim_id": "the claim this row states; its citations are in citation",
        },
    ),
    "role": (
        "A position a person held: two roles, former and current, make a career transition.",
        {
            "id": "row number, in build order",
            "person_id": "person id",
            "seq": "order of the role in the person's record",
            "occupation_id": "occupation id",
            "company_id": "company (organisation) id",
            "title": "title as written in the source",
            "start": "start date (YYYY, YYYY-MM or YYYY-MM-DD)",
            "end": "end date",
            "status": "current or former",
            "claim_id": "the claim this row states; its citations are in citation",
        },
    ),
    "occupation_status": (
        "An occupation's standing: who recognised it and when, or that it is emerging, affected...",
        {
            "id": "row number, in build order",
            "occupation_id": "occupation id",
            "status": "recognised, emerging, speculative, established, affected or displaced",
            "by_id": "who recognised it",
            "date": "when it happened",
            "recognised_as": "occupation or work-type, for recognised",
            "place": "the place it refers to",
            "detail": "the curators' summary of the statement",
            "claim_id": "the claim this row states; its citations are in citation",
        },
    ),
    "occupation_relation": (
        "A link between two occupations: evolved from, replaces, displaced by, ...",
        {
            "id": "row number, in build order",
            "occupation_id": "occupation id",
            "relation": "how it relates to the other: evolved-from, replaces, displaced-by, "
            "specialisation-of or related-to",
            "other_id": "the related occupation",
            "claim_id": "the claim this row states; its citations are in citation",
        },
    ),
    "occupation_item": (
        "Tasks and tools of an occupation, in the curators' words.",
        {
            "id": "row number, in build order",
            "occupation_id": "occupation id",
            "kind": "task or tool",
            "text": "the text as written",
            "claim_id": "the claim this row states; its citations are in citation",
        },
    ),
    "search_entry": (
        "Every searchable text of every entity, with its folded form. `search_index` is an FTS5 "
        "table (trigram tokenizer) over `text` and `folded`, kept in step by `aijobs build`; "
        "queries shorter than three characters scan this table.",
        {
            "id": "row number, in build order",
            "entity_id": "id of any record",
            "kind": "preferred, alias, misspelling, translation, label or measure",
            "lang": "the text's language: zh-Hans, zh-Hant or en",
            "text": "the name as written",
            "folded": "simplified script, NFKC, case-folded: what queries are matched on",
        },
    ),
}


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _postgresql():
        return
    for table, (comment, columns) in COMMENTS.items():
        op.create_table_comment(table, comment)
        for column, text in columns.items():
            op.alter_column(table, column, comment=text)


def downgrade() -> None:
    if not _postgresql():
        return
    for table, (comment, columns) in COMMENTS.items():
        op.drop_table_comment(table, existing_comment=comment)
        for column, text in columns.items():
            op.alter_column(table, column, comment=None, existing_comment=text)
