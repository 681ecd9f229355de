"""The `aijobs` command: a thin Typer layer over the library.

Exit codes: 0 success, 1 invalid data (or failed verification), 2 usage errors.
Heavy modules (SQLAlchemy, Alembic) are imported inside the commands that need them,
so `aijobs --help` and `aijobs validate` start quickly.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from aijobs.problems import Problem, format_problems

if TYPE_CHECKING:
    from aijobs.kb import KnowledgeBase
    from aijobs.provenance.corpus import Corpus

app = typer.Typer(
    help="aijobs: a hand-curated, citable knowledge base of the occupations AI creates and changes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: importing rich would triple start-up time
)
db_app = typer.Typer(help="Manage database files: schema upgrades.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(db_app, name="db")

DEFAULT_DB = Path("aijobs.db")
DEFAULT_CURATED = Path("curated")


class OutputFormat(StrEnum):
    text = "text"
    github = "github"
    json = "json"


CuratedArg = Annotated[
    Path,
    typer.Argument(help="The curated folder (holding sources/, people/, ...).", show_default=True),
]
CuratedOpt = Annotated[Path, typer.Option("--curated", "-c", help="The curated folder.")]
CorpusOpt = Annotated[
    Path | None,
    typer.Option(help="Folder of source documents [default: $AIJOBS_CORPUS, then [tool.aijobs] corpus]."),
]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="How to print problems.")]


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


def _report(problems: list[Problem], fmt: OutputFormat, what: str) -> None:
    if not problems:
        return
    typer.echo(format_problems(problems, fmt.value))
    files = len({p.location.path for p in problems})
    typer.echo(f"{what}: {len(problems)} problem(s) in {files} file(s)", err=fmt != OutputFormat.text)


def _load_or_exit(curated: Path, fmt: OutputFormat = OutputFormat.text) -> KnowledgeBase:
    from aijobs.kb import validate

    kb, problems = validate(curated)
    if problems:
        _report(problems, fmt, "validate")
        raise typer.Exit(1)
    return kb


@app.command("validate")
def validate_command(curated: CuratedArg = DEFAULT_CURATED, fmt: FormatOpt = OutputFormat.text) -> None:
    """Check every record: YAML syntax, fields, ids, references and duplicates.

    Prints each problem as file:line:column: field: message, all of them in one run.
    """
    from aijobs.kb import validate

    kb, problems = validate(curated)
    _report(problems, fmt, "validate")
    if problems:
        raise typer.Exit(1)
    typer.echo(f"{len(kb)} records, {len(kb.claims())} claims: all valid", err=fmt != OutputFormat.text)


@app.command("show")
def show_command(
    record_id: Annotated[str, typer.Argument(help="A record id.")], curated: CuratedOpt = DEFAULT_CURATED
) -> None:
    """Print one record with its claims and their citations."""
    from aijobs.tools.display import describe_record

    kb = _load_or_exit(curated)
    if record_id not in kb:
        _fail(f"no record has id {record_id!r}; try `aijobs validate` to list what loaded", 1)
    typer.echo(describe_record(kb, record_id))


@app.command("source")
def source_command(
    source_id: Annotated[str, typer.Argument(help="A source id (see curated/sources/).")],
    paragraph: Annotated[int | None, typer.Argument(help="Print only this paragraph.")] = None,
    curated: CuratedOpt = DEFAULT_CURATED,
    corpus: CorpusOpt = None,
) -> None:
    """Print a source's numbered paragraphs, exactly as citations count them."""
    from aijobs.provenance.corpus import open_source

    kb = _load_or_exit(curated)
    document = open_source(kb, source_id, corpus, fail=_fail)
    numbered = document.paragraphs
    if paragraph is not None:
        if paragraph not in numbered:
            _fail(f"{source_id} has paragraphs {min(numbered)}-{max(numbered)}; there is no paragraph {paragraph}")
        typer.echo(numbered[paragraph])
        return
    for number, text in numbered.items():
        typer.echo(f"[{number}] {text}")


