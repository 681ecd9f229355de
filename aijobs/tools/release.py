"""A release: everything a researcher downloads and cites, in one folder.

`release(kb, Path("dist"))` writes:

* ``aijobs.db`` — the SQLite database, as `aijobs build` makes it;
* ``json/``, ``csv/``, ``jsonld/`` — the three exports (`aijobs.tools.export`);
* ``datapackage.json`` — a Frictionless Tabular Data Package describing every CSV file:
  field types, primary and foreign keys taken from the table models, licence, version;
* ``CHANGES.md`` — what changed since the previous release tag, claim by claim;
* ``CITATION.cff`` — how to cite this version;
* ``SHA256SUMS`` — the checksum of every other file, in `sha256sum` format.

Everything comes from the records, the code and the git commit: no clock is read, so
two releases of the same commit are byte-identical. The folder is written beside its
target and swapped in only when complete. An existing folder is replaced only when it
is empty or is an untouched earlier release (its SHA256SUMS lists exactly its files,
each with its checksum); anything else is refused and left as it was. Symbolic links
are never followed.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import tarfile
import tempfile
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, metadata
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Boolean, Column, Float, Integer, String, TypeDecorator

from aijobs.db.dataset import (
    DATA_LICENSE,
    DATA_LICENSE_URL,
    DatasetInfo,
    GitError,
    dataset_info,
    git_output,
    run_git,
)
from aijobs.errors import AijobsError, UsageError
from aijobs.kb import KnowledgeBase, validate
from aijobs.tools.diff import RecordChange, compare
from aijobs.tools.export import DATASET_DESCRIPTION, DATASET_NAME, export
from aijobs.tools.export import MANIFEST as EXPORT_MANIFEST

SUMS = "SHA256SUMS"
DATABASE = "aijobs.db"
FOLDERS = ("csv", "json", "jsonld")
OUR_FILE = re.compile(
    r"(aijobs\.db|datapackage\.json|CHANGES\.md|CITATION\.cff|json/aijobs\.json|jsonld/aijobs\.jsonld"
    r"|csv/[a-z][a-z0-9_]*\.csv)"
)
"""Every file name a release of any version may hold (besides SHA256SUMS)."""

SUMS_LINE = re.compile(r"([0-9a-f]{64})  (\S+)")
MAX_SUMS_BYTES = 1 << 20
TAG_PATTERN = "v*"
TITLE = "aijobs: a hand-curated, citable knowledge base of the occupations AI creates and changes"
AUTHORS = "aijobs contributors"
URL_LABELS = ("repository", "source", "source code", "code", "homepage")


class ReleaseError(AijobsError):
    """The release could not be made; the target folder is unchanged."""


class ReleaseTargetError(UsageError):
    """The --out folder is not one a release may be written to."""


@dataclass
class Changes:
    """What changed since the previous release, or why that is not known."""

    previous: str | None  # the previous release's tag
    note: str  # first release, no git, ...
    records: list[RecordChange] = field(default_factory=list)
    unreadable: int = 0  # files of the previous release this aijobs cannot load


@dataclass
class Release:
    folder: Path
    files: list[str]
    dataset: DatasetInfo
    changes: Changes


# --- the target folder ------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _entries(folder: Path, limit: int | None = None) -> tuple[list[str], list[str]]:
    """(files, folders) under `folder` as relative POSIX names; raises on links, devices, > limit entries."""
    files: list[str] = []
    folders: list[str] = []
    pending = [(folder, "")]
    while pending:
        current, prefix = pending.pop()
        with os.scandir(current) as scan:
            for entry in scan:
                name = prefix + entry.name
                if limit is not None and len(files) + len(folders) >= limit:
                    raise ReleaseTargetError(f"it holds more than the {limit} files and folders its {SUMS} names")
                if entry.is_symlink():
                    raise ReleaseTargetError(f"{folder / name} is a symbolic link")
                if entry.is_dir(follow_symlinks=False):
                    folders.append(name)
                    pending.append((Path(entry.path), name + "/"))
                elif entry.is_file(follow_symlinks=False):
                    files.append(name)
                else:
                    raise ReleaseTargetError(f"{folder / name} is not a regular file")
    return sorted(files), sorted(folders)


def _not_ours(out: Path, why: str) -> ReleaseTargetError:
    return ReleaseTargetError(
        f"{out} is not empty and is not an aijobs release ({why}); nothing was written. "
        "Give an empty or new folder with --out, or remove this one yourself"
    )


def check_target(out: Path) -> bool:
    """Whether `out` holds an earlier release (True), is empty or absent (False); else refuse."""
    if out.is_symlink():
        raise ReleaseTargetError(f"{out} is a symbolic link; give the folder itself with --out")
    if not out.exists():
        return False
    if not out.is_dir():
        raise ReleaseTargetError(f"{out} exists and is not a folder")
    try:
        with os.scandir(out) as scan:
            if next(scan, None) is None:
                return False
        return _is_earlier_release(out)
    except OSError as exc:
        raise ReleaseTargetError(f"cannot read {out}: {exc.strerror or exc}") from None


def _is_earlier_release(out: Path) -> bool:
    """True when the non-empty `out` is an untouched release; refuses it otherwise."""
    sums_path = out / SUMS
    if sums_path.is_symlink() or not sums_path.is_file():
        raise _not_ours(out, f"it has no {SUMS}")
    if sums_path.stat().st_size > MAX_SUMS_BYTES:
        raise _not_ours(out, f"{SUMS} is too large to be ours")
    listed: dict[str, str] = {}
    for number, line in enumerate(sums_path.read_bytes().decode("utf-8", errors="replace").splitlines(), start=1):
        match = SUMS_LINE.fullmatch(line)
        if match is None or not OUR_FILE.fullmatch(match.group(2)) or match.group(2) in listed:
            raise _not_ours(out, f"{SUMS} line {number} is not one aijobs writes")
        listed[match.group(2)] = match.group(1)
    try:
        files, folders = _entries(out, limit=len(listed) + len(FOLDERS) + 1)
    except ReleaseTargetError as exc:
        raise _not_ours(out, str(exc)) from None
    unlisted = sorted(set(files) - set(listed) - {SUMS})
    if unlisted:
        raise _not_ours(out, f"{unlisted[0]} is not listed in {SUMS}")
    missing = sorted(set(listed) - set(files))
    if missing:
        raise _not_ours(out, f"{missing[0]}, listed in {SUMS}, is missing")
    extra_folders = sorted(set(folders) - set(FOLDERS))
    if extra_folders:
        raise _not_ours(out, f"it has a folder {extra_folders[0]}/")
    for name, expected in listed.items():
        if _sha256(out / name) != expected:
            raise _not_ours(out, f"{name} was changed since aijobs wrote it")
    return True


# --- what changed -----------------------------------------------------------------


def _git_or_release_error(folder: Path, *args: str) -> str:
    try:
        return run_git(folder, *args)
    except GitError as exc:
        raise ReleaseError(f"cannot compare with the previous release: {exc}") from None


def previous_tag(curated: Path, version: str) -> str | None:
    """The latest release tag (v*) reachable from HEAD, other than this version's own."""
    tags = _git_or_release_error(curated, "tag", "--list", "--merged", "HEAD", TAG_PATTERN).split()
    if not [tag for tag in tags if tag != f"v{version}"]:
        return None
    described = _git_or_release_error(
        curated,
        "describe",
        "--tags",
        "--abbrev=0",
        "--match",
        TAG_PATTERN,
        "--exclude",
        f"v{version}",
        "--end-of-options",
        "HEAD",
    )
    return described.strip()


