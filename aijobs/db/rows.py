"""Turning a validated knowledge base into table rows (plain dicts, in insert order).

Rows are built in memory in one pass, with claim ids assigned here, so the database
build can insert each table with a single executemany and never query back.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from aijobs import records as rec
from aijobs.claims import Claim
from aijobs.kb import KnowledgeBase
from aijobs.text import fold

Row = dict[str, Any]

# Tables in an order that satisfies foreign keys.
TABLE_ORDER = (
    "entity",
    "source",
    "company",
    "occupation",
    "person",
    "figure",
    "claim",
    "citation",
    "figure_about",
    "label",
    "person_age",
    "education",
    "role",
    "occupation_status",
    "occupation_relation",
    "occupation_item",
    "search_entry",
)


def _unknown_to_none(value: str | None) -> str | None:
    return None if value == "unknown" else value


def _names(record: rec.NamedRecord) -> Row:
    preferred = record.preferred_names()
    return {
        "name_zh_hans": preferred.get("zh-Hans"),
        "name_zh_hant": preferred.get("zh-Hant"),
        "name_en": preferred.get("en"),
    }


def _description(record: Any) -> str | None:
    description = getattr(record, "description", None)
    return description.text if isinstance(description, rec.Statement) else None


def build_rows(kb: KnowledgeBase) -> dict[str, list[Row]]:
    """Every row of every table, keyed by table name."""
    rows: dict[str, list[Row]] = defaultdict(list)
    claim_ids: dict[tuple[str, tuple[str | int, ...]], int] = {}
    claims_by_record: dict[str, list[Claim]] = defaultdict(list)
    for number, claim in enumerate(kb.claims(), start=1):
        claim_ids[(claim.subject, claim.path)] = number
        claims_by_record[claim.subject].append(claim)
        rows["claim"].append(
            {
                "id": number,
                "key": claim.key,
                "subject_id": claim.subject,
                "property": claim.property,
                "value": claim.value,
                "lang": claim.lang,
                "value_json": claim.value_json(),
            }
        )
        for citation in claim.citations:
            rows["citation"].append(
                {
                    "claim_id": number,
                    "source_id": citation.source,
                    "paragraph": citation.para,
                    "quote": citation.quote,
                    "parallel_paragraph": citation.also.para if citation.also else None,
                    "parallel_quote": citation.also.quote if citation.also else None,
                }
            )

    def claim_id(record: rec.Record, *path: str | int) -> int:
        return claim_ids[(record.id, tuple(path))]

    for item in kb.loaded:
        record = item.record
        rows["entity"].append(
            {
                "id": record.id,
                "type": record.kind_name,
                "name": record.display_name(),
                "file": item.shown_as,
            }
        )
        if isinstance(record, rec.NamedRecord):
            _label_rows(record, rows, claim_ids)
        _record_rows(record, rows, claim_id)
    return rows


def _label_rows(record: rec.NamedRecord, rows: dict[str, list[Row]], claim_ids: dict[Any, int]) -> None:
    preferred = record.preferred_names()
    seen_preferred: set[str] = set()
    for index, name in enumerate(record.names):
        is_preferred = (
            not name.misspelling and preferred.get(name.lang) == name.text and name.lang not in seen_preferred
        )
        if is_preferred:
            seen_preferred.add(name.lang)
        rows["label"].append(
            {
                "entity_id": record.id,
                "lang": name.lang,
                "text": name.text,
                "preferred": is_preferred,
                "translation": name.translation,
                "misspelling": name.misspelling,
                "claim_id": claim_ids.get((record.id, ("names", index))),
            }
        )
        if is_preferred:
            kind = "preferred"
        else:
            kind = "misspelling" if name.misspelling else "translation" if name.translation else "alias"
        rows["search_entry"].append(_search_row(record.id, kind, name.lang, name.text))


def _search_row(entity_id: str, kind: str, lang: str | None, text: str) -> Row:
    return {"entity_id": entity_id, "kind": kind, "lang": lang, "text": text, "folded": fold(text)}


def _record_rows(record: rec.Record, rows: dict[str, list[Row]], claim_id: Any) -> None:
    base = {"id": record.id, "note": record.note}
    anonymous = getattr(record, "anonymous", None)
    if anonymous is not None:
        rows["search_entry"].append(_search_row(record.id, "label", "en", anonymous.label))
    if isinstance(record, rec.Source):
        rows["source"].append(
            {
                **base,
                "title": record.title,
                "languages": " ".join(record.languages),
                "file": record.file,
                "format": record.format,
                "sha256": record.sha256,
                "published": record.published,
                "author_id": _unknown_to_none(record.author),
                "publisher_id": _unknown_to_none(record.publisher),
                "original_publisher_id": record.original_publisher,
                "description": _description(record),
            }
        )
    elif isinstance(record, rec.Company):
        rows["company"].append(
            {
                **base,
                **_names(record),
                "kind": record.kind,
                "anonymous": record.anonymous is not None,
                "anonymous_label": record.anonymous.label if record.anonymous else None,
                "location": record.location.place if record.location else None,
                "part_of_id": record.part_of.organisation if record.part_of else None,
                "description": _description(record),
            }
        )
    elif isinstance(record, rec.Person):
        rows["person"].append(
            {
                **base,
                **_names(record),
                "anonymous": record.anonymous is not None,
                "anonymous_label": record.anonymous.label if record.anonymous else None,
                "description": _description(record),
            }
        )
        for i, age in enumerate(record.ages):
            rows["person_age"].append(
                {
                    "person_id": record.id,
                    "years": age.years,
                    "as_of": age.as_of,
                    "claim_id": claim_id(record, "ages", i),
                }
            )
        for i, education in enumerate(record.education):
            rows["education"].append(
                {
                    "person_id": record.id,
                    "field": education.field,
                    "institution_id": education.institution,
                    "degree": education.degree,
                    "until": education.until,
                    "claim_id": claim_id(record, "education", i),
                }
            )
        for i, role in enumerate(record.roles):
            rows["role"].append(
                {
                    "person_id": record.id,
                    "seq": i + 1,
                    "occupation_id": role.occupation,
                    "company_id": role.company,
                    "title": role.title,
                    "start": role.start,
                    "end": role.end,
                    "status": role.status,
                    "claim_id": claim_id(record, "roles", i),
                }
            )
    elif isinstance(record, rec.Occupation):
        rows["occupation"].append({**base, **_names(record), "description": _description(record)})
        for i, status in enumerate(record.statuses):
            rows["occupation_status"].append(
                {
                    "occupation_id": record.id,
                    "status": status.status,
                    "by_id": status.by,
                    "date": status.date,
                    "recognised_as": status.recognised_as,
                    "place": status.place,
                    "detail": status.detail,
                    "claim_id": claim_id(record, "statuses", i),
                }
            )
        for i, relation in enumerate(record.related):
            rows["occupation_relation"].append(
                {
                    "occupation_id": record.id,
                    "relation": relation.relation,
                    "other_id": relation.occupation,
                    "claim_id": claim_id(record, "related", i),
                }
            )
        for kind, items in (("task", record.tasks), ("tool", record.tools)):
            for i, item in enumerate(items):
                rows["occupation_item"].append(
                    {
                        "occupation_id": record.id,
                        "kind": kind,
                        "text": item.text,
                        "claim_id": claim_id(record, f"{kind}s", i),
                    }
                )
    elif isinstance(record, rec.Figure):
        rows["figure"].append(
            {
                **base,
                "measure": record.measure,
                "value": record.value,
                "lower": record.lower,
                "upper": record.upper,
                "unit": record.unit,
                "approx": record.approx,
                "as_written": record.as_written,
                "period": record.period,
                "period_end": record.period_end,
                "place": record.place,
                "producer_kind": record.producer.kind,
                "producer_id": record.producer.by,
                "producer_work": record.producer.work,
            }
        )
        rows["search_entry"].append(_search_row(record.id, "measure", "en", record.measure))
        for target in dict.fromkeys(record.about):
            rows["figure_about"].append({"figure_id": record.id, "entity_id": target})
