"""One canonical layout for record files, so pull-request diffs show only real changes.

Keys follow the model's field order, citations stay one line each (flow mappings),
lists of ids are flow lists, indentation is two spaces, quoting is whatever the YAML
emitter needs, and every file starts with the editor's schema comment. Comments are
kept: ruamel.yaml's round-trip mode carries them with their keys. A rewrite that would
change what the file means (as `aijobs.yamlfile` reads it) is refused, never written.
Line endings become LF: a CRLF file is not canonical.

`migrate_text` (``aijobs fmt --migrate``) rewrites a record in the shorter form: the
source most citations name becomes the record's ``source:`` and those citations drop
it; zh-Hant names that are exactly what aijobs derives from the zh-Hans ones (see
`aijobs.records.derived_names`) are dropped. It refuses any rewrite after which the
record would load differently.

Formatting with ruamel.yaml's round trip is slow (about 10 ms a file), so most files
never meet it: `is_canonical` parses with libyaml, writes the canonical text itself and
compares bytes, and only files it is not sure of (those to rewrite, and a few shapes it
leaves to ruamel: comments, floats, double quotes...) take the round trip. A file whose
exact bytes were found canonical before, by this same code, is not formatted again
either: the digests are kept in the user's cache folder (`aijobs.cache.cache_folder`).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import io
import os
import re
import shutil
import stat
import tempfile
import types
import typing
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.nodes import ScalarNode

from aijobs.errors import NotFound
from aijobs.files import FileProblem, read_regular_file
from aijobs.loader import EXTENSION, record_files
from aijobs.problems import display_path
from aijobs.records import TYPE_BY_FOLDER, Citation, Name, Span, derived_names
from aijobs.yamlfile import MAX_BYTES, YamlError, decode_utf8, parse_yaml

try:  # libyaml's C parser, as aijobs.yamlfile reads files
    from yaml import CSafeLoader as _LibyamlLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _LibyamlLoader  # type: ignore[assignment]

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
    if is_canonical(text, folder, shown_as):
        return text
    result = _format_once(text, folder, shown_as)
    if result == text:  # already canonical: formatting it again gives the same
        return result
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


# --- the fast path: a file already canonical, decided without ruamel.yaml ---------------
#
# Most files are canonical already, and ruamel.yaml's round trip costs about 10 ms a file.
# `is_canonical` parses with libyaml (which keeps each scalar's style), writes the
# canonical text itself and compares it with the file. It answers True only when it is
# sure ruamel would write exactly the file: anything it does not handle (a comment, a
# float, a double-quoted or multi-line string, a nested list...) makes it answer False,
# and the file takes the full path. tests/test_fmt_fast.py compares the two paths.


class _NotSure(Exception):
    """The fast path cannot tell; the full path decides."""


@dataclass(frozen=True)
class _Scalar:
    value: str
    plain: bool  # written without quotes in the file


@dataclass(frozen=True)
class _Folded:
    """A `>-` scalar: ruamel keeps its style and where its lines break, and re-indents the lines."""

    value: str
    raw: str  # as written, from the `>` to the end of its last line

    def lines(self) -> list[str]:
        """Its lines without indentation, when it is a single paragraph that folds to its value."""
        header, *rest = self.raw.rstrip("\n").split("\n")
        lines = [line.strip(" ") for line in rest]
        if header != ">-" or not lines or any(not line or "  " in line or len(line) > _LONGEST for line in lines):
            raise _NotSure
        if any(not line.startswith(" ") for line in rest) or " ".join(lines) != self.value:
            raise _NotSure
        return lines


_STR_TAG = "tag:yaml.org,2002:str"
_INT_TEXT = re.compile(r"-?(?:0|[1-9][0-9]*)")
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_LONGEST = 1000  # characters: far below ruamel's line width, so it never wraps a line


@cache
def _ruamel_parts() -> tuple[Any, Any]:
    """ruamel.yaml's resolver and emitter, for the decisions the fast path copies from them."""
    yaml = _yaml()
    return yaml.resolver, yaml.emitter  # the emitter as the dump configures it (allow_unicode...)