def _in_git(curated: Path) -> bool:
    try:
        return run_git(curated, "rev-parse", "--is-inside-work-tree").strip() == "true"
    except GitError:
        return False


def changes_since_previous(kb: KnowledgeBase, version: str) -> Changes:
    """Compare `kb` with the curated folder of the previous release tag."""
    curated = kb.root
    if not _in_git(curated):
        return Changes(None, f"not listed: {curated} is not in a git repository, so the previous release is unknown")
    if _git_or_release_error(curated, "rev-parse", "--is-shallow-repository").strip() == "true":
        raise ReleaseError(
            "the git repository is a shallow clone, so the previous release tag cannot be found; "
            "fetch the full history and tags (git fetch --unshallow --tags; actions/checkout: fetch-depth: 0)"
        )
    tag = previous_tag(curated, version)
    if tag is None:
        return Changes(None, "first release: there is no earlier release tag (v*)")
    prefix = _git_or_release_error(curated, "rev-parse", "--show-prefix").strip()
    top = Path(_git_or_release_error(curated, "rev-parse", "--show-toplevel").strip())
    tree = f"refs/tags/{tag}:{prefix}" if prefix else f"refs/tags/{tag}^{{tree}}"
    try:
        archive = git_output(top, "archive", "--format=tar", "--end-of-options", tree)
    except GitError as exc:
        raise ReleaseError(f"cannot read the curated data of {tag} ({tree}): {exc}") from None
    with tempfile.TemporaryDirectory(prefix="aijobs-release-") as temp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(temp, filter="data")
        old, problems = validate(Path(temp))
    unreadable = len({problem.location.path for problem in problems})
    return Changes(tag, f"since {tag}", compare(old, kb), unreadable)


def _fence(lines: list[str]) -> str:
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    return "`" * max(3, longest + 1)