@app.command("build")
def build_command(
    curated: CuratedOpt = DEFAULT_CURATED,
    db: Annotated[
        str, typer.Option("--db", "-o", help="The SQLite file to write, or a postgresql://user@host/dbname URL.")
    ] = str(DEFAULT_DB),
) -> None:
    """Validate curated/ and build the database from it.

    The schema comes from the Alembic migrations. A SQLite file is replaced atomically;
    PostgreSQL is loaded in one transaction. If anything fails, the previous database
    is left as it was.
    """
    kb = _load_or_exit(curated)
    from aijobs.db.build import BuildError, build_server, build_sqlite
    from aijobs.db.engine import is_server_url

    try:
        counts = build_server(kb, db) if is_server_url(db) else build_sqlite(kb, Path(db))
    except BuildError as exc:
        _fail(f"build failed, {db} left unchanged: {exc}")
    except OSError as exc:
        _fail(f"cannot write {db}: {exc.strerror or exc}", 1)
    summary = ", ".join(f"{counts[name]} {name}" for name in ("entity", "claim", "citation", "label"))
    shown = db
    if is_server_url(db):
        from sqlalchemy.engine import make_url

        shown = make_url(db).render_as_string(hide_password=True)
    typer.echo(f"wrote {shown}: {summary}")


@db_app.command("upgrade")
def db_upgrade_command(
    path: Annotated[Path, typer.Argument(help="An aijobs SQLite file built by an older version.")],
) -> None:
    """Upgrade a database file's schema to the latest migration, in place and atomically."""
    from aijobs.db.upgrade import UpgradeError, upgrade_file

    try:
        before, after = upgrade_file(path)
    except UpgradeError as exc:
        _fail(str(exc))
    typer.echo(f"{path}: {before or 'empty'} -> {after}" if before != after else f"{path}: already at {after}")


@app.command("search")
def search_command(
    query: Annotated[
        str, typer.Argument(help="A name or part of one, in simplified or traditional Chinese or English.")
    ],
    db: Annotated[Path, typer.Option("--db", help="The database built by `aijobs build`.")] = DEFAULT_DB,
    limit: Annotated[int, typer.Option(min=1, help="At most this many results.")] = 20,
) -> None:
    """Find occupations, people, organisations and figures by any of their names.

    Scripts, widths and case are folded: 訓練師 finds 训练师, ＡＩ finds AI. Exact
    preferred names rank first, then exact aliases, then partial matches.
    """
    import sqlite3

    from aijobs.db.search import search

    if not db.is_file():
        _fail(f"{db} not found; build it first with `aijobs build`")
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        hits = search(connection, query, limit)
    if not hits:
        typer.echo(f"no match for {query!r}")
        raise typer.Exit(1)
    for hit in hits:
        names = " / ".join(text for _, text in hit.names) or hit.name
        matched = f"  (matched {hit.kind}: {hit.matched})" if hit.matched not in names else ""
        typer.echo(f"{hit.type:<10} {hit.entity_id:<36} {names}{matched}")


@app.command("fmt")
def fmt_command(
    curated: CuratedArg = DEFAULT_CURATED,
    check: Annotated[bool, typer.Option(help="Only list files that are not canonical; exit 1 if any.")] = False,
) -> None:
    """Rewrite record files in one canonical form: key order, quoting, indentation.

    Comments are kept. A file whose meaning would change is never rewritten.
    """
    import os

    from aijobs.loader import EXTENSION, record_files
    from aijobs.problems import display_path
    from aijobs.tools.fmt import format_file

    changed, failed = [], []
    for folder, path in record_files(curated):
        if path.suffix != EXTENSION:
            continue
        shown = display_path(path)
        result = format_file(path, folder, shown)
        if result.text is None:
            failed.append(f"{shown}: cannot format: {result.problem}")
        elif result.changed:
            changed.append(shown)
            if not check:
                temp = path.with_name(f".{path.name}.fmt")
                temp.write_text(result.text, encoding="utf-8")
                os.replace(temp, path)
    for line in failed:
        typer.echo(line)
    verb = "would reformat" if check else "reformatted"
    for shown in changed:
        typer.echo(f"{verb} {shown}")
    typer.echo(f"fmt: {len(changed)} file(s) {verb}, {len(failed)} could not be formatted", err=True)
    if failed or (check and changed):
        raise typer.Exit(1)


@app.command("schema")
def schema_command(
    curated: CuratedArg = DEFAULT_CURATED,
    check: Annotated[bool, typer.Option(help="Exit 1 if the schema files are missing or out of date.")] = False,
) -> None:
    """Write JSON Schema files for editors, generated from the record models."""
    from aijobs.tools.schema import stale_schemas, write_schemas

    if check:
        stale = stale_schemas(curated)
        for name in stale:
            typer.echo(f"out of date: {name}; run `aijobs schema`")
        raise typer.Exit(1 if stale else 0)
    for path in write_schemas(curated):
        typer.echo(f"wrote {path}")


