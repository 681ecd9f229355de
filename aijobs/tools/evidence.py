"""What a record's page shows: its names, its claims with each quote inside its paragraph,
its figures as a chart, and the career moves people made, as a graph.

Everything here reads a built database (an `sqlite3.Connection`) and, for the paragraphs,
the corpus folder while serving: paragraph text is never stored in the database or the
exports, so a page without the corpus shows the quotes alone and says why. The pages
themselves are rendered by the Datasette plugin in `aijobs/tools/datasette_plugins`
(`aijobs serve`); the charts are inline SVG built here, every text escaped.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any, get_args

from aijobs.fields import Format
from aijobs.provenance.corpus import Document
from aijobs.text import locate

PLUGINS_DIR = Path(__file__).resolve().parent / "serve_plugins"
"""The folder `aijobs serve` passes as Datasette's ``--plugins-dir``: it loads `aijobs.tools.browse`."""

PLUGIN = "aijobs"
RECORD_PATH = "/-/aijobs/record/"
CAREERS_PATH = "/-/aijobs/careers"


def plugin_config(corpus: Path | None, problem: str | None) -> dict[str, Any]:
    """The plugin configuration: the corpus folder (absolute), or why there is none."""
    return {"corpus": str(corpus.resolve()) if corpus is not None else None, "corpus_problem": problem}


def serve_metadata(corpus: Path | None, problem: str | None) -> dict[str, Any]:
    """What `aijobs serve` adds to Datasette's metadata: this plugin's settings, a front-page link."""
    return {
        "plugins": {PLUGIN: plugin_config(corpus, problem)},
        "description_html": (
            "A hand-curated knowledge base; every claim cites a paragraph of a source document. "
            "Every record id links to the record's page, with its evidence. "
            f'See also <a href="{CAREERS_PATH}">the career moves people made</a> (a graph).'
        ),
    }


# Tables whose `id` is a record id (a row of `entity`), and the tables rows may point to.
RECORD_TABLES = frozenset({"entity", "occupation", "person", "company", "source", "figure"})


@dataclass(frozen=True)
class Passage:
    """A paragraph split around its quote: `quote` is empty when the quote was not located."""

    number: int
    before: str
    quote: str
    after: str


@dataclass(frozen=True)
class Span:
    """One quoted span of a source: the paragraph around it, or why it is not shown."""

    source_id: str
    source_title: str
    paragraph: int
    quote: str
    passage: Passage | None
    why: str | None  # why the paragraph is not shown (None when it is)


@dataclass(frozen=True)
class CitationView:
    main: Span
    also: Span | None  # the other-language paragraph of a bilingual source


@dataclass(frozen=True)
class ClaimView:
    key: str
    property: str
    value: str
    lang: str | None
    citations: list[CitationView]


@dataclass(frozen=True)
class NameView:
    text: str
    lang: str
    preferred: bool
    translation: bool
    misspelling: bool


@dataclass(frozen=True)
class FigureView:
    id: str
    measure: str
    value: float | None
    lower: float | None
    upper: float | None
    unit: str
    approx: str
    as_written: str
    period: str | None
    period_end: str | None
    place: str | None


@dataclass(frozen=True)
class RecordView:
    id: str
    type: str
    name: str
    file: str
    names: list[NameView]
    claims: list[ClaimView]
    figures: list[FigureView]
    corpus_note: str | None  # one sentence: why no paragraph is shown, when the corpus is missing


class Paragraphs:
    """The corpus as the server sees it: paragraphs by source file, or why they cannot be read."""

    def __init__(self, folder: Path | None, problem: str | None = None) -> None:
        self.folder = folder
        self.problem = problem if folder is None else None
        self._documents: dict[tuple[str, str], Document | str] = {}

    def note(self) -> str | None:
        """One sentence for the page when there is no corpus at all."""
        if self.folder is None:
            why = self.problem or "no corpus folder was given"
            return f"Paragraphs are not shown, only the quotes: {why}."
        return None

    def _document(self, file: str, fmt: str, sha256: str) -> Document | str:
        key = (file, sha256)
        if key not in self._documents:
            self._documents[key] = self._open(file, fmt, sha256)
        return self._documents[key]

    def _open(self, file: str, fmt: str, sha256: str) -> Document | str:
        assert self.folder is not None
        folder = self.folder.resolve()
        path = (folder / file).resolve()
        if not path.is_relative_to(folder) or not path.is_file():
            return f"{file} is not in the corpus folder {self.folder}"
        if fmt not in get_args(Format):
            return f"{file} has an unknown format {fmt!r}"
        document = Document.read(path, fmt)  # type: ignore[arg-type]  # checked just above
        if document.sha256 != sha256:
            return (
                f"the copy of {file} in {self.folder} is not the document cited (its SHA-256 differs), "
                "so its paragraph numbers may not match"
            )
        return document

    def span(self, source: dict[str, Any] | None, source_id: str, paragraph: int, quote: str) -> Span:
        title = str(source["title"]) if source is not None else source_id
        if source is None:
            return Span(source_id, title, paragraph, quote, None, f"no source has id {source_id}")
        if self.folder is None:
            return Span(source_id, title, paragraph, quote, None, self.problem or "no corpus folder")
        document = self._document(str(source["file"]), str(source["format"]), str(source["sha256"]))
        if isinstance(document, str):
            return Span(source_id, title, paragraph, quote, None, document)
        text = document.paragraphs.get(paragraph)
        if text is None:
            return Span(source_id, title, paragraph, quote, None, f"{source['file']} has no paragraph {paragraph}")
        where = locate(text, quote)
        if where is None:
            return Span(source_id, title, paragraph, quote, Passage(paragraph, text, "", ""), None)
        start, end = where
        return Span(
            source_id, title, paragraph, quote, Passage(paragraph, text[:start], text[start:end], text[end:]), None
        )


