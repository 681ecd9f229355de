"""Checking only what an edit can change (aijobs.incremental): after any edit, exactly a full check's report.

The property test edits a copy of the real curated data at random, with the edits that
make problems across records (a deleted record others point at, a copied record whose
names, figures and source file now clash, an id typed wrong, a file that no longer
parses, a cycle of `part_of`), and fixes some again. After each edit the incremental
check must report what the library's full check reports, problem for problem, and must
have been incremental (so the test cannot pass by checking everything again).

Statuses are taken as if the run started a minute after the edits (`later`), and each
edit gives its file a modification time of its own, so a status always tells an edit.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import aijobs.cache
import aijobs.incremental
import aijobs.loader
import aijobs.scan
import aijobs.statuses
from aijobs.cache import FILE_NAME, open_cache
from aijobs.kb import validate
from aijobs.scan import ScanResult, scan

REPO = Path(__file__).resolve().parent.parent
MINUTE_NS = 60 * 10**9


class Folder:
    """A scratch copy of the curated data, edited as a contributor would, each edit with its own time."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.clock = time.time_ns() - 3600 * 10**9
        self.removed: dict[Path, bytes] = {}
        self.originals: dict[Path, bytes] = {}

    def files(self, folder: str | None = None) -> list[Path]:
        pattern = f"{folder}/*.yaml" if folder else "*/*.yaml"
        return sorted(self.root.glob(pattern))

    def write(self, path: Path, data: bytes) -> None:
        if path.exists():
            self.originals.setdefault(path, path.read_bytes())
        path.write_bytes(data)
        self.clock += 10**9
        os.utime(path, ns=(self.clock, self.clock))

    def load(self, path: Path) -> dict[str, Any]:
        """The file's data; an empty mapping for a file broken by an earlier edit."""
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError:
            return {}
        return data if isinstance(data, dict) else {}

    def dump(self, path: Path, data: dict[str, Any]) -> None:
        self.write(path, yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode())

    def remove(self, path: Path) -> None:
        self.removed[path] = path.read_bytes()
        path.unlink()


def _strings(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))
    elif isinstance(value, str):
        yield path, value


def _set(data: Any, path: tuple[Any, ...], value: Any) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def delete(folder: Folder, rng: random.Random) -> None:
    folder.remove(rng.choice(folder.files()))


def _put_back(folder: Folder, saved: dict[Path, bytes], rng: random.Random) -> None:
    if saved:
        path = rng.choice(sorted(saved))
        folder.write(path, saved.pop(path))


def restore(folder: Folder, rng: random.Random) -> None:
    """A deleted file back."""
    _put_back(folder, folder.removed, rng)


def copy(folder: Folder, rng: random.Random) -> None:
    """A second record like the first: its names, figures and source file now clash."""
    path = rng.choice(folder.files())
    data = folder.load(path)
    if isinstance(data.get("id"), str):
        data["id"] = f"{data['id']}-copy{rng.randrange(1000)}"
        folder.dump(path.with_name(f"{data['id']}.yaml"), data)


def same_id_elsewhere(folder: Folder, rng: random.Random) -> None:
    """A file with an existing id in another record folder."""
    path = rng.choice(folder.files())
    other = rng.choice([name for name in ("people", "companies", "occupations") if name != path.parent.name])
    folder.write(folder.root / other / path.name, path.read_bytes())


def same_id_other_type(folder: Folder, rng: random.Random) -> None:
    """A valid company with the id of a record of another type: the id is now used twice."""
    template = folder.root / "companies" / "luo-chong-former-tv-station.yaml"
    if not template.exists():
        return
    taken = rng.choice(folder.files(rng.choice(["people", "occupations", "sources"])))
    path = folder.root / "companies" / taken.name
    folder.write(path, template.read_bytes().replace(b"id: luo-chong-former-tv-station", f"id: {taken.stem}".encode()))


def mistype_reference(folder: Folder, rng: random.Random) -> None:
    """An id another record has, typed with its last letter dropped (or the typo fixed)."""
    ids = {path.stem for path in folder.files()}
    path = rng.choice(folder.files())
    data = folder.load(path)
    pointing = [(where, text) for where, text in _strings(data) if text in ids and where != ("id",)]
    if pointing:
        where, text = rng.choice(pointing)
        _set(data, where, text[:-1])
        folder.dump(path, data)


def break_file(folder: Folder, rng: random.Random) -> None:
    path = rng.choice(folder.files())
    folder.write(path, path.read_bytes().replace(b"id:", b"id: [", 1))


