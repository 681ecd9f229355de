"""The documentation is generated from the code, and its examples show real output."""

from __future__ import annotations

import io
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from cogapp import Cog

from aijobs import load
from aijobs.db.build import build_sqlite
from aijobs.db.catalog import UndocumentedSchema, catalog, table_class
from aijobs.db.serve import datasette_metadata
from aijobs.db.tables import metadata
from aijobs.fields import Lang, choices, one_of
from aijobs.records import Approximation, OccupationStatusKind, ProducerKind, RelationKind, Role, Unit
from aijobs.tools import docs
from tests.conftest import REPO

GENERATED = ("README.md", "curated/README.md")


def _cog_check(path: Path) -> tuple[int, str]:
    """`cog --check --diff PATH`: its exit status and what it printed."""
    out = io.StringIO()
    cog = Cog()
    cog.set_output(stdout=out, stderr=out)
    status = cog.main(["cog", "--check", "--diff", str(path)])
    return status, out.getvalue()


@pytest.mark.parametrize("name", GENERATED)
def test_generated_sections_are_current(name: str) -> None:
    """The cog blocks hold exactly what the code generates (what `.ci/run` checks too)."""
    status, output = _cog_check(REPO / name)
    assert status == 0, f"{name} is out of date; run `cog -r {' '.join(GENERATED)}`\n{output}"


def test_a_stale_generated_section_fails_the_check(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    text = (REPO / "README.md").read_text(encoding="utf-8")
    stale = text.replace("| [`figure_about`](#figure_about) |", "| [`figure_abut`](#figure_about) |", 1)
    assert stale != text
    readme.write_text(stale, encoding="utf-8")
    status, output = _cog_check(readme)
    assert status == 5
    assert "-| [`figure_abut`](#figure_about) |" in output and "+| [`figure_about`](#figure_about) |" in output


def test_readme_documents_every_table_and_column() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    reference = readme.split("\n## Schema reference\n", 1)[1].split("\n## ", 1)[0]
    sections = dict(re.findall(r"^### `(\w+)`\n(.*?)(?=^### |\Z)", reference, flags=re.DOTALL | re.MULTILINE))
    assert sorted(sections) == sorted(metadata.tables)
    for name, table in metadata.tables.items():
        documented = re.findall(r"^\| `(\w+)` \| [^|]+ \| (.+) \|$", sections[name], flags=re.MULTILINE)
        assert [column for column, _ in documented] == [column.name for column in table.columns], name
        assert all(description.strip() for _, description in documented), name


def test_every_table_and_column_has_a_description() -> None:
    documented = catalog()
    assert [table.name for table in documented] == list(metadata.tables)
    for table in documented:
        assert table.description, table.name
        assert all(column.description for column in table.columns), table.name


def test_a_column_without_a_description_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    model = table_class("figure")
    monkeypatch.setattr(model.model_fields["unit"], "description", None)
    with pytest.raises(UndocumentedSchema, match=r"figure\.unit has no description.*aijobs/db/tables\.py"):
        catalog()


def test_datasette_shows_the_column_descriptions() -> None:
    tables = datasette_metadata()["databases"]["aijobs"]["tables"]
    for table in catalog():
        assert tables[table.name]["columns"] == {column.name: column.description for column in table.columns}


def _description(table: str, column: str) -> str:
    found = next(c for t in catalog() if t.name == table for c in t.columns if c.name == column)
    return found.description


@pytest.mark.parametrize(
    ("table", "column", "vocabulary"),
    [
        ("figure", "approx", Approximation),
        ("figure", "unit", Unit),
        ("figure", "producer_kind", ProducerKind),
        ("occupation_status", "status", OccupationStatusKind),
        ("role", "status", Role.model_fields["status"].annotation),
        ("label", "lang", Lang),
    ],
)
def test_vocabulary_columns_list_the_record_literal(table: str, column: str, vocabulary: object) -> None:
    assert one_of(vocabulary) in _description(table, column)


def test_choices_reads_literals_through_optional_and_list() -> None:
    assert choices(Lang) == ("zh-Hans", "zh-Hant", "en")
    assert choices(list[Lang] | None) == ("zh-Hans", "zh-Hant", "en")
    assert one_of(Role.model_fields["status"].annotation) == "current or former"
    assert one_of(["only"]) == "only"
    with pytest.raises(TypeError, match="expected a Literal"):
        choices(str | None)


def test_claim_properties_cover_every_claim_of_the_curated_data() -> None:
    listed = set(re.findall(r"^\| `([\w-]+)` \|", docs.claim_properties(), flags=re.MULTILINE))
    used = {claim.property for claim in load(REPO / "curated").claims()}
    assert used <= listed, sorted(used - listed)
    assert set(choices(RelationKind)) <= listed


def test_command_table_lists_every_command() -> None:
    from aijobs.cli import app

    table = docs.command_table(app)
    for command in ("validate", "build", "verify", "export", "db upgrade"):
        assert f"| `aijobs {command} " in table, command


# --- the README's example queries ------------------------------------------------------


def _example_queries() -> list[tuple[str, str]]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Example queries", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sql\n(.*?)```\n\n```text\n(.*?)```", section, flags=re.DOTALL)


