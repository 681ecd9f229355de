"""Reading a built database through the table classes: sessions, relationships, refusals."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import InternalError, OperationalError
from sqlmodel import select

from aijobs import load
from aijobs import records as rec
from aijobs.db import open_database, session
from aijobs.db.build import build_server, build_sqlite
from aijobs.db.engine import sqlite_engine
from aijobs.db.mapping import From, Item
from aijobs.db.migrate import upgrade
from aijobs.db.rows import _Plan
from aijobs.db.tables import (
    CitationRow,
    ClaimRow,
    EntityRow,
    FigureAboutRow,
    FigureRow,
    OccupationRow,
    PersonRow,
    SourceRow,
    metadata,
    table_classes,
)
from aijobs.errors import AijobsError, NotFound
from tests.conftest import REPO, Workspace
from tests.test_migrations import URL, needs_postgres, throwaway_database


@pytest.fixture
def built(workspace: Workspace) -> Path:
    db = workspace.root / "kb.db"
    build_sqlite(load(workspace.curated), db)
    return db


def _readme_python_example() -> tuple[str, str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## The database\n", 1)[1].split("\n## ", 1)[0]
    found = re.findall(r"```python\n(.*?)```\n\n```text\n(.*?)```", section, flags=re.DOTALL)
    assert len(found) == 1, "the database section has one Python example with its output"
    code, output = found[0]
    return code, output


def test_readme_python_example_prints_what_the_readme_shows(tmp_path: Path) -> None:
    code, shown = _readme_python_example()
    build_sqlite(load(REPO / "curated"), tmp_path / "aijobs.db")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, encoding="utf-8", timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == shown


def test_relationships_follow_the_foreign_keys(built: Path) -> None:
    with session(built) as db:
        tagger = db.get(OccupationRow, "data-tagger")
        assert tagger is not None
        assert [(s.status, s.by.id if s.by else None, s.claim.key) for s in tagger.statuses] == [
            ("recognised", "ministry", "data-tagger:statuses.0")
        ]
        assert [(r.person.id, r.title) for r in tagger.roles] == [("wang-fang", "team lead")]
        assert [claim.key for claim in tagger.claims][:2] == ["data-tagger:names.0", "data-tagger:names.1"]
        citation = tagger.statuses[0].claim.citations[0]
        assert (citation.source.id, citation.paragraph, citation.parallel_quote) == ("demo-news", 2, "认定为新职业")

        figure = db.get(FigureRow, "hefei-team-size")
        assert figure is not None
        assert [entity.id for entity in figure.about] == ["data-tagger", "wang-fang"]
        assert [claim.property for claim in figure.claims] == ["value"]

        person = db.get(PersonRow, "wang-fang")
        assert person is not None
        assert [(age.years, age.claim.key) for age in person.ages] == [(29, "wang-fang:ages.0")]
        assert [role.occupation.id for role in person.roles if role.occupation] == ["data-tagger"]

        entity = db.get(EntityRow, "wang-fang")
        assert entity is not None
        assert [f.id for f in entity.figures] == ["hefei-team-size"]
        assert {label.text for label in entity.labels} == {"王芳", "Wang Fang"}

        source = db.exec(select(SourceRow)).one()
        assert (source.author, source.publisher) == (None, None)  # 'unknown' is NULL, and no entity
        assert len(source.citations) == len(db.exec(select(CitationRow)).all()) == 11

        claim = db.exec(select(ClaimRow).where(ClaimRow.key == "wang-fang:ages.0")).one()
        assert claim.subject.id == "wang-fang"
        assert [c.quote for c in claim.citations] == ["Wang Fang, 29"]

        about = db.exec(select(FigureRow).join(FigureAboutRow).where(FigureAboutRow.entity_id == "data-tagger")).all()
        assert [f.id for f in about] == ["hefei-team-size"]


def test_session_is_read_only(built: Path) -> None:
    before = built.read_bytes()
    with session(built) as db:
        db.add(OccupationRow(id="intruder"))
        with pytest.raises(OperationalError, match="readonly"):
            db.commit()
    assert built.read_bytes() == before


def test_open_database_takes_any_file_name(built: Path) -> None:
    odd = built.with_name("kb ?#%20.db")
    shutil.copy(built, odd)
    engine = open_database(odd)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM figure")).scalar_one() == 1
    finally:
        engine.dispose()


def test_missing_file_is_refused_and_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.db"
    with pytest.raises(NotFound) as error:
        open_database(missing)
    assert str(error.value) == f"{missing} not found; build it first with `aijobs build --db {missing}`"
    assert not missing.exists()
    with pytest.raises(AijobsError, match="is a folder, not a database file"), session(tmp_path):
        pass


def test_what_is_not_an_aijobs_database_is_refused(tmp_path: Path) -> None:
    text_file = tmp_path / "notes.db"
    text_file.write_text("just text " * 200)
    with pytest.raises(AijobsError, match=r"notes\.db is not an aijobs database \(not an SQLite file\)"):
        open_database(text_file)
    foreign = tmp_path / "other.db"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE t (x)")
    with pytest.raises(AijobsError, match=r"other\.db is not an aijobs database \(application_id 0"):
        open_database(foreign)
    assert text_file.read_text() == "just text " * 200
    with sqlite3.connect(foreign) as connection:
        assert connection.execute("SELECT name FROM sqlite_master").fetchall() == [("t",)]


def test_an_old_schema_is_refused_with_the_fix(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    writer = sqlite_engine(old)
    with writer.begin() as connection:
        upgrade(connection, "0001")
    writer.dispose()
    with pytest.raises(
        AijobsError, match=rf"revision 0001, older than this aijobs \(\w+\); upgrade it with `aijobs db upgrade {old}`"
    ):
        open_database(old)


@needs_postgres
def test_a_server_database_reads_like_a_file(workspace: Workspace) -> None:
    assert URL
    with throwaway_database(URL) as url:
        build_server(load(workspace.curated), url)
        with session(url) as db:
            figure = db.get(FigureRow, "hefei-team-size")
            assert figure is not None
            assert [entity.id for entity in figure.about] == ["data-tagger", "wang-fang"]
            db.add(OccupationRow(id="intruder"))
            with pytest.raises(InternalError, match="read-only transaction"):
                db.commit()


def test_an_unreachable_server_is_one_line_without_the_password() -> None:
    with pytest.raises(AijobsError) as error:
        open_database("postgresql://someone:s3cret@127.0.0.1:1/nothing")
    assert "s3cret" not in str(error.value)
    assert "\n" not in str(error.value)


def test_every_column_has_documentation_and_a_comment() -> None:
    for model in table_classes():
        table = metadata.tables[str(model.__tablename__)]
        assert table.comment, model.__name__
        for column in table.columns:
            assert column.comment, f"{table.name}.{column.name}"
            assert column.comment == model.model_fields[column.name].description


def test_rows_from_names_only_real_columns() -> None:
    with pytest.raises(TypeError, match=r"FigureRow.rows_from names columns it does not have: \['mesure'\]"):
        _Plan(FigureRow, From(rec.Figure, columns={"mesure": "measure"}))


def test_a_column_without_a_source_is_a_clear_error(workspace: Workspace) -> None:
    plan = _Plan(FigureRow, From(rec.Occupation))
    occupation = load(workspace.curated).get("data-tagger")
    item = Item(occupation, occupation, "x.yaml", occupation.id, (), None, None, {})
    with pytest.raises(TypeError, match=r"table figure: Occupation has no field .measure.; map the column"):
        plan.row(item)
