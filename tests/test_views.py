"""The views: comparable figures (figure_range), evidence in one join, typed figure links.

Figures of every approximation and money unit are written as YAML, built, and read back
through the views; the README's "Views" table must list every view with its columns.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from aijobs import load
from aijobs.db.build import build_sqlite
from aijobs.db.serve import CANNED_QUERIES
from aijobs.records import Figure
from aijobs.tools.export import figure_range
from tests.conftest import REPO, Workspace

# id: (value, lower, upper, unit, approx) -> expected (low, high, point, annual_low, annual_high, annual_point, rule)
CASES = {
    "f-exact-month": (
        (8000, None, None, "CNY-per-month", "exact"),
        (8000, 8000, 8000, 96000, 96000, 96000, "per-month-x12"),
    ),
    "f-about-year": (
        (1000000, None, None, "CNY-per-year", "about"),
        (None, None, 1000000, None, None, 1000000, "per-year"),
    ),
    "f-over-year": ((400000, None, None, "USD-per-year", "over"), (400000, None, None, 400000, None, None, "per-year")),
    "f-nearly-month": (
        (3000, None, None, "CNY-per-month", "nearly"),
        (None, 3000, None, None, 36000, None, "per-month-x12"),
    ),
    "f-under-day": ((500, None, None, "CNY-per-day", "under"), (None, 500, None, None, None, None, None)),
    "f-range-hour": ((None, 50, 80, "USD-per-hour", "range"), (50, 80, None, None, None, None, None)),
    "f-magnitude": ((None, 2e10, 9e10, "CNY", "order-of-magnitude"), (2e10, 9e10, None, None, None, None, None)),
    "f-about-bounded": ((40, 30, 50, "people", "about"), (30, 50, 40, None, None, None, None)),
}


def _figure_yaml(figure_id: str, value: object, lower: object, upper: object, unit: str, approx: str) -> str:
    numbers = "".join(f"{name}: {number}\n" for name, number in (("value", value), ("lower", lower), ("upper", upper)))
    numbers = "".join(line for line in numbers.splitlines(keepends=True) if not line.endswith("None\n"))
    return (
        f"id: {figure_id}\nmeasure: A test amount.\n{numbers}unit: {unit}\napprox: {approx}\n"
        "as_written: '40'\nabout: [data-tagger, wang-fang]\n"
        "cite:\n  - {source: demo-news, para: 5, quote: 40人左右}\n"
    )


@pytest.fixture
def built(workspace: Workspace) -> Path:
    for figure_id, ((value, lower, upper, unit, approx), _) in CASES.items():
        workspace.write(f"figures/{figure_id}.yaml", _figure_yaml(figure_id, value, lower, upper, unit, approx))
    db = workspace.root / "kb.db"
    build_sqlite(load(workspace.curated), db)
    return db


def rows(db: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, args).fetchall()


@pytest.mark.parametrize("figure_id", sorted(CASES))
def test_figure_range_reads_every_approximation(built: Path, figure_id: str) -> None:
    found = rows(
        built,
        "SELECT low, high, point, annual_low, annual_high, annual_point, annual_rule FROM figure_range WHERE id = ?",
        figure_id,
    )
    assert found == [CASES[figure_id][1]]


def test_money_units_have_currency_and_period(built: Path) -> None:
    found = dict(((i, (c, p)) for i, c, p in rows(built, "SELECT id, currency, per FROM figure_range")))
    assert found["f-exact-month"] == ("CNY", "month")
    assert found["f-over-year"] == ("USD", "year")
    assert found["f-range-hour"] == ("USD", "hour")
    assert found["f-magnitude"] == ("CNY", None)  # an amount, not per period: never annualised
    assert found["hefei-team-size"] == (None, None)


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The curated data, built."""
    path = tmp_path_factory.mktemp("real") / "kb.db"
    build_sqlite(load(REPO / "curated"), path)
    return path


