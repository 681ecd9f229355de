"""Figure.basis: a new record field that reaches the database and the exports.

It is the proof that rows are table-driven. Adding it touched three files:
``aijobs/records.py`` (the `Basis` model and ``Figure.basis``), ``aijobs/db/tables.py``
(the ``basis`` and ``basis_reason`` columns of ``FigureRow``, and their two entries in
its ``rows_from``) and ``migrations/versions/0003_figure_basis.py``. Neither
``aijobs/db/rows.py`` nor the exporters were edited; ``curated/.schema/`` is regenerated
by ``aijobs schema``.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

import pytest

from aijobs import load, validate
from aijobs.db.build import build_sqlite
from aijobs.db.engine import sqlite_engine
from aijobs.db.migrate import downgrade, upgrade
from aijobs.db.upgrade import upgrade_file
from aijobs.tools.export import to_csv
from tests.conftest import FIGURE, Workspace

INFERRED = FIGURE + "basis: {kind: inferred, reason: Half of the team of 80 the source counts.}\n"


def query(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()


@pytest.mark.parametrize(
    ("basis", "message"),
    [
        (
            "{kind: inferred}",
            "curated/figures/hefei-team-size.yaml:12:8: basis: an inferred basis needs reason: "
            "how the curators derived it from the source",
        ),
        (
            "{kind: stated, reason: because}",
            "curated/figures/hefei-team-size.yaml:12:8: basis: a stated basis has no reason; "
            "put remarks in note, or use kind: inferred",
        ),
        (
            "{kind: guessed}",
            "curated/figures/hefei-team-size.yaml:12:15: basis.kind: input should be 'stated' or 'inferred'; "
            "found 'guessed'",
        ),
    ],
)
def test_a_wrong_basis_is_explained(workspace: Workspace, basis: str, message: str) -> None:
    path = workspace.write("figures/hefei-team-size.yaml", FIGURE + f"basis: {basis}\n")
    before = path.read_bytes()
    _, problems = validate(workspace.curated)
    assert [str(problem) for problem in problems] == [message]
    assert path.read_bytes() == before


def test_basis_is_stated_unless_written(workspace: Workspace) -> None:
    db = workspace.root / "kb.db"
    build_sqlite(load(workspace.curated), db)
    assert query(db, "SELECT basis, basis_reason FROM figure") == [("stated", None)]


def test_an_inferred_figure_reaches_the_database_and_the_csv(workspace: Workspace) -> None:
    workspace.write("figures/hefei-team-size.yaml", INFERRED)
    kb = load(workspace.curated)
    db = workspace.root / "kb.db"
    build_sqlite(kb, db)
    reason = "Half of the team of 80 the source counts."
    assert query(db, "SELECT id, basis, basis_reason FROM figure") == [("hefei-team-size", "inferred", reason)]
    rows = list(csv.DictReader(io.StringIO(to_csv(kb)["figure.csv"])))
    assert [(row["basis"], row["basis_reason"]) for row in rows] == [("inferred", reason)]


def test_an_old_database_upgrades_to_stated_figures(workspace: Workspace) -> None:
    """A file built before 0003 keeps its figures, now read as stated; a downgrade drops the columns again."""
    db = workspace.root / "kb.db"
    build_sqlite(load(workspace.curated), db)
    engine = sqlite_engine(db)
    with engine.begin() as connection:
        downgrade(connection, "0002")
    engine.dispose()
    columns = [row[1] for row in query(db, "PRAGMA table_info(figure)")]
    assert "basis" not in columns and "basis_reason" not in columns
    assert query(db, "SELECT id, as_written FROM figure") == [("hefei-team-size", "40人左右")]
    assert query(db, "SELECT count(*) FROM figure_about") == [(2,)]  # rows that refer to figures survive

    before, _ = upgrade_file(db)
    assert before == "0002"
    assert query(db, "SELECT id, basis, basis_reason FROM figure") == [("hefei-team-size", "stated", None)]
    assert query(db, "PRAGMA foreign_key_check") == []
    engine = sqlite_engine(db)
    with engine.begin() as connection:
        upgrade(connection)  # already at head: nothing to do
    engine.dispose()
