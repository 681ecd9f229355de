"""JSON Schema files generated from the record models, for editors.

Each curated file starts with a `yaml-language-server` comment pointing at its
schema, so editors with the YAML language server autocomplete fields and flag
mistakes while typing. The schemas are generated, never edited by hand.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from aijobs.errors import AijobsError, NotFound, UsageError
from aijobs.files import FileProblem, read_regular_file
from aijobs.records import RECORD_TYPES
from aijobs.tools.fmt import SCHEMA_FOLDER

_MAX_SCHEMA_BYTES = 10_000_000


def schemas() -> dict[str, str]:
    """{file name: JSON text} for every record type."""
    files = {}
    for model in RECORD_TYPES:
        schema = model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["title"] = f"aijobs {model.kind_name} record"
        files[f"{model.kind_name}.schema.json"] = (
            json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        )
    return files


def schema_folder(curated: Path) -> Path:
    """Where the schemas of `curated` live; raises NotFound if `curated` is not a folder."""
    if not curated.is_dir():
        raise NotFound(
            f"{curated}: curated data folder not found; pass the folder that holds sources/, people/, ... "
            "or run from the repository root"
        )
    return curated / SCHEMA_FOLDER


def stale_schemas(curated: Path) -> list[str]:
    """Schema files that are missing or differ from what the models generate."""
    folder = schema_folder(curated)
    if os.path.islink(folder):  # never read through a linked folder: everything in it is out of date
        return list(schemas())
    return [name for name, text in schemas().items() if _current(folder / name) != text]


def _current(path: Path) -> str | None:
    """A schema file's text (newlines as read_text gives them); None if missing or not a regular file.

    Never follows a link, never waits on a pipe, never reads more than the bound.
    """
    try:
        raw = read_regular_file(path, str(path), _MAX_SCHEMA_BYTES)
    except FileProblem:
        return None
    return raw.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")


def write_schemas(curated: Path) -> list[Path]:
    """Write the schema files into curated/.schema/, each replaced atomically; never through a link."""
    folder = schema_folder(curated)
    for path in (folder, *(folder / name for name in schemas())):
        if path.is_symlink():
            raise AijobsError(f"{path} is a symbolic link; aijobs never writes through one; remove it")
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is not a folder; remove it and run `aijobs schema` again")
    folder.mkdir(exist_ok=True)
    written = []
    for name, text in schemas().items():
        path = folder / name
        handle, temp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
                out.write(text)
            os.chmod(temp_name, 0o666 & ~_umask())
            os.replace(temp_name, path)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        written.append(path)
    return written


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
