"""Finding entities by any of their names, in any script, in a built database.

Matching happens on folded text (see `aijobs.text`), through the FTS5 trigram
index for queries of three or more characters and a substring scan of
`search_entry` for shorter ones (trigrams cannot index them). Results are ranked:
an exact preferred name, then an exact alias, then a substring of a preferred name,
then any other substring.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass, replace
from pathlib import Path

from aijobs.db.files import not_a_database, open_database
from aijobs.text import fold, normalize

_COLUMNS = "s.entity_id, e.type, e.name, s.text, s.kind, s.folded"


@dataclass(frozen=True)
class Hit:
    entity_id: str
    type: str
    name: str
    matched: str
    kind: str
    rank: int
    names: tuple[tuple[str, str], ...] = ()  # (language, preferred name), for display


def _rank(query: str, folded: str, kind: str) -> int:
    exact = folded == query
    preferred = kind == "preferred"
    if exact:
        return 0 if preferred else 1
    return 2 if preferred else 3


def candidates(connection: sqlite3.Connection, query: str) -> list[tuple[str, str, str, str, str, str]]:
    """Rows of (entity id, type, display name, matched text, kind, folded text)."""
    if len(query) >= 3:
        phrase = '"' + query.replace('"', '""') + '"'
        sql = (
            f"SELECT {_COLUMNS} FROM search_index JOIN search_entry s ON s.id = search_index.rowid "
            "JOIN entity e ON e.id = s.entity_id WHERE search_index MATCH ?"
        )
        return connection.execute(sql, (phrase,)).fetchall()
    sql = f"SELECT {_COLUMNS} FROM search_entry s JOIN entity e ON e.id = s.entity_id WHERE instr(s.folded, ?) > 0"
    return connection.execute(sql, (query,)).fetchall()


def search(connection: sqlite3.Connection, query: str, limit: int = 20) -> list[Hit]:
    """The best-ranked match per entity, best first."""
    folded = fold(query)
    if not folded:
        return []
    literal = normalize(query).casefold()
    best: dict[str, tuple[tuple[int, bool, int], Hit]] = {}
    for entity_id, type_, name, text, kind, folded_text in candidates(connection, folded):
        hit = Hit(entity_id, type_, name, text, kind, _rank(folded, folded_text, kind))
        # Among equal ranks, show the name in the query's own script (訓練師 -> 人工智能訓練師).
        key = (hit.rank, literal not in text.casefold(), len(text))
        if entity_id not in best or key < best[entity_id][0]:
            best[entity_id] = (key, hit)
    hits = [hit for _, hit in best.values()]
    ordered = sorted(hits, key=lambda h: (h.rank, len(h.matched), h.type, h.entity_id))[:limit]
    preferred = _preferred_names(connection, [hit.entity_id for hit in ordered])
    return [replace(hit, names=preferred.get(hit.entity_id, ())) for hit in ordered]


def search_file(db: Path, query: str, limit: int = 20) -> list[Hit]:
    """`search` in the aijobs database file `db`, opened read-only; raises an AijobsError naming it.

    The file must be an aijobs database at this version's schema (`open_database`):
    another program's file, an old one and one from a newer aijobs each get their error.
    """
    try:
        with closing(open_database(db)) as connection:
            return search(connection, query, limit)
    except sqlite3.DatabaseError as exc:
        raise not_a_database(db, exc) from None


def _preferred_names(connection: sqlite3.Connection, ids: list[str]) -> dict[str, tuple[tuple[str, str], ...]]:
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    rows = connection.execute(
        f"SELECT entity_id, lang, text FROM label WHERE preferred AND entity_id IN ({marks}) ORDER BY entity_id, lang",
        ids,
    ).fetchall()
    names: dict[str, list[tuple[str, str]]] = {}
    for entity_id, lang, text in rows:
        names.setdefault(entity_id, []).append((lang, text))
    return {entity_id: tuple(pairs) for entity_id, pairs in names.items()}
