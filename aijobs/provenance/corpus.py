"""Finding and reading the source documents, which live outside the repository.

The corpus folder is looked for in this order: the ``--corpus`` option, the
``AIJOBS_CORPUS`` environment variable, then ``[tool.aijobs] corpus`` in the nearest
``pyproject.toml`` (a path relative to that file). In this repository that setting
points at ``../shared/seeds``, so commands need no options.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from aijobs.errors import NotFound
from aijobs.fields import Format
from aijobs.provenance.numbers import NumberMention, find_numbers
from aijobs.provenance.paragraphs import paragraphs
from aijobs.text import normalize

if TYPE_CHECKING:
    from aijobs.kb import KnowledgeBase

ENV_VAR = "AIJOBS_CORPUS"


class CorpusNotFound(NotFound):
    """No corpus folder could be found; the message lists everything that was tried."""


def _configured_corpus(start: Path) -> tuple[Path | None, str]:
    for folder in (start, *start.parents):
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            with pyproject.open("rb") as handle:
                config = tomllib.load(handle)
            value = config.get("tool", {}).get("aijobs", {}).get("corpus")
            if isinstance(value, str):
                return (folder / value).resolve(), f"[tool.aijobs] corpus in {pyproject}"
            return None, f"{pyproject} (no [tool.aijobs] corpus setting)"
    return None, f"a pyproject.toml in {start} or its parents (none found)"


def find_corpus(option: Path | None = None, start: Path | None = None) -> Path:
    """The corpus folder to use; raises CorpusNotFound naming what was looked for."""
    tried: list[str] = []
    if option is not None:
        if option.is_dir():
            return option
        raise CorpusNotFound(f"corpus folder {option} (from --corpus) does not exist")
    env = os.environ.get(ENV_VAR)
    if env:
        if Path(env).is_dir():
            return Path(env)
        raise CorpusNotFound(f"corpus folder {env} (from ${ENV_VAR}) does not exist")
    tried.append(f"--corpus (not given), ${ENV_VAR} (not set)")
    configured, described = _configured_corpus((start or Path.cwd()).resolve())
    if configured is not None and configured.is_dir():
        return configured
    tried.append(described if configured is None else f"{configured} from {described} (does not exist)")
    raise CorpusNotFound("no corpus folder found; looked at " + "; ".join(tried))


@dataclass
class Document:
    """One corpus file, read once, with its paragraphs numbered on first use."""

    path: Path
    format: Format
    raw: bytes = field(repr=False)

    @classmethod
    def read(cls, path: Path, fmt: Format) -> Document:
        return cls(path, fmt, path.read_bytes())

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    @cached_property
    def text(self) -> str:
        return self.raw.decode("utf-8", errors="replace")

    @cached_property
    def paragraphs(self) -> dict[int, str]:
        return paragraphs(self.text, self.format)


def open_source(kb: KnowledgeBase, source_id: str, corpus: Path | None = None) -> Document:
    """The document behind a source record; raises NotFound saying what is missing."""
    from aijobs.records import Source

    source = kb.get(source_id) if source_id in kb else None
    if not isinstance(source, Source):
        known = ", ".join(s.id for s in kb.sources) or "none"
        raise NotFound(f"no source has id {source_id!r}; known sources: {known}")
    folder = find_corpus(corpus)
    path = folder / source.file
    if not path.is_file():
        raise NotFound(f"{source.file} (source {source_id}) is not in the corpus folder {folder}")
    return Document.read(path, source.format)


def source_paragraphs(
    kb: KnowledgeBase, source_id: str, corpus: Path | None = None, only: int | None = None
) -> dict[int, str]:
    """A source's numbered paragraphs, or just paragraph `only`; raises NotFound if it has none such."""
    numbered = open_source(kb, source_id, corpus).paragraphs
    if only is None:
        return numbered
    if only not in numbered:
        held = f"paragraphs {min(numbered)}-{max(numbered)}" if numbered else "no paragraphs"
        raise NotFound(f"{source_id} has {held}; there is no paragraph {only}")
    return {only: numbered[only]}


def open_corpus(kb: KnowledgeBase, option: Path | None = None) -> Corpus:
    """The documents of every source, from the corpus folder `find_corpus` chooses."""
    return Corpus.open(kb, find_corpus(option))


