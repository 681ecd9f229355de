"""Running the Alembic migrations that own the database schema.

The schema is never made with `create_all`: every database file records the Alembic
revision it is at, so `aijobs db upgrade` can bring an old file up to date.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from aijobs.errors import AijobsError


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Leave the FTS5 index (raw SQL in a migration, not a model) out of autogenerate."""
    return not (type_ == "table" and name is not None and name.startswith("search_index"))


def migrations_dir() -> Path:
    """The migrations folder: the repository's in a checkout, the packaged copy in a wheel."""
    package = Path(__file__).resolve().parents[1]  # aijobs/
    for candidate in (package.parent / "migrations", package / "_migrations"):
        if (candidate / "env.py").is_file():
            return candidate
    raise AijobsError("aijobs migrations folder not found; reinstall the package")


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Bring the database on `connection` to `revision` (default: the latest)."""
    command.upgrade(alembic_config(connection), revision)
