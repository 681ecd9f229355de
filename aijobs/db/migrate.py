"""Running the Alembic migrations that own the database schema.

The schema is never made with `create_all`: every database file records the Alembic
revision it is at, so `aijobs db upgrade` can bring an old file up to date.

`revisions` lists the migrations without importing Alembic (reading the revision ids
from the migration files), so commands that only read a database can tell an old, a
current and a newer file apart and still start quickly; a test holds it equal to
Alembic's own walk.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING

from aijobs.errors import AijobsError

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Connection


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


_REVISION = re.compile(r"^revision(?:\s*:[^=\n]*)?\s*=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision(?:\s*:[^=\n]*)?\s*=\s*(?:['\"]([^'\"]+)['\"]|None)", re.MULTILINE)


@functools.cache
def revisions() -> tuple[str, ...]:
    """Every revision this aijobs has, oldest first (the last is the head)."""
    following: dict[str | None, str] = {}
    for script in sorted((migrations_dir() / "versions").glob("*.py")):
        text = script.read_text(encoding="utf-8")
        revision, down = _REVISION.search(text), _DOWN_REVISION.search(text)
        if revision is None or down is None:
            continue
        following[down.group(1)] = revision.group(1)
    chain: list[str] = []
    current = following.get(None)
    while current is not None and current not in chain:
        chain.append(current)
        current = following.get(current)
    return tuple(chain)


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Bring the database on `connection` to `revision` (default: the latest)."""
    from alembic import command

    command.upgrade(alembic_config(connection), revision)
