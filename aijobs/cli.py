"""The `aijobs` command: a thin Typer layer over the library.

Each command is one library call and the rendering of what it returns. Errors take one
path: the library raises an `AijobsError` (``aijobs.errors``) and `Boundary`, the
top-level command group, turns it into one line on stderr, ``Error: <message>``, and
the error's exit code. Operating-system, encoding and database errors that escape
become one such line too (exit 1), naming the file where it is known; an interrupt
exits 130. Exit codes: 0 success, 1 invalid data, a failed check or a failed
operation, 2 usage errors, 130 interrupted. Because the boundary is the group itself,
``aijobs``, ``python -m aijobs``, ``app(...)`` and Typer's test runner all take it.

Heavy modules (SQLAlchemy, Alembic, Pydantic) are imported inside the commands that
need them, so `aijobs --help` and `aijobs validate` start quickly.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from typer.core import TyperGroup

from aijobs.errors import AijobsError, Terminated, UsageError
from aijobs.problems import Problem, ProblemsFound, display_path, format_problems

if TYPE_CHECKING:
    from aijobs.cache import RecordCache
    from aijobs.db.search import Hit
    from aijobs.kb import KnowledgeBase
    from aijobs.tools.progress import Progress

INTERRUPTED = 130
T = TypeVar("T")


def printable(text: str) -> str:
    """`text` as it can be printed: bytes that were not UTF-8 shown as \\xNN, never an encoding error."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate that did not come from a byte
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def error_line(message: str) -> str:
    """The one line an error is reported as."""
    words = " ".join(part.strip() for part in printable(message).splitlines() if part.strip())
    return f"Error: {words or 'unknown error'}"


