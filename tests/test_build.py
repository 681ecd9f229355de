"""The SQLite build: schema from migrations, invariants, atomic replacement."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from aijobs import load
from aijobs.db.build import BuildError, build_sqlite
from aijobs.db.migrate import head_revision, include_object, upgrade
from aijobs.db.tables import metadata
from aijobs.db.upgrade import UpgradeError, upgrade_file
from tests.conftest import Workspace


def query(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()


def test_migrations_match_the_models(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'schema.db'}")
    with engine.begin() as connection:
        upgrade(connection)
        context = MigrationContext.configure(connection, opts={"include_object": include_object})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_build_writes_every_table(workspace: Workspace) -> None:
    db = workspace.root / "kb.db"
    counts = build_sqlite(load(workspace.curated), db)
    assert counts["entity"] == 5
    assert query(db, "SELECT version_num FROM alembic_version") == [(head_revision(),)]
    assert query(db, "SELECT count(*) FROM claim WHERE id NOT IN (SELECT claim_id FROM citation)") == [(0,)]
    assert query(db, "SELECT text FROM label WHERE entity_id = 'data-tagger' AND preferred ORDER BY lang") == [
        ("data tagger",),
        ("数据标注员",),
        ("數據標註員",),
    ]
    assert query(db, "SELECT translation FROM label WHERE text = '數據標註員'") == [(1,)]
    assert query(db, "SELECT status, by_id, date, recognised_as FROM occupation_status") == [
        ("recognised", "ministry", "2020", "occupation")
    ]
    assert query(db, "SELECT person_id, occupation_id, status FROM role") == [("wang-fang", "data-tagger", "current")]
    assert query(db, "SELECT value, unit, approx, as_written FROM figure") == [(40.0, "people", "about", "40人左右")]
    assert query(
        db,
        "SELECT c.paragraph, c.quote, c.parallel_paragraph, c.parallel_quote FROM citation c "
        "JOIN claim k ON k.id = c.claim_id WHERE k.key = 'wang-fang:ages.0'",
    ) == [(4, "Wang Fang, 29", 5, "29岁")]
    assert query(db, "PRAGMA foreign_key_check") == []


def test_built_file_is_readable_like_any_new_file(workspace: Workspace) -> None:
    db = workspace.root / "kb.db"
    build_sqlite(load(workspace.curated), db)
    mask = os.umask(0)
    os.umask(mask)
    assert db.stat().st_mode & 0o777 == 0o666 & ~mask
    db.chmod(0o640)
    build_sqlite(load(workspace.curated), db)
    assert db.stat().st_mode & 0o777 == 0o640  # a rebuild keeps the file's mode


def test_build_is_deterministic(workspace: Workspace) -> None:
    kb = load(workspace.curated)
    first, second = workspace.root / "a.db", workspace.root / "b.db"
    build_sqlite(kb, first)
    build_sqlite(kb, second)
    for table in ("claim", "citation", "label", "role"):
        assert query(first, f"SELECT * FROM {table} ORDER BY id") == query(second, f"SELECT * FROM {table} ORDER BY id")


def test_failed_build_leaves_previous_database(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    db = workspace.root / "kb.db"
    build_sqlite(load(workspace.curated), db)
    before = db.read_bytes()

    def broken(*args: object) -> None:
        raise BuildError("simulated failure half-way")

    monkeypatch.setattr("aijobs.db.build.check_database", broken)
    with pytest.raises(BuildError):
        build_sqlite(load(workspace.curated), db)
    assert db.read_bytes() == before
    assert sorted(p.name for p in workspace.root.iterdir() if p.name.startswith(".kb.db")) == []


def test_reader_keeps_old_data_during_rebuild(workspace: Workspace) -> None:
    db = workspace.root / "kb.db"
    build_sqlite(load(workspace.curated), db)
    reader = sqlite3.connect(db)
    try:
        assert reader.execute("SELECT count(*) FROM figure").fetchone() == (1,)
        (workspace.curated / "figures/hefei-team-size.yaml").unlink()
        build_sqlite(load(workspace.curated), db)
        assert reader.execute("SELECT count(*) FROM figure").fetchone() == (1,)
    finally:
        reader.close()
    assert query(db, "SELECT count(*) FROM figure") == [(0,)]


def test_upgrade_old_database_in_place(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    sqlite3.connect(db).close()  # an empty file: revision "none"
    before, after = upgrade_file(db)
    assert (before, after) == (None, head_revision())
    assert query(db, "SELECT version_num FROM alembic_version") == [(head_revision(),)]
    assert upgrade_file(db) == (head_revision(), head_revision())


def test_upgrade_refuses_foreign_files(tmp_path: Path) -> None:
    foreign = tmp_path / "other.db"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE t (x)")
    before = foreign.read_bytes()
    with pytest.raises(UpgradeError, match="is not an aijobs database"):
        upgrade_file(foreign)
    assert foreign.read_bytes() == before
    text = tmp_path / "notes.db"
    text.write_text("not a database at all, just text " * 100)
    with pytest.raises(UpgradeError, match=r"is not an aijobs database \(not an SQLite file\)"):
        upgrade_file(text)