def _rows(db: sqlite3.Connection, sql: str, *params: object) -> list[dict[str, Any]]:
    """Rows by column name, whatever row factory the connection has."""
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def record_view(db: sqlite3.Connection, record_id: str, paragraphs: Paragraphs) -> RecordView | None:
    """Everything a record's page shows, or None when there is no such record."""
    found = _rows(db, "SELECT id, type, name, file FROM entity WHERE id = ?", record_id)
    if not found:
        return None
    entity = found[0]
    names = [
        NameView(str(r["text"]), str(r["lang"]), bool(r["preferred"]), bool(r["translation"]), bool(r["misspelling"]))
        for r in _rows(
            db,
            "SELECT text, lang, preferred, translation, misspelling FROM label WHERE entity_id = ? "
            "ORDER BY preferred DESC, id",
            record_id,
        )
    ]
    sources = {str(r["id"]): r for r in _rows(db, "SELECT id, title, file, format, sha256 FROM source")}
    citations: dict[int, list[CitationView]] = {}
    for c in _rows(
        db,
        "SELECT c.claim_id, c.source_id, c.paragraph, c.quote, c.parallel_paragraph, c.parallel_quote "
        "FROM citation c JOIN claim k ON k.id = c.claim_id WHERE k.subject_id = ? ORDER BY c.id",
        record_id,
    ):
        source_id = str(c["source_id"])
        source = sources.get(source_id)
        main = paragraphs.span(source, source_id, int(c["paragraph"]), str(c["quote"]))
        also = None
        if c["parallel_paragraph"] is not None:
            para = int(c["parallel_paragraph"])
            also = paragraphs.span(source, source_id, para, str(c["parallel_quote"] or ""))
        citations.setdefault(int(c["claim_id"]), []).append(CitationView(main, also))
    claims = [
        ClaimView(
            str(k["key"]),
            str(k["property"]),
            str(k["value"]),
            None if k["lang"] is None else str(k["lang"]),
            citations.get(int(k["id"]), []),
        )
        for k in _rows(
            db, "SELECT id, key, property, value, lang FROM claim WHERE subject_id = ? ORDER BY id", record_id
        )
    ]
    figures = [
        FigureView(**{name: f[name] for name in FigureView.__dataclass_fields__})
        for f in _rows(
            db,
            "SELECT * FROM figure WHERE id = ? OR id IN (SELECT figure_id FROM figure_about WHERE entity_id = ?) "
            "ORDER BY unit, id",
            record_id,
            record_id,
        )
    ]
    return RecordView(
        str(entity["id"]),
        str(entity["type"]),
        str(entity["name"]),
        str(entity["file"]),
        names,
        claims,
        figures,
        paragraphs.note(),
    )


# Charts: inline SVG, every text escaped. One panel per unit; each figure is a row with
# its range as a bar and its single value as a dot; approximate figures are drawn hollow
# and dashed and their label starts with the approximation ("about 40").

_WIDTH = 760
_LABEL = 300  # width of the label column
_ROW = 34
_PLOT = _WIDTH - _LABEL - 30