def _describe_os_error(exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    if exc.filename is None:
        return reason
    where = printable(str(exc.filename))
    if exc.filename2 is not None:
        where += f" -> {printable(str(exc.filename2))}"
    return f"{where}: {reason}"


def _describe_unicode_error(exc: UnicodeError) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"text is not valid UTF-8 (byte {exc.object[exc.start]:#04x} at offset {exc.start}); save it as UTF-8"
    if isinstance(exc, UnicodeEncodeError):
        return (
            f"cannot write {exc.object[exc.start : exc.end]!r} in the {exc.encoding} encoding; "
            "use a UTF-8 locale (e.g. LANG=C.UTF-8)"
        )
    return str(exc)


def _describe_database_error(exc: Exception) -> str | None:
    """One line for an SQLite or SQLAlchemy error, or None for anything else.

    The modules are looked up, not imported: an error cannot come from a module that
    was never loaded, and `--help` must not pay for importing SQLAlchemy.
    """
    sqlite3 = sys.modules.get("sqlite3")
    if sqlite3 is not None and isinstance(exc, sqlite3.Error):
        return f"database error: {exc}"
    sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
    if sqlalchemy_exc is not None and isinstance(exc, sqlalchemy_exc.SQLAlchemyError):
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        return f"database error: {reason[0] if reason else type(exc).__name__}"
    return None


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(error_line(message), err=True)
    return typer.Exit(code)


class Boundary(TyperGroup):
    """The top-level group: the one place where errors become a line and an exit code.

    `main` refuses arguments that are not valid UTF-8 before parsing; `invoke` runs the
    command and converts what it raises. Click's own usage errors keep Click's message
    and exit 2; a programming error (a bug) still shows its traceback, to be reported.
    """

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        given = sys.argv[1:] if args is None else list(args)
        for position, arg in enumerate(given, 1):
            try:
                arg.encode("utf-8")
            except UnicodeEncodeError:
                exit_code = UsageError.exit_code
                message = f"argument {position} ('{printable(arg)}') is not valid UTF-8; aijobs takes UTF-8 text"
                typer.echo(error_line(message), err=True)
                if standalone_mode:
                    sys.exit(exit_code)
                return exit_code
        return super().main(args, prog_name, complete_var, standalone_mode, windows_expand_args, **extra)

    def invoke(self, ctx: Any) -> Any:  # a Click context (typer's bundled Click, or click itself)
        try:
            with _terminated_on_sigterm():
                return super().invoke(ctx)
        except Terminated:
            raise _fail("terminated", Terminated.exit_code) from None
        except ProblemsFound as exc:
            typer.echo(format_problems(exc.problems))
            raise _fail(exc.message, exc.exit_code) from None
        except AijobsError as exc:
            raise _fail(exc.message, exc.exit_code) from None
        except KeyboardInterrupt:
            raise _fail("interrupted", INTERRUPTED) from None
        except BrokenPipeError:
            raise  # the reader went away (`aijobs ... | head`): Click exits 1 quietly
        except OSError as exc:
            raise _fail(_describe_os_error(exc), 1) from None
        except UnicodeError as exc:
            raise _fail(_describe_unicode_error(exc), 1) from None
        except Exception as exc:
            message = _describe_database_error(exc)
            if message is None:
                raise
            raise _fail(message, 1) from None


@contextmanager
def _terminated_on_sigterm() -> Iterator[None]:
    """While a command runs, SIGTERM raises `Terminated` (it would otherwise end the process where it
    stands, leaving a build's or an export's temporary file behind); as it was after."""
    if threading.current_thread() is not threading.main_thread():  # only the main thread takes signals
        yield
        return

    def terminate(_signal: int, _frame: object) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


app = typer.Typer(
    cls=Boundary,
    help="aijobs: a hand-curated, citable knowledge base of the occupations AI creates and changes.",
    no_args_is_help=True,
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
PathsArg = Annotated[
    list[Path] | None,
    typer.Argument(
        help="The curated folder (holding sources/, people/, ...), or record folders or files inside it "
        "[default: curated].",
        show_default=False,
    ),
]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="How to print problems.")]
NoCacheOpt = Annotated[
    bool,
    typer.Option(
        "--no-cache",
        help="Read every file again instead of taking unchanged files' results from the cache "
        "($AIJOBS_CACHE_DIR, else ~/.cache/aijobs; an empty AIJOBS_CACHE_DIR turns it off).",
    ),
]


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"aijobs {version('aijobs')}")
        except PackageNotFoundError:
            typer.echo("aijobs (not installed: version unknown)")
        raise typer.Exit(0)


