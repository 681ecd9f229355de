"""One canonical layout for record files, so pull-request diffs show only real changes.

Keys follow the model's field order, citations stay one line each (flow mappings),
lists of ids are flow lists, indentation is two spaces, quoting is whatever the YAML
emitter needs, and every file starts with the editor's schema comment. Comments are
kept: ruamel.yaml's round-trip mode carries them with their keys. A rewrite that would
change what the file means (as `aijobs.yamlfile` reads it) is refused, never written.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from aijobs.errors import NotFound
from aijobs.files import FileProblem, read_regular_file
from aijobs.loader import EXTENSION, record_files
from aijobs.problems import display_path
from aijobs.records import TYPE_BY_FOLDER, Citation, Span
from aijobs.yamlfile import MAX_BYTES, YamlError, decode_utf8, parse_yaml

SCHEMA_FOLDER = ".schema"
FLOW_MODELS = (Citation, Span)


def schema_comment(folder: str) -> str:
    kind = TYPE_BY_FOLDER[folder].kind_name
    return f"# yaml-language-server: $schema=../{SCHEMA_FOLDER}/{kind}.schema.json"


def _yaml() -> YAML:
    yaml = YAML()
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # never re-wrap text: a changed line break is a noisy diff
    yaml.preserve_quotes = False
    return yaml


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    """The model class inside an annotation like `list[Role]` or `Location | None`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _nested_model(typing.get_args(annotation)[0])
    if origin in (list, typing.Union, types.UnionType):
        found = {m for m in (_nested_model(arg) for arg in typing.get_args(annotation)) if m is not None}
        return found.pop() if len(found) == 1 else None
    return None


def _arrange(node: Any, model: type[BaseModel] | None) -> None:
    """Reorder keys by the model's fields and set each collection's style, recursively."""
    if isinstance(node, CommentedSeq):
        if all(not isinstance(item, CommentedMap | CommentedSeq) for item in node):
            node.fa.set_flow_style()
        else:
            node.fa.set_block_style()
            for item in node:
                _arrange(item, model)
        return
    if not isinstance(node, CommentedMap):
        return
    # The model's field order, except that a claim's rank follows its citations and the
    # curators' note closes the record.
    closing = {"rank": 1, "note": 2}
    fields = sorted(model.model_fields, key=lambda name: closing.get(name, 0)) if model is not None else []
    for key in [k for k in fields if k in node] + [k for k in list(node) if k not in fields]:
        node.move_to_end(key)
    flow = model is not None and issubclass(model, FLOW_MODELS)
    if flow:
        node.fa.set_flow_style()
    else:
        node.fa.set_block_style()
    for key, value in node.items():
        child = (
            _nested_model(model.model_fields[key].annotation)
            if model is not None and key in model.model_fields
            else None
        )
        if flow and isinstance(value, CommentedMap):
            value.fa.set_flow_style()
        elif isinstance(value, CommentedMap | CommentedSeq):
            _arrange(value, child)


@dataclass
class Formatted:
    path: Path
    original: str
    text: str | None  # None when the file could not be formatted safely
    problem: str | None = None

    @property
    def changed(self) -> bool:
        return self.text is not None and self.text != self.original


def format_text(text: str, folder: str, shown_as: str) -> str:
    """The canonical form of one record file; raises ValueError if it cannot be made safely.

    Formatting is repeated until it is stable: a comment that trailed a flow collection
    can move once when the collection becomes block style, and never again.
    """
    result = _format_once(text, folder, shown_as)
    for _ in range(3):
        again = _format_once(result, folder, shown_as)
        if again == result:
            return result
        result = again
    raise ValueError("formatting does not settle; simplify the comments in this file")


def _format_once(text: str, folder: str, shown_as: str) -> str:
    try:
        before = parse_yaml(text, shown_as).data  # refuse what the loader refuses, before ruamel sees it
    except YamlError as exc:
        raise ValueError(exc.problem.message) from None
    header = schema_comment(folder)
    body = text
    first_line, _, rest = body.partition("\n")
    if first_line.startswith("# yaml-language-server:"):
        body = rest
    yaml = _yaml()
    data = yaml.load(body)
    if not isinstance(data, CommentedMap):
        raise ValueError("not a mapping of fields")
    _arrange(data, TYPE_BY_FOLDER[folder])
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    result = f"{header}\n{buffer.getvalue()}"
    try:
        after = parse_yaml(result, shown_as).data
    except YamlError as exc:
        raise ValueError(f"reformatting produced unreadable YAML ({exc.problem.message})") from None
    if before != after:
        raise ValueError("reformatting would change the data; fix the file by hand")
    return result


def format_file(path: Path, folder: str, shown_as: str) -> Formatted:
    try:  # a regular file inside curated/ only: never a link's target, a pipe or a device
        raw = read_regular_file(path, shown_as, MAX_BYTES)
        original = decode_utf8(raw, shown_as).replace("\r\n", "\n").replace("\r", "\n")  # as read_text does
    except (FileProblem, YamlError) as exc:
        return Formatted(path, "", None, exc.problem.message)
    try:
        return Formatted(path, original, format_text(original, folder, shown_as))
    except Exception as exc:  # any parser failure is reported, never raised
        return Formatted(path, original, None, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)


@dataclass
class FolderReport:
    """What `format_folder` did: files (re)formatted, and files it refused, with the reason."""

    check: bool
    changed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing refused, and with `check` nothing left to reformat."""
        return not self.failed and not (self.check and self.changed)


def format_folder(curated: Path, check: bool = False) -> FolderReport:
    """Rewrite every record file under `curated` in canonical form; with `check`, only list them.

    Each file is replaced atomically (a temporary file beside it, then a rename) and keeps
    its mode. A file that cannot be formatted safely is listed in `failed`, never written.
    """
    if not curated.is_dir():
        raise NotFound(
            f"{curated}: curated data folder not found; pass the folder that holds sources/, people/, ... "
            "or run from the repository root"
        )
    report = FolderReport(check)
    for folder in sorted(TYPE_BY_FOLDER):  # a linked record folder is never entered (the loader refuses it too)
        if (curated / folder).is_symlink():
            linked = _unresolved(curated / folder)
            report.failed.append((linked, f"{linked} is a symbolic link; fmt never writes through one"))
    for folder, path in record_files(curated, regular_only=False):
        if path.suffix != EXTENSION:
            continue
        shown = display_path(path)
        if path.is_symlink() or path.parent.is_symlink():  # fmt writes only real files inside curated/
            link = path if path.is_symlink() else path.parent
            message = f"{_unresolved(link)} is a symbolic link; fmt never writes through one"
            report.failed.append((_unresolved(path), message))
            continue
        if not path.is_file():  # a folder or a device named *.yaml: reading it could hang
            report.failed.append((shown, "not a regular file"))
            continue
        result = format_file(path, folder, shown)
        if result.text is None:
            report.failed.append((shown, result.problem or "cannot be formatted safely"))
        elif result.changed:
            report.changed.append(shown)
            if not check:
                _replace(path, result.text)
    return report


def _unresolved(path: Path) -> str:
    """`path` relative to the working directory without following links (a link is shown as itself)."""
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _replace(path: Path, text: str) -> None:
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".fmt", dir=path.parent)
    temp = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        shutil.copymode(path, temp)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
