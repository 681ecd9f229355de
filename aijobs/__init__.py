"""aijobs: a hand-curated, citable knowledge base of the occupations AI creates and changes.

The public API is small: `load` a curated folder into a `KnowledgeBase` of typed,
validated records, or `validate` it to get every problem at once.
"""

from aijobs.claims import Claim
from aijobs.kb import KnowledgeBase, load, validate
from aijobs.problems import Location, Problem, ProblemsFound
from aijobs.records import (
    Citation,
    Company,
    Figure,
    Name,
    Occupation,
    Person,
    Record,
    Source,
)

__all__ = [
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
    "Record",
    "Source",
    "load",
    "validate",
]