def changes_markdown(dataset: DatasetInfo, changes: Changes, kb: KnowledgeBase) -> str:
    """CHANGES.md: the version, the data commit, and every changed record with its claims."""
    out = [f"# {DATASET_NAME} {dataset.version}", ""]
    if dataset.git_commit is not None:
        source = f"Data at commit `{dataset.git_commit}` of {dataset.commit_date}"
    else:
        source = "Data at no git commit (built outside git or with uncommitted changes)"
    out += [f"{source}; schema revision {dataset.schema_revision}.", ""]
    out += [f"{len(kb)} records, {len(kb.claims())} claims.", ""]
    if changes.previous is None:
        out += ["## Changes", "", changes.note[0].upper() + changes.note[1:] + ".", ""]
        return "\n".join(out)
    out += [f"## Changes since {changes.previous}", ""]
    if changes.unreadable:
        out += [
            f"{changes.unreadable} file(s) of {changes.previous} do not load with this version of aijobs; "
            "their records are left out of the comparison.",
            "",
        ]
    if not changes.records:
        out += ["No record changed.", ""]
        return "\n".join(out)
    counts = {kind: sum(1 for c in changes.records if c.change == kind) for kind in ("added", "removed", "changed")}
    summary = ", ".join(f"{count} {kind}" for kind, count in counts.items() if count)
    out += [f"{len(changes.records)} record(s): {summary}.", ""]
    for change in changes.records:
        out += [f"### {change.kind} `{change.record_id}` ({change.change})", ""]
        if change.lines:
            fence = _fence(change.lines)
            out += [fence + "text", *change.lines, fence, ""]
    return "\n".join(out)


# --- descriptors --------------------------------------------------------------------


def _field_type(column: Column[Any]) -> str:
    """The Table Schema type of a column (booleans first: they are integers in SQLite)."""
    kind = column.type
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    for sql_type, name in ((Boolean, "boolean"), (Integer, "integer"), (Float, "number"), (String, "string")):
        if isinstance(kind, sql_type):
            return name
    raise TypeError(f"no Table Schema type for {column.table.name}.{column.name} ({kind!r})")


def _column_descriptions() -> dict[str, dict[str, Any]]:
    from aijobs.db.serve import datasette_metadata

    tables: dict[str, dict[str, Any]] = datasette_metadata()["databases"]["aijobs"]["tables"]
    return tables


def _resource(name: str, path: str, content: bytes, described: dict[str, Any]) -> dict[str, Any]:
    from aijobs.db.tables import metadata as sql_metadata

    table = sql_metadata.tables[name]
    fields = []
    for column in table.columns:
        kind = _field_type(column)
        entry: dict[str, Any] = {"name": column.name, "type": kind}
        description = described.get("columns", {}).get(column.name)
        if description:
            entry["description"] = description
        if kind == "boolean":
            entry.update(trueValues=["True"], falseValues=["False"])
        constraints = {}
        if not column.nullable:
            constraints["required"] = True
        if column.unique:
            constraints["unique"] = True
        if constraints:
            entry["constraints"] = constraints
        fields.append(entry)
    schema: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    schema["primaryKey"] = [column.name for column in table.primary_key.columns]
    foreign_keys = []
    for column in table.columns:
        for key in sorted(column.foreign_keys, key=lambda k: k.target_fullname):
            target = key.column
            foreign_keys.append(
                {
                    "fields": [column.name],
                    "reference": {
                        "resource": "" if target.table.name == name else target.table.name,
                        "fields": [target.name],
                    },
                }
            )
    if foreign_keys:
        schema["foreignKeys"] = foreign_keys
    resource: dict[str, Any] = {
        "name": name,
        "path": path,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "bytes": len(content),
        "hash": "sha256:" + hashlib.sha256(content).hexdigest(),
    }
    if described.get("description"):
        resource["description"] = described["description"]
    resource["dialect"] = {"delimiter": ",", "lineTerminator": "\n", "header": True}
    resource["schema"] = schema
    return resource


def datapackage(dataset: DatasetInfo, csv_files: dict[str, bytes], homepage: str | None) -> dict[str, Any]:
    """A Frictionless Tabular Data Package for the CSV files ({relative path: content})."""
    described = _column_descriptions()
    package: dict[str, Any] = {
        "profile": "tabular-data-package",
        "name": DATASET_NAME,
        "title": TITLE,
        "description": DATASET_DESCRIPTION,
        "version": dataset.version,
    }
    if dataset.commit_date is not None:
        package["created"] = dataset.commit_date
    if homepage is not None:
        package["homepage"] = homepage
    package["licenses"] = [{"name": DATA_LICENSE, "path": DATA_LICENSE_URL, "title": "CC0 1.0 Universal"}]
    package["resources"] = [
        _resource(Path(path).stem, path, content, described.get(Path(path).stem, {}))
        for path, content in csv_files.items()
    ]
    return package