def _sqlite_text(value: object) -> str:
    """A value as the sqlite3 shell prints it: NULL empty, REAL with 15 significant digits."""
    if value is None:
        return ""
    if isinstance(value, float):
        mantissa, e, exponent = f"{value:.15g}".partition("e")
        return (mantissa if "." in mantissa else f"{mantissa}.0") + e + exponent
    return str(value)


def column_mode(header: list[str], rows: list[tuple[object, ...]]) -> str:
    """Rows as `sqlite3 -header -column` (3.40) prints them, with trailing spaces removed.

    Each column is as wide as its longest value or header, in characters; columns are
    separated by two spaces; a line of dashes follows the header.
    """
    cells = [header, *([_sqlite_text(value) for value in row] for row in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)) for line in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "".join(line.rstrip() + "\n" for line in lines)


def test_column_mode_matches_the_sqlite_shell() -> None:
    rows: list[tuple[object, ...]] = [("ai-trainer", 750000.0, None), ("x", 1e16, 21)]
    assert column_mode(["id", "value", "paragraph"], rows) == (
        "id          value     paragraph\n"
        "----------  --------  ---------\n"
        "ai-trainer  750000.0\n"
        "x           1.0e+16   21\n"
    )


def test_readme_example_outputs_are_current(tmp_path: Path) -> None:
    """The README shows real output: rerun each example on a fresh build and compare every cell."""
    examples = _example_queries()
    assert len(examples) == 6
    db = tmp_path / "aijobs.db"
    build_sqlite(load(REPO / "curated"), db)
    with sqlite3.connect(db) as connection:
        for sql, shown in examples:
            cursor = connection.execute(sql)
            actual = column_mode([column[0] for column in cursor.description], cursor.fetchall())
            documented = "".join(line.rstrip() + "\n" for line in shown.splitlines())
            assert documented == actual, f"README output differs for:\n{sql}\nactual output:\n{actual}"


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="no sqlite3 shell to compare with")
def test_column_mode_agrees_with_the_installed_shell(tmp_path: Path) -> None:
    """Where the sqlite3 shell is installed, the emulation prints what it prints."""
    import subprocess

    db = tmp_path / "t.db"
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE t (name TEXT, value REAL, n INTEGER)")
        connection.executemany("INSERT INTO t VALUES (?, ?, ?)", [("ai-trainer", 750000.0, None), ("x", 0.5, 21)])
    sql = "SELECT name, value, n FROM t ORDER BY rowid"
    shell = subprocess.run(
        ["sqlite3", "-header", "-column", str(db), sql], capture_output=True, text=True, timeout=30, check=True
    ).stdout
    with sqlite3.connect(db) as connection:
        cursor = connection.execute(sql)
        expected = column_mode([column[0] for column in cursor.description], cursor.fetchall())
    assert "".join(line.rstrip() + "\n" for line in shell.splitlines()) == expected
