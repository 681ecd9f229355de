"""The record cache (aijobs.cache, aijobs.scan): a cached run reports exactly what a cold run reports.

Every comparison runs `aijobs validate` with the cache (warm), with --no-cache, and
`aijobs.kb.validate` (the library, which never uses the cache), and checks that the warm
run did take the unchanged files from the cache, so that a test cannot pass by reading
everything again.

A file's status is trusted only when it was taken `RACY_SECONDS` after the file's last
change; the files of a test are seconds old, so most tests move the clock the scan reads
(`later`) as if the run started a minute after the edits. The racy rule itself is tested
with the real clock.
"""

from __future__ import annotations

import concurrent.futures
import marshal
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import aijobs.cache
import aijobs.db.build
import aijobs.scan
from aijobs.cache import FILE_NAME, RecordCache, _sealed, open_cache, status_of
from aijobs.cli import app
from aijobs.kb import validate
from aijobs.loader import FileOutcome, Listing, RecordFile
from aijobs.problems import Problem, format_problems
from aijobs.scan import scan
from aijobs.tools.synthetic import generate
from tests.conftest import FIGURE, MINISTRY, Workspace

runner = CliRunner()
MINUTE_NS = 60 * 10**9


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def run(*args: str, env: dict[str, str] | None = None) -> Run:
    result = runner.invoke(app, list(args), env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Run(result.exit_code, result.stdout, result.stderr)


def cache_file() -> Path:
    return Path(os.environ["AIJOBS_CACHE_DIR"]) / FILE_NAME


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> None:
    """Statuses are taken as if the run started a minute after the files were last changed."""
    monkeypatch.setattr(aijobs.scan, "time_ns", lambda: time.time_ns() + MINUTE_NS)


def library_problems(root: Path) -> list[Problem]:
    return validate(root)[1]


def report(problems: list[Problem]) -> str:
    """What `aijobs validate` prints for these problems."""
    files = len({problem.location.path for problem in problems})
    return f"{format_problems(problems)}\nvalidate: {len(problems)} problem(s) in {files} file(s)\n"


def check_same(target: str, root: Path, hits: int | None = None) -> Run:
    """`aijobs validate target` warm, with --no-cache and through the library: exactly the same report.

    `hits`: how many files the cached scan must take from the cache (the unchanged ones).
    """
    expected = library_problems(root)
    cache = open_cache()
    assert cache is not None and cache.unusable is None
    try:
        scanned = scan(root, cache)
    finally:
        cache.close()
    assert scanned.problems == expected
    if hits is not None:
        assert scanned.cached == hits
    warm = run("validate", target)
    cold = run("validate", target, "--no-cache")
    assert warm == cold
    if expected:
        assert warm.code == 1
        assert warm.out == report(expected)
        assert warm.err == ""
    else:
        assert warm.code == 0
        assert warm.out.endswith("all valid\n") and warm.err == ""
    return warm


# --- 1. warm equals cold, on the fixture ---------------------------------------------------------

Edit = Callable[[Workspace], None]


def _delete_referenced(space: Workspace) -> None:
    (space.curated / "occupations/data-tagger.yaml").unlink()  # wang-fang and the figure point at it


def _rename_referenced(space: Workspace) -> None:
    (space.curated / "companies/ministry.yaml").unlink()  # data-tagger's status is by ministry
    space.write("companies/agency.yaml", MINISTRY.replace("id: ministry", "id: agency"))


def _rename_file_only(space: Workspace) -> None:
    (space.curated / "companies/ministry.yaml").rename(space.curated / "companies/bureau.yaml")


def _duplicate_id(space: Workspace) -> None:
    space.write("companies/wang-fang.yaml", MINISTRY.replace("id: ministry", "id: wang-fang"))


def _duplicate_name(space: Workspace) -> None:
    space.write("companies/bureau.yaml", MINISTRY.replace("id: ministry", "id: bureau"))


def _duplicate_figure(space: Workspace) -> None:
    space.write("figures/team-size-again.yaml", FIGURE.replace("id: hefei-team-size", "id: team-size-again"))


def _break_referenced(space: Workspace) -> None:
    space.replace("occupations/data-tagger.yaml", "date: 2020", "date: someday")


def _to_symlink(space: Workspace) -> None:
    path = space.curated / "people/wang-fang.yaml"
    copy = space.root / "elsewhere.yaml"
    shutil.copyfile(path, copy)
    path.unlink()
    path.symlink_to(copy)


def _to_fifo(space: Workspace) -> None:
    path = space.curated / "people/wang-fang.yaml"
    path.unlink()
    os.mkfifo(path)


EDITS: dict[str, tuple[Edit, int]] = {
    # name: (edit, files the cache must serve afterwards)
    "delete-referenced": (_delete_referenced, 4),
    "rename-referenced": (_rename_referenced, 4),
    "rename-file-only": (_rename_file_only, 4),
    "duplicate-id": (_duplicate_id, 5),
    "duplicate-name": (_duplicate_name, 5),
    "duplicate-figure": (_duplicate_figure, 5),
    "break-referenced": (_break_referenced, 4),
    "symlink": (_to_symlink, 4),
    "fifo": (_to_fifo, 4),
}


def commit_all(folder: Path) -> None:
    """Make `folder` a git repository holding every file (so a new file is the newer one)."""
    for command in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "base"],
    ):
        subprocess.run(["git", "-C", str(folder), *command], check=True, capture_output=True)


