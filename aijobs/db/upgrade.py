"""Upgrading an existing database file to the latest schema without risking it.

The file is copied, the copy is migrated, and the copy replaces the original only if
every migration succeeded: a failed upgrade leaves the original as it was.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

from aijobs.db.engine import sqlite_engine
from aijobs.db.migrate import current_revision, head_revision, upgrade


class UpgradeError(Exception):
    pass


def upgrade_file(path: Path) -> tuple[str | None, str]:
    """Migrate `path` to the head revision; returns (revision before, revision after)."""
    if not path.is_file():
        raise UpgradeError(f"{path} does not exist")
    try:
        # A URI built by pathlib: '?', '#' and '%' in the name are escaped, not parsed.
        with sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True) as probe:
            tables = {row[0] for row in probe.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise UpgradeError(f"{path} is not an SQLite database ({exc})") from None
    if tables and "alembic_version" not in tables:
        raise UpgradeError(f"{path} has tables but no alembic_version: it was not built by aijobs")
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".upgrading", dir=path.parent)
    os.close(handle)
    temp = Path(temp_name)
    try:
        shutil.copy2(path, temp)  # keeps the file mode as well as the data
        engine = sqlite_engine(temp)
        try:
            with engine.begin() as connection:
                before = current_revision(connection)
                upgrade(connection)
                after = current_revision(connection) or head_revision()
        finally:
            engine.dispose()
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return before, after
