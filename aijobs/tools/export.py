"""Exporting the whole knowledge base as JSON, CSV or JSON-LD, deterministically.

The same records always give byte-identical files: records are sorted by type and
id, keys keep the models' order, and nothing time-dependent is written.

An export writes only into a new folder (its parent must exist), an empty one, or one
that holds nothing but a previous export: each export leaves a manifest,
`.aijobs-export.json`, naming its files, and the next export into the folder replaces
those files (and removes the ones it no longer writes) and nothing else. Files are
written to a temporary name and renamed into place; symbolic links are never followed.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from aijobs import records as rec
from aijobs.claims import Claim
from aijobs.db.files import check_folders, check_output_text, shown, status_of
from aijobs.db.rows import TABLE_ORDER, build_rows
from aijobs.errors import AijobsError
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
    """Write the export files into `out`; returns their paths (see `write_export`)."""
    return write_export(out, EXPORTERS[fmt](kb), fmt)


MANIFEST = ".aijobs-export.json"
GENERATOR = "aijobs export"
_TEMP = re.compile(r"\.aijobs-export-[A-Za-z0-9_]{8}\.tmp")  # mkstemp's names below, left by a killed export
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def _previous_export(out: Path) -> set[str] | None:
    """The files the manifest in `out` names, or None if there is no valid manifest of ours."""
    manifest = out / MANIFEST
    try:
        if not stat.S_ISREG(manifest.lstat().st_mode):
            return None
        with manifest.open("rb") as handle:
            data = json.loads(handle.read(1_000_000))
    except (OSError, ValueError):
        return None
    files = data.get("files") if isinstance(data, dict) and data.get("generator") == GENERATOR else None
    if not isinstance(files, list) or not all(isinstance(n, str) and _PLAIN_NAME.fullmatch(n) for n in files):
        return None
    return set(files)


def check_export_folder(out: Path) -> set[str]:
    """Refuse an `out` aijobs may not write into; returns the previous export's file names there."""
    check_output_text(str(out), "--out")
    check_folders(out)
    status = status_of(out)
    if status is None:
        return set()
    where = shown(out)
    if stat.S_ISLNK(status.st_mode):
        raise AijobsError(f"{where} is a symbolic link; aijobs never writes through one; give another folder")
    if not stat.S_ISDIR(status.st_mode):
        raise AijobsError(f"{where} is not a folder; give a new or empty folder to export into")
    if not status.st_mode & 0o222 or not os.access(out, os.W_OK):
        raise AijobsError(f"{where} is read-only; refusing to write into it")
    entries = sorted(os.listdir(out))
    if not entries:
        return set()
    previous = _previous_export(out)
    ours = previous | {MANIFEST} if previous is not None else set()
    foreign = [
        name
        for name in entries
        if not ((name in ours or _TEMP.fullmatch(name)) and stat.S_ISREG((out / name).lstat().st_mode))
    ]
    if foreign:
        listed = ", ".join(shown(name) for name in foreign[:5]) + (", ..." if len(foreign) > 5 else "")
        what = "files that are not from an aijobs export" if previous is not None else f"no aijobs export ({MANIFEST})"
        raise AijobsError(f"{where} holds {what}: {listed}; refusing to write into it; give a new or empty folder")
    return previous or set()


def _write_file(out: Path, name: str, content: str | bytes) -> Path:
    handle, temp_name = tempfile.mkstemp(prefix=".aijobs-export-", suffix=".tmp", dir=out)
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content.encode("utf-8") if isinstance(content, str) else content)
        os.chmod(temp, _new_file_mode())
        os.replace(temp, out / name)  # a rename replaces the name itself, never what a link points to
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return out / name


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _manifest(fmt: str, names: set[str]) -> str:
    return json.dumps({"generator": GENERATOR, "format": fmt, "files": sorted(names)}, indent=2) + "\n"


def write_export(out: Path, files: Mapping[str, str | bytes], fmt: str) -> list[Path]:
    """Write `files` ({plain file name: content}) into the folder `out`; returns their paths.

    `out` must be new (its parent existing), empty, or hold only a previous aijobs export
    (named by its manifest); raises AijobsError naming it otherwise, before writing
    anything. The manifest first names old and new files, so an export that is
    interrupted leaves a folder the next export still recognises.
    """
    for name in files:
        if not _PLAIN_NAME.fullmatch(name) or name == MANIFEST:
            raise ValueError(f"an exporter produced the file name {name!r}")
    previous = check_export_folder(out)
    if not previous and not out.exists():
        out.mkdir()
    _write_file(out, MANIFEST, _manifest(fmt, previous | set(files)))
    written = [_write_file(out, name, content) for name, content in files.items()]
    for stale in sorted(previous - set(files)):
        (out / stale).unlink(missing_ok=True)
    for leftover in os.listdir(out):
        if _TEMP.fullmatch(leftover):
            (out / leftover).unlink(missing_ok=True)
    _write_file(out, MANIFEST, _manifest(fmt, set(files)))
    return written
