"""Datasette in a real browser: search the served database in Chinese, see the row; see a record's evidence."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest

from aijobs import load
from aijobs.db.build import build_sqlite
from aijobs.db.serve import datasette_metadata
from tests.conftest import Workspace

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _need(what: str, available: bool) -> None:
    if not available:
        if os.environ.get("AIJOBS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"AIJOBS_REQUIRE_BROWSER=1 but {what} is missing")
        pytest.skip(f"{what} not available")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _serving(db: Path, temporary: Path | None = None) -> Iterator[str]:
    """`aijobs serve` of `db` as a process (its temporary folder `temporary`), until the block ends."""
    _need("datasette", shutil.which("datasette") is not None or _importable("datasette"))
    port = _free_port()
    env = {**os.environ, "TMPDIR": str(temporary)} if temporary is not None else None
    server = subprocess.Popen(
        [sys.executable, "-m", "aijobs.cli", "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{base}/-/versions.json", timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("datasette did not start within 30 seconds")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def served(workspace: Workspace) -> Iterator[str]:
    db = workspace.root / "aijobs.db"
    build_sqlite(load(workspace.curated), db)
    with _serving(db) as base:
        yield base


def test_serve_passes_its_metadata_and_leaves_no_file(workspace: Workspace) -> None:
    """The metadata reaches Datasette, and no temporary file stays behind: not while serving, not after."""
    db = workspace.root / "aijobs.db"
    build_sqlite(load(workspace.curated), db)
    temporary = workspace.root / "tmp"
    temporary.mkdir()
    with _serving(db, temporary) as base:
        with urllib.request.urlopen(f"{base}/-/metadata.json", timeout=10) as response:
            metadata = json.load(response)
        assert metadata["title"] == datasette_metadata()["title"]
        assert metadata["databases"]["aijobs"]["tables"]["figure"]["facets"]
        assert list(temporary.iterdir()) == []
    assert list(temporary.iterdir()) == []


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def test_metadata_documents_every_column() -> None:
    tables = datasette_metadata()["databases"]["aijobs"]["tables"]
    for name, table in tables.items():
        assert table["description"], name
        assert all(table["columns"].values()), name


def _chromium(profile: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            *arguments,
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )


def _artefacts() -> Path:
    """Where screenshots go: $AIJOBS_ARTEFACTS, else artefacts/ in the repository (git ignores it)."""
    folder = Path(os.environ.get("AIJOBS_ARTEFACTS") or Path(__file__).resolve().parent.parent / "artefacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_search_page_in_chromium(served: str, tmp_path: Path) -> None:
    _need("chromium", CHROMIUM is not None)
    url = f"{served}/aijobs/search_entry?_search={quote('數據標註')}"
    result = _chromium(tmp_path / "profile", "--dump-dom", url)
    dom = result.stdout
    assert "data-tagger" in dom, result.stderr[-2000:]
    assert "数据标注员" in dom
    assert "wang-fang" not in dom


def test_record_page_in_chromium(served: str, tmp_path: Path) -> None:
    """The occupation's page: the quote marked in its paragraph, the other language beside it, the chart."""
    _need("chromium", CHROMIUM is not None)
    url = f"{served}/-/aijobs/record/data-tagger"
    result = _chromium(tmp_path / "profile", "--dump-dom", url)
    dom = " ".join(result.stdout.split())
    assert "In 2020, the ministry <mark>recognised the data tagger</mark> as a new occupation." in dom, result.stderr[
        -2000:
    ]
    assert "“数据标注员”<mark>认定为新职业</mark>" in dom
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="aijobs-chart"' in dom
    assert 'data-figure="hefei-team-size"' in dom
    screenshot = _artefacts() / "record-data-tagger.png"
    screenshot.unlink(missing_ok=True)
    shot = _chromium(tmp_path / "profile-shot", "--window-size=1100,1400", f"--screenshot={screenshot}", url)
    assert screenshot.is_file() and screenshot.stat().st_size > 10_000, shot.stderr[-2000:]
    print(f"screenshot: {screenshot}")