@app.callback()
def _options(
    show_version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """aijobs: a hand-curated, citable knowledge base of the occupations AI creates and changes."""


def _curated_to_read(curated: Path) -> Path:
    """The records to read: `curated`, or, by default outside a checkout, the packaged copy."""
    if curated == DEFAULT_CURATED and not curated.exists():
        from aijobs.packaged import packaged_curated

        packaged = packaged_curated()
        if packaged is not None:
            return packaged
    return curated


def _database_to_read(db: Path) -> Path:
    """The database to read: `db`, or, by default when there is no ./aijobs.db, the packaged one."""
    if db == DEFAULT_DB and not db.exists():
        from aijobs.packaged import packaged_database

        packaged = packaged_database()
        if packaged is not None:
            return packaged
    return db


def _report(problems: list[Problem], fmt: OutputFormat, what: str) -> None:
    if not problems:
        return
    typer.echo(format_problems(problems, fmt.value))
    files = len({p.location.path for p in problems})
    typer.echo(f"{what}: {len(problems)} problem(s) in {files} file(s)", err=fmt != OutputFormat.text)


def _load_or_exit(curated: Path, fmt: OutputFormat = OutputFormat.text) -> KnowledgeBase:
    from aijobs.kb import validate

    kb, problems = validate(_curated_to_read(curated))
    if problems:
        _report(problems, fmt, "validate")
        raise typer.Exit(1)
    return kb


def _over_records(
    curated: Path, no_cache: bool, label: str, run: Callable[[Path, RecordCache | None, Progress], T]
) -> T:
    """`run(records folder, cache, progress bar)` for a command that reads every record: the cache
    opened (unless `no_cache`) and closed after, a bar labelled `label`, invalid records reported (exit 1)."""
    from aijobs.tools.progress import Progress

    cache = _open_cache(not no_cache)
    try:
        with Progress(label) as progress:
            return run(_curated_to_read(curated), cache, progress)
    except ProblemsFound as exc:
        _report(exc.problems, OutputFormat.text, "validate")
        raise typer.Exit(1) from None
    finally:
        if cache is not None:
            cache.close()


def _open_cache(use: bool) -> RecordCache | None:
    """The record cache (None with --no-cache), saying in one line why it cannot be used."""
    from aijobs.cache import open_cache

    cache = open_cache(use)
    if cache is not None and cache.unusable:
        typer.echo(f"note: {cache.unusable}", err=True)
    return cache


@app.command("validate")
def validate_command(paths: PathsArg = None, fmt: FormatOpt = OutputFormat.text, no_cache: NoCacheOpt = False) -> None:
    """Check every record: YAML syntax, fields, ids, references and duplicates.

    Prints each problem as file:line:column: field: message, all of them in one run.
    Given record files or folders, checks the whole knowledge base they belong to (references
    need it) and reports the problems in those files, with a count of the others. Files
    unchanged since an earlier run are not read again (see --no-cache).
    """
    from aijobs.kb import in_selection, knowledge_base_of
    from aijobs.scan import scan
    from aijobs.tools.progress import Progress

    root, only = knowledge_base_of(paths) if paths else (_curated_to_read(DEFAULT_CURATED), None)
    cache = _open_cache(not no_cache)
    try:
        with Progress("validate") as progress:
            result = scan(root, cache=cache, progress=progress)
    finally:
        if cache is not None:
            cache.close()
    problems = result.problems
    if only is not None:
        shown = [problem for problem in problems if in_selection(problem.location.path, only)]
        others = len(problems) - len(shown)
        _report(shown, fmt, "validate")
        if others:
            typer.echo(
                f"validate: {others} problem(s) in other files of {display_path(root)} not shown "
                f"(run `aijobs validate {display_path(root)}`)",
                err=True,
            )
        if shown:
            raise typer.Exit(1)
        typer.echo(f"{len(only)} path(s) checked against {result.records} records: valid", err=fmt != OutputFormat.text)
        return
    _report(problems, fmt, "validate")
    if problems:
        raise typer.Exit(1)
    typer.echo(f"{result.records} records, {result.claims} claims: all valid", err=fmt != OutputFormat.text)


@app.command("show")
def show_command(
    record_id: Annotated[
        str, typer.Argument(metavar="ID_OR_NAME", help="A record id (any case), or any of its names in any script.")
    ],
    curated: CuratedOpt = DEFAULT_CURATED,
) -> None:
    """Print one record: every field of every claim, its rank and its citations.

    ★ marks the preferred name of each language. When nothing matches, the closest ids
    and names are suggested (exit 1).
    """
    from aijobs.tools.display import describe_record

    kb = _load_or_exit(curated)
    # `aijobs search` reads ./aijobs.db or the packaged database: building is needed only without either.
    typer.echo(describe_record(kb, record_id, database=_database_to_read(DEFAULT_DB).exists()))


@app.command("conflicts")
def conflicts_command(
    curated: CuratedOpt = DEFAULT_CURATED,
    check: Annotated[bool, typer.Option(help="Exit 1 if any conflict is unresolved.")] = False,
) -> None:
    """List claims that disagree where one value is expected, with their citations and ranks.

    A recognition's date, a name in one language that sources write differently, an
    age at one date: each value is shown with its rank (★ preferred, · normal, ✗
    deprecated). A conflict is resolved when exactly one value is ranked preferred.
    Exit 0, or with --check 1 when any conflict is unresolved.
    """
    from aijobs.tools.conflicts import describe_conflict, find_conflicts

    kb = _load_or_exit(curated)
    found = find_conflicts(kb)
    for conflict in found:
        typer.echo("\n".join(describe_conflict(kb, conflict)))
    unresolved = sum(not conflict.resolved for conflict in found)
    typer.echo(f"conflicts: {len(found)} found, {unresolved} unresolved", err=True)
    if check and unresolved:
        raise typer.Exit(1)


@app.command("source")
def source_command(
    source_id: Annotated[str, typer.Argument(help="A source id (see curated/sources/).")],
    paragraph: Annotated[int | None, typer.Argument(help="Print only this paragraph.")] = None,
    curated: CuratedOpt = DEFAULT_CURATED,
    corpus: CorpusOpt = None,
) -> None:
    """Print a source's numbered paragraphs, exactly as citations count them."""
    from aijobs.provenance.corpus import source_paragraphs

    numbered = source_paragraphs(_load_or_exit(curated), source_id, corpus, only=paragraph)
    if paragraph is not None:
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
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Replace --db even if it is not an aijobs database (never a link, folder or device)."
        ),
    ] = False,
    no_cache: NoCacheOpt = False,
) -> None:
    """Validate curated/ and build the database from it.

    The schema comes from the Alembic migrations. A SQLite file is replaced atomically;
    PostgreSQL is loaded in one transaction. If anything fails, the previous database
    is left as it was. Only an aijobs database is replaced, unless --force.
    """
    from aijobs.db.build import build_folder, replaceable
    from aijobs.db.engine import build_target

    target = build_target(db)  # a bad --db fails before the records are read
    if isinstance(target, Path):
        replaceable(target, force)
    built = _over_records(
        curated, no_cache, "build", lambda root, cache, bar: build_folder(root, db, force, cache=cache, progress=bar)
    )
    summary = ", ".join(f"{built.counts[name]} {name}" for name in ("entity", "claim", "citation", "label"))
    typer.echo(f"wrote {built.target}: {summary}")