def _number(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        whole = int(value)
        for size, suffix in ((10**9, " bn"), (10**6, " m"), (10**4, "k")):
            if abs(whole) >= size and whole % (size // 10 if size > 10**4 else 1000) == 0:
                return f"{whole / size:g}{suffix}" if suffix != "k" else f"{whole / 1000:g}k"
        return f"{whole:,}"
    return f"{value:,.3g}"


def _amount(figure: FigureView) -> str:
    if figure.value is not None:
        amount = _number(figure.value)
    elif figure.lower is not None and figure.upper is not None:
        amount = f"{_number(figure.lower)}–{_number(figure.upper)}"
    elif figure.lower is not None:
        amount = f"≥ {_number(figure.lower)}"
    elif figure.upper is not None:
        amount = f"≤ {_number(figure.upper)}"
    else:
        amount = "?"
    return amount if figure.approx == "exact" else f"{figure.approx} {amount}"


def _when(figure: FigureView) -> str:
    if figure.period and figure.period_end:
        return f"{figure.period} to {figure.period_end}"
    return figure.period or "period not stated"


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _scale(values: list[float]) -> tuple[bool, float, float]:
    """(logarithmic, low, high) covering `values`."""
    positive = [v for v in values if v > 0]
    high = max(values, default=1.0) or 1.0
    if positive and len(values) == len(positive) and high / min(positive) > 50:
        return True, math.floor(math.log10(min(positive))), math.ceil(math.log10(high)) or 1.0
    return False, min(0.0, min(values, default=0.0)), high * 1.1


def _ticks(low: float, high: float) -> list[float]:
    """Round tick values (steps of 1, 2 or 5 times a power of ten) from `low` to `high`."""
    raw = (high - low) / 4 or 1.0
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int((high - first) / step) + 1)]


def figure_chart(figures: list[FigureView]) -> str:
    """The figures as an SVG chart, one panel per unit; empty when there are none."""
    panels: dict[str, list[FigureView]] = {}
    for figure in figures:
        if any(v is not None for v in (figure.value, figure.lower, figure.upper)):
            panels.setdefault(figure.unit, []).append(figure)
    if not panels:
        return ""
    parts: list[str] = []
    y = 0
    for unit, rows in panels.items():
        values = [float(v) for f in rows for v in (f.value, f.lower, f.upper) if v is not None]
        log, low, high = _scale(values)

        def x(value: float, log: bool = log, low: float = low, high: float = high) -> float:
            if log:
                value = math.log10(max(value, 10**low))
            return _LABEL + (value - low) / ((high - low) or 1) * _PLOT

        caption = f"Unit: {unit}" + (" (logarithmic scale)" if log else "")
        parts.append(f'<text class="panel" x="0" y="{y + 18}">{escape(caption)}</text>')
        y += 28
        ticks = [10.0**e for e in range(int(low), int(high) + 1)] if log else _ticks(low, high)
        for tick in ticks:
            tx = x(tick)
            parts.append(f'<line class="grid" x1="{tx:.1f}" y1="{y}" x2="{tx:.1f}" y2="{y + _ROW * len(rows)}"/>')
            parts.append(
                f'<text class="tick" x="{tx:.1f}" y="{y + _ROW * len(rows) + 14}" text-anchor="middle">'
                f"{escape(_number(tick))}</text>"
            )
        for figure in rows:
            exact = figure.approx == "exact"
            style = "exact" if exact else "approx"
            mid = y + _ROW / 2
            label = f"{_short(figure.measure, 44)}"
            detail = f"{_amount(figure)} · {_when(figure)}" + (f" · {figure.place}" if figure.place else "")
            parts.append(f'<g class="figure {style}" data-figure="{escape(figure.id)}">')
            parts.append(
                f"<title>{escape(figure.measure)}: {escape(detail)} (as written: {escape(figure.as_written)})</title>"
            )
            parts.append(f'<text class="label" x="0" y="{mid - 2:.1f}">{escape(label)}</text>')
            parts.append(f'<text class="detail" x="0" y="{mid + 11:.1f}">{escape(_short(detail, 50))}</text>')
            if figure.lower is not None or figure.upper is not None:
                a = x(float(figure.lower if figure.lower is not None else low if not log else 10**low))
                b = x(float(figure.upper if figure.upper is not None else (10**high if log else high)))
                parts.append(
                    f'<rect class="range" x="{a:.1f}" y="{mid - 6:.1f}" width="{max(b - a, 2):.1f}" '
                    'height="12" rx="2"/>'
                )
            if figure.value is not None:
                parts.append(f'<circle class="point" cx="{x(float(figure.value)):.1f}" cy="{mid:.1f}" r="6"/>')
            parts.append("</g>")
            y += _ROW
        y += 30
    legend = (
        f'<g class="legend" transform="translate(0,{y})">'
        '<rect class="range exact" x="0" y="0" width="24" height="10"/><text x="30" y="9">range, exact</text>'
        '<circle class="point exact" cx="132" cy="5" r="5"/><text x="142" y="9">value, exact</text>'
        '<rect class="range approx" x="240" y="0" width="24" height="10"/>'
        '<circle class="point approx" cx="280" cy="5" r="5"/>'
        '<text x="292" y="9">approximate (about, over, nearly, order of magnitude…)</text></g>'
    )
    style = (
        "<style>text{font:12px sans-serif;fill:#222}.panel{font-weight:bold;font-size:13px}"
        ".detail,.tick{fill:#555;font-size:11px}.grid{stroke:#ddd}"
        ".range{fill:#4a7ebb}.point{fill:#d9480f;stroke:#d9480f;stroke-width:2}"
        ".approx .range,.range.approx{fill:#4a7ebb55;stroke:#4a7ebb;stroke-dasharray:4 2}"
        ".approx .point,.point.approx{fill:#fff}</style>"
    )
    height = y + 20
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="aijobs-chart" role="img" width="{_WIDTH}" '
        f'height="{height}" viewBox="0 0 {_WIDTH} {height}"><title>Figures, by unit</title>'
        f"{style}{''.join(parts)}{legend}</svg>"
    )