def rename_id(folder: Folder, rng: random.Random) -> None:
    path = rng.choice(folder.files())
    data = folder.load(path)
    if isinstance(data.get("id"), str):
        data["id"] = data["id"] + "-x"
        folder.dump(path, data)


def take_a_name(folder: Folder, rng: random.Random) -> None:
    """A record's first name becomes another record's (of the same type)."""
    kind = rng.choice(["people", "companies", "occupations", "products"])
    files = folder.files(kind)
    if len(files) < 2:
        return
    first, second = rng.sample(files, 2)
    taking, giving = folder.load(first), folder.load(second)
    if taking.get("names") and giving.get("names"):
        taking["names"][0]["text"] = giving["names"][0]["text"]
        folder.dump(first, taking)


def cycle(folder: Folder, rng: random.Random) -> None:
    """A company that is part of itself, through its parent (when there is one)."""
    for path in folder.files("companies"):
        data = folder.load(path)
        parent = (data.get("part_of") or {}).get("organisation")
        parent_path = folder.root / "companies" / f"{parent}.yaml"
        if parent and parent_path.exists():
            parent_data = folder.load(parent_path)
            parent_data["part_of"] = {**data["part_of"], "organisation": data["id"]}
            folder.dump(parent_path, parent_data)
            return


def fix(folder: Folder, rng: random.Random) -> None:
    """An edited file as it was."""
    _put_back(folder, folder.originals, rng)


def touch(folder: Folder, rng: random.Random) -> None:
    """A new status, the same bytes."""
    path = rng.choice(folder.files())
    folder.write(path, path.read_bytes())


EDITS: list[Callable[[Folder, random.Random], None]] = [
    delete,
    restore,
    copy,
    same_id_elsewhere,
    same_id_other_type,
    mistype_reference,
    break_file,
    rename_id,
    take_a_name,
    cycle,
    fix,
    fix,
    touch,
]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Folder:
    shutil.copytree(REPO / "curated", tmp_path / "curated")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AIJOBS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(aijobs.scan, "time_ns", lambda: time.time_ns() + MINUTE_NS)
    edited = Folder(Path("curated"))
    for path in edited.files():  # every file older than the edits to come
        os.utime(path, ns=(edited.clock, edited.clock))
    return edited


def cached_scan(root: Path) -> ScanResult:
    cache = open_cache()
    assert cache is not None and cache.unusable is None
    try:
        return scan(root, cache)
    finally:
        cache.close()


def assert_same_as_full(root: Path, incremental: bool = True) -> ScanResult:
    expected = validate(root)[1]
    full = scan(root)  # no cache: every file read, every record checked
    result = cached_scan(root)
    assert result.problems == expected == full.problems
    assert (result.records, result.claims, result.files) == (full.records, full.claims, full.files)
    assert (result.rechecked is not None) == incremental
    return result


@pytest.mark.parametrize("seed", range(4))
def test_random_edits_report_what_a_full_check_reports(folder: Folder, seed: int) -> None:
    rng = random.Random(seed)
    assert_same_as_full(folder.root, incremental=False)  # the first check is full, and saves the state
    for _ in range(30):
        rng.choice(EDITS)(folder, rng)
        assert_same_as_full(folder.root)


def test_an_edit_rechecks_few_records(folder: Folder) -> None:
    assert_same_as_full(folder.root, incremental=False)
    assert assert_same_as_full(folder.root).rechecked == 0  # nothing changed, nothing flagged
    path = folder.root / "people" / "chen-xiaoyu.yaml"
    folder.write(path, path.read_bytes() + b"# edited\n")
    result = assert_same_as_full(folder.root)
    assert result.rechecked is not None and 1 <= result.rechecked < len(folder.files()) // 4
    assert result.cached == len(folder.files()) - 1


def test_a_deleted_record_is_missed_by_unchanged_ones(folder: Folder) -> None:
    """The dangling references are in files that did not change."""
    assert_same_as_full(folder.root, incremental=False)
    folder.remove(folder.root / "sources" / "ai-dreammaker-essay.yaml")
    result = assert_same_as_full(folder.root)
    assert {p.code for p in result.problems} == {"dangling-reference"}
    assert len({p.location.path for p in result.problems}) > 1
    restore(folder, random.Random(0))
    assert assert_same_as_full(folder.root).problems == []


