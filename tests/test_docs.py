"""The README's schema section is the public contract: it must match the tables."""

from __future__ import annotations

import re

from aijobs.tables import metadata
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
