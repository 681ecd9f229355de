"""Starting a new record: a minimal file that already validates, holding only what you said.

`aijobs new` writes the smallest valid record of a type from the options given, in
canonical form with the schema comment, so a contributor starts from something green
and adds to it. It never adds a statement the contributor did not make (an occupation's
status comes from `--status` and its own `--status-cite`), refuses an id any record
already uses, and checks each citation's source, paragraph and quote when the documents
are there (saying so when they are not). For figures, `--from SOURCE:PARA` lists the
numbers a paragraph states, each with an exact quote, and `--pick N` fills one in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from aijobs.errors import AijobsError, NotFound, UsageError
from aijobs.fields import one_of
from aijobs.loader import load_directory, record_files, validate_document
from aijobs.problems import Problem, display_path
from aijobs.records import TYPE_BY_KIND, Source
from aijobs.suggest import closest, closest_span, mark_differences
from aijobs.text import fold_whitespace, normalize
from aijobs.tools.fmt import format_text
from aijobs.yamlfile import parse_yaml

CITE_PATTERN = re.compile(r"^(?P<source>[a-z0-9-]+):(?P<para>\d+):(?P<quote>.+)$")
FROM_PATTERN = re.compile(r"^(?P<source>[a-z0-9-]+):(?P<para>\d+)$")
MAX_QUOTE = 40
Options = dict[str, str | Sequence[str] | None]


@dataclass
class Scaffold:
    folder: str
    text: str


@dataclass
class Created:
    path: Path
    notes: list[str] = field(default_factory=list)  # checks that could not run, said aloud


class ScaffoldError(UsageError):
    """The options cannot make a valid record; every reason, joined into one line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def parse_cite(value: str, option: str = "--cite") -> dict[str, object]:
    """'source-id:12:exact quote' -> a citation mapping."""
    match = CITE_PATTERN.fullmatch(value.strip())
    if not match:
        raise ScaffoldError([f"{option} must look like SOURCE-ID:PARAGRAPH:QUOTE, found {value!r}"])
    return {"source": match["source"], "para": int(match["para"]), "quote": match["quote"]}


def _flow(value: object) -> str:
    """A YAML flow value; JSON is valid YAML and quotes whatever needs quoting."""
    return json.dumps(value, ensure_ascii=False)


def _text(options: Options, name: str) -> str | None:
    value = options.get(name)
    return value if isinstance(value, str) and value else None


def _list(options: Options, name: str) -> list[str]:
    value = options.get(name)
    if value is None or isinstance(value, str):
        return [value] if value else []
    return [item for item in value if item]


def _required(kind: str, options: Options) -> list[str]:
    wanted = ["cite"]
    if kind == "figure":
        wanted += ["measure", "unit"]
        if not _text(options, "value") and not (_text(options, "lower") or _text(options, "upper")):
            wanted.append("value")
        wanted.append("as_written")
    elif not (kind in ("person", "company") and _text(options, "anonymous")):
        wanted.append("name")
    if kind == "occupation":
        wanted += ["status", "status_cite"]  # an occupation needs a status: the contributor's, never ours
    return [name for name in wanted if not _text(options, name)]


def scaffold(kind: str, record_id: str, options: Options) -> Scaffold:
    """The text of a new, valid record; raises ScaffoldError saying what is missing."""
    folders = {name: model.folder for name, model in TYPE_BY_KIND.items() if name != "source"}
    if kind not in folders:
        raise ScaffoldError([f"TYPE must be one of {one_of(list(folders))}; sources are described by hand"])
    missing = _required(kind, options)
    if missing:
        raise ScaffoldError([f"--{name.replace('_', '-')} is required for a new {kind}" for name in missing])
    cite = _flow([parse_cite(str(options["cite"]))])
    lines = [f"id: {record_id}"]
    if kind == "figure":
        lines.append(f"measure: {_flow(options['measure'])}")
        for name in ("value", "lower", "upper"):
            if _text(options, name):
                lines.append(f"{name}: {_number(name, str(options[name]))}")
        lines += [
            f"unit: {_flow(options['unit'])}",
            f"approx: {_flow(_text(options, 'approx') or 'exact')}",
            f"as_written: {_flow(options['as_written'])}",
        ]
        if _text(options, "period"):
            lines.append(f"period: {_flow(options['period'])}")
        about = _list(options, "about")
        if about:
            lines.append(f"about: {_flow(about)}")
        producer = _text(options, "producer")
        if producer:
            producer_kind, _, by = producer.partition(":")
            lines.append(f"producer: {_flow({'kind': producer_kind, **({'by': by} if by else {})})}")
        lines.append(f"cite: {cite}")
    else:
        if kind == "company":
            lines.append(f"kind: {_flow(_text(options, 'company_kind') or _text(options, 'kind') or 'company')}")
        elif kind == "product":  # a product's kind defaults to model: check it
            lines.append(f"kind: {_flow(_text(options, 'kind') or 'model')}")
        label = _text(options, "anonymous")
        if label and kind in ("person", "company"):
            lines.append(f"anonymous: {{label: {_flow(label)}, cite: {cite}}}")
        else:
            lines += [
                "names:",
                f"  - {{text: {_flow(options['name'])}, lang: {_flow(_text(options, 'lang') or 'zh-Hans')}, "
                f"cite: {cite}}}",
            ]
        if kind == "occupation":
            status_cite = _flow([parse_cite(str(options["status_cite"]), "--status-cite")])
            lines += ["statuses:", f"  - {{status: {_flow(options['status'])}, cite: {status_cite}}}"]
    folder = folders[kind]
    shown = f"curated/{folder}/{record_id}.yaml"
    text = format_text("\n".join(lines) + "\n", folder, shown)
    document = parse_yaml(text, shown)
    _, problems = validate_document(document, folder, record_id)
    if problems:
        raise ScaffoldError([_message(problem) for problem in problems])
    return Scaffold(folder, text)


