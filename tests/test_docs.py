"""The README's schema section is the public contract: it must match the tables."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from aijobs import load
from aijobs.db.build import build_sqlite
from aijobs.db.tables import metadata
from tests.conftest import REPO


def _documented_tables() -> dict[str, set[str]]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    documented: dict[str, set[str]] = {}
    for line in readme.splitlines():
        match = re.match(r"\| `(\w+)` \| [^|]+ \| (.+) \|$", line)
        if match:
            documented[match.group(1)] = set(re.findall(r"`(\w+)`", match.group(2)))
    return documented


def test_readme_documents_every_table_and_column() -> None:
    documented = _documented_tables()
    actual = {name: {column.name for column in table.columns} for name, table in metadata.tables.items()}
    assert sorted(documented) == sorted(actual)
    for name, columns in actual.items():
        assert columns <= documented[name], f"README does not document {name}: {sorted(columns - documented[name])}"


def _example_queries() -> list[tuple[str, list[str]]]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Example queries", 1)[1].split("\n## ", 1)[0]
    pairs = re.findall(r"```sql\n(.*?)```\n\n```text\n(.*?)```", section, flags=re.DOTALL)
    return [(sql, output.splitlines()[2:]) for sql, output in pairs]


def test_readme_example_outputs_are_current(tmp_path: Path) -> None:
    """The README shows real output: rerun each example on a fresh build and compare."""
    examples = _example_queries()
    assert len(examples) == 5
    db = tmp_path / "aijobs.db"
    build_sqlite(load(REPO / "curated"), db)
    with sqlite3.connect(db) as connection:
        for sql, lines in examples:
            rows = connection.execute(sql).fetchall()
            assert len(rows) == len(lines), sql
            for row, line in zip(rows, lines, strict=True):
                assert line.split()[0] == str(row[0]), (sql, line)
