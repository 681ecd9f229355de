"""Wheel build hook: the wheel carries the data.

A wheel of aijobs includes the curated records (``aijobs/_data/curated``) and the SQLite
database built from them (``aijobs/_data/aijobs.db``), so that ``pip install aijobs`` in
an empty folder is enough to search, show, export and serve the knowledge base (see
``aijobs.packaged``). The database is built here, from the records being packaged, with
the aijobs code being packaged; a record that does not validate fails the wheel build.
Editable installs read the checkout instead and are left alone.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class DataBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        root = Path(self.root)
        curated = root / "curated"
        if not (curated / "sources").is_dir():
            raise RuntimeError(f"cannot build a wheel with data: {curated} has no sources/ folder")
        sys.path.insert(0, str(root))
        try:
            from aijobs.db.build import build_sqlite
            from aijobs.db.dataset import dataset_info
            from aijobs.kb import load

            self._tmp = tempfile.TemporaryDirectory(prefix="aijobs-wheel-")
            database = Path(self._tmp.name).resolve() / "aijobs.db"  # real path: builds never write through links
            # aijobs is not installed in the build environment: the version comes from here.
            build_sqlite(load(curated), database, dataset=dataset_info(curated, version=self.metadata.version))
        finally:
            sys.path.remove(str(root))
        build_data["force_include"][str(database)] = "aijobs/_data/aijobs.db"
        build_data["force_include"][str(curated)] = "aijobs/_data/curated"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        tmp = getattr(self, "_tmp", None)
        if tmp is not None:
            tmp.cleanup()
