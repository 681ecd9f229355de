"""Starting a new record: a minimal file that already validates.

`aijobs new` writes the smallest valid record of a type from a name and one citation,
in canonical form with the schema comment, so a contributor starts from something
green and adds to it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from aijobs.errors import AijobsError, NotFound, UsageError
from aijobs.fields import one_of
from aijobs.loader import validate_document
from aijobs.problems import Problem
from aijobs.records import TYPE_BY_KIND
from aijobs.tools.fmt import format_text
from aijobs.yamlfile import parse_yaml

CITE_PATTERN = re.compile(r"^(?P<source>[a-z0-9-]+):(?P<para>\d+):(?P<quote>.+)$")


@dataclass
class Scaffold:
    folder: str
    text: str


class ScaffoldError(UsageError):
    """The options cannot make a valid record; every reason, joined into one line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def parse_cite(value: str) -> dict[str, object]:
    """'source-id:12:exact quote' -> a citation mapping."""
    match = CITE_PATTERN.fullmatch(value.strip())
    if not match:
        raise ScaffoldError([f"--cite must look like SOURCE-ID:PARAGRAPH:QUOTE, found {value!r}"])
    return {"source": match["source"], "para": int(match["para"]), "quote": match["quote"]}


def _flow(value: object) -> str:
    """A YAML flow value; JSON is valid YAML and quotes whatever needs quoting."""
    return json.dumps(value, ensure_ascii=False)


def scaffold(kind: str, record_id: str, options: dict[str, str | None]) -> Scaffold:
    """The text of a new, valid record; raises ScaffoldError saying what is missing."""
    folders = {name: model.folder for name, model in TYPE_BY_KIND.items() if name != "source"}
    if kind not in folders:
        raise ScaffoldError([f"TYPE must be one of {one_of(list(folders))}; sources are described by hand"])
    missing = [name for name in ("cite",) if not options.get(name)]
    if kind != "figure":
        missing += [name for name in ("name",) if not options.get(name)]
    else:
        missing += [name for name in ("measure", "value", "unit", "as_written") if not options.get(name)]
    if missing:
        raise ScaffoldError([f"--{name.replace('_', '-')} is required for a new {kind}" for name in missing])
    cite = _flow([parse_cite(str(options["cite"]))])
    lines = [f"id: {record_id}"]
    if kind == "figure":
        lines += [
            f"measure: {_flow(options['measure'])}",
            f"value: {options['value']}",
            f"unit: {options['unit']}",
            f"approx: {options.get('approx') or 'exact'}",
            f"as_written: {_flow(options['as_written'])}",
            f"cite: {cite}",
        ]
    else:
        if kind in ("company", "product"):  # a product's kind defaults to model: check it
            lines.append(f"kind: {options.get('kind') or ('company' if kind == 'company' else 'model')}")
        lines += [
            "names:",
            f"  - {{text: {_flow(options['name'])}, lang: {options.get('lang') or 'zh-Hans'}, cite: {cite}}}",
        ]
        if kind == "occupation":
            lines += ["statuses:", f"  - {{status: {options.get('status') or 'emerging'}, cite: {cite}}}"]
    folder = folders[kind]
    shown = f"curated/{folder}/{record_id}.yaml"
    text = format_text("\n".join(lines) + "\n", folder, shown)
    document = parse_yaml(text, shown)
    _, problems = validate_document(document, folder, record_id)
    if problems:
        raise ScaffoldError([_message(problem) for problem in problems])
    return Scaffold(folder, text)


def _message(problem: Problem) -> str:
    return f"{problem.field}: {problem.message}" if problem.field else problem.message


def create_record(curated: Path, kind: str, record_id: str, options: dict[str, str | None]) -> Path:
    """Write the scaffold of a new record into `curated`; returns the new file's path.

    Raises ScaffoldError when the options cannot make a valid record, NotFound when
    `curated` is not a folder, and UsageError when the file already exists (it is
    never overwritten).
    """
    made = scaffold(kind, record_id, options)
    if not curated.is_dir():
        raise NotFound(
            f"{curated}: curated data folder not found; pass it with --curated or run from the repository root"
        )
    path = curated / made.folder / f"{record_id}.yaml"
    if path.parent.is_symlink():
        raise AijobsError(f"{path.parent} is a symbolic link; aijobs never writes through one")
    path.parent.mkdir(exist_ok=True)
    try:
        out = path.open("x", encoding="utf-8")  # exclusive: never replaces a file or follows a link
    except FileExistsError:
        raise UsageError(f"{path} already exists; choose another id or edit that file") from None
    try:
        with out:
            out.write(made.text)
    except BaseException:
        path.unlink(missing_ok=True)  # the file is ours: no half-written record is left
        raise
    return path
