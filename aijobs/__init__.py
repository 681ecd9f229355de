"""aijobs: a hand-curated, citable knowledge base of the occupations AI creates and changes.

The public API is small: `load` a curated folder into a `KnowledgeBase` of typed,
validated records, or `validate` it to get every problem at once. Names are imported
on first use, so `aijobs --help` starts without loading Pydantic.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aijobs.claims import Claim
    from aijobs.errors import AijobsError
    from aijobs.kb import KnowledgeBase, load, validate
    from aijobs.problems import Location, Problem, ProblemsFound
    from aijobs.records import Citation, Company, Figure, Name, Occupation, Person, Product, Record, Source

_EXPORTS = {
    "AijobsError": "aijobs.errors",
    "Claim": "aijobs.claims",
    "KnowledgeBase": "aijobs.kb",
    "load": "aijobs.kb",
    "validate": "aijobs.kb",
    "Location": "aijobs.problems",
    "Problem": "aijobs.problems",
    "ProblemsFound": "aijobs.problems",
    "Citation": "aijobs.records",
    "Company": "aijobs.records",
    "Figure": "aijobs.records",
    "Name": "aijobs.records",
    "Occupation": "aijobs.records",
    "Person": "aijobs.records",
    "Product": "aijobs.records",
    "Record": "aijobs.records",
    "Source": "aijobs.records",
}

__all__ = [
    "AijobsError",
    "Citation",
    "Claim",
    "Company",
    "Figure",
    "KnowledgeBase",
    "Location",
    "Name",
    "Occupation",
    "Person",
    "Problem",
    "ProblemsFound",
    "Product",
    "Record",
    "Source",
    "load",
    "validate",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'aijobs' has no attribute {name!r}")
