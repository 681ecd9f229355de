"""Problems found in curated data, written for the person who has to fix them.

Every check in aijobs reports `Problem`s instead of raising, so one run shows every
mistake in a pull request at once, each with the file, line and column, the field,
what was expected and what was found.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from aijobs.errors import AijobsError

# Characters that must never reach a terminal or a CI log raw: C0 and C1 controls (a
# newline would start a fake line or a GitHub workflow command, ESC starts terminal
# escape sequences), line and paragraph separators, bidirectional overrides and
# isolates (they reorder what is displayed), and lone surrogates (undecodable bytes in
# a file name, which would crash the output encoder).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: str) -> str:
    """`text` with unsafe characters written as Python escapes (\\n, \\x1b, \\u202e); else unchanged."""
    if (text.isascii() and text.isprintable()) or _UNSAFE.search(text) is None:  # the first test is quicker
        return text
    return _UNSAFE.sub(lambda match: repr(match.group())[1:-1], text)


@dataclass(frozen=True, order=True)
class Location:
    """A place in a curated file; line and column count from 1 (0 means unknown)."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.path
        return f"{self.path}:{self.line}:{self.column or 1}"


@dataclass(frozen=True, order=True)
class Problem:
    location: Location
    message: str
    field: str = ""
    code: str = "invalid"

    def __str__(self) -> str:
        where = f" {self.field}:" if self.field else ""
        return printable(f"{self.location}:{where} {self.message}")


class ProblemsFound(AijobsError):
    """Raised by library entry points when data is invalid; carries every problem."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__(f"{len(self.problems)} problem(s) in curated data")


def display_path(path: Path, root: Path | None = None) -> str:
    """A path as a contributor would type it: relative to the working directory if possible.

    Never resolves the last component: a symbolic link is shown as itself, never as its
    target. Unsafe characters in the result are escaped (see `printable`).
    """
    if not path.is_absolute():
        return printable(str(path))
    bases = [base for base in (Path.cwd(), root) if base is not None]
    for base in bases:  # lexically first: no system calls on the common path
        if path.is_relative_to(base):
            return printable(str(path.relative_to(base)))
    real = Path(os.path.realpath(path.parent)) / path.name
    for base in bases:
        real_base = Path(os.path.realpath(base))
        if real.is_relative_to(real_base):
            return printable(str(real.relative_to(real_base)))
    return printable(str(path))


def format_problems(problems: Iterable[Problem], style: str = "text") -> str:
    """Render problems as plain `file:line:col: message` lines, GitHub annotations or JSON lines.

    Whatever a file name or a value holds, each problem is exactly one line: control and
    bidirectional characters are escaped in every style, GitHub workflow-command
    properties and data are escaped by GitHub's rules, and JSON escapes what it must.
    """
    lines: list[str] = []
    for problem in sorted(problems):
        if style == "github":
            loc = problem.location
            props = [f"file={_github_property(loc.path)}"]
            if loc.line:
                props += [f"line={loc.line}", f"col={loc.column or 1}"]
            props.append(f"title={_github_property(f'aijobs {problem.code}')}")
            message = (f"{problem.field}: " if problem.field else "") + problem.message
            lines.append(f"::error {','.join(props)}::{_github_data(message)}")
        elif style == "json":
            loc = problem.location
            line = json.dumps(
                {
                    "file": loc.path,
                    "line": loc.line,
                    "column": loc.column,
                    "field": problem.field,
                    "code": problem.code,
                    "message": problem.message,
                },
                ensure_ascii=False,
            )
            lines.append(_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", line))
        else:
            line = str(problem)
            # A line starting with '::' is a workflow command to a GitHub runner, whatever
            # the format asked for; './' names the same (relative) file.
            lines.append(f"./{line}" if line.startswith("::") else line)
    return "\n".join(lines)


def _github_data(text: str) -> str:
    """Escape a workflow command's message (GitHub's escapeData)."""
    return printable(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    """Escape a workflow command's property value (GitHub's escapeProperty)."""
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")
