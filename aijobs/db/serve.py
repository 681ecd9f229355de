"""Browsing the database in Datasette, with its schema documented and searches set up.

The metadata is generated from the table classes (titles, column descriptions), so the
browser shows the same documentation as the README and the SQL column comments.
Datasette is an optional extra: `pip install 'aijobs[serve]'`.
"""

from __future__ import annotations

from typing import Any

from aijobs.db.tables import table_classes

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

CANNED_QUERIES = {
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
    for model in table_classes():
        name = str(model.__tablename__)
        columns = {key: field.description for key, field in model.model_fields.items()}
        entry: dict[str, Any] = {"title": name.replace("_", " "), "columns": columns}
        if model.__doc__:
            entry["description"] = " ".join(model.__doc__.split())
        if name in FACETS:
            entry["facets"] = FACETS[name]
        tables[name] = entry
    tables["search_entry"].update({"fts_table": "search_index", "fts_pk": "id", "searchmode": "raw"})
    return {
        "title": "aijobs: occupations AI creates and changes",
        "description": "A hand-curated knowledge base; every claim cites a paragraph of a source document.",
        "license": LICENSE,
        "source": "aijobs curated YAML records",
        "databases": {database: {"tables": tables, "queries": CANNED_QUERIES}},
    }