@db_app.command("upgrade")
def db_upgrade_command(
    path: Annotated[Path, typer.Argument(help="An aijobs SQLite file built by an older version.")],
) -> None:
    """Upgrade a database file's schema to the latest migration, in place and atomically."""
    from aijobs.db.upgrade import upgrade_file

    before, after = upgrade_file(path)
    typer.echo(f"{path}: {before or 'empty'} -> {after}" if before != after else f"{path}: already at {after}")


@app.command("search")
def search_command(
    query: Annotated[
        str,
        typer.Argument(help="A name, part of one, its pinyin or initials, or a record id; any script, any word order."),
    ],
    db: Annotated[
        str, typer.Option("--db", help="The database built by `aijobs build`: a SQLite file or a postgresql:// URL.")
    ] = str(DEFAULT_DB),
    limit: Annotated[int, typer.Option(min=1, help="At most this many results.")] = 20,
) -> None:
    """Find occupations, people, organisations, figures and sources by any of their names.

    Scripts, widths and case are folded (訓練師 finds 训练师, ＡＩ finds AI); pinyin with or
    without spaces and initials find Chinese names (luochong, lc); the words of a query
    may come in any order; a record id finds its record. Exact names rank first, then
    prefixes, substrings, pinyin; when nothing matches, close spellings are offered
    ("did you mean"). Exit 1 when nothing is found.
    """
    from aijobs.db.engine import is_server_url
    from aijobs.db.search import did_you_mean, search_file

    hits = search_file(db if is_server_url(db) else _database_to_read(Path(db)), query, limit)
    if not hits:
        typer.echo(f"no match for {query!r}")
        raise typer.Exit(1)
    if hits[0].tier == "fuzzy":
        typer.echo(f"no exact match for {query!r}; did you mean {did_you_mean(query, hits[0])!r}?")
    typer.echo(format_hits(hits))


