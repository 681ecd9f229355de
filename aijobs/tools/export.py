"""Exporting the whole knowledge base as JSON, CSV or JSON-LD, deterministically.

The same records always give byte-identical files: records are sorted by type and
id, keys keep the models' order, and nothing time-dependent is written. Every export
says which dataset it is (`aijobs.db.dataset`): JSON in a top-level "dataset" object,
CSV in `dataset.csv`, JSON-LD in a schema.org `Dataset` node.

Each format is an `Exporter`: what it makes of one record (`json_record`, `jsonld_node`,
or the build's own rows for CSV), and the framing it writes around those parts.
`export_folder` (what ``aijobs export`` runs) reads a curated folder record by record
through `aijobs.scan`, so the parts are made in the worker processes and kept in the
record cache, and memory stays small; `export` and `to_json`, `to_csv`, `to_jsonld` run
the same exporters over a knowledge base already loaded, so both give the same bytes.

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
import shutil
import stat
import tempfile
from collections.abc import Callable, Mapping
from contextlib import closing, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from aijobs import records as rec
from aijobs.cache import RecordCache
from aijobs.claims import Claim, claims_of
from aijobs.db.dataset import DATA_LICENSE_URL, DatasetInfo, dataset_info
from aijobs.db.files import check_folders, check_output_text, shown, status_of
from aijobs.db.rows import TABLE_ORDER, RowBatches, record_rows
from aijobs.errors import AijobsError, UsageError
from aijobs.kb import KnowledgeBase
from aijobs.loader import Derive, FileOutcome, RecordFile
from aijobs.problems import ProblemsFound
from aijobs.references import references
from aijobs.scan import Progress, ScanResult, scan
from aijobs.walk import Node, walk

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


def _json(data: Any) -> str:
    # allow_nan=False: JSON has no Infinity or NaN; the models refuse them, and this refuses to write them.
    return json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False)


def _indented(text: str, level: int) -> str:
    """JSON `text` (from `_json`) as it reads `level` levels deep: every line but the first indented."""
    return text.replace("\n", "\n" + "  " * level)  # JSON strings hold no raw newline: each one is a line break


# What each format makes of one record: run in the worker processes (`aijobs.scan`, by name) and
# kept in the record cache, so an export, like a build, reads each file once and holds one record.


def json_record(record: rec.Record, shown: str, nodes: list[Node]) -> str:
    """The record as aijobs.json holds it (its fields as written), at its place in its folder's list."""
    return _indented(_json(record.model_dump(mode="json", exclude_unset=True)), 2)


def jsonld_node(record: rec.Record, shown: str, nodes: list[Node]) -> dict[str, Any]:
    """The record's schema.org node, its IRIs under `DEFAULT_BASE_IRI` (`_rebased` moves them)."""
    return _node(record, _DEFAULT_IRIS, nodes)


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


_DEFAULT_IRIS = Iris()
"""What every record's JSON-LD part is made with (`jsonld_node`): the default base, checked once."""


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


