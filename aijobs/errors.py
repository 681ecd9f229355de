"""The one error channel: every operational failure is an `AijobsError`.

Library functions raise these; the command line catches them in one place,
``aijobs.cli.Boundary`` (the top-level command group that ``aijobs.cli.main`` runs), and
prints one line, ``Error: <message>``, with the error's exit code. Invalid curated data
is not an exception but a list of `Problem`s (``aijobs.problems``); `ProblemsFound`
carries them when a library call must raise.

Exit codes (published in the README and held by tests/test_errors.py):

* 0 — success;
* 1 — invalid data, a failed check, an operation that could not be done, or something
  the command needed that is missing or unreadable (`NotFound`: a file, folder,
  database, corpus, record id or paragraph);
* 2 — a usage error (`UsageError`): the command line cannot be carried out as written
  (an unknown option, a malformed value, an argument that is not valid UTF-8);
* 130 — interrupted (Ctrl-C);
* 143 — terminated (SIGTERM, as `kill` and process managers send it): `Terminated`.

To add a check, raise the subclass that fits with a message that names the file or
argument and says how to fix it; the boundary does the rest.
"""

from __future__ import annotations

from typing import ClassVar


class AijobsError(Exception):
    """An operational failure, explained in one line for the person who ran aijobs."""

    exit_code: ClassVar[int] = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(AijobsError):
    """A bad argument, option or path: the command could not start."""

    exit_code: ClassVar[int] = 2


class NotFound(AijobsError):
    """A file, folder, database, record or paragraph that was asked for does not exist."""


class Terminated(BaseException):
    """SIGTERM arrived while a command ran (`aijobs.cli` raises it from the signal's handler).

    Not an Exception, like KeyboardInterrupt: it unwinds everything, so every temporary file
    is removed and every transaction rolled back on the way out, as for Ctrl-C.
    """

    exit_code: ClassVar[int] = 143
