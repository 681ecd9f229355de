"""The package shows its parts, and the layers hold: the record core imports no other
layer; the database and provenance layers import only the core; tools import neither
the command line nor anything above them. Imports inside functions count too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "aijobs"
RANK = {"core": 0, "db": 1, "provenance": 1, "tools": 2, "cli": 3}


def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in ("db", "provenance", "tools"):
        return parts[1]
    if len(parts) > 1 and parts[1] in ("cli", "__main__"):
        return "cli"
    return "core"


def imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "aijobs":
            if node.module == "aijobs":
                found += [f"aijobs.{alias.name}" for alias in node.names]
            else:
                found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.split(".")[0] == "aijobs"]
    return found


def violations() -> list[str]:
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        mine = layer(module)
        for target in imports(path):
            theirs = layer(target)
            sideways = {mine, theirs} == {"db", "provenance"}
            if RANK[theirs] > RANK[mine] or sideways:
                wrong.append(f"{module} ({mine}) imports {target} ({theirs})")
    return wrong


def test_no_layer_imports_a_higher_or_sideways_one() -> None:
    assert violations() == []


def test_the_check_sees_a_violation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "aijobs"
    (fake / "db").mkdir(parents=True)
    (fake / "records.py").write_text("from aijobs.db.tables import EntityRow\n", encoding="utf-8")
    (fake / "db" / "rows.py").write_text("def f():\n    from aijobs.tools import export\n", encoding="utf-8")
    monkeypatch.setattr(f"{__name__}.PACKAGE", fake)
    assert violations() == [
        "aijobs.db.rows (db) imports aijobs.tools (tools)",
        "aijobs.records (core) imports aijobs.db.tables (db)",
    ]


def test_search_on_a_file_loads_no_sqlalchemy(tmp_path: Path) -> None:
    """`aijobs search` on a SQLite file starts fast: SQLAlchemy is for servers and sessions."""
    import subprocess
    import sys

    from aijobs.db.build import build_sqlite
    from aijobs.kb import load

    db = tmp_path / "aijobs.db"
    build_sqlite(load(PACKAGE.parent / "curated"), db)
    script = (
        "import sys\n"
        "from aijobs.db.search import search_file\n"
        f"hits = search_file({str(db)!r}, 'xunlianshi')\n"
        "print(hits[0].entity_id, sorted(m for m in ('sqlalchemy', 'sqlmodel', 'alembic') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.split(maxsplit=1) == ["ai-trainer", "[]\n"]


def test_the_readme_layout_names_every_module() -> None:
    """The README's Layout table names each module (or the folder holding it): a new module is never unexplained."""
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    named = {cell.strip("`") for cell in table.replace(",", " ").split() if cell.startswith("`aijobs/")}
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).as_posix()
        if path.name == "__init__.py" and path.parent != PACKAGE:
            continue  # a subpackage's __init__ is its folder
        if relative not in named and not any(relative.startswith(name) for name in named if name.endswith("/")):
            missing.append(relative)
    assert missing == []
