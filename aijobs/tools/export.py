"""Exporting the whole knowledge base as JSON, CSV or JSON-LD, deterministically.

The same records always give byte-identical files: records are sorted by type and
id, keys keep the models' order, and nothing time-dependent is written.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from aijobs import records as rec
from aijobs.db.rows import TABLE_ORDER, build_rows
from aijobs.kb import KnowledgeBase

BASE_IRI = "https://aijobs.invalid/id/"
SCHEMA_TYPE = {
    "occupation": "Occupation",
    "person": "Person",
    "company": "Organization",
    "figure": "Observation",
    "source": "CreativeWork",
}


def _dumps(data: Any) -> str:
    # allow_nan=False: JSON has no Infinity or NaN; the models refuse them, and this refuses to write them.
    return json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


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
    quoted = []
    for citation in citations:
        quoted.append(
            {
                "@type": "Quotation",
                "text": citation.quote,
                "isPartOf": {"@id": _iri(citation.source)},
                "position": citation.para,
            }
        )
        if citation.also is not None:
            quoted.append(
                {
                    "@type": "Quotation",
                    "text": citation.also.quote,
                    "isPartOf": {"@id": _iri(citation.source)},
                    "position": citation.also.para,
                }
            )
    return quoted


def _names(record: rec.NamedRecord) -> dict[str, Any]:
    preferred = record.preferred_names()
    names = [{"@value": text, "@language": lang} for lang, text in preferred.items()]
    aliases = [
        {"@value": name.text, "@language": name.lang} for name in record.names if preferred.get(name.lang) != name.text
    ]
    node: dict[str, Any] = {"name": names}
    if aliases:
        node["alternateName"] = aliases
    return node


def _node(kb: KnowledgeBase, record: rec.Record) -> dict[str, Any]:
    node: dict[str, Any] = {"@id": _iri(record.id), "@type": SCHEMA_TYPE[record.kind_name], "identifier": record.id}
    if isinstance(record, rec.NamedRecord):
        node.update(_names(record))
    description = getattr(record, "description", None)
    if isinstance(description, rec.Statement):
        node["description"] = description.text
    elif isinstance(description, str):
        node["description"] = description
    if isinstance(record, rec.Source):
        node.update(
            {
                "name": record.title,
                "inLanguage": record.languages,
                "encodingFormat": record.format,
                "sha256": record.sha256,
            }
        )
        if record.published != "unknown":
            node["datePublished"] = record.published
        for key, value in (("author", record.author), ("publisher", record.publisher)):
            if value != "unknown":
                node[key] = {"@id": _iri(value)}
    elif isinstance(record, rec.Person):
        if record.anonymous is not None:
            node["name"] = record.anonymous.label
        node["hasOccupation"] = [
            {
                "@type": "Role",
                "hasOccupation": {"@id": _iri(role.occupation)} if role.occupation else None,
                "roleName": role.title,
                "startDate": role.start,
                "endDate": role.end,
                "worksFor": {"@id": _iri(role.company)} if role.company else None,
                "citation": _citations(role.cite),
            }
            for role in record.roles
        ]
        alumni = [{"@id": _iri(e.institution)} for e in record.education if e.institution]
        if alumni:
            node["alumniOf"] = alumni
    elif isinstance(record, rec.Company):
        if record.anonymous is not None:
            node["name"] = record.anonymous.label
        if record.location is not None:
            node["location"] = record.location.place
        if record.part_of is not None:
            node["parentOrganization"] = {"@id": _iri(record.part_of.organisation)}
    elif isinstance(record, rec.Occupation):
        node["skills"] = [task.text for task in record.tasks]
        node["additionalType"] = [status.status for status in record.statuses]
    elif isinstance(record, rec.Figure):
        node.update(
            {
                "measuredProperty": record.measure,
                "value": {
                    "@type": "QuantitativeValue",
                    "value": record.value,
                    "minValue": record.lower,
                    "maxValue": record.upper,
                    "unitText": record.unit,
                    "description": f"{record.approx}: {record.as_written}",
                },
                "observationDate": record.period,
                "observationAbout": [{"@id": _iri(target)} for target in record.about],
            }
        )
    node["citation"] = _citations([c for claim in kb.claims_about(record.id) for c in claim.citations])
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