def test_the_view_and_the_jsonld_read_figures_alike(real: Path) -> None:
    """Every curated figure: figure_range in SQL and `figure_range` in Python give the same numbers."""
    kb = load(REPO / "curated")
    figures = {item.record.id: item.record for item in kb.loaded if isinstance(item.record, Figure)}
    in_sql = {row[0]: row[1:] for row in rows(real, "SELECT id, low, high, point FROM figure_range")}
    assert set(in_sql) == set(figures)
    for figure_id, figure in figures.items():
        assert in_sql[figure_id] == figure_range(figure), figure_id


def test_figure_evidence_has_one_first_citation_per_figure(built: Path) -> None:
    figures = rows(built, "SELECT count(*) FROM figure")[0][0]
    assert rows(built, "SELECT count(*), count(DISTINCT figure_id) FROM figure_evidence WHERE citation_no = 1") == [
        (figures, figures)
    ]
    citations = rows(
        built,
        "SELECT count(*) FROM citation c JOIN claim k ON k.id = c.claim_id JOIN figure f ON f.id = k.subject_id "
        "WHERE k.property = 'value'",
    )
    assert rows(built, "SELECT count(*) FROM figure_evidence") == citations


def test_claim_evidence_is_every_citation_with_its_claim(built: Path) -> None:
    assert rows(built, "SELECT count(*) FROM claim_evidence") == rows(built, "SELECT count(*) FROM citation")
    assert rows(
        built, "SELECT subject_type, property, quote FROM claim_evidence WHERE subject_id = 'hefei-team-size'"
    ) == [("figure", "value", "40人左右")]


def test_figure_about_typed_does_not_fan_out(built: Path) -> None:
    """Each test figure is about an occupation and a person: two links, one occupation."""
    assert rows(built, "SELECT count(*) FROM figure_about WHERE figure_id = 'f-exact-month'") == [(2,)]
    assert rows(
        built,
        "SELECT entity_id, entity_type FROM figure_about_typed WHERE figure_id = 'f-exact-month' "
        "AND entity_type = 'occupation'",
    ) == [("data-tagger", "occupation")]


def test_canned_figures_by_occupation_is_one_row_per_figure(built: Path) -> None:
    found = rows(built, CANNED_QUERIES["figures_by_occupation"]["sql"])
    figures = rows(built, "SELECT count(*) FROM figure")[0][0]
    assert len(found) == figures
    assert {row[0] for row in found} == {"data-tagger"}


def test_dated_claims_carry_their_basis(real: Path) -> None:
    """The ages read from 今年 carry an inferred date basis with its reason; other dates are stated."""
    ages = rows(real, "SELECT person_id, date_basis, date_basis_reason FROM person_age ORDER BY person_id")
    stated = rows(real, "SELECT count(*) FROM role WHERE date_basis = 'stated' AND date_basis_reason IS NULL")
    inferred = rows(real, "SELECT count(*) FROM role WHERE date_basis = 'inferred' AND date_basis_reason <> ''")
    assert [(person, basis) for person, basis, _ in ages] == [
        ("lawyer-turned-legal-ai-lead", "inferred"),
        ("liu-genlin", "stated"),  # as_of: unknown, nothing inferred
        ("luo-chong", "inferred"),
    ]
    assert [("今年" in str(reason)) for _, _, reason in ages] == [True, False, True]
    assert stated != [(0,)]
    assert inferred == [(2,)]


def _documented_views() -> dict[str, list[str]]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n### Views\n", 1)[1].split("\n### ", 1)[0]
    table = section.split("\n| view |", 1)[1].split("\n\n", 1)[0]
    listed = re.findall(r"^\| `(\w+)` \| [^|]+ \| (.+) \|$", table, flags=re.MULTILINE)
    return {name: re.findall(r"`(\w+)`", columns) for name, columns in listed}


def test_readme_documents_every_view_and_its_columns(built: Path) -> None:
    views = [name for (name,) in rows(built, "SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name")]
    assert views, "no views in the database"
    actual = {
        name: [column for (column,) in rows(built, f"SELECT name FROM pragma_table_info('{name}')")] for name in views
    }
    assert _documented_views() == actual