def _events_tree(text: str) -> Any:
    """The file as nested dicts, lists and `_Scalar`s, from libyaml's events (styles kept)."""
    import yaml

    loader = _LibyamlLoader(text)
    try:
        events = iter(loader.get_event, None)

        def build(event: Any) -> Any:
            if getattr(event, "anchor", None) is not None or isinstance(event, yaml.AliasEvent):
                raise _NotSure
            if isinstance(event, yaml.ScalarEvent):
                if event.tag is not None and not event.implicit[0] and not event.implicit[1]:
                    raise _NotSure
                plain = not event.style and event.implicit[0]  # libyaml: None or "" for plain
                if event.style == ">":
                    start, end = event.start_mark, event.end_mark
                    if start is None or end is None:
                        raise _NotSure
                    return _Folded(event.value, text[start.index : end.index])
                if event.style not in (None, "", "'", '"'):
                    raise _NotSure
                return _Scalar(event.value, plain)
            if event.tag is not None and event.tag not in ("tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"):
                raise _NotSure
            if isinstance(event, yaml.SequenceStartEvent):
                items: list[Any] = []
                for item in events:
                    if isinstance(item, yaml.SequenceEndEvent):
                        return items
                    items.append(build(item))
            if isinstance(event, yaml.MappingStartEvent):
                mapping: dict[str, Any] = {}
                for key in events:
                    if isinstance(key, yaml.MappingEndEvent):
                        return mapping
                    if not isinstance(key, yaml.ScalarEvent) or key.style or key.value in mapping:
                        raise _NotSure
                    mapping[key.value] = build(next(events))
            raise _NotSure

        next(events)  # StreamStart
        if getattr(next(events), "explicit", True):  # a `---` line: not what ruamel writes
            raise _NotSure
        return build(next(events))
    except (yaml.YAMLError, StopIteration):
        raise _NotSure from None
    finally:
        loader.dispose()


def _scalar_text(scalar: _Scalar, flow: bool, key: bool) -> str:
    """The scalar as ruamel's round trip writes it (see its Emitter.choose_scalar_style)."""
    return _written(scalar.value, scalar.plain, flow, key)


@functools.lru_cache(maxsize=65536)  # keys, ids, languages and sources repeat in every file
def _written(value: str, plain: bool, flow: bool, key: bool) -> str:
    if len(value) > _LONGEST or "\n" in value or "#" in value:
        raise _NotSure
    resolver, emitter = _ruamel_parts()
    tag = str(resolver.resolve(ScalarNode, value, (True, False)))
    if plain and tag != _STR_TAG:  # ruamel reads a number, a date...: kept only as written canonically
        if tag == "tag:yaml.org,2002:int" and _INT_TEXT.fullmatch(value):
            return value
        if tag == "tag:yaml.org,2002:bool" and value in ("true", "false"):
            return value
        if tag == "tag:yaml.org,2002:timestamp" and _DATE_TEXT.fullmatch(value):
            try:
                datetime.date.fromisoformat(value)
            except ValueError:
                raise _NotSure from None
            return value
        raise _NotSure
    analysis = emitter.analyze_scalar(value)
    plain_allowed = analysis.allow_flow_plain if flow else analysis.allow_block_plain
    if tag == _STR_TAG and plain_allowed and not (key and (analysis.empty or analysis.multiline)):
        return value
    if analysis.allow_double_quoted and "'" in value:
        raise _NotSure  # double quotes: escapes the fast path does not write
    if analysis.allow_single_quoted and not (key and analysis.multiline):
        return "'" + value + "'"
    raise _NotSure


def _ordered(mapping: dict[str, Any], model: type[BaseModel] | None) -> list[str]:
    """The keys in `_arrange`'s order."""
    closing = {"rank": 1, "note": 2}
    fields = sorted(model.model_fields, key=lambda name: closing.get(name, 0)) if model is not None else []
    return [k for k in fields if k in mapping] + [k for k in mapping if k not in fields]


@cache
def _child(model: type[BaseModel] | None, key: str) -> type[BaseModel] | None:
    if model is None or key not in model.model_fields:
        return None
    return _nested_model(model.model_fields[key].annotation)


