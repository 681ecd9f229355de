#!/usr/bin/env python3
"""Every check of the project, in one place and in one order.

.ci/run, the GitHub workflow and the pre-commit hooks all call this script, so what
"the checks" are cannot drift between them. Each check either runs and passes, runs
and fails, or is skipped with its reason; a skipped check is never reported as
passed. Checks that need the source documents are skipped when there are none,
unless AIJOBS_REQUIRE_CORPUS=1 (as in CI) makes that a failure.

    python .ci/checks.py                      # everything
    python .ci/checks.py --only validate,fmt  # some checks
    python .ci/checks.py --skip tests         # all but some
    python .ci/checks.py --list               # what there is
    python .ci/checks.py --format github      # warnings as workflow annotations

Exit status: 0 when every check that ran passed (and none that is required was
skipped), 1 otherwise, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _truthy(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0", "false", "no")


def _corpus_missing() -> str | None:
    """Why the source documents cannot be used, or None when they can."""
    try:
        from aijobs.provenance.corpus import corpus_problem
    except ImportError as exc:  # aijobs not installed in this environment
        return f"aijobs is not importable ({exc}); install it with pip install -e '.[dev]'"
    return corpus_problem(ROOT / "curated")


def _postgres_missing() -> str | None:
    if not os.environ.get("AIJOBS_TEST_POSTGRES_URL"):
        return "AIJOBS_TEST_POSTGRES_URL is not set (no PostgreSQL server to build into)"
    return None


def _masked(arg: str) -> str:
    """A command-line argument as it may be printed: a URL's password replaced by ***."""
    return re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\g<1>***@", arg)


@dataclass(frozen=True)
class Check:
    name: str
    what: str
    command: Callable[[Path, str], list[str]]  # (temporary folder, problem format)
    needs: Callable[[], str | None] = lambda: None  # the reason it cannot run, or None
    required_by: str = ""  # environment variable that turns a skip into a failure


CHECKS: tuple[Check, ...] = (
    Check("validate", "records: YAML, fields, ids, references", lambda _, f: ["aijobs", "validate", "--format", f]),
    Check(
        "verify",
        "citations against the source documents",
        lambda _, f: ["aijobs", "verify", "--format", f],
        _corpus_missing,
        "AIJOBS_REQUIRE_CORPUS",
    ),
    Check(
        "coverage",
        "every number and paragraph of the sources cited or excepted",
        lambda _, __: ["aijobs", "coverage", "--check"],
        _corpus_missing,
        "AIJOBS_REQUIRE_CORPUS",
    ),
    Check("fmt", "records in canonical form", lambda _, __: ["aijobs", "fmt", "--check"]),
    Check("schema", "JSON Schemas up to date", lambda _, __: ["aijobs", "schema", "--check"]),
    Check(
        "docs",
        "README sections generated from code are current",
        lambda _, __: ["cog", "--check", "--diff", "README.md", "curated/README.md"],
    ),
    Check("ruff", "lint", lambda _, __: ["ruff", "check", "."]),
    Check("mypy", "types (strict)", lambda _, __: ["mypy"]),
    Check("tests", "the test suite", lambda _, __: ["pytest", "-q"]),
    Check("build", "a SQLite build from curated/", lambda tmp, _: ["aijobs", "build", "--db", str(tmp / "aijobs.db")]),
    Check(
        "build-postgres",
        "a PostgreSQL build from curated/",
        lambda _, __: ["aijobs", "build", "--db", os.environ.get("AIJOBS_TEST_POSTGRES_URL", "")],
        _postgres_missing,
        "AIJOBS_REQUIRE_POSTGRES",
    ),
)
NAMES = tuple(check.name for check in CHECKS)


def _select(text: str | None, parser: argparse.ArgumentParser) -> set[str]:
    if not text:
        return set()
    chosen = {name.strip() for name in text.split(",") if name.strip()}
    unknown = sorted(chosen - set(NAMES))
    if unknown:
        parser.error(f"unknown check(s) {', '.join(unknown)}; choose from {', '.join(NAMES)}")
    return chosen


def _github_escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the project's checks in order.")
    parser.add_argument("--only", help="comma-separated checks to run (default: all)")
    parser.add_argument("--skip", help="comma-separated checks not to run")
    parser.add_argument("--list", action="store_true", help="list the checks and exit")
    parser.add_argument("--format", choices=("text", "github"), default="text", help="how to report skipped checks")
    args = parser.parse_args(argv)
    if args.list:
        for check in CHECKS:
            print(f"{check.name:15} {check.what}")
        return 0
    only, skip = _select(args.only, parser), _select(args.skip, parser)
    selected = [c for c in CHECKS if (not only or c.name in only) and c.name not in skip]

    results: list[tuple[str, str, str]] = []  # (name, outcome, detail)
    with tempfile.TemporaryDirectory(prefix="aijobs-checks-") as tmp:
        for check in selected:
            reason = check.needs()
            if reason is not None:
                if check.required_by and _truthy(check.required_by):
                    print(f"--- {check.name}: FAILED, required by {check.required_by}=1 but {reason}", flush=True)
                    results.append((check.name, "failed", f"required but {reason}"))
                else:
                    print(f"--- {check.name}: SKIPPED, {reason}", flush=True)
                    results.append((check.name, "skipped", reason))
                continue
            command = check.command(Path(tmp), args.format)
            if shutil.which(command[0]) is None:
                detail = f"{command[0]} is not installed; pip install -e '.[dev]'"
                print(f"--- {check.name}: FAILED, {detail}", flush=True)
                results.append((check.name, "failed", detail))
                continue
            print(f"--- {check.name}: {' '.join(_masked(arg) for arg in command)}", flush=True)
            started = time.monotonic()
            code = subprocess.run(command, cwd=ROOT, check=False).returncode
            seconds = time.monotonic() - started
            outcome = "passed" if code == 0 else "failed"
            results.append((check.name, outcome, f"exit {code}, {seconds:.1f} s"))

    print("\nchecks:")
    for name, outcome, detail in results:
        print(f"  {name:15} {outcome.upper():8} {detail}")
    skipped = [name for name, outcome, _ in results if outcome == "skipped"]
    failed = [name for name, outcome, _ in results if outcome == "failed"]
    if skipped and args.format == "github":
        reasons = "; ".join(f"{n}: {d}" for n, o, d in results if o == "skipped")
        print(f"::warning title=aijobs checks not run::{_github_escape(f'Not run: {reasons}')}")
    ran = len(results) - len(skipped)
    summary = f"checks: {ran} ran, {len(failed)} failing; {len(skipped)} not run"
    if skipped:
        summary += f" ({', '.join(skipped)})"
    print(summary)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