def _links(iris: Iris, record: rec.Record, nodes: list[Node]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for ref in references(record, nodes):
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


def _node(record: rec.Record, iris: Iris, nodes: list[Node]) -> dict[str, Any]:
    """A schema.org node: names, then the claims and links the tables above map, then the citations."""
    claims = list(claims_of(record, nodes))
    specific = SPECIFIC.get(type(record))
    node: dict[str, Any] = {
        "@id": iris.record(record.id),
        "@type": SCHEMA_TYPE[record.kind_name],
        "identifier": record.id,
        **_names(record),
        **_claimed(claims),
        **(specific(iris, record) if specific is not None else {}),
        **_links(iris, record, nodes),
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


def _rebased(value: Any, base: str) -> Any:
    """`value` (a node of `jsonld_node`) with every IRI under `base` instead of `DEFAULT_BASE_IRI`.

    Only the "@id" of a node or link is an IRI, and only this module writes that key."""
    if isinstance(value, dict):
        moved = {key: _rebased(item, base) for key, item in value.items()}
        if isinstance(moved.get("@id"), str) and moved["@id"].startswith(DEFAULT_BASE_IRI):
            moved["@id"] = base + moved["@id"][len(DEFAULT_BASE_IRI) :]
        return moved
    if isinstance(value, list):
        return [_rebased(item, base) for item in value]
    return value


Write = Callable[[BinaryIO], None]
"""Writes one export file, whole, into the open file it is given."""


class _Parts:
    """Nameless temporary files (in the system's temporary folder, gone when closed) that an export
    fills record by record and copies into its files at the end: memory stays small."""

    def __init__(self) -> None:
        self.files: dict[str, BinaryIO] = {}

    def __getitem__(self, name: str) -> BinaryIO:
        if name not in self.files:
            try:
                self.files[name] = tempfile.TemporaryFile()  # noqa: SIM115 (closed by `close`)
            except OSError as exc:
                raise _no_room(exc) from None
        return self.files[name]

    def write(self, name: str, data: bytes) -> None:
        """Add `data` to the part `name`."""
        try:
            self[name].write(data)
        except OSError as exc:
            raise _no_room(exc) from None

    def copy(self, name: str, out: BinaryIO) -> None:
        """Copy what was written to the part `name` (nothing if none was) into `out`."""
        part = self.files.get(name)
        if part is not None:
            part.flush()
            part.seek(0)
            shutil.copyfileobj(part, out)

    def close(self) -> None:
        for part in self.files.values():
            part.close()
        self.files.clear()


def _no_room(exc: OSError) -> AijobsError:
    """The error for a temporary file that could not be made or written (the folder, full, ...)."""
    folder = tempfile.tempdir or os.environ.get("TMPDIR")
    where = shown(folder) if folder else "the system's temporary folder"
    return AijobsError(
        f"cannot write a temporary file of the export in {where} ({exc.strerror or exc}); "
        "set TMPDIR to a folder with room that you can write to"
    )


class Exporter:
    """One export format, record by record: `derive` makes a record's part (a module-level function
    of the record, its file as shown and its walk, which worker processes call by name), `add` takes
    the parts in (type, id) order, and `files` gives each file to write once every record is added."""

    derive: Derive

    def __init__(self) -> None:
        self.parts = _Parts()

    def add(self, folder: str, derived: Any) -> None:
        raise NotImplementedError

    def files(self, dataset: DatasetInfo) -> dict[str, Write]:
        raise NotImplementedError

    def close(self) -> None:
        self.parts.close()


class _ListParts(Exporter):
    """Formats whose records are items of JSON lists, one list per part: each item after a comma."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[str, int] = {}

    def append(self, part: str, text: str) -> None:
        count = self.counts.get(part, 0)
        self.parts.write(part, ("," if count else "").encode() + b"\n    " + text.encode("utf-8"))
        self.counts[part] = count + 1

    def list_of(self, part: str, out: BinaryIO) -> None:
        """The JSON list of the part's items, one level deep (`[]` for none)."""
        if not self.counts.get(part):
            out.write(b"[]")
            return
        out.write(b"[")
        self.parts.copy(part, out)
        out.write(b"\n  ]")


class JsonExporter(_ListParts):
    """aijobs.json: the dataset, then each folder's records as written, folders in `RECORD_TYPES` order."""

    derive = staticmethod(json_record)

    def add(self, folder: str, derived: Any) -> None:
        self.append(folder, derived)

    def files(self, dataset: DatasetInfo) -> dict[str, Write]:
        def write(out: BinaryIO) -> None:
            out.write(b'{\n  "dataset": ' + _indented(_json(dataset.as_row()), 1).encode("utf-8"))
            for cls in rec.RECORD_TYPES:
                out.write(f",\n  {json.dumps(cls.folder)}: ".encode())
                self.list_of(cls.folder, out)
            out.write(b"\n}\n")

        return {"aijobs.json": write}


class JsonldExporter(_ListParts):
    """aijobs.jsonld: one schema.org graph, the dataset's node first, every IRI under `base`."""

    derive = staticmethod(jsonld_node)

    def __init__(self, base: str = DEFAULT_BASE_IRI) -> None:
        super().__init__()
        self.iris = Iris(check_base_iri(base))

    def add(self, folder: str, derived: Any) -> None:
        node = derived if self.iris.base == DEFAULT_BASE_IRI else _rebased(derived, self.iris.base)
        self.append("graph", _indented(_json(node), 2))

    def files(self, dataset: DatasetInfo) -> dict[str, Write]:
        def write(out: BinaryIO) -> None:
            head = '{\n  "@context": "https://schema.org/",\n  "@graph": [\n    '
            out.write((head + _indented(_json(dataset_node(dataset, self.iris)), 2)).encode("utf-8"))
            if self.counts.get("graph"):
                out.write(b",")
                self.parts.copy("graph", out)
            out.write(b"\n  ]\n}\n")

        return {"aijobs.jsonld": write}


class CsvExporter(Exporter):
    """One CSV file per database table, columns in schema order, rows as the build writes them.

    Its parts are the build's own rows (`aijobs.db.rows.record_rows`: a build and an export
    share what the cache keeps), numbered as the database numbers them. `excel`: each file
    starts with a byte order mark."""

    derive = staticmethod(record_rows)

    def __init__(self, excel: bool = False) -> None:
        from aijobs.db.tables import DatasetRow, metadata

        super().__init__()
        self.excel = excel
        self.columns = {name: [column.name for column in metadata.tables[name].columns] for name in TABLE_ORDER}
        self.dataset_table = str(DatasetRow.__tablename__)
        self.dataset_columns = [column.name for column in metadata.tables[self.dataset_table].columns]
        self.rows = _CsvRows(self.parts, self.columns)

    def add(self, folder: str, derived: Any) -> None:
        self.rows.add(derived)

    def _file(self, columns: list[str], table: str | None, rows: list[list[Any]]) -> Write:
        def write(out: BinaryIO) -> None:
            head = io.StringIO()
            writer = csv.writer(head, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows(rows)
            out.write(("\ufeff" if self.excel else "").encode() + head.getvalue().encode("utf-8"))
            if table is not None:
                self.parts.copy(table, out)

        return write

    def files(self, dataset: DatasetInfo) -> dict[str, Write]:
        self.rows.finish()
        files = {f"{name}.csv": self._file(self.columns[name], name, []) for name in TABLE_ORDER}
        row = dataset.as_row()
        files[f"{self.dataset_table}.csv"] = self._file(
            self.dataset_columns, None, [[row.get(name, "") for name in self.dataset_columns]]
        )
        return files


class _CsvRows(RowBatches):
    """The rows of each table written as CSV lines into its part; the rows the database numbers
    (an integer key the rows leave out) numbered here, from 1, as a build's are."""

    def __init__(self, parts: _Parts, columns: dict[str, list[str]]) -> None:
        super().__init__()
        self.parts = parts
        self.order = {
            table: [filled.index(name) if name in filled else None for name in columns[table]]
            for table, filled in self.columns.items()
        }

    def flush(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        order, before = self.order[table], self.counts[table]
        writer.writerows(
            [values[at] if at is not None else before + number for at in order] for number, values in enumerate(rows, 1)
        )
        self.parts.write(table, text.getvalue().encode("utf-8"))


FORMATS = ("json", "csv", "jsonld")


def exporter(fmt: str, *, excel: bool = False, base_iri: str | None = None) -> Exporter:
    """The exporter of `fmt` (one of `FORMATS`); UsageError for an option that format does not take."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if excel and fmt != "csv":
        raise UsageError("excel=True applies to the csv format only")
    if base_iri is not None and fmt != "jsonld":
        raise UsageError("a base IRI applies to the jsonld format only")
    if fmt == "csv":
        return CsvExporter(excel)
    if fmt == "jsonld":
        return JsonldExporter(base_iri or DEFAULT_BASE_IRI)
    return JsonExporter()


def _exported(kb: KnowledgeBase, made: Exporter) -> Exporter:
    """`made` given every record of `kb`, in order."""
    for item in kb.loaded:
        made.add(item.record.folder, made.derive(item.record, item.shown_as, list(walk(item.record))))
    return made


def _contents(kb: KnowledgeBase, made: Exporter, dataset: DatasetInfo | None) -> dict[str, str]:
    """{file name: content} of `made` given every record of `kb` (`dataset` by default `kb`'s)."""
    with closing(_exported(kb, made)):
        contents = {}
        for name, write in made.files(dataset or dataset_info(kb.root)).items():
            buffer = io.BytesIO()
            write(buffer)
            contents[name] = buffer.getvalue().decode("utf-8")
        return contents


def to_json(kb: KnowledgeBase, dataset: DatasetInfo | None = None) -> dict[str, str]:
    """{file name: content}: the dataset metadata, then the records as written, grouped by folder."""
    return _contents(kb, JsonExporter(), dataset)


def to_csv(kb: KnowledgeBase, dataset: DatasetInfo | None = None) -> dict[str, str]:
    """{file name: content}: one CSV file per database table, columns in schema order."""
    return _contents(kb, CsvExporter(), dataset)


def to_jsonld(
    kb: KnowledgeBase, dataset: DatasetInfo | None = None, *, base_iri: str = DEFAULT_BASE_IRI
) -> dict[str, str]:
    """{file name: content}: one schema.org graph, every IRI under `base_iri` (see the module doc)."""
    return _contents(kb, JsonldExporter(base_iri), dataset)


def export(
    kb: KnowledgeBase,
    fmt: str,
    out: Path,
    dataset: DatasetInfo | None = None,
    *,
    excel: bool = False,
    base_iri: str | None = None,
) -> list[Path]:
    """Write the export files of the loaded `kb` into `out`; returns their paths.

    `dataset` defaults to `dataset_info(kb.root)`. `excel` (CSV only) writes UTF-8 with a
    byte order mark, for spreadsheet programs. `base_iri` (JSON-LD only) is the IRI the
    records' IRIs start with, `DEFAULT_BASE_IRI` when None. `export_folder` does the same
    from a curated folder without holding the knowledge base in memory.
    """
    with closing(exporter(fmt, excel=excel, base_iri=base_iri)) as made:
        _exported(kb, made)
        return write_export(out, made.files(dataset or dataset_info(kb.root)), fmt)


def export_folder(
    root: Path,
    fmt: str,
    out: Path,
    dataset: DatasetInfo | None = None,
    *,
    excel: bool = False,
    base_iri: str | None = None,
    cache: RecordCache | None = None,
    progress: Progress | None = None,
) -> tuple[list[Path], ScanResult]:
    """Export the curated folder `root` into `out` as `export` does, one record at a time (`aijobs.scan`);
    (the paths written, what the scan found).

    Each record is read (or taken from `cache`), turned into its part of the files and
    dropped: memory stays small whatever the size, and the files go into `out` only once
    every record is read and valid. Raises ProblemsFound (every problem, as `aijobs
    validate` reports them) when any record is invalid; `out` is then untouched.
    """
    made = exporter(fmt, excel=excel, base_iri=base_iri)
    check_export_folder(out)  # before anything is read
    with closing(made):

        def sink(file: RecordFile, outcome: FileOutcome) -> None:
            if outcome.derived is not None:
                made.add(file.folder, outcome.derived)

        scanned = scan(root, cache=cache, derive=made.derive, sink=sink, progress=progress)
        if scanned.problems:
            raise ProblemsFound(scanned.problems)
        return write_export(out, made.files(dataset or dataset_info(root)), fmt), scanned


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


def _write_file(out: Path, name: str, content: str | bytes | Write) -> Path:
    os.replace(_temporary(out, content), out / name)  # a rename replaces the name itself, never what a link points to
    return out / name


def _temporary(out: Path, content: str | bytes | Write) -> Path:
    """`content` written whole to a new temporary file in `out` (removed if anything fails); its path."""
    handle, temp_name = tempfile.mkstemp(prefix=".aijobs-export-", suffix=".tmp", dir=out)
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as file:
            if callable(content):
                content(file)
            else:
                file.write(content.encode("utf-8") if isinstance(content, str) else content)
        os.chmod(temp, _new_file_mode())
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _manifest(fmt: str, names: set[str]) -> str:
    return json.dumps({"generator": GENERATOR, "format": fmt, "files": sorted(names)}, indent=2) + "\n"


def write_export(out: Path, files: Mapping[str, str | bytes | Write], fmt: str) -> list[Path]:
    """Write `files` ({plain file name: content, or what writes it}) into the folder `out`; returns their paths.

    `out` must be new (its parent existing), empty, or hold only a previous aijobs export
    (named by its manifest); raises AijobsError naming it otherwise, before writing
    anything. Every file is written whole to a temporary name first, and only then are
    they renamed into place, so a file that cannot be written (a full disk, Ctrl-C) leaves
    the previous export as it was, never a mix of the two (and a folder made for the
    export is removed again). The manifest first names old and new files, so an export
    interrupted while renaming leaves a folder the next export still recognises.
    """
    for name in files:
        if not _PLAIN_NAME.fullmatch(name) or name == MANIFEST:
            raise ValueError(f"an exporter produced the file name {name!r}")
    previous = check_export_folder(out)
    made = not previous and not out.exists()
    if made:
        out.mkdir()
    temporaries: list[tuple[Path, str]] = []
    try:
        for name, content in files.items():
            temporaries.append((_temporary(out, content), name))
    except BaseException:
        for temp, _ in temporaries:
            temp.unlink(missing_ok=True)
        if made:
            with suppress(OSError):  # ours, and empty again (unless something else came into it)
                out.rmdir()
        raise
    _write_file(out, MANIFEST, _manifest(fmt, previous | set(files)))
    written = []
    for temp, name in temporaries:
        os.replace(temp, out / name)
        written.append(out / name)
    for stale in sorted(previous - set(files)):
        (out / stale).unlink(missing_ok=True)
    for leftover in os.listdir(out):
        if _TEMP.fullmatch(leftover):
            (out / leftover).unlink(missing_ok=True)
    _write_file(out, MANIFEST, _manifest(fmt, set(files)))
    return written
