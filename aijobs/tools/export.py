"""Exporting the whole knowledge base as JSON, CSV or JSON-LD, deterministically.

The same records always give byte-identical files: records are sorted by type and
id, keys keep the models' order, and nothing time-dependent is written. Every export
says which dataset it is (`aijobs.db.dataset`): JSON in a top-level "dataset" object,
CSV in `dataset.csv`, JSON-LD in a schema.org `Dataset` node.

JSON-LD names every record ``<base IRI>id/<record id>`` and the dataset ``<base
IRI>dataset``. The base IRI is `DEFAULT_BASE_IRI` unless the caller gives one
(``aijobs export --format jsonld --base-iri https://example.org/aijobs/``): the project
has no domain of its own yet, so the default is under ``.invalid``, a top-level domain
reserved never to resolve (RFC 2606), which no one can mistake for a published IRI.

CSV is plain UTF-8 by default. `excel=True` starts each CSV file with a byte order
mark, which Excel needs to read UTF-8 (without it, Chinese shows as mojibake) but
which Python's csv module (encoding="utf-8") and line tools read as part of the first
column name; pandas, csvkit and sqlite3's `.import` skip it.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aijobs import records as rec
from aijobs.claims import Claim
from aijobs.db.dataset import DATA_LICENSE_URL, DatasetInfo, dataset_info
from aijobs.db.files import check_folders, check_output_text, shown, status_of
from aijobs.db.rows import TABLE_ORDER, build_rows
from aijobs.errors import AijobsError, UsageError
from aijobs.kb import KnowledgeBase
from aijobs.references import references

DEFAULT_BASE_IRI = "https://aijobs.invalid/"
"""The default base IRI: a placeholder under the reserved .invalid domain (see above)."""
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
    # allow_nan=False: JSON has no Infinity or NaN; the models refuse them, and this refuses to write them.
    return json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


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


@dataclass(frozen=True)
class Iris:
    """The IRIs of the JSON-LD graph, under one base IRI."""

    base: str = DEFAULT_BASE_IRI

    def __post_init__(self) -> None:
        check_base_iri(self.base)

    def record(self, record_id: str) -> str:
        return f"{self.base}id/{record_id}"

    @property
    def dataset(self) -> str:
        return f"{self.base}dataset"


_IRI_FORBIDDEN = frozenset(' "<>\\^`{|}')


def check_base_iri(base: str) -> str:
    """`base` if it is an absolute http(s) IRI ending in '/'; else a UsageError saying why."""
    parts = urlsplit(base)
    bad = sorted({char for char in base if char in _IRI_FORBIDDEN or not char.isprintable()})
    if parts.scheme not in ("http", "https") or not parts.netloc:
        problem = "it is not an absolute http:// or https:// IRI"
    elif bad:
        problem = f"it contains {', '.join(repr(char) for char in bad)}, which an IRI cannot"
    elif parts.query or parts.fragment or not base.endswith("/"):
        problem = "it must end with '/' (record IRIs are <base>id/<record id>), without ? or #"
    else:
        return base
    raise UsageError(f"base IRI {base!r}: {problem}; e.g. https://example.org/aijobs/")


def _citations(iris: Iris, citations: tuple[rec.Citation, ...] | list[rec.Citation]) -> list[dict[str, Any]]:
    return [
        {"@type": "Quotation", "text": quote, "isPartOf": {"@id": iris.record(citation.source)}, "position": para}
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
    ("producer", "by"): "creator",
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


def _links(iris: Iris, record: rec.Record) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for ref in references(record):
        key = LINK_PROPERTIES.get(tuple(part for part in ref.path if isinstance(part, str)))
        if key is None:
            continue
        link = {"@id": iris.record(ref.target)}
        if _is_listed(ref.path):
            found.setdefault(key, []).append(link)
        else:
            found[key] = link
    return {key: found[key] for key in LINK_PROPERTIES.values() if key in found}


def _source(iris: Iris, source: rec.Source) -> dict[str, Any]:
    return {
        "name": source.title,
        "inLanguage": source.languages,
        "encodingFormat": source.format,
        "sha256": source.sha256,
        "datePublished": None if source.published == "unknown" else source.published,
    }


def _person(iris: Iris, person: rec.Person) -> dict[str, Any]:
    roles = [
        {
            "@type": "Role",
            "hasOccupation": {"@id": iris.record(role.occupation)} if role.occupation else None,
            "roleName": role.title,
            "startDate": role.start,
            "endDate": role.end,
            "worksFor": {"@id": iris.record(role.company)} if role.company else None,
            "citation": _citations(iris, role.cite),
        }
        for role in person.roles
    ]
    return {"hasOccupation": roles}


def figure_range(figure: rec.Figure) -> tuple[float | None, float | None, float | None]:
    """(low, high, point) of a figure whatever its approximation: the rules of the figure_range view."""
    value, lower, upper = figure.value, figure.lower, figure.upper
    if figure.approx == "exact":
        return value, value, value
    low = (value if value is not None else lower) if figure.approx == "over" else lower
    high = (value if value is not None else upper) if figure.approx in ("under", "nearly") else upper
    point = value if figure.approx in ("about", "range", "order-of-magnitude") else None
    return low, high, point


def _property(name: str, value: Any, description: str | None = None) -> dict[str, Any]:
    return {"@type": "PropertyValue", "propertyID": name, "value": value, "description": description}


def _figure(iris: Iris, figure: rec.Figure) -> dict[str, Any]:
    """An Observation whose value is a QuantitativeValue: value/minValue/maxValue as in figure_range.

    The approximation, the number as written and the basis are PropertyValues of the
    value; the place is `spatialCoverage`; the producer's kind is `measurementTechnique`,
    the producer `creator` (a link, see LINK_PROPERTIES) and its report `isBasedOn`.
    """
    low, high, point = figure_range(figure)
    money = rec.money_unit(figure.unit)
    period = figure.period if figure.period_end is None else f"{figure.period}/{figure.period_end}"
    return {
        "measuredProperty": figure.measure,
        "value": {
            "@type": "QuantitativeValue",
            "value": point,
            "minValue": low,
            "maxValue": high,
            "unitText": figure.unit,
            "description": f"{figure.approx}: {figure.as_written}",
            "additionalProperty": [
                _property("approximation", figure.approx),
                _property("asWritten", figure.as_written),
                _property("currency", money[0]) if money else None,
                _property("perPeriod", money[1]) if money and money[1] else None,
                _property("basis", figure.basis.kind, figure.basis.reason),
            ],
        },
        "observationDate": figure.period,
        "observationPeriod": period,
        "spatialCoverage": {"@type": "Place", "name": figure.place} if figure.place else None,
        "measurementTechnique": figure.producer.kind,
        "isBasedOn": {"@type": "CreativeWork", "name": figure.producer.work} if figure.producer.work else None,
    }


def _product(iris: Iris, product: rec.Product) -> dict[str, Any]:
    return {"applicationCategory": product.kind}


# What a record type has beyond its names, claims and links: fields that are not claims of their own.
SPECIFIC: dict[type[rec.Record], Callable[[Iris, Any], dict[str, Any]]] = {
    rec.Source: _source,
    rec.Person: _person,
    rec.Figure: _figure,
    rec.Product: _product,
}


def _node(kb: KnowledgeBase, record: rec.Record, iris: Iris) -> dict[str, Any]:
    """A schema.org node: names, then the claims and links the tables above map, then the citations."""
    claims = kb.claims_about(record.id)
    specific = SPECIFIC.get(type(record))
    node: dict[str, Any] = {
        "@id": iris.record(record.id),
        "@type": SCHEMA_TYPE[record.kind_name],
        "identifier": record.id,
        **_names(record),
        **_claimed(claims),
        **(specific(iris, record) if specific is not None else {}),
        **_links(iris, record),
        "citation": _citations(iris, [citation for claim in claims for citation in claim.citations]),
    }
    cleaned: dict[str, Any] = _drop_empty(node)
    return cleaned


def _drop_empty(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_empty(v) for k, v in value.items() if v not in (None, [], {})}
    if isinstance(value, list):
        return [_drop_empty(v) for v in value if v is not None]
    return value


def dataset_node(dataset: DatasetInfo, iris: Iris | None = None) -> dict[str, Any]:
    """The schema.org `Dataset` the graph belongs to: version, commit date, licence."""
    node: dict[str, Any] = {
        "@id": (iris or Iris()).dataset,
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


def to_jsonld(
    kb: KnowledgeBase, dataset: DatasetInfo | None = None, *, base_iri: str = DEFAULT_BASE_IRI
) -> dict[str, str]:
    """{file name: content}: one schema.org graph, every IRI under `base_iri` (see the module doc)."""
    iris = Iris(base_iri)
    graph = [dataset_node(dataset or dataset_info(kb.root), iris)]
    graph += [_node(kb, item.record, iris) for item in kb.loaded]
    return {"aijobs.jsonld": _dumps({"@context": "https://schema.org/", "@graph": graph})}


EXPORTERS: dict[str, Callable[[KnowledgeBase, DatasetInfo], dict[str, str]]] = {
    "json": to_json,
    "csv": to_csv,
    "jsonld": to_jsonld,
}


def export(
    kb: KnowledgeBase,
    fmt: str,
    out: Path,
    dataset: DatasetInfo | None = None,
    *,
    excel: bool = False,
    base_iri: str | None = None,
) -> list[Path]:
    """Write the export files into `out`; returns their paths.

    `dataset` defaults to `dataset_info(kb.root)`. `excel` (CSV only) writes UTF-8 with a
    byte order mark, for spreadsheet programs. `base_iri` (JSON-LD only) is the IRI the
    records' IRIs start with, `DEFAULT_BASE_IRI` when None.
    """
    if excel and fmt != "csv":
        raise UsageError("excel=True applies to the csv format only")
    if base_iri is not None and fmt != "jsonld":
        raise UsageError("a base IRI applies to the jsonld format only")
    info = dataset or dataset_info(kb.root)
    if fmt == "jsonld":
        contents = to_jsonld(kb, info, base_iri=check_base_iri(base_iri or DEFAULT_BASE_IRI))
    else:
        contents = EXPORTERS[fmt](kb, info)
    if excel:
        return write_export(out, {name: "\ufeff" + content for name, content in contents.items()}, fmt)
    return write_export(out, contents, fmt)


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
