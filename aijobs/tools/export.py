"""Exporting the whole knowledge base as JSON, CSV or JSON-LD, deterministically.

The same records always give byte-identical files: records are sorted by type and
id, keys keep the models' order, and nothing time-dependent is written.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aijobs import records as rec
from aijobs.claims import Claim
from aijobs.db.rows import TABLE_ORDER, build_rows
from aijobs.kb import KnowledgeBase
from aijobs.references import references

BASE_IRI = "https://aijobs.invalid/id/"
SCHEMA_TYPE = {
    "occupation": "Occupation",
    "person": "Person",
    "company": "Organization",
    "figure": "Observation",
    "source": "CreativeWork",
}


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def to_json(kb: KnowledgeBase) -> dict[str, str]:
    """{file name: content}: the records as written, grouped by folder."""
    grouped: dict[str, list[dict[str, Any]]] = {cls.folder: [] for cls in rec.RECORD_TYPES}
    for item in kb.loaded:
        grouped[item.record.folder].append(item.record.model_dump(mode="json", exclude_unset=True))
    return {"aijobs.json": _dumps(grouped)}


def to_csv(kb: KnowledgeBase) -> dict[str, str]:
    """{file name: content}: one CSV file per database table, columns in schema order."""
    from aijobs.db.tables import metadata

    rows = build_rows(kb)
    files = {}
    for name in TABLE_ORDER:
        columns = [column.name for column in metadata.tables[name].columns]
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="raise")
        writer.writeheader()
        for number, row in enumerate(rows.get(name, []), start=1):
            writer.writerow({"id": number, **row} if "id" in columns and "id" not in row else row)
        files[f"{name}.csv"] = buffer.getvalue()
    return files


def _iri(record_id: str) -> str:
    return BASE_IRI + record_id


def _citations(citations: tuple[rec.Citation, ...] | list[rec.Citation]) -> list[dict[str, Any]]:
    return [
        {"@type": "Quotation", "text": quote, "isPartOf": {"@id": _iri(citation.source)}, "position": para}
        for citation in citations
        for para, quote in citation.spans()
    ]


def _names(record: rec.Record) -> dict[str, Any]:
    if not isinstance(record, rec.NamedRecord):
        return {}
    preferred = record.preferred_names()
    names = [{"@value": text, "@language": lang} for lang, text in preferred.items()]
    aliases = [
        {"@value": name.text, "@language": name.lang} for name in record.names if preferred.get(name.lang) != name.text
    ]
    node: dict[str, Any] = {"name": names}
    if aliases:
        node["alternateName"] = aliases
    return node


# schema.org properties of the claims whose value is the statement itself, in output order.
# A claim that sits in a list (an occupation's tasks) gives a list.
CLAIM_PROPERTIES = {
    "description": "description",
    "anonymous": "name",
    "location": "location",
    "task": "skills",
    "status": "additionalType",
}

# schema.org properties of references, by their field path (list indexes left out).
LINK_PROPERTIES = {
    ("author",): "author",
    ("publisher",): "publisher",
    ("education", "institution"): "alumniOf",
    ("part_of", "organisation"): "parentOrganization",
    ("about",): "observationAbout",
}


def _is_listed(path: tuple[str | int, ...]) -> bool:
    return any(isinstance(part, int) for part in path)


def _claimed(claims: list[Claim]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for claim in claims:
        key = CLAIM_PROPERTIES.get(claim.property)
        if key is None:
            continue
        if _is_listed(claim.path):
            found.setdefault(key, []).append(claim.value)
        else:
            found[key] = claim.value
    return {key: found[key] for key in CLAIM_PROPERTIES.values() if key in found}


def _links(record: rec.Record) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for ref in references(record):
        key = LINK_PROPERTIES.get(tuple(part for part in ref.path if isinstance(part, str)))
        if key is None:
            continue
        link = {"@id": _iri(ref.target)}
        if _is_listed(ref.path):
            found.setdefault(key, []).append(link)
        else:
            found[key] = link
    return {key: found[key] for key in LINK_PROPERTIES.values() if key in found}


def _source(source: rec.Source) -> dict[str, Any]:
    return {
        "name": source.title,
        "inLanguage": source.languages,
        "encodingFormat": source.format,
        "sha256": source.sha256,
        "datePublished": None if source.published == "unknown" else source.published,
    }


def _person(person: rec.Person) -> dict[str, Any]:
    roles = [
        {
            "@type": "Role",
            "hasOccupation": {"@id": _iri(role.occupation)} if role.occupation else None,
            "roleName": role.title,
            "startDate": role.start,
            "endDate": role.end,
            "worksFor": {"@id": _iri(role.company)} if role.company else None,
            "citation": _citations(role.cite),
        }
        for role in person.roles
    ]
    return {"hasOccupation": roles}


def _figure(figure: rec.Figure) -> dict[str, Any]:
    return {
        "measuredProperty": figure.measure,
        "value": {
            "@type": "QuantitativeValue",
            "value": figure.value,
            "minValue": figure.lower,
            "maxValue": figure.upper,
            "unitText": figure.unit,
            "description": f"{figure.approx}: {figure.as_written}",
        },
        "observationDate": figure.period,
    }


# What a record type has beyond its names, claims and links: fields that are not claims of their own.
SPECIFIC: dict[type[rec.Record], Callable[[Any], dict[str, Any]]] = {
    rec.Source: _source,
    rec.Person: _person,
    rec.Figure: _figure,
}


def _node(kb: KnowledgeBase, record: rec.Record) -> dict[str, Any]:
    """A schema.org node: names, then the claims and links the tables above map, then the citations."""
    claims = kb.claims_about(record.id)
    specific = SPECIFIC.get(type(record))
    node: dict[str, Any] = {
        "@id": _iri(record.id),
        "@type": SCHEMA_TYPE[record.kind_name],
        "identifier": record.id,
        **_names(record),
        **_claimed(claims),
        **(specific(record) if specific is not None else {}),
        **_links(record),
        "citation": _citations([citation for claim in claims for citation in claim.citations]),
    }
    cleaned: dict[str, Any] = _drop_empty(node)
    return cleaned


def _drop_empty(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_empty(v) for k, v in value.items() if v not in (None, [], {})}
    if isinstance(value, list):
        return [_drop_empty(v) for v in value]
    return value


def to_jsonld(kb: KnowledgeBase) -> dict[str, str]:
    graph = [_node(kb, item.record) for item in kb.loaded]
    return {"aijobs.jsonld": _dumps({"@context": "https://schema.org/", "@graph": graph})}


EXPORTERS = {"json": to_json, "csv": to_csv, "jsonld": to_jsonld}


def export(kb: KnowledgeBase, fmt: str, out: Path) -> list[Path]:
    """Write the export files into `out`; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in EXPORTERS[fmt](kb).items():
        path = out / name
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written
