"""The generated parts of the documentation, for cog (https://nedbatchelder.com/code/cog).

README.md and curated/README.md hold blocks such as::

    <!-- [[[cog import aijobs.tools.docs as docs; cog.out(docs.schema_overview()) ]]] -->
    ...generated Markdown...
    <!-- [[[end]]] -->

`cog -r README.md curated/README.md` rewrites them from the code; `cog --check` (run by
the tests and CI) fails when a file differs from what the code generates. Each function
here returns Markdown built from one definition: the table classes (through
`aijobs.db.catalog`), the record models and their `Literal` vocabularies, the claims
derived from them, and the command-line app.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Iterator, Sequence
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import typer
from pydantic import BaseModel
from typer.testing import CliRunner

from aijobs.claims import claims_of
from aijobs.db.catalog import ColumnDoc, catalog
from aijobs.fields import choices
from aijobs.records import RECORD_TYPES, Record


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    lines = [f"| {' | '.join(header)} |", f"|{'---|' * len(header)}"]
    lines += [f"| {' | '.join(_cell(cell) for cell in row)} |" for row in rows]
    return "\n".join(lines) + "\n"


def _code(words: list[str] | tuple[str, ...]) -> str:
    return ", ".join(f"`{word}`" for word in words)


# --- the database schema ---------------------------------------------------------------


def schema_overview() -> str:
    """One row per table: its name, its description's first paragraph, its columns."""
    rows = [(f"[`{t.name}`](#{t.name})", t.summary, _code([c.name for c in t.columns])) for t in catalog()]
    return _table(("table", "what a row is", "columns"), rows)


def _column_type(column: ColumnDoc) -> str:
    parts = [column.type + (" or NULL" if column.nullable else "")]
    if column.primary_key:
        parts.append("key")
    if column.references:
        parts.append(f"→ `{column.references}`")
    return ", ".join(parts)


def schema_columns() -> str:
    """Every table with its description and every column's type and description."""
    sections = []
    for table in catalog():
        rows = [(f"`{c.name}`", _column_type(c), c.description) for c in table.columns]
        paragraphs = "\n\n".join(table.description.split("\n"))
        sections.append(f"### `{table.name}`\n\n{paragraphs}\n\n" + _table(("column", "type", "description"), rows))
    return "\n".join(sections)


# --- claims ----------------------------------------------------------------------------


def _specimen(annotation: Any, choice: int, sizes: list[int]) -> Any:
    """A value of `annotation` with every optional part filled in, without validation.

    Each Literal takes its `choice`-th value (modulo its size, recorded in `sizes`), so
    successive choices show every value of every vocabulary.
    """
    origin = get_origin(annotation)
    if origin is Annotated:
        return _specimen(get_args(annotation)[0], choice, sizes)
    if origin is Literal:
        values = get_args(annotation)
        sizes.append(len(values))
        return values[choice % len(values)]
    if origin is Union or origin is types.UnionType:
        arms = [arm for arm in get_args(annotation) if arm is not type(None)]
        return _specimen(arms[0], choice, sizes)
    if origin is list:
        return [_specimen(get_args(annotation)[0], choice, sizes)]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        fields = annotation.model_fields.items()
        return annotation.model_construct(**{name: _specimen(f.annotation, choice, sizes) for name, f in fields})
    return {bool: False, int: 1, float: 1.0}.get(annotation, "x")


def _specimens(model: type[Record]) -> Iterator[Record]:
    """Records of one type with every cited field present, together taking every vocabulary value."""
    choice, sizes = 0, [1]
    while choice < max(sizes):
        yield _specimen(model, choice, sizes)
        choice += 1


def claim_properties() -> str:
    """Every claim property, which records have it and the field it comes from.

    Derived by running `aijobs.claims.claims_of` over specimen records that fill in
    every field, so the list follows the models and the claim rules, never a hand copy.
    """
    found: dict[str, tuple[dict[str, None], dict[str, None]]] = {}
    for model in RECORD_TYPES:
        for record in _specimens(model):
            for claim in claims_of(record):
                kinds, fields = found.setdefault(claim.property, ({}, {}))
                kinds[claim.subject_kind] = None
                path = ".".join(part for part in claim.path if isinstance(part, str))
                fields[f"`{path}`" if path else "the record itself"] = None
    rows = [(f"`{name}`", ", ".join(kinds), ", ".join(fields)) for name, (kinds, fields) in found.items()]
    return _table(("property", "claims about", "from the field"), rows)


# --- the record format -----------------------------------------------------------------


def _vocabulary_fields(model: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, tuple[str, ...]]]:
    """(field path, values) for every field of `model`, nested or not, that is a Literal vocabulary."""
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        try:
            values = choices(field.annotation)
        except TypeError:
            values = ()
        if values:
            yield path, values
            continue
        for arm in _models_in(field.annotation):
            suffix = "[]" if get_origin(_unwrap(field.annotation)) is list else ""
            yield from _vocabulary_fields(arm, f"{path}{suffix}.")


def _unwrap(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in get_args(annotation):
        yield from _models_in(arg)


def vocabularies() -> str:
    """Every field that takes one of a fixed list of values, with the values."""
    found: dict[tuple[str, tuple[str, ...]], dict[str, None]] = {}
    for model in RECORD_TYPES:
        for path, values in _vocabulary_fields(model):
            found.setdefault((path, values), {})[model.kind_name] = None
    rows = [(f"`{path}`", ", ".join(kinds), _code(values)) for (path, values), kinds in found.items()]
    return _table(("field", "in", "one of"), rows)


# --- the command line ------------------------------------------------------------------


def _commands(group: Any, ctx: typer.Context) -> Iterator[tuple[Any, typer.Context]]:
    """Every command under `group`, depth first, with a context naming its full path."""
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        sub = typer.Context(command, info_name=name, parent=ctx)
        if hasattr(command, "list_commands"):
            yield from _commands(command, sub)
        else:
            yield command, sub


def _leaves(app: typer.Typer) -> Iterator[tuple[Any, typer.Context]]:
    root = typer.main.get_command(app)
    return _commands(root, typer.Context(root, info_name="aijobs"))


def command_table(app: typer.Typer) -> str:
    """One row per command: how it is called and the first paragraph of its help."""
    rows = []
    for command, ctx in _leaves(app):
        arguments = command.collect_usage_pieces(ctx)
        summary = inspect.cleandoc(command.help or "").split("\n\n", 1)[0]
        rows.append((f"`{' '.join([ctx.command_path, *arguments])}`", summary))
    return _table(("command", "what it does"), rows)


def command_help(app: typer.Typer) -> str:
    """Every command's `--help`, as an 80-column terminal shows it."""
    blocks = []
    runner = CliRunner()
    for _, ctx in _leaves(app):
        args = [*ctx.command_path.split()[1:], "--help"]
        result = runner.invoke(app, args, prog_name="aijobs", catch_exceptions=False)
        if result.exit_code != 0:
            raise RuntimeError(f"`aijobs {' '.join(args)}` exited {result.exit_code}: {result.output}")
        blocks.append(f"```text\n$ {ctx.command_path} --help\n{result.output.rstrip()}\n```\n")
    return "\n".join(blocks)
