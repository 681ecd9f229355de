"""Upgrading an existing database file to the latest schema without risking it.

Only an aijobs database is upgraded (`aijobs.db.files.identify`): another program's
file, even one with an Alembic version table, and a file built by a newer aijobs are
refused and left untouched. The file is copied, the copy is migrated (each migration
fills what it adds: 0002 derives the search entries and fills the full-text index),
marked with aijobs's application_id, and the copy replaces the original only if every
step succeeded: a failed upgrade leaves the original as it was. Like a build, it never
writes through a symbolic link and never replaces a read-only file.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from alembic.util import CommandError
from sqlalchemy.exc import SQLAlchemyError

from aijobs.db.engine import sqlite_engine
from aijobs.db.files import (
    APPLICATION_ID,
    check_folders,
    check_target,
    identify,
    newer_message,
    shown,
    sync_folder,
)
from aijobs.db.migrate import current_revision, revisions, upgrade
from aijobs.errors import AijobsError, NotFound


class UpgradeError(AijobsError):
    """The file could not be upgraded; it is left as it was."""


def upgrade_file(path: Path) -> tuple[str | None, str]:
    """Migrate `path` to the head revision; returns (revision before, revision after)."""
    where = shown(path)
    try:
        check_folders(path)
        if check_target(path) is None:
            raise NotFound(f"{where} does not exist")
        identity = identify(path, follow=False)
    except NotFound:
        raise
    except AijobsError as exc:
        raise UpgradeError(exc.message) from None
    except OSError as exc:
        raise UpgradeError(f"cannot read {where}: {exc.strerror or exc}") from None
    if identity.kind == "foreign":
        raise UpgradeError(f"{where} is not an aijobs database ({identity.reason}); refusing to upgrade it")
    if identity.kind == "newer":
        raise UpgradeError(newer_message(path, identity))
    head = revisions()[-1]
    if identity.revision == head and identity.marked:
        return head, head
    try:
        return _upgrade_copy(path)
    except OSError as exc:
        raise UpgradeError(f"cannot upgrade {where}, left unchanged: {exc.strerror or exc}") from exc
    except (SQLAlchemyError, CommandError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise UpgradeError(f"cannot upgrade {where}, left unchanged: {reason}") from exc


def _upgrade_copy(path: Path) -> tuple[str | None, str]:
    folder = path.absolute().parent
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name[:64]}.", suffix=".upgrading", dir=folder)
    os.close(handle)
    temp = Path(temp_name)
    try:
        shutil.copy2(path, temp, follow_symlinks=False)  # keeps the file mode as well as the data
        engine = sqlite_engine(temp)
        try:
            with engine.begin() as connection:
                before = current_revision(connection)
                upgrade(connection)
                connection.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
                after = current_revision(connection) or revisions()[-1]
        finally:
            engine.dispose()
        with temp.open("rb+") as written:
            os.fsync(written.fileno())
        check_target(path)  # still a regular, writable file, not a link put there meanwhile
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    sync_folder(folder)
    return before, after