def _number(option: str, value: str) -> str:
    try:
        number = float(value)
    except ValueError:
        raise ScaffoldError([f"--{option} must be a number, found {value!r}"]) from None
    return str(int(number)) if number.is_integer() and "e" not in value.lower() else value


def _message(problem: Problem) -> str:
    return f"{problem.field}: {problem.message}" if problem.field else problem.message


def _citations(options: Options) -> list[tuple[str, dict[str, object]]]:
    found = []
    for option in ("cite", "status_cite"):
        value = _text(options, option)
        if value:
            found.append(("--" + option.replace("_", "-"), parse_cite(value, "--" + option.replace("_", "-"))))
    return found


def _used_ids(curated: Path) -> dict[str, str]:
    """Every id taken in `curated`, by record or by file name, with the file that takes it."""
    used: dict[str, str] = {}
    for _, path in record_files(curated):
        if path.suffix == ".yaml":
            used.setdefault(path.stem, display_path(path))
    return used


def check_citations(curated: Path, options: Options, corpus: Path | None) -> list[str]:
    """Each cited source exists, and its paragraph and quote when the documents are there.

    Returns notes on what could not be checked; raises ScaffoldError for what is wrong.
    """
    from aijobs.kb import KnowledgeBase
    from aijobs.provenance.corpus import CorpusNotFound, open_source

    loaded = load_directory(curated)
    kb = KnowledgeBase(curated, loaded.records)
    sources = {source.id for source in kb.sources}
    errors: list[str] = []
    notes: list[str] = []
    for option, cite in _citations(options):
        source, para, quote = str(cite["source"]), int(str(cite["para"])), str(cite["quote"])
        if source not in sources:
            guess = closest(source, sources)
            hint = f"did you mean {guess!r}?" if guess else f"known sources: {', '.join(sorted(sources)) or 'none'}"
            errors.append(f"{option}: no source has id {source!r}; {hint}")
            continue
        try:
            paragraphs = open_source(kb, source, corpus).paragraphs
        except CorpusNotFound as exc:
            notes.append(f"{option}: paragraph {para} of {source} and the quote were not checked ({exc})")
            continue
        except (NotFound, OSError) as exc:
            notes.append(f"{option}: paragraph {para} of {source} and the quote were not checked ({exc})")
            continue
        if para not in paragraphs:
            held = f"{min(paragraphs)}-{max(paragraphs)}" if paragraphs else "none"
            errors.append(f"{option}: {source} has no paragraph {para} (it has {held})")
            continue
        text = normalize(paragraphs[para])
        if normalize(quote) not in text:
            span = closest_span(normalize(quote), text)
            hint = (
                f"; closest: {span.text!r}, document[quote]: {mark_differences(span.text, normalize(quote))}"
                if span
                else "; copy the span exactly from `aijobs source`"
            )
            errors.append(f"{option}: quote {quote!r} is not in {source} paragraph {para}{hint}")
    if errors:
        raise ScaffoldError(errors)
    return notes


@dataclass(frozen=True)
class NumberChoice:
    """A number a paragraph states, with an exact quote around it, ready for a figure."""

    text: str
    value: float | None
    lower: float | None
    upper: float | None
    approx: str
    quote: str


