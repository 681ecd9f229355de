"""The wheel carries the data: installed in a fresh virtual environment, in an empty
folder far from any checkout, aijobs answers questions with no clone and no build."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"{args} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(bin folder of a fresh venv with the wheel installed, an empty working folder)."""
    base = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(base / "dist"), str(ROOT)], cwd=base)
    (wheel,) = (base / "dist").glob("aijobs-*.whl")
    venv.create(base / "venv", with_pip=True)
    bin_dir = base / "venv" / "bin"
    _run([str(bin_dir / "python"), "-m", "pip", "install", "-q", str(wheel)], cwd=base)
    empty = base / "empty"
    empty.mkdir()
    return bin_dir, empty


def test_commands_work_in_an_empty_folder(installed: tuple[Path, Path]) -> None:
    bin_dir, empty = installed
    aijobs = str(bin_dir / "aijobs")
    assert _run([aijobs, "--version"], empty).stdout.startswith("aijobs ")
    assert "ai-trainer" in _run([aijobs, "search", "训练师"], empty).stdout
    assert "人工智能训练师" in _run([aijobs, "show", "ai-trainer"], empty).stdout
    assert "all valid" in _run([aijobs, "validate"], empty).stdout
    out = empty.parent / "export"
    _run([aijobs, "export", "--format", "json", "--out", str(out)], empty)
    assert any(out.iterdir())
    assert list(empty.iterdir()) == []


def test_library_loads_the_packaged_records_and_database(installed: tuple[Path, Path]) -> None:
    bin_dir, empty = installed
    script = (
        "import sqlite3, aijobs\n"
        "from aijobs.packaged import packaged_database\n"
        "kb = aijobs.load()\n"
        "n = sqlite3.connect(packaged_database()).execute('select count(*) from entity').fetchone()[0]\n"
        "print(len(kb), n, kb.get('ai-trainer').preferred_names()['zh-Hans'])\n"
    )
    records, entities, name = _run([str(bin_dir / "python"), "-c", script], empty).stdout.split()
    assert int(records) == int(entities) > 100
    assert name == "人工智能训练师"


@pytest.mark.parametrize(
    "args",
    [["new", "person", "someone", "--name", "X", "--lang", "en", "--cite", "a:1:X"], ["schema"], ["fmt"]],
    ids=["new", "schema", "fmt"],
)
def test_editing_commands_refuse_outside_a_knowledge_base(installed: tuple[Path, Path], args: list[str]) -> None:
    bin_dir, empty = installed
    result = _run([str(bin_dir / "aijobs"), *args], empty, check=False)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:") and "curated" in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert list(empty.iterdir()) == [], "an editing command created files outside a knowledge base"
