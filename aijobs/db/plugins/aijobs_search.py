"""A Datasette plugin: the `aijobs search` ranking inside SQL, for the `search` canned query.

`aijobs serve` loads this file with ``--plugins-dir`` (it is the only file in its folder).
It registers two SQL functions on every connection:

* ``aijobs_search(query[, limit])``: a JSON array of hits, best first, made by
  `aijobs.db.search.search` on that connection (the same ranking as the CLI): each with
  ``rank``, ``type``, ``id``, ``names``, ``matched``, ``match`` (exact, prefix,
  substring, pinyin, words or fuzzy). A query that is empty, blank or too long gives ``[]``;
  nothing in a query is FTS or SQL syntax.
* ``aijobs_fold(text)``: `aijobs.text.fold`, for SQL of your own.

It also replaces Datasette's ``escape_fts``, which the table pages' search box uses
(``searchmode: escaped``): the query is folded (訓練師 searches 训练师, which the
``folded`` column holds) and passed as one FTS5 phrase, so ``"``, ``*`` and FTS
operators are plain text. Trigrams need three characters: for shorter queries the
``search`` canned query is the search box.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from datasette import hookimpl

from aijobs.db.search import MAX_QUERY, search
from aijobs.errors import UsageError
from aijobs.text import fold


def search_json(connection: sqlite3.Connection, query: Any, limit: Any = 50) -> str:
    """The hits of `query` as JSON (see the module docs)."""
    if not isinstance(query, str) or not query.strip() or len(query.strip()) > MAX_QUERY:
        return "[]"
    try:
        hits = search(connection, query, max(1, min(int(limit), 500)))
    except (UsageError, ValueError, TypeError):
        return "[]"
    rows = [
        {
            "rank": index,
            "type": hit.type,
            "id": hit.entity_id,
            "names": hit.display_names,
            "matched": hit.matched,
            "match": hit.tier,
        }
        for index, hit in enumerate(hits, start=1)
    ]
    return json.dumps(rows, ensure_ascii=False)


def fts_phrase(query: Any) -> Any:
    """`query` folded and quoted as one FTS5 phrase: nothing in it is FTS syntax."""
    if not isinstance(query, str):
        return query
    return '"' + fold(query[: MAX_QUERY * 4]).replace('"', '""') + '"'


def _prepare_connection(conn: sqlite3.Connection) -> None:
    def aijobs_search(query: Any, limit: Any = 50) -> str:
        return search_json(conn, query, limit)

    conn.create_function("aijobs_search", 1, aijobs_search)
    conn.create_function("aijobs_search", 2, aijobs_search)
    conn.create_function("escape_fts", 1, fts_phrase)
    conn.create_function("aijobs_fold", 1, lambda text: fold(text) if isinstance(text, str) else text)


# Called after Datasette's own functions are registered, so this escape_fts replaces its one.
prepare_connection = hookimpl(trylast=True)(_prepare_connection)