ID_WIDTH = 36


def format_hits(hits: list[Hit]) -> str:
    """One line per hit: type, id (ellipsized past ID_WIDTH) and each distinct name once."""
    ids = [hit.entity_id if len(hit.entity_id) <= ID_WIDTH else hit.entity_id[: ID_WIDTH - 1] + "…" for hit in hits]
    type_width = max(len(hit.type) for hit in hits)
    id_width = max(len(shown) for shown in ids)
    lines = []
    for hit, shown in zip(hits, ids, strict=True):
        names = hit.display_names
        matched = f"  (matched {hit.kind}: {hit.matched})" if hit.kind != "id" and hit.matched not in names else ""
        lines.append(f"{hit.type:<{type_width}}  {shown:<{id_width}}  {names}{matched}".rstrip())
    return "\n".join(lines)


@app.command("fmt")
def fmt_command(
    paths: PathsArg = None,
    check: Annotated[bool, typer.Option(help="Only list files that are not canonical; exit 1 if any.")] = False,
    migrate: Annotated[
        bool,
        typer.Option(
            help="Also rewrite records in the shorter form: the common citation source hoisted into `source:`, "
            "zh-Hant names that aijobs derives dropped."
        ),
    ] = False,
) -> None:
    """Rewrite record files in one canonical form: key order, quoting, indentation, LF line endings.

    Comments are kept. A file whose meaning would change is never rewritten. Given record
    files or folders, formats only those.
    """
    from aijobs.cache import cache_folder
    from aijobs.kb import knowledge_base_of
    from aijobs.tools.fmt import format_folder
    from aijobs.tools.progress import Progress

    root, only = knowledge_base_of(paths) if paths else (DEFAULT_CURATED, None)
    with Progress("fmt") as progress:
        report = format_folder(root, check, only, migrate, progress, cache_folder())
    for shown, problem in report.failed:
        typer.echo(f"{shown}: cannot format: {problem}")
    verb = "would reformat" if check else "reformatted"
    for shown in report.changed:
        typer.echo(f"{verb} {shown}")
    typer.echo(f"fmt: {len(report.changed)} file(s) {verb}, {len(report.failed)} could not be formatted", err=True)
    if not report.ok:
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
    kind: Annotated[str, typer.Argument(metavar="TYPE", help="occupation, person, company, product or figure.")],
    record_id: Annotated[str, typer.Argument(metavar="ID", help="The new id, e.g. ai-trainer.")],
    cite: Annotated[
        str | None, typer.Option(help="SOURCE-ID:PARAGRAPH:QUOTE, e.g. ai-jobs-bilingual:9:AI trainer")
    ] = None,
    name: Annotated[str | None, typer.Option(help="The name as the source writes it.")] = None,
    lang: Annotated[str, typer.Option(help="The name's language: zh-Hans, zh-Hant or en.")] = "zh-Hans",
    anonymous: Annotated[
        str | None, typer.Option(help="People and companies the source does not name: a label in your words.")
    ] = None,
    status: Annotated[str | None, typer.Option(help="Occupations: the status the source gives it.")] = None,
    status_cite: Annotated[
        str | None, typer.Option(help="Occupations: SOURCE-ID:PARAGRAPH:QUOTE that states the status.")
    ] = None,
    measure: Annotated[str | None, typer.Option(help="Figures: what is measured, in your words.")] = None,
    value: Annotated[str | None, typer.Option(help="Figures: the number.")] = None,
    unit: Annotated[str | None, typer.Option(help="Figures: people, count, CNY, percent, ...")] = None,
    as_written: Annotated[str | None, typer.Option(help="Figures: the number exactly as written.")] = None,
    about: Annotated[
        list[str] | None, typer.Option(help="Figures: an occupation, company or person id (repeatable).")
    ] = None,
    producer: Annotated[
        str | None, typer.Option(help="Figures: who produced it, KIND or KIND:ID (e.g. official:mohrss).")
    ] = None,
    period: Annotated[str | None, typer.Option(help="Figures: the date or period, YYYY[-MM[-DD]].")] = None,
    from_: Annotated[
        str | None,
        typer.Option("--from", help="Figures: SOURCE-ID:PARAGRAPH; lists the numbers it states, with quotes."),
    ] = None,
    pick: Annotated[int | None, typer.Option(help="Figures: with --from, the number to fill in.")] = None,
    curated: CuratedOpt = DEFAULT_CURATED,
    corpus: CorpusOpt = None,
) -> None:
    """Create a minimal, valid record file to start from, holding only what you give."""
    from aijobs.tools.scaffold import apply_pick, create_record, describe_choices, number_choices

    options: dict[str, Any] = {
        "cite": cite,
        "name": name,
        "lang": lang,
        "anonymous": anonymous,
        "status": status,
        "status_cite": status_cite,
        "measure": measure,
        "value": value,
        "unit": unit,
        "as_written": as_written,
        "about": about,
        "producer": producer,
        "period": period,
    }
    if from_ is not None:
        if kind != "figure":
            raise UsageError("--from fills in a figure; use it with TYPE figure")
        source, para, choices = number_choices(curated, from_, corpus)
        if pick is None:
            typer.echo(describe_choices(source, para, choices))
            return
        options = apply_pick(options, source, para, choices, pick)
    elif pick is not None:
        raise UsageError("--pick chooses a number listed by --from SOURCE-ID:PARAGRAPH; give --from too")
    created = create_record(curated, kind, record_id, options, corpus)
    for note in created.notes:
        typer.echo(f"warning: {note}", err=True)
    typer.echo(f"wrote {created.path}; check it with `aijobs validate` and `aijobs verify`")


