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
from aijobs.db.files import connect_readonly, database_file, not_a_database
from aijobs.errors import UsageError

LICENSE = "CC0 1.0 (the curated data); source documents belong to their publishers"

FACETS = {
    "figure": ["unit", "approx", "producer_kind"],
    "occupation_status": ["status", "recognised_as"],
    "company": ["kind"],
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
            "JOIN citation c ON c.claim_id = s.claim_id WHERE s.status = 'recognised' ORDER BY s.date, o.id"
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
        "description": "Every figure about an occupation, with its value, unit and the quote that states it.",
        "sql": (
            "SELECT o.id AS occupation, f.measure, f.value, f.lower, f.upper, f.unit, f.approx, f.as_written, "
            "c.source_id, c.paragraph, c.quote FROM figure f JOIN figure_about a ON a.figure_id = f.id "
            "JOIN occupation o ON o.id = a.entity_id JOIN claim k ON k.subject_id = f.id AND k.property = 'value' "
            "JOIN citation c ON c.claim_id = k.id ORDER BY o.id, f.id"
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
    """A ready Datasette command line: the metadata file is written, the database checked."""

    argv: list[str]
    url: str

    def run(self) -> NoReturn:
        """Replace this process with Datasette (it serves until interrupted)."""
        os.execv(self.argv[0], self.argv)


def datasette(db: Path, host: str = "127.0.0.1", port: int = 8001) -> Datasette:
    """The Datasette invocation serving `db` read-only, with the generated metadata.

    Raises UsageError when Datasette is not installed, and NotFound or AijobsError
    naming `db` when it is missing or is not an SQLite database.
    """
    if importlib.util.find_spec("datasette") is None:
        raise UsageError("Datasette is not installed; pip install 'aijobs[serve]'")
    database_file(db)
    try:
        with closing(connect_readonly(db)) as connection:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise not_a_database(db, exc) from None
    handle, meta = tempfile.mkstemp(prefix="aijobs-datasette-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(datasette_metadata(db.stem), out, ensure_ascii=False)
    # An absolute path, so a file named like an option ("-x.db") stays a file name.
    argv = [sys.executable, "-m", "datasette", "serve", "--immutable", str(db.absolute()), "--metadata", meta]
    argv += ["--plugins-dir", str(PLUGINS)]
    argv += ["--host", host, "--port", str(port)]
    return Datasette(argv, f"http://{host}:{port}/{db.stem}")