def test_a_record_that_stops_loading_then_goes(folder: Folder) -> None:
    """References to a file that does not load are not reported; once it is gone, they are."""
    assert_same_as_full(folder.root, incremental=False)
    path = folder.root / "sources" / "ai-dreammaker-essay.yaml"
    folder.write(path, path.read_bytes().replace(b"id:", b"id: [", 1))
    assert {p.location.path for p in assert_same_as_full(folder.root).problems} == {str(path)}
    path.unlink()
    assert {p.code for p in assert_same_as_full(folder.root).problems} == {"dangling-reference"}


def test_a_record_file_that_is_not_a_file(folder: Folder) -> None:
    """A folder where a record file should be: the listing reports it, references to it wait."""
    assert_same_as_full(folder.root, incremental=False)
    path = folder.root / "sources" / "ai-dreammaker-essay.yaml"
    path.unlink()
    path.mkdir()
    assert {p.code for p in assert_same_as_full(folder.root).problems} == {"layout"}
    path.rmdir()
    assert {p.code for p in assert_same_as_full(folder.root).problems} == {"dangling-reference"}


@pytest.mark.parametrize("kind", ["link", "folder", "fifo", "link to a folder"])
def test_a_yaml_name_that_is_not_a_regular_file(folder: Folder, tmp_path: Path, kind: str) -> None:
    """After an edit the folder is listed by name alone (`list_directory(unchecked=True)`): a `.yaml`
    name that is not a regular file shows in its status, and the folder is listed again in full,
    so the report is a full check's, the entry is never opened, and a later check is incremental."""
    assert_same_as_full(folder.root, incremental=False)
    outside = tmp_path / "outside.yaml"
    outside.write_bytes((folder.root / "people" / "chen-xiaoyu.yaml").read_bytes())
    (tmp_path / "outside-folder").mkdir()
    strange = folder.root / "people" / "strange.yaml"
    if kind == "link":
        strange.symlink_to(outside)
    elif kind == "folder":
        strange.mkdir()
    elif kind == "fifo":
        os.mkfifo(strange)
    else:
        strange.symlink_to(tmp_path / "outside-folder", target_is_directory=True)
    listing = aijobs.loader.list_directory(folder.root, unchecked=True)
    assert "strange.yaml" in listing.folders[[f for f, *_ in listing.folders].index("people")][3]
    result = assert_same_as_full(folder.root)  # a fifo opened would hang here
    assert [p.location.path for p in result.problems if "strange" in p.location.path]
    assert_same_as_full(folder.root)