@app.command("new")
def new_command(
    kind: Annotated[str, typer.Argument(metavar="TYPE", help="occupation, person, company or figure.")],
    record_id: Annotated[str, typer.Argument(metavar="ID", help="The new id, e.g. ai-trainer.")],
    cite: Annotated[
        str | None, typer.Option(help="SOURCE-ID:PARAGRAPH:QUOTE, e.g. ai-jobs-bilingual:9:AI trainer")
    ] = None,
    name: Annotated[str | None, typer.Option(help="The name as the source writes it.")] = None,
    lang: Annotated[str, typer.Option(help="The name's language: zh-Hans, zh-Hant or en.")] = "zh-Hans",
    measure: Annotated[str | None, typer.Option(help="Figures: what is measured, in your words.")] = None,
    value: Annotated[str | None, typer.Option(help="Figures: the number.")] = None,
    unit: Annotated[str | None, typer.Option(help="Figures: people, count, CNY, percent, ...")] = None,
    as_written: Annotated[str | None, typer.Option(help="Figures: the number exactly as written.")] = None,
    curated: CuratedOpt = DEFAULT_CURATED,
) -> None:
    """Create a minimal, valid record file to start from."""
    from aijobs.tools.scaffold import ScaffoldError, scaffold

    options = {"cite": cite, "name": name, "lang": lang, "measure": measure, "value": value, "unit": unit}
    options["as_written"] = as_written
    try:
        made = scaffold(kind, record_id, options)
    except ScaffoldError as exc:
        for problem in exc.problems:
            typer.echo(f"Error: {problem}", err=True)
        raise typer.Exit(2) from None
    path = curated / made.folder / f"{record_id}.yaml"
    if path.exists():
        _fail(f"{path} already exists", 2)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(made.text, encoding="utf-8")
    typer.echo(f"wrote {path}; check it with `aijobs verify`")


@app.command("diff")
def diff_command(
    old: Annotated[str, typer.Argument(help="A curated folder or a git revision (e.g. origin/main).")],
    new: Annotated[str, typer.Argument(help="A curated folder or a git revision.")] = str(DEFAULT_CURATED),
) -> None:
    """List what changed in the knowledge between two versions, claim by claim.

    Exit 0 when nothing changed, 1 when something did (like `diff`).
    """
    from aijobs.tools.diff import DiffError, diff

    try:
        changes, problems = diff(old, new)
    except DiffError as exc:
        _fail(str(exc), 2)
    if problems:
        typer.echo(f"warning: {new} has {len(problems)} problem(s); records that do not load are left out", err=True)
    for change in changes:
        mark = {"added": "+", "removed": "-", "changed": "~"}[change.change]
        typer.echo(f"{mark} {change.kind} {change.record_id} ({change.change})")
        for line in change.lines:
            typer.echo(f"    {line}")
    typer.echo(f"diff: {len(changes)} record(s) changed", err=True)
    if changes:
        raise typer.Exit(1)