@app.command("diff")
def diff_command(
    old: Annotated[str, typer.Argument(help="A curated folder or a git revision (e.g. origin/main).")],
    new: Annotated[str, typer.Argument(help="A curated folder or a git revision.")] = str(DEFAULT_CURATED),
) -> None:
    """List what changed in the knowledge between two versions, claim by claim.

    Exit 0 when nothing changed, 1 when something did (like `diff`).
    """
    from aijobs.tools.diff import diff

    changes, problems = diff(old, new)
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
    corpus: CorpusOpt = None,
) -> None:
    """Browse the database in Datasette, with documented tables, facets and canned queries.

    Every record has a page with its claims, each quote marked inside its paragraph (read
    from the corpus folder while serving; without it the quotes are shown alone), and its
    figures as a chart; /-/aijobs/careers draws the career moves. Needs the optional extra:
    pip install 'aijobs[serve]'.
    """
    from aijobs.db.serve import datasette
    from aijobs.provenance.corpus import CorpusNotFound, find_corpus
    from aijobs.tools.evidence import PLUGINS_DIR, serve_metadata

    db = _database_to_read(db)
    folder: Path | None = None
    problem = None
    try:
        folder = find_corpus(corpus)
    except CorpusNotFound as exc:
        if corpus is not None:
            raise  # asked for by name: say it is not there rather than serve without it
        problem = str(exc)
    server = datasette(db, host, port, PLUGINS_DIR, serve_metadata(folder, problem))
    typer.echo(f"serving {db} at {server.url}")
    server.run()


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
    base_iri: Annotated[
        str | None,
        typer.Option(
            "--base-iri",
            help="JSON-LD: the IRI every record's IRI starts with (<base>id/<record id>), an http(s) IRI ending "
            "in '/'. Default https://aijobs.invalid/, a placeholder that never resolves.",
        ),
    ] = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Write the whole knowledge base as JSON, CSV or JSON-LD (byte-identical for the same data).

    Records are read one at a time (unchanged files' parts come from the cache), so memory
    stays small; the files are written only once every record is read and valid.
    """
    from aijobs.tools.export import check_base_iri, export_folder

    if excel and fmt != ExportFormat.csv:
        raise UsageError("--excel applies to --format csv only")
    if base_iri is not None:
        if fmt != ExportFormat.jsonld:
            raise UsageError("--base-iri applies to --format jsonld only")
        check_base_iri(base_iri)
    written, _ = _over_records(
        curated,
        no_cache,
        "export",
        lambda root, cache, bar: export_folder(
            root, fmt.value, out, excel=excel, base_iri=base_iri, cache=cache, progress=bar
        ),
    )
    for path in written:
        typer.echo(f"wrote {path}")


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
    from aijobs.provenance.corpus import open_corpus
    from aijobs.provenance.verify import verify

    kb = _load_or_exit(curated, fmt)
    report = verify(kb, open_corpus(kb, corpus))
    if report.problems:
        typer.echo(format_problems(report.problems, fmt.value))
    typer.echo(
        f"verify: {report.citations_checked} citations and {report.figures_checked} figures checked, "
        f"{len(report.problems)} failure(s)",
        err=fmt != OutputFormat.text,
    )
    if report.problems:
        raise typer.Exit(1)


@app.command("corpus")
def corpus_command(curated: CuratedOpt = DEFAULT_CURATED, corpus: CorpusOpt = None) -> None:
    """List every source document as present, missing or changed, with the fix.

    The source records pin each document's file name and SHA-256. `verify`, `coverage`
    and `source` need the documents; exit 1 unless every one is present and unchanged.
    """
    from aijobs.provenance.corpus import corpus_status

    status = corpus_status(_load_or_exit(curated), corpus)
    typer.echo(status.looked_at)
    for document in status.documents:
        fix = f"  ({document.fix})" if document.fix and status.folder is not None else ""
        typer.echo(f"{document.state:<8} {document.source_id:<28} {document.file}{fix}")
    if status.folder is None:
        typer.echo(f"fix: {status.documents[0].fix if status.documents else 'no sources'}")
    if not status.complete:
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
    from aijobs.provenance.coverage import coverage

    report = coverage(_load_or_exit(curated), corpus)
    for result in report.sources:
        numbers = _percent(result.numbers_covered, result.numbers_total)
        paragraphs = _percent(result.paragraphs_cited, result.paragraphs_total)
        typer.echo(
            f"{result.source_id}: numbers {result.numbers_covered}/{result.numbers_total} covered ({numbers}), "
            f"paragraphs {result.paragraphs_cited}/{result.paragraphs_total} cited ({paragraphs})"
        )
        for para, mention in result.uncovered_numbers:
            typer.echo(
                f"  {result.source_id} ¶{para}: number {mention.text!r} is not cited by a figure or claim, "
                "nor an exception"
            )
        for para in result.uncited_paragraphs:
            typer.echo(f"  {result.source_id} ¶{para}: paragraph is not cited by any claim, nor an exception")
    for source_id, reason in report.not_measured.items():
        typer.echo(f"{source_id}: not measured: {reason}")
    if report.problems:
        typer.echo(format_problems(report.problems))
    if check and not report.complete:
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
    from aijobs.tools.release import release

    made = release(_load_or_exit(curated), out, repository_url=repository_url)
    if made.dataset.git_commit is None:
        typer.echo("warning: the data is at no git commit (no git, or uncommitted changes in it)", err=True)
    commit = (made.dataset.git_commit or "no commit")[:12]
    typer.echo(
        f"wrote {out}: aijobs {made.dataset.version} ({commit}), {len(made.files)} files; changes: {made.changes.note}"
    )


def main() -> None:
    """The `aijobs` command (and `python -m aijobs`): runs the app through its `Boundary`."""
    app()


if __name__ == "__main__":  # `python -m aijobs.cli`
    main()