@dataclass(frozen=True)
class Move:
    """People who went from one occupation to another."""

    former: str
    current: str
    people: int


@dataclass
class Careers:
    moves: list[Move]
    names: dict[str, str] = field(default_factory=dict)  # occupation id -> display name
    unplaced: int = 0  # former/current pairs where a side has no occupation record


def careers(db: sqlite3.Connection) -> Careers:
    """Former occupation -> current occupation, with how many people made each move."""
    pairs = _rows(
        db,
        "SELECT f.occupation_id AS former, c.occupation_id AS current, count(DISTINCT f.person_id) AS people "
        "FROM role f JOIN role c ON c.person_id = f.person_id AND c.status = 'current' "
        "WHERE f.status = 'former' GROUP BY 1, 2 ORDER BY 1, 2",
    )
    result = Careers([])
    for pair in pairs:
        if pair["former"] is None or pair["current"] is None:
            result.unplaced += int(pair["people"])
        else:
            result.moves.append(Move(str(pair["former"]), str(pair["current"]), int(pair["people"])))
    result.names = {
        str(r["id"]): str(r["name"]) for r in _rows(db, "SELECT id, name FROM entity WHERE type = 'occupation'")
    }
    return result


def career_graph(data: Careers, link: str = "/-/aijobs/record/") -> str:
    """The moves as an SVG graph: former occupations left, current right, edges labelled with counts."""
    if not data.moves:
        return ""
    left = sorted({m.former for m in data.moves})
    right = sorted({m.current for m in data.moves})
    gap = 40
    height = max(len(left), len(right)) * gap + 40
    width = 820
    lx, rx = 250, width - 250
    ly = {name: 40 + i * gap for i, name in enumerate(left)}
    ry = {name: 40 + i * gap for i, name in enumerate(right)}
    parts = [
        '<text class="head" x="240" y="18" text-anchor="end">Former occupation</text>',
        f'<text class="head" x="{rx + 10}" y="18">Current occupation</text>',
    ]
    for move in data.moves:
        y1, y2 = ly[move.former], ry[move.current]
        mx = (lx + rx) / 2
        parts.append(
            f'<g class="move"><title>{escape(data.names.get(move.former, move.former))} → '
            f"{escape(data.names.get(move.current, move.current))}: {move.people} "
            f"{'person' if move.people == 1 else 'people'}</title>"
            f'<path d="M{lx},{y1} C{mx},{y1} {mx},{y2} {rx},{y2}" stroke-width="{1 + 2 * move.people}"/>'
            f'<text class="count" x="{mx:.0f}" y="{(y1 + y2) / 2 - 3:.0f}" text-anchor="middle">'
            f"{move.people}</text></g>"
        )
    for side, ys, x, anchor, dx in (("former", ly, lx, "end", -10), ("current", ry, rx, "start", 10)):
        for name, y in ys.items():
            label = _short(data.names.get(name, name), 34)
            parts.append(
                f'<a href="{escape(link + name)}" class="{side}"><circle cx="{x}" cy="{y}" r="5"/>'
                f'<text x="{x + dx}" y="{y + 4}" text-anchor="{anchor}">{escape(label)}</text></a>'
            )
    style = (
        "<style>text{font:12px sans-serif;fill:#222}.head{font-weight:bold}.count{fill:#555;font-size:11px}"
        "path{fill:none;stroke:#4a7ebb99}circle{fill:#d9480f}a text{fill:#1a4f8b}</style>"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="aijobs-careers" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}"><title>Career moves: former to current occupation</title>'
        f"{style}{''.join(parts)}</svg>"
    )


def entity_columns() -> dict[str, frozenset[str]]:
    """For each table, the columns holding a record id (its own `id`, and references to records)."""
    from aijobs.db.tables import metadata

    columns: dict[str, frozenset[str]] = {}
    for table in metadata.sorted_tables:
        names = {
            column.name
            for column in table.columns
            if any(fk.column.table.name in RECORD_TABLES and fk.column.name == "id" for fk in column.foreign_keys)
        }
        if table.name in RECORD_TABLES:
            names.add("id")
        if table.name == "figure_about":
            names.add("figure_id")
        if names:
            columns[table.name] = frozenset(names)
    return columns