@app.command("serve")
def serve_command(
    db: Annotated[Path, typer.Option("--db", help="The database built by `aijobs build`.")] = DEFAULT_DB,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8001,
) -> None:
    """Browse the database in Datasette, with documented tables, facets and canned queries.

    Needs the optional extra: pip install 'aijobs[serve]'.
    """
    import importlib.util
    import json
    import os
    import sys
    import tempfile

    from aijobs.db.serve import datasette_metadata

    if importlib.util.find_spec("datasette") is None:
        _fail("Datasette is not installed; pip install 'aijobs[serve]'", 2)
    if not db.is_file():
        _fail(f"{db} not found; build it first with `aijobs build`")
    handle, meta = tempfile.mkstemp(prefix="aijobs-datasette-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(datasette_metadata(db.stem), out, ensure_ascii=False)
    command = [sys.executable, "-m", "datasette", "serve", "--immutable", str(db), "--metadata", meta]
    command += ["--host", host, "--port", str(port)]
    typer.echo(f"serving {db} at http://{host}:{port}/{db.stem}")
    os.execv(sys.executable, command)


class ExportFormat(StrEnum):
    json = "json"
    csv = "csv"
    jsonld = "jsonld"


@app.command("export")
def export_command(
    fmt: Annotated[
        ExportFormat,
        typer.Option(
            "--format", "-f", help="json mirrors the records; csv is one file per table; jsonld uses schema.org."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write into.")] = Path("export"),
    curated: CuratedOpt = DEFAULT_CURATED,
    excel: Annotated[
        bool,
        typer.Option(
            "--excel",
            help="CSV for Excel: UTF-8 with a byte order mark (BOM), so Excel shows Chinese correctly. Without it, "
            "CSV is plain UTF-8: Python's csv module and line tools (cut, awk) read a BOM as part of the first name.",
        ),
    ] = False,
) -> None:
    """Write the whole knowledge base as JSON, CSV or JSON-LD (byte-identical for the same data)."""
    from aijobs.tools.export import export

    if excel and fmt != ExportFormat.csv:
        _fail("--excel applies to --format csv only", 2)
    kb = _load_or_exit(curated)
    for path in export(kb, fmt.value, out, excel=excel):
        typer.echo(f"wrote {path}")


def _open_corpus(kb: KnowledgeBase, corpus: Path | None) -> Corpus:
    from aijobs.provenance.corpus import Corpus, CorpusNotFound, find_corpus

    try:
        folder = find_corpus(corpus)
    except CorpusNotFound as exc:
        _fail(str(exc))
    return Corpus.open(kb, folder)


@app.command("verify")
def verify_command(
    curated: CuratedOpt = DEFAULT_CURATED,
    corpus: CorpusOpt = None,
    fmt: FormatOpt = OutputFormat.text,
) -> None:
    """Check every citation against the source documents.

    For each citation: the document exists and its SHA-256 matches, the paragraph
    exists, the quote occurs in it; a figure's number and a cited name are written
    there. Prints file:line: message for each failure and exits 1 if any.
    """
    from aijobs.provenance.verify import verify

    kb = _load_or_exit(curated, fmt)
    report = verify(kb, _open_corpus(kb, corpus))
    if report.problems:
        typer.echo(format_problems(report.problems, fmt.value))
    typer.echo(
        f"verify: {report.citations_checked} citations and {report.figures_checked} figures checked, "
        f"{len(report.problems)} failure(s)",
        err=fmt != OutputFormat.text,
    )
    if report.problems:
        raise typer.Exit(1)


@app.command("coverage")
def coverage_command(
    curated: CuratedOpt = DEFAULT_CURATED,
    corpus: CorpusOpt = None,
    check: Annotated[bool, typer.Option(help="Exit 1 unless every number and paragraph is covered.")] = False,
) -> None:
    """List what the documents state that the knowledge base does not hold yet.

    Every number no figure (or other claim) cites, and every paragraph no claim cites,
    unless curated/coverage-exceptions.yaml gives a reason. Prints percentages per source.
    """
    from aijobs.provenance.coverage import load_exceptions, measure

    kb = _load_or_exit(curated)
    exceptions, problems = load_exceptions(curated)
    results, stale = measure(kb, _open_corpus(kb, corpus), exceptions)
    problems += stale
    complete = not problems
    for result in results:
        numbers = _percent(result.numbers_covered, result.numbers_total)
        paragraphs = _percent(result.paragraphs_cited, result.paragraphs_total)
        typer.echo(
            f"{result.source_id}: numbers {result.numbers_covered}/{result.numbers_total} covered ({numbers}), "
            f"paragraphs {result.paragraphs_cited}/{result.paragraphs_total} cited ({paragraphs})"
        )
        for para, mention in result.uncovered_numbers:
            complete = False
            typer.echo(
                f"  {result.source_id} ¶{para}: number {mention.text!r} is not cited by a figure or claim, "
                "nor an exception"
            )
        for para in result.uncited_paragraphs:
            complete = False
            typer.echo(f"  {result.source_id} ¶{para}: paragraph is not cited by any claim, nor an exception")
    if problems:
        typer.echo(format_problems(problems))
    if check and not complete:
        raise typer.Exit(1)


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "n/a"


@app.command("release")
def release_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="New, empty, or earlier-release folder.")] = Path("dist"),
    curated: CuratedOpt = DEFAULT_CURATED,
    repository_url: Annotated[
        str | None, typer.Option(help="For CITATION.cff [default: the package's [project.urls]].")
    ] = None,
) -> None:
    """Write a citable release: database, exports, datapackage.json, CHANGES.md, CITATION.cff, SHA256SUMS.

    Byte-identical for the same commit. Refuses a folder that is neither empty nor an
    untouched earlier release, and symbolic links.
    """
    from aijobs.errors import AijobsError
    from aijobs.tools.release import release

    kb = _load_or_exit(curated)
    try:
        made = release(kb, out, repository_url=repository_url)
    except AijobsError as exc:
        _fail(str(exc), exc.exit_code)
    if made.dataset.git_commit is None:
        typer.echo("warning: the data is at no git commit (no git, or uncommitted changes in it)", err=True)
    commit = (made.dataset.git_commit or "no commit")[:12]
    typer.echo(
        f"wrote {out}: aijobs {made.dataset.version} ({commit}), {len(made.files)} files; changes: {made.changes.note}"
    )


def main() -> None:  # pragma: no cover - entry point
    app()


if __name__ == "__main__":  # pragma: no cover - `python -m aijobs.cli`
    main()