@pytest.mark.parametrize("name", sorted(EDITS))
@pytest.mark.usefixtures("later")
def test_warm_run_reports_what_a_cold_run_reports(workspace: Workspace, name: str) -> None:
    commit_all(workspace.root)
    edit, hits = EDITS[name]
    first = check_same("curated", workspace.curated)
    assert first.code == 0
    edit(workspace)
    result = check_same("curated", workspace.curated, hits)
    assert result.code == 1
    assert "Traceback" not in result.out + result.err


@pytest.mark.usefixtures("later")
def test_unchanged_file_gets_its_dangling_reference_from_the_cache(workspace: Workspace) -> None:
    check_same("curated", workspace.curated)
    _delete_referenced(workspace)
    result = check_same("curated", workspace.curated, hits=4)
    assert "curated/people/wang-fang.yaml:" in result.out
    assert "data-tagger" in result.out


@pytest.mark.usefixtures("later")
def test_duplicates_land_on_the_new_file(workspace: Workspace) -> None:
    commit_all(workspace.root)
    check_same("curated", workspace.curated)
    _duplicate_id(workspace)
    _duplicate_name(workspace)
    _duplicate_figure(workspace)
    result = check_same("curated", workspace.curated, hits=5)
    *lines, summary = result.out.splitlines()
    assert summary == "validate: 8 problem(s) in 3 file(s)"
    new = (
        "curated/companies/bureau.yaml:",
        "curated/companies/wang-fang.yaml:",
        "curated/figures/team-size-again.yaml:",
    )
    assert {line.split(":")[0] + ":" for line in lines} == set(new)  # never on the committed originals


@pytest.mark.usefixtures("later")
def test_fixing_an_error(workspace: Workspace) -> None:
    workspace.replace("people/wang-fang.yaml", "years: 29", "years: old")
    assert check_same("curated", workspace.curated).code == 1
    workspace.replace("people/wang-fang.yaml", "years: old", "years: 29")
    assert check_same("curated", workspace.curated, hits=4).code == 0
    # and breaking it again (the earlier outcome of these very bytes is in the cache)
    workspace.replace("people/wang-fang.yaml", "years: 29", "years: old")
    assert check_same("curated", workspace.curated, hits=4).code == 1  # a new status: read again


def _cache_rows() -> dict[str, int]:
    with sqlite3.connect(cache_file()) as connection:
        return {
            table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("outcome", "derived", "status")
        }


