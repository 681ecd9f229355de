"""The knowledge base as Python objects: the library's main entry point.

>>> from aijobs import load
>>> kb = load("curated")
>>> kb.get("ai-trainer").display_name()
>>> [c.property for c in kb.claims_about("ai-trainer")]
"""

from __future__ import annotations

import os
import stat
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from aijobs.checks import check_records
from aijobs.claims import Claim, claims_of
from aijobs.errors import NotFound, UsageError
from aijobs.loader import LoadedRecord, load_directory
from aijobs.problems import Location, Problem, ProblemsFound, display_path
from aijobs.records import TYPE_BY_FOLDER, Company, Figure, Occupation, Person, Product, Record, Source
from aijobs.references import references

R = TypeVar("R", bound=Record)

DEFAULT_CURATED = Path("curated")
_NOT_FOUND = (
    "curated data folder not found; pass the folder that holds sources/, people/, ... or run from the repository root"
)


@dataclass
class KnowledgeBase:
    """Validated records with lookups by id and type, and the claims about each."""

    root: Path
    loaded: list[LoadedRecord]
    _by_id: dict[str, LoadedRecord] = field(init=False, repr=False)
    _claims: list[Claim] | None = field(default=None, init=False, repr=False)
    _claims_by_subject: dict[str, list[Claim]] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.loaded = sorted(self.loaded, key=lambda item: (item.record.kind_name, item.record.id))
        self._by_id = {item.record.id: item for item in self.loaded}

    def __len__(self) -> int:
        return len(self.loaded)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._by_id

    def get(self, record_id: str) -> Record:
        """The record with this id; KeyError if there is none."""
        return self._by_id[record_id].record

    def locate(self, record_id: str, *where: str | int) -> Location:
        """Where in its YAML file a record (or one of its fields) is written."""
        return self._by_id[record_id].locate(*where)

    def records(self, kind: type[R]) -> list[R]:
        return [item.record for item in self.loaded if isinstance(item.record, kind)]

    @property
    def sources(self) -> list[Source]:
        return self.records(Source)

    @property
    def occupations(self) -> list[Occupation]:
        return self.records(Occupation)

    @property
    def people(self) -> list[Person]:
        return self.records(Person)

    @property
    def companies(self) -> list[Company]:
        return self.records(Company)

    @property
    def products(self) -> list[Product]:
        return self.records(Product)

    @property
    def figures(self) -> list[Figure]:
        return self.records(Figure)

    def claims(self) -> list[Claim]:
        """Every claim in the knowledge base, records in (type, id) order."""
        if self._claims is None:
            self._claims = [claim for item in self.loaded for claim in claims_of(item.record)]
        return self._claims

    def claims_about(self, record_id: str) -> list[Claim]:
        if self._claims_by_subject is None:
            grouped: dict[str, list[Claim]] = defaultdict(list)
            for claim in self.claims():
                grouped[claim.subject].append(claim)
            self._claims_by_subject = dict(grouped)
        return self._claims_by_subject.get(record_id, [])

    def figures_about(self, record_id: str) -> list[Figure]:
        return [figure for figure in self.figures if record_id in figure.about]

    def mentions(self) -> dict[str, list[str]]:
        """{record id: ids of records that refer to it}, for 'what links here'."""
        links: dict[str, list[str]] = defaultdict(list)
        for item in self.loaded:
            for ref in references(item.record):
                if ref.allowed != ("source",):
                    links[ref.target].append(item.record.id)
        return dict(links)


def default_root() -> Path:
    """``./curated`` when the working folder has one, else the records packaged with aijobs."""
    if DEFAULT_CURATED.exists():
        return DEFAULT_CURATED
    from aijobs.packaged import packaged_curated

    return packaged_curated() or DEFAULT_CURATED


def knowledge_base_of(paths: list[Path]) -> tuple[Path, list[Path] | None]:
    """The curated folder that holds `paths`, and the part of it they name (None: all of it).

    A path may be the curated folder itself, one of its record folders
    (``curated/people``) or a record file (``curated/people/luo-chong.yaml``); the
    folder holding the record folders is found above it. Paths are taken as written,
    never resolved through links. Raises NotFound or UsageError, naming the path.
    """
    roots: dict[str, Path] = {}
    selected: list[Path] = []
    for path in paths:
        root, part = _root_of(path)
        roots.setdefault(os.path.abspath(root), root)
        if part is not None:
            selected.append(part)
        if len(roots) > 1:
            raise UsageError(
                f"{display_path(path)}: not in the same curated folder as {display_path(paths[0])}; "
                "check one knowledge base at a time"
            )
    (root,) = roots.values()
    return root, (selected if len(selected) == len(paths) else None)


def _root_of(path: Path) -> tuple[Path, Path | None]:
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        raise NotFound(f"{display_path(path)}: {_NOT_FOUND}") from None
    absolute = Path(os.path.abspath(path))
    if stat.S_ISLNK(mode) and not absolute.name.endswith(".yaml"):
        return path, None  # the loader refuses it and says why
    if stat.S_ISDIR(mode) and absolute.name not in TYPE_BY_FOLDER:
        return path, None  # the curated folder (the loader reports it if it holds no records)
    record_folder = absolute if stat.S_ISDIR(mode) else absolute.parent
    root = record_folder.parent
    if record_folder.name in TYPE_BY_FOLDER and any((root / folder).is_dir() for folder in TYPE_BY_FOLDER):
        return root, path
    if stat.S_ISDIR(mode):
        return path, None
    expected = ", ".join(sorted(TYPE_BY_FOLDER))
    raise NotFound(
        f"{display_path(path)}: not a record file of a curated folder; records are "
        f"<curated>/<folder>/<id>.yaml, the folder one of: {expected}"
    )


def in_selection(shown: str, selected: list[Path]) -> bool:
    """Whether a problem's file (as shown) is one of `selected` or inside one of them."""
    absolute = os.path.abspath(shown)
    for part in selected:
        base = os.path.abspath(part)
        if absolute == base or absolute.startswith(base + os.sep):
            return True
    return False


def validate(root: Path | str | None = None) -> tuple[KnowledgeBase, list[Problem]]:
    """Load and check everything; returns the valid records and every problem found.

    Without `root`: ``./curated`` if there is one, else the copy packaged with aijobs.
    """
    root = default_root() if root is None else Path(root)
    result = load_directory(root)
    facts = [item.facts for item in result.records if item.facts is not None]
    problems = result.problems + check_records(facts, result.unloadable)
    if root.is_dir() and result.files_read == 0 and not problems:
        problems.append(
            Problem(Location(str(root)), "no records found; add YAML files under sources/, people/, ...", code="empty")
        )
    return KnowledgeBase(root, result.records), sorted(problems)


def load(root: Path | str | None = None) -> KnowledgeBase:
    """Load a curated folder; raises ProblemsFound (with every problem) if anything is invalid.

    Without `root`: ``./curated`` if there is one, else the copy packaged with aijobs, so
    ``aijobs.load()`` works after ``pip install aijobs`` with no checkout.
    """
    kb, problems = validate(root)
    if problems:
        raise ProblemsFound(problems)
    return kb
