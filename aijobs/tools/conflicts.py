"""Claims that disagree where one value is expected, and whether a rank settles them.

A cited model declares whether its claims expect one value (`Cited.single_valued`, and
`Cited.disagree` for what counts as disagreeing) and what they are weighed within
(`Cited.rank_scope`: a name's language, a status's kind and place). Claims of one subject,
property and scope that disagree are a conflict; it is resolved when exactly one of them
is ranked preferred (`aijobs.records.Rank`), which is the one the ``current_claim`` view
then keeps. Nothing here lists properties: a new single-valued model is found by its
declaration.
"""

from __future__ import annotations

import builtins
from collections import defaultdict
from dataclasses import dataclass

from aijobs.claims import Claim
from aijobs.kb import KnowledgeBase


@dataclass(frozen=True)
class Conflict:
    """Claims about one subject that state different values for one property and scope."""

    subject: str
    property: str
    scope: str
    claims: tuple[Claim, ...]

    @builtins.property  # the field `property` shadows the builtin inside this class
    def preferred(self) -> tuple[Claim, ...]:
        return tuple(claim for claim in self.claims if claim.rank == "preferred")

    @builtins.property  # the field `property` shadows the builtin inside this class
    def resolved(self) -> bool:
        """Exactly one of the claims is preferred: the one a reader should take."""
        return len(self.preferred) == 1


def find_conflicts(kb: KnowledgeBase) -> list[Conflict]:
    """Every conflict in the knowledge base, by subject, property and scope."""
    groups: dict[tuple[str, str, str], list[Claim]] = defaultdict(list)
    for claim in kb.claims():
        groups[(claim.subject, claim.property, claim.scope)].append(claim)
    found = []
    for (subject, prop, scope), claims in groups.items():
        if len(claims) < 2:
            continue
        stated = [(claim.statement, frozenset(c.source for c in claim.citations)) for claim in claims]
        if type(claims[0].statement).disagree(stated):
            found.append(Conflict(subject, prop, scope, tuple(claims)))
    return sorted(found, key=lambda conflict: (conflict.subject, conflict.property, conflict.scope))


def describe_conflict(kb: KnowledgeBase, conflict: Conflict) -> list[str]:
    """Lines for people: the subject and property, then each value with its rank and citations."""
    state = "resolved" if conflict.resolved else "unresolved"
    scope = f" [{conflict.scope}]" if conflict.scope else ""
    where = kb.locate(conflict.subject)
    lines = [f"{where}: {conflict.subject} {conflict.property}{scope}: {len(conflict.claims)} values, {state}"]
    if not conflict.resolved:
        many = len(conflict.preferred)
        lines.append(
            f"  fix: rank exactly one preferred (found {many}): "
            "rank: {level: preferred, reason: ...} on the value a reader should take"
        )
    for claim in conflict.claims:
        reason = f" ({claim.statement.rank.reason})" if claim.statement.rank and claim.statement.rank.reason else ""
        lines.append(f"  {_mark(claim.rank)} {claim.rank}: {_value(claim)}{reason}")
        for citation in claim.citations:
            lines.append(f"      ← {citation.describe()}")
    return lines


def _mark(rank: str) -> str:
    return {"preferred": "★", "deprecated": "✗"}.get(rank, "·")


def _value(claim: Claim) -> str:
    """The value, with the fields that set it apart when the value alone is the same."""
    statement = claim.statement
    data = statement.model_dump(mode="json", exclude={"cite", "rank", "note", "detail"}, exclude_defaults=True)
    details = ", ".join(f"{key}: {value}" for key, value in data.items() if str(value) != claim.value)
    return f"{claim.value} ({details})" if details else claim.value
