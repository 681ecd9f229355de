"""Finding entities as people type them: any script, pinyin, initials, typos, any word order, ids.

One function, `search`, over an SQLite connection, a SQLAlchemy connection or a SQLModel
session (SQLite or PostgreSQL); the CLI, the benchmarks and the Datasette plugin
(`aijobs.db.datasette_plugin`) all call it. Texts and queries are compared after
`aijobs.text.fold` (simplified script, NFKC, case); pinyin keys are stored at build time
(`search_entry.pinyin`, `search_entry.initials`) and compared with the query's letters and
digits (`aijobs.text.compact`), so "luo chong", "luochong" and "lc" all find 罗翀.

Ranking (best first), one rule everywhere:

1. exact: a name (or the id) equals the query;
2. prefix: a name starts with the query;
3. substring: a name contains the query;
4. pinyin: the pinyin key equals, then the initials equal, then the key starts with,
   the initials start with, the key contains, the initials contain the query's letters;
5. words: every word of the query starts a word of some name of the entity (Chinese
   words: occurs in it), in any order;
6. fuzzy (only when nothing above matched, shown as "did you mean"): every word of the
   query is close to a word of a name (rapidfuzz ratio >= 80), best score first.

Ties within a tier: the shorter name (it is more of what was typed); then preferred name
before alias, translation, misspelling, label, measure and id; then the entity type
(occupation, person, company, product, figure, source); then the id.

Candidates come from the FTS5 trigram index (`search_index`) on SQLite and the pg_trgm
indexes on PostgreSQL for queries of three or more characters, from a scan of
`search_entry` for shorter ones; the ranking above is then applied in Python.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aijobs.db.files import connect_aijobs_database, not_a_database
from aijobs.errors import UsageError
from aijobs.text import compact, fold, normalize

if TYPE_CHECKING:  # SQLAlchemy is loaded only for a server or a session: `aijobs search` on a file starts fast
    from sqlalchemy import Connection
    from sqlmodel import Session

MAX_QUERY = 200
"""Longest query accepted, in characters (after normalisation)."""

EXACT, PREFIX, SUBSTRING, PINYIN, WORDS, FUZZY = range(6)
TIERS = ("exact", "prefix", "substring", "pinyin", "words", "fuzzy")

KIND_ORDER = ("preferred", "alias", "translation", "misspelling", "label", "measure", "id")
TYPE_ORDER = ("occupation", "person", "company", "product", "figure", "source")
FUZZY_CUTOFF = 80.0
_CAP = 5000  # candidate rows read at most per step: enough for any ranking a person reads
_FUZZY_CANDIDATES = 1000
_TOKENS = re.compile(r"[\s\-_/·・,，、()（）]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class Hit:
    """One entity found: its best-matching text and why it matched."""

    entity_id: str
    type: str
    name: str
    matched: str
    kind: str
    rank: tuple[float, ...]
    """The sort key: (tier, order within the tier, kind, type, not in the query's script); see the module docs."""
    names: tuple[tuple[str, str], ...] = ()
    """(language, preferred name) pairs, each distinct name once, for display."""

    @property
    def tier(self) -> str:
        """exact, prefix, substring, pinyin, words or fuzzy."""
        return TIERS[int(self.rank[0])]

    @property
    def display_names(self) -> str:
        """The entity's distinct preferred names, joined with " / "."""
        return " / ".join(dict.fromkeys(name for _, name in self.names)) or self.name


@dataclass(frozen=True)
class Query:
    """A query in the forms it is compared in."""

    folded: str
    words: tuple[str, ...]
    letters: str
    """The query's ASCII letters and digits, for pinyin keys; empty when it has Chinese."""
    literal: str
    """The query as typed (normalised, case-folded): among equal matches, a name in its script is shown."""

    @classmethod
    def parse(cls, query: str) -> Query:
        """Raises UsageError for an empty or blank query, or one over MAX_QUERY characters."""
        length = len(query.strip())
        folded = fold(query) if length <= MAX_QUERY else ""
        if length > MAX_QUERY or len(folded) > MAX_QUERY:
            raise UsageError(f"the search query is {length} characters long; at most {MAX_QUERY} are searched")
        if not folded:
            raise UsageError("the search query is empty; give a name or part of one, e.g. aijobs search 训练师")
        letters = "" if _HAN.search(folded) else compact(folded)
        return cls(folded, tuple(dict.fromkeys(folded.split(" "))), letters, normalize(query).casefold())


Row = tuple[str, str, str, str, str, str, str | None, str | None]
"""entity id, type, display name, text, kind, folded, pinyin, initials."""


class _Reader:
    """Runs the same SQL (named ``:parameters``) on sqlite3 or through SQLAlchemy."""

    def __init__(self, connection: sqlite3.Connection | Connection | Session) -> None:
        if not isinstance(connection, sqlite3.Connection):
            from sqlmodel import Session  # only for a server or a session: a file needs no SQLAlchemy

            if isinstance(connection, Session):
                connection = connection.connection()
        self.connection = connection
        self.dialect = "sqlite" if isinstance(connection, sqlite3.Connection) else connection.dialect.name

    def rows(self, sql: str, params: dict[str, Any]) -> list[Any]:
        if isinstance(self.connection, sqlite3.Connection):
            return self.connection.execute(sql, params).fetchall()
        from sqlalchemy import text

        return list(self.connection.execute(text(sql), params).fetchall())


_SELECT = (
    "SELECT s.entity_id, e.type, e.name, s.text, s.kind, s.folded, s.pinyin, s.initials "
    "FROM search_entry s JOIN entity e ON e.id = s.entity_id "
)
_ORDER = (
    " ORDER BY CASE WHEN s.folded = :q THEN 0 WHEN substr(s.folded, 1, :qlen) = :q THEN 1 ELSE 2 END, "
    "s.entity_id, s.id LIMIT :cap"
)


def _phrase(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _like(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _condition(reader: _Reader, word: str, letters: str, name: str, params: dict[str, Any]) -> str:
    """SQL true for every entry `word` (or its letters, against the pinyin keys; none when
    `letters` is empty) may match: a superset of what the Python ranking accepts."""
    params[name] = word
    params[name + "l"] = letters
    params[name + "n"] = len(letters)
    short_keys = f"substr(s.pinyin, 1, :{name}n) = :{name}l OR substr(s.initials, 1, :{name}n) = :{name}l"
    if reader.dialect == "postgresql":
        params[name + "k"] = _like(word)
        params[name + "lk"] = _like(letters) if letters else ""
        keys = f"s.pinyin LIKE :{name}lk OR s.initials LIKE :{name}lk" if letters else "false"
        return f"(s.folded LIKE :{name}k OR {keys})"
    parts: list[str] = []
    if len(word) >= 3:
        terms = [("" if letters else "{text folded} : ") + _phrase(word)]
        if len(letters) >= 3 and letters != word:
            terms.append("{pinyin initials} : " + _phrase(letters))
        params[name + "m"] = " OR ".join(terms)
        parts.append(f"s.id IN (SELECT rowid FROM search_index WHERE search_index MATCH :{name}m)")
    else:
        parts.append(f"instr(s.folded, :{name}) > 0")
    if letters and len(letters) < 3:  # shorter keys are matched from their start only
        parts.append(short_keys)
    return "(" + " OR ".join(parts) + ")"


def _base_params(query: Query) -> dict[str, Any]:
    return {"q": query.folded, "qlen": len(query.folded), "cap": _CAP}


def _matching(reader: _Reader, query: Query) -> list[Row]:
    """Entries that may contain the whole query (or its letters, in the pinyin keys)."""
    params = _base_params(query)
    condition = _condition(reader, query.folded, query.letters, "w", params)
    return reader.rows(_SELECT + "WHERE " + condition + _ORDER, params)


def _all_words(reader: _Reader, query: Query) -> list[Row]:
    """Every entry of the entities that may have each word of the query in some entry."""
    params = _base_params(query)
    filters = []
    # Words of three characters or more go through the index; shorter ones (a scan) only
    # when there is no longer word: the rows are checked word by word in Python anyway.
    indexed = [word for word in query.words if len(word) >= 3] or list(query.words)
    for index, word in enumerate(indexed):
        condition = _condition(reader, word, "", f"w{index}", params)
        filters.append(f"s.entity_id IN (SELECT s.entity_id FROM search_entry s WHERE {condition})")
    return reader.rows(_SELECT + "WHERE " + " AND ".join(filters) + _ORDER, params)


def _near(reader: _Reader, query: Query) -> list[Row]:
    """Entries sharing the most trigrams with the query: the candidates for fuzzy matching."""
    params = {"q": query.folded, "cap": _FUZZY_CANDIDATES}
    grams = {gram for word in query.words for gram in _grams(word)}
    if not grams:
        return []
    if reader.dialect == "postgresql":
        params["grams"] = [_like(gram) for gram in sorted(grams)]
        sql = _SELECT + "WHERE s.folded LIKE ANY(:grams) ORDER BY word_similarity(:q, s.folded) DESC, s.id LIMIT :cap"
        return reader.rows(sql, params)
    params["m"] = " OR ".join(_phrase(gram) for gram in sorted(grams))
    sql = (
        _SELECT + "JOIN (SELECT rowid AS id FROM search_index WHERE search_index MATCH :m ORDER BY rank LIMIT :cap) n "
        "ON n.id = s.id"
    )
    return reader.rows(sql, params)


def _grams(word: str) -> list[str]:
    """The substrings a misspelt `word` likely shares with the right one: of 4 characters in
    words of 7 or more (one typo leaves some intact, and they are rarer than trigrams), else 3."""
    size = 4 if len(word) >= 7 else 3
    return [word[i : i + size] for i in range(len(word) - size + 1)]


def _pinyin_order(letters: str, pinyin: str | None, initials: str | None) -> int | None:
    if not letters or pinyin is None or initials is None:
        return None
    checks = (
        pinyin == letters,
        initials == letters,
        pinyin.startswith(letters),
        initials.startswith(letters),
        len(letters) >= 3 and letters in pinyin,
        len(letters) >= 3 and letters in initials,
    )
    return next((order for order, passed in enumerate(checks) if passed), None)


def _entry_rank(query: Query, folded: str, pinyin: str | None, initials: str | None) -> tuple[int, float] | None:
    """(tier, order within the tier) of one entry matching the whole query, or None."""
    if folded == query.folded:
        return EXACT, 0
    if folded.startswith(query.folded):
        return PREFIX, len(folded)
    if query.folded in folded:
        return SUBSTRING, len(folded) / 1000
    order = _pinyin_order(query.letters, pinyin, initials)
    return None if order is None else (PINYIN, order + len(pinyin or "") / 1000)


def _word_in(word: str, folded: str) -> bool:
    """Whether `word` starts a word of `folded` (is anywhere in it, if Chinese)."""
    return word in folded if _HAN.search(word) else _starts_word(word, folded)


def _starts_word(word: str, folded: str) -> bool:
    """Whether `word` occurs in `folded` at the start of a word."""
    start = folded.find(word)
    while start >= 0:
        if start == 0 or not folded[start - 1].isalnum() or not word[0].isalnum():
            return True
        start = folded.find(word, start + 1)
    return False


def _order(kind: str, type_: str) -> tuple[int, int]:
    kinds = KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
    types = TYPE_ORDER.index(type_) if type_ in TYPE_ORDER else len(TYPE_ORDER)
    return kinds, types


def _fuzzy_score(query: Query, folded: str) -> tuple[float, float]:
    """(score, tie-break): the worst of each word's best ratio against the name's words (for
    a one-word query, the whole name's ratio if higher); then the whole name's ratio."""
    from rapidfuzz import fuzz

    tokens = [token for token in _TOKENS.split(folded) if token]
    words = [token for token in _TOKENS.split(query.folded) if token]  # split as the names are
    worst = 100.0
    for word in words:
        best = max((fuzz.ratio(word, token) for token in tokens), default=0.0)
        if _HAN.search(word):
            best = max(best, fuzz.partial_ratio(word, folded))
        worst = min(worst, best)
    whole = fuzz.ratio(query.folded, folded)
    return (worst if len(words) > 1 else max(worst, whole)), whole


def _best(hits: dict[str, Hit], hit: Hit) -> None:
    if hit.entity_id not in hits or hit.rank < hits[hit.entity_id].rank:
        hits[hit.entity_id] = hit


def _hit(query: Query, row: Row, tier: int, order: float) -> Hit:
    entity_id, type_, name, text_, kind = row[:5]
    script = query.literal not in text_.casefold()
    return Hit(entity_id, type_, name, text_, kind, (tier, order, *_order(kind, type_), script))


def _ranked(reader: _Reader, query: Query, limit: int) -> list[Hit]:
    hits: dict[str, Hit] = {}
    for row in _matching(reader, query):
        found = _entry_rank(query, row[5], row[6], row[7])
        if found is not None:
            _best(hits, _hit(query, row, *found))
    # Words in any order rank below: needed only to fill the list, and not for a query of
    # short words that matched already (li na, lu qi: a scan per word finds little more).
    short = all(len(word) < 3 for word in query.words)
    if len(query.words) > 1 and len(hits) < limit and not (hits and short):
        entities: dict[str, list[Row]] = {}
        for row in _all_words(reader, query):
            entities.setdefault(row[0], []).append(row)
        for rows in entities.values():
            if not all(any(_word_in(word, row[5]) for row in rows) for word in query.words):
                continue
            # Shown: the entry with most of the words, then the shortest.
            shown = min(rows, key=lambda row: (-sum(w in row[5] for w in query.words), len(row[5]), row[4], row[3]))
            _best(hits, _hit(query, shown, WORDS, len(shown[5]) / 1000))
    if not hits and len(query.folded) >= 3:
        for row in _near(reader, query):
            score, whole = _fuzzy_score(query, row[5])
            if score >= FUZZY_CUTOFF:
                _best(hits, _hit(query, row, FUZZY, -score - whole / 1000))
    return sorted(hits.values(), key=lambda hit: (hit.rank, hit.entity_id))


def search(connection: sqlite3.Connection | Connection | Session, query: str, limit: int = 20) -> list[Hit]:
    """The best-ranked match per entity, best first, at most `limit` (see the module docs for the ranking).

    `connection` is an sqlite3 connection, a SQLAlchemy connection or a SQLModel session on
    a built database (SQLite or PostgreSQL). Raises `UsageError` for an empty or blank
    query and for one longer than `MAX_QUERY` characters.
    """
    parsed = Query.parse(query)
    reader = _Reader(connection)
    ordered = _ranked(reader, parsed, limit)[:limit]
    names = _preferred_names(reader, [hit.entity_id for hit in ordered])
    return [Hit(h.entity_id, h.type, h.name, h.matched, h.kind, h.rank, names.get(h.entity_id, ())) for h in ordered]


def did_you_mean(query: str, hit: Hit) -> str:
    """The query with each word replaced by the closest word of the name `hit` matched (trainr -> trainer)."""
    from rapidfuzz import fuzz, process

    tokens = [token for token in _TOKENS.split(hit.matched) if token]
    words = []
    for word in Query.parse(query).words:
        found = process.extractOne(word, tokens, scorer=fuzz.ratio, processor=fold) if not _HAN.search(word) else None
        words.append(found[0] if found is not None and found[1] >= FUZZY_CUTOFF else word)
    return " ".join(words) if len(tokens) > 1 else hit.matched


def search_file(db: Path | str, query: str, limit: int = 20) -> list[Hit]:
    """`search` in the SQLite file `db` (opened read-only) or the PostgreSQL server at the URL `db`.

    Raises an AijobsError naming the file (or the URL, its password hidden).
    """
    Query.parse(query)  # a bad query is reported before the database is opened
    from aijobs.db.engine import is_server_url, open_database

    if isinstance(db, str) and is_server_url(db):
        engine = open_database(db)
        try:
            with engine.connect() as connection:
                return search(connection, query, limit)
        finally:
            engine.dispose()
    path = Path(db)
    try:  # an aijobs database at this version's schema: another program's, an old or a newer one is refused
        with closing(connect_aijobs_database(path)) as connection:
            return search(connection, query, limit)
    except sqlite3.DatabaseError as exc:
        raise not_a_database(path, exc) from None


def _preferred_names(reader: _Reader, ids: Sequence[str]) -> dict[str, tuple[tuple[str, str], ...]]:
    if not ids:
        return {}
    marks = ", ".join(f":i{index}" for index in range(len(ids)))
    rows = reader.rows(
        f"SELECT entity_id, lang, text FROM label WHERE preferred AND entity_id IN ({marks}) ORDER BY entity_id, lang",
        {f"i{index}": entity_id for index, entity_id in enumerate(ids)},
    )
    names: dict[str, list[tuple[str, str]]] = {}
    for entity_id, lang, name in rows:
        names.setdefault(entity_id, []).append((lang, name))
    return {entity_id: tuple(pairs) for entity_id, pairs in names.items()}