def _flow_text(node: Any, model: type[BaseModel] | None, arrange: bool) -> str:
    """A flow collection or scalar: `[a, b]`, `{source: s, para: 1, quote: q}`."""
    if isinstance(node, _Folded):
        raise _NotSure
    if isinstance(node, _Scalar):
        return _scalar_text(node, flow=True, key=False)
    if isinstance(node, list):
        if any(not isinstance(item, _Scalar) for item in node):
            raise _NotSure
        return "[" + ", ".join(_scalar_text(item, flow=True, key=False) for item in node) + "]"
    if not node:
        raise _NotSure
    keys = _ordered(node, model) if arrange else list(node)
    parts = []
    for key in keys:  # inside a flow mapping, nested mappings keep their order (as `_arrange` does)
        parts.append(f"{_scalar_text(_Scalar(key, True), flow=True, key=True)}: {_flow_text(node[key], None, False)}")
    return "{" + ", ".join(parts) + "}"


def _is_flow(node: Any, model: type[BaseModel] | None) -> bool:
    if isinstance(node, list):
        return all(isinstance(item, _Scalar) for item in node)
    return isinstance(node, dict) and model is not None and issubclass(model, FLOW_MODELS)


def _block_mapping(node: dict[str, Any], model: type[BaseModel] | None, indent: int, first: str) -> list[str]:
    """Lines of a block mapping; its first line starts with `first` (a sequence dash) instead of the indent."""
    if not node:
        raise _NotSure
    lines = []
    for number, key in enumerate(_ordered(node, model)):
        prefix = (first if number == 0 else " " * indent) + _scalar_text(_Scalar(key, True), flow=False, key=True)
        value, child = node[key], _child(model, key)
        if isinstance(value, _Scalar):
            lines.append(f"{prefix}: {_scalar_text(value, flow=False, key=False)}")
        elif isinstance(value, _Folded):
            lines.append(f"{prefix}: >-")
            lines += [" " * (indent + 2) + line for line in value.lines()]
        elif _is_flow(value, child):
            lines.append(f"{prefix}: {_flow_text(value, child, True)}")
        elif isinstance(value, dict):
            lines.append(f"{prefix}:")
            lines += _block_mapping(value, child, indent + 2, " " * (indent + 2))
        else:
            lines.append(f"{prefix}:")
            for item in value:
                dash = " " * (indent + 2) + "- "
                if isinstance(item, _Scalar | _Folded):
                    lines.append(dash + _flow_text(item, None, False))
                elif isinstance(item, dict) and _is_flow(item, child):
                    lines.append(dash + _flow_text(item, child, True))
                elif isinstance(item, dict):
                    lines += _block_mapping(item, child, indent + 4, dash)
                else:
                    raise _NotSure
    return lines


def is_canonical(text: str, folder: str, shown_as: str) -> bool:
    """Whether `text` is exactly what `format_text` makes of it, decided without ruamel.yaml.

    False means "not sure" as well as "no": the caller then takes the full path.
    """
    header = schema_comment(folder) + "\n"
    if not text.startswith(header) or "#" in text[len(header) :] or "\r" in text or "\t" in text:
        return False
    try:
        parse_yaml(text, shown_as)  # what the loader refuses, the full path reports
        tree = _events_tree(text[len(header) :])
        if not isinstance(tree, dict):
            return False
        canonical = header + "".join(line + "\n" for line in _block_mapping(tree, TYPE_BY_FOLDER[folder], 0, ""))
    except (_NotSure, YamlError):
        return False
    return canonical == text