def number_choices(curated: Path, source_para: str, corpus: Path | None = None) -> tuple[str, int, list[NumberChoice]]:
    """(source, paragraph, the numbers it states) for `--from SOURCE:PARA`."""
    from aijobs.kb import KnowledgeBase
    from aijobs.provenance.corpus import source_paragraphs
    from aijobs.provenance.numbers import find_numbers

    match = FROM_PATTERN.fullmatch(source_para.strip())
    if not match:
        raise ScaffoldError([f"--from must look like SOURCE-ID:PARAGRAPH, found {source_para!r}"])
    source, para = match["source"], int(match["para"])
    kb = KnowledgeBase(curated, load_directory(curated).records)
    if not isinstance(kb.get(source) if source in kb else None, Source):
        guess = closest(source, [s.id for s in kb.sources])
        raise NotFound(f"no source has id {source!r}" + (f"; did you mean {guess!r}?" if guess else ""))
    text = fold_whitespace(source_paragraphs(kb, source, corpus, only=para)[para])
    choices = []
    for mention in find_numbers(text):
        choices.append(
            NumberChoice(
                mention.text,
                mention.value,
                mention.lower,
                mention.upper,
                mention.approx,
                _quote_around(text, mention.start, mention.end),
            )
        )
    return source, para, choices


_BREAKS = frozenset('。,;:!?、()()“”";:!?')
_LATIN_BREAKS = frozenset(".,")  # a break unless inside a number: 1.2, 16,300


def _is_break(text: str, i: int) -> bool:
    char = text[i]
    if char in _BREAKS:
        return True
    return char in _LATIN_BREAKS and not (i + 1 < len(text) and text[i + 1].isdigit())


def _quote_around(text: str, start: int, end: int) -> str:
    """An exact span holding [start, end): its clause, or a window of at most MAX_QUOTE characters in it."""
    left = start
    while left > 0 and not _is_break(text, left - 1):
        left -= 1
    right = end
    while right < len(text) and not _is_break(text, right):
        right += 1
    if len(text[left:right].strip()) > MAX_QUOTE:
        left = max(left, min(start, end - MAX_QUOTE) - 12)
        left = max(left, 0)
        right = min(right, left + MAX_QUOTE)
        if right < end:
            left, right = max(0, end - MAX_QUOTE), end
        space = text.find(" ", left, start)
        if left > 0 and text[left - 1].isascii() and text[left - 1].isalnum() and space >= 0:
            left = space + 1  # do not start in the middle of a word
        space = text.rfind(" ", end, right)
        if right < len(text) and text[right].isascii() and text[right].isalnum() and space >= 0:
            right = space
    return text[left:right].strip()


def apply_pick(options: Options, source: str, para: int, choices: list[NumberChoice], pick: int) -> Options:
    """The options with the picked number's value, approximation, as_written and citation filled in."""
    if not 1 <= pick <= len(choices):
        raise ScaffoldError([f"--pick must be between 1 and {len(choices)}, found {pick}"])
    chosen = choices[pick - 1]
    filled = dict(options)
    for name, value in (("value", chosen.value), ("lower", chosen.lower), ("upper", chosen.upper)):
        filled[name] = None if value is None else _plain(value)
    if chosen.value is not None:
        filled["lower"] = filled["upper"] = None
    filled["approx"] = chosen.approx
    filled["as_written"] = chosen.text
    filled["cite"] = f"{source}:{para}:{chosen.quote}"
    return filled


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def describe_choices(source: str, para: int, choices: list[NumberChoice]) -> str:
    if not choices:
        return f"{source} paragraph {para} states no numbers"
    lines = [f"numbers in {source} paragraph {para} (choose one with --pick N):"]
    for number, choice in enumerate(choices, 1):
        amount = _plain(choice.value) if choice.value is not None else f"{choice.lower}..{choice.upper}"
        lines.append(f"  {number}. {choice.text}  value {amount}, approx {choice.approx}, quote: {choice.quote}")
    return "\n".join(lines)


def create_record(curated: Path, kind: str, record_id: str, options: Options, corpus: Path | None = None) -> Created:
    """Write the scaffold of a new record into `curated`.

    Raises ScaffoldError when the options cannot make a valid record or cite what does
    not exist, NotFound when `curated` is not a folder, and UsageError when the id is
    taken (a file is never overwritten).
    """
    made = scaffold(kind, record_id, options)
    if not curated.is_dir():
        raise NotFound(
            f"{curated}: curated data folder not found; pass it with --curated or run from the repository root"
        )
    taken = _used_ids(curated).get(record_id)
    if taken is not None:
        raise UsageError(f"id {record_id!r} is already used by {taken}; choose another id or edit that file")
    notes = check_citations(curated, options, corpus)
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
    return Created(path, notes)
