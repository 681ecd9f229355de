"""Plain-text rendering of a record and its claims, for `aijobs show`.

Every field of every claim is shown (a figure's unit, bounds, period, place, producer
and basis; a role's status and dates; the date an age refers to), with its rank and its
citations; the preferred name of each language is starred. A record is found by its id
in any case, or by any of its names or aliases in any script (`aijobs.text.fold`).
"""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Iterator
from typing import Any

from aijobs.claims import Claim
from aijobs.errors import NotFound
from aijobs.kb import KnowledgeBase
from aijobs.records import Cited, Name, NamedRecord, Record
from aijobs.text import fold

PREFERRED_NAME = "★"
RANK_MARKS = {"preferred": "[preferred]", "deprecated": "[deprecated]", "normal": ""}


def _names_of(record: Record) -> Iterator[str]:
    """Every text a record can be found by: its names and aliases, an anonymous label."""
    if isinstance(record, NamedRecord):
        yield from (name.text for name in record.names)
    anonymous = getattr(record, "anonymous", None)
    if anonymous is not None:
        yield anonymous.label


def find_record(kb: KnowledgeBase, query: str, database: bool = True) -> str:
    """The id of the record `query` names: its id in any case, or one of its names in any
    script, width or case. Raises NotFound, with the closest ids and names, otherwise, and
    the `aijobs search` to run (after `aijobs build` when there is no `database` to search)."""
    if query in kb:
        return query
    key = fold(query)
    by_id = [item.record.id for item in kb.loaded if item.record.id.casefold() == key]
    if by_id:
        return by_id[0]
    found = sorted({item.record.id for item in kb.loaded for text in _names_of(item.record) if fold(text) == key})
    if len(found) == 1:
        return found[0]
    if found:
        raise NotFound(f"{query!r} names several records: {', '.join(found)}; give one of these ids")
    raise NotFound(f"no record has id or name {query!r}; {_suggest(kb, key, _search_hint(query, database))}")


def _search_hint(query: str, database: bool) -> str:
    """The `aijobs search` that lists the records `query` may have meant."""
    words = shlex.quote(query) if query.strip() and query.isprintable() else "<words>"
    search = f"`aijobs search {words}`"
    if database:
        return f"{search} lists matching ids"
    return f"build the database with `aijobs build`, then {search} lists matching ids"


def _suggest(kb: KnowledgeBase, key: str, listing: str) -> str:
    """'did you mean ...' from the closest ids and names, then `listing` (where to list ids)."""
    candidates: dict[str, tuple[str, str]] = {}  # folded text: (record id, how to show it)
    for item in kb.loaded:
        record_id = item.record.id
        candidates.setdefault(record_id, (record_id, record_id))
        for text in _names_of(item.record):
            candidates.setdefault(fold(text), (record_id, f"{record_id} ({text})"))
    shown: dict[str, str] = {}  # one suggestion per record, the closest first
    for match in difflib.get_close_matches(key, list(candidates), n=10, cutoff=0.6):
        record_id, text = candidates[match]
        shown.setdefault(record_id, text)
    if shown:
        return f"did you mean {' or '.join(repr(text) for text in list(shown.values())[:3])}? {listing}"
    return listing


def describe_record(kb: KnowledgeBase, query: str, database: bool = True) -> str:
    """A record, every field of its claims and their citations, as lines of text.

    `query` is an id or a name (see `find_record`); raises NotFound if nothing matches,
    pointing at `aijobs search` (and at `aijobs build` first, when not `database`: there
    is no database to search).
    """
    record_id = find_record(kb, query, database)
    record = kb.get(record_id)
    lines = [f"{record.kind_name} {record.id}: {record.display_name()}"]
    lines.append(f"  file: {kb.locate(record_id)}")
    for claim in kb.claims_about(record_id):
        lines.extend(_claim_lines(record, claim))
    for name in record.names if isinstance(record, NamedRecord) else []:
        if not name.cite:  # the curators' own rendering: not a claim, but a name all the same
            star = f" {PREFERRED_NAME} preferred" if _is_preferred(record, name) else ""
            lines.append(f"  name [{name.lang}]: {name.text}{star}  (translation by the curators, not in a source)")
    if record.note:
        lines.append(f"  note: {record.note}")
    links = kb.mentions().get(record_id, [])
    if links:
        lines.append(f"  referred to by: {', '.join(sorted(set(links)))}")
    if isinstance(record, NamedRecord):
        lines.append(f"  ({PREFERRED_NAME} marks the preferred name of each language; the others are aliases)")
    return "\n".join(lines)


def _is_preferred(record: Record, name: Name) -> bool:
    return isinstance(record, NamedRecord) and record.preferred_name(name.lang) is name


def _claim_lines(record: Record, claim: Claim) -> list[str]:
    statement = claim.statement
    lang = f" [{claim.lang}]" if claim.lang else ""
    marks = []
    if isinstance(statement, Name):
        if _is_preferred(record, statement):
            marks.append(f"{PREFERRED_NAME} preferred")
        elif not statement.misspelling:
            marks.append("alias")
    if claim.rank != "normal":
        marks.append(f"rank: {claim.rank}")
    shown = f"  {claim.property}{lang}: {claim.value}" + (f"  ({'; '.join(marks)})" if marks else "")
    lines = [shown]
    if statement.rank is not None and statement.rank.reason:
        lines.append(f"      rank reason: {statement.rank.reason}")
    for field, value in _fields(statement):
        if (field == "lang" and value == claim.lang) or (field == claim.property and value == claim.value):
            continue  # already on the claim's line
        if field == "note" and not claim.path:
            continue  # the record's own note, shown once below
        lines.append(f"      {field}: {value}")
    for citation in claim.citations:
        lines.append(f"      ← {citation.describe()}")
    return lines


# Fields the header or the claim line already shows, or that are not the claim's own.
_NOT_FIELDS = {"cite", "rank", "id", "names", "text"}


def _fields(statement: Cited) -> Iterator[tuple[str, str]]:
    """Every field of the statement that is set, flattened ('producer.kind'); nested claims
    (a source's description) are claims of their own and are left out."""
    for name in type(statement).model_fields:
        if name in _NOT_FIELDS:
            continue
        value = getattr(statement, name)
        if value is None or isinstance(value, Cited) or (isinstance(value, list) and not value):
            continue
        if isinstance(value, list) and any(isinstance(item, Cited) for item in value):
            continue
        dumped = statement.model_dump(mode="json", include={name})  # a field left out of dumps (derived) as is
        yield from _flatten(name, dumped.get(name, value))


def _flatten(prefix: str, value: Any) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            if item is not None:
                yield from _flatten(f"{prefix}.{key}", item)
    elif isinstance(value, list):
        yield prefix, ", ".join(str(item) for item in value)
    elif isinstance(value, bool):
        if value:  # a flag is shown when it is set: translation, misspelling
            yield prefix, "yes"
    else:
        yield prefix, str(value)