@pytest.mark.usefixtures("later")
def test_outcomes_no_file_has_any_more_are_forgotten(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a full run or a build, what files were before their edits is pruned; the rest stays and serves."""
    from aijobs.db.rows import record_rows

    monkeypatch.setattr(aijobs.cache, "PRUNE_FROM", 0)
    monkeypatch.setattr(aijobs.cache, "PRUNE_SLACK", 0.0)

    def build_scan(hits: int) -> None:  # a build (rows derived) always checks in full
        cache = open_cache()
        assert cache is not None
        try:
            assert scan(workspace.curated, cache, derive=record_rows).cached == hits
        finally:
            cache.close()

    build_scan(hits=0)
    assert _cache_rows() == {"outcome": 5, "derived": 5, "status": 5}
    for years in ("30", "31", "32"):
        workspace.replace("people/wang-fang.yaml", "years: 29", f"years: {years}")
        build_scan(hits=4)
        assert _cache_rows() == {"outcome": 5, "derived": 5, "status": 5}  # not 6, 7, 8
        workspace.replace("people/wang-fang.yaml", f"years: {years}", "years: 29")
        build_scan(hits=4)  # the first bytes again: read again, their outcome was forgotten
    (workspace.curated / "figures/hefei-team-size.yaml").unlink()
    build_scan(hits=4)
    assert _cache_rows() == {"outcome": 5, "derived": 5, "status": 5}  # a deleted file's status stays
    build_scan(hits=4)


def test_a_cache_of_an_older_layout_is_made_again(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An older aijobs's cache (its mark, no layout number, tables keyed another way) is emptied, then used."""
    monkeypatch.setenv("AIJOBS_CACHE_DIR", str(tmp_path / "cache"))
    path = cache_file()
    path.parent.mkdir(mode=0o700)
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA application_id = {aijobs.cache.APPLICATION_ID}")
        connection.execute("CREATE TABLE outcome (key BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID")
        connection.execute("INSERT INTO outcome VALUES (x'00', x'00')")
    path.chmod(0o600)
    assert run("validate", "curated").code == 0
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == aijobs.cache.FORMAT
        assert connection.execute("SELECT count(*) FROM outcome WHERE key = x'00'").fetchone()[0] == 0
        layout = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'outcome'").fetchone()[0]
    assert "WITHOUT ROWID" not in layout
    assert _cache_rows()["outcome"] == 5
    cache = open_cache()
    assert cache is not None and cache.unusable is None
    cache.close()


def test_pruning_waits_until_it_is_worth_it(workspace: Workspace) -> None:
    cache = open_cache()
    assert cache is not None and cache.connection is not None
    try:
        scan(workspace.curated, cache)
        with cache.connection:
            cache.connection.execute("DELETE FROM status")  # every outcome unreferenced, but only 5
        assert cache.prune() == 0
        assert _cache_rows()["outcome"] == 5
    finally:
        cache.close()


@pytest.mark.usefixtures("later")
def test_another_working_directory_shows_its_own_paths(workspace: Workspace) -> None:
    workspace.replace("people/wang-fang.yaml", "years: 29", "years: old")
    here = check_same("curated", workspace.curated)
    assert here.out.startswith("curated/people/wang-fang.yaml:12:12:")
    os.chdir(workspace.curated / "people")
    inside = check_same("..", Path(".."), hits=0)  # shown differently: nothing may come from the cache
    assert inside.out.startswith(f"..{os.sep}people{os.sep}wang-fang.yaml:12:12:")
    os.chdir(workspace.root.parent)
    absolute = check_same(str(workspace.curated), workspace.curated, hits=0)
    assert absolute.out.startswith(f"{workspace.root.name}/curated/people/wang-fang.yaml:12:12:")
    os.chdir(workspace.root)
    assert check_same("curated", workspace.curated, hits=5) == here


# --- the status shortcut: same-size edits with the old modification time ----------------------


def _same_size_edit(path: Path, old: bytes, new: bytes) -> None:
    """Replace `old` by `new` (same length) in place and put the old modification time back."""
    assert len(old) == len(new)
    before = os.stat(path)
    data = path.read_bytes()
    assert old in data
    with path.open("r+b") as handle:
        handle.write(data.replace(old, new, 1))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(path)
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)


@pytest.mark.usefixtures("later")
def test_same_size_edit_with_the_old_mtime_after_the_status_was_recorded(workspace: Workspace) -> None:
    """The status was recorded (settled); size and mtime are put back: the change time gives it away.

    utime cannot set the change time, and every write sets it, so the status differs and
    the file is read again. This is what keeps the shortcut correct on a same-size edit.
    """
    path = workspace.curated / "people/wang-fang.yaml"
    check_same("curated", workspace.curated)
    assert check_same("curated", workspace.curated, hits=5).code == 0  # the status is recorded
    recorded = status_of(os.lstat(path))
    time.sleep(0.05)  # past the file system's timestamp tick (not a timing assertion)
    _same_size_edit(path, b"years: 29", b"years: xx")
    now = status_of(os.lstat(path))
    assert now[:4] == recorded[:4]  # device, inode, size, mtime: all as recorded
    assert now[4] != recorded[4]  # only the change time moved
    result = check_same("curated", workspace.curated, hits=4)
    assert "curated/people/wang-fang.yaml:12:12: ages.0.years:" in result.out


def _coarse_status(monkeypatch: pytest.MonkeyPatch) -> None:
    """Statuses as a file system with coarse timestamps gives them: two changes within one tick
    leave the same times (here: the change time is the restored modification time)."""

    def status(path: str) -> aijobs.cache.Status | None:
        try:
            info = os.lstat(path)
        except OSError:
            return None
        return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_mtime_ns)

    def statuses(listing: Listing, workers: int = 1) -> list[aijobs.cache.Status | None]:
        return [status(path) for path in listing.paths]

    monkeypatch.setattr(aijobs.scan, "_statuses", statuses)


def _scan_problems(root: Path) -> list[Problem]:
    cache = open_cache()
    assert cache is not None
    try:
        return scan(root, cache).problems
    finally:
        cache.close()


def _recorded_paths() -> list[str]:
    with sqlite3.connect(cache_file()) as connection:
        return [row[0] for row in connection.execute("SELECT path FROM status")]


