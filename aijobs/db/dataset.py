"""Which dataset a build or an export holds: version, git commit, commit date, schema.

`aijobs build` writes this into the `dataset` table, and every export carries it, so a
file found on its own still says where it comes from. Nothing here reads the clock:
the date is the commit's, so two builds of the same commit are identical.

The commit is the repository's HEAD when the curated folder is tracked there and has
no uncommitted changes; otherwise (no git, a folder outside any repository, an ignored
copy, local edits) commit and date are None rather than a commit the data is not at.
Git runs with a fixed argument list, a timeout and the repository-controlled commands
it could otherwise run (fsmonitor, signature checks) turned off.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

GIT_TIMEOUT = 30.0
"""Seconds any one git command may take before it counts as unavailable."""

UNKNOWN_VERSION = "0+unknown"
"""The version reported when aijobs runs without being installed."""

DATA_LICENSE = "CC0-1.0"
DATA_LICENSE_URL = "https://creativecommons.org/publicdomain/zero/1.0/"


class GitError(Exception):
    """A git command failed, timed out or is not installed."""


def run_git(folder: Path, *args: str, timeout: float = GIT_TIMEOUT) -> str:
    """stdout of `git -C folder ARGS` as text (see `git_output`)."""
    return git_output(folder, *args, timeout=timeout).decode("utf-8", errors="replace")


def git_output(folder: Path, *args: str, timeout: float = GIT_TIMEOUT) -> bytes:
    """stdout of `git -C folder ARGS`, run without a shell, prompts or repository hooks."""
    command = ["git", "-c", "core.fsmonitor=false", "-c", "core.quotePath=false", "-C", str(folder), *args]
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    try:
        done = subprocess.run(
            command, capture_output=True, timeout=timeout, check=False, env=env, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise GitError(f"git {args[0] if args else ''}: {exc}") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
        raise GitError(f"git {args[0] if args else ''}: {detail[-1] if detail else f'exit {done.returncode}'}")
    return done.stdout


def aijobs_version() -> str:
    """The installed aijobs package's version."""
    try:
        return package_version("aijobs")
    except PackageNotFoundError:
        return UNKNOWN_VERSION


def _utc(timestamp: str) -> str:
    return datetime.fromtimestamp(int(timestamp), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def data_commit(curated: Path) -> tuple[str | None, str | None]:
    """(commit, UTC date) the curated folder is exactly at, or (None, None)."""
    if not curated.is_dir():
        return None, None
    try:
        if run_git(curated, "rev-parse", "--is-inside-work-tree").strip() != "true":
            return None, None
        if not run_git(curated, "ls-files", "-z", "--", ".").strip("\0"):
            return None, None  # not tracked here (e.g. an ignored, packaged copy)
        if run_git(curated, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", "."):
            return None, None  # uncommitted changes: the data is at no commit
        line = run_git(curated, "show", "-s", "--no-show-signature", "--format=%H %ct", "--end-of-options", "HEAD")
        commit, timestamp = line.split()
        return commit, _utc(timestamp)
    except (GitError, ValueError):
        return None, None


@dataclass(frozen=True)
class DatasetInfo:
    """One row of the `dataset` table."""

    version: str
    git_commit: str | None
    commit_date: str | None
    schema_revision: str

    def as_row(self) -> dict[str, Any]:
        return asdict(self)


def dataset_info(curated: Path, version: str | None = None) -> DatasetInfo:
    """The dataset metadata of a build of `curated` with this aijobs."""
    from aijobs.db.migrate import head_revision

    commit, date = data_commit(curated)
    return DatasetInfo(
        version=version or aijobs_version(), git_commit=commit, commit_date=date, schema_revision=head_revision()
    )
