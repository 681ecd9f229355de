"""Exporting the whole knowledge base as JSON, CSV or JSON-LD, deterministically.

The same records always give byte-identical files: records are sorted by type and
id, keys keep the models' order, and nothing time-dependent is written. Every export
says which dataset it is (`aijobs.db.dataset`): JSON in a top-level "dataset" object,
CSV in `dataset.csv`, JSON-LD in a schema.org `Dataset` node.

CSV is plain UTF-8 by default. `excel=True` starts each CSV file with a byte order
mark, which Excel needs to read UTF-8 (without it, Chinese shows as mojibake) but
which Python's csv module (encoding="utf-8") and line tools read as part of the first
column name; pandas, csvkit and sqlite3's `.import` skip it.
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
from aijobs.db.dataset import DATA_LICENSE_URL, DatasetInfo, dataset_info
from aijobs.db.rows import TABLE_ORDER, build_rows
from aijobs.errors import UsageError
from aijobs.kb import KnowledgeBase
from aijobs.references import references

BASE_IRI = "https://aijobs.invalid/id/"
DATASET_IRI = "https://aijobs.invalid/dataset"
DATASET_NAME = "aijobs"
DATASET_DESCRIPTION = "A hand-curated, citable knowledge base of the occupations AI creates and changes."
SCHEMA_TYPE = {
    "occupation": "Occupation",
    "person": "Person",
    "company": "Organization",
    "figure": "Observation",
    "source": "CreativeWork",
    "product": "SoftwareApplication",
}


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def to_json(kb: KnowledgeBase, dataset: DatasetInfo | None = None) -> dict[str, str]:
    """{file name: content}: the dataset metadata, then the records as written, grouped by folder."""
    grouped: dict[str, Any] = {"dataset": (dataset or dataset_info(kb.root)).as_row()}
    grouped.update({cls.folder: [] for cls in rec.RECORD_TYPES})
    for item in kb.loaded:
        grouped[item.record.folder].append(item.record.model_dump(mode="json", exclude_unset=True))
    return {"aijobs.json": _dumps(grouped)}


def _csv(columns: list[str], rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="raise")
    writer.writeheader()
    for number, row in enumerate(rows, start=1):
        writer.writerow({"id": number, **row} if "id" in columns and "id" not in row else row)
    return buffer.getvalue()


def to_csv(kb: KnowledgeBase, dataset: DatasetInfo | None = None) -> dict[str, str]:
    """{file name: content}: one CSV file per database table, columns in schema order."""
    from aijobs.db.tables import DatasetRow, metadata

    rows = build_rows(kb)
    files = {}
    for name in TABLE_ORDER:
        columns = [column.name for column in metadata.tables[name].columns]
        files[f"{name}.csv"] = _csv(columns, rows.get(name, []))
    dataset_table = str(DatasetRow.__tablename__)
    columns = [column.name for column in metadata.tables[dataset_table].columns]
    files[f"{dataset_table}.csv"] = _csv(columns, [(dataset or dataset_info(kb.root)).as_row()])
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
    ("maker", "company"): "creator",
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


def _product(product: rec.Product) -> dict[str, Any]:
    return {"applicationCategory": product.kind}


# What a record type has beyond its names, claims and links: fields that are not claims of their own.
SPECIFIC: dict[type[rec.Record], Callable[[Any], dict[str, Any]]] = {
    rec.Source: _source,
    rec.Person: _person,
    rec.Figure: _figure,
    rec.Product: _product,
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


def dataset_node(dataset: DatasetInfo) -> dict[str, Any]:
    """The schema.org `Dataset` the graph belongs to: version, commit date, licence."""
    node: dict[str, Any] = {
        "@id": DATASET_IRI,
        "@type": "Dataset",
        "name": DATASET_NAME,
        "description": DATASET_DESCRIPTION,
        "version": dataset.version,
        "dateModified": dataset.commit_date,
        "license": DATA_LICENSE_URL,
        "schemaVersion": dataset.schema_revision,
    }
    if dataset.git_commit is not None:
        node["identifier"] = {"@type": "PropertyValue", "propertyID": "git-commit", "value": dataset.git_commit}
    cleaned: dict[str, Any] = _drop_empty(node)
    return cleaned


def to_jsonld(kb: KnowledgeBase, dataset: DatasetInfo | None = None) -> dict[str, str]:
    graph = [dataset_node(dataset or dataset_info(kb.root))] + [_node(kb, item.record) for item in kb.loaded]
    return {"aijobs.jsonld": _dumps({"@context": "https://schema.org/", "@graph": graph})}


EXPORTERS = {"json": to_json, "csv": to_csv, "jsonld": to_jsonld}


def export(
    kb: KnowledgeBase, fmt: str, out: Path, dataset: DatasetInfo | None = None, *, excel: bool = False
) -> list[Path]:
    """Write the export files into `out`; returns their paths.

    `dataset` defaults to `dataset_info(kb.root)`. `excel` (CSV only) writes UTF-8 with a
    byte order mark, for spreadsheet programs.
    """
    if excel and fmt != "csv":
        raise UsageError("excel=True applies to the csv format only")
    contents = EXPORTERS[fmt](kb, dataset or dataset_info(kb.root))
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in contents.items():
        path = out / name
        path.write_text(content, encoding="utf-8-sig" if excel else "utf-8")
        written.append(path)
    return written
