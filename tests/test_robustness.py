"""Anything a stranger submits ends in a build or a clean error; a killed build harms nothing."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aijobs import validate
from aijobs.db.build import build_sqlite
from aijobs.kb import KnowledgeBase
from aijobs.tools.synthetic import generate
from tests.conftest import FILES, Workspace

RECORD_FILES = sorted(name for name in FILES if not name.startswith("sources/"))

# Fragments that tend to break YAML or the models in interesting ways.
NASTY = st.sampled_from(
    [
        "\n",
        ": ",
        "- ",
        "{",
        "}",
        "[",
        "]",
        "&a ",
        "*a",
        "!!python/object:os.system ",
        "\t",
        "\u202e",
        "\u200b",
        "\ufeff",
        "null",
        "~",
        "no",
        "1.10",
        "2025-02-30",
        "'",
        '"',
        "#",
        "  ",
        "id: ",
        "cite: []",
        "\x00",
        "\x1b",
        "ｉｄ",
        "---\n",
        "9" * 30,
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    file_index=st.integers(min_value=0, max_value=len(RECORD_FILES) - 1),
    edits=st.lists(
        st.tuples(st.floats(min_value=0, max_value=1), st.integers(0, 5), st.one_of(NASTY, st.text(max_size=8))),
        min_size=1,
        max_size=4,
    ),
)
def test_mutated_records_never_crash(
    workspace: Workspace, file_index: int, edits: list[tuple[float, int, str]]
) -> None:
    relative = RECORD_FILES[file_index]
    path = workspace.curated / relative
    original = path.read_text(encoding="utf-8")
    text = original
    for where, delete, insert in edits:
        position = int(where * len(text))
        text = text[:position] + insert + text[position + delete :]
    try:
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        kb, problems = validate(workspace.curated)
        for problem in problems:
            assert problem.location.path.startswith("curated/")
            assert problem.message
        if not problems:
            build_sqlite(kb, workspace.root / "fuzz.db")
    finally:
        path.write_text(original, encoding="utf-8")


def _build_in_child(curated: Path, db: Path) -> subprocess.Popen[bytes]:
    code = "import sys; from aijobs.cli import app; app(sys.argv[1:])"
    return subprocess.Popen(
        [sys.executable, "-c", code, "build", "--curated", str(curated), "--db", str(db)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _children(pid: int) -> list[int]:
    """The child processes of `pid` (Linux's /proc; none elsewhere)."""
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _assert_gone(pids: list[int], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    alive = pids
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [pid for pid in alive if Path(f"/proc/{pid}").exists() and "Z" not in _state(pid)]
    assert alive == [], f"worker processes {alive} outlived their killed parent"


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "Z"


@pytest.mark.parametrize("delay", [0.0, 0.3, 0.6, 0.9, 1.2, 1.6])
def test_killed_build_leaves_old_database_intact(tmp_path: Path, delay: float) -> None:
    small, large = tmp_path / "small", tmp_path / "large"
    generate(small, 1, corpus=tmp_path / "corpus")
    large_records = generate(large, 15, corpus=tmp_path / "corpus")
    db = tmp_path / "aijobs.db"
    kb, problems = validate(small)
    assert problems == []
    build_sqlite(kb, db)
    before = hashlib.sha256(db.read_bytes()).hexdigest()

    child = _build_in_child(large, db)
    time.sleep(delay)
    workers = _children(child.pid)
    child.send_signal(signal.SIGKILL)
    child.wait()
    _assert_gone(workers)  # worker processes leave with the build they worked for

    after = hashlib.sha256(db.read_bytes()).hexdigest()
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        entities = connection.execute("SELECT count(*) FROM entity").fetchone()[0]
        uncited = connection.execute("SELECT count(*) FROM claim WHERE id NOT IN (SELECT claim_id FROM citation)")
        assert uncited.fetchone() == (0,)
    # Either the old database, byte for byte, or the complete new one (the kill came after
    # the atomic rename); never anything in between.
    if after == before:
        assert entities == len(kb)
    else:
        assert entities == large_records
    if child.returncode == 0:  # a finished build cleans up; a killed one may leave its temporary file
        assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".building")] == []


def _built_over(tmp_path: Path, scale: int) -> tuple[Path, Path]:
    """(a curated folder `scale` times the data, a database already built from a smaller one)."""
    small, large = tmp_path / "small", tmp_path / "large"
    generate(small, 1, corpus=tmp_path / "corpus")
    generate(large, scale, corpus=tmp_path / "corpus")
    db = tmp_path / "aijobs.db"
    build_sqlite(validate(small)[0], db)
    return large, db


def test_reader_during_rebuild_sees_consistent_data(tmp_path: Path) -> None:
    large, db = _built_over(tmp_path, 5)
    reader = sqlite3.connect(db)
    try:
        first = reader.execute("SELECT count(*) FROM claim").fetchone()
        kb: KnowledgeBase = validate(large)[0]
        build_sqlite(kb, db)
        assert reader.execute("SELECT count(*) FROM claim").fetchone() == first
        uncited = "SELECT count(*) FROM claim WHERE id NOT IN (SELECT claim_id FROM citation)"
        assert reader.execute(uncited).fetchone() == (0,)
    finally:
        reader.close()
    with sqlite3.connect(db) as fresh:
        assert fresh.execute("SELECT count(*) FROM claim").fetchone() > first


def _command_in_child(tmp_path: Path, *args: str) -> subprocess.Popen[bytes]:
    code = "import sys; from aijobs.cli import main; sys.argv[0] = 'aijobs'; main()"
    env = {**os.environ, "AIJOBS_CACHE_DIR": str(tmp_path / "cache"), "AIJOBS_WORKERS": "2"}
    return subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )


def _wait_for(found: Callable[[], bool], child: subprocess.Popen[bytes], within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while not found() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert child.poll() is None and found(), "the command ended before it could be terminated"


def test_a_terminated_build_removes_its_temporary_file_and_keeps_the_old_database(tmp_path: Path) -> None:
    """SIGTERM (kill, a process manager) ends a build as Ctrl-C does: one line, exit 143, nothing left."""
    large, db = _built_over(tmp_path, 15)
    before = db.read_bytes()

    child = _command_in_child(tmp_path, "build", "--curated", str(large), "--db", str(db))
    _wait_for(lambda: any(path.name.endswith(".building") for path in tmp_path.iterdir()), child)
    workers = _children(child.pid)
    child.send_signal(signal.SIGTERM)
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == 143
    assert stderr.decode() == "Error: terminated\n"
    assert db.read_bytes() == before
    assert [path.name for path in tmp_path.iterdir() if path.name.endswith(".building")] == []
    _assert_gone(workers)


def test_a_terminated_export_keeps_the_previous_export(tmp_path: Path) -> None:
    small, large = tmp_path / "small", tmp_path / "large"
    generate(small, 1, corpus=tmp_path / "corpus")
    generate(large, 15, corpus=tmp_path / "corpus")
    out = tmp_path / "out"
    assert _command_in_child(tmp_path, "export", "-f", "csv", "--curated", str(small), "--out", str(out)).wait() == 0
    before = {path.name: path.read_bytes() for path in out.iterdir()}

    child = _command_in_child(tmp_path, "export", "-f", "csv", "--curated", str(large), "--out", str(out))
    _wait_for(lambda: len(_children(child.pid)) >= 2, child)  # its workers are reading
    workers = _children(child.pid)
    child.send_signal(signal.SIGTERM)
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == 143
    assert stderr.decode() == "Error: terminated\n"
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before
    _assert_gone(workers)