def format_file(
    path: Path, folder: str, shown_as: str, migrate: bool = False, known: KnownCanonical | None = None
) -> Formatted:
    """The canonical form of one file (in the shorter form with `migrate`), never raising.

    `known` holds digests of file contents already found canonical: such a file is not
    parsed again.
    """
    try:  # a regular file inside curated/ only: never a link's target, a pipe or a device
        raw = read_regular_file(path, shown_as, MAX_BYTES)
        original = decode_utf8(raw, shown_as)
    except (FileProblem, YamlError) as exc:
        return Formatted(path, "", None, exc.problem.message)
    digest = hashlib.sha256(raw).hexdigest()
    if known is not None and not migrate and digest in known:
        return Formatted(path, original, original)
    text = original.replace("\r\n", "\n").replace("\r", "\n")  # as read_text does; written back as LF
    try:
        if migrate:
            text = migrate_text(text, folder, shown_as)
        result = Formatted(path, original, format_text(text, folder, shown_as))
    except Exception as exc:  # any parser failure is reported, never raised
        return Formatted(path, original, None, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    if known is not None and result.text is not None:
        known.add(hashlib.sha256(result.text.encode("utf-8")).hexdigest())
    return result


# --- the shorter form (fmt --migrate) --------------------------------------------------


def _citations(node: Any) -> Iterator[CommentedMap]:
    """Every citation mapping (an item of a ``cite`` list) in a ruamel tree, in file order."""
    if isinstance(node, CommentedMap):
        for key, value in node.items():
            if key == "cite" and isinstance(value, CommentedSeq):
                yield from (item for item in value if isinstance(item, CommentedMap))
            else:
                yield from _citations(value)
    elif isinstance(node, CommentedSeq):
        for item in node:
            yield from _citations(item)


def _hoist_source(data: CommentedMap) -> None:
    """Make the source most citations name the record's default, and drop it from them.

    A record that already has ``source:`` keeps it. A source named by one citation
    only is not hoisted (it would add a line, not save one).
    """
    citations = list(_citations(data))
    default = data.get("source")
    if default is None:
        counts = Counter(c["source"] for c in citations if isinstance(c.get("source"), str))
        if not counts:
            return
        default, uses = counts.most_common(1)[0]  # ties: the source cited first
        if uses < 2:
            return
        data.insert(list(data).index("id") + 1 if "id" in data else 0, "source", default)
    if not isinstance(default, str):
        return
    for citation in citations:
        if citation.get("source") == default:
            del citation["source"]


def _has_comments(node: Any) -> bool:
    ca = getattr(node, "ca", None)
    return ca is not None and (bool(ca.items) or any(ca.comment or []))


def _drop_derivable_names(data: CommentedMap) -> None:
    """Drop the zh-Hant names when they are all exactly what the loader would derive.

    Only names marked `translation: true` with nothing else (no note, no comment) go;
    a cited zh-Hant name, or one the derivation would not reproduce in its place, keeps
    every zh-Hant name of the record.
    """
    names = data.get("names")
    if not isinstance(names, CommentedSeq) or not all(isinstance(name, CommentedMap) for name in names):
        return
    hant = [index for index, name in enumerate(names) if name.get("lang") == "zh-Hant"]
    if not hant:
        return
    for index in hant:
        name = names[index]
        if set(name) != {"text", "lang", "translation"} or name["translation"] is not True:
            return
        if _has_comments(name) or index in names.ca.items:
            return
    kept = [  # what derivation reads of a name (the record as a whole is checked after the rewrite)
        Name.model_construct(
            text=name.get("text"),
            lang=name.get("lang"),
            misspelling=name.get("misspelling") is True,
            cite=list(name.get("cite") or []),
        )
        for index, name in enumerate(names)
        if index not in hant
    ]
    if [(name.text, name.lang) for name in derived_names(kept)] != [(name["text"], name["lang"]) for name in names]:
        return
    for index in reversed(hant):
        del names[index]


def migrate_text(text: str, folder: str, shown_as: str) -> str:
    """`text` in the shorter form; unchanged if the record does not load as it is.

    Raises ValueError if the rewrite would change what the record says once loaded.
    """
    model = TYPE_BY_FOLDER[folder]
    try:
        before = model.model_validate(parse_yaml(text, shown_as).data)
    except (YamlError, ValueError):
        return text  # an invalid record is formatted as it is; validate explains it
    first_line, _, rest = text.partition("\n")
    header = first_line + "\n" if first_line.startswith("# yaml-language-server:") else ""
    yaml = _yaml()
    data = yaml.load(rest if header else text)
    if not isinstance(data, CommentedMap):
        return text
    _hoist_source(data)
    if "names" in model.model_fields:
        _drop_derivable_names(data)
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    result = header + buffer.getvalue()
    try:
        after = model.model_validate(parse_yaml(result, shown_as).data)
    except (YamlError, ValueError) as exc:
        raise ValueError(f"the shorter form would not load ({str(exc).splitlines()[0]}); left as it is") from None
    if after.model_dump(mode="json") != before.model_dump(mode="json"):
        raise ValueError("the shorter form would change what the record says; left as it is")
    return result


# --- the cache of files known canonical ------------------------------------------------


@cache
def _fingerprint() -> str:
    """What the canonical form depends on: this module, the record models and ruamel.yaml."""
    import ruamel.yaml

    import aijobs.fields
    import aijobs.records

    digest = hashlib.sha256(ruamel.yaml.__version__.encode())
    for module_file in (__file__, aijobs.records.__file__, aijobs.fields.__file__):
        digest.update(Path(module_file).read_bytes() if module_file else b"")
    return digest.hexdigest()[:32]


class KnownCanonical(set[str]):
    """Digests of file contents found canonical by this version of fmt, read from and saved to the cache.

    The cache file is aijobs' own (named after the code's fingerprint, in its own folder);
    a cache that is missing, unreadable, a link or malformed is simply empty, and one
    that cannot be written is not written. Only hex digests are read from it.
    """

    def __init__(self, folder: Path | None) -> None:
        super().__init__()
        self.path = folder / f"fmt-{_fingerprint()}.txt" if folder is not None else None
        self._loaded = 0
        if self.path is None:
            return
        try:
            if stat.S_ISREG(os.lstat(self.path).st_mode):
                lines = read_regular_file(self.path, str(self.path), 16 * 1024 * 1024).decode("ascii").split()
                self.update(line for line in lines if len(line) == 64 and all(c in "0123456789abcdef" for c in line))
        except (OSError, FileProblem, UnicodeDecodeError):
            self.clear()
        self._loaded = len(self)

    def save(self) -> None:
        if self.path is None or len(self) == self._loaded:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.path.parent.is_symlink():
                return
            handle, name = tempfile.mkstemp(prefix=".fmt-", suffix=".tmp", dir=self.path.parent)
            with os.fdopen(handle, "w", encoding="ascii") as out:
                out.write("\n".join(sorted(self)) + "\n")
            os.replace(name, self.path)
        except OSError:
            pass


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


def format_folder(
    curated: Path,
    check: bool = False,
    only: Iterable[Path] | None = None,
    migrate: bool = False,
    progress: Callable[[int, int], None] | None = None,
    cache: Path | None = None,
) -> FolderReport:
    """Rewrite every record file under `curated` in canonical form; with `check`, only list them.

    `only` limits it to some files and record folders of `curated`; `migrate` also
    rewrites records in the shorter form; `progress(done, total)` is called as files are
    done. `cache`: the folder of fmt's cache (see `aijobs.cache.cache_folder`), None for no cache.
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
    selected = None if only is None else {os.path.abspath(path) for path in only}
    files = [
        (folder, path)
        for folder, path in record_files(curated, regular_only=False)
        if path.suffix == EXTENSION and (selected is None or _is_selected(path, selected))
    ]
    known = KnownCanonical(cache)
    for done, (folder, path) in enumerate(files, 1):
        shown = display_path(path)
        if path.is_symlink() or path.parent.is_symlink():  # fmt writes only real files inside curated/
            link = path if path.is_symlink() else path.parent
            message = f"{_unresolved(link)} is a symbolic link; fmt never writes through one"
            report.failed.append((_unresolved(path), message))
            continue
        if not path.is_file():  # a folder or a device named *.yaml: reading it could hang
            report.failed.append((shown, "not a regular file"))
        else:
            result = format_file(path, folder, shown, migrate, known)
            if result.text is None:
                report.failed.append((shown, result.problem or "cannot be formatted safely"))
            elif result.changed:
                report.changed.append(shown)
                if not check:
                    _replace(path, result.text)
        if progress is not None:
            progress(done, len(files))
    known.save()
    return report


def _unresolved(path: Path) -> str:
    """`path` relative to the working directory without following links (a link is shown as itself)."""
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _is_selected(path: Path, selected: set[str]) -> bool:
    """Whether `path` is one of the selected files or inside a selected folder (compared lexically)."""
    absolute = os.path.abspath(path)
    return absolute in selected or os.path.dirname(absolute) in selected


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