def project_url() -> str | None:
    """The repository URL from the package's [project.urls], if it has one."""
    try:
        entries = metadata("aijobs").get_all("Project-URL") or []
    except PackageNotFoundError:
        return None
    urls = {}
    for entry in entries:
        label, _, url = entry.partition(",")
        urls[label.strip().lower()] = url.strip()
    return next((urls[label] for label in URL_LABELS if label in urls), None)


def check_url(url: str) -> str:
    if not re.fullmatch(r"https?://[^\s/$.?#][^\s]*", url):
        raise ReleaseTargetError(f"--repository-url {url!r} is not an http(s) URL")
    return url


def citation_cff(dataset: DatasetInfo, repository_url: str | None) -> str:
    """CITATION.cff (Citation File Format 1.2.0) for this version of the dataset."""
    cff: dict[str, Any] = {
        "cff-version": "1.2.0",
        "message": "If you use this dataset, please cite it as below.",
        "type": "dataset",
        "title": TITLE,
        "abstract": DATASET_DESCRIPTION,
        "authors": [{"name": AUTHORS}],
        "version": dataset.version,
    }
    if dataset.git_commit is not None:
        cff["commit"] = dataset.git_commit
    if dataset.commit_date is not None:
        cff["date-released"] = dataset.commit_date[:10]
    cff["license"] = DATA_LICENSE
    if repository_url is not None:
        cff["repository-code"] = repository_url
    text: str = yaml.safe_dump(cff, sort_keys=False, allow_unicode=True, width=1000)
    return text


def sha256sums(folder: Path, names: list[str]) -> str:
    return "".join(f"{_sha256(folder / name)}  {name}\n" for name in sorted(names))


# --- writing --------------------------------------------------------------------------


def _write(
    kb: KnowledgeBase, folder: Path, dataset: DatasetInfo, changes: Changes, repository_url: str | None
) -> list[str]:
    from aijobs.db.build import BuildError, build_sqlite

    try:
        build_sqlite(kb, folder / DATABASE, dataset=dataset)
    except BuildError as exc:
        raise ReleaseError(f"the database could not be built: {exc}") from None
    for fmt in FOLDERS:
        export(kb, fmt, folder / fmt, dataset)
        (folder / fmt / EXPORT_MANIFEST).unlink()  # a release is named by SHA256SUMS, not by export manifests
    csv_files = {
        f"csv/{path.name}": path.read_bytes() for path in sorted((folder / "csv").iterdir(), key=lambda p: p.name)
    }
    package = datapackage(dataset, csv_files, repository_url)
    (folder / "datapackage.json").write_text(
        json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8", newline="\n"
    )
    (folder / "CHANGES.md").write_text(changes_markdown(dataset, changes, kb), encoding="utf-8", newline="\n")
    (folder / "CITATION.cff").write_text(citation_cff(dataset, repository_url), encoding="utf-8", newline="\n")
    names, _ = _entries(folder)
    (folder / SUMS).write_text(sha256sums(folder, names), encoding="utf-8", newline="\n")
    return sorted([*names, SUMS])


def _folder_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o777 & ~umask


def release(
    kb: KnowledgeBase,
    out: Path,
    *,
    dataset: DatasetInfo | None = None,
    repository_url: str | None = None,
) -> Release:
    """Write a release of `kb` into the folder `out` (see the module docstring)."""
    out = Path(os.path.abspath(out))  # normalised without following links
    if out.name in ("", ".", ".."):
        raise ReleaseTargetError(f"{out} cannot be a release folder; give a folder name")
    replace = check_target(out)
    url = check_url(repository_url) if repository_url is not None else project_url()
    dataset = dataset or dataset_info(kb.root)
    changes = changes_since_previous(kb, dataset.version)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".releasing", dir=out.parent))
    except OSError as exc:
        raise ReleaseError(f"cannot write beside {out}: {exc.strerror or exc}") from None
    try:
        os.chmod(staging, _folder_mode())
        files = _write(kb, staging, dataset, changes, url)
        _swap(staging, out, replace)
    except OSError as exc:
        raise ReleaseError(f"cannot write {out}: {exc.strerror or exc}; it was left as it was") from None
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return Release(out, files, dataset, changes)


def _swap(staging: Path, out: Path, replace: bool) -> None:
    """Put the finished `staging` folder at `out`, retiring an earlier release there."""
    if not replace:
        os.rename(staging, out)  # also replaces an empty folder; fails if files appeared meanwhile
        return
    retired = staging.with_name(staging.name.replace(".releasing", ".replaced"))
    os.rename(out, retired)
    try:
        os.rename(staging, out)
    except BaseException:
        os.rename(retired, out)
        raise
    shutil.rmtree(retired)