def test_a_folder_whose_status_is_unchanged_is_not_listed_again(
    folder: Folder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record folder's entries are taken from the saved state while its status is unchanged; a
    file that comes or goes changes it, even when its modification time is put back (its change
    time moves on)."""
    listed: list[str] = []
    for name in ("_record_names", "_record_entries"):
        real = getattr(aijobs.loader, name)

        def counted(directory: Path, shown: str, real: Any = real) -> Any:
            listed.append(directory.name)
            return real(directory, shown)

        monkeypatch.setattr(aijobs.loader, name, counted)
    assert_same_as_full(folder.root, incremental=False)
    path = folder.root / "people" / "chen-xiaoyu.yaml"
    folder.write(path, path.read_bytes() + b"# edited in place\n")
    listed.clear()
    assert_same_as_full(folder.root)
    assert listed.count("people") == 2  # by the two full checks it is compared with, not by the cached one
    people = folder.root / "people"
    before = os.lstat(people)
    copy(folder, random.Random(6))  # a new file, somewhere
    gone = folder.root / "people" / "ecommerce-worker-turned-ai-developer.yaml"
    gone.unlink()
    os.utime(people, ns=(before.st_atime_ns, before.st_mtime_ns))  # the time put back: the change time moves
    listed.clear()
    assert_same_as_full(folder.root)
    assert listed.count("people") == 3  # listed by the cached check too: its status changed


def test_an_id_taken_by_a_record_of_another_type(folder: Folder) -> None:
    assert_same_as_full(folder.root, incremental=False)
    same_id_other_type(folder, random.Random(5))
    assert "duplicate-id" in {p.code for p in assert_same_as_full(folder.root).problems}


def _execute(statement: str) -> None:
    with sqlite3.connect(Path(os.environ["AIJOBS_CACHE_DIR"]) / FILE_NAME) as connection:
        connection.execute(statement)
    connection.close()


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE folder_state SET value = x'00ff00ff'",
        "UPDATE folder_state SET value = substr(value, 1, length(value) - 9)",
        "UPDATE folder_state SET generation = generation + 1",  # sealed with its generation
        "UPDATE folder_state SET index_rows = index_rows - 1",  # ... and its index's size
        "UPDATE folder_base SET base = substr(base, 1, length(base) - 9)",
        "UPDATE folder_base SET base = x'00ff00ff'",
        "DELETE FROM folder_base",
        "DELETE FROM folder_index WHERE key % 3 = 0",  # the index lost rows: counted
        "INSERT INTO folder_index SELECT place, key + 1, file FROM folder_index",
        "DELETE FROM folder_state",
        "DROP TABLE folder_index",
        "DELETE FROM outcome",  # the facts of the records to check again are gone
    ],
)
def test_a_damaged_state_means_a_full_check(folder: Folder, damage: str) -> None:
    assert_same_as_full(folder.root, incremental=False)
    copy(folder, random.Random(1))  # a duplicate: something to find
    _execute(damage)
    assert_same_as_full(folder.root, incremental=False)
    copy(folder, random.Random(2))
    if "DROP" not in damage:  # the full check saved a state again
        assert_same_as_full(folder.root)


def test_a_state_older_than_another_runs_is_not_saved(folder: Folder) -> None:
    """Two runs from one state: the second one's changes to the index would not add up."""
    assert_same_as_full(folder.root, incremental=False)
    cache = open_cache()
    assert cache is not None
    saved = cache.folder_state(aijobs.incremental.place_of(folder.root))
    assert saved is not None
    copy(folder, random.Random(3))
    assert_same_as_full(folder.root)  # saves generation + 1
    assert not cache.save_folder_state(aijobs.incremental.place_of(folder.root), saved[0], saved[1], None, (), ())
    cache.close()
    assert_same_as_full(folder.root)


def _saved_row() -> tuple[bytes, bytes]:
    with sqlite3.connect(Path(os.environ["AIJOBS_CACHE_DIR"]) / FILE_NAME) as connection:
        value, base = connection.execute(
            "SELECT value, base FROM folder_state JOIN folder_base USING (place)"
        ).fetchone()
    connection.close()
    return bytes(value), bytes(base)


def test_an_edit_saves_only_what_changed_over_the_base(folder: Folder, monkeypatch: pytest.MonkeyPatch) -> None:
    """The base (every file's status) is written by a full check; an edit adds only its own to the overlay,
    until `OVERLAY_MOST` of them, or until a file comes or goes."""
    assert_same_as_full(folder.root, incremental=False)
    _, base = _saved_row()
    path = folder.root / "people" / "chen-xiaoyu.yaml"
    for edit in range(3):
        folder.write(path, path.read_bytes() + f"# edit {edit}\n".encode())
        assert_same_as_full(folder.root)
        assert _saved_row()[1] == base
    with monkeypatch.context() as patched:
        patched.setattr(aijobs.incremental, "OVERLAY_MOST", 1)
        other = folder.root / "people" / "ecommerce-worker-turned-ai-developer.yaml"
        folder.write(other, other.read_bytes() + b"# edited\n")
        assert_same_as_full(folder.root)
        assert _saved_row()[1] != base  # two files in the overlay: the base is saved again
    _, base = _saved_row()
    copy(folder, random.Random(4))  # a new file: the files are not the same ones
    assert_same_as_full(folder.root)
    assert _saved_row()[1] != base


@pytest.mark.parametrize(
    "names", ["../elsewhere.yaml", ".hidden.yaml", "a.yaml\0\0b.yaml", "a.yaml\0", "notes.txt", "a.txt\0b.yaml", 7]
)
def test_saved_names_that_are_not_names_are_not_believed(names: Any) -> None:
    """A folder's names come back from the cache only as plain names (`list_directory(known=...)` joins
    them to the folder): a path or a hidden file in them is a damaged state."""
    state = aijobs.incremental.FolderState.of(["curated/people/a.yaml"], [0], [None], [b""])
    top, base = state.plain()
    assert base is not None
    aijobs.incremental.FolderState.from_plain(top, (*base[:4], {"people": "a.yaml\0b-c.yaml", "figures": ""}))
    with pytest.raises(ValueError, match="damaged"):
        aijobs.incremental.FolderState.from_plain(top, (*base[:4], {"people": names}))
    with pytest.raises(ValueError, match="damaged"):  # the right checksums over the wrong shapes
        aijobs.incremental.FolderState.from_plain(top, (*base[:4], [names]))
    with pytest.raises(ValueError, match="damaged"):
        aijobs.incremental.FolderState.from_plain((*top[:8], ["people"]), base)


def test_saved_names_must_be_the_saved_paths(tmp_path: Path) -> None:
    """A folder's saved names are taken for a listing only if they are exactly that folder's run of
    the saved paths: names that disagree (a state damaged in a way its checksums do not show) mean
    the folder is listed again."""
    root = tmp_path / "curated"
    paths = [f"{root}/people/a.yaml", f"{root}/people/b.yaml", f"{root}/sources/s.yaml"]
    state = aijobs.incremental.FolderState.of(paths, range(3), [None] * 3, [b""] * 3)
    status = (1, 2, 3, 4, 5)
    state.folder_statuses = {"people": status, "sources": status, "figures": status}
    for names, believed in [("a.yaml\0b.yaml", True), ("a.yaml", False), ("b.yaml\0a.yaml", False), ("", False)]:
        state.names = {"people": names, "sources": "s.yaml", "figures": ""}
        known = aijobs.scan._known(root, state)
        assert ("people" in known) == believed, names
        assert "sources" in known and "figures" in known


def test_a_state_over_another_base_means_a_full_check(folder: Folder) -> None:
    """What changed over one base, put over another (an older one, here), is not believed."""
    assert_same_as_full(folder.root, incremental=False)
    _, old_base = _saved_row()
    copy(folder, random.Random(5))
    assert_same_as_full(folder.root)
    assert _saved_row()[1] != old_base
    with sqlite3.connect(Path(os.environ["AIJOBS_CACHE_DIR"]) / FILE_NAME) as connection:
        connection.execute("UPDATE folder_base SET base = ?", (old_base,))
    connection.close()
    assert_same_as_full(folder.root, incremental=False)
    assert_same_as_full(folder.root)


def test_many_changes_mean_a_full_check(folder: Folder, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_same_as_full(folder.root, incremental=False)
    monkeypatch.setattr(aijobs.incremental, "FEW_CHANGED", 2)
    monkeypatch.setattr(aijobs.incremental, "MOST_CHANGED", 0.1)
    for path in folder.files()[:20]:
        folder.write(path, path.read_bytes() + b"\n")
    assert_same_as_full(folder.root, incremental=False)
    assert_same_as_full(folder.root)


def test_another_working_folder_is_another_state(folder: Folder, tmp_path: Path) -> None:
    """Paths as shown depend on the working folder: a state is kept for each."""
    assert_same_as_full(folder.root, incremental=False)
    assert_same_as_full(folder.root.resolve(), incremental=False)
    os.chdir(tmp_path / "curated")
    assert_same_as_full(Path("."), incremental=False)
    os.chdir(tmp_path)
    assert_same_as_full(folder.root)


def _segments(folder: Folder) -> list[tuple[str, list[str]]]:
    """The record folders' files as `aijobs.statuses` takes them, and a name that is not there."""
    segments = [(str(folder.root / name), sorted(p.name for p in folder.files(name))) for name in ("people", "sources")]
    segments[0][1].append("no-such-file.yaml")
    return segments


def _status(path: str) -> aijobs.cache.Status | None:
    try:
        return aijobs.cache.status_of(os.lstat(path))
    except OSError:
        return None


def _one_by_one(segments: list[tuple[str, list[str]]]) -> list[aijobs.cache.Status | None]:
    return [_status(os.path.join(path, name)) for path, names in segments for name in names]


def test_statuses_by_folder_are_the_statuses(folder: Folder) -> None:
    """Statuses taken folder by folder are exactly what the cache's `status_of` gives of each path's lstat."""
    segments = _segments(folder)
    taken = aijobs.statuses.unpacked(aijobs.statuses.statuses(segments))
    assert taken == _one_by_one(segments)
    assert taken[len(segments[0][1]) - 1] is None
    assert all(status is not None for status in taken[len(segments[0][1]) :])


def test_statuses_by_path_where_no_descriptor_lookups_are_the_statuses(
    folder: Folder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where a system cannot look a name up relative to an open folder, each path is taken (a folder
    that is a link still gives none)."""
    monkeypatch.setattr(aijobs.statuses, "BY_DESCRIPTOR", False)
    segments = _segments(folder)
    assert aijobs.statuses.unpacked(aijobs.statuses.statuses(segments)) == _one_by_one(segments)
    people = folder.root / "people"
    people.rename(tmp_path / "elsewhere")
    people.symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    assert aijobs.statuses.unpacked(aijobs.statuses.folder_statuses(str(people), ["chen-xiaoyu.yaml"])) == [None]


def test_statuses_on_two_processes_are_the_statuses(folder: Folder, monkeypatch: pytest.MonkeyPatch) -> None:
    """Half of them from a forked child (split inside a folder, or between two), in the same order."""
    segments = _segments(folder)
    monkeypatch.setattr(aijobs.statuses, "SPLIT_FROM", 1)
    forked: list[int] = []
    fork = os.fork

    def counted() -> int:
        child = fork()
        if child:
            forked.append(child)
        return child

    monkeypatch.setattr(os, "fork", counted)
    assert aijobs.statuses.unpacked(aijobs.statuses.statuses(segments, workers=2)) == _one_by_one(segments)
    assert aijobs.statuses.unpacked(aijobs.statuses.statuses(segments[:1] * 3, workers=2)) == _one_by_one(
        segments[:1] * 3
    )
    assert len(forked) == 2
    assert aijobs.statuses.unpacked(aijobs.statuses.statuses(segments, workers=1)) == _one_by_one(segments)
    assert len(forked) == 2  # one worker: no child


def test_a_child_that_fails_means_the_parent_takes_the_statuses(
    folder: Folder, monkeypatch: pytest.MonkeyPatch
) -> None:
    segments = _segments(folder)
    monkeypatch.setattr(aijobs.statuses, "SPLIT_FROM", 1)

    def no_fork() -> int:
        raise OSError("cannot fork")

    with monkeypatch.context() as patched:
        patched.setattr(os, "fork", no_fork)
        assert aijobs.statuses.unpacked(aijobs.statuses.statuses(segments, workers=2)) == _one_by_one(segments)
    # A child that sends what it should not (here: one status too few) is not believed.
    take = aijobs.statuses._take
    parent = os.getpid()
    monkeypatch.setattr(aijobs.statuses, "_take", lambda s: take(s)[: -1 if os.getpid() != parent else None])
    assert aijobs.statuses.unpacked(aijobs.statuses.statuses(segments, workers=2)) == _one_by_one(segments)


def test_no_pipe_for_a_child_means_the_parent_takes_the_statuses(
    folder: Folder, monkeypatch: pytest.MonkeyPatch
) -> None:
    segments = _segments(folder)
    monkeypatch.setattr(aijobs.statuses, "SPLIT_FROM", 1)

    def no_pipe() -> tuple[int, int]:
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(os, "pipe", no_pipe)
    assert aijobs.statuses.unpacked(aijobs.statuses.statuses(segments, workers=2)) == _one_by_one(segments)


def test_a_curated_folder_replaced_by_a_link_gives_no_statuses(folder: Folder, tmp_path: Path) -> None:
    """Not even the statuses of the files behind it are taken (a record folder's own open refuses only
    its last part to be a link, so the curated folder is opened first, without following one)."""
    root = folder.root
    root.rename(tmp_path / "real")
    root.symlink_to(tmp_path / "real", target_is_directory=True)
    assert aijobs.statuses.unpacked(aijobs.statuses.folder_statuses(str(root / "people"), ["chen-xiaoyu.yaml"])) == [
        None
    ]


def test_statuses_from_a_child_reaped_already(folder: Folder, monkeypatch: pytest.MonkeyPatch) -> None:
    """Started with SIGCHLD ignored (as some supervisors leave it), a child is reaped as it exits and
    waiting for it fails: what it sent is used if it is complete."""
    segments = _segments(folder)
    monkeypatch.setattr(aijobs.statuses, "SPLIT_FROM", 1)
    previous = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        assert aijobs.statuses.unpacked(aijobs.statuses.statuses(segments, workers=2)) == _one_by_one(segments)
    finally:
        signal.signal(signal.SIGCHLD, previous)


def test_a_folder_replaced_by_a_link_gives_no_statuses(folder: Folder, tmp_path: Path) -> None:
    """Its files are then read again (and the safe read refuses them), never looked up through the link."""
    people = folder.root / "people"
    elsewhere = tmp_path / "elsewhere"
    people.rename(elsewhere)
    people.symlink_to(elsewhere, target_is_directory=True)
    names = sorted(path.name for path in elsewhere.glob("*.yaml"))
    assert aijobs.statuses.unpacked(aijobs.statuses.folder_statuses(str(people), names)) == [None] * len(names)
