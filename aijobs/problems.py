"""Problems found in curated data, written for the person who has to fix them.

Every check in aijobs reports `Problem`s instead of raising, so one run shows every
mistake in a pull request at once, each with the file, line and column, the field,
what was expected and what was found.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from aijobs.errors import AijobsError


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
        return f"{self.location}:{where} {self.message}"


class ProblemsFound(AijobsError):
    """Raised by library entry points when data is invalid; carries every problem."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__(f"{len(self.problems)} problem(s) in curated data")


def display_path(path: Path, root: Path | None = None) -> str:
    """A path as a contributor would type it: relative to the working directory if possible."""
    for base in (Path.cwd(), root):
        if base is None:
            continue
        try:
            return str(path.resolve().relative_to(base.resolve()))
        except ValueError:
            continue
    return str(path)


def format_problems(problems: Iterable[Problem], style: str = "text") -> str:
    """Render problems as plain `file:line:col: message` lines or GitHub annotations."""
    lines: list[str] = []
    for problem in sorted(problems):
        if style == "github":
            loc = problem.location
            props = [f"file={loc.path}"]
            if loc.line:
                props += [f"line={loc.line}", f"col={loc.column or 1}"]
            title = f"aijobs {problem.code}"
            message = (f"{problem.field}: " if problem.field else "") + problem.message
            lines.append(f"::error {','.join(props)},title={title}::{_escape_github(message)}")
        elif style == "json":
            loc = problem.location
            lines.append(
                json.dumps(
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
            )
        else:
            lines.append(str(problem))
    return "\n".join(lines)


def _escape_github(message: str) -> str:
    return message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
