"""Plain-text rendering of a record and its claims, for `aijobs show`."""

from __future__ import annotations

import difflib

from aijobs.errors import NotFound
from aijobs.kb import KnowledgeBase


def describe_record(kb: KnowledgeBase, record_id: str) -> str:
    """A record, its claims and their citations, as lines of text; raises NotFound for an unknown id."""
    if record_id not in kb:
        close = difflib.get_close_matches(record_id, [item.record.id for item in kb.loaded], n=1)
        hint = f"did you mean {close[0]!r}?" if close else "try `aijobs validate` to list what loaded"
        raise NotFound(f"no record has id {record_id!r}; {hint}")
    record = kb.get(record_id)
    lines = [
        f"{record.kind_name} {record.id}: {record.display_name() if hasattr(record, 'display_name') else ''}".rstrip(
            ": "
        )
    ]
    lines.append(f"  file: {kb.locate(record_id)}")
    if record.note:
        lines.append(f"  note: {record.note}")
    for claim in kb.claims_about(record_id):
        lang = f" [{claim.lang}]" if claim.lang else ""
        lines.append(f"  {claim.property}{lang}: {claim.value}")
        for citation in claim.citations:
            lines.append(f"      ← {citation.describe()}")
    links = kb.mentions().get(record_id, [])
    if links:
        lines.append(f"  referred to by: {', '.join(sorted(set(links)))}")
    return "\n".join(lines)