@dataclass
class Corpus:
    """The documents behind a knowledge base's sources, read once each."""

    folder: Path
    documents: dict[str, Document] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)  # source id -> reason
    changed: set[str] = field(default_factory=set)

    @classmethod
    def open(cls, kb: KnowledgeBase, folder: Path) -> Corpus:
        corpus = cls(folder)
        for source in kb.sources:
            path = folder / source.file
            if not path.is_file():
                corpus.missing[source.id] = f"{source.file} is not in the corpus folder {folder}"
                continue
            document = Document.read(path, source.format)
            corpus.documents[source.id] = document
            if document.sha256 != source.sha256:
                corpus.changed.add(source.id)
        return corpus


@dataclass
class NormalizedDocument:
    """Paragraphs normalised once, with their numbers parsed on demand."""

    paragraphs: dict[int, str]
    _numbers: dict[int, list[NumberMention]] = field(default_factory=dict)

    @classmethod
    def of(cls, document: Document) -> NormalizedDocument:
        return cls({n: normalize(text) for n, text in document.paragraphs.items()})

    def numbers(self, para: int) -> list[NumberMention]:
        if para not in self._numbers:
            self._numbers[para] = find_numbers(self.paragraphs.get(para, ""))
        return self._numbers[para]

    def find(self, quote: str) -> list[int]:
        needle = normalize(quote)
        return [n for n, text in self.paragraphs.items() if needle in text]


@dataclass(frozen=True)
class DocumentStatus:
    """One source document as the corpus folder has it: present, missing or changed."""

    source_id: str
    file: str
    state: str  # "present", "missing" or "changed"
    fix: str = ""


@dataclass(frozen=True)
class CorpusStatus:
    """Where the documents were looked for, and the state of each one the sources pin."""

    folder: Path | None
    looked_at: str  # why this folder, or everything that was tried
    documents: tuple[DocumentStatus, ...]

    @property
    def complete(self) -> bool:
        return self.folder is not None and all(d.state == "present" for d in self.documents)


HOW_TO_GET = (
    "the documents belong to their publishers and are not in this repository; put a copy in a folder "
    "and pass --corpus DIR, set AIJOBS_CORPUS=DIR, or check the corpus repository out beside this one "
    "(see 'The source documents' in README.md)"
)


def corpus_status(kb: KnowledgeBase, option: Path | None = None, start: Path | None = None) -> CorpusStatus:
    """Every document the sources pin (file name and SHA-256), as present, missing or changed.

    Without `option` or $AIJOBS_CORPUS, the setting is looked up from the knowledge base's folder upwards.
    """
    try:
        folder = find_corpus(option, start or Path(kb.root).resolve())
    except CorpusNotFound as exc:
        missing = tuple(DocumentStatus(s.id, s.file, "missing", HOW_TO_GET) for s in kb.sources)
        return CorpusStatus(None, str(exc), missing)
    documents = []
    for source in kb.sources:
        path = folder / source.file
        if not path.is_file():
            documents.append(DocumentStatus(source.id, source.file, "missing", f"copy {source.file} into {folder}"))
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != source.sha256:
            fix = (
                f"this copy's SHA-256 is {digest[:12]}…, the source record pins {source.sha256[:12]}…; "
                "get the exact document the record was curated from"
            )
            documents.append(DocumentStatus(source.id, source.file, "changed", fix))
        else:
            documents.append(DocumentStatus(source.id, source.file, "present"))
    return CorpusStatus(folder, f"using {folder}", tuple(documents))


def corpus_problem(curated: Path) -> str | None:
    """Why the documents behind `curated`'s sources cannot be checked, or None if they can.

    Checks that need the documents (verify, coverage) are skipped, visibly and with this
    reason, when there is no corpus; a document that is present but changed is not a
    reason to skip: `verify` reports it.
    """
    from aijobs.kb import validate

    try:
        folder = find_corpus(start=curated.resolve().parent)
    except CorpusNotFound as exc:
        return str(exc)
    kb, _problems = validate(curated)
    missing = [source.file for source in kb.sources if not (folder / source.file).is_file()]
    if missing:
        return f"{len(missing)} of {len(kb.sources)} source documents are not in {folder}: {', '.join(missing)}"
    return None