def test_racy_status_is_not_trusted(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """A status taken within RACY_SECONDS of the file's change is never recorded (real clock)."""
    _coarse_status(monkeypatch)
    path = workspace.curated / "people/wang-fang.yaml"
    assert _scan_problems(workspace.curated) == [] == library_problems(workspace.curated)
    assert _recorded_paths() == []  # every file changed less than RACY_SECONDS ago
    _same_size_edit(path, b"years: 29", b"years: xx")
    expected = library_problems(workspace.curated)
    assert expected and _scan_problems(workspace.curated) == expected


def test_racy_status_stays_racy_however_long_the_run(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """A status taken while the file was racy is not recorded even if the run ends much later.

    The file is changed again during the run, in the same timestamp tick (coarse statuses),
    after it was read: recording the status taken before with the key of what was read
    would make the next run trust an outcome of bytes that are no longer there.
    """
    _coarse_status(monkeypatch)
    path = workspace.curated / "people/wang-fang.yaml"
    real = time.time_ns

    def sink(file: RecordFile, _outcome: FileOutcome) -> None:
        if file.path == path:
            _same_size_edit(path, b"years: 29", b"years: xx")
            monkeypatch.setattr(time, "time_ns", lambda: real() + MINUTE_NS)  # the run goes on for a minute

    cache = open_cache()
    assert cache is not None
    try:
        assert scan(workspace.curated, cache, sink=sink).problems == []
    finally:
        cache.close()
    monkeypatch.setattr(time, "time_ns", real)
    expected = library_problems(workspace.curated)
    assert expected and _scan_problems(workspace.curated) == expected


# --- 1. warm equals cold, on synthetic data --------------------------------------------------------


@pytest.fixture
def synthetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "curated"
    generate(root, 1)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AIJOBS_CORPUS", str(tmp_path / "corpus"))
    return root


@pytest.mark.usefixtures("later")
def test_synthetic_warm_equals_cold(synthetic: Path) -> None:
    files = len(list(synthetic.rglob("*.yaml")))
    assert check_same("curated", synthetic).code == 0
    assert check_same("curated", synthetic, hits=files).code == 0
    (synthetic / "occupations/occupation-3.yaml").unlink()  # occupation-4 evolved from it
    text = (synthetic / "people/person-2.yaml").read_text(encoding="utf-8")
    (synthetic / "people/person-2.yaml").write_text(text.replace("years:", "yeers:"), encoding="utf-8")
    company = (synthetic / "companies/company-1.yaml").read_text(encoding="utf-8")
    (synthetic / "companies/company-copy.yaml").write_text(
        company.replace("id: company-1", "id: company-copy"), encoding="utf-8"
    )
    result = check_same("curated", synthetic, hits=files - 2)
    assert "curated/occupations/occupation-4.yaml:" in result.out
    (synthetic / "people/person-2.yaml").write_text(text, encoding="utf-8")
    (synthetic / "companies/company-copy.yaml").unlink()
    check_same("curated", synthetic, hits=files - 2)


# --- 2. parallel equals serial ---------------------------------------------------------------------


class _CountingPool(concurrent.futures.ProcessPoolExecutor):
    started = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        type(self).started += 1
        super().__init__(*args, **kwargs)


@pytest.fixture
def large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A synthetic knowledge base with enough files for worker processes, and a few broken ones."""
    root = tmp_path / "curated"
    generate(root, 3)
    assert len(list(root.rglob("*.yaml"))) >= aijobs.scan.PARALLEL_FROM
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AIJOBS_CORPUS", str(tmp_path / "corpus"))
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", _CountingPool)
    _CountingPool.started = 0
    return root


def test_no_workers_are_forked_beside_other_threads(large: Path) -> None:
    """Forking while another thread runs can hang a worker: such a process reads the files itself."""
    import threading

    expected = aijobs.scan.scan(large, workers=1).problems
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        problems = aijobs.scan.scan(large, workers=2).problems
    finally:
        release.set()
        other.join()
    assert _CountingPool.started == 0
    assert problems == expected
    aijobs.scan.scan(large, workers=2)
    assert _CountingPool.started == 1  # alone again, it forks


def test_workers_start_before_the_first_result_is_asked_for(large: Path) -> None:
    """The build opens its database while the workers read: they must be at work already."""
    import multiprocessing

    from aijobs.loader import list_directory

    files = list_directory(large).files
    pool, fresh = aijobs.scan._reader(files, None, 2)
    try:
        assert pool is not None
        deadline = time.monotonic() + 30
        while len(multiprocessing.active_children()) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)  # nothing asked of `fresh` yet
        assert len(multiprocessing.active_children()) == 2
        read = [(key, status, marshal.loads(packed)) for key, status, packed, _ in fresh]
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    _, serial = aijobs.scan._reader(files, None, 1)
    assert read == [(key, status, marshal.loads(packed)) for key, status, packed, _ in serial]


def test_workers_leave_ctrl_c_to_the_main_process(large: Path) -> None:
    """Ctrl-C reaches the whole process group: a worker ignores it (the main process stops the pool
    and says so in one line; a worker that took it would print a traceback of its own)."""
    import multiprocessing
    import signal

    from aijobs.loader import list_directory

    files = list_directory(large).files
    pool, fresh = aijobs.scan._reader(files, None, 2)
    try:
        read = [next(fresh), next(fresh)]  # the second from a worker: the workers are set up
        for worker in multiprocessing.active_children():
            assert worker.pid is not None
            os.kill(worker.pid, signal.SIGINT)
        try:
            read += list(fresh)
        except KeyboardInterrupt:  # the worker's, sent back with its chunk
            pytest.fail("a worker took the Ctrl-C")
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    assert len(read) == len(files)


def test_a_build_refused_its_target_reads_nothing(large: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The target is checked before the workers start, and nothing is made beside it."""
    from aijobs.db.build import NotOurs, build_sqlite_from

    target = large.parent / "notes.db"
    target.write_text("my notes\n", encoding="utf-8")
    monkeypatch.setattr(aijobs.db.build, "scan", lambda *args, **kwargs: pytest.fail("read before the check"))
    with pytest.raises(NotOurs, match=r"notes\.db is not an aijobs database"):
        build_sqlite_from(large, target)
    assert target.read_text(encoding="utf-8") == "my notes\n"
    assert sorted(path.name for path in large.parent.iterdir()) == ["corpus", "curated", "notes.db"]


def _break_some(root: Path) -> None:
    (root / "occupations/occupation-7.yaml").unlink()
    for name in ("people/person-5.yaml", "figures/figure-40.yaml", "companies/company-30.yaml"):
        path = root / name
        path.write_text(path.read_text(encoding="utf-8").replace("cite:", "cyte:", 1), encoding="utf-8")
    (root / "occupations/occupation-90.yaml").write_text("id: [unclosed\n", encoding="utf-8")


def _workers(count: str) -> dict[str, str]:
    return {"AIJOBS_WORKERS": count}


def test_parallel_validate_equals_serial(large: Path) -> None:
    _break_some(large)
    serial = run("validate", "curated", "--no-cache", env=_workers("1"))
    assert _CountingPool.started == 0
    parallel = run("validate", "curated", "--no-cache", env=_workers("2"))
    assert _CountingPool.started == 1
    assert serial == parallel
    assert serial.code == 1 and serial.out == report(library_problems(large))
    assert "curated/occupations/occupation-8.yaml:" in serial.out  # evolved from the deleted one
    cold_cached = run("validate", "curated", env=_workers("2"))  # reads with workers, fills the cache
    assert cold_cached == serial


def table_rows(database: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (and the schema), in rowid order where there is one."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        tables = [
            name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        ]
        rows: dict[str, list[tuple[Any, ...]]] = {
            "sqlite_master": connection.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
        }
        for table in tables:
            rows[table] = connection.execute(f'SELECT * FROM "{table}"').fetchall()
        return rows
    finally:
        connection.close()


def assert_same_database(one: Path, other: Path) -> None:
    assert table_rows(one) == table_rows(other)
    assert one.read_bytes() == other.read_bytes()


def test_parallel_build_equals_serial(large: Path) -> None:
    serial = run("build", "-c", "curated", "--db", "serial.db", "--no-cache", env=_workers("1"))
    assert serial.code == 0, serial.err
    assert _CountingPool.started == 0
    parallel = run("build", "-c", "curated", "--db", "parallel.db", "--no-cache", env=_workers("2"))
    assert _CountingPool.started == 1
    assert parallel.out == serial.out.replace("serial.db", "parallel.db")
    assert_same_database(Path("serial.db"), Path("parallel.db"))
    assert table_rows(Path("serial.db"))["claim"]


def test_parallel_build_with_errors_equals_validate(large: Path) -> None:
    _break_some(large)
    expected = report(library_problems(large))
    for workers in ("1", "2"):
        result = run("build", "-c", "curated", "--db", "out.db", "--no-cache", env=_workers(workers))
        assert (result.code, result.out) == (1, expected)
        assert not list(Path().glob("*out.db*"))


@pytest.mark.parametrize("value", ["0", "abc", "999", "-1", "2.5"])
@pytest.mark.parametrize("command", [["validate", "curated"], ["build", "-c", "curated", "--db", "x.db"]])
def test_bad_worker_count_is_a_usage_error(workspace: Workspace, value: str, command: list[str]) -> None:
    result = run(*command, env=_workers(value))
    assert result.code == 2
    assert result.out == ""
    assert result.err == f"Error: AIJOBS_WORKERS={value!r}: expected a whole number from 1 to 256\n"
    assert not Path("x.db").exists()


# --- 3. the streaming build equals the library build -----------------------------------------------


def _library_build(root: Path, target: Path) -> None:
    from aijobs.db.build import build_sqlite
    from aijobs.kb import load

    build_sqlite(load(root), target)


@pytest.mark.usefixtures("later")
@pytest.mark.parametrize("kind", ["fixture", "synthetic"])
def test_streaming_build_equals_library_build(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    root = request.getfixturevalue("workspace").curated if kind == "fixture" else request.getfixturevalue("synthetic")
    _library_build(Path("curated"), tmp_path / "library.db")
    for name in ("cold.db", "warm.db", "no-cache.db"):
        extra = ["--no-cache"] if name == "no-cache.db" else []
        result = run("build", "-c", "curated", "--db", str(tmp_path / name), *extra)
        assert result.code == 0, result.err
        assert_same_database(tmp_path / "library.db", tmp_path / name)
    # every record's rows came from the cache on the warm build: its keys are all there
    with sqlite3.connect(cache_file()) as connection:
        derived = connection.execute("SELECT count(*) FROM derived").fetchone()[0]
    assert derived == len(list(root.rglob("*.yaml")))
    cache = open_cache()
    assert cache is not None
    from aijobs.db.rows import record_rows

    try:
        assert scan(root, cache, derive=record_rows).cached == derived
    finally:
        cache.close()


@pytest.mark.usefixtures("later")
def test_invalid_build_changes_nothing(workspace: Workspace) -> None:
    assert run("build", "-c", "curated", "--db", "kb.db").code == 0
    before = Path("kb.db").read_bytes()
    entries = sorted(os.listdir("."))
    workspace.replace("people/wang-fang.yaml", "years: 29", "years: old")
    _delete_referenced(workspace)
    expected = run("validate", "curated", "--no-cache")
    for extra in ([], ["--no-cache"]):
        result = run("build", "-c", "curated", "--db", "kb.db", *extra)
        assert (result.code, result.out, result.err) == (1, expected.out, expected.err)
        assert Path("kb.db").read_bytes() == before
        assert sorted(os.listdir(".")) == entries  # no temporary file left


# --- 4. a hostile cache ----------------------------------------------------------------------------


@pytest.fixture
def broken(workspace: Workspace) -> Workspace:
    """The fixture with one error, so every report has something in it."""
    workspace.replace("people/wang-fang.yaml", "years: 29", "years: old")
    return workspace


def hostile_run(where: Path, note: str | None, monkeypatch: pytest.MonkeyPatch) -> Run:
    """validate with AIJOBS_CACHE_DIR=`where`: the right report, and one note naming `note` (or none)."""
    expected = run("validate", "curated", "--no-cache")
    assert expected.code == 1 and expected.err == ""
    monkeypatch.setenv("AIJOBS_CACHE_DIR", str(where))
    for _ in range(2):  # the second run finds what the first left
        result = run("validate", "curated")
        assert (result.code, result.out) == (expected.code, expected.out)
        if note is None:
            assert result.err == ""
        else:
            assert result.err.startswith("note: ") and result.err.count("\n") == 1
            assert note in result.err
    return result


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every entry under `folder` (not following links): its bytes, or what it is."""
    found: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        info = os.lstat(path)
        if stat.S_ISREG(info.st_mode):
            found[str(path)] = path.read_bytes()
        elif stat.S_ISLNK(info.st_mode):
            found[str(path)] = "link to " + os.readlink(path)
        else:
            found[str(path)] = oct(info.st_mode)
    return found


def test_cache_folder_is_a_symlink(broken: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = tmp_path / "real-cache"
    real.mkdir(mode=0o700)
    link = tmp_path / "cache-link"
    link.symlink_to(real)
    hostile_run(link, f"{link} is a symbolic link", monkeypatch)
    assert list(real.iterdir()) == []


def test_cache_folder_is_a_file(broken: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "cache-file"
    path.write_bytes(b"my notes\n")
    hostile_run(path, f"cache {path / FILE_NAME} cannot be used", monkeypatch)
    assert path.read_bytes() == b"my notes\n"


def test_cache_folder_writable_by_others(broken: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o777)
    hostile_run(folder, f"{folder} is writable by other users", monkeypatch)
    assert list(folder.iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="only root can give a folder away")
def test_cache_folder_of_another_user(broken: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "theirs"
    folder.mkdir(mode=0o700)
    os.chown(folder, 65534, 65534)
    hostile_run(folder, f"{folder} belongs to another user", monkeypatch)
    assert list(folder.iterdir()) == []


def test_cache_of_another_user_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without root: the same refusal, seen from a process whose user is not the owner."""
    folder = tmp_path / "theirs"
    folder.mkdir(mode=0o700)
    monkeypatch.setattr(os, "getuid", lambda: os.stat(folder).st_uid + 1)
    cache = RecordCache(folder)
    assert cache.unusable == f"{folder} belongs to another user; the cache is not used"
    assert cache.connection is None and list(folder.iterdir()) == []
    cache.put([(b"k" * 16, marshal.dumps(((), None, (), 0)), None)], [])  # every method is safe on an unusable cache
    assert cache.get([b"k" * 16]) == {} and cache.known_keys() == {}
    assert list(folder.iterdir()) == []


def _foreign_database(path: Path, application_id: int, table: bool) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA application_id = {application_id}")
        if table:
            connection.execute("CREATE TABLE notes (text TEXT)")
            connection.execute("INSERT INTO notes VALUES ('keep me')")
    connection.close()


def _shared_file(path: Path) -> None:
    path.write_bytes(b"")
    path.chmod(0o666)


CACHE_FILES: dict[str, tuple[Callable[[Path], object], str]] = {
    "garbage": (lambda path: path.write_bytes(os.urandom(16) + b"not sqlite" * 500), "cannot be used"),
    "other-application": (lambda path: _foreign_database(path, 0x12345678, True), "is not an aijobs cache"),
    "other-application-no-table": (lambda path: _foreign_database(path, 0x12345678, False), "is not an aijobs cache"),
    "unmarked-with-tables": (lambda path: _foreign_database(path, 0, True), "is not an aijobs cache"),
    "folder": (lambda path: path.mkdir(), "is not a regular file"),
    "fifo": (lambda path: os.mkfifo(path), "is not a regular file"),
    "writable-by-others": (_shared_file, "writable by other"),
}


@pytest.mark.parametrize("name", sorted(CACHE_FILES))
def test_cache_file_not_ours(broken: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    make, note = CACHE_FILES[name]
    make(folder / FILE_NAME)
    before = snapshot(folder)
    hostile_run(folder, note, monkeypatch)
    assert snapshot(folder) == before


def test_cache_file_is_a_symlink(broken: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    elsewhere = tmp_path / "elsewhere.sqlite"
    _foreign_database(elsewhere, 0, False)  # an empty database: one aijobs would adopt if it followed the link
    (folder / FILE_NAME).symlink_to(elsewhere)
    before, target = snapshot(folder), elsewhere.read_bytes()
    hostile_run(folder, f"{folder / FILE_NAME} is a symbolic link", monkeypatch)
    assert snapshot(folder) == before and elsewhere.read_bytes() == target


def _damage(statement: str, *parameters: Any) -> int:
    with sqlite3.connect(cache_file()) as connection:
        changed = connection.execute(statement, parameters).rowcount
        if "DROP" not in statement and "not a blob" not in statement:  # damage of the bytes, not of the types:
            for table in ("outcome", "derived"):  # it is the checksum that must see it
                types = connection.execute(f"SELECT DISTINCT typeof(key), typeof(value) FROM {table}").fetchall()
                assert types in ([("blob", "blob")], [])
    connection.close()
    return changed


def _forget_folder_states() -> None:
    with sqlite3.connect(cache_file()) as connection:
        connection.execute("DELETE FROM folder_state")
    connection.close()


WRONG_SHAPES = [
    (1, 2),
    "a string",
    None,
    ((("only", "three", "fields"),), None, (), 0),
    ((), ("too", "few", "facts"), (), 0),
    ((), None, 5, 0),
    ((), None, (), "many"),
    (((), None, (), 0),),
]


def _reshape(shape: Any, sealed: bool) -> int:
    """Store `shape` as every outcome: as damage would (no valid checksum) or as aijobs' own writer would."""
    with sqlite3.connect(cache_file()) as connection:
        keys = [key for (key,) in connection.execute("SELECT key FROM outcome")]
        for key in keys:
            value = _sealed(shape, key) if sealed else marshal.dumps(shape)
            connection.execute("UPDATE outcome SET value = ? WHERE key = ?", (value, key))
    connection.close()
    return len(keys)


@pytest.mark.usefixtures("later")
@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE outcome SET value = x'00ff00ff00ff'",
        "UPDATE outcome SET value = substr(value, 1, length(value) / 2)",
        "UPDATE outcome SET value = CAST(substr(value, 1, 4) || x'a9' AS BLOB)",  # the checksum kept, the value cut
        "UPDATE outcome SET value = x''",
        "UPDATE outcome SET value = 'text, not a blob'",
        "UPDATE outcome SET key = CAST(substr(key || key, 3, 16) AS BLOB)",  # each value under another key
        "UPDATE status SET status = x'00ff'",
        "UPDATE status SET key = 'not a key'",
        "UPDATE status SET key = (SELECT max(key) FROM outcome)",  # every file pointing at one file's outcome
        "DROP TABLE outcome",
        "DROP TABLE status",
        *(f"shape {index}" for index in range(len(WRONG_SHAPES))),
        *(f"sealed shape {index}" for index in range(len(WRONG_SHAPES))),
    ],
)
def test_damaged_entries_are_misses(broken: Workspace, damage: str) -> None:
    """Whatever the damage, the report is right, nothing is printed, and the cache mends itself."""
    check_same("curated", broken.curated)
    check_same("curated", broken.curated, hits=5)
    before = cache_file().read_bytes()
    if "shape" in damage:
        changed = _reshape(WRONG_SHAPES[int(damage.split()[-1])], damage.startswith("sealed"))
    else:
        changed = _damage(damage)
    assert changed != 0 and cache_file().read_bytes() != before
    _forget_folder_states()  # for the full check, which reads these entries (see aijobs.incremental)
    check_same("curated", broken.curated, hits=1 if "max(key)" in damage else 0)  # that one file's is right
    if "DROP" not in damage:
        check_same("curated", broken.curated, hits=5)


@pytest.mark.usefixtures("later")
@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE derived SET value = x'00ff'",
        "UPDATE derived SET value = CAST(substr(value, 1, 4) || x'4e' AS BLOB)",  # the checksum kept, the rows now None
        "UPDATE derived SET value = CAST(substr(value, 1, 4) || x'e905000000' AS BLOB)",  # ... the rows now 5
        "UPDATE derived SET value = substr(value, 1, length(value) - 3)",
        "UPDATE derived SET key = CAST(substr(key || key, 3, 16) AS BLOB)",  # rows under another key
        "UPDATE derived SET name = 'aijobs.db.rows.other'",
    ],
)
def test_damaged_rows_are_misses(workspace: Workspace, damage: str) -> None:
    """A build never writes damaged rows from the cache: the database is the one a cold build writes."""
    assert run("build", "-c", "curated", "--db", "first.db").code == 0
    assert _damage(damage) == 5
    result = run("build", "-c", "curated", "--db", "second.db")
    assert result.code == 0, result.out + result.err
    assert_same_database(Path("first.db"), Path("second.db"))


def test_empty_cache_dir_turns_the_cache_off(
    broken: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, xdg = tmp_path / "home", tmp_path / "xdg"
    home.mkdir()
    xdg.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(xdg))
    everything = snapshot(tmp_path)
    monkeypatch.setenv("AIJOBS_CACHE_DIR", "")
    expected = run("validate", "curated", "--no-cache")
    assert run("validate", "curated") == expected
    assert run("build", "-c", "curated", "--db", "kb.db").code == 1
    assert snapshot(tmp_path) == everything


_LATER_VALIDATE = (
    "import time, aijobs.scan; aijobs.scan.time_ns = lambda: time.time_ns() + 60 * 10**9; "
    "import sys; sys.argv = ['aijobs', 'validate', 'curated']; from aijobs.cli import main; main()"
)


def test_two_runs_at_once(synthetic: Path) -> None:
    (synthetic / "occupations/occupation-3.yaml").unlink()
    expected = report(library_problems(synthetic))
    for round_ in range(3):
        if round_ == 2:  # both runs read and save the edited file
            path = synthetic / "people/person-4.yaml"
            path.write_text(path.read_text(encoding="utf-8").replace("years:", "yrs:"), encoding="utf-8")
            expected = report(library_problems(synthetic))
        processes = [
            subprocess.Popen([sys.executable, "-c", _LATER_VALIDATE], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(2)
        ]
        for process in processes:
            out, err = process.communicate(timeout=120)
            assert (process.returncode, out.decode(), err.decode()) == (1, expected, "")
    cache = open_cache()
    assert cache is not None
    try:
        assert scan(synthetic, cache).cached == len(list(synthetic.rglob("*.yaml")))  # both left a working cache
    finally:
        cache.close()


# --- 5. --no-cache ---------------------------------------------------------------------------------


def test_no_cache_never_creates_the_cache(broken: Workspace) -> None:
    assert not cache_file().exists()
    assert run("validate", "curated", "--no-cache").code == 1
    broken.replace("people/wang-fang.yaml", "years: old", "years: 29")
    assert run("build", "-c", "curated", "--db", "kb.db", "--no-cache").code == 0
    assert not cache_file().exists()


@pytest.mark.usefixtures("later")
def test_no_cache_neither_reads_nor_writes_it(broken: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("validate", "curated").code == 1
    before = snapshot(cache_file().parent)
    broken.replace("people/wang-fang.yaml", "years: old", "years: 29")
    assert run("validate", "curated", "--no-cache").code == 0
    assert run("build", "-c", "curated", "--db", "kb.db", "--no-cache").code == 0
    assert snapshot(cache_file().parent) == before

    def refuse(*_args: Any) -> None:
        raise AssertionError("the cache was opened")

    monkeypatch.setattr(aijobs.cache, "RecordCache", refuse)
    assert run("validate", "curated", "--no-cache").code == 0
    assert run("build", "-c", "curated", "--db", "kb.db", "--no-cache").code == 0
