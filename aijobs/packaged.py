"""The data an installed aijobs carries: the curated records and the database built from them.

A wheel of aijobs includes both (see ``hatch_build.py``), so a developer who runs
``pip install aijobs`` can use the knowledge base without cloning or building anything:

>>> from aijobs.packaged import packaged_database, packaged_curated
>>> kb = aijobs.load(packaged_curated())          # doctest: +SKIP

In a checkout (an editable install) there is no packaged copy: the functions return
None, and commands use the checkout's ``curated/`` and ``aijobs.db``.
"""

from __future__ import annotations

from pathlib import Path

_DATA = Path(__file__).resolve().parent / "_data"


def packaged_database() -> Path | None:
    """The SQLite database shipped inside the installed package, if there is one."""
    path = _DATA / "aijobs.db"
    return path if path.is_file() else None


def packaged_curated() -> Path | None:
    """The curated records shipped inside the installed package, if there are any."""
    path = _DATA / "curated"
    return path if (path / "sources").is_dir() else None
