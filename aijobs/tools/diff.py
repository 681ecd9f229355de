"""What changed in the knowledge, record by record and claim by claim, for review.

A textual diff of YAML shows moved lines and reflowed text; this compares what the
records say. Either side may be a curated folder or a git revision of this repository.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aijobs.claims import Claim
from aijobs.errors import AijobsError, UsageError
from aijobs.kb import KnowledgeBase, validate
from aijobs.problems import Problem, printable


class DiffError(UsageError):
    """A side of the diff is neither a folder nor a git revision (exit 2: `diff` exits 1 for changes)."""


GIT_TIMEOUT = 60  # seconds for one git call; a git that does not answer is an error, not a hang


def _git(*args: str) -> bytes:
    """Run git with `args` (options first, then `--end-of-options` or `--` where it takes user text)."""
    try:
        return subprocess.run(
            ["git", *args], capture_output=True, check=True, timeout=GIT_TIMEOUT, stdin=subprocess.DEVNULL
        ).stdout
    except subprocess.TimeoutExpired:
        raise AijobsError(f"git {args[0]} did not finish within {GIT_TIMEOUT} s; nothing was compared") from None


def resolve_revision(spec: str, curated: str = "curated") -> str:
    """The commit id `spec` names, verified by git; raises DiffError naming `spec` otherwise.

    `spec` reaches git only after `--end-of-options`, so no revision can become an
    option (`--output=FILE` is refused before git sees it as well).
    """
    problem = f"{spec!r} is neither a folder nor a git revision with {curated}/"
    if spec.startswith("-"):
        raise DiffError(f"{problem} (a revision never starts with '-')")
    try:
        found = _git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{spec}^{{commit}}")
    except FileNotFoundError:
        raise DiffError(f"{problem} (git is not installed)") from None
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or b"").decode(errors="replace").strip().splitlines()
        raise DiffError(f"{problem} ({detail[-1] if detail else 'git cannot find that commit'})") from None
    commit = found.decode("ascii", errors="replace").strip()
    if not commit or not all(c in "0123456789abcdef" for c in commit):
        raise DiffError(f"{problem} (git answered {commit!r})")
    return commit


@contextmanager
def curated_at(spec: str, curated: str = "curated") -> Iterator[Path]:
    """A folder holding `spec`: the folder itself, or the curated/ tree of a git revision."""
    folder = Path(spec)
    if folder.is_dir():
        yield folder
        return
    commit = resolve_revision(spec, curated)
    try:
        archive = _git("archive", "--format=tar", commit, "--", curated)
    except (OSError, subprocess.CalledProcessError) as exc:
        stderr = getattr(exc, "stderr", b"") or b""
        detail = stderr.decode(errors="replace").strip() or str(exc)
        raise DiffError(f"{spec!r} is neither a folder nor a git revision with {curated}/ ({detail})") from None
    with tempfile.TemporaryDirectory(prefix="aijobs-diff-") as temp:
        try:
            with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
                tar.extractall(temp, filter="data")  # no links out of the folder, no special files
        except tarfile.FilterError as exc:  # a link out of the tree; never named by its target
            name = exc.tarinfo.name
            raise DiffError(
                f"{spec!r}: {printable(name)} is a link out of {curated}/; aijobs reads only regular files "
                "inside curated/: replace it with the file itself"
            ) from None
        except tarfile.TarError as exc:
            raise AijobsError(f"cannot unpack {curated}/ of {spec!r}: {exc}") from None
        yield Path(temp) / curated


def _describe(claim: Claim) -> str:
    lang = f" [{claim.lang}]" if claim.lang else ""
    cites = "; ".join(citation.describe() for citation in claim.citations)
    return f"{claim.key} {claim.property}{lang}: {claim.value}  ← {cites}"


def _claim_state(claim: Claim) -> tuple[str, str, tuple[Any, ...]]:
    return (claim.value, claim.value_json(), tuple(c.model_dump_json() for c in claim.citations))


@dataclass
class RecordChange:
    kind: str
    record_id: str
    change: str  # added, removed, changed
    lines: list[str] = field(default_factory=list)


def compare(old: KnowledgeBase, new: KnowledgeBase) -> list[RecordChange]:
    changes = []
    old_ids = {item.record.id: item.record for item in old.loaded}
    new_ids = {item.record.id: item.record for item in new.loaded}
    for record_id in sorted(old_ids.keys() | new_ids.keys()):
        before, after = old_ids.get(record_id), new_ids.get(record_id)
        if before is None and after is not None:
            changes.append(
                RecordChange(
                    after.kind_name, record_id, "added", [f"+ {_describe(c)}" for c in new.claims_about(record_id)]
                )
            )
        elif after is None and before is not None:
            changes.append(
                RecordChange(
                    before.kind_name, record_id, "removed", [f"- {_describe(c)}" for c in old.claims_about(record_id)]
                )
            )
        elif before is not None and after is not None and before != after:
            changes.append(RecordChange(after.kind_name, record_id, "changed", _record_lines(old, new, before, after)))
    return changes


def _record_lines(old: KnowledgeBase, new: KnowledgeBase, before: Any, after: Any) -> list[str]:
    lines = []
    old_claims = {c.key: c for c in old.claims_about(before.id)}
    new_claims = {c.key: c for c in new.claims_about(after.id)}
    for key in sorted(old_claims.keys() | new_claims.keys()):
        a, b = old_claims.get(key), new_claims.get(key)
        if a is None and b is not None:
            lines.append(f"+ {_describe(b)}")
        elif b is None and a is not None:
            lines.append(f"- {_describe(a)}")
        elif a is not None and b is not None and _claim_state(a) != _claim_state(b):
            if _describe(a) != _describe(b):
                lines.append(f"- {_describe(a)}")
                lines.append(f"+ {_describe(b)}")
            elif a.path:  # same wording, other details (a date, a bound): show the statement's fields
                lines.append(f"~ {a.key}: {a.value_json()} -> {b.value_json()}")
    plain_before = before.model_dump(mode="json")
    plain_after = after.model_dump(mode="json")
    for name in type(after).model_fields:
        if plain_before.get(name) != plain_after.get(name) and not _holds_claims(plain_after.get(name)):
            lines.append(f"~ {name}: {plain_before.get(name)!r} -> {plain_after.get(name)!r}")
    return lines


def _holds_claims(value: Any) -> bool:
    """Whether a field's value is made of cited statements (already compared as claims)."""
    if isinstance(value, dict):
        return "cite" in value
    if isinstance(value, list):
        return any(_holds_claims(item) for item in value)
    return False


def diff(old_spec: str, new_spec: str) -> tuple[list[RecordChange], list[Problem]]:
    """Changes from `old_spec` to `new_spec`, and any problems loading `new_spec`."""
    with curated_at(old_spec) as old_root, curated_at(new_spec) as new_root:
        old, _ = validate(old_root)
        new, problems = validate(new_root)
        return compare(old, new), problems
