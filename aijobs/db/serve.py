"""Browsing the database in Datasette, with its schema documented and searches set up.

The metadata is generated from the table classes' docstrings and column descriptions
(`aijobs.db.catalog`), so the browser shows the same documentation as the README.
Datasette is an optional extra: `pip install 'aijobs[serve]'`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sqlite3
import sys
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from aijobs.db.catalog import catalog
from aijobs.db.files import connect_aijobs_database, not_a_database, shown
from aijobs.errors import UsageError

LICENSE = "CC0 1.0 (the curated data); source documents belong to their publishers"

FACETS = {
    "figure": ["unit", "approx", "producer_kind"],
    "occupation_status": ["status", "recognised_as"],
    "company": ["kind"],
    "product": ["kind", "maker_id"],
    "product_use": ["product_id"],
    "claim": ["property"],
    "role": ["status"],
    "label": ["lang", "preferred", "translation"],
    "search_entry": ["kind", "lang"],
    "entity": ["type"],
}

PLUGINS = Path(__file__).parent / "plugins"
"""Datasette plugins shipped with aijobs (loaded with --plugins-dir): the search functions."""

SEARCH_SQL = (
    "SELECT json_extract(h.value, '$.rank') AS rank, json_extract(h.value, '$.type') AS type, "
    "json_extract(h.value, '$.id') AS id, json_extract(h.value, '$.names') AS names, "
    "json_extract(h.value, '$.matched') AS matched, json_extract(h.value, '$.match') AS match "
    "FROM json_each(aijobs_search(:q)) h ORDER BY h.key"
)

CANNED_QUERIES = {
    "search": {
        "title": "Search",
        "description": (
            "Find anything by any of its names, as `aijobs search` does: any script (訓練師 finds 训练师), "
            "pinyin and initials (luochong, lc), words in any order, typos, record ids. "
            "Everything typed is plain text."
        ),
        "sql": SEARCH_SQL,
    },
    "recognised_occupations": {
        "title": "Officially recognised occupations",
        "description": "Occupations a body recognised, with who, when and the paragraph that says so.",
        "sql": (
            "SELECT o.id, o.name_zh_hans, o.name_en, s.by_id, s.date, s.recognised_as, s.place, "
            "c.source_id, c.paragraph, c.quote FROM occupation_status s JOIN occupation o ON o.id = s.occupation_id "
            "JOIN claim_evidence c ON c.claim_id = s.claim_id AND c.citation_no = 1 WHERE s.status = 'recognised' "
            "ORDER BY s.date, o.id"
        ),
    },
    "career_transitions": {
        "title": "Career transitions",
        "description": "People with a former and a current role: from what to what, and when.",
        "sql": (
            "SELECT e.name AS person, f.occupation_id AS from_occupation, f.title AS from_title, "
            "c.occupation_id AS to_occupation, c.title AS to_title, c.start AS since "
            "FROM role f JOIN role c ON c.person_id = f.person_id AND c.status = 'current' "
            "JOIN entity e ON e.id = f.person_id WHERE f.status = 'former' ORDER BY e.name, f.seq, c.seq"
        ),
    },
    "figures_by_occupation": {
        "title": "Figures by occupation, with citations",
        "description": (
            "Every figure about an occupation, once per figure: the occupations it is about, its value as a "
            "comparable range (figure_range), and the first quote that states it."
        ),
        "sql": (
            "SELECT group_concat(a.entity_id, ', ') AS occupations, r.measure, r.low, r.high, r.point, r.unit, "
            "r.approx, r.as_written, e.source_id, e.paragraph, e.quote FROM figure_range r "
            "JOIN figure_about_typed a ON a.figure_id = r.id AND a.entity_type = 'occupation' "
            "JOIN figure_evidence e ON e.figure_id = r.id AND e.citation_no = 1 "
            "GROUP BY r.id ORDER BY min(a.entity_id), r.id"
        ),
    },
    "product_users": {
        "title": "Who uses a product",
        "description": "The occupations and people that use a product (id or any name), with the quote that says so.",
        "sql": (
            "SELECT p.id AS product, e.type, e.id, e.name, c.source_id, c.paragraph, c.quote "
            "FROM product_use u JOIN product p ON p.id = u.product_id JOIN entity e ON e.id = u.user_id "
            "JOIN citation c ON c.claim_id = u.claim_id "
            "WHERE :product = '' OR p.id = :product "
            "OR p.id IN (SELECT entity_id FROM label WHERE lower(text) = lower(:product)) "
            "ORDER BY p.id, e.type, e.id, c.id"
        ),
    },
}


def datasette_metadata(database: str = "aijobs") -> dict[str, Any]:
    """Datasette metadata: titles and column descriptions for every table."""
    tables: dict[str, Any] = {}
    for table in catalog():
        entry: dict[str, Any] = {
            "title": table.name.replace("_", " "),
            "description": " ".join(table.description.split("\n")),
            "columns": {column.name: column.description for column in table.columns},
        }
        if table.name in FACETS:
            entry["facets"] = FACETS[table.name]
        tables[table.name] = entry
    tables["search_entry"].update({"fts_table": "search_index", "fts_pk": "id", "searchmode": "escaped"})
    return {
        "title": "aijobs: occupations AI creates and changes",
        "description": "A hand-curated knowledge base; every claim cites a paragraph of a source document.",
        "license": LICENSE,
        "source": "aijobs curated YAML records",
        "databases": {database: {"tables": tables, "queries": CANNED_QUERIES}},
    }


@dataclass(frozen=True)
class Datasette:
    """A ready Datasette command line and its metadata; the database is checked."""

    argv: list[str]
    url: str
    metadata: str
    """The metadata, as JSON: Datasette reads it on its standard input."""

    def run(self) -> NoReturn:
        """Replace this process with Datasette (it serves until interrupted).

        The metadata is written to a temporary file that has no name (removed at once),
        which becomes Datasette's standard input: nothing is left behind, however the
        server ends (a named file would stay in the temporary folder at every run: this
        process is replaced, so nothing would be left to remove it).
        """
        with tempfile.TemporaryFile() as metadata:
            metadata.write(self.metadata.encode("utf-8"))
            metadata.seek(0)
            os.dup2(metadata.fileno(), 0)  # inheritable: Datasette's standard input
        os.execv(self.argv[0], self.argv)


def datasette(
    db: Path,
    host: str = "127.0.0.1",
    port: int = 8001,
    plugins_dir: Path | None = None,
    extra_metadata: dict[str, Any] | None = None,
) -> Datasette:
    """The Datasette invocation serving `db` read-only, with the generated metadata.

    `plugins_dir` is a folder of plugin modules to load (`aijobs serve` passes the record
    pages of `aijobs.tools.browse`); `extra_metadata` is merged into the metadata's top level.

    Raises UsageError when Datasette is not installed or `db`'s path has characters
    Datasette reads as URL syntax, and NotFound or AijobsError naming `db` when it is
    missing or is not an aijobs database at this version's schema.
    """
    if importlib.util.find_spec("datasette") is None:
        raise UsageError("Datasette is not installed; pip install 'aijobs[serve]'")
    absolute = str(db.absolute())
    special = sorted({char for char in absolute if char in "?#%"})
    if special:
        # Datasette opens f"file:{path}?immutable=1" as a URI: the rest would be read as a
        # query, a fragment or an escape, and another file (even a new, empty one) opened.
        raise UsageError(
            f"{shown(db)}: Datasette reads {', '.join(repr(c) for c in special)} in a path as URL syntax; "
            "rename the file or move it to a folder whose path has none"
        )
    try:
        with closing(connect_aijobs_database(db)) as connection:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise not_a_database(db, exc) from None
    metadata = json.dumps({**datasette_metadata(db.stem), **(extra_metadata or {})}, ensure_ascii=False)
    # An absolute path, so a file named like an option ("-x.db") stays a file name. The
    # metadata comes on standard input ("-"), which Datasette reads once as it starts.
    argv = [sys.executable, "-m", "datasette", "serve", "--immutable", absolute, "--metadata", "-"]
    argv += ["--host", host, "--port", str(port)]
    # Datasette takes one plugins folder: the search plugin (aijobs.db.plugins), or a folder
    # that re-exports it beside other plugins (aijobs serve passes the record pages' one).
    argv += ["--plugins-dir", str((plugins_dir or PLUGINS).absolute())]
    return Datasette(argv, f"http://{host}:{port}/{db.stem}", metadata)
